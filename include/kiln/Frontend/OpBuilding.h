//===- OpBuilding.h - creating kiln ops from frontends -----------*- C++ -*-===//
//
// Shared by the frontends: create a kiln op whose result types come from its
// own inference (which reports problems at the node's location, where the
// generated builders would abort), then verify it so that constraints outside
// inference are reported too.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_FRONTEND_OPBUILDING_H
#define KILN_FRONTEND_OPBUILDING_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::kiln {

/// Creates an `OpTy` on `operands`. Ops with type inference get their result
/// types from it; others (unary ops that keep their operand's type) take the
/// first operand's type. The op is verified and erased again on failure.
template <typename OpTy>
FailureOr<SmallVector<Value>> createOp(OpBuilder &b, Location loc,
                                       ValueRange operands,
                                       typename OpTy::Properties props = {}) {
  // Default-valued attributes the caller left unset get their defaults (the
  // generated getters expect them present).
  OpTy::populateDefaultProperties(
      OperationName(OpTy::getOperationName(), b.getContext()), props);
  SmallVector<Type, 1> types;
  if constexpr (OpTy::template hasTrait<InferTypeOpInterface::Trait>()) {
    if (failed(OpTy::inferReturnTypes(b.getContext(), loc, operands,
                                      DictionaryAttr(),
                                      OpaqueProperties(&props), RegionRange(),
                                      types)))
      return failure();
  } else {
    types.push_back(operands[0].getType());
  }
  auto op = OpTy::create(b, loc, types, operands, props);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>(op->getResults());
}

} // namespace mlir::kiln

#endif // KILN_FRONTEND_OPBUILDING_H
