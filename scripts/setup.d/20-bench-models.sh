#!/usr/bin/env bash
# Benchmark models (MobileNetV2-1.0-224, ResNet18-224; fp32 + int8 QDQ, deterministic random weights, and each int8
# model's uint8-activation twin for bench:peer) into entry/src/main/resources/rawfile/models/bench/ (gitignored).
# Needs only python3-onnx and python3-numpy. Skips models already present (a folder from before the twins gets only
# the twins, a few seconds); a model is written to a temporary name first, so an interrupted run never leaves a
# truncated file behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=entry/src/main/resources/rawfile/models/bench
if [ -s "$out/mobilenetv2_fp32.onnx" ] && [ -s "$out/mobilenetv2_int8.onnx" ] \
   && [ -s "$out/resnet18_fp32.onnx" ] && [ -s "$out/resnet18_int8.onnx" ] \
   && [ -s "$out/mobilenetv2_int8_u8act.onnx" ] && [ -s "$out/resnet18_int8_u8act.onnx" ]; then
  echo "setup: bench models present ($out)" >&2
  exit 0
fi
echo "setup: generating bench models into $out (about a minute)" >&2
/usr/bin/python3 tools/models/bench.py --out "$out"
