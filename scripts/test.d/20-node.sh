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

echo "--- device-only binding sources: clang++-16 --target=aarch64-linux-gnu -fsyntax-only"
ohos_check_flags=(--target=aarch64-linux-gnu -std=c++17 -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only
  -Icpp/binding/ohos/test-sdk/include -Inode_modules/node-api-headers/include -Inode_modules/node-addon-api
  -Icpp/core/include -Icpp/nnrt/include -Icpp/binding/src -Icpp/binding/ohos
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED)
for source in cpp/binding/src/*.cpp cpp/binding/ohos/*.cpp; do
  clang++-16 "${ohos_check_flags[@]}" "$source"
done
echo "aarch64 syntax check: $(ls cpp/binding/src/*.cpp cpp/binding/ohos/*.cpp | wc -l) files clean"

echo "--- node --test test/node/*.test.mjs"
node --test --test-concurrency=1 test/node/*.test.mjs
