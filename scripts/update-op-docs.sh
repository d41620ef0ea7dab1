#!/usr/bin/env bash
# Refreshes docs/ops.md from the op definitions (after a build).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
cmake --build "$BUILD" --target kiln-op-docs
cp "$BUILD/docs/ops.md" docs/ops.md
echo "docs/ops.md updated"
