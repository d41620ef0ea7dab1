//===- Dispatch.h - kiln ops to reference kernels, by family -----*- C++ -*-===//
//
// Private to the interpreter. Each op family maps its ops onto the plain C++
// kernels; a family returns failure (no diagnostic) for ops it does not own.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_DISPATCH_H
#define KILN_LIB_INTERPRETER_DISPATCH_H

#include "Kernels.h"

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <vector>

namespace mlir::kiln::interp {

/// Runs `op`'s kernel on `in`, writing one buffer per result into `outs`
/// (already sized to the op's result count).
using FamilyKernelFn = FailureOr<Status> (*)(Operation *op, ArrayRef<View> in,
                                             SmallVectorImpl<Buffer> &outs);

FailureOr<Status> runElementwiseKernel(Operation *op, ArrayRef<View> in,
                                       SmallVectorImpl<Buffer> &outs);
FailureOr<Status> runNNKernel(Operation *op, ArrayRef<View> in,
                              SmallVectorImpl<Buffer> &outs);
FailureOr<Status> runShapeKernel(Operation *op, ArrayRef<View> in,
                                 SmallVectorImpl<Buffer> &outs);
FailureOr<Status> runIndexingKernel(Operation *op, ArrayRef<View> in,
                                    SmallVectorImpl<Buffer> &outs);

inline std::optional<std::vector<int64_t>>
toOptionalVector(std::optional<ArrayRef<int64_t>> values) {
  if (!values)
    return std::nullopt;
  return std::vector<int64_t>(values->begin(), values->end());
}

inline std::vector<int64_t> toVector(ArrayRef<int64_t> values) {
  return std::vector<int64_t>(values.begin(), values.end());
}

} // namespace mlir::kiln::interp

#endif // KILN_LIB_INTERPRETER_DISPATCH_H
