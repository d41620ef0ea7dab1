//===- KilnIndexingOps.cpp - gather/scatter, cumsum, topk -------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

std::string dtypeOf(Value v) {
  return getDtypeName(getDtypeCode(getElementTypeOrSelf(v.getType())));
}

LogicalResult checkIndexType(std::optional<Location> loc, Value indices) {
  Type t = getElementTypeOrSelf(indices.getType());
  if (!t.isSignlessInteger(32) && !t.isSignlessInteger(64))
    return emitInferError(loc, "indices must be i32 or i64, got " +
                                   dtypeOf(indices));
  return success();
}

LogicalResult checkAxis(std::optional<Location> loc, int64_t axis,
                        int64_t rank, int64_t &normalized) {
  auto a = normalizeAxis(axis, rank);
  if (failed(a))
    return emitInferError(loc, "axis " + Twine(axis) +
                                   " is out of range for rank " + Twine(rank));
  normalized = *a;
  return success();
}

LogicalResult checkReduction(std::optional<Location> loc, StringRef r) {
  if (r == "none" || r == "add" || r == "mul" || r == "max" || r == "min")
    return success();
  return emitInferError(loc, "unknown reduction '" + r +
                                 "' (expected none, add, mul, max or min)");
}

LogicalResult checkSameElementType(std::optional<Location> loc, Value data,
                                   Value updates) {
  if (getElementTypeOrSelf(data.getType()) ==
      getElementTypeOrSelf(updates.getType()))
    return success();
  return emitInferError(loc, "updates must have the dtype of data (" +
                                 dtypeOf(data) + "), got " + dtypeOf(updates));
}

/// gather_elements / scatter_elements: `indices` has the rank of `data` and,
/// away from `axis`, dimensions no larger than its (when both are static).
LogicalResult checkElementsIndices(std::optional<Location> loc,
                                   RankedTensorType data,
                                   RankedTensorType indices, int64_t axis,
                                   StringRef dataName) {
  if (indices.getRank() != data.getRank())
    return emitInferError(loc, "indices must have the rank of " + dataName +
                                   " (" + Twine(data.getRank()) + "), got " +
                                   Twine(indices.getRank()));
  for (int64_t i = 0; i < data.getRank(); ++i) {
    int64_t di = indices.getDimSize(i), dd = data.getDimSize(i);
    if (i == axis || ShapedType::isDynamic(di) || ShapedType::isDynamic(dd))
      continue;
    if (di > dd)
      return emitInferError(loc, "indices dimension " + Twine(i) + " (" +
                                     Twine(di) + ") exceeds that of " +
                                     dataName + " (" + Twine(dd) + ")");
  }
  return success();
}

/// The symbolic form of checkElementsIndices: a dimension away from `axis`
/// must be provably no larger than the data's.
LogicalResult checkElementsIndicesSym(Operation *op, ArrayRef<SymDim> data,
                                      ArrayRef<SymDim> indices, int64_t axis,
                                      StringRef dataName) {
  for (auto [i, d] : llvm::enumerate(data)) {
    const SymDim &di = indices[i];
    if ((int64_t)i == axis || di == d || (di.isStatic() && d.isStatic()) ||
        (di.isStatic() && di.factor == 0))
      continue;
    return op->emitOpError("indices dimension ")
           << i << " (" << di.str() << ") is not provably at most that of "
           << dataName << " (" << d.str() << ")";
  }
  return success();
}

/// Static dims equal, dynamic ones left to the symbolic rule.
bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return false;
  return true;
}

LogicalResult checkSameSymShape(Operation *op, ArrayRef<SymDim> got,
                                ArrayRef<SymDim> want, StringRef what) {
  if (got == want)
    return success();
  return op->emitOpError(what) << " has shape " << symShapeStr(got)
                               << ", expected " << symShapeStr(want);
}

/// The static last dimension of `indices` (the index tuples' length).
LogicalResult tupleLength(std::optional<Location> loc,
                          RankedTensorType indices, int64_t &k) {
  if (indices.getRank() < 1)
    return emitInferError(loc, "indices must have rank 1 or more");
  k = indices.getShape().back();
  if (ShapedType::isDynamic(k))
    return emitInferError(loc, "the last dimension of indices (the index "
                               "tuples' length) must be static");
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// GatherElementsOp
//===----------------------------------------------------------------------===//

LogicalResult GatherElementsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  if (failed(checkIndexType(loc, adaptor.getIndices())))
    return failure();
  RankedTensorType it = tensorOf(adaptor.getIndices());
  int64_t axis;
  if (failed(checkAxis(loc, adaptor.getAxis(), xt.getRank(), axis)) ||
      failed(checkElementsIndices(loc, xt, it, axis, "x")))
    return failure();
  inferred.push_back(it.clone(xt.getElementType()));
  return success();
}

int64_t GatherElementsOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getX().getType().getRank());
}

LogicalResult
GatherElementsOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                      SmallVectorImpl<SymShape> &results) {
  const SymShape &indices = shapeOf(getIndices());
  if (failed(checkElementsIndicesSym(*this, shapeOf(getX()), indices,
                                     getNormalizedAxis(), "x")))
    return failure();
  results.push_back(indices);
  return success();
}

//===----------------------------------------------------------------------===//
// ScatterElementsOp
//===----------------------------------------------------------------------===//

LogicalResult ScatterElementsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RankedTensorType dt = tensorOf(adaptor.getData());
  if (failed(checkIndexType(loc, adaptor.getIndices())) ||
      failed(checkSameElementType(loc, adaptor.getData(),
                                  adaptor.getUpdates())) ||
      failed(checkReduction(loc, adaptor.getReduction())))
    return failure();
  RankedTensorType it = tensorOf(adaptor.getIndices());
  RankedTensorType ut = tensorOf(adaptor.getUpdates());
  int64_t axis;
  if (failed(checkAxis(loc, adaptor.getAxis(), dt.getRank(), axis)) ||
      failed(checkElementsIndices(loc, dt, it, axis, "data")))
    return failure();
  if (!compatibleShapes(ut.getShape(), it.getShape()))
    return emitInferError(loc, "updates " + shapeStr(ut.getShape()) +
                                   " must have the shape of indices " +
                                   shapeStr(it.getShape()));
  inferred.push_back(dt);
  return success();
}

int64_t ScatterElementsOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getData().getType().getRank());
}

LogicalResult
ScatterElementsOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                       SmallVectorImpl<SymShape> &results) {
  const SymShape &data = shapeOf(getData());
  const SymShape &indices = shapeOf(getIndices());
  if (failed(checkElementsIndicesSym(*this, data, indices,
                                     getNormalizedAxis(), "data")) ||
      failed(checkSameSymShape(*this, shapeOf(getUpdates()), indices,
                               "updates")))
    return failure();
  results.push_back(data);
  return success();
}

//===----------------------------------------------------------------------===//
// GatherNDOp
//===----------------------------------------------------------------------===//

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  RankedTensorType dt = tensorOf(adaptor.getData());
  if (failed(checkIndexType(loc, adaptor.getIndices())))
    return failure();
  RankedTensorType it = tensorOf(adaptor.getIndices());
  int64_t k, b = adaptor.getBatchDims(), r = dt.getRank(), q = it.getRank();
  if (failed(tupleLength(loc, it, k)))
    return failure();
  if (b < 0 || b >= q)
    return emitInferError(loc, "batch_dims " + Twine(b) +
                                   " must be in [0, rank(indices) - 1] = [0, " +
                                   Twine(q - 1) + "]");
  if (k < 1 || b + k > r)
    return emitInferError(loc, "index tuples of length " + Twine(k) +
                                   " must have 1 to rank(data) - batch_dims "
                                   "= " + Twine(r - b) + " entries");
  for (int64_t i = 0; i < b; ++i) {
    int64_t di = it.getDimSize(i), dd = dt.getDimSize(i);
    if (!ShapedType::isDynamic(di) && !ShapedType::isDynamic(dd) && di != dd)
      return emitInferError(loc, "batch dimension " + Twine(i) +
                                     " of indices (" + Twine(di) +
                                     ") differs from data's (" + Twine(dd) +
                                     ")");
  }
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, dt.getShape().drop_front(b + k));
  inferred.push_back(RankedTensorType::get(shape, dt.getElementType()));
  return success();
}

LogicalResult
GatherNDOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                SmallVectorImpl<SymShape> &results) {
  ArrayRef<SymDim> data = shapeOf(getData()), indices = shapeOf(getIndices());
  int64_t b = getBatchDims(), k = getTupleLength();
  if (failed(checkSameSymShape(*this, indices.take_front(b),
                               data.take_front(b), "the batch of indices")))
    return failure();
  SymShape r(indices.drop_back());
  llvm::append_range(r, data.drop_front(b + k));
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// ScatterNDOp
//===----------------------------------------------------------------------===//

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType dt = tensorOf(adaptor.getData());
  if (failed(checkIndexType(loc, adaptor.getIndices())) ||
      failed(checkSameElementType(loc, adaptor.getData(),
                                  adaptor.getUpdates())) ||
      failed(checkReduction(loc, adaptor.getReduction())))
    return failure();
  RankedTensorType it = tensorOf(adaptor.getIndices());
  RankedTensorType ut = tensorOf(adaptor.getUpdates());
  int64_t k;
  if (failed(tupleLength(loc, it, k)))
    return failure();
  if (k < 1 || k > dt.getRank())
    return emitInferError(loc, "index tuples of length " + Twine(k) +
                                   " must have 1 to rank(data) = " +
                                   Twine(dt.getRank()) + " entries");
  SmallVector<int64_t> expected(it.getShape().drop_back());
  llvm::append_range(expected, dt.getShape().drop_front(k));
  if (!compatibleShapes(ut.getShape(), expected))
    return emitInferError(loc, "updates " + shapeStr(ut.getShape()) +
                                   " must have the shape indices.shape[:-1] "
                                   "+ data.shape[k:] = " +
                                   shapeStr(expected));
  inferred.push_back(dt);
  return success();
}

LogicalResult
ScatterNDOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                 SmallVectorImpl<SymShape> &results) {
  const SymShape &data = shapeOf(getData());
  int64_t k = getTupleLength();
  SymShape expected(ArrayRef<SymDim>(shapeOf(getIndices())).drop_back());
  llvm::append_range(expected, ArrayRef<SymDim>(data).drop_front(k));
  if (failed(checkSameSymShape(*this, shapeOf(getUpdates()), expected,
                               "updates")))
    return failure();
  results.push_back(data);
  return success();
}

//===----------------------------------------------------------------------===//
// CumSumOp
//===----------------------------------------------------------------------===//

LogicalResult CumSumOp::verify() {
  int64_t rank = getX().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (failed(normalizeAxis(axis, rank)))
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

int64_t CumSumOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getX().getType().getRank());
}

//===----------------------------------------------------------------------===//
// TopKOp
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::inferReturnTypes(MLIRContext *ctx,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t axis, k = adaptor.getK();
  if (failed(checkAxis(loc, adaptor.getAxis(), xt.getRank(), axis)))
    return failure();
  int64_t d = xt.getDimSize(axis);
  if (k < 0)
    return emitInferError(loc, "k must not be negative, got " + Twine(k));
  if (!ShapedType::isDynamic(d) && k > d)
    return emitInferError(loc, "k = " + Twine(k) +
                                   " exceeds the size of axis " + Twine(axis) +
                                   " (" + Twine(d) + ")");
  SmallVector<int64_t> shape(xt.getShape());
  shape[axis] = k;
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  inferred.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 64)));
  return success();
}

int64_t TopKOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getX().getType().getRank());
}

LogicalResult TopKOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                          SmallVectorImpl<SymShape> &results) {
  SymShape r = shapeOf(getX());
  r[getNormalizedAxis()] = SymDim::constant(getK());
  results.push_back(r);
  results.push_back(std::move(r));
  return success();
}
