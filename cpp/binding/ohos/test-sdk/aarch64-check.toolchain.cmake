# Test-only: configure entry/src/main/cpp/CMakeLists.txt as a device (OHOS, arm64) build with clang-16 and a
# stand-in sysroot (test-sdk/include + node-api-headers + the NNRt/CANN declarations), so scripts/test.d/20-node.sh
# can compile every device object (core, nnrt with its device sources, binding with its OHOS sources) on Linux.
# Nothing is linked: the OHOS system libraries exist only in the real SDK.
set(CMAKE_SYSTEM_NAME OHOS)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER clang-16)
set(CMAKE_CXX_COMPILER clang++-16)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-gnu)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
