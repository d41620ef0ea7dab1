"""Writes small ONNX models for the importer's lit tests into DIR.

usage: make_models.py DIR
Each model is DIR/<name>.onnx; see the .test files for what they check.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
F = TensorProto.FLOAT


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def save(name, nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7 if opset >= 7 else 3
    onnx.save(m, os.path.join(out, name + ".onnx"))


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


# Clip: attributes before opset 11, inputs from it.
save("clip6", [helper.make_node("Clip", ["x"], ["y"], min=-1.0, max=2.0)],
     [vi("x", [4])], [vi("y", [4])], opset=6)
save("clip11", [helper.make_node("Clip", ["x", "lo", "hi"], ["y"])],
     [vi("x", [4])], [vi("y", [4])],
     [const("lo", np.float32(-1)), const("hi", np.float32(2))], opset=11)
save("clip11_min_only", [helper.make_node("Clip", ["x", "lo"], ["y"])],
     [vi("x", [4])], [vi("y", [4])], [const("lo", np.float32(0))], opset=11)
save("clip11_dynamic", [helper.make_node("Clip", ["x", "lo"], ["y"])],
     [vi("x", [4]), vi("lo", [])], [vi("y", [4])], opset=11)

# Squeeze/Unsqueeze axes: attribute before opset 13, input from it.
save("squeeze11", [helper.make_node("Squeeze", ["x"], ["y"], axes=[1])],
     [vi("x", [3, 1, 2])], [vi("y", [3, 2])], opset=11)
save("squeeze13", [helper.make_node("Squeeze", ["x", "axes"], ["y"])],
     [vi("x", [3, 1, 2])], [vi("y", [3, 2])],
     [const("axes", np.array([1], np.int64))], opset=13)
save("unsqueeze13", [helper.make_node("Unsqueeze", ["x", "axes"], ["y"])],
     [vi("x", [3, 2])], [vi("y", [3, 1, 2, 1])],
     [const("axes", np.array([1, -1], np.int64))], opset=13)

# Split sizes: attribute before opset 13, input from it.
save("split11", [helper.make_node("Split", ["x"], ["a", "b"], axis=0,
                                  split=[1, 3])],
     [vi("x", [4])], [vi("a", [1]), vi("b", [3])], opset=11)
save("split13", [helper.make_node("Split", ["x", "s"], ["a", "b"], axis=0)],
     [vi("x", [4])], [vi("a", [1]), vi("b", [3])],
     [const("s", np.array([1, 3], np.int64))], opset=13)

# Pad: attributes before opset 11, inputs from it.
save("pad2", [helper.make_node("Pad", ["x"], ["y"], pads=[1, 2], value=5.0)],
     [vi("x", [3])], [vi("y", [6])], opset=2)
save("pad11", [helper.make_node("Pad", ["x", "p", "v"], ["y"], mode="edge")],
     [vi("x", [3])], [vi("y", [6])],
     [const("p", np.array([1, 2], np.int64)), const("v", np.float32(5))],
     opset=11)

# ReduceSum axes: attribute before opset 13, input from it; the other
# reductions keep the attribute through opset 17.
save("reducesum11", [helper.make_node("ReduceSum", ["x"], ["y"], axes=[1],
                                      keepdims=0)],
     [vi("x", [2, 3])], [vi("y", [2])], opset=11)
save("reducesum13", [helper.make_node("ReduceSum", ["x", "a"], ["y"],
                                      keepdims=0)],
     [vi("x", [2, 3])], [vi("y", [2])],
     [const("a", np.array([1], np.int64))], opset=13)
save("reducemean17", [helper.make_node("ReduceMean", ["x"], ["y"], axes=[0])],
     [vi("x", [2, 3])], [vi("y", [1, 3])], opset=17)

# Resize: opset 10 (X, scales), 11+ (X, roi, scales, sizes) with an empty
# scales input when sizes are given; Upsample before.
save("resize10", [helper.make_node("Resize", ["x", "s"], ["y"])],
     [vi("x", [1, 1, 2, 2])], [vi("y", [1, 1, 4, 4])],
     [const("s", np.array([1, 1, 2, 2], np.float32))], opset=10)
save("resize13_sizes", [helper.make_node("Resize", ["x", "", "", "sz"], ["y"],
                                         mode="linear")],
     [vi("x", [1, 1, 2, 2])], [vi("y", [1, 1, 3, 5])],
     [const("sz", np.array([1, 1, 3, 5], np.int64))], opset=13)
save("upsample9", [helper.make_node("Upsample", ["x", "s"], ["y"])],
     [vi("x", [1, 1, 2, 2])], [vi("y", [1, 1, 4, 4])],
     [const("s", np.array([1, 1, 2, 2], np.float32))], opset=9)

# Legacy broadcasting (opset < 7): broadcast=1 with axis.
save("add6_axis", [helper.make_node("Add", ["a", "b"], ["y"], broadcast=1,
                                    axis=1)],
     [vi("a", [2, 3, 4]), vi("b", [3])], [vi("y", [2, 3, 4])], opset=6)

# Initializers: small ones inline, large ones as dense_resource blobs.
save("initializers", [helper.make_node("Add", ["x", "big"], ["t"]),
                      helper.make_node("Mul", ["t", "small"], ["y"])],
     [vi("x", [1000])], [vi("y", [1000])],
     [const("big", np.arange(1000, dtype=np.float32)),
      const("small", np.float32(2))])

# A shape computation and Constant nodes fold away entirely.
save("shape_chain", [
    helper.make_node("Shape", ["x"], ["s"]),
    helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
    helper.make_node("Unsqueeze", ["n", "ax"], ["n1"]),
    helper.make_node("Constant", [], ["m1"],
                     value=helper.make_tensor("m1", TensorProto.INT64, [1], [-1])),
    helper.make_node("Concat", ["n1", "m1"], ["shape"], axis=0),
    helper.make_node("Reshape", ["x", "shape"], ["y"]),
], [vi("x", [2, 3, 4])], [vi("y", [2, 12])],
    [const("zero", np.int64(0)), const("ax", np.array([0], np.int64))])

# Gemm with transA, transB, alpha and beta.
save("gemm", [helper.make_node("Gemm", ["a", "b", "c"], ["y"], transA=1,
                               transB=1, alpha=0.5, beta=2.0)],
     [vi("a", [3, 2]), vi("b", [4, 3]), vi("c", [4])], [vi("y", [2, 4])])

# Named dynamic dims become symbolic dims.
save("dynamic", [helper.make_node("Relu", ["x"], ["y"])],
     [vi("x", ["batch", 3, None])], [vi("y", ["batch", 3, None])])
