//===- KilnShapeOps.cpp - shape and data movement ops ---------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

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
