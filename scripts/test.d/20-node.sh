#!/usr/bin/env bash
# Node suite: builds the TypeScript (dist/) and the addon (cmake-js, own build dir), generates the ONNX test
# fixtures, syntax-checks the device-only binding sources for aarch64 against test-only SDK declarations, then runs
# the node:test files in test/node (API contract, Index.d.ts drift, oracle vs onnxruntime-node, golden samples,
# CLI end to end, leaks).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${NPULENS_NODE_BUILD_DIR:-build/node}
mkdir -p "$build"

echo "--- TypeScript (npm run build:ts)"
npx --no-install tsc -p tsconfig.json

echo "--- addon ($build/Release/npulens.node)"
npx --no-install cmake-js compile --out "$build" --target npulens_addon --parallel 2 \
  --CDNPULENS_BUILD_TESTS=OFF --log-level warn >"$build/cmake-js.log" 2>&1 || { cat "$build/cmake-js.log"; exit 1; }
export NPULENS_ADDON=$PWD/$build/Release/npulens.node

echo "--- fixtures"
export NPULENS_TEST_FIXTURES=$PWD/$build/fixtures
/usr/bin/python3 test/node/fixtures/make_models.py "$NPULENS_TEST_FIXTURES"

echo "--- binding buffer rule: ArrayBuffer/TypedArray memory only through ReadBytes (OHOS napi length-pointer gap)"
if grep -rnE '\.(Data|ByteLength)\(\)' cpp/binding --include=*.cpp --include=*.h | grep -v -e 'Napi::External<' -e 'info\.Data()'; then
  echo "node-addon-api buffer accessors above pass a null length pointer on OHOS: use ReadBytes (cpp/binding/src/js_util.h)"
  exit 1
fi

echo "--- device build (entry/src/main/cpp/CMakeLists.txt): every object for OHOS arm64, stand-in SDK, no link"
# The stand-in sysroot: test-only napi/rawfile/hilog declarations, node-api-headers' node_api.h (napi.h includes
# it, as on the SDK), and the NNRt/CANN declarations that cpp/hostnn keeps for the host.
sysroot=$PWD/$build/ohos-sysroot
rm -rf "$sysroot" && mkdir -p "$sysroot/usr/include" "$build/ohos-json"
cp -r cpp/binding/ohos/test-sdk/include/. node_modules/node-api-headers/include/. "$sysroot/usr/include/"
cp -r cpp/hostnn/include/neural_network_runtime cpp/hostnn/include/CANNKit "$sysroot/usr/include/"
ln -sfn /usr/include/nlohmann "$build/ohos-json/nlohmann"
cmake -S entry/src/main/cpp -B "$build/ohos-entry" -G Ninja -Wno-dev \
  -DCMAKE_TOOLCHAIN_FILE="$PWD/cpp/binding/ohos/test-sdk/aarch64-check.toolchain.cmake" \
  -DCMAKE_SYSROOT="$sysroot" -DNPULENS_JSON_INCLUDE_DIR="$PWD/$build/ohos-json" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wno-unused-parameter" >"$build/ohos-entry.log" 2>&1 \
  || { cat "$build/ohos-entry.log"; exit 1; }
mapfile -t objects < <(ninja -C "$build/ohos-entry" -t targets all | grep -oE '^[^:]*\.(o|obj)')
ninja -C "$build/ohos-entry" -j 2 "${objects[@]}" >"$build/ohos-entry-build.log" 2>&1 || { cat "$build/ohos-entry-build.log"; exit 1; }
echo "device build: ${#objects[@]} objects compiled for aarch64 (OHOS sources: $(printf '%s\n' "${objects[@]}" | grep -c '/ohos/\|/device/'))"

echo "--- node --test test/node/*.test.mjs"
node --test --test-concurrency=1 test/node/*.test.mjs
