//===- KernelsIndexing.h - indexing-op kernels ------------------*- C++ -*-===//
//
// Reference kernels of the indexing family on plain buffers (no MLIR
// headers), following the conventions of Kernels.h. Index operands are i32
// or i64; a negative index counts from the end of its dimension and one
// outside [-d, d) is clamped to [0, d-1], as compiled code does. The gathers
// and scatters without a reduction move raw elements (every dtype);
// reductions, cumsum and topk compute on f32, f64, the integer types and
// (scatter reductions) bool, and reject f16/bf16, which
// kiln-widen-element-types rewrites to f32 first.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELSINDEXING_H
#define KILN_LIB_INTERPRETER_KERNELSINDEXING_H

#include "Kernels.h"

namespace mlir::kiln::interp {

/// How a scatter combines an update with the element it lands on. bool
/// takes Add/Max as or and Mul/Min as and; float Max/Min propagate NaN.
enum class ScatterReduction { None, Add, Mul, Max, Min };

/// ONNX GatherElements along `axis` (possibly negative).
Status gatherElements(const View &x, const View &indices, int64_t axis,
                      Buffer &out);

/// ONNX ScatterElements along `axis`, positions visited in row-major order.
Status scatterElements(const View &data, const View &indices,
                       const View &updates, int64_t axis,
                       ScatterReduction reduction, Buffer &out);

/// ONNX GatherND with `batchDims` shared leading dimensions.
Status gatherND(const View &data, const View &indices, int64_t batchDims,
                Buffer &out);

/// ONNX ScatterND, index tuples visited in row-major order.
Status scatterND(const View &data, const View &indices, const View &updates,
                 ScatterReduction reduction, Buffer &out);

/// ONNX CumSum along `axis`, accumulated in order in the dtype (integers
/// wrap).
Status cumSum(const View &x, int64_t axis, bool exclusive, bool reverse,
              Buffer &out);

/// ONNX TopK along `axis`: the `k` largest (or smallest) elements, best
/// first, lower index first among equals, NaN larger than every number;
/// `indices` is i64.
Status topK(const View &x, int64_t k, int64_t axis, bool largest,
            Buffer &values, Buffer &indices);

} // namespace mlir::kiln::interp

#endif // KILN_LIB_INTERPRETER_KERNELSINDEXING_H
