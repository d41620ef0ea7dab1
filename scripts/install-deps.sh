#!/usr/bin/env bash
# Installs what Kiln's build, tests and demo need, from Debian's packages.
# Idempotent: when everything is present it changes nothing.
set -euo pipefail

PKGS=(
  cmake ninja-build ccache gcc g++ make
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libcli11-dev nlohmann-json3-dev
  libgtest-dev
  python3 python3-numpy
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata python3-onnx
  graphviz
  libopenblas0-pthread # make bench: NumPy's matrix products on OpenBLAS
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
