#!/usr/bin/env bash
# Model tools (tools/models): dataset determinism, pre-processing semantics, QDQ form and op set, accuracy and
# fp32/int8 agreement gates of the committed models, calibration .bin formats, dopt/omg configs and commands.
set -uo pipefail
cd "$(dirname "$0")/../.."
/usr/bin/python3 tools/models/tests/run.py
