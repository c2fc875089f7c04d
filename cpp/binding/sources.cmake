# Binding sources compiled on both platforms (Node addon here, libentry.so in entry/src/main/cpp/CMakeLists.txt).
# Only the registration differs: node/register_node.cpp vs ohos/register_ohos.cpp (+ the other ohos/ files).
set(NPULENS_BINDING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(NPULENS_BINDING_SOURCES
  ${NPULENS_BINDING_DIR}/src/js_util.cpp
  ${NPULENS_BINDING_DIR}/src/convert.cpp
  ${NPULENS_BINDING_DIR}/src/job_queue.cpp
  ${NPULENS_BINDING_DIR}/src/mapped_fd.cpp
  ${NPULENS_BINDING_DIR}/src/model_source.cpp
  ${NPULENS_BINDING_DIR}/src/classifier.cpp
  ${NPULENS_BINDING_DIR}/src/addon.cpp)
# node-addon-api without C++ exceptions: every failure is a Status turned into a JS error explicitly.
set(NPULENS_BINDING_DEFINITIONS NAPI_VERSION=8 NAPI_DISABLE_CPP_EXCEPTIONS NODE_ADDON_API_DISABLE_DEPRECATED)
