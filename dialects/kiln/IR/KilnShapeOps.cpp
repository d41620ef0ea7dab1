//===- KilnShapeOps.cpp - shape and data movement ops ---------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  ArrayRef<int64_t> in = xt.getShape();
  ArrayRef<int64_t> target = adaptor.getShape();
  // Input dims copied by a `0` entry cancel out of the element count.
  SmallVector<bool> copied(in.size(), false);
  SmallVector<int64_t> shape;
  int inferAt = -1;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0) {
      if (i >= in.size())
        return emitInferError(loc, "shape entry 0 at position " + Twine(i) +
                                       " has no input dimension to copy");
      copied[i] = true;
      shape.push_back(in[i]);
    } else if (d == -1) {
      if (inferAt >= 0)
        return emitInferError(loc, "shape has more than one -1");
      inferAt = i;
      shape.push_back(ShapedType::kDynamic);
    } else if (d < -1) {
      return emitInferError(loc, "invalid shape entry " + Twine(d));
    } else {
      shape.push_back(d);
    }
  }
  int64_t inStatic = 1;
  bool inDynamic = false;
  for (auto [i, d] : llvm::enumerate(in)) {
    if (copied[i])
      continue;
    if (ShapedType::isDynamic(d))
      inDynamic = true;
    else
      inStatic *= d;
  }
  int64_t outStatic = 1;
  for (auto [i, d] : llvm::enumerate(shape))
    if ((int)i != inferAt && !(i < copied.size() && copied[i] && target[i] == 0))
      outStatic *= d;
  if (inferAt >= 0) {
    if (!inDynamic) {
      if (outStatic == 0 || inStatic % outStatic != 0)
        return emitInferError(loc, "cannot reshape " + shapeStr(in) +
                                       " to " + shapeStr(target));
      shape[inferAt] = inStatic / outStatic;
    }
  } else if (!inDynamic && inStatic != outStatic) {
    return emitInferError(loc, "cannot reshape " + shapeStr(in) + " (" +
                                   Twine(inStatic) + " elements) to " +
                                   shapeStr(target));
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

SmallVector<int64_t> TransposeOp::getPermutation() {
  if (auto perm = getPerm())
    return SmallVector<int64_t>(*perm);
  int64_t rank = getX().getType().getRank();
  SmallVector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i)
    perm.push_back(i);
  return perm;
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t rank = xt.getRank();
  SmallVector<int64_t> shape;
  if (auto perm = adaptor.getPerm()) {
    if ((int64_t)perm->size() != rank)
      return emitInferError(loc, "perm has " + Twine(perm->size()) +
                                     " entries for rank " + Twine(rank));
    SmallVector<bool> seen(rank, false);
    for (int64_t p : *perm) {
      if (p < 0 || p >= rank || seen[p])
        return emitInferError(loc, "perm is not a permutation of [0, " +
                                       Twine(rank) + ")");
      seen[p] = true;
      shape.push_back(xt.getDimSize(p));
    }
  } else {
    shape.assign(xt.getShape().rbegin(), xt.getShape().rend());
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

//===----------------------------------------------------------------------===//
// BroadcastToOp
//===----------------------------------------------------------------------===//

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  ArrayRef<int64_t> in = xt.getShape();
  SmallVector<int64_t> target(adaptor.getShape());
  if (target.size() < in.size())
    return emitInferError(loc, "cannot broadcast " + shapeStr(in) +
                                   " to a lower rank");
  size_t offset = target.size() - in.size();
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == -1) {
      if (i < offset)
        return emitInferError(loc, "-1 in shape has no input dimension");
      d = in[i - offset];
    } else if (d < 0) {
      return emitInferError(loc, "invalid shape entry " + Twine(d));
    }
  }
  auto shape = broadcastShapes(in, target);
  if (failed(shape) || ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>(target))
    return emitInferError(loc, "cannot broadcast " + shapeStr(in) + " to " +
                                   shapeStr(target));
  inferred.push_back(RankedTensorType::get(target, xt.getElementType()));
  return success();
}


LogicalResult ReshapeOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                             SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  SymShape r;
  int inferAt = -1;
  for (auto [i, d] : llvm::enumerate(getShape())) {
    if (d == 0)
      r.push_back(in[i]);
    else if (d == -1)
      inferAt = i, r.push_back(SymDim::constant(1));
    else
      r.push_back(SymDim::constant(d));
  }
  SymDim total = symProduct(in), known = symProduct(r);
  if (inferAt >= 0) {
    auto q = total.divide(known);
    if (!q)
      return emitOpError("cannot infer the -1 dimension: ")
             << total.str() << " elements are not divisible by "
             << known.str();
    r[inferAt] = *q;
  } else if (total != known) {
    return emitOpError("element counts ")
           << total.str() << " and " << known.str()
           << " are not provably equal";
  }
  results.push_back(std::move(r));
  return success();
}

LogicalResult
TransposeOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                 SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  SymShape r;
  for (int64_t p : getPermutation())
    r.push_back(in[p]);
  results.push_back(std::move(r));
  return success();
}

LogicalResult
BroadcastToOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                   SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  ArrayRef<int64_t> target = getShape();
  size_t offset = target.size() - in.size();
  SymShape r;
  for (auto [i, d] : llvm::enumerate(target))
    r.push_back(d == -1 ? in[i - offset] : SymDim::constant(d));
  auto shape = symBroadcast(*this, in, r);
  if (failed(shape))
    return failure();
  results.push_back(std::move(*shape));
  return success();
}

//===----------------------------------------------------------------------===//
// Helpers of the ops below
//===----------------------------------------------------------------------===//

/// Normalizes `axes` against `rank`: in range, not repeated; sorted.
static FailureOr<SmallVector<int64_t>>
normalizeAxisList(ArrayRef<int64_t> axes, int64_t rank,
                  std::optional<Location> loc) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
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

/// A symbolic dimension that cannot be computed at compile time.
static LogicalResult unrepresentable(Operation *op, const Twine &what) {
  return op->emitOpError() << what
                           << "; symbolic dimensions can only be products of "
                              "input symbols (pin the input's shape with "
                              "--shape)";
}

//===----------------------------------------------------------------------===//
// SqueezeOp / UnsqueezeOp / FlattenOp
//===----------------------------------------------------------------------===//

static FailureOr<SmallVector<int64_t>>
squeezedAxes(RankedTensorType xt, std::optional<ArrayRef<int64_t>> axes,
             std::optional<Location> loc) {
  SmallVector<int64_t> result;
  if (!axes) {
    for (int64_t i = 0; i < xt.getRank(); ++i)
      if (xt.getDimSize(i) == 1)
        result.push_back(i);
    return result;
  }
  auto norm = normalizeAxisList(*axes, xt.getRank(), loc);
  if (failed(norm))
    return failure();
  for (int64_t axis : *norm) {
    int64_t d = xt.getDimSize(axis);
    if (d != 1)
      return (void)emitInferError(
                 loc, "cannot squeeze dimension " + Twine(axis) + " of " +
                          shapeStr(xt.getShape()) + ": its size is " +
                          (ShapedType::isDynamic(d) ? Twine("dynamic")
                                                    : Twine(d)) +
                          ", not 1"),
             failure();
  }
  return norm;
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  auto axes = squeezedAxes(xt, adaptor.getAxes(), loc);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i)
    if (!llvm::is_contained(*axes, i))
      shape.push_back(xt.getDimSize(i));
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

SmallVector<int64_t> SqueezeOp::getSqueezedAxes() {
  return *squeezedAxes(getX().getType(), getAxes(), std::nullopt);
}

LogicalResult
SqueezeOp::inferSymbolicShapes(SymShapeFn shapeOf,
                               SmallVectorImpl<SymShape> &results) {
  SmallVector<int64_t> axes = getSqueezedAxes();
  SymShape r;
  for (auto [i, d] : llvm::enumerate(shapeOf(getX())))
    if (!llvm::is_contained(axes, (int64_t)i))
      r.push_back(d);
  results.push_back(std::move(r));
  return success();
}

static FailureOr<SmallVector<int64_t>>
insertedAxes(int64_t inRank, ArrayRef<int64_t> axes,
             std::optional<Location> loc) {
  return normalizeAxisList(axes, inRank + (int64_t)axes.size(), loc);
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  auto axes = insertedAxes(xt.getRank(), adaptor.getAxes(), loc);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < xt.getRank() + (int64_t)axes->size(); ++i)
    shape.push_back(llvm::is_contained(*axes, i) ? 1
                                                  : xt.getDimSize(next++));
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

SmallVector<int64_t> UnsqueezeOp::getInsertedAxes() {
  return *insertedAxes(getX().getType().getRank(), getAxes(), std::nullopt);
}

LogicalResult
UnsqueezeOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                 SmallVectorImpl<SymShape> &results) {
  SmallVector<int64_t> axes = getInsertedAxes();
  const SymShape &in = shapeOf(getX());
  SymShape r;
  size_t next = 0;
  for (size_t i = 0; i < in.size() + axes.size(); ++i)
    r.push_back(llvm::is_contained(axes, (int64_t)i) ? SymDim::constant(1)
                                                      : in[next++]);
  results.push_back(std::move(r));
  return success();
}

static FailureOr<int64_t> flattenAxis(int64_t axis, int64_t rank,
                                      std::optional<Location> loc) {
  if (axis < -rank || axis > rank)
    return (void)emitInferError(loc, "axis " + Twine(axis) +
                                         " is out of range [" + Twine(-rank) +
                                         ", " + Twine(rank) + "]"),
           failure();
  return axis < 0 ? axis + rank : axis;
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  auto axis = flattenAxis(adaptor.getAxis(), xt.getRank(), loc);
  if (failed(axis))
    return failure();
  auto product = [&](int64_t lo, int64_t hi) {
    int64_t p = 1;
    for (int64_t i = lo; i < hi; ++i) {
      if (xt.isDynamicDim(i))
        return ShapedType::kDynamic;
      p *= xt.getDimSize(i);
    }
    return p;
  };
  // A static 0 makes the product 0 whatever the dynamic dims are.
  auto hasZero = [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i)
      if (xt.getDimSize(i) == 0)
        return true;
    return false;
  };
  int64_t outer = hasZero(0, *axis) ? 0 : product(0, *axis);
  int64_t inner =
      hasZero(*axis, xt.getRank()) ? 0 : product(*axis, xt.getRank());
  inferred.push_back(
      RankedTensorType::get({outer, inner}, xt.getElementType()));
  return success();
}

int64_t FlattenOp::getNormalizedAxis() {
  return *flattenAxis(getAxis(), getX().getType().getRank(), std::nullopt);
}

LogicalResult
FlattenOp::inferSymbolicShapes(SymShapeFn shapeOf,
                               SmallVectorImpl<SymShape> &results) {
  ArrayRef<SymDim> in = shapeOf(getX());
  int64_t axis = getNormalizedAxis();
  results.push_back(
      {symProduct(in.take_front(axis)), symProduct(in.drop_front(axis))});
  return success();
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitInferError(loc, "needs at least one input");
  RankedTensorType first = tensorOf(inputs[0]);
  int64_t rank = first.getRank();
  auto axis = normalizeAxis(adaptor.getAxis(), rank);
  if (failed(axis))
    return emitInferError(loc, "axis " + Twine((int64_t)adaptor.getAxis()) +
                                   " is out of range for rank " + Twine(rank));
  SmallVector<int64_t> shape(first.getShape());
  for (auto [k, v] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType t = tensorOf(v);
    if (t.getElementType() != first.getElementType())
      return emitInferError(loc, "input " + Twine(k + 1) +
                                     " has a different dtype than input 0");
    if (t.getRank() != rank)
      return emitInferError(loc, "input " + Twine(k + 1) + " has rank " +
                                     Twine(t.getRank()) + ", input 0 has " +
                                     Twine(rank));
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = t.getDimSize(i);
      if (i == *axis) {
        shape[i] = ShapedType::isDynamic(d) || ShapedType::isDynamic(shape[i])
                       ? ShapedType::kDynamic
                       : shape[i] + d;
      } else if (ShapedType::isDynamic(shape[i])) {
        shape[i] = d;
      } else if (!ShapedType::isDynamic(d) && d != shape[i]) {
        return emitInferError(loc, "input " + Twine(k + 1) + " has shape " +
                                       shapeStr(t.getShape()) +
                                       ", input 0 has " +
                                       shapeStr(first.getShape()) +
                                       "; only dimension " + Twine(*axis) +
                                       " may differ");
      }
    }
  }
  inferred.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

int64_t ConcatOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(),
                        cast<RankedTensorType>(getInputs()[0].getType())
                            .getRank());
}

LogicalResult
ConcatOp::inferSymbolicShapes(SymShapeFn shapeOf,
                              SmallVectorImpl<SymShape> &results) {
  int64_t axis = getNormalizedAxis();
  SymShape r = shapeOf(getInputs()[0]);
  // The concatenated dimension is a sum, which a SymDim (a product) holds
  // only when every non-zero term has the same symbols: N + 2*N = 3*N.
  std::optional<SymDim> sum;
  for (auto [k, v] : llvm::enumerate(getInputs())) {
    const SymShape &s = shapeOf(v);
    for (size_t i = 0; i < s.size(); ++i)
      if ((int64_t)i != axis && s[i] != r[i])
        return emitOpError("dimension ")
               << i << " of input " << k << " is " << s[i].str()
               << " and of input 0 " << r[i].str()
               << "; they are not provably equal";
    const SymDim &d = s[axis];
    if (d.factor == 0)
      continue;
    if (!sum)
      sum = d;
    else if (sum->symbols == d.symbols)
      sum->factor += d.factor;
    else
      return unrepresentable(*this, "the concatenated dimension is the sum " +
                                        sum->str() + " + " + d.str());
  }
  r[axis] = sum ? *sum : SymDim::constant(0);
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// SplitOp
//===----------------------------------------------------------------------===//

/// The part sizes of a split of `dim` (kDynamic where unknown).
static FailureOr<SmallVector<int64_t>>
splitSizes(int64_t dim, std::optional<ArrayRef<int64_t>> sizes,
           std::optional<int64_t> numOutputs, std::optional<Location> loc) {
  if (sizes) {
    if (sizes->empty())
      return (void)emitInferError(loc, "sizes is empty"), failure();
    if (numOutputs && *numOutputs != (int64_t)sizes->size())
      return (void)emitInferError(loc, "num_outputs is " + Twine(*numOutputs) +
                                           " but sizes has " +
                                           Twine(sizes->size()) + " entries"),
             failure();
    int64_t total = 0;
    for (int64_t s : *sizes) {
      if (s < 0)
        return (void)emitInferError(loc, "negative split size " + Twine(s)),
               failure();
      total += s;
    }
    if (!ShapedType::isDynamic(dim) && total != dim)
      return (void)emitInferError(loc, "split sizes sum to " + Twine(total) +
                                           " but the dimension is " +
                                           Twine(dim)),
             failure();
    return SmallVector<int64_t>(*sizes);
  }
  if (!numOutputs || *numOutputs < 1)
    return (void)emitInferError(loc, "needs sizes or num_outputs >= 1"),
           failure();
  if (ShapedType::isDynamic(dim))
    return SmallVector<int64_t>(*numOutputs, ShapedType::kDynamic);
  if (dim % *numOutputs != 0)
    return (void)emitInferError(loc, "dimension of size " + Twine(dim) +
                                         " does not split into " +
                                         Twine(*numOutputs) + " equal parts"),
           failure();
  return SmallVector<int64_t>(*numOutputs, dim / *numOutputs);
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  auto axis = normalizeAxis(adaptor.getAxis(), xt.getRank());
  if (failed(axis))
    return emitInferError(loc, "axis " + Twine((int64_t)adaptor.getAxis()) +
                                   " is out of range for rank " +
                                   Twine(xt.getRank()));
  std::optional<int64_t> numOutputs;
  if (auto n = adaptor.getNumOutputsAttr())
    numOutputs = n.getInt();
  auto sizes =
      splitSizes(xt.getDimSize(*axis), adaptor.getSizes(), numOutputs, loc);
  if (failed(sizes))
    return failure();
  for (int64_t s : *sizes) {
    SmallVector<int64_t> shape(xt.getShape());
    shape[*axis] = s;
    inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  }
  return success();
}

int64_t SplitOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getX().getType().getRank());
}

LogicalResult SplitOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                           SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  int64_t axis = getNormalizedAxis();
  const SymDim &d = in[axis];
  SmallVector<SymDim> parts;
  if (auto sizes = getSizes()) {
    int64_t total = 0;
    for (int64_t s : *sizes) {
      total += s;
      parts.push_back(SymDim::constant(s));
    }
    if (d != SymDim::constant(total))
      return emitOpError("split sizes sum to ")
             << total << " but the dimension is " << d.str();
  } else {
    int64_t n = getNumResults();
    auto part = d.divide(SymDim::constant(n));
    if (!part)
      return unrepresentable(*this, "dimension " + d.str() +
                                        " does not provably split into " +
                                        Twine(n) + " equal parts");
    parts.assign(n, *part);
  }
  for (const SymDim &p : parts) {
    SymShape r = in;
    r[axis] = p;
    results.push_back(std::move(r));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

/// Per-dimension starts, ends, steps from the attributes; checks them.
static LogicalResult sliceSpec(int64_t rank, ArrayRef<int64_t> starts,
                               ArrayRef<int64_t> ends,
                               std::optional<ArrayRef<int64_t>> axes,
                               std::optional<ArrayRef<int64_t>> steps,
                               std::optional<Location> loc,
                               SmallVectorImpl<int64_t> &s,
                               SmallVectorImpl<int64_t> &e,
                               SmallVectorImpl<int64_t> &k) {
  size_t n = starts.size();
  if (ends.size() != n)
    return emitInferError(loc, "starts has " + Twine(n) + " entries, ends " +
                                   Twine(ends.size()));
  if (axes && axes->size() != n)
    return emitInferError(loc, "starts has " + Twine(n) + " entries, axes " +
                                   Twine(axes->size()));
  if (steps && steps->size() != n)
    return emitInferError(loc, "starts has " + Twine(n) + " entries, steps " +
                                   Twine(steps->size()));
  SmallVector<int64_t> dims;
  if (axes) {
    // The order of `axes` is free; only repeats and range are checked.
    for (int64_t a : *axes) {
      auto d = normalizeAxis(a, rank);
      if (failed(d))
        return emitInferError(loc, "axis " + Twine(a) +
                                       " is out of range for rank " +
                                       Twine(rank));
      if (llvm::is_contained(dims, *d))
        return emitInferError(loc, "axis " + Twine(a) + " is repeated");
      dims.push_back(*d);
    }
  } else {
    if ((int64_t)n > rank)
      return emitInferError(loc, "starts has " + Twine(n) +
                                     " entries for rank " + Twine(rank));
    for (size_t i = 0; i < n; ++i)
      dims.push_back(i);
  }
  s.assign(rank, 0);
  e.assign(rank, INT64_MAX);
  k.assign(rank, 1);
  for (size_t i = 0; i < n; ++i) {
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return emitInferError(loc, "steps must not be 0");
    if (step == INT64_MIN)
      return emitInferError(loc, "step " + Twine(step) + " is out of range");
    s[dims[i]] = starts[i];
    e[dims[i]] = ends[i];
    k[dims[i]] = step;
  }
  return success();
}

/// ONNX's clamping of one dimension of size `d`: the first index and the
/// number of elements taken.
static std::pair<int64_t, int64_t> sliceDim(int64_t d, int64_t start,
                                            int64_t end, int64_t step) {
  if (d == 0)
    return {0, 0};
  if (start < 0)
    start += d;
  if (end < 0)
    end += d;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, d);
    end = std::clamp<int64_t>(end, 0, d);
    return {start, end > start ? (end - start - 1) / step + 1 : 0};
  }
  start = std::clamp<int64_t>(start, 0, d - 1);
  end = std::clamp<int64_t>(end, -1, d - 1);
  return {start, start > end ? (start - end - 1) / -step + 1 : 0};
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  SmallVector<int64_t> s, e, k;
  if (failed(sliceSpec(xt.getRank(), adaptor.getStarts(), adaptor.getEnds(),
                       adaptor.getAxes(), adaptor.getSteps(), loc, s, e, k)))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i) {
    int64_t d = xt.getDimSize(i);
    shape.push_back(ShapedType::isDynamic(d) ? ShapedType::kDynamic
                                             : sliceDim(d, s[i], e[i], k[i])
                                                   .second);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

void SliceOp::getPerDimension(SmallVectorImpl<int64_t> &starts,
                              SmallVectorImpl<int64_t> &ends,
                              SmallVectorImpl<int64_t> &steps) {
  (void)sliceSpec(getX().getType().getRank(), getStarts(), getEnds(),
                  getAxes(), getSteps(), std::nullopt, starts, ends, steps);
}

/// Whether a slice takes a whole dimension of any size, in order or
/// reversed. Bounds this far out cannot be real sizes.
static bool takesWholeDimension(int64_t start, int64_t end, int64_t step) {
  constexpr int64_t kFar = int64_t(1) << 62;
  if (step == 1)
    return (start == 0 || start <= -kFar) && end >= kFar;
  if (step == -1)
    return (start == -1 || start >= kFar) && end <= -kFar;
  return false;
}

LogicalResult SliceOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                           SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  SmallVector<int64_t> s, e, k;
  getPerDimension(s, e, k);
  SymShape r;
  for (auto [i, d] : llvm::enumerate(in)) {
    if (d.isStatic()) {
      r.push_back(SymDim::constant(sliceDim(d.factor, s[i], e[i], k[i]).second));
    } else if (takesWholeDimension(s[i], e[i], k[i])) {
      r.push_back(d);
    } else {
      return unrepresentable(*this, "slicing dimension " + Twine(i) +
                                        " of size " + d.str() + " from " +
                                        Twine(s[i]) + " to " + Twine(e[i]) +
                                        " by " + Twine(k[i]) +
                                        " gives a size that depends on " +
                                        d.str());
    }
  }
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// GatherOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  auto it = dyn_cast<RankedTensorType>(adaptor.getIndices().getType());
  if (!it || !(it.getElementType().isSignlessInteger(32) ||
               it.getElementType().isSignlessInteger(64)))
    return emitInferError(loc, "indices must be i32 or i64");
  auto axis = normalizeAxis(adaptor.getAxis(), xt.getRank());
  if (failed(axis))
    return emitInferError(loc, "axis " + Twine((int64_t)adaptor.getAxis()) +
                                   " is out of range for rank " +
                                   Twine(xt.getRank()));
  SmallVector<int64_t> shape(xt.getShape().take_front(*axis));
  llvm::append_range(shape, it.getShape());
  llvm::append_range(shape, xt.getShape().drop_front(*axis + 1));
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

int64_t GatherOp::getNormalizedAxis() {
  return *normalizeAxis(getAxis(), getX().getType().getRank());
}

LogicalResult GatherOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                            SmallVectorImpl<SymShape> &results) {
  ArrayRef<SymDim> in = shapeOf(getX());
  int64_t axis = getNormalizedAxis();
  SymShape r(in.take_front(axis));
  llvm::append_range(r, shapeOf(getIndices()));
  llvm::append_range(r, in.drop_front(axis + 1));
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// PadOp
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t rank = xt.getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if ((int64_t)pads.size() != 2 * rank)
    return emitInferError(loc, "pads has " + Twine(pads.size()) +
                                   " entries; rank " + Twine(rank) +
                                   " needs " + Twine(2 * rank) +
                                   " (begins, then ends)");
  StringRef mode = adaptor.getMode();
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return emitInferError(loc, "unknown mode '" + mode +
                                   "' (expected constant, reflect or edge)");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t b = pads[i], e = pads[rank + i], d = xt.getDimSize(i);
    if (b < 0 || e < 0)
      return emitInferError(loc, "pads must not be negative");
    if (!ShapedType::isDynamic(d)) {
      if (mode == "reflect" && (b > 0 || e > 0) && (b >= d || e >= d))
        return emitInferError(loc, "reflect pads of dimension " + Twine(i) +
                                       " (" + Twine(b) + ", " + Twine(e) +
                                       ") must be smaller than its size " +
                                       Twine(d));
      if (mode == "edge" && (b > 0 || e > 0) && d == 0)
        return emitInferError(loc, "edge padding of the empty dimension " +
                                       Twine(i));
    }
    shape.push_back(ShapedType::isDynamic(d) ? d : d + b + e);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

LogicalResult PadOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                         SmallVectorImpl<SymShape> &results) {
  const SymShape &in = shapeOf(getX());
  ArrayRef<int64_t> pads = getPads();
  SymShape r;
  for (auto [i, d] : llvm::enumerate(in)) {
    int64_t extra = pads[i] + pads[in.size() + i];
    if (d.isStatic())
      r.push_back(SymDim::constant(d.factor + extra));
    else if (extra == 0)
      r.push_back(d);
    else
      return unrepresentable(*this, "padding dimension " + Twine(i) +
                                        " of size " + d.str() + " by " +
                                        Twine(extra) + " gives a sum");
  }
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// TileOp
//===----------------------------------------------------------------------===//

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if ((int64_t)repeats.size() != xt.getRank())
    return emitInferError(loc, "repeats has " + Twine(repeats.size()) +
                                   " entries for rank " + Twine(xt.getRank()));
  SmallVector<int64_t> shape;
  for (auto [d, r] : llvm::zip(xt.getShape(), repeats)) {
    if (r < 0)
      return emitInferError(loc, "repeats must not be negative");
    shape.push_back(r == 0 ? 0 : ShapedType::isDynamic(d) ? d : d * r);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

LogicalResult TileOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                          SmallVectorImpl<SymShape> &results) {
  SymShape r;
  for (auto [d, rep] : llvm::zip(shapeOf(getX()), getRepeats()))
    r.push_back(d * SymDim::constant(rep));
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// ResizeOp
//===----------------------------------------------------------------------===//

LogicalResult ResizeOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t rank = xt.getRank();
  auto scales = adaptor.getScales();
  auto sizes = adaptor.getSizes();
  if (scales.has_value() == sizes.has_value())
    return emitInferError(loc, "needs exactly one of scales and sizes");
  size_t n = scales ? scales->size() : sizes->size();
  if ((int64_t)n != rank)
    return emitInferError(loc, Twine(scales ? "scales" : "sizes") + " has " +
                                   Twine(n) + " entries for rank " +
                                   Twine(rank));
  StringRef mode = adaptor.getMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitInferError(loc, "unknown mode '" + mode +
                                   "' (expected nearest, linear or cubic)");
  if (mode != "nearest" && !isa<FloatType>(xt.getElementType()))
    return emitInferError(loc, mode + " mode needs a floating-point input");
  if (!std::isfinite(adaptor.getCubicCoeffA().convertToDouble()))
    return emitInferError(loc, "cubic_coeff_a must be finite");
  StringRef ct = adaptor.getCoordinateTransformationMode();
  if (!llvm::is_contained({"half_pixel", "asymmetric", "align_corners",
                           "pytorch_half_pixel", "tf_half_pixel_for_nearest",
                           "tf_crop_and_resize"},
                          ct))
    return emitInferError(
        loc, "unknown coordinate_transformation_mode '" + ct +
                 "' (expected half_pixel, asymmetric, align_corners, "
                 "pytorch_half_pixel, tf_half_pixel_for_nearest or "
                 "tf_crop_and_resize)");
  auto roi = adaptor.getRoi();
  if (roi) {
    if (ct != "tf_crop_and_resize")
      return emitInferError(loc, "roi is only used by coordinate_transformation"
                                 "_mode tf_crop_and_resize");
    if ((int64_t)roi->size() != 2 * rank)
      return emitInferError(loc, "roi has " + Twine(roi->size()) +
                                     " entries; rank " + Twine(rank) +
                                     " needs " + Twine(2 * rank));
    if (!llvm::all_of(*roi, [](double v) { return std::isfinite(v); }))
      return emitInferError(loc, "roi must be finite");
  }
  StringRef nm = adaptor.getNearestMode();
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor",
                           "ceil"},
                          nm))
    return emitInferError(loc, "unknown nearest_mode '" + nm +
                                   "' (expected round_prefer_floor, "
                                   "round_prefer_ceil, floor or ceil)");
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = xt.getDimSize(i);
    if (sizes) {
      if ((*sizes)[i] < 0)
        return emitInferError(loc, "sizes must not be negative");
      shape.push_back((*sizes)[i]);
      continue;
    }
    double s = (*scales)[i];
    if (!(s > 0) || !std::isfinite(s))
      return emitInferError(loc, "scales must be positive");
    double extent = roi ? (*roi)[rank + i] - (*roi)[i] : 1.0;
    if (ShapedType::isDynamic(d)) {
      shape.push_back(d);
      continue;
    }
    double out = std::floor(double(d) * extent * s);
    if (!(out >= 0))
      return emitInferError(loc, "roi of dimension " + Twine(i) +
                                     " ends before it starts");
    shape.push_back(static_cast<int64_t>(out));
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

LogicalResult
ResizeOp::inferSymbolicShapes(SymShapeFn shapeOf,
                              SmallVectorImpl<SymShape> &results) {
  SymShape r;
  const SymShape &in = shapeOf(getX());
  for (auto [i, d] : llvm::enumerate(in)) {
    if (auto sizes = getSizes()) {
      r.push_back(SymDim::constant((*sizes)[i]));
      continue;
    }
    double s = (*getScales())[i];
    // tf_crop_and_resize scales the roi's extent (1 for the whole input).
    double extent = 1.0;
    if (auto roi = getRoi())
      extent = (*roi)[in.size() + i] - (*roi)[i];
    if (d.isStatic()) {
      r.push_back(SymDim::constant(
          static_cast<int64_t>(std::floor(double(d.factor) * extent * s))));
      continue;
    }
    s *= extent;
    if (s == std::floor(s) && s > 0 && s < double(int64_t(1) << 31)) {
      r.push_back(d * SymDim::constant(static_cast<int64_t>(s)));
    } else {
      return unrepresentable(*this, "scaling dimension " + Twine(i) +
                                        " of size " + d.str() + " by " +
                                        std::to_string(s) + " needs a floor");
    }
  }
  results.push_back(std::move(r));
  return success();
}

//===----------------------------------------------------------------------===//
// Folders and canonicalization
//===----------------------------------------------------------------------===//
//
// An op folds to its input only when the types are equal, and a rewrite
// keeps the result type exactly (dtype, static and dynamic dimensions).

/// `x` when its type is `op`'s (single) result type, else no fold.
static OpFoldResult inputIfSameType(Operation *op, Value x) {
  if (x.getType() == op->getResult(0).getType())
    return x;
  return {};
}

/// The type a reshape of `x` to `shape` has, or null if it is invalid.
static RankedTensorType reshapeType(Value x, ArrayRef<int64_t> shape) {
  MLIRContext *ctx = x.getContext();
  ReshapeOp::Properties props;
  props.shape = DenseI64ArrayAttr::get(ctx, shape);
  SmallVector<Type, 1> inferred;
  if (failed(ReshapeOp::inferReturnTypes(
          ctx, std::nullopt, ReshapeOp::Adaptor(ValueRange{x}, {}, props),
          inferred)))
    return {};
  return cast<RankedTensorType>(inferred[0]);
}

/// The input of an op that only gives its input's elements (in row-major
/// order) another shape, or null.
static Value reshapeLikeInput(Operation *op) {
  if (isa_and_present<ReshapeOp, SqueezeOp, UnsqueezeOp, FlattenOp>(op))
    return op->getOperand(0);
  return {};
}

/// Two reshape-like ops in a row (`op` and the op defining its input) are one
/// reshape of the first one's input: the elements keep their row-major order
/// throughout. The new `shape` must produce `op`'s result type exactly:
/// - its static sizes, with -1 for its one dynamic dimension, if any (the
///   element count fixes it);
/// - for a reshape of a reshape with more dynamic dimensions, the outer
///   `shape` whose 0 entries (copies of the middle tensor's dimension) are
///   replaced by that dimension's static size, or stay 0 when the inner
///   reshape copied the same dimension from the input.
/// Kiln's `shape` has no way to say "a literal 0" (0 copies), so results
/// with an empty dimension stay as they are.
static LogicalResult mergeReshapeLike(Operation *op,
                                      PatternRewriter &rewriter) {
  Operation *producer = op->getOperand(0).getDefiningOp();
  Value source = reshapeLikeInput(producer);
  if (!source)
    return failure();
  auto rt = cast<RankedTensorType>(op->getResult(0).getType());
  auto mid = cast<RankedTensorType>(op->getOperand(0).getType());
  if (llvm::is_contained(rt.getShape(), 0))
    return failure();
  SmallVector<int64_t> shape;
  if (rt.getNumDynamicDims() <= 1) {
    for (int64_t d : rt.getShape())
      shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  } else if (auto outer = dyn_cast<ReshapeOp>(op)) {
    auto inner = dyn_cast<ReshapeOp>(producer);
    for (auto [i, d] : llvm::enumerate(outer.getShape())) {
      if (d != 0) {
        shape.push_back(d);
      } else if (!mid.isDynamicDim(i) && mid.getDimSize(i) != 0) {
        shape.push_back(mid.getDimSize(i));
      } else if (inner && i < inner.getShape().size() &&
                 inner.getShape()[i] == 0) {
        shape.push_back(0);
      } else {
        return failure();
      }
    }
  } else {
    return failure();
  }
  if (reshapeType(source, shape) != rt)
    return failure();
  rewriter.replaceOpWithNewOp<ReshapeOp>(op, rt, source,
                                         rewriter.getDenseI64ArrayAttr(shape));
  return success();
}

// A reshape whose result type is its input's is the identity: every entry
// of `shape` then keeps the dimension at its position (a static size equal
// to the input's, a 0 copying it, or the one -1 that the element count makes
// equal to it).
OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  return inputIfSameType(*this, getX());
}

LogicalResult ReshapeOp::canonicalize(ReshapeOp op, PatternRewriter &rewriter) {
  return mergeReshapeLike(op, rewriter);
}

// Squeeze, unsqueeze and flatten to the same type remove or insert nothing.
OpFoldResult SqueezeOp::fold(FoldAdaptor) {
  return inputIfSameType(*this, getX());
}

LogicalResult SqueezeOp::canonicalize(SqueezeOp op, PatternRewriter &rewriter) {
  return mergeReshapeLike(op, rewriter);
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor) {
  return inputIfSameType(*this, getX());
}

LogicalResult UnsqueezeOp::canonicalize(UnsqueezeOp op,
                                        PatternRewriter &rewriter) {
  return mergeReshapeLike(op, rewriter);
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  return inputIfSameType(*this, getX());
}

LogicalResult FlattenOp::canonicalize(FlattenOp op, PatternRewriter &rewriter) {
  return mergeReshapeLike(op, rewriter);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if ((int64_t)i != p)
      return {};
  return getX();
}

/// transpose(transpose(x, p), q) is transpose(x, p[q[i]]), or x when that
/// is the identity.
LogicalResult TransposeOp::canonicalize(TransposeOp op,
                                        PatternRewriter &rewriter) {
  auto inner = op.getX().getDefiningOp<TransposeOp>();
  if (!inner)
    return failure();
  SmallVector<int64_t> p = inner.getPermutation(), composed;
  bool identity = true;
  for (int64_t q : op.getPermutation()) {
    identity &= p[q] == (int64_t)composed.size();
    composed.push_back(p[q]);
  }
  if (identity && inner.getX().getType() == op.getType()) {
    rewriter.replaceOp(op, inner.getX());
    return success();
  }
  rewriter.replaceOpWithNewOp<TransposeOp>(
      op, op.getType(), inner.getX(), rewriter.getDenseI64ArrayAttr(composed));
  return success();
}

/// Splat constants up to this many elements are broadcast at compile time
/// (the limit kiln-fold-constants has by default): the constant is stored
/// in the artifact.
static constexpr int64_t kMaxFoldedSplatElements = int64_t(1) << 22;

OpFoldResult BroadcastToOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult same = inputIfSameType(*this, getX()))
    return same;
  auto splat = dyn_cast_if_present<SplatElementsAttr>(adaptor.getX());
  RankedTensorType rt = getType();
  if (splat && rt.hasStaticShape() &&
      rt.getNumElements() <= kMaxFoldedSplatElements)
    return splat.resizeSplat(rt);
  return {};
}

/// broadcast_to(broadcast_to(x, s), t) is broadcast_to(x, t) with t's -1
/// entries (keep the middle dimension) made the middle tensor's static size
/// where it has one; a dynamic one came from x's aligned dimension, which
/// -1 still keeps.
LogicalResult BroadcastToOp::canonicalize(BroadcastToOp op,
                                          PatternRewriter &rewriter) {
  auto inner = op.getX().getDefiningOp<BroadcastToOp>();
  if (!inner)
    return failure();
  RankedTensorType mid = inner.getType();
  ArrayRef<int64_t> target = op.getShape();
  size_t offset = target.size() - mid.getRank();
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(target))
    shape.push_back(d == -1 && i >= offset && !mid.isDynamicDim(i - offset)
                        ? mid.getDimSize(i - offset)
                        : d);
  Value x = inner.getX();
  BroadcastToOp::Properties props;
  props.shape = rewriter.getDenseI64ArrayAttr(shape);
  SmallVector<Type, 1> inferred;
  if (failed(BroadcastToOp::inferReturnTypes(
          op.getContext(), std::nullopt,
          BroadcastToOp::Adaptor(ValueRange{x}, {}, props), inferred)) ||
      inferred[0] != op.getType())
    return failure();
  rewriter.replaceOpWithNewOp<BroadcastToOp>(op, op.getType(), x, props.shape);
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return inputIfSameType(*this, getInputs()[0]);
  return {};
}

LogicalResult SplitOp::fold(FoldAdaptor,
                            SmallVectorImpl<OpFoldResult> &results) {
  if (getNumResults() != 1 || getResult(0).getType() != getX().getType())
    return failure();
  results.push_back(getX());
  return success();
}

/// A slice taking every dimension whole, in order (reversing a dimension of
/// size 0 or 1 changes nothing either).
OpFoldResult SliceOp::fold(FoldAdaptor) {
  RankedTensorType xt = getX().getType();
  if (xt != getType())
    return {};
  SmallVector<int64_t> s, e, k;
  getPerDimension(s, e, k);
  for (int64_t i = 0; i < xt.getRank(); ++i) {
    int64_t d = xt.getDimSize(i);
    if (ShapedType::isDynamic(d)) {
      if (k[i] != 1 || !takesWholeDimension(s[i], e[i], k[i]))
        return {};
      continue;
    }
    auto [start, count] = sliceDim(d, s[i], e[i], k[i]);
    if (count != d || (d > 1 && (k[i] != 1 || start != 0)))
      return {};
  }
  return getX();
}

OpFoldResult PadOp::fold(FoldAdaptor) {
  if (llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return inputIfSameType(*this, getX());
  return {};
}

OpFoldResult TileOp::fold(FoldAdaptor) {
  if (llvm::all_of(getRepeats(), [](int64_t r) { return r == 1; }))
    return inputIfSameType(*this, getX());
  return {};
}
