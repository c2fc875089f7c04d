#!/usr/bin/env bash
# Fuzzing, short run (docs/fuzzing.md): the libFuzzer targets of cpp/fuzz (ONNX import + planning from model bytes
# and from structured recipes, manifest parsing, pre-processing with random geometry; clang
# -fsanitize=fuzzer,address,undefined) and the mutation harness of the CLI's image decoding (sharp, from dist/).
# Each runs NPULENS_FUZZ_SECONDS (default 60) from seeds generated here; any crash, sanitizer report, leak, timeout
# (10 s per input) or RSS above 2 GiB fails the suite. Two rounds (2 cores): import + manifest, then graph +
# preprocess + image decoding. Corpora grow in $NPULENS_FUZZ_WORK_DIR (default build/fuzz/work); findings land in
# its findings/ folder.
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${NPULENS_FUZZ_SECONDS:-60}
build=${NPULENS_FUZZ_BUILD_DIR:-build/fuzz}
work=${NPULENS_FUZZ_WORK_DIR:-$build/work}
jobs=$(nproc)

echo "--- build (clang-16, libFuzzer + ASan + UBSan)"
cmake -S cpp/fuzz -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16 >/dev/null || exit 1
cmake --build "$build" -j "$jobs" || exit 1

echo "--- seeds"
seeds=$work/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{onnx,manifest,preprocess,graph} "$work"/corpus/{onnx,manifest,preprocess,graph} "$work"/findings "$work/decode"
"$build/make_seeds" "$seeds/onnx" || exit 1
cp entry/src/main/resources/rawfile/models/*.onnx "$seeds/onnx/"
cp entry/src/main/resources/rawfile/models/manifest.json "$seeds/manifest/"
cp entry/src/main/resources/rawfile/models/shapes_labels.txt "$seeds/manifest/"
# Pre-processing reads geometry and pixels from the same bytes; small sample images give varied pixel data.
for f in entry/src/main/resources/rawfile/samples/*.png; do [ "$(stat -c %s "$f")" -le 65536 ] && cp "$f" "$seeds/preprocess/"; done
echo "seeds: $(ls "$seeds/onnx" | wc -l) onnx, $(ls "$seeds/manifest" | wc -l) manifest, $(ls "$seeds/preprocess" | wc -l) preprocess"

run_fuzzer() {  # <target> <corpus name>: prints "<target>: <executions> executions" or the failure
  local target=$1 name=$2 log=$work/$1.log
  "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/findings/$target-" "$work/corpus/$name" "$seeds/$name" >"$log" 2>&1
  local rc=$?
  local execs
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  if [ $rc -ne 0 ]; then
    echo "$target: FAILED (exit $rc) after ${execs:-?} executions; log $log, artifacts $work/findings/"
    grep -m 20 -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log"
    return 1
  fi
  echo "$target: ${execs} executions in ${seconds} s, corpus $(ls "$work/corpus/$name" | wc -l) files"
}

run_decode() {
  node cpp/fuzz/decode_image_mutate.js "$work/decode" "$seconds"
}

echo "--- fuzz ${seconds} s per target"
failed=0
run_fuzzer fuzz_onnx_import onnx & a=$!
run_fuzzer fuzz_manifest manifest & b=$!
wait $a || failed=1
wait $b || failed=1
run_fuzzer fuzz_onnx_graph graph & a=$!
run_fuzzer fuzz_preprocess preprocess & b=$!
run_decode & c=$!
wait $a || failed=1
wait $b || failed=1
wait $c || failed=1
exit $failed
