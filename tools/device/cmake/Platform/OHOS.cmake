# CMake 3.25 has no OHOS platform (the SDK's CMake adds one): OpenHarmony is an ELF/Linux-kernel system, so use
# CMake's Linux rules (lib*.so with an SONAME, -fPIC, .o objects).
include(Platform/Linux)
