# CMake toolchain file: cross-compile for 64-bit Arm Linux (glibc) with Debian's GCC cross toolchain
# (g++-aarch64-linux-gnu; headers and libraries under /usr/aarch64-linux-gnu). Programs built with it run on an
# x86-64 host under qemu-user: qemu-aarch64 -L /usr/aarch64-linux-gnu <program> (scripts/test.d/15-aarch64.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
# Build tools come from the host; headers, libraries and packages only from the target's root.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
