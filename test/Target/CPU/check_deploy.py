"""Checks examples/deploy's printed probabilities against NumPy."""
import re
import sys

import numpy as np

out, weights = sys.argv[1], sys.argv[2]
w1, b1, w2, b2 = (np.load(f"{weights}/{n}.npy") for n in ("w1", "b1", "w2", "b2"))
# The inputs hard-coded in examples/deploy/main.c.
x = np.array([
    [0.1, -0.2, 0.0, 0.2, -0.1, 0.1, 0.0, -0.1],
    [-1.0, -0.7, -0.4, -0.1, 0.2, 0.5, 0.8, 1.1],
    [0.9, 0.7, 0.4, 0.1, -0.2, -0.4, -0.7, -1.0],
], np.float32)
logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
e = np.exp(logits - logits.max(-1, keepdims=True))
ref = e / e.sum(-1, keepdims=True)

rows = re.findall(r"trace (\d): (\w+)\s+p\(flat\)=([\d.]+) p\(rising\)=([\d.]+) p\(falling\)=([\d.]+)",
                  open(out).read())
assert len(rows) == 3, f"expected 3 predictions, got {rows}"
classes = ["flat", "rising", "falling"]
for i, name, *p in rows:
    i = int(i)
    got = np.array([float(v) for v in p])
    np.testing.assert_allclose(got, ref[i], atol=1.5e-3)  # printed with 3 decimals
    assert name == classes[int(np.argmax(ref[i]))], (i, name, ref[i])
print("deploy output matches NumPy")
