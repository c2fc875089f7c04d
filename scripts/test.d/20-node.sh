#!/usr/bin/env bash
# Node suite: builds the TypeScript (dist/) and the addon (cmake-js, own build dir) with its twin on the
# OpenHarmony N-API simulation (cpp/binding/ohos-napi-sim), generates the ONNX test fixtures, checks the binding's
# buffer rule, runs the node:test files in test/node (API contract, the contract generator, oracle vs
# onnxruntime-node, golden samples, CLI end to end and over a fake backend, leaks, adversarial use, the soak, the
# simulation's self-test), then the API contract, AIPP, leak, adversarial and soak tests on the OpenHarmony N-API
# twin, and the API contract and adversarial tests on AddressSanitizer + UBSan builds of both. Build dir:
# $NPULENS_NODE_BUILD_DIR (default build/node).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$(realpath -m "${NPULENS_NODE_BUILD_DIR:-build/node}")  # absolute: cmake and the tests run from other folders
mkdir -p "$build"

echo "--- TypeScript (npm run build:ts)"
npx --no-install tsc -p tsconfig.json

echo "--- addon ($build/Release/npulens.node) and its OpenHarmony N-API twin ($build/Release/ohos-napi/npulens.node)"
npx --no-install cmake-js compile --out "$build" --target npulens_addon --parallel 2 \
  --CDNPULENS_BUILD_TESTS=OFF --log-level warn >"$build/cmake-js.log" 2>&1 || { cat "$build/cmake-js.log"; exit 1; }
cmake --build "$build" -j 2 --target npulens_addon_ohos_napi npulens_napi_selftest npulens_napi_selftest_ohos \
  >"$build/ohos-napi-build.log" 2>&1 || { cat "$build/ohos-napi-build.log"; exit 1; }
export NPULENS_ADDON=$build/Release/npulens.node
ohos_napi_addon=$build/Release/ohos-napi/npulens.node
export NPULENS_NAPI_SELFTEST=$build/Release/napi_selftest.node
export NPULENS_NAPI_SELFTEST_OHOS=$build/Release/ohos-napi/napi_selftest.node

echo "--- fixtures"
export NPULENS_TEST_FIXTURES=$build/fixtures
/usr/bin/python3 test/node/fixtures/make_models.py "$NPULENS_TEST_FIXTURES"

echo "--- binding rules: JS buffer memory only through ReadBytes / New*Copy, no ObjectWrap (OHOS N-API differences)"
if grep -rnE '\.(Data|ByteLength|ElementLength|ByteOffset)\(\)|[A-Za-z0-9]+Array::New|TypedArrayOf<|Napi::Buffer<|ObjectWrap<' \
    cpp/binding/src cpp/binding/node cpp/binding/ohos --include=*.cpp --include=*.h \
    | grep -vE '^[^:]+:[0-9]+: *//' | grep -v -e 'Napi::External<' -e 'info\.Data()' -e 'Napi::Array::New'; then
  echo "node-addon-api accessors above misread buffers on OHOS (NULL length pointer, byte length reported as element"
  echo "count) or rely on Node's wrap semantics: use ReadBytes / NewArrayBufferCopy (cpp/binding/src/js_util.h)"
  exit 1
fi

echo "--- node --test test/node/*.test.mjs"
node --test --test-concurrency=1 test/node/*.test.mjs

echo "--- addon on the OpenHarmony N-API simulation: API contract, AIPP / YUV / fd, leak, adversarial and soak tests"
NPULENS_ADDON=$ohos_napi_addon node --test --test-concurrency=1 test/node/api-contract.test.mjs test/node/aipp.test.mjs \
  test/node/leaks.test.mjs test/node/adversarial.test.mjs test/node/soak.test.mjs

echo "--- addon and its OpenHarmony N-API twin under AddressSanitizer + UndefinedBehaviorSanitizer: API contract and"\
  "adversarial tests"
asan_build=$build/asan
cmake -S . -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DNPULENS_SANITIZE=ON -DNPULENS_BUILD_TESTS=OFF \
  -DCMAKE_JS_INC="$PWD/node_modules/node-api-headers/include;$PWD/node_modules/node-addon-api" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$asan_build/Release" >"$build/asan-configure.log" 2>&1 \
  || { cat "$build/asan-configure.log"; exit 1; }
cmake --build "$asan_build" -j 2 --target npulens_addon npulens_addon_ohos_napi >"$build/asan-build.log" 2>&1 \
  || { cat "$build/asan-build.log"; exit 1; }
# node itself is not instrumented: the sanitizer runtimes are preloaded; leak checking stays off (V8 keeps memory).
for addon in "$asan_build/Release/npulens.node" "$asan_build/Release/ohos-napi/npulens.node"; do
  echo "$addon"
  LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
    ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    NPULENS_ADDON=$addon node --test --test-concurrency=1 test/node/api-contract.test.mjs test/node/adversarial.test.mjs
done
