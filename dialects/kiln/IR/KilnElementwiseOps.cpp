//===- KilnElementwiseOps.cpp - elementwise ops ---------------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc, Value lhs,
                                    Value rhs,
                                    SmallVectorImpl<Type> &inferred) {
  RankedTensorType lt = tensorOf(lhs), rt = tensorOf(rhs);
  auto shape = broadcastShapes(lt.getShape(), rt.getShape());
  if (failed(shape))
    return emitInferError(loc, "shapes " + shapeStr(lt.getShape()) + " and " +
                                   shapeStr(rt.getShape()) +
                                   " cannot be broadcast together");
  inferred.push_back(RankedTensorType::get(*shape, lt.getElementType()));
  return success();
}

#define KILN_BINARY_INFER(OP)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBroadcast(loc, adaptor.getLhs(), adaptor.getRhs(), inferred);  \
  }
KILN_BINARY_INFER(AddOp)
KILN_BINARY_INFER(SubOp)
KILN_BINARY_INFER(MulOp)
KILN_BINARY_INFER(DivOp)
KILN_BINARY_INFER(MaxOp)
KILN_BINARY_INFER(MinOp)
#undef KILN_BINARY_INFER


LogicalResult mlir::kiln::inferBroadcastSymbolicShapes(
    Operation *op, SymShapeFn shapeOf, SmallVectorImpl<SymShape> &results) {
  auto shape = symBroadcast(op, shapeOf(op->getOperand(0)),
                            shapeOf(op->getOperand(1)));
  if (failed(shape))
    return failure();
  results.push_back(std::move(*shape));
  return success();
}
