#!/usr/bin/env bash
# Runs ONNX's backend test cases through Kiln and writes the reports.
#
#   scripts/onnx-conformance.sh [BUILD_DIR] [conformance.py options...]
#
# e.g. scripts/onnx-conformance.sh build --filter 'node/test_conv' -v
#      scripts/onnx-conformance.sh build --doc docs/onnx-support.md --update
# BUILD_DIR defaults to build; reports go to BUILD_DIR/onnx-conformance/report.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then BUILD=$1; shift; fi
if [ ! -x "$BUILD/bin/kiln" ]; then
  echo "onnx-conformance: no $BUILD/bin/kiln; build first (make build)" >&2
  exit 2
fi
exec /usr/bin/python3 test/onnx/conformance.py --kiln "$BUILD/bin/kiln" \
  --work "$BUILD/onnx-conformance" "$@"
