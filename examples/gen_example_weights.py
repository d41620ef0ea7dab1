#!/usr/bin/env python3
"""Regenerates the weights of examples/cnn.json and examples/transformer.json.

Random but fixed (seeded) weights, scaled so that activations stay in a sane
range; the examples show structure and speed, not trained accuracy.
Run with /usr/bin/python3.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(folder, **arrays):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    for name, a in arrays.items():
        np.save(os.path.join(HERE, folder, name + ".npy"), a.astype(np.float32))


def he(rng, shape, fan_in):
    return rng.normal(0, np.sqrt(2.0 / fan_in), shape)


def main():
    rng = np.random.default_rng(11)
    save("cnn_weights",
         conv1_w=he(rng, (8, 3, 3, 3), 27), conv1_b=rng.normal(0, 0.1, 8),
         conv2_w=he(rng, (16, 8, 3, 3), 72), conv2_b=rng.normal(0, 0.1, 16),
         fc_w=he(rng, (1024, 10), 1024), fc_b=rng.normal(0, 0.1, 10))

    rng = np.random.default_rng(12)
    d, ff = 64, 256
    save("transformer_weights",
         ln1_scale=1 + rng.normal(0, 0.1, d), ln1_bias=rng.normal(0, 0.1, d),
         wq=he(rng, (d, d), d), wk=he(rng, (d, d), d), wv=he(rng, (d, d), d),
         wo=he(rng, (d, d), d),
         ln2_scale=1 + rng.normal(0, 0.1, d), ln2_bias=rng.normal(0, 0.1, d),
         w1=he(rng, (d, ff), d), b1=rng.normal(0, 0.1, ff),
         w2=he(rng, (ff, d), ff), b2=rng.normal(0, 0.1, d))


if __name__ == "__main__":
    main()
