//===- KilnOpsUtils.h - helpers for the op families' C++ ---------*- C++ -*-===//
//
// Private to dialects/kiln/IR: shared by the per-family op implementations.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_KILN_IR_KILNOPSUTILS_H
#define KILN_DIALECT_KILN_IR_KILNOPSUTILS_H

#include "dialects/kiln/IR/KilnOps.h"

#include <optional>
#include <string>

namespace mlir::kiln::detail {

/// "[2, ?, 4]".
std::string shapeStr(ArrayRef<int64_t> shape);

/// Emits `message` at `loc` when inference has a location (verification),
/// stays quiet otherwise (speculative inference); always fails.
LogicalResult emitInferError(std::optional<Location> loc, const Twine &message);

inline RankedTensorType tensorOf(Value v) {
  return cast<RankedTensorType>(v.getType());
}

} // namespace mlir::kiln::detail

#endif // KILN_DIALECT_KILN_IR_KILNOPSUTILS_H
