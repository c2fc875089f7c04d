#!/usr/bin/env bash
# ArkTS side of the app, checked on the host:
#   1. every JSON5 project config parsed and validated, incl. resource/page/srcEntry cross-references
#   2. against the real HarmonyOS SDK (OHOS_SDK_HOME, else ../shared/ohos-sdk; without one: a loud SKIPPED notice),
#      as DevEco's ets-loader checks: ohos-typescript type check of every .ets with the SDK's ets-loader tsconfig and
#      declarations (errors and warnings fail, incl. TS28040 for @throws calls outside try/catch), DevEco's JSDoc checks
#      (@since above compatibleSdkVersion unless guarded, @deprecated) and the bundled ArkTS 1.1 linter
#   3. the checks' own tests (deliberate errors must fail with the expected diagnostics; the hypium runner maps failures to exit 1)
#   4. the ViewModel hypium suites (shared with the device ohosTest suite) on Node with a fake native backend
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/steps.sh


step "config (JSON5)" node tools/arkts/check-config.mjs
step "type check + JSDoc checks + ArkTS linter (real SDK)" node tools/arkts/check-ets.mjs
step "checker + runner self-tests" node --test --test-reporter=dot tools/arkts/test/ tools/hypium/test/
step "ViewModel hypium suites" node tools/hypium/run.mjs

steps_summary arkts
