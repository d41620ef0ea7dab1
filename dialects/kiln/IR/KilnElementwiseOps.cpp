//===- KilnElementwiseOps.cpp - elementwise ops ---------------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

LogicalResult GeluOp::verify() {
  StringRef mode = getApproximate();
  if (mode != "none" && mode != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << mode << "\"";
  return success();
}

LogicalResult ClipOp::verify() {
  if (!isa<IntegerType>(getElementTypeOrSelf(getX().getType())))
    return success();
  // Integer tensors compare in their own dtype; a fractional bound would
  // need a float result, which clip does not have.
  auto check = [&](StringRef name, FloatAttr bound) -> LogicalResult {
    if (!bound)
      return success();
    double v = bound.getValueAsDouble();
    if (std::isnan(v) || (std::isfinite(v) && v != std::trunc(v))) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", v);
      return emitOpError(name)
             << " must be a whole number for an integer tensor, got " << text;
    }
    return success();
  };
  return success(succeeded(check("min", getMinAttr())) &&
                 succeeded(check("max", getMaxAttr())));
}

OpFoldResult IdentityOp::fold(FoldAdaptor) { return getX(); }

//===----------------------------------------------------------------------===//
// Binary ops and comparisons
//===----------------------------------------------------------------------===//

/// The broadcast of the operands' shapes with `elementType` (null: the first
/// operand's).
static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ValueRange operands, Type elementType,
                                    SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape(tensorOf(operands[0]).getShape());
  for (Value v : operands.drop_front()) {
    auto next = broadcastShapes(shape, tensorOf(v).getShape());
    if (failed(next)) {
      std::string shapes;
      for (auto [i, o] : llvm::enumerate(operands))
        shapes += (i == 0 ? "" : i + 1 == operands.size() ? " and " : ", ") +
                  shapeStr(tensorOf(o).getShape());
      return emitInferError(loc, "shapes " + shapes +
                                     " cannot be broadcast together");
    }
    shape = std::move(*next);
  }
  if (!elementType)
    elementType = tensorOf(operands[0]).getElementType();
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

#define KILN_BINARY_INFER(OP)                                                  \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()}, Type(),   \
                          inferred);                                           \
  }
KILN_BINARY_INFER(AddOp)
KILN_BINARY_INFER(SubOp)
KILN_BINARY_INFER(MulOp)
KILN_BINARY_INFER(DivOp)
KILN_BINARY_INFER(MaxOp)
KILN_BINARY_INFER(MinOp)
KILN_BINARY_INFER(PowOp)
KILN_BINARY_INFER(ModOp)
KILN_BINARY_INFER(AndOp)
KILN_BINARY_INFER(OrOp)
KILN_BINARY_INFER(XorOp)
#undef KILN_BINARY_INFER

#define KILN_COMPARE_INFER(OP)                                                 \
  LogicalResult OP::inferReturnTypes(MLIRContext *ctx,                         \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()},           \
                          IntegerType::get(ctx, 1), inferred);                 \
  }
KILN_COMPARE_INFER(EqOp)
KILN_COMPARE_INFER(NeOp)
KILN_COMPARE_INFER(LtOp)
KILN_COMPARE_INFER(LeOp)
KILN_COMPARE_INFER(GtOp)
KILN_COMPARE_INFER(GeOp)
#undef KILN_COMPARE_INFER

LogicalResult mlir::kiln::inferBroadcastSymbolicShapes(
    Operation *op, SymShapeFn shapeOf, SmallVectorImpl<SymShape> &results) {
  SymShape shape = shapeOf(op->getOperand(0));
  for (Value v : op->getOperands().drop_front()) {
    auto next = symBroadcast(op, shape, shapeOf(v));
    if (failed(next))
      return failure();
    shape = std::move(*next);
  }
  results.push_back(std::move(shape));
  return success();
}

//===----------------------------------------------------------------------===//
// SelectOp
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  SmallVector<Type, 1> types;
  if (failed(inferBroadcast(
          loc, {adaptor.getCond(), adaptor.getA(), adaptor.getB()}, Type(),
          types)))
    return failure();
  inferred.push_back(RankedTensorType::get(
      cast<RankedTensorType>(types[0]).getShape(),
      tensorOf(adaptor.getA()).getElementType()));
  return success();
}

LogicalResult SelectOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                            SmallVectorImpl<SymShape> &results) {
  return inferBroadcastSymbolicShapes(*this, shapeOf, results);
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

LogicalResult CastOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  Type to = adaptor.getTo();
  if (!to || !getDtypeCode(to))
    return emitInferError(loc, "cast needs a 'to' dtype of the graph format");
  inferred.push_back(
      RankedTensorType::get(tensorOf(adaptor.getX()).getShape(), to));
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  return {};
}
