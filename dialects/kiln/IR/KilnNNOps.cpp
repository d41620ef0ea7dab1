//===- KilnNNOps.cpp - matmul, reductions, nn ops -------------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType at = tensorOf(adaptor.getA()), bt = tensorOf(adaptor.getB());
  if (at.getRank() == 0 || bt.getRank() == 0)
    return emitInferError(loc, "matmul operands must have rank >= 1");
  if ((adaptor.getTransposeA() && at.getRank() < 2) ||
      (adaptor.getTransposeB() && bt.getRank() < 2))
    return emitInferError(loc, "transpose_a/transpose_b need an operand of "
                               "rank >= 2");
  SmallVector<int64_t> a(at.getShape()), b(bt.getShape());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), 1);
  if (promoteB)
    b.push_back(1);
  if (adaptor.getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (adaptor.getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (k1 != k2)
    return emitInferError(loc, "contraction dimensions differ: " +
                                   shapeStr(at.getShape()) + " x " +
                                   shapeStr(bt.getShape()));
  auto batch = broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                               ArrayRef<int64_t>(b).drop_back(2));
  if (failed(batch))
    return emitInferError(loc, "batch dimensions of " +
                                   shapeStr(at.getShape()) + " and " +
                                   shapeStr(bt.getShape()) +
                                   " cannot be broadcast together");
  SmallVector<int64_t> shape(*batch);
  if (!promoteA)
    shape.push_back(a[a.size() - 2]);
  if (!promoteB)
    shape.push_back(b.back());
  inferred.push_back(RankedTensorType::get(shape, at.getElementType()));
  return success();
}


LogicalResult MatmulOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                            SmallVectorImpl<SymShape> &results) {
  SymShape a = shapeOf(getA()), b = shapeOf(getB());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), SymDim::constant(1));
  if (promoteB)
    b.push_back(SymDim::constant(1));
  if (getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  if (a.back() != b[b.size() - 2])
    return emitOpError("contraction dimensions ")
           << a.back().str() << " and " << b[b.size() - 2].str()
           << " are not provably equal";
  auto batch = symBroadcast(*this, ArrayRef<SymDim>(a).drop_back(2),
                            ArrayRef<SymDim>(b).drop_back(2));
  if (failed(batch))
    return failure();
  SymShape r = *batch;
  if (!promoteA)
    r.push_back(a[a.size() - 2]);
  if (!promoteB)
    r.push_back(b.back());
  results.push_back(std::move(r));
  return success();
}
//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static FailureOr<SmallVector<int64_t>>
normalizeAxes(std::optional<ArrayRef<int64_t>> axes, int64_t rank,
              std::optional<Location> loc) {
  SmallVector<int64_t> result;
  if (!axes) {
    for (int64_t i = 0; i < rank; ++i)
      result.push_back(i);
    return result;
  }
  for (int64_t axis : *axes) {
    auto n = normalizeAxis(axis, rank);
    if (failed(n))
      return (void)emitInferError(loc, "axis " + Twine(axis) +
                                           " is out of range for rank " +
                                           Twine(rank)),
             failure();
    if (llvm::is_contained(result, *n))
      return (void)emitInferError(loc, "axis " + Twine(axis) + " is repeated"),
             failure();
    result.push_back(*n);
  }
  llvm::sort(result);
  return result;
}

static LogicalResult inferReduce(std::optional<Location> loc, Value x,
                                 std::optional<ArrayRef<int64_t>> axes,
                                 bool keepdims,
                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(x);
  auto norm = normalizeAxes(axes, xt.getRank(), loc);
  if (failed(norm))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i) {
    if (!llvm::is_contained(*norm, i))
      shape.push_back(xt.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

#define KILN_REDUCE(OP)                                                        \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferReduce(loc, adaptor.getX(), adaptor.getAxes(),                 \
                       adaptor.getKeepdims(), inferred);                       \
  }                                                                            \
  SmallVector<int64_t> OP::getNormalizedAxes() {                               \
    return *normalizeAxes(getAxes(), getX().getType().getRank(),               \
                          std::nullopt);                                       \
  }
KILN_REDUCE(ReduceSumOp)
KILN_REDUCE(ReduceMeanOp)
KILN_REDUCE(ReduceMaxOp)
#undef KILN_REDUCE


LogicalResult mlir::kiln::inferReduceSymbolicShapes(
    Operation *op, ArrayRef<int64_t> axes, bool keepdims, SymShapeFn shapeOf,
    SmallVectorImpl<SymShape> &results) {
  SymShape r;
  for (auto [i, d] : llvm::enumerate(shapeOf(op->getOperand(0)))) {
    if (!llvm::is_contained(axes, (int64_t)i))
      r.push_back(d);
    else if (keepdims)
      r.push_back(SymDim::constant(1));
  }
  results.push_back(std::move(r));
  return success();
}
//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getX().getType().getRank();
  int64_t axis = getAxisAttr().getInt(); // getAxis() is unsigned
  if (failed(normalizeAxis(axis, rank)))
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

