//===- Shape.cpp - shape and data movement ops to linalg/tensor --*- C++ -*-===//
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

Value cst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value toIndex(OpBuilder &b, Location loc, OpFoldResult v) {
  return getValueOrCreateConstantIndexOp(b, loc, v);
}

Value clampIndex(OpBuilder &b, Location loc, Value v, Value lo, Value hi) {
  return arith::MinSIOp::create(b, loc,
                                arith::MaxSIOp::create(b, loc, v, lo), hi);
}

/// Sizes of `type` with the dynamic ones taken from `dynamic` (by position).
SmallVector<OpFoldResult> mixedSizes(OpBuilder &b, RankedTensorType type,
                                     ArrayRef<Value> dynamic) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    sizes.push_back(type.isDynamicDim(i) ? OpFoldResult(dynamic[i])
                                         : b.getIndexAttr(type.getDimSize(i)));
  return sizes;
}

/// `x` with the same elements in the shape `type` whose sizes are `dims`.
Value reshapeTo(OpBuilder &b, Location loc, Value x, RankedTensorType type,
                ArrayRef<Value> dims) {
  auto xt = cast<RankedTensorType>(x.getType());
  // To or from a scalar (all dims 1): no shape operand needed.
  if (type.getRank() == 0)
    return tensor::CollapseShapeOp::create(b, loc, type, x,
                                           ArrayRef<ReassociationIndices>{});
  if (xt.getRank() == 0 && type.hasStaticShape())
    return tensor::ExpandShapeOp::create(b, loc, type, x,
                                         ArrayRef<ReassociationIndices>{});
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)dims.size()}, b.getIndexType()),
      dims);
  return tensor::ReshapeOp::create(b, loc, type, x, shape);
}

} // namespace

//===----------------------------------------------------------------------===//
// Helpers shared with the other families (Utils.h)
//===----------------------------------------------------------------------===//

Value mlir::kiln::detail::dimOf(OpBuilder &b, Location loc, Value x,
                                int64_t i) {
  return toIndex(b, loc, tensor::getMixedSize(b, loc, x, i));
}

Value mlir::kiln::detail::buildIndexed(OpBuilder &b, Location loc,
                                       RankedTensorType type,
                                       ArrayRef<Value> dynamicSizes,
                                       ValueRange inputs,
                                       ArrayRef<AffineMap> inputMaps,
                                       IndexedBodyFn body) {
  Value init = tensor::EmptyOp::create(b, loc, mixedSizes(b, type, dynamicSizes),
                                       type.getElementType());
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> idx;
        for (int64_t i = 0; i < type.getRank(); ++i)
          idx.push_back(linalg::IndexOp::create(nb, nloc, i));
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, idx, args.drop_back()));
      });
  return generic.getResult(0);
}

Value mlir::kiln::detail::guardedExtract(OpBuilder &b, Location loc, Value x,
                                         ValueRange indices, Value inBounds,
                                         Value fallback) {
  auto ifOp = scf::IfOp::create(
      b, loc, inBounds,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(tb, tl,
                             tensor::ExtractOp::create(tb, tl, x, indices)
                                 .getResult());
      },
      [&](OpBuilder &eb, Location el) {
        scf::YieldOp::create(eb, el, fallback);
      });
  return ifOp.getResult(0);
}

namespace {

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    if (op.getType().getRank() <= 1) { // nothing to permute
      rewriter.replaceOp(op, x);
      return success();
    }
    SmallVector<int64_t> perm = op.getPermutation();
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, x, p));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         op.getType().getElementType());
    auto t = linalg::TransposeOp::create(rewriter, loc, x, init, perm);
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct ReshapeLowering : public OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType rt = op.getType();
    // To or from a scalar: one element, all dims 1; no shape operand needed.
    if (rt.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, rt, x, ArrayRef<ReassociationIndices>{});
      return success();
    }
    if (cast<RankedTensorType>(x.getType()).getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, rt, x, ArrayRef<ReassociationIndices>{});
      return success();
    }
    auto idx = [&](OpFoldResult v) {
      return getValueOrCreateConstantIndexOp(rewriter, loc, v);
    };
    SmallVector<Value> dims;
    Value known = arith::ConstantIndexOp::create(rewriter, loc, 1);
    int64_t inferAt = -1;
    for (auto [i, d] : llvm::enumerate(op.getShape())) {
      Value v;
      if (!rt.isDynamicDim(i) && d != -1)
        v = arith::ConstantIndexOp::create(rewriter, loc, rt.getDimSize(i));
      else if (d == 0)
        v = idx(tensor::getMixedSize(rewriter, loc, x, i));
      else if (d == -1)
        inferAt = i;
      else
        v = arith::ConstantIndexOp::create(rewriter, loc, d);
      if (v)
        known = arith::MulIOp::create(rewriter, loc, known, v);
      dims.push_back(v);
    }
    if (inferAt >= 0) {
      Value total = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (OpFoldResult s : tensor::getMixedSizes(rewriter, loc, x))
        total = arith::MulIOp::create(rewriter, loc, total, idx(s));
      dims[inferAt] = arith::DivUIOp::create(rewriter, loc, total, known);
    }
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc,
        RankedTensorType::get({(int64_t)dims.size()}, rewriter.getIndexType()),
        dims);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, rt, x, shape);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// squeeze / unsqueeze / flatten: same elements, new shape
//===----------------------------------------------------------------------===//

struct SqueezeLowering : public OpConversionPattern<SqueezeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    SmallVector<int64_t> axes = op.getSqueezedAxes();
    SmallVector<Value> dims;
    for (int64_t i = 0; i < op.getX().getType().getRank(); ++i)
      if (!llvm::is_contained(axes, i))
        dims.push_back(dimOf(rewriter, loc, x, i));
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, op.getType(), dims));
    return success();
  }
};

struct UnsqueezeLowering : public OpConversionPattern<UnsqueezeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnsqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    SmallVector<int64_t> axes = op.getInsertedAxes();
    SmallVector<Value> dims;
    int64_t next = 0;
    for (int64_t i = 0; i < op.getType().getRank(); ++i)
      dims.push_back(llvm::is_contained(axes, i) ? cst(rewriter, loc, 1)
                                                 : dimOf(rewriter, loc, x,
                                                         next++));
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, op.getType(), dims));
    return success();
  }
};

struct FlattenLowering : public OpConversionPattern<FlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t axis = op.getNormalizedAxis(), rank = op.getX().getType().getRank();
    Value outer = cst(rewriter, loc, 1), inner = cst(rewriter, loc, 1);
    for (int64_t i = 0; i < rank; ++i) {
      Value &p = i < axis ? outer : inner;
      p = arith::MulIOp::create(rewriter, loc, p, dimOf(rewriter, loc, x, i));
    }
    rewriter.replaceOp(op,
                       reshapeTo(rewriter, loc, x, op.getType(), {outer, inner}));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// concat / split / slice
//===----------------------------------------------------------------------===//

/// Each input is inserted into one destination at its running offset.
struct ConcatLowering : public OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange inputs = adaptor.getInputs();
    RankedTensorType type = op.getType();
    int64_t axis = op.getNormalizedAxis(), rank = type.getRank();
    if (inputs.size() == 1) {
      rewriter.replaceOp(op, inputs[0]);
      return success();
    }
    // Non-axis dims come from input 0 (all equal); the axis dim is the sum.
    SmallVector<Value> dims;
    for (int64_t i = 0; i < rank; ++i)
      dims.push_back(dimOf(rewriter, loc, inputs[0], i));
    Value total = cst(rewriter, loc, 0);
    for (Value v : inputs)
      total = arith::AddIOp::create(rewriter, loc, total,
                                    dimOf(rewriter, loc, v, axis));
    dims[axis] = total;
    Value result = tensor::EmptyOp::create(rewriter, loc,
                                           mixedSizes(rewriter, type, dims),
                                           type.getElementType());
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (Value v : inputs) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
          strides(rank, rewriter.getIndexAttr(1));
      offsets[axis] = offset;
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, v);
      result = tensor::InsertSliceOp::create(rewriter, loc, v, result, offsets,
                                             sizes, strides);
      offset = arith::AddIOp::create(rewriter, loc,
                                     toIndex(rewriter, loc, offset),
                                     toIndex(rewriter, loc, sizes[axis]))
                   .getResult();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// One tensor.extract_slice per result.
struct SplitLowering : public OpConversionPattern<SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t axis = op.getNormalizedAxis(), rank = op.getX().getType().getRank();
    int64_t n = op.getNumResults();
    Value part;
    if (!op.getSizes())
      part = arith::DivUIOp::create(rewriter, loc, dimOf(rewriter, loc, x, axis),
                                    cst(rewriter, loc, n));
    SmallVector<Value> results;
    Value offset = cst(rewriter, loc, 0);
    for (int64_t k = 0; k < n; ++k) {
      auto type = cast<RankedTensorType>(op.getResult(k).getType());
      Value size = op.getSizes() ? cst(rewriter, loc, (*op.getSizes())[k]) : part;
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
          strides(rank, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, x);
      offsets[axis] = offset;
      // Static sizes stay attributes so that the slice's type is the result's.
      sizes[axis] = type.isDynamicDim(axis)
                        ? OpFoldResult(size)
                        : OpFoldResult(rewriter.getIndexAttr(type.getDimSize(axis)));
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, type, x, offsets, sizes, strides));
      offset = arith::AddIOp::create(rewriter, loc, offset, size);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// ONNX's clamping of one dimension, on index values: the first index and
/// the element count.
std::pair<Value, Value> clampSlice(OpBuilder &b, Location loc, Value d,
                                   int64_t start, int64_t end, int64_t step) {
  Value zero = cst(b, loc, 0);
  auto fromEnd = [&](int64_t v) {
    return v < 0 ? (Value)arith::AddIOp::create(b, loc, cst(b, loc, v), d)
                 : cst(b, loc, v);
  };
  Value s = fromEnd(start), e = fromEnd(end), count;
  if (step > 0) {
    s = clampIndex(b, loc, s, zero, d);
    e = clampIndex(b, loc, e, zero, d);
    // ceil((e - s) / step), 0 when e <= s.
    Value diff = arith::SubIOp::create(b, loc, e, s);
    count = arith::CeilDivSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, diff, zero), cst(b, loc, step));
  } else {
    Value last = arith::SubIOp::create(b, loc, d, cst(b, loc, 1));
    s = clampIndex(b, loc, s, zero, last);
    e = clampIndex(b, loc, e, cst(b, loc, -1), last);
    Value diff = arith::SubIOp::create(b, loc, s, e);
    count = arith::CeilDivSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, diff, zero),
        cst(b, loc, -step));
    // An empty dimension clamps to [0, -1]: take nothing.
    Value empty =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, zero);
    count = arith::SelectOp::create(b, loc, empty, zero, count);
    s = arith::SelectOp::create(b, loc, empty, zero, s);
  }
  return {s, count};
}

/// Positive steps are a tensor.extract_slice; a negative step needs element
/// reads (extract_slice has no negative strides).
struct SliceLowering : public OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    SmallVector<int64_t> starts, ends, steps;
    op.getPerDimension(starts, ends, steps);
    SmallVector<Value> first, counts;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      auto [s, n] = clampSlice(rewriter, loc, dimOf(rewriter, loc, x, i),
                               starts[i], ends[i], steps[i]);
      first.push_back(s);
      counts.push_back(n);
    }
    if (llvm::all_of(steps, [](int64_t k) { return k > 0; })) {
      SmallVector<OpFoldResult> offsets(first.begin(), first.end()),
          sizes = mixedSizes(rewriter, type, counts), strides;
      for (int64_t k : steps)
        strides.push_back(rewriter.getIndexAttr(k));
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, x, offsets,
                                                          sizes, strides);
      return success();
    }
    Value result = buildIndexed(
        rewriter, loc, type, counts, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> in;
          for (auto [i, o] : llvm::enumerate(idx))
            in.push_back(arith::AddIOp::create(
                b, l, first[i],
                arith::MulIOp::create(b, l, o, cst(b, l, steps[i]))));
          return tensor::ExtractOp::create(b, l, x, in).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// gather / pad / tile
//===----------------------------------------------------------------------===//

/// A generic over the result reading the indices tensor by the result's
/// middle dims; each element reads x at the clamped index.
struct GatherLowering : public OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), indices = adaptor.getIndices();
    RankedTensorType type = op.getType();
    int64_t axis = op.getNormalizedAxis();
    int64_t idxRank = op.getIndices().getType().getRank();
    int64_t xRank = op.getX().getType().getRank();
    SmallVector<Value> dims;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (i < axis)
        dims.push_back(dimOf(rewriter, loc, x, i));
      else if (i < axis + idxRank)
        dims.push_back(dimOf(rewriter, loc, indices, i - axis));
      else
        dims.push_back(dimOf(rewriter, loc, x, i - idxRank + 1));
    }
    SmallVector<AffineExpr> exprs;
    for (int64_t j = 0; j < idxRank; ++j)
      exprs.push_back(rewriter.getAffineDimExpr(axis + j));
    AffineMap idxMap =
        AffineMap::get(type.getRank(), 0, exprs, rewriter.getContext());
    Value d = dimOf(rewriter, loc, x, axis);
    Type elt = type.getElementType();
    Value result = buildIndexed(
        rewriter, loc, type, dims, indices, idxMap,
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange args) {
          Value zero = cst(b, l, 0);
          Value i = arith::IndexCastOp::create(b, l, b.getIndexType(), args[0]);
          Value neg =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, i, zero);
          i = arith::SelectOp::create(b, l, neg,
                                      arith::AddIOp::create(b, l, i, d), i);
          i = clampIndex(b, l, i, zero,
                         arith::SubIOp::create(b, l, d, cst(b, l, 1)));
          SmallVector<Value> in(idx.take_front(axis));
          in.push_back(i);
          llvm::append_range(in, idx.drop_front(axis + idxRank));
          assert((int64_t)in.size() == xRank && "one index per dim of x");
          (void)xRank;
          Value nonEmpty =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, d, zero);
          return guardedExtract(b, l, x, in, nonEmpty,
                                constantOf(b, l, elt, 0));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : public OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    StringRef mode = op.getMode();
    SmallVector<Value> inDims, outDims;
    for (int64_t i = 0; i < rank; ++i) {
      inDims.push_back(dimOf(rewriter, loc, x, i));
      outDims.push_back(arith::AddIOp::create(
          rewriter, loc, inDims[i], cst(rewriter, loc, pads[i] + pads[rank + i])));
    }
    double value = op.getValue().convertToDouble();
    Value result = buildIndexed(
        rewriter, loc, type, outDims, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          Value zero = cst(b, l, 0), one = cst(b, l, 1);
          Value inBounds = arith::ConstantIntOp::create(b, l, 1, 1);
          SmallVector<Value> in;
          for (int64_t i = 0; i < rank; ++i) {
            Value d = inDims[i];
            Value last = arith::SubIOp::create(b, l, d, one);
            Value j = arith::SubIOp::create(b, l, idx[i], cst(b, l, pads[i]));
            Value below =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, j, zero);
            Value above =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, j, last);
            if (mode == "reflect") {
              // -j below, 2(d-1) - j above.
              j = arith::SelectOp::create(
                  b, l, below, arith::SubIOp::create(b, l, zero, j), j);
              j = arith::SelectOp::create(
                  b, l, above,
                  arith::SubIOp::create(
                      b, l, arith::AddIOp::create(b, l, last, last), j),
                  j);
            } else if (mode == "constant") {
              Value outside = arith::OrIOp::create(b, l, below, above);
              inBounds = arith::AndIOp::create(
                  b, l, inBounds,
                  arith::XOrIOp::create(
                      b, l, outside, arith::ConstantIntOp::create(b, l, 1, 1)));
            }
            // Edge mode, and a guard for the others: stay inside [0, d-1].
            in.push_back(clampIndex(b, l, j, zero, last));
            Value nonEmpty =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, d, zero);
            inBounds = arith::AndIOp::create(b, l, inBounds, nonEmpty);
          }
          return guardedExtract(
              b, l, x, in, inBounds,
              constantOf(b, l, type.getElementType(), value));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TileLowering : public OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    SmallVector<Value> inDims, outDims;
    for (auto [i, r] : llvm::enumerate(op.getRepeats())) {
      inDims.push_back(dimOf(rewriter, loc, x, i));
      outDims.push_back(
          arith::MulIOp::create(rewriter, loc, inDims[i], cst(rewriter, loc, r)));
    }
    Value result = buildIndexed(
        rewriter, loc, type, outDims, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> in;
          for (auto [o, d] : llvm::zip(idx, inDims))
            in.push_back(arith::RemUIOp::create(b, l, o, d));
          return tensor::ExtractOp::create(b, l, x, in).getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// resize
//===----------------------------------------------------------------------===//

struct ResizeLowering : public OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;

  /// Whether dimension `i` maps each output index to itself (no
  /// interpolation, no rounding, nothing outside), for every input size.
  static bool isIdentity(ResizeOp op, int64_t i) {
    StringRef ct = op.getCoordinateTransformationMode();
    if (ct == "tf_half_pixel_for_nearest")
      return false;
    int64_t d = op.getX().getType().getDimSize(i);
    if (ct == "tf_crop_and_resize") {
      // The whole extent at the same size: x * (d - 1) / (d - 1) = x.
      int64_t rank = op.getX().getType().getRank();
      if (auto roi = op.getRoi())
        if ((*roi)[i] != 0.0 || (*roi)[rank + i] != 1.0)
          return false;
      return !ShapedType::isDynamic(d) &&
             d == op.getType().getDimSize(i);
    }
    if (auto scales = op.getScales())
      return (*scales)[i] == 1.0;
    return !ShapedType::isDynamic(d) && d == (*op.getSizes())[i];
  }

  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    Type f64 = rewriter.getF64Type(), i64 = rewriter.getI64Type();
    auto toF64 = [&](OpBuilder &b, Location l, Value index) -> Value {
      return arith::SIToFPOp::create(
          b, l, f64, arith::IndexCastOp::create(b, l, i64, index));
    };
    auto f = [&](OpBuilder &b, Location l, double v) -> Value {
      return arith::ConstantOp::create(b, l, f64, b.getF64FloatAttr(v));
    };
    StringRef ct = op.getCoordinateTransformationMode();
    bool crop = ct == "tf_crop_and_resize";
    // tf_crop_and_resize's region per dim (the whole input by default).
    auto roiStart = [&](int64_t i) {
      return op.getRoi() ? (*op.getRoi())[i] : 0.0;
    };
    auto roiEnd = [&](int64_t i) {
      return op.getRoi() ? (*op.getRoi())[rank + i] : 1.0;
    };
    // Per dim: input size, output size, and the scale (as ONNX uses it).
    SmallVector<Value> inDims, outDims, scales;
    for (int64_t i = 0; i < rank; ++i) {
      Value d = dimOf(rewriter, loc, x, i);
      inDims.push_back(d);
      if (auto sizes = op.getSizes()) {
        outDims.push_back(cst(rewriter, loc, (*sizes)[i]));
        scales.push_back(arith::DivFOp::create(
            rewriter, loc, f(rewriter, loc, (double)(*sizes)[i]),
            toF64(rewriter, loc, d)));
      } else {
        double s = (*op.getScales())[i];
        scales.push_back(f(rewriter, loc, s));
        if (!type.isDynamicDim(i)) {
          outDims.push_back(cst(rewriter, loc, type.getDimSize(i)));
        } else {
          // floor(d * (end - start) * scale), as the type inference does.
          Value extent = arith::MulFOp::create(
              rewriter, loc, toF64(rewriter, loc, d),
              f(rewriter, loc, crop ? roiEnd(i) - roiStart(i) : 1.0));
          Value out = math::FloorOp::create(
              rewriter, loc,
              arith::MulFOp::create(rewriter, loc, extent, scales.back()));
          outDims.push_back(arith::IndexCastOp::create(
              rewriter, loc, rewriter.getIndexType(),
              arith::FPToSIOp::create(rewriter, loc, i64, out)));
        }
      }
    }
    StringRef nearestMode = op.getNearestMode();
    StringRef mode = op.getMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside();
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    Type elt = type.getElementType();
    Value result = buildIndexed(
        rewriter, loc, type, outDims, {}, {},
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange) {
          Value zero = cst(b, l, 0), one = cst(b, l, 1);
          // The source coordinate of output index `o` along dim i.
          auto coordinate = [&](int64_t i, Value o) -> Value {
            Value of = toF64(b, l, o), half = f(b, l, 0.5);
            Value s = scales[i];
            auto halfPixel = [&] {
              return arith::SubFOp::create(
                  b, l,
                  arith::DivFOp::create(b, l,
                                        arith::AddFOp::create(b, l, of, half),
                                        s),
                  half);
            };
            Value outOne = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, outDims[i], one);
            if (ct == "asymmetric")
              return arith::DivFOp::create(b, l, of, s);
            if (ct == "tf_half_pixel_for_nearest")
              return arith::DivFOp::create(
                  b, l, arith::AddFOp::create(b, l, of, half), s);
            if (ct == "pytorch_half_pixel")
              return arith::SelectOp::create(b, l, outOne, f(b, l, 0.0),
                                             halfPixel());
            if (ct == "align_corners" || crop) {
              Value in1 = toF64(b, l, arith::SubIOp::create(b, l, inDims[i], one));
              Value out1 =
                  toF64(b, l, arith::SubIOp::create(b, l, outDims[i], one));
              // out1 == 0 only when out is 1, which selects another value.
              Value safeOut1 =
                  arith::SelectOp::create(b, l, outOne, f(b, l, 1.0), out1);
              if (!crop) {
                Value c = arith::DivFOp::create(
                    b, l, arith::MulFOp::create(b, l, of, in1), safeOut1);
                return arith::SelectOp::create(b, l, outOne, f(b, l, 0.0), c);
              }
              // start * (d - 1) + o * (end - start) * (d - 1) / (out - 1),
              // or the region's centre for one output.
              double start = roiStart(i), extent = roiEnd(i) - roiStart(i);
              Value base = arith::MulFOp::create(b, l, f(b, l, start), in1);
              Value c = arith::DivFOp::create(
                  b, l,
                  arith::MulFOp::create(
                      b, l, arith::MulFOp::create(b, l, of, f(b, l, extent)),
                      in1),
                  safeOut1);
              Value centre = arith::DivFOp::create(
                  b, l, arith::MulFOp::create(b, l, f(b, l, extent), in1),
                  f(b, l, 2.0));
              return arith::AddFOp::create(
                  b, l, arith::SelectOp::create(b, l, outOne, centre, c),
                  base);
            }
            return halfPixel();
          };
          auto toIdx = [&](Value v) -> Value {
            return arith::IndexCastOp::create(
                b, l, b.getIndexType(), arith::FPToSIOp::create(b, l, i64, v));
          };
          auto clampTo = [&](int64_t i, Value v) {
            return clampIndex(b, l, v, zero,
                              arith::SubIOp::create(b, l, inDims[i], one));
          };
          // tf_crop_and_resize: whether any coordinate falls outside
          // [0, d - 1] (those positions take the extrapolation value).
          Value outside;
          auto noteOutside = [&](int64_t i, Value c) {
            if (!crop)
              return;
            Value last =
                toF64(b, l, arith::SubIOp::create(b, l, inDims[i], one));
            Value o = arith::OrIOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, c,
                                      f(b, l, 0.0)),
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, c,
                                      last));
            outside = outside ? arith::OrIOp::create(b, l, outside, o) : o;
          };
          auto extrapolate = [&](Value v) -> Value {
            if (!outside)
              return v;
            return arith::SelectOp::create(b, l, outside,
                                           constantOf(b, l, elt, extrapolation),
                                           v);
          };
          if (mode == "nearest") {
            SmallVector<Value> in;
            for (int64_t i = 0; i < rank; ++i) {
              if (isIdentity(op, i)) {
                in.push_back(idx[i]);
                continue;
              }
              Value c = coordinate(i, idx[i]), r;
              noteOutside(i, c);
              if (nearestMode == "floor")
                r = math::FloorOp::create(b, l, c);
              else if (nearestMode == "ceil")
                r = math::CeilOp::create(b, l, c);
              else if (nearestMode == "round_prefer_ceil")
                r = math::FloorOp::create(
                    b, l, arith::AddFOp::create(b, l, c, f(b, l, 0.5)));
              else
                r = math::CeilOp::create(
                    b, l, arith::SubFOp::create(b, l, c, f(b, l, 0.5)));
              in.push_back(clampTo(i, toIdx(r)));
            }
            return extrapolate(tensor::ExtractOp::create(b, l, x, in));
          }
          // Linear and cubic: per interpolated dim, its taps (input index
          // and weight); the result sums the products over every
          // combination of taps, in f64.
          SmallVector<int64_t> interp;
          SmallVector<Value> base(rank);
          SmallVector<SmallVector<std::pair<Value, Value>>> taps(rank);
          for (int64_t i = 0; i < rank; ++i) {
            if (isIdentity(op, i)) {
              base[i] = idx[i];
              continue;
            }
            interp.push_back(i);
            Value c = coordinate(i, idx[i]);
            noteOutside(i, c);
            Value fl = math::FloorOp::create(b, l, c);
            if (mode == "linear") {
              Value w = arith::SubFOp::create(b, l, c, fl);
              Value i0 = toIdx(fl);
              taps[i].push_back(
                  {clampTo(i, i0), arith::SubFOp::create(b, l, f(b, l, 1.0), w)});
              taps[i].push_back(
                  {clampTo(i, arith::AddIOp::create(b, l, i0, one)), w});
              continue;
            }
            // Cubic (ONNX): the neighbours p-1 .. p+2 of p, the floor of c,
            // or c - 1 when c is whole, so that t = c - p is in (0, 1].
            Value whole = arith::CmpFOp::create(
                b, l, arith::CmpFPredicate::OEQ, c, fl);
            Value p = arith::SelectOp::create(
                b, l, whole, arith::SubFOp::create(b, l, fl, f(b, l, 1.0)), fl);
            Value t = arith::SubFOp::create(b, l, c, p);
            Value u = arith::SubFOp::create(b, l, f(b, l, 1.0), t);
            auto mul = [&](Value a, Value v) -> Value {
              return arith::MulFOp::create(b, l, a, v);
            };
            auto add = [&](Value a, Value v) -> Value {
              return arith::AddFOp::create(b, l, a, v);
            };
            auto sub = [&](Value a, Value v) -> Value {
              return arith::SubFOp::create(b, l, a, v);
            };
            double A = cubicA;
            // The kernel at distance 1 + s (s in [0, 1]): outer taps.
            auto outer = [&](Value s1) {
              return sub(mul(add(mul(sub(mul(f(b, l, A), s1), f(b, l, 5 * A)),
                                     s1),
                                 f(b, l, 8 * A)),
                             s1),
                         f(b, l, 4 * A));
            };
            // The kernel at distance s: inner taps.
            auto inner = [&](Value s) {
              return add(mul(mul(sub(mul(f(b, l, A + 2), s), f(b, l, A + 3)),
                                 s),
                             s),
                         f(b, l, 1.0));
            };
            Value w[4] = {outer(add(t, f(b, l, 1.0))), inner(t), inner(u),
                          outer(add(u, f(b, l, 1.0)))};
            Value p0 = toIdx(p);
            Value last = arith::SubIOp::create(b, l, inDims[i], one);
            Value pos[4];
            for (int k = 0; k < 4; ++k)
              pos[k] = arith::AddIOp::create(b, l, p0, cst(b, l, k - 1));
            if (excludeOutside) {
              Value sum = f(b, l, 0.0);
              for (int k = 0; k < 4; ++k) {
                Value inside = arith::AndIOp::create(
                    b, l,
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge,
                                          pos[k], zero),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle,
                                          pos[k], last));
                w[k] = arith::SelectOp::create(b, l, inside, w[k],
                                               f(b, l, 0.0));
                sum = add(sum, w[k]);
              }
              for (int k = 0; k < 4; ++k)
                w[k] = arith::DivFOp::create(b, l, w[k], sum);
            }
            for (int k = 0; k < 4; ++k)
              taps[i].push_back({clampTo(i, pos[k]), w[k]});
          }
          int64_t combos = 1;
          for (int64_t i : interp)
            combos *= taps[i].size();
          Value acc = f(b, l, 0.0);
          for (int64_t combo = 0; combo < combos; ++combo) {
            SmallVector<Value> in(base);
            Value weight = f(b, l, 1.0);
            int64_t rest = combo;
            for (int64_t i : interp) {
              auto [index, w] = taps[i][rest % taps[i].size()];
              rest /= taps[i].size();
              in[i] = index;
              weight = arith::MulFOp::create(b, l, weight, w);
            }
            Value v = tensor::ExtractOp::create(b, l, x, in);
            // f16/bf16 go through f32, as the elementwise lowering does, so
            // that no half-precision library helper is needed.
            if (elt.isF16() || elt.isBF16())
              v = arith::ExtFOp::create(b, l, b.getF32Type(), v);
            if (!elt.isF64())
              v = arith::ExtFOp::create(b, l, f64, v);
            acc = arith::AddFOp::create(
                b, l, acc, arith::MulFOp::create(b, l, weight, v));
          }
          if (elt.isF64())
            return extrapolate(acc);
          Value r = arith::TruncFOp::create(b, l, b.getF32Type(), acc);
          return extrapolate(
              elt.isF32() ? r : (Value)arith::TruncFOp::create(b, l, elt, r));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::kiln::detail::populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering, SqueezeLowering,
               UnsqueezeLowering, FlattenLowering, ConcatLowering,
               SplitLowering, SliceLowering, GatherLowering, PadLowering,
               TileLowering, ResizeLowering>(patterns.getContext());
}
