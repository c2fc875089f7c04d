#!/usr/bin/env bash
# eslint over the TypeScript/JavaScript sources (.ets files are checked by the ArkTS linter in 30-arkts.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
npx --no-install eslint --max-warnings 0 .
echo "eslint: clean"
