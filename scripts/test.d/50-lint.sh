#!/usr/bin/env bash
# Lint: every check runs, the suite fails when any reports a finding.
#   eslint       the TypeScript/JavaScript (.ets files are checked by the ArkTS linter in 30-arkts.sh)
#   tsc          the host TypeScript under tsconfig.json's strict options (noUncheckedIndexedAccess,
#                exactOptionalPropertyTypes, noUnused*)
#   contract     the files generated from Index.d.ts (tools/contract/generate.mjs --check) are current
#   clang-format .clang-format over the C++ directories in FORMAT_DIRS
#   clang-tidy   .clang-tidy's naming rules over the C++ directories in TIDY_DIRS, with the compile commands of a
#                configured (not built) host build in $NPULENS_LINT_BUILD_DIR (default build/lint)
#   flake8       setup.cfg's Python style over tools/models and the test fixtures
#   black        pyproject.toml's Python layout (black --check) over the same files
#   layout       the README's layout table names every folder of the tree and only paths that exist
#   references   no path of a machine or a document outside the repository, no talk of who wrote what
set -uo pipefail
cd "$(dirname "$0")/../.."

# C++ directories held to .clang-format (all of cpp/ and tools/bench).
FORMAT_DIRS=(cpp tools/bench)
# C++ directories held to .clang-tidy's naming rules.
TIDY_DIRS=(cpp/core cpp/nnrt cpp/hostnn cpp/binding cpp/tests/core cpp/tests/nnrt cpp/tests/hostnn tools/bench)
# Left out of the naming check, with the reason:
#   cpp/binding/ohos, cpp/nnrt/device: device-only sources (OpenHarmony headers); not in the host compile commands.
#   cpp/fuzz:                     built by 60-fuzz.sh with clang's libFuzzer, not in the host compile commands.
#   cpp/tests/hostnn/aarch64:     the aarch64 cross build (15-aarch64.sh), not in the host compile commands.
TIDY_EXCLUDE_RE='^cpp/(binding/ohos|nnrt/device|fuzz|tests/hostnn/aarch64)/'

failed=()
check() {  # <name> <command...>: runs the command, records the name when it fails
  local name=$1; shift
  local start=$SECONDS
  if "$@"; then echo "$name: clean ($((SECONDS - start)) s)"; else echo "$name: FAILED ($((SECONDS - start)) s)"; failed+=("$name"); fi
}

run_eslint() { npx --no-install eslint --max-warnings 0 .; }

run_tsc() { npx --no-install tsc -p tsconfig.json --noEmit; }

run_contract() { node tools/contract/generate.mjs --check; }

run_clang_format() {
  local files
  mapfile -t files < <(git ls-files -- "${FORMAT_DIRS[@]}" | grep -E '\.(c|cc|cpp|h|hpp)$')
  clang-format-16 --dry-run -Werror "${files[@]}"
}

run_clang_tidy() {
  local build=${NPULENS_LINT_BUILD_DIR:-build/lint}
  # Configure only: clang-tidy needs the compile commands (with the addon's include paths, hence cmake-js), not objects.
  if ! npx --no-install cmake-js configure --out "$build" --CDCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      --CDNPULENS_BUILD_TESTS=ON --log-level warn >"$build.configure.log" 2>&1; then
    cat "$build.configure.log"; return 1
  fi
  local files
  mapfile -t files < <(git ls-files -- "${TIDY_DIRS[@]}" | grep -E '\.(cc|cpp)$' | grep -Ev "$TIDY_EXCLUDE_RE")
  # Every file checked must be in the compile commands, or clang-tidy would guess its flags.
  local missing
  missing=$(for f in "${files[@]}"; do grep -q "\"file\": \"$PWD/$f\"" "$build/compile_commands.json" || echo "$f"; done)
  if [ -n "$missing" ]; then echo "clang-tidy: not in $build/compile_commands.json (add to TIDY_EXCLUDE_RE?):"; echo "$missing"; return 1; fi
  printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy-16 -p "$build" --quiet 2>/dev/null \
    | grep -E -A3 '(warning|error):' > "$build.tidy.log"
  if [ -s "$build.tidy.log" ]; then cat "$build.tidy.log"; return 1; fi
}

python_files() { git ls-files -- 'tools/models/*.py' 'test/node/fixtures/*.py'; }

run_flake8() {
  local files
  mapfile -t files < <(python_files)
  /usr/bin/python3 -m flake8 "${files[@]}"
}

# --check fails on a file black would change; --diff shows how.
run_black() {
  local files
  mapfile -t files < <(python_files)
  /usr/bin/python3 -m black --check --diff --quiet "${files[@]}"
}

# References that only make sense on one machine or to one team. The SDK default ../shared/ohos-sdk is configuration
# (OHOS_SDK_HOME's fallback), so that exact path is allowed; a .md named in the tree must be a file in the tree.
run_layout() { node tools/lint/readme-layout.mjs README.md .; }

run_references() {
  local bad=0 hits
  hits=$(git grep -nIE '/work/|shared/|design\.md|device-behaviour\.md' -- . ':!package-lock.json' ':!scripts/test.d/50-lint.sh' | perl -ne '
    my ($where, $text) = /^([^:]+:\d+:)(.*)$/ or next;
    $text =~ s{\.\./shared/ohos-sdk}{}g;  # the SDK default, configuration
    print if $text =~ m{(^|[^\w.-])/work/|shared/|design\.md|device-behaviour\.md};')
  if [ -n "$hits" ]; then echo "paths outside the repository:"; echo "$hits"; bad=1; fi
  hits=$(git grep -nIiE "models engineer|app engineer|tooling engineer|the lead\b|other helper|a colleague|the reviewer" \
    -- . ':!package-lock.json' ':!scripts/test.d/50-lint.sh')
  if [ -n "$hits" ]; then echo "comments about who wrote what (say what the code does and why):"; echo "$hits"; bad=1; fi
  local file doc
  while IFS=: read -r file doc; do
    [ -e "$doc" ] || [ -e "$(dirname "$file")/$doc" ] || { echo "$file names $doc, which is not in the repository"; bad=1; }
  done < <(git grep -oIE '[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b' -- . ':!package-lock.json' | sort -u)
  return "$bad"
}

check eslint run_eslint
check tsc run_tsc
check contract run_contract
check clang-format run_clang_format
check clang-tidy run_clang_tidy
check flake8 run_flake8
check black run_black
check layout run_layout
check references run_references

if [ ${#failed[@]} -gt 0 ]; then echo "lint: failed: ${failed[*]}"; exit 1; fi
echo "lint: clean"
