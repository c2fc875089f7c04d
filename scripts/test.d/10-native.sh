#!/usr/bin/env bash
# C++ unit tests (ctest) twice: an optimised build, and an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/../.."
jobs=$(nproc)

run_ctest() {  # <build dir> <extra cmake args...>
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DNPULENS_BUILD_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}

echo "--- ctest (Release)"
run_ctest build/tests-release -DCMAKE_BUILD_TYPE=Release
echo "--- ctest (AddressSanitizer + UndefinedBehaviorSanitizer)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build/tests-asan -DCMAKE_BUILD_TYPE=Debug -DNPULENS_SANITIZE=ON
