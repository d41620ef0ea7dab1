//===- KilnElementwiseOps.cpp - elementwise ops ---------------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
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

/// Whether converting `from` to `to` keeps every value exactly, so that a
/// later conversion of the result is the same as converting the original
/// directly: wider floats, wider integers (u8 into a wider signed type),
/// integers into a float whose significand holds them, and bool into
/// anything (0 and 1).
static bool isExactConversion(Type from, Type to) {
  if (from == to || from.isInteger(1))
    return true;
  if (to.isInteger(1))
    return false;
  if (auto fi = dyn_cast<IntegerType>(from)) {
    unsigned w = fi.getWidth();
    bool fromUnsigned = fi.isUnsigned();
    if (auto ti = dyn_cast<IntegerType>(to)) {
      unsigned tw = ti.getWidth();
      if (ti.isUnsigned())
        return fromUnsigned && tw >= w;
      return fromUnsigned ? tw > w : tw >= w;
    }
    if (auto tf = dyn_cast<FloatType>(to)) {
      // |v| <= 2^(w-1) for a signed integer (a power of two at the bottom),
      // < 2^w for an unsigned one; the exponent ranges are never the limit.
      unsigned digits = fromUnsigned ? w : w - 1;
      return (unsigned)tf.getFPMantissaWidth() >= digits;
    }
    return false;
  }
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    // f16 and bf16 do not hold each other's values; f32 and f64 hold both.
    if (from.isF16() || from.isBF16())
      return to.isF32() || to.isF64();
    return from.isF32() && to.isF64();
  }
  return false;
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getX().getType() == getType())
    return getX();
  // cast(cast(x: T -> U) -> T) is x when T -> U loses nothing.
  if (auto inner = getX().getDefiningOp<CastOp>()) {
    Value x = inner.getX();
    if (x.getType() == getType() &&
        isExactConversion(getElementTypeOrSelf(x), inner.getTo()))
      return x;
  }
  return {};
}

/// cast(cast(x: T -> U) -> V) is cast(x: T -> V) when T -> U loses nothing
/// (f16 -> f32 -> f64 is f16 -> f64, i8 -> i32 -> f32 is i8 -> f32); a lossy
/// first cast (f64 -> f32 -> f64) stays.
LogicalResult CastOp::canonicalize(CastOp op, PatternRewriter &rewriter) {
  auto inner = op.getX().getDefiningOp<CastOp>();
  if (!inner ||
      !isExactConversion(getElementTypeOrSelf(inner.getX()), inner.getTo()))
    return failure();
  rewriter.replaceOpWithNewOp<CastOp>(op, op.getType(), inner.getX(),
                                      op.getToAttr());
  return success();
}

//===----------------------------------------------------------------------===//
// Folders: algebraic identities
//===----------------------------------------------------------------------===//
//
// A folder here only ever returns one of the op's operands, and only when that
// operand's type is exactly the result's: a binary op broadcasts, so `x + 0`
// with a larger zero is a bigger tensor than `x` and stays. Constant operands
// are evaluated by kiln-fold-constants, not here.

/// Whether `attr` (a folder's view of an operand) is a splat constant whose
/// element satisfies `isFloat` or `isInt`, by its element type.
static bool splatIs(Attribute attr, function_ref<bool(const APFloat &)> isFloat,
                    function_ref<bool(const APInt &)> isInt) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type et = dense.getElementType();
  if (isa<FloatType>(et))
    return isFloat(dense.getSplatValue<APFloat>());
  if (isa<IntegerType>(et))
    return isInt(dense.getSplatValue<APInt>());
  return false;
}

/// `c` with `x + c == x` for every `x`: integer 0, float -0.0 (+0.0 is not:
/// -0.0 + +0.0 is +0.0).
static bool isAddIdentity(Attribute c) {
  return splatIs(
      c, [](const APFloat &v) { return v.isNegZero(); },
      [](const APInt &v) { return v.isZero(); });
}

/// `c` with `x - c == x` for every `x`: integer 0, float +0.0.
static bool isSubIdentity(Attribute c) {
  return splatIs(
      c, [](const APFloat &v) { return v.isPosZero(); },
      [](const APInt &v) { return v.isZero(); });
}

/// A splat 1 (float or integer; `true` for bools).
static bool isSplatOne(Attribute c) {
  return splatIs(
      c, [](const APFloat &v) { return v.isExactlyValue(1.0); },
      [](const APInt &v) { return v.isOne(); });
}

/// A splat integer 0 (`false` for bools). Floats never match.
static bool isSplatIntZero(Attribute c) {
  return splatIs(
      c, [](const APFloat &) { return false; },
      [](const APInt &v) { return v.isZero(); });
}

/// `v` when its type is the op's result type, else no fold.
static OpFoldResult ifSameType(Operation *op, Value v) {
  if (v.getType() == op->getResult(0).getType())
    return v;
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isAddIdentity(adaptor.getRhs()))
    if (OpFoldResult r = ifSameType(*this, getLhs()))
      return r;
  if (isAddIdentity(adaptor.getLhs()))
    return ifSameType(*this, getRhs());
  return {};
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSubIdentity(adaptor.getRhs()))
    return ifSameType(*this, getLhs());
  return {};
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOne(adaptor.getRhs()))
    if (OpFoldResult r = ifSameType(*this, getLhs()))
      return r;
  if (isSplatOne(adaptor.getLhs()))
    if (OpFoldResult r = ifSameType(*this, getRhs()))
      return r;
  // Integer x * 0 is 0 (a float one is NaN for x = NaN or Inf, and -0 for
  // negative x). The zero is a splat of the result's type, so it needs a
  // static shape.
  if (isSplatIntZero(adaptor.getLhs()) || isSplatIntZero(adaptor.getRhs())) {
    RankedTensorType rt = getType();
    if (rt.hasStaticShape() && isa<IntegerType>(rt.getElementType()))
      return DenseElementsAttr::get(
          rt, APInt::getZero(rt.getElementType().getIntOrFloatBitWidth()));
  }
  return {};
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatOne(adaptor.getRhs()))
    return ifSameType(*this, getLhs());
  return {};
}

OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (isSplatOne(adaptor.getRhs()))
    return ifSameType(*this, getLhs());
  return {};
}

// max(x, x) and min(x, x) are x, NaN included.
OpFoldResult MaxOp::fold(FoldAdaptor) {
  return getLhs() == getRhs() ? ifSameType(*this, getLhs()) : OpFoldResult();
}

OpFoldResult MinOp::fold(FoldAdaptor) {
  return getLhs() == getRhs() ? ifSameType(*this, getLhs()) : OpFoldResult();
}

OpFoldResult AndOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() || isSplatOne(adaptor.getRhs()))
    if (OpFoldResult r = ifSameType(*this, getLhs()))
      return r;
  if (isSplatOne(adaptor.getLhs()))
    return ifSameType(*this, getRhs());
  return {};
}

OpFoldResult OrOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs() || isSplatIntZero(adaptor.getRhs()))
    if (OpFoldResult r = ifSameType(*this, getLhs()))
      return r;
  if (isSplatIntZero(adaptor.getLhs()))
    return ifSameType(*this, getRhs());
  return {};
}

OpFoldResult XorOp::fold(FoldAdaptor adaptor) {
  if (isSplatIntZero(adaptor.getRhs()))
    if (OpFoldResult r = ifSameType(*this, getLhs()))
      return r;
  if (isSplatIntZero(adaptor.getLhs()))
    return ifSameType(*this, getRhs());
  return {};
}

OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getA() == getB())
    return ifSameType(*this, getA());
  if (isSplatOne(adaptor.getCond()))
    return ifSameType(*this, getA());
  if (isSplatIntZero(adaptor.getCond()))
    return ifSameType(*this, getB());
  return {};
}

// Involutions: -(-x) == x (also for the smallest integer, which wraps to
// itself twice), not(not(x)) == x.
OpFoldResult NegOp::fold(FoldAdaptor) {
  if (auto inner = getX().getDefiningOp<NegOp>())
    return inner.getX();
  return {};
}

OpFoldResult NotOp::fold(FoldAdaptor) {
  if (auto inner = getX().getDefiningOp<NotOp>())
    return inner.getX();
  return {};
}

// Idempotent ops: f(f(x)) == f(x).
#define KILN_IDEMPOTENT_FOLD(OP)                                               \
  OpFoldResult OP::fold(FoldAdaptor) {                                         \
    if (getX().getDefiningOp<OP>())                                            \
      return getX();                                                           \
    return {};                                                                 \
  }
KILN_IDEMPOTENT_FOLD(ReluOp)
KILN_IDEMPOTENT_FOLD(AbsOp)
KILN_IDEMPOTENT_FOLD(FloorOp)
KILN_IDEMPOTENT_FOLD(CeilOp)
KILN_IDEMPOTENT_FOLD(RoundOp)
KILN_IDEMPOTENT_FOLD(SignOp)
#undef KILN_IDEMPOTENT_FOLD
