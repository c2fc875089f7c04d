#!/usr/bin/env bash
# Node suite: builds the TypeScript (dist/) and the addon (cmake-js, own build dir), generates the ONNX test
# fixtures, checks the binding's buffer rule, runs the node:test files in test/node (API contract, Index.d.ts
# drift, oracle vs onnxruntime-node, golden samples, CLI end to end and over a fake backend, leaks), then the API contract tests again on an
# AddressSanitizer + UBSan build of the addon. Build dir: $NPULENS_NODE_BUILD_DIR (default build/node).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath -m "${NPULENS_NODE_BUILD_DIR:-build/node}")  # absolute: cmake and the tests run from other folders
mkdir -p "$build"

echo "--- TypeScript (npm run build:ts)"
npx --no-install tsc -p tsconfig.json

echo "--- addon ($build/Release/npulens.node)"
npx --no-install cmake-js compile --out "$build" --target npulens_addon --parallel 2 \
  --CDNPULENS_BUILD_TESTS=OFF --log-level warn >"$build/cmake-js.log" 2>&1 || { cat "$build/cmake-js.log"; exit 1; }
export NPULENS_ADDON=$build/Release/npulens.node

echo "--- fixtures"
export NPULENS_TEST_FIXTURES=$build/fixtures
/usr/bin/python3 test/node/fixtures/make_models.py "$NPULENS_TEST_FIXTURES"

echo "--- binding buffer rule: ArrayBuffer/TypedArray memory only through ReadBytes (OHOS napi length-pointer gap)"
if grep -rnE '\.(Data|ByteLength)\(\)' cpp/binding --include=*.cpp --include=*.h | grep -v -e 'Napi::External<' -e 'info\.Data()'; then
  echo "node-addon-api buffer accessors above pass a null length pointer on OHOS: use ReadBytes (cpp/binding/src/js_util.h)"
  exit 1
fi

echo "--- node --test test/node/*.test.mjs"
node --test --test-concurrency=1 test/node/*.test.mjs

echo "--- addon under AddressSanitizer + UndefinedBehaviorSanitizer: API contract tests"
asan_build=$build/asan
cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNPULENS_SANITIZE=ON -DNPULENS_BUILD_TESTS=OFF \
  -DCMAKE_JS_INC="$PWD/node_modules/node-api-headers/include;$PWD/node_modules/node-addon-api" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/$asan_build/Release" >"$build/asan-configure.log" 2>&1 \
  || { cat "$build/asan-configure.log"; exit 1; }
cmake --build "$asan_build" -j 2 --target npulens_addon >"$build/asan-build.log" 2>&1 || { cat "$build/asan-build.log"; exit 1; }
# node itself is not instrumented: the sanitizer runtimes are preloaded; leak checking stays off (V8 keeps memory).
LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
  ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  NPULENS_ADDON=$PWD/$asan_build/Release/npulens.node \
  node --test --test-concurrency=1 test/node/api-contract.test.mjs
