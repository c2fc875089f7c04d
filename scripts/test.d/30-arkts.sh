#!/usr/bin/env bash
# ArkTS side of the app, checked on the host (no HarmonyOS SDK needed):
#   1. every JSON5 project config parsed and validated, incl. resource/page/srcEntry cross-references
#   2. ohos-typescript type check of every .ets against tools/arkts/sdk (our minimal SDK/ArkUI declarations)
#   3. the bundled ArkTS 1.1 linter over every .ets: zero errors
#   4. the checks' own tests (deliberate errors must fail with the expected diagnostics; the hypium runner maps failures to exit 1)
#   5. the ViewModel hypium suites (shared with the device ohosTest suite) on Node with a fake native backend
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0; failed=0; failed_names=()
step() {  # <name> <command...>
  local name=$1; shift
  echo "--- ${name}"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failed_names+=("$name")
  fi
}

step "config (JSON5)" node tools/arkts/check-config.mjs
step "type check + ArkTS linter" node tools/arkts/check-ets.mjs
step "checker + runner self-tests" node --test --test-reporter=dot tools/arkts/test/ tools/hypium/test/
step "ViewModel hypium suites" node tools/hypium/run.mjs

[ "$failed" -gt 0 ] && echo "arkts failed: ${failed_names[*]}"
echo "arkts: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
