# Binding sources compiled on both platforms (Node addon here, libentry.so in entry/src/main/cpp/CMakeLists.txt).
# Only the registration differs: node/register_node.cpp vs ohos/register_ohos.cpp (+ the other ohos/ files).
set(NPULENS_BINDING_DIR ${CMAKE_CURRENT_LIST_DIR})
set(NPULENS_BINDING_SOURCES
  ${NPULENS_BINDING_DIR}/src/js_util.cpp
  ${NPULENS_BINDING_DIR}/src/convert.cpp
  ${NPULENS_BINDING_DIR}/src/job_queue.cpp
  ${NPULENS_BINDING_DIR}/src/load_options.cpp
  ${NPULENS_BINDING_DIR}/src/benchmark_worker.cpp
  ${NPULENS_BINDING_DIR}/src/classifier.cpp
  ${NPULENS_BINDING_DIR}/src/addon.cpp)
# node-addon-api without C++ exceptions: every failure is a Status turned into a JS error explicitly. A completion
# that runs while its env shuts down (process.exit() in a worker thread, engine teardown) cannot throw into JS:
# node-addon-api then drops the error (SWALLOW_UNTHROWABLE) instead of aborting the process.
set(NPULENS_BINDING_DEFINITIONS NAPI_VERSION=8 NAPI_DISABLE_CPP_EXCEPTIONS NODE_ADDON_API_DISABLE_DEPRECATED
  NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS)
