# The ONNX model builder of the host runtime tests (onnx_builder.h), one library for every user, defined once:
# include()d here (hostnn's tests and synthetic models, nnrt's integration test) and by cpp/fuzz (the seed writer).
# Needs find_package(ONNX) and find_package(Protobuf) first.
add_library(hostnn_onnx_builder STATIC ${CMAKE_CURRENT_LIST_DIR}/onnx_builder.cpp)
target_include_directories(hostnn_onnx_builder PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(hostnn_onnx_builder PUBLIC onnx_proto protobuf::libprotobuf)
