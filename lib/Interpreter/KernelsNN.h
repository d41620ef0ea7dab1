//===- KernelsNN.h - reference kernels of the nn family ---------*- C++ -*-===//
//
// Plain C++ (no MLIR headers), with the conventions of Kernels.h: dense
// row-major buffers, shapes checked against each other, errors returned as a
// Status. Window ops take their attributes resolved (defaults and auto_pad
// applied by the op), and compute output sizes from the actual input shape.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELSNN_H
#define KILN_LIB_INTERPRETER_KERNELSNN_H

#include "Kernels.h"

namespace mlir::kiln::interp {

/// Attributes of conv, conv_transpose and the window pools; per spatial dim
/// except `pads` (begin..., end...).
struct WindowParams {
  std::vector<int64_t> kernel; // pools only; conv reads w's shape
  std::vector<int64_t> strides, dilations, pads, outputPadding;
  int64_t groups = 1;
  bool ceilMode = false, countIncludePad = false;
};

Status conv(const View &x, const View &w, const View *bias,
            const WindowParams &p, Buffer &out);
Status convTranspose(const View &x, const View &w, const View *bias,
                     const WindowParams &p, Buffer &out);
Status maxPool(const View &x, const WindowParams &p, Buffer &out);
Status avgPool(const View &x, const WindowParams &p, Buffer &out);

enum class ExtremumKind { Max, Min };

/// reduce_min (NaN propagating) and reduce_prod (integers wrap).
Status reduceMin(const View &x, const std::optional<std::vector<int64_t>> &axes,
                 bool keepdims, Buffer &out);
Status reduceProd(const View &x,
                  const std::optional<std::vector<int64_t>> &axes,
                  bool keepdims, Buffer &out);

/// argmax / argmin: i64 indices, first on ties, first NaN wins.
Status argReduce(ExtremumKind kind, const View &x, int64_t axis, bool keepdims,
                 Buffer &out);

Status logSoftmax(const View &x, int64_t axis, Buffer &out);
Status layerNorm(const View &x, const View &scale, const View &bias,
                 int64_t axis, double epsilon, Buffer &out);
Status batchNorm(const View &x, const View &scale, const View &bias,
                 const View &mean, const View &var, double epsilon,
                 Buffer &out);

} // namespace mlir::kiln::interp

#endif // KILN_LIB_INTERPRETER_KERNELSNN_H
