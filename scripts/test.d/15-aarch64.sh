#!/usr/bin/env bash
# aarch64 suite: the host runtime's own convolution kernels - int8 (scalar, NEON, NEON dot-product) and fp32 (its
# portable variant) - cross-compiled for 64-bit Arm (cpp/cmake/aarch64-linux-gnu.cmake, project
# cpp/tests/hostnn/aarch64) and their tests (qconv_int8_test.cpp: every variant against the naive reference, bit for
# bit, and the variant selection; conv_f32_test.cpp, fc_f32_test.cpp: against a double reference) run
# under qemu-aarch64 on two emulated CPUs from an optimised build, and on the first from an AddressSanitizer + UBSan
# build:
#   max         ARMv8.x with the dot-product extension: scalar, NEON and NEON dotprod must all be supported and run
#   cortex-a53  ARMv8.0 without it: scalar and NEON only (the runtime detection must not pick sdot)
# NPULENS_TEST_INT8_ISAS tells the test which variants each CPU must support. Only the kernels: the rest of hostnn
# needs XNNPACK, ONNX and protobuf, which Debian provides for arm64 only through a multiarch setup.
# Tools: g++-aarch64-linux-gnu, qemu-user, googletest sources, pthreadpool.h (scripts/setup.sh installs them).
# Build dir: $NPULENS_AARCH64_BUILD_DIR (default build/aarch64).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/steps.sh

missing=()
for tool in aarch64-linux-gnu-g++ qemu-aarch64 cmake ninja; do command -v "$tool" >/dev/null || missing+=("$tool"); done
for file in /usr/aarch64-linux-gnu/lib/libstdc++.so.6 /usr/src/googletest/CMakeLists.txt /usr/include/pthreadpool.h; do
  [ -e "$file" ] || missing+=("$file")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "aarch64: FAILED: missing ${missing[*]} (run scripts/setup.sh)"
  echo "aarch64: 0 passed, 1 failed"
  exit 1
fi

build=$(realpath -m "${NPULENS_AARCH64_BUILD_DIR:-build/aarch64}")
lock_build_dir "$build" aarch64

cross_build() {  # <build dir> <extra cmake args...>
  local dir=$1; shift
  mkdir -p "$dir"
  cmake -S cpp/tests/hostnn/aarch64 -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$PWD/cpp/cmake/aarch64-linux-gnu.cmake" \
    "$@" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; return 1; }
  cmake --build "$dir" -j "$(nproc)"
}

run_on() {  # <build dir> <qemu cpu> <variants the test must find supported>
  NPULENS_TEST_INT8_ISAS=$3 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    qemu-aarch64 -cpu "$2" -L /usr/aarch64-linux-gnu "$1/npulens_hostnn_kernel_tests" --gtest_brief=1
}

for kind in release asan; do
  dir=$build/$kind
  args=(-DCMAKE_BUILD_TYPE=Release)
  # -O1 as AddressSanitizer's own guide advises: at -O0 the emulated run took 7 minutes, at -O1 2.
  [ "$kind" = asan ] && args=(-DCMAKE_BUILD_TYPE=Debug -DNPULENS_SANITIZE=ON "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g")
  before=$failed
  step "$kind: cross build (aarch64-linux-gnu-g++ ${args[*]})" cross_build "$dir" "${args[@]}"
  [ "$failed" -gt "$before" ] && continue
  step "$kind: kernel tests under qemu-aarch64 -cpu max (scalar, NEON, NEON dotprod)" \
    run_on "$dir" max scalar,neon,neondot
  # The sanitized build runs where every variant runs; the ARMv8.0 CPU checks the detection, once.
  [ "$kind" = asan ] && continue
  step "$kind: kernel tests under qemu-aarch64 -cpu cortex-a53 (scalar, NEON; no dot product)" \
    run_on "$dir" cortex-a53 scalar,neon
done
steps_summary aarch64
