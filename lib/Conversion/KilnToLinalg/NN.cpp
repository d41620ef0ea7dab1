//===- NN.cpp - matmul, reductions and nn ops to linalg ---------*- C++ -*-===//
#include "NNPatterns.h"
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

enum class ReduceKind { Sum, Max, Min, Prod };

Value reductionIdentity(OpBuilder &b, Location loc, Type t, ReduceKind kind) {
  if (kind == ReduceKind::Sum)
    return constantOf(b, loc, t, 0);
  if (kind == ReduceKind::Prod)
    return constantOf(b, loc, t, 1);
  return kind == ReduceKind::Max ? lowestOf(b, loc, t) : highestOf(b, loc, t);
}

Value combine(OpBuilder &b, Location loc, ReduceKind kind, Value x, Value acc) {
  bool f = isFloat(x.getType());
  // Float sums and products may be reassociated, so that LLVM vectorizes
  // them (partial results per lane); see docs/codegen.md.
  auto reassoc = arith::FastMathFlagsAttr::get(b.getContext(),
                                               arith::FastMathFlags::reassoc);
  switch (kind) {
  case ReduceKind::Sum:
    return f ? (Value)arith::AddFOp::create(b, loc, x, acc, reassoc)
             : (Value)arith::AddIOp::create(b, loc, x, acc);
  case ReduceKind::Prod:
    return f ? (Value)arith::MulFOp::create(b, loc, x, acc, reassoc)
             : (Value)arith::MulIOp::create(b, loc, x, acc);
  case ReduceKind::Max:
    // maximumf/minimumf propagate NaN, as numpy.max/min do.
    return f ? (Value)arith::MaximumFOp::create(b, loc, x, acc)
             : (Value)arith::MaxSIOp::create(b, loc, x, acc);
  case ReduceKind::Min:
    return f ? (Value)arith::MinimumFOp::create(b, loc, x, acc)
             : (Value)arith::MinSIOp::create(b, loc, x, acc);
  }
  llvm_unreachable("reduce kind");
}

/// Reduces `x` over sorted `axes`, dropping them from the result.
Value reduceAxes(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
                 ReduceKind kind) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iters;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iters.push_back(reduced ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    if (reduced)
      continue;
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
    shape.push_back(xt.getDimSize(i));
    outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  Type elt = xt.getElementType();
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
  Value init = linalg::FillOp::create(
                   b, loc, reductionIdentity(b, loc, elt, kind), empty)
                   .getResult(0);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{RankedTensorType::get(shape, elt)}, ValueRange{x},
      ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                combine(nb, nloc, kind, args[0], args[1]));
      });
  return generic.getResult(0);
}

/// The number of elements in dims `axes` of `x`, as a scalar of type `t`.
Value countOf(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> axes,
              Type t) {
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t axis : axes)
    n = arith::MulIOp::create(
        b, loc, n,
        getValueOrCreateConstantIndexOp(b, loc,
                                        tensor::getMixedSize(b, loc, x, axis)));
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
  if (isa<FloatType>(t))
    return arith::SIToFPOp::create(b, loc, t, i64);
  return arith::TruncIOp::create(b, loc, t, i64).getResult();
}

/// Reinserts the reduced `axes` as size-1 dims (keepdims).
Value keepDims(OpBuilder &b, Location loc, Value reduced,
               RankedTensorType resultType, ArrayRef<int64_t> axes) {
  auto rt = cast<RankedTensorType>(reduced.getType());
  if (rt == resultType)
    return reduced;
  // Each unit dim joins the group of the nearest preceding kept dim (leading
  // ones the first group); a rank-0 source has no groups at all.
  SmallVector<ReassociationIndices> groups(rt.getRank());
  SmallVector<OpFoldResult> outShape;
  int64_t cur = -1;
  for (int64_t j = 0; j < resultType.getRank(); ++j) {
    bool kept = !llvm::is_contained(axes, j);
    if (kept)
      ++cur;
    if (rt.getRank() > 0)
      groups[std::max<int64_t>(cur, 0)].push_back(j);
    outShape.push_back(kept ? tensor::getMixedSize(b, loc, reduced, cur)
                            : OpFoldResult(b.getIndexAttr(1)));
  }
  return tensor::ExpandShapeOp::create(b, loc, resultType, reduced, groups,
                                       outShape);
}

template <typename OpTy, ReduceKind kind, bool mean>
struct ReduceLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    SmallVector<int64_t> axes = op.getNormalizedAxes();
    Value r = reduceAxes(rewriter, loc, x, axes, kind);
    if (mean) {
      auto rt = cast<RankedTensorType>(r.getType());
      Value count = countOf(rewriter, loc, x, axes, rt.getElementType());
      r = buildElementwise(
          rewriter, loc, rt, r, [&](OpBuilder &b, Location l, ValueRange args) {
            return isFloat(args[0].getType())
                       ? (Value)arith::DivFOp::create(b, l, args[0], count)
                       : (Value)arith::DivSIOp::create(b, l, args[0], count);
          });
    }
    rewriter.replaceOp(op, keepDims(rewriter, loc, r, op.getType(), axes));
    return success();
  }
};

/// Map of `rank` loops onto a tensor with `axis` reduced away.
AffineMap dropAxisMap(MLIRContext *ctx, int64_t rank, int64_t axis) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis)
      exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// out[i] = body(x[i], r[i without axis]).
Value combineWithReduced(OpBuilder &b, Location loc, Value x, Value r,
                         int64_t axis, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t rank = xt.getRank();
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       xt.getElementType());
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps = {id, dropAxisMap(ctx, rank, axis), id};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{xt}, ValueRange{x, r}, ValueRange{init}, maps,
             iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc,
                                       body(nb, nloc, args.drop_back()));
             })
      .getResult(0);
}

/// The shared part of softmax and log_softmax along `axis`, in the
/// numerically stable form: m = max(x), e = exp(x - m), s = sum(e).
struct ExpSum {
  Value max, exp, sum;
};
ExpSum stableExpSum(OpBuilder &b, Location loc, Value x, int64_t axis) {
  Value m = reduceAxes(b, loc, x, axis, ReduceKind::Max);
  Value e = combineWithReduced(
      b, loc, x, m, axis, [](OpBuilder &nb, Location l, ValueRange a) {
        return math::ExpOp::create(nb, l,
                                   arith::SubFOp::create(nb, l, a[0], a[1]));
      });
  return {m, e, reduceAxes(b, loc, e, axis, ReduceKind::Sum)};
}

struct SoftmaxLowering : public OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t axis = *normalizeAxis(op.getAxis(), op.getType().getRank());
    auto [m, e, s] = stableExpSum(rewriter, loc, adaptor.getX(), axis);
    Value r = combineWithReduced(
        rewriter, loc, e, s, axis, [](OpBuilder &b, Location l, ValueRange a) {
          // e * (1 / s): the reciprocal is loop-invariant along the axis
          // (LLVM hoists it), one division per row instead of per element.
          Value one = constantOf(b, l, a[1].getType(), 1.0);
          return arith::MulFOp::create(
              b, l, a[0], arith::DivFOp::create(b, l, one, a[1]));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct MatmulLowering : public OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override;
};

LogicalResult
MatmulLowering::matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  Value a = adaptor.getA(), b = adaptor.getB();
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(b.getType());
  RankedTensorType rt = op.getType();
  int64_t ra = at.getRank(), rb = bt.getRank();
  bool promoteA = ra == 1, promoteB = rb == 1;
  int64_t batchA = promoteA ? 0 : ra - 2, batchB = promoteB ? 0 : rb - 2;
  int64_t nb = std::max(batchA, batchB);
  int64_t mDim = nb, nDim = nb + (promoteA ? 0 : 1);
  int64_t kDim = nDim + (promoteB ? 0 : 1), loops = kDim + 1;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };

  // Result dims and where each dynamic one is read from.
  SmallVector<OpFoldResult> sizes;
  auto batchExprs = [&](RankedTensorType t, int64_t batch) {
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < batch; ++i) {
      int64_t j = nb - batch + i;
      exprs.push_back(t.getDimSize(i) == 1 && rt.getDimSize(j) != 1
                          ? getAffineConstantExpr(0, ctx)
                          : d(j));
    }
    return exprs;
  };
  for (int64_t j = 0; j < nb; ++j) {
    int64_t ia = j - (nb - batchA), ib = j - (nb - batchB);
    if (!rt.isDynamicDim(j))
      sizes.push_back(rewriter.getIndexAttr(rt.getDimSize(j)));
    else if (ia >= 0 && at.isDynamicDim(ia))
      sizes.push_back(tensor::getMixedSize(rewriter, loc, a, ia));
    else
      sizes.push_back(tensor::getMixedSize(rewriter, loc, b, ib));
  }
  SmallVector<AffineExpr> aExprs = batchExprs(at, batchA);
  SmallVector<AffineExpr> bExprs = batchExprs(bt, batchB);
  SmallVector<AffineExpr> outExprs;
  for (int64_t j = 0; j < nb; ++j)
    outExprs.push_back(d(j));
  if (promoteA) {
    aExprs.push_back(d(kDim));
  } else {
    bool t = op.getTransposeA();
    aExprs.push_back(t ? d(kDim) : d(mDim));
    aExprs.push_back(t ? d(mDim) : d(kDim));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, a, t ? ra - 1 : ra - 2));
    outExprs.push_back(d(mDim));
  }
  if (promoteB) {
    bExprs.push_back(d(kDim));
  } else {
    bool t = op.getTransposeB();
    bExprs.push_back(t ? d(nDim) : d(kDim));
    bExprs.push_back(t ? d(kDim) : d(nDim));
    sizes.push_back(
        tensor::getMixedSize(rewriter, loc, b, t ? rb - 2 : rb - 1));
    outExprs.push_back(d(nDim));
  }
  Type elt = rt.getElementType();
  Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, elt);
  Value init = linalg::FillOp::create(rewriter, loc,
                                      constantOf(rewriter, loc, elt, 0), empty)
                   .getResult(0);
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, aExprs, ctx),
                                 AffineMap::get(loops, 0, bExprs, ctx),
                                 AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  iters[kDim] = utils::IteratorType::reduction;
  bool f = isFloat(elt);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{rt}, ValueRange{a, b}, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value p = f ? (Value)arith::MulFOp::create(nb, l, args[0], args[1])
                    : (Value)arith::MulIOp::create(nb, l, args[0], args[1]);
        Value s = f ? (Value)arith::AddFOp::create(nb, l, p, args[2])
                    : (Value)arith::AddIOp::create(nb, l, p, args[2]);
        linalg::YieldOp::create(nb, l, s);
      });
  rewriter.replaceOp(op, generic.getResult(0));
  return success();
}

struct LogSoftmaxLowering : public OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t axis = *normalizeAxis(op.getAxis(), op.getType().getRank());
    auto [m, e, s] = stableExpSum(rewriter, loc, x, axis);
    (void)e;
    // log(sum(exp(x))) = max + log(sum(exp(x - max))).
    Value lse =
        buildElementwise(rewriter, loc, cast<RankedTensorType>(s.getType()),
                         {m, s}, [](OpBuilder &b, Location l, ValueRange a) {
                           return arith::AddFOp::create(
                               b, l, a[0], math::LogOp::create(b, l, a[1]));
                         });
    Value r =
        combineWithReduced(rewriter, loc, x, lse, axis,
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return arith::SubFOp::create(b, l, a[0], a[1]);
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Global pooling: a reduction over every spatial dimension, kept as size 1.
template <typename OpTy, ReduceKind kind, bool mean>
struct GlobalPoolLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < op.getType().getRank(); ++i)
      axes.push_back(i);
    Value r = reduceAxes(rewriter, loc, x, axes, kind);
    if (mean) {
      auto rt = cast<RankedTensorType>(r.getType());
      Value count = countOf(rewriter, loc, x, axes, rt.getElementType());
      r = buildElementwise(rewriter, loc, rt, r,
                           [&](OpBuilder &b, Location l, ValueRange args) {
                             return arith::DivFOp::create(b, l, args[0], count);
                           });
    }
    rewriter.replaceOp(op, keepDims(rewriter, loc, r, op.getType(), axes));
    return success();
  }
};

/// argmax / argmin: one linalg.generic carrying (best value, its index).
/// The combine is order independent (ties and NaNs go to the smaller
/// index), so any reduction order gives NumPy's first index.
template <typename OpTy, bool isMax>
struct ArgReduceLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank(), axis = op.getNormalizedAxis();
    Type elt = xt.getElementType(), i64 = rewriter.getI64Type();
    SmallVector<OpFoldResult> sizes;
    SmallVector<int64_t> shape;
    for (int64_t i = 0; i < rank; ++i) {
      if (i == axis)
        continue;
      sizes.push_back(tensor::getMixedSize(rewriter, loc, x, i));
      shape.push_back(xt.getDimSize(i));
    }
    Value valEmpty = tensor::EmptyOp::create(rewriter, loc, sizes, elt);
    Value valInit =
        linalg::FillOp::create(rewriter, loc,
                               isMax ? lowestOf(rewriter, loc, elt)
                                     : highestOf(rewriter, loc, elt),
                               valEmpty)
            .getResult(0);
    Value idxEmpty = tensor::EmptyOp::create(rewriter, loc, sizes, i64);
    Value noIndex = arith::ConstantOp::create(
        rewriter, loc, i64,
        rewriter.getI64IntegerAttr(std::numeric_limits<int64_t>::max()));
    Value idxInit =
        linalg::FillOp::create(rewriter, loc, noIndex, idxEmpty).getResult(0);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap drop = dropAxisMap(ctx, rank, axis);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    iters[axis] = utils::IteratorType::reduction;
    bool f = isFloat(elt);
    auto generic = linalg::GenericOp::create(
        rewriter, loc,
        TypeRange{RankedTensorType::get(shape, elt),
                  RankedTensorType::get(shape, i64)},
        ValueRange{x}, ValueRange{valInit, idxInit},
        SmallVector<AffineMap>{id, drop, drop}, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0], best = args[1], bestIdx = args[2];
          Value i = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, axis));
          Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                i, bestIdx);
          Value take;
          if (f) {
            using P = arith::CmpFPredicate;
            Value vNan = arith::CmpFOp::create(b, l, P::UNO, v, v);
            Value bNan = arith::CmpFOp::create(b, l, P::UNO, best, best);
            Value better =
                arith::CmpFOp::create(b, l, isMax ? P::OGT : P::OLT, v, best);
            Value tie = arith::CmpFOp::create(b, l, P::OEQ, v, best);
            // Neither is NaN: better, or a tie at an earlier index.
            Value plain = arith::OrIOp::create(
                b, l, better, arith::AndIOp::create(b, l, tie, earlier));
            // v is NaN: it wins over a number, or over a later NaN.
            Value notBNan = arith::XOrIOp::create(
                b, l, bNan,
                arith::ConstantOp::create(b, l, b.getBoolAttr(true)));
            Value nanWins = arith::AndIOp::create(
                b, l, vNan, arith::OrIOp::create(b, l, notBNan, earlier));
            take = arith::OrIOp::create(b, l, nanWins, plain);
          } else {
            using P = arith::CmpIPredicate;
            Value better =
                arith::CmpIOp::create(b, l, isMax ? P::sgt : P::slt, v, best);
            Value tie = arith::CmpIOp::create(b, l, P::eq, v, best);
            take = arith::OrIOp::create(
                b, l, better, arith::AndIOp::create(b, l, tie, earlier));
          }
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::SelectOp::create(b, l, take, v, best),
                         arith::SelectOp::create(b, l, take, i, bestIdx)});
        });
    rewriter.replaceOp(op, keepDims(rewriter, loc, generic.getResult(1),
                                    op.getType(), {axis}));
    return success();
  }
};

/// A linalg.generic over the iteration space of `like` (identity map for
/// the result), reading `operands` through `maps`.
Value buildOver(OpBuilder &b, Location loc, Value like, ValueRange operands,
                ArrayRef<AffineMap> maps, BodyFn body) {
  auto t = cast<RankedTensorType>(like.getType());
  MLIRContext *ctx = b.getContext();
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, like), t.getElementType());
  SmallVector<AffineMap> all(maps);
  all.push_back(AffineMap::getMultiDimIdentityMap(t.getRank(), ctx));
  SmallVector<utils::IteratorType> iters(t.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{t}, operands, ValueRange{init}, all, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args.drop_back()));
             })
      .getResult(0);
}

/// Map of `rank` loops onto the leading `prefix` of them.
AffineMap prefixMap(MLIRContext *ctx, int64_t rank, int64_t prefix) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < prefix; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

struct LayerNormLowering : public OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t rank = xt.getRank(), axis = op.getNormalizedAxis();
    Type elt = xt.getElementType();
    SmallVector<int64_t> axes;
    for (int64_t i = axis; i < rank; ++i)
      axes.push_back(i);
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap pre = prefixMap(ctx, rank, axis);
    Value count = countOf(rewriter, loc, x, axes, elt);
    Value eps =
        constantOf(rewriter, loc, elt, op.getEpsilon().convertToDouble());

    // Two passes (mean, then the mean of squared deviations) rather than
    // E[x^2] - E[x]^2, which cancels badly when the mean is large.
    Value sum = reduceAxes(rewriter, loc, x, axes, ReduceKind::Sum);
    auto redType = cast<RankedTensorType>(sum.getType());
    Value mean =
        buildElementwise(rewriter, loc, redType, sum,
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           return arith::DivFOp::create(b, l, a[0], count);
                         });
    Value dev = buildOver(rewriter, loc, x, {x, mean}, {id, pre},
                          [](OpBuilder &b, Location l, ValueRange a) {
                            return arith::SubFOp::create(b, l, a[0], a[1]);
                          });
    Value sq = buildOver(rewriter, loc, dev, {dev}, {id},
                         [](OpBuilder &b, Location l, ValueRange a) {
                           return arith::MulFOp::create(b, l, a[0], a[0]);
                         });
    Value sqSum = reduceAxes(rewriter, loc, sq, axes, ReduceKind::Sum);
    Value rstd =
        buildElementwise(rewriter, loc, redType, sqSum,
                         [&](OpBuilder &b, Location l, ValueRange a) {
                           Value var = arith::DivFOp::create(b, l, a[0], count);
                           return math::RsqrtOp::create(
                               b, l, arith::AddFOp::create(b, l, var, eps));
                         });
    Value scale = adaptor.getScale(), bias = adaptor.getBias();
    auto bmap = [&](Value v) {
      return broadcastMap(ctx, cast<RankedTensorType>(v.getType()).getShape(),
                          xt.getShape());
    };
    Value y = buildOver(rewriter, loc, x, {dev, rstd, scale, bias},
                        {id, pre, bmap(scale), bmap(bias)},
                        [](OpBuilder &b, Location l, ValueRange a) {
                          Value n = arith::MulFOp::create(b, l, a[0], a[1]);
                          return arith::AddFOp::create(
                              b, l, arith::MulFOp::create(b, l, n, a[2]), a[3]);
                        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct BatchNormLowering : public OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX();
    int64_t rank = op.getType().getRank();
    Type elt = op.getType().getElementType();
    Value eps =
        constantOf(rewriter, loc, elt, op.getEpsilon().convertToDouble());
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap chan = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    Value y = buildOver(rewriter, loc, x,
                        {x, adaptor.getScale(), adaptor.getBias(),
                         adaptor.getMean(), adaptor.getVar()},
                        {id, chan, chan, chan, chan},
                        [&](OpBuilder &b, Location l, ValueRange a) {
                          Value d = arith::SubFOp::create(b, l, a[0], a[3]);
                          Value sd = math::SqrtOp::create(
                              b, l, arith::AddFOp::create(b, l, a[4], eps));
                          Value n = arith::DivFOp::create(b, l, d, sd);
                          return arith::AddFOp::create(
                              b, l, arith::MulFOp::create(b, l, n, a[1]), a[2]);
                        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

Value mlir::kiln::detail::lowestOf(OpBuilder &b, Location loc, Type t) {
  if (auto ft = dyn_cast<FloatType>(t))
    return arith::ConstantOp::create(
        b, loc, ft,
        b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), true)));
  unsigned width = t.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, t, b.getIntegerAttr(t, APInt::getSignedMinValue(width)));
}

Value mlir::kiln::detail::highestOf(OpBuilder &b, Location loc, Type t) {
  if (auto ft = dyn_cast<FloatType>(t))
    return arith::ConstantOp::create(
        b, loc, ft,
        b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), false)));
  unsigned width = t.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(
      b, loc, t, b.getIntegerAttr(t, APInt::getSignedMaxValue(width)));
}

void mlir::kiln::detail::populateNNPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ReduceLowering<ReduceSumOp, ReduceKind::Sum, false>,
               ReduceLowering<ReduceMeanOp, ReduceKind::Sum, true>,
               ReduceLowering<ReduceMaxOp, ReduceKind::Max, false>,
               ReduceLowering<ReduceMinOp, ReduceKind::Min, false>,
               ReduceLowering<ReduceProdOp, ReduceKind::Prod, false>,
               GlobalPoolLowering<GlobalAvgPoolOp, ReduceKind::Sum, true>,
               GlobalPoolLowering<GlobalMaxPoolOp, ReduceKind::Max, false>,
               ArgReduceLowering<ArgMaxOp, true>,
               ArgReduceLowering<ArgMinOp, false>, SoftmaxLowering,
               LogSoftmaxLowering, LayerNormLowering, BatchNormLowering,
               MatmulLowering>(ctx);
  populateConvPoolPatterns(patterns);
}
