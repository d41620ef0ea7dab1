//===- ConvPool.cpp - conv, conv_transpose, pooling to linalg ---*- C++ -*-===//
//
// Every op here is one linalg.generic (plus a tensor.pad, and a division for
// avg_pool), written for any spatial rank and any groups so that one code
// path covers all attribute combinations; the op's accessors supply the
// resolved attributes (defaults and auto_pad applied). Spatial dimensions are
// static (the dialect requires it); the batch dimension may be dynamic.
//
//===----------------------------------------------------------------------===//
#include "NNPatterns.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

Value addOf(OpBuilder &b, Location loc, Value x, Value y) {
  return isFloat(x.getType()) ? (Value)arith::AddFOp::create(b, loc, x, y)
                              : (Value)arith::AddIOp::create(b, loc, x, y);
}

/// Pads the spatial dims of `x` ([N, C, D...]) by `low`/`high` with `value`.
Value padSpatial(OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, Value value) {
  if (llvm::all_of(low, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(high, [](int64_t v) { return v == 0; }))
    return x;
  auto xt = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> lo(2, b.getIndexAttr(0)), hi(2, b.getIndexAttr(0));
  SmallVector<int64_t> shape(xt.getShape());
  for (size_t i = 0; i < low.size(); ++i) {
    lo.push_back(b.getIndexAttr(low[i]));
    hi.push_back(b.getIndexAttr(high[i]));
    shape[i + 2] += low[i] + high[i];
  }
  return tensor::PadOp::create(
      b, loc, RankedTensorType::get(shape, xt.getElementType()), x, lo, hi,
      value);
}

/// The output [N, G, M/G, O...] that conv and conv_transpose accumulate in,
/// initialized with the bias (or zero), and its collapse to [N, M, O...].
Value groupedInit(OpBuilder &b, Location loc, Value x, Value bias,
                  RankedTensorType resultType, int64_t groups) {
  MLIRContext *ctx = b.getContext();
  Type elt = resultType.getElementType();
  int64_t m = resultType.getDimSize(1), r = resultType.getRank() - 2;
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, x, 0),
                                     b.getIndexAttr(groups),
                                     b.getIndexAttr(m / groups)};
  for (int64_t i = 0; i < r; ++i)
    sizes.push_back(b.getIndexAttr(resultType.getDimSize(i + 2)));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elt);
  if (!bias)
    return linalg::FillOp::create(b, loc, constantOf(b, loc, elt, 0), empty)
        .getResult(0);
  Value grouped = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({groups, m / groups}, elt), bias,
      SmallVector<ReassociationIndices>{{0, 1}});
  int64_t loops = r + 3;
  SmallVector<AffineMap> maps = {
      AffineMap::get(loops, 0,
                     {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx),
      AffineMap::getMultiDimIdentityMap(loops, ctx)};
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{empty.getType()}, ValueRange{grouped},
             ValueRange{empty}, maps, iters,
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, args[0]);
             })
      .getResult(0);
}

Value collapseGroups(OpBuilder &b, Location loc, Value grouped,
                     RankedTensorType resultType) {
  SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
  for (int64_t i = 2; i < resultType.getRank(); ++i)
    groups.push_back({i + 1});
  return tensor::CollapseShapeOp::create(b, loc, resultType, grouped, groups);
}

/// w [M, C/G, K...] as [G, M/G, C/G, K...] (conv), or [C, M/G, K...] as
/// [G, C/G, M/G, K...] (conv_transpose): the leading dim splits in two.
Value splitLeading(OpBuilder &b, Location loc, Value w, int64_t groups) {
  auto wt = cast<RankedTensorType>(w.getType());
  SmallVector<int64_t> shape = {groups, wt.getDimSize(0) / groups};
  shape.append(wt.getShape().begin() + 1, wt.getShape().end());
  SmallVector<ReassociationIndices> reassoc = {{0, 1}};
  for (int64_t i = 1; i < wt.getRank(); ++i)
    reassoc.push_back({i + 1});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, wt.getElementType()), w, reassoc);
}

/// Loops of conv and conv_transpose: n, g, m (in group), o1..or, c (in
/// group), k1..kr.
struct ConvLoops {
  int64_t r;
  int64_t n() const { return 0; }
  int64_t g() const { return 1; }
  int64_t m() const { return 2; }
  int64_t o(int64_t i) const { return 3 + i; }
  int64_t c() const { return 3 + r; }
  int64_t k(int64_t i) const { return 4 + r + i; }
  int64_t count() const { return 4 + 2 * r; }
  SmallVector<utils::IteratorType> iterators() const {
    SmallVector<utils::IteratorType> iters(count(),
                                           utils::IteratorType::parallel);
    for (int64_t i = c(); i < count(); ++i)
      iters[i] = utils::IteratorType::reduction;
    return iters;
  }
};

struct ConvLowering : public OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType rt = op.getType();
    Type elt = rt.getElementType();
    int64_t r = rt.getRank() - 2, groups = op.getGroups();
    SmallVector<int64_t> strides = op.getStrideValues();
    SmallVector<int64_t> dilations = op.getDilationValues();
    SmallVector<int64_t> pads = op.getPadValues();
    ArrayRef<int64_t> padsRef(pads);
    Value x =
        padSpatial(rewriter, loc, adaptor.getX(), padsRef.take_front(r),
                   padsRef.drop_front(r), constantOf(rewriter, loc, elt, 0));
    Value w = splitLeading(rewriter, loc, adaptor.getW(), groups);
    int64_t cPerGroup = cast<RankedTensorType>(w.getType()).getDimSize(2);
    Value init = groupedInit(rewriter, loc, x, adaptor.getBias(), rt, groups);

    ConvLoops L{r};
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xs = {d(L.n()), d(L.g()) * cPerGroup + d(L.c())};
    SmallVector<AffineExpr> ws = {d(L.g()), d(L.m()), d(L.c())};
    SmallVector<AffineExpr> os = {d(L.n()), d(L.g()), d(L.m())};
    for (int64_t i = 0; i < r; ++i) {
      xs.push_back(d(L.o(i)) * strides[i] + d(L.k(i)) * dilations[i]);
      ws.push_back(d(L.k(i)));
      os.push_back(d(L.o(i)));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(L.count(), 0, xs, ctx),
                                   AffineMap::get(L.count(), 0, ws, ctx),
                                   AffineMap::get(L.count(), 0, os, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{x, w},
        ValueRange{init}, maps, L.iterators(),
        [](OpBuilder &b, Location l, ValueRange args) {
          Value p = arith::MulFOp::create(b, l, args[0], args[1]);
          linalg::YieldOp::create(b, l, addOf(b, l, args[2], p));
        });
    rewriter.replaceOp(op,
                       collapseGroups(rewriter, loc, generic.getResult(0), rt));
    return success();
  }
};

/// conv_transpose as a gather: output position o receives x[i] * w[k] for
/// every k with o + pb = i*s + k*d. The generic iterates over (output,
/// kernel) and reads x with tensor.extract where that i exists, so that
/// strides, any pads (negative ones from SAME included) and output_padding
/// need no special case.
struct ConvTransposeLowering : public OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType rt = op.getType();
    Type elt = rt.getElementType();
    int64_t r = rt.getRank() - 2, groups = op.getGroups();
    SmallVector<int64_t> strides = op.getStrideValues();
    SmallVector<int64_t> dilations = op.getDilationValues();
    SmallVector<int64_t> pads = op.getPadValues();
    Value x = adaptor.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    Value w = splitLeading(rewriter, loc, adaptor.getW(), groups);
    int64_t cPerGroup = cast<RankedTensorType>(w.getType()).getDimSize(1);
    Value init = groupedInit(rewriter, loc, x, adaptor.getBias(), rt, groups);

    ConvLoops L{r};
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> ws = {d(L.g()), d(L.c()), d(L.m())};
    SmallVector<AffineExpr> os = {d(L.n()), d(L.g()), d(L.m())};
    for (int64_t i = 0; i < r; ++i) {
      ws.push_back(d(L.k(i)));
      os.push_back(d(L.o(i)));
    }
    SmallVector<AffineMap> maps = {AffineMap::get(L.count(), 0, ws, ctx),
                                   AffineMap::get(L.count(), 0, os, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{w},
        ValueRange{init}, maps, L.iterators(),
        [&](OpBuilder &b, Location l, ValueRange args) {
          auto idx = [&](int64_t dim) -> Value {
            return linalg::IndexOp::create(b, l, dim);
          };
          auto cst = [&](int64_t v) -> Value {
            return arith::ConstantIndexOp::create(b, l, v);
          };
          using P = arith::CmpIPredicate;
          Value zero = cst(0);
          Value valid = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
          SmallVector<Value> index = {
              idx(L.n()),
              arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, idx(L.g()), cst(cPerGroup)),
                  idx(L.c()))};
          for (int64_t i = 0; i < r; ++i) {
            // q = o + pb - k*d must be a multiple of s, and q/s inside x.
            Value q = arith::SubIOp::create(
                b, l, arith::AddIOp::create(b, l, idx(L.o(i)), cst(pads[i])),
                arith::MulIOp::create(b, l, idx(L.k(i)), cst(dilations[i])));
            Value nonNeg = arith::CmpIOp::create(b, l, P::sge, q, zero);
            Value safeQ = arith::SelectOp::create(b, l, nonNeg, q, zero);
            Value s = cst(strides[i]);
            Value i0 = arith::DivUIOp::create(b, l, safeQ, s);
            Value exact = arith::CmpIOp::create(
                b, l, P::eq, arith::RemUIOp::create(b, l, safeQ, s), zero);
            Value inside = arith::CmpIOp::create(b, l, P::slt, i0,
                                                 cst(xt.getDimSize(i + 2)));
            valid = arith::AndIOp::create(
                b, l, valid,
                arith::AndIOp::create(
                    b, l, nonNeg, arith::AndIOp::create(b, l, exact, inside)));
            index.push_back(i0);
          }
          // Invalid positions read element 0 of the spatial dims (in bounds)
          // and contribute nothing.
          for (int64_t i = 0; i < r; ++i)
            index[i + 2] =
                arith::SelectOp::create(b, l, valid, index[i + 2], zero);
          Value xv = tensor::ExtractOp::create(b, l, x, index);
          Value p = arith::MulFOp::create(b, l, xv, args[0]);
          Value contrib =
              arith::SelectOp::create(b, l, valid, p, constantOf(b, l, elt, 0));
          linalg::YieldOp::create(b, l, addOf(b, l, args[1], contrib));
        });
    rewriter.replaceOp(op,
                       collapseGroups(rewriter, loc, generic.getResult(0), rt));
    return success();
  }
};

/// The end padding that makes every window of `out` positions fit (ceil_mode
/// windows may reach past the user's end padding).
SmallVector<int64_t> windowHighPads(ArrayRef<int64_t> in, ArrayRef<int64_t> out,
                                    ArrayRef<int64_t> kernel,
                                    ArrayRef<int64_t> strides,
                                    ArrayRef<int64_t> dilations,
                                    ArrayRef<int64_t> padsBegin) {
  SmallVector<int64_t> high;
  for (size_t i = 0; i < in.size(); ++i) {
    int64_t eff = (kernel[i] - 1) * dilations[i] + 1;
    high.push_back(std::max<int64_t>(0, (out[i] - 1) * strides[i] + eff -
                                            in[i] - padsBegin[i]));
  }
  return high;
}

/// Sliding-window reduction over padded `x`: loops n, c, o1..or, k1..kr.
Value poolWindows(
    OpBuilder &b, Location loc, Value x, Value init, ArrayRef<int64_t> kernel,
    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
    function_ref<Value(OpBuilder &, Location, Value, Value)> comb) {
  MLIRContext *ctx = b.getContext();
  int64_t r = kernel.size(), loops = 2 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xs = {d(0), d(1)}, ks, os = {d(0), d(1)};
  for (int64_t i = 0; i < r; ++i) {
    xs.push_back(d(2 + i) * strides[i] + d(2 + r + i) * dilations[i]);
    ks.push_back(d(2 + r + i));
    os.push_back(d(2 + i));
  }
  // The kernel operand only gives the k loops their extent.
  Value window = tensor::EmptyOp::create(
      b, loc, kernel, cast<RankedTensorType>(x.getType()).getElementType());
  SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, xs, ctx),
                                 AffineMap::get(loops, 0, ks, ctx),
                                 AffineMap::get(loops, 0, os, ctx)};
  SmallVector<utils::IteratorType> iters(loops, utils::IteratorType::parallel);
  for (int64_t i = 2 + r; i < loops; ++i)
    iters[i] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{x, window},
             ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, comb(nb, l, args[0], args[2]));
             })
      .getResult(0);
}

template <typename OpTy>
Value pooledInit(OpBuilder &b, Location loc, OpTy op, Value x, Value fill) {
  RankedTensorType rt = op.getType();
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, x, 0),
                                     tensor::getMixedSize(b, loc, x, 1)};
  for (int64_t i = 2; i < rt.getRank(); ++i)
    sizes.push_back(b.getIndexAttr(rt.getDimSize(i)));
  Value empty = tensor::EmptyOp::create(b, loc, sizes, rt.getElementType());
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

struct MaxPoolLowering : public OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType rt = op.getType();
    Type elt = rt.getElementType();
    int64_t r = rt.getRank() - 2;
    Value x = adaptor.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> strides = op.getStrideValues();
    SmallVector<int64_t> dilations = op.getDilationValues();
    SmallVector<int64_t> pads = op.getPadValues();
    ArrayRef<int64_t> kernel = op.getKernel();
    SmallVector<int64_t> low(pads.begin(), pads.begin() + r);
    SmallVector<int64_t> high =
        windowHighPads(xt.getShape().drop_front(2), rt.getShape().drop_front(2),
                       kernel, strides, dilations, low);
    // Padding holds the identity of max, so it is never selected.
    Value lowest = lowestOf(rewriter, loc, elt);
    Value padded = padSpatial(rewriter, loc, x, low, high, lowest);
    Value init = pooledInit(rewriter, loc, op, x, lowest);
    bool f = isFloat(elt);
    Value y =
        poolWindows(rewriter, loc, padded, init, kernel, strides, dilations,
                    [f](OpBuilder &b, Location l, Value v, Value acc) {
                      return f ? (Value)arith::MaximumFOp::create(b, l, v, acc)
                               : (Value)arith::MaxSIOp::create(b, l, v, acc);
                    });
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct AvgPoolLowering : public OpConversionPattern<AvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType rt = op.getType();
    Type elt = rt.getElementType();
    int64_t r = rt.getRank() - 2;
    Value x = adaptor.getX();
    auto xt = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> strides = op.getStrideValues();
    SmallVector<int64_t> dilations(r, 1);
    SmallVector<int64_t> pads = op.getPadValues();
    ArrayRef<int64_t> kernel = op.getKernel();
    ArrayRef<int64_t> in = xt.getShape().drop_front(2);
    ArrayRef<int64_t> out = rt.getShape().drop_front(2);
    SmallVector<int64_t> low(pads.begin(), pads.begin() + r);
    SmallVector<int64_t> high =
        windowHighPads(in, out, kernel, strides, dilations, low);
    Value zero = constantOf(rewriter, loc, elt, 0);
    Value padded = padSpatial(rewriter, loc, x, low, high, zero);
    Value init = pooledInit(rewriter, loc, op, x, zero);
    Value sums =
        poolWindows(rewriter, loc, padded, init, kernel, strides, dilations,
                    [](OpBuilder &b, Location l, Value v, Value acc) {
                      return arith::AddFOp::create(b, l, v, acc);
                    });

    // Divisors are known at compile time (static spatial dims): the window's
    // input elements, or its elements inside [-pb, D + pe).
    bool includePad = op.getCountIncludePad();
    SmallVector<double> counts(1, 1.0);
    for (int64_t i = 0; i < r; ++i) {
      SmallVector<double> next;
      for (double c : counts) {
        for (int64_t o = 0; o < out[i]; ++o) {
          int64_t start = o * strides[i] - pads[i];
          int64_t end = start + kernel[i];
          int64_t n = includePad
                          ? std::min(end, in[i] + pads[r + i]) - start
                          : std::min(end, in[i]) - std::max<int64_t>(start, 0);
          next.push_back(c * double(std::max<int64_t>(n, 0)));
        }
      }
      counts = std::move(next);
    }
    auto countType = RankedTensorType::get(out, elt);
    SmallVector<Attribute> countAttrs;
    for (double c : counts)
      countAttrs.push_back(rewriter.getFloatAttr(elt, c));
    Value divisors = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(countType, countAttrs));
    int64_t rank = rt.getRank();
    SmallVector<AffineExpr> spatial;
    for (int64_t i = 2; i < rank; ++i)
      spatial.push_back(getAffineDimExpr(i, ctx));
    AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, sums), elt);
    Value y =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{rt}, ValueRange{sums, divisors},
            ValueRange{empty},
            SmallVector<AffineMap>{id, AffineMap::get(rank, 0, spatial, ctx),
                                   id},
            iters,
            [](OpBuilder &b, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  b, l,
                  arith::DivFOp::create(b, l, args[0], args[1]).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void mlir::kiln::detail::populateConvPoolPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering, MaxPoolLowering,
               AvgPoolLowering>(patterns.getContext());
}
