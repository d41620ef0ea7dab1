#!/usr/bin/env bash
# `make demo`: compile the example MLP to an object, link it into a plain C
# program, run it; then run the same graph through `kiln run`, compiled and
# eagerly, and show that the two agree.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
KILN="$BUILD/bin/kiln"
cd "$(dirname "$0")"

echo "== kiln compile examples/mlp.json --shape x=3,8 -o examples/deploy/mlp.o"
make -s -C deploy KILN="$KILN" mlp_demo
echo "== examples/deploy/mlp_demo (a C program linking mlp.o, no Kiln runtime)"
./deploy/mlp_demo

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 -c "
import numpy as np
np.save('$work/x.npy', np.array([[0.1,-0.2,0,0.2,-0.1,0.1,0,-0.1],[-1,-0.7,-0.4,-0.1,0.2,0.5,0.8,1.1]], np.float32))"
mkdir -p "$work/compiled" "$work/eager"
echo "== kiln run examples/mlp.json --input x=x.npy (compiled, then --eager)"
"$KILN" run mlp.json --input x="$work/x.npy" --output-dir "$work/compiled"
"$KILN" run mlp.json --eager --input x="$work/x.npy" --output-dir "$work/eager"
/usr/bin/python3 -c "
import numpy as np
c = np.load('$work/compiled/probs.npy'); e = np.load('$work/eager/probs.npy')
print('compiled probs:', np.round(c, 4).tolist())
print('eager probs:   ', np.round(e, 4).tolist())
print('max |compiled - eager| =', float(np.abs(c - e).max()))"
