# Device check toolchain (scripts/test.d/25-device.sh): configures entry/src/main/cpp/CMakeLists.txt as the
# OpenHarmony arm64 build of libentry.so with Debian's clang-16, against an OpenHarmony SDK's headers, and links
# it against stub libraries made from the SDK's NDK export lists (tools/device/stubs.mjs). It checks that the
# device code compiles and links; the real libentry.so is built by DevEco with the SDK's own toolchain.
#   -DOHOS_SDK_HOME=<sdk root>            DevEco layout: <root>/default/openharmony/native/sysroot
#   -DNPULENS_DEVICE_STUB_DIR=<dir>       the stub libraries (lib*.so, libc.so, libc++_shared.so)
# What stands in for the SDK toolchain, and why:
#   - clang 16 has no OHOS driver (the triple only names the target): the link is spelled out (-nostdlib).
#   - the C library headers are glibc's for arm64 (the SDK ships musl's with its toolchain, not in the sysroot);
#     the link against musl's export list (libc.so stub) still catches a glibc-only symbol.
#   - libc++ is LLVM 16's (headers; exports in the libc++_shared.so stub), as the NDK's default c++_shared.
#   - libgcc.a of the arm64 GCC cross compiler stands in for compiler-rt's builtins, and its crtbeginS.o/crtendS.o
#     for crtbegin/crtend, which the OHOS toolchain links into every shared library. Outline atomics are off:
#     their libgcc helpers call glibc's private __getauxval (compiler-rt's call musl's getauxval).
#   - the unwinder (_Unwind_*) is resolved from the libc++_shared.so stub, which exports LLVM's libunwind with
#     libc++ and libc++abi (libgcc_eh.a would need glibc's _dl_find_object).
set(CMAKE_SYSTEM_NAME OHOS)
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR}/cmake)  # Platform/OHOS.cmake
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(OHOS TRUE)
set(OHOS_ARCH arm64-v8a)

set(CMAKE_C_COMPILER clang-16)
set(CMAKE_CXX_COMPILER clang++-16)
set(CMAKE_C_COMPILER_TARGET aarch64-linux-ohos)
set(CMAKE_CXX_COMPILER_TARGET aarch64-linux-ohos)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES OHOS_SDK_HOME NPULENS_DEVICE_STUB_DIR)

if(NOT OHOS_SDK_HOME)
  set(OHOS_SDK_HOME "$ENV{OHOS_SDK_HOME}")
endif()
if(NOT EXISTS "${OHOS_SDK_HOME}/default/openharmony/native/sysroot/usr/include/napi/native_api.h")
  message(FATAL_ERROR "OHOS_SDK_HOME (${OHOS_SDK_HOME}) is not an OpenHarmony SDK root (DevEco layout)")
endif()
set(CMAKE_SYSROOT "${OHOS_SDK_HOME}/default/openharmony/native/sysroot")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

set(NPULENS_DEVICE_GCC_DIR /usr/lib/gcc-cross/aarch64-linux-gnu/12)
set(CMAKE_C_FLAGS_INIT "-mno-outline-atomics -idirafter /usr/aarch64-linux-gnu/include")
set(CMAKE_CXX_FLAGS_INIT "-mno-outline-atomics -stdlib=libc++ -idirafter /usr/aarch64-linux-gnu/include")
if(NPULENS_DEVICE_STUB_DIR)
  set(CMAKE_SHARED_LINKER_FLAGS_INIT
    "-fuse-ld=lld -nostdlib -Wl,--no-undefined -L${NPULENS_DEVICE_STUB_DIR} ${NPULENS_DEVICE_GCC_DIR}/crtbeginS.o")
  set(_npulens_runtime
    "-lc++_shared -lc ${NPULENS_DEVICE_GCC_DIR}/libgcc.a ${NPULENS_DEVICE_GCC_DIR}/crtendS.o")
  set(CMAKE_C_STANDARD_LIBRARIES "${_npulens_runtime}")
  set(CMAKE_CXX_STANDARD_LIBRARIES "${_npulens_runtime}")
endif()
