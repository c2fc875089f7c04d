#!/usr/bin/env bash
# The broad benchmark set (tools/models/benchset.py: MobileNetV2/V3, EfficientNet-B0, ResNet18/50, SqueezeNet,
# ShuffleNetV2, RegNetY, GoogLeNet, DenseNet-121; fp32, int8 QDQ and the uint8-activation twin) into build/benchset/
# (gitignored, outside the app's rawfile) for `npm run bench:peer -- --set broad` and test/node/benchset.test.mjs.
# Cached: only models whose stamp (a hash of the generator and the quantizer) changed are regenerated, two at a time;
# all of them take a few minutes on 2 cores, an up-to-date set about a second.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "setup: broad benchmark set into build/benchset (cached)" >&2
/usr/bin/python3 tools/models/benchset.py --out build/benchset --jobs 2
