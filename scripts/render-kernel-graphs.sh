#!/usr/bin/env bash
# Renders the kernel pictures of the example graphs (kiln inspect --dot) to
# docs/images/*-kernels.svg. Needs a built kiln and Graphviz's dot.
# usage: scripts/render-kernel-graphs.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p docs/images
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for g in mlp cnn transformer; do
  case $g in
    mlp) shape=x=1,8 ;;
    cnn) shape=image=1,3,32,32 ;;
    transformer) shape=x=16,64 ;;
  esac
  "$build/bin/kiln" inspect "examples/$g.json" --shape "$shape" \
    --dot "$tmp/$g.dot" > /dev/null
  dot -Tsvg "$tmp/$g.dot" -o "docs/images/$g-kernels.svg"
  echo "docs/images/$g-kernels.svg"
done
