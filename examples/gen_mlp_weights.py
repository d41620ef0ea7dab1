#!/usr/bin/env python3
"""Regenerates the example MLP's weights (examples/mlp_weights/*.npy).

The MLP classifies 8-sample sensor traces into 3 classes: "flat", "rising",
"falling". Its weights are fitted here by plain gradient descent on synthetic
traces, so the demo's predictions mean something. Run with /usr/bin/python3.
"""
import os
import numpy as np

rng = np.random.default_rng(7)


def traces(n):
    labels = rng.integers(0, 3, n)
    t = np.linspace(-1, 1, 8, dtype=np.float32)
    slope = np.where(labels == 1, 1.0, np.where(labels == 2, -1.0, 0.0))
    x = slope[:, None] * t[None, :] + rng.normal(0, 0.3, (n, 8))
    return x.astype(np.float32), labels


def main():
    x, y = traces(4096)
    w1 = rng.normal(0, 0.5, (8, 16)).astype(np.float32)
    b1 = np.zeros(16, np.float32)
    w2 = rng.normal(0, 0.5, (16, 3)).astype(np.float32)
    b2 = np.zeros(3, np.float32)
    onehot = np.eye(3, dtype=np.float32)[y]
    for _ in range(500):
        h = np.maximum(x @ w1 + b1, 0)
        logits = h @ w2 + b2
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = (p - onehot) / len(x)
        gw2, gb2 = h.T @ g, g.sum(0)
        gh = (g @ w2.T) * (h > 0)
        gw1, gb1 = x.T @ gh, gh.sum(0)
        for w, gw in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            w -= 0.5 * gw
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_weights")
    os.makedirs(out, exist_ok=True)
    for name, w in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)):
        np.save(os.path.join(out, name + ".npy"), w.astype(np.float32))
    acc = (np.argmax(np.maximum(x @ w1 + b1, 0) @ w2 + b2, 1) == y).mean()
    print(f"training accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
