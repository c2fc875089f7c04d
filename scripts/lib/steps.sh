# Shared by the suites of scripts/test.d: each runs its checks as named steps, keeps going after a failure and ends
# with one "<suite>: N passed, N failed" line (what scripts/test.sh and CI read). Source it; do not run it.

passed=0; failed=0; failed_names=()

step() {  # <name> <command...>: runs the command, prints how long it took and counts it
  local name=$1 start=$SECONDS; shift
  echo "--- ${name}"
  if "$@"; then
    passed=$((passed + 1)); echo "    ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "    FAILED ($((SECONDS - start)) s)"
  fi
}

lock_build_dir() {  # <dir> <suite>: one run at a time per build dir (a second would delete the first one's objects)
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock -n 9 || { echo "$2: waiting for another run using $1"; flock 9; }
}

steps_summary() {  # <suite>: the closing line; the exit status says whether every step passed
  [ "$failed" -gt 0 ] && echo "$1 failed: ${failed_names[*]}"
  echo "$1: ${passed} passed, ${failed} failed"
  [ "$failed" -eq 0 ]
}
