#!/usr/bin/env bash
# The full test suite (README line 2, run by .ci/run): every scripts/test.d/*.sh in order.
# Each suite runs even when an earlier one failed; the exit code is non-zero when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0; failed=0; failed_names=()
for suite in scripts/test.d/*.sh; do
  name=$(basename "$suite" .sh)
  echo "=== suite ${name}"
  start=$(date +%s)
  if bash "$suite"; then
    passed=$((passed + 1)); echo "=== suite ${name}: ok ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "=== suite ${name}: FAILED ($(( $(date +%s) - start )) s)"
  fi
done
[ "$failed" -gt 0 ] && echo "failed suites: ${failed_names[*]}"
echo "suites: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
