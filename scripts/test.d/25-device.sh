#!/usr/bin/env bash
# Device suite: the device code checked against a real OpenHarmony SDK (DevEco layout), as far as it can be without
# a phone. SDK root: $OHOS_SDK_HOME, else ../shared/ohos-sdk beside the repository; with neither the suite says
# so and skips (exit 0); a given or present SDK that is not usable fails it.
#   1. declarations: the host runtime's NNRt headers (cpp/hostnn/include/neural_network_runtime) against the SDK's:
#      every function, enum (underlying type, values), typedef and struct we declare, with the same type
#   2. device build: every object of libentry.so (entry/src/main/cpp/CMakeLists.txt: core, nnrt + its device
#      sources, the binding + its OHOS sources) compiled for arm64 with clang-16, libc++ and -Wall -Wextra -Werror
#      against the SDK's headers (our CANN Kit declarations only because the SDK has none)
#   3. stubs: for each library on libentry.so's link line, an arm64 stub made from the SDK's NDK export list with only
#      the symbols introduced at or before the app's compatibleSdkVersion (build-profile.json5); libhiai_foundation.so
#      from our CANN Kit declarations; libc++_shared.so from LLVM 16's libc++
#   4. device link: libentry.so linked with -Wl,--no-undefined against the stubs (a symbol missing from the SDK or
#      introduced after compatibleSdkVersion fails it); report of where every header and imported symbol came from
#   5. N-API: every napi_* function libentry.so imports has the same (canonical) type in Node's node-api-headers,
#      which the host addon and its tests use, as in the SDK; enum constants declared by both have the same values
#   6. self-tests of the checks: a wrong declaration, a too-new N-API function and an unknown NNRt function must fail
# Tools: clang-16, lld-16, libc++-16-dev, the arm64 GCC cross toolchain (scripts/setup.sh installs them).
# Build dir: $NPULENS_DEVICE_BUILD_DIR (default build/device).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/steps.sh

if [ -n "${OHOS_SDK_HOME:-}" ]; then
  sdk=$OHOS_SDK_HOME; sdk_from="OHOS_SDK_HOME"
elif [ -d ../shared/ohos-sdk ]; then
  sdk=../shared/ohos-sdk; sdk_from="default ../shared/ohos-sdk"
else
  echo "device: SKIPPED the real-SDK checks (declarations, device build and link, N-API): no SDK:" \
    "OHOS_SDK_HOME is not set and ../shared/ohos-sdk does not exist beside $(pwd)"
  echo "device: 0 passed, 0 failed, 6 skipped"
  # CI has the SDK beside the clone: there, a missing SDK fails the suite.
  if [ "${CI:-}" = true ]; then echo "device: CI=true and no SDK: FAILED"; exit 1; fi
  exit 0
fi
sdk=$(realpath -m "$sdk")
if [ ! -f "$sdk/default/openharmony/native/sysroot/usr/include/napi/native_api.h" ] ||
   [ ! -d "$sdk/default/openharmony/native/ndk-exports" ]; then
  echo "device: FAILED: $sdk ($sdk_from) is not an OpenHarmony SDK root: expected" \
    "default/openharmony/native/sysroot/usr/include/napi/native_api.h and default/openharmony/native/ndk-exports/"
  echo "device: 0 passed, 1 failed"
  exit 1
fi
missing=()
for tool in clang-16 clang++-16 ld.lld-16 readelf ninja cmake; do command -v "$tool" >/dev/null || missing+=("$tool"); done
for file in /usr/lib/llvm-16/include/c++/v1/vector /usr/lib/llvm-16/lib/libc++.so.1 /usr/lib/llvm-16/lib/libunwind.so.1 /usr/aarch64-linux-gnu/include/stdio.h \
  /usr/lib/gcc-cross/aarch64-linux-gnu/12/libgcc.a /usr/include/nlohmann/json.hpp node_modules/node-addon-api/napi.h; do
  [ -e "$file" ] || missing+=("$file")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "device: FAILED: missing ${missing[*]} (run scripts/setup.sh)"
  echo "device: 0 passed, 1 failed"
  exit 1
fi
echo "device: SDK $sdk ($sdk_from), compatibleSdkVersion API $(node -e \
  'import("./tools/device/lib.mjs").then((l) => console.log(l.compatibleApiLevel()))')"

build=$(realpath -m "${NPULENS_DEVICE_BUILD_DIR:-build/device}")
lock_build_dir "$build" device

# The device build sees only CANNKit/ of cpp/hostnn/include (the NNRt headers must be the SDK's) and
# nlohmann/json alone (not the host's /usr/include): each through a folder of its own.
mkdir -p "$build/cannkit" "$build/json"
ln -sfn "$PWD/cpp/hostnn/include/CANNKit" "$build/cannkit/CANNKit"
ln -sfn /usr/include/nlohmann "$build/json/nlohmann"

device_build() {
  rm -rf "$build/entry"
  CFLAGS="-Wall -Wextra -Werror" CXXFLAGS="-Wall -Wextra -Werror" cmake -S entry/src/main/cpp -B "$build/entry" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$PWD/tools/device/aarch64-ohos.toolchain.cmake" -DOHOS_SDK_HOME="$sdk" \
    -DNPULENS_DEVICE_STUB_DIR="$build/stubs" -DNPULENS_CANNKIT_INCLUDE_DIR="$build/cannkit" \
    -DNPULENS_JSON_INCLUDE_DIR="$build/json" >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; return 1; }
  local objects
  mapfile -t objects < <(ninja -C "$build/entry" -t targets all | grep -oE '^[^:]*\.o(bj)?' | sort)
  ninja -C "$build/entry" -j 2 -k 0 "${objects[@]}" >"$build/compile.log" 2>&1 ||
    { grep -avE '^\[[0-9]+/[0-9]+\] ' "$build/compile.log"; return 1; }
  local device_only
  device_only=$(printf '%s\n' "${objects[@]}" | grep -E '/(ohos|device)/' | sed -E 's#.*/(ohos|device)/#\1/#; s#\.o$##' | tr '\n' ' ')
  echo "compiled ${#objects[@]} objects for arm64 (clang-16, libc++, -Wall -Wextra -Werror), device-only: ${device_only}"
}

stubs() {  # the libraries named by libentry.so's link line (-lNAME -> libNAME.so)
  local sonames
  mapfile -t sonames < <(ninja -C "$build/entry" -t commands entry | tail -n 1 | grep -oE -- ' -l[^ ]+' | sed 's/^ -l//; s/.*/lib&.so/' | sort -u)
  [ ${#sonames[@]} -gt 0 ] || { echo "no -l libraries on libentry.so's link line"; return 1; }
  node tools/device/stubs.mjs "$sdk" "$build/stubs" "${sonames[@]}"
}

device_link() {
  ninja -C "$build/entry" -j 2 entry >"$build/link.log" 2>&1 || { grep -avE '^\[[0-9]+/[0-9]+\] ' "$build/link.log"; return 1; }
  node tools/device/link-report.mjs "$build/entry" "$build/stubs" "$sdk"
}

step "NNRt declarations: cpp/hostnn against the SDK" node tools/device/check-decls.mjs "$sdk"
step "device build: every object of libentry.so against the SDK headers" device_build
step "stub libraries from the SDK's ndk-exports for libentry.so's link line" stubs
step "device link: libentry.so --no-undefined against the stubs" device_link
step "N-API declarations: node-api-headers against the SDK for every napi_* import of libentry.so" \
  node tools/device/check-napi.mjs "$sdk" "$build/entry/libentry.so"
step "self-tests: the checks fail on a wrong declaration, a too-new or unknown symbol" \
  env OHOS_SDK_HOME="$sdk" NPULENS_DEVICE_STUB_DIR="$build/stubs" NPULENS_DEVICE_SCRATCH="$build/selftest" \
  node --test --test-reporter=dot tools/device/test/

steps_summary device
