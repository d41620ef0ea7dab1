"""The README's example graphs (examples/*.json), compiled and eager, against
NumPy implementations of the same networks written here.

usage: examples.py KILN_BIN_DIR [WORK_DIR]
"""
import json
import math
import os

import numpy as np

import kiln_testing as kt

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "examples")


def load_example(name):
    """The example graph with its weight files turned into arrays, and the
    arrays by constant name."""
    with open(os.path.join(EXAMPLES, name + ".json")) as f:
        g = json.load(f)
    weights = {}
    for c in g["constants"]:
        if "file" in c:
            weights[c["name"]] = np.load(os.path.join(EXAMPLES, c["file"]))
            c["_array"] = weights[c["name"]]
            c["file"] = c["name"] + ".npy"
        elif "fill" in c:
            weights[c["name"]] = np.full(c["shape"], c["fill"], np.float64)
    return g, weights


def conv2d_same3x3(x, w, b):
    """3x3 convolution, stride 1, padding 1, by shifting the padded input."""
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd))
    for i in range(3):
        for j in range(3):
            patch = xp[:, :, i:i + h, j:j + wd]          # N C H W
            out += np.tensordot(patch, w[:, :, i, j], axes=([1], [1])) \
                .transpose(0, 3, 1, 2)
    return out + b[None, :, None, None]


def maxpool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def cnn_ref(w):
    def ref(i):
        x = i["image"]
        x = maxpool2(np.maximum(conv2d_same3x3(x, w["conv1_w"], w["conv1_b"]), 0))
        x = maxpool2(np.maximum(conv2d_same3x3(x, w["conv2_w"], w["conv2_b"]), 0))
        x = x.reshape(x.shape[0], -1)
        return softmax(x @ w["fc_w"] + w["fc_b"])
    return ref


def layer_norm(x, scale, bias, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * scale + bias


ERF = np.vectorize(math.erf)


def transformer_ref(w):
    def ref(i):
        x = i["x"]
        s = x.shape[0]
        xn = layer_norm(x, w["ln1_scale"], w["ln1_bias"])
        heads = [(xn @ w[p]).reshape(s, 4, 16).transpose(1, 0, 2)
                 for p in ("wq", "wk", "wv")]
        q, k, v = heads
        a = softmax(q @ k.transpose(0, 2, 1) * 0.25)
        ctx = (a @ v).transpose(1, 0, 2).reshape(s, 64)
        h = x + ctx @ w["wo"]
        hn = layer_norm(h, w["ln2_scale"], w["ln2_bias"])
        f = hn @ w["w1"] + w["b1"]
        g = 0.5 * f * (1 + ERF(f / math.sqrt(2)))
        return h + g @ w["w2"] + w["b2"]
    return ref


def main():
    s = kt.Suite("examples")
    g, w = load_example("cnn")
    s.case("cnn", g, [{"image": kt.rand((n, 3, 32, 32))} for n in (1, 3)],
           cnn_ref(w), rtol=1e-4, atol=1e-6)
    g, w = load_example("transformer")
    s.case("transformer", g, [{"x": kt.rand((n, 64))} for n in (1, 7, 16)],
           transformer_ref(w), rtol=1e-4, atol=1e-5)
    s.finish()


if __name__ == "__main__":
    main()
