//===- Indexing.cpp - indexing ops to linalg/tensor/scf ---------*- C++ -*-===//
//
// The gathers are one linalg.generic over the result whose body reads the
// source with tensor.extract. Scatters, cumsum and topk have no linalg form
// (they write where the data says, or carry a value along an axis): they
// are scf.for nests over tensors, with tensor.extract/tensor.insert on a
// loop-carried tensor, which One-Shot Bufferize turns into in-place loads
// and stores.
//
// Element types: gathers and plain scatters only move elements (every
// dtype). Scatter reductions, cumsum and topk see f32, f64, the signed
// integers and (scatter) bool: kiln-widen-element-types has already
// rewritten f16, bf16 and u8 to compute in f32 / i32.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

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

Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
           Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value sel(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

SmallVector<Value> dimsOf(OpBuilder &b, Location loc, Value x) {
  SmallVector<Value> dims;
  for (int64_t i = 0, e = cast<RankedTensorType>(x.getType()).getRank(); i < e;
       ++i)
    dims.push_back(dimOf(b, loc, x, i));
  return dims;
}

/// The sizes of `x`: attributes where static, so that tensors built from
/// them keep the static dimensions in their types.
SmallVector<OpFoldResult> mixedSizesOf(OpBuilder &b, Location loc, Value x) {
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0, e = cast<RankedTensorType>(x.getType()).getRank(); i < e;
       ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
  return sizes;
}

/// An element of an index tensor (i32/i64) as a position in a dimension of
/// size `d`: negative values count from the end, and the result is clamped
/// to [0, d-1] (callers guard d = 0).
Value normalizeIndex(OpBuilder &b, Location loc, Value raw, Value d) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), raw);
  Value zero = cst(b, loc, 0);
  i = sel(b, loc, cmpI(b, loc, arith::CmpIPredicate::slt, i, zero),
          arith::AddIOp::create(b, loc, i, d), i);
  i = arith::MaxSIOp::create(b, loc, i, zero);
  Value last = arith::SubIOp::create(b, loc, d, cst(b, loc, 1));
  return arith::MinSIOp::create(b, loc, i, last);
}

/// "All of `dims` are non-empty" as an i1, or null when that is known at
/// compile time (no guard needed).
Value nonEmpty(OpBuilder &b, Location loc, ArrayRef<Value> dims) {
  Value all;
  for (Value d : dims) {
    std::optional<int64_t> size = getConstantIntValue(d);
    if (size && *size > 0)
      continue;
    Value c = cmpI(b, loc, arith::CmpIPredicate::sgt, d, cst(b, loc, 0));
    all = all ? arith::AndIOp::create(b, loc, all, c) : c;
  }
  return all;
}

/// x[indices], or `fallback` unless `inBounds` (no guard when null).
Value extractOr(OpBuilder &b, Location loc, Value x, ValueRange indices,
                Value inBounds, Type elementType) {
  if (!inBounds)
    return tensor::ExtractOp::create(b, loc, x, indices);
  return guardedExtract(b, loc, x, indices, inBounds,
                        constantOf(b, loc, elementType, 0));
}

/// `positions` with `v` inserted at `axis`.
SmallVector<Value> withAt(ValueRange positions, int64_t axis, Value v) {
  SmallVector<Value> r(positions);
  r.insert(r.begin() + axis, v);
  return r;
}

/// An scf.for nest over [0, ubs) carrying `iterArgs`; returns the final
/// values.
SmallVector<Value>
loopNest(OpBuilder &b, Location loc, ArrayRef<Value> ubs, ValueRange iterArgs,
         function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange,
                                         ValueRange)>
             body) {
  SmallVector<Value> lbs(ubs.size(), cst(b, loc, 0));
  SmallVector<Value> steps(ubs.size(), cst(b, loc, 1));
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, iterArgs,
      [&](OpBuilder &nb, Location nloc, ValueRange ivs, ValueRange args) {
        SmallVector<Value> r = body(nb, nloc, ivs, args);
        return scf::ValueVector(r.begin(), r.end());
      });
  return SmallVector<Value>(nest.results.begin(), nest.results.end());
}

/// A fresh copy of `data` to scatter into (the operand itself may be a
/// graph input or used elsewhere).
Value copyOf(OpBuilder &b, Location loc, Value data) {
  Value init =
      tensor::EmptyOp::create(b, loc, mixedSizesOf(b, loc, data),
                              getElementTypeOrSelf(data.getType()));
  return linalg::CopyOp::create(b, loc, data, init).getResult(0);
}

/// `f(old, update)` of a scatter reduction. bool reduces as logic (add and
/// max: or; mul and min: and); floats' max/min propagate NaN.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old,
              Value update) {
  Type t = old.getType();
  bool isMax = reduction == "max", isMin = reduction == "min";
  bool isAdd = reduction == "add";
  if (isa<FloatType>(t)) {
    if (isAdd)
      return arith::AddFOp::create(b, loc, old, update);
    if (isMax)
      return arith::MaximumFOp::create(b, loc, old, update);
    if (isMin)
      return arith::MinimumFOp::create(b, loc, old, update);
    return arith::MulFOp::create(b, loc, old, update);
  }
  if (t.isInteger(1)) {
    if (isAdd || isMax)
      return arith::OrIOp::create(b, loc, old, update);
    return arith::AndIOp::create(b, loc, old, update);
  }
  if (isAdd)
    return arith::AddIOp::create(b, loc, old, update);
  if (isMax)
    return arith::MaxSIOp::create(b, loc, old, update);
  if (isMin)
    return arith::MinSIOp::create(b, loc, old, update);
  return arith::MulIOp::create(b, loc, old, update);
}

/// Writes `update` into `dest[pos]` (combined with the element there unless
/// `reduction` is "none"), only where `guard` holds (always when null).
Value scatterOne(OpBuilder &b, Location loc, Value dest, ValueRange pos,
                 Value update, StringRef reduction, Value guard) {
  auto write = [&](OpBuilder &wb, Location wl) -> Value {
    Value v = update;
    if (reduction != "none")
      v = combine(wb, wl, reduction,
                  tensor::ExtractOp::create(wb, wl, dest, pos), update);
    return tensor::InsertOp::create(wb, wl, v, dest, pos);
  };
  if (!guard)
    return write(b, loc);
  auto ifOp = scf::IfOp::create(
      b, loc, guard,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(tb, tl, write(tb, tl));
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, dest); });
  return ifOp.getResult(0);
}

//===----------------------------------------------------------------------===//
// gather_elements / gather_nd
//===----------------------------------------------------------------------===//

struct GatherElementsLowering
    : public OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), indices = adaptor.getIndices();
    RankedTensorType type = op.getType();
    int64_t axis = op.getNormalizedAxis();
    Value d = dimOf(rewriter, loc, x, axis);
    Value guard = nonEmpty(rewriter, loc, d);
    AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
    Value result = buildIndexed(
        rewriter, loc, type, dimsOf(rewriter, loc, indices), indices, identity,
        [&](OpBuilder &b, Location l, ArrayRef<Value> idx, ValueRange args) {
          SmallVector<Value> in(idx);
          in[axis] = normalizeIndex(b, l, args[0], d);
          return extractOr(b, l, x, in, guard, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Each result element reads its index tuple from `indices` (the tuple
/// positions are the result's leading indices) and then `data`.
struct GatherNDLowering : public OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    RankedTensorType type = op.getType();
    int64_t b = op.getBatchDims(), k = op.getTupleLength();
    int64_t q = op.getIndices().getType().getRank();
    SmallVector<Value> dataDims = dimsOf(rewriter, loc, data);
    SmallVector<Value> dims = dimsOf(rewriter, loc, indices);
    dims.pop_back();
    llvm::append_range(dims, ArrayRef<Value>(dataDims).drop_front(b + k));
    ArrayRef<Value> indexed = ArrayRef<Value>(dataDims).slice(b, k);
    Value guard = nonEmpty(rewriter, loc, indexed);
    Value result = buildIndexed(
        rewriter, loc, type, dims, {}, {},
        [&](OpBuilder &nb, Location l, ArrayRef<Value> idx, ValueRange) {
          SmallVector<Value> in(idx.take_front(b));
          SmallVector<Value> tuple(idx.take_front(q - 1));
          tuple.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            tuple.back() = cst(nb, l, j);
            Value raw = tensor::ExtractOp::create(nb, l, indices, tuple);
            in.push_back(normalizeIndex(nb, l, raw, indexed[j]));
          }
          llvm::append_range(in, idx.drop_front(q - 1));
          return extractOr(nb, l, data, in, guard, type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// scatter_elements / scatter_nd
//===----------------------------------------------------------------------===//

/// A loop nest over `indices` (row-major) updating a copy of `data`.
struct ScatterElementsLowering
    : public OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value updates = adaptor.getUpdates();
    int64_t axis = op.getNormalizedAxis();
    StringRef reduction = op.getReduction();
    Value d = dimOf(rewriter, loc, data, axis);
    Value guard = nonEmpty(rewriter, loc, d);
    SmallVector<Value> result = loopNest(
        rewriter, loc, dimsOf(rewriter, loc, indices),
        copyOf(rewriter, loc, data),
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) {
          Value raw = tensor::ExtractOp::create(b, l, indices, ivs);
          Value update = tensor::ExtractOp::create(b, l, updates, ivs);
          SmallVector<Value> pos(ivs);
          pos[axis] = normalizeIndex(b, l, raw, d);
          return SmallVector<Value>{
              scatterOne(b, l, acc[0], pos, update, reduction, guard)};
        });
    rewriter.replaceOp(op, result[0]);
    return success();
  }
};

/// Outer loops over the index tuples, inner loops over the slice each one
/// addresses.
struct ScatterNDLowering : public OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    Value updates = adaptor.getUpdates();
    int64_t k = op.getTupleLength();
    StringRef reduction = op.getReduction();
    SmallVector<Value> dataDims = dimsOf(rewriter, loc, data);
    SmallVector<Value> tupleDims = dimsOf(rewriter, loc, indices);
    tupleDims.pop_back();
    ArrayRef<Value> indexed = ArrayRef<Value>(dataDims).take_front(k);
    ArrayRef<Value> sliceDims = ArrayRef<Value>(dataDims).drop_front(k);
    Value guard = nonEmpty(rewriter, loc, indexed);
    SmallVector<Value> result = loopNest(
        rewriter, loc, tupleDims, copyOf(rewriter, loc, data),
        [&](OpBuilder &b, Location l, ValueRange tuple, ValueRange acc) {
          SmallVector<Value> at(tuple), head;
          at.push_back(Value());
          for (int64_t j = 0; j < k; ++j) {
            at.back() = cst(b, l, j);
            Value raw = tensor::ExtractOp::create(b, l, indices, at);
            head.push_back(normalizeIndex(b, l, raw, indexed[j]));
          }
          return loopNest(
              b, l, sliceDims, acc,
              [&](OpBuilder &ib, Location il, ValueRange ivs,
                  ValueRange inner) {
                SmallVector<Value> pos(head), upos(tuple);
                llvm::append_range(pos, ivs);
                llvm::append_range(upos, ivs);
                Value update = tensor::ExtractOp::create(ib, il, updates, upos);
                return SmallVector<Value>{scatterOne(ib, il, inner[0], pos,
                                                     update, reduction, guard)};
              });
        });
    rewriter.replaceOp(op, result[0]);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

/// Loops over every position but the axis; along the axis one scf.for
/// carries the running sum and the result tensor.
struct CumSumLowering : public OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType type = op.getType();
    Type elt = type.getElementType();
    int64_t axis = op.getNormalizedAxis();
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    SmallVector<Value> dims = dimsOf(rewriter, loc, x);
    Value d = dims[axis];
    Value init = tensor::EmptyOp::create(
        rewriter, loc, mixedSizesOf(rewriter, loc, x), elt);
    SmallVector<Value> outer(dims);
    outer.erase(outer.begin() + axis);
    SmallVector<Value> result = loopNest(
        rewriter, loc, outer, init,
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) {
          Value zero = constantOf(b, l, elt, 0);
          auto loop = scf::ForOp::create(
              b, l, cst(b, l, 0), d, cst(b, l, 1), ValueRange{acc[0], zero},
              [&](OpBuilder &fb, Location fl, Value i, ValueRange args) {
                Value j = i;
                if (reverse)
                  j = arith::SubIOp::create(
                      fb, fl, arith::SubIOp::create(fb, fl, d, cst(fb, fl, 1)),
                      i);
                SmallVector<Value> pos = withAt(ivs, axis, j);
                Value v = tensor::ExtractOp::create(fb, fl, x, pos);
                Value sum = args[1];
                Value next =
                    isa<FloatType>(elt)
                        ? (Value)arith::AddFOp::create(fb, fl, sum, v)
                        : (Value)arith::AddIOp::create(fb, fl, sum, v);
                Value out = tensor::InsertOp::create(
                    fb, fl, exclusive ? sum : next, args[0], pos);
                scf::YieldOp::create(fb, fl, ValueRange{out, next});
              });
          return SmallVector<Value>{loop.getResult(0)};
        });
    rewriter.replaceOp(op, result[0]);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

/// Whether `held` (an element already among the top, so of a lower index)
/// stays ahead of a new element `v`: NaN counts as the largest value, and
/// ties keep the lower index first.
Value staysAhead(OpBuilder &b, Location loc, Value held, Value v,
                 bool largest) {
  using FP = arith::CmpFPredicate;
  if (!isa<FloatType>(held.getType()))
    return cmpI(b, loc,
                largest ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle,
                held, v);
  auto cmpF = [&](FP p, Value x, Value y) -> Value {
    return arith::CmpFOp::create(b, loc, p, x, y);
  };
  if (largest) // isnan(held) || held >= v (false when v is NaN)
    return arith::OrIOp::create(b, loc, cmpF(FP::UNO, held, held),
                                cmpF(FP::OGE, held, v));
  // isnan(v) || held <= v (false when held is NaN)
  return arith::OrIOp::create(b, loc, cmpF(FP::UNO, v, v),
                              cmpF(FP::OLE, held, v));
}

/// For every position but the axis, an insertion into the sorted top `k`:
/// element `i` goes after the `p` held entries that stay ahead of it, the
/// entries from `p` on move down by one (the last falls off), O(d * k).
/// Unfilled entries (k larger than a dynamic axis) read 0 and index -1.
struct TopKLowering : public OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto valuesType = cast<RankedTensorType>(op.getValues().getType());
    Type elt = valuesType.getElementType(), i64 = rewriter.getI64Type();
    int64_t axis = op.getNormalizedAxis();
    int64_t k = op.getK();
    bool largest = op.getLargest();
    SmallVector<Value> dims = dimsOf(rewriter, loc, x);
    Value d = dims[axis];
    SmallVector<OpFoldResult> sizes = mixedSizesOf(rewriter, loc, x);
    sizes[axis] = rewriter.getIndexAttr(k);
    auto filled = [&](Type t, int64_t v) {
      Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, t);
      return linalg::FillOp::create(rewriter, loc,
                                    constantOf(rewriter, loc, t, v), empty)
          .getResult(0);
    };
    SmallVector<Value> inits = {filled(elt, 0), filled(i64, -1)};
    SmallVector<Value> outer(dims);
    outer.erase(outer.begin() + axis);
    SmallVector<Value> result = loopNest(
        rewriter, loc, outer, inits,
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) {
          auto loop = scf::ForOp::create(
              b, l, cst(b, l, 0), d, cst(b, l, 1), acc,
              [&](OpBuilder &fb, Location fl, Value i, ValueRange top) {
                SmallVector<Value> next =
                    insertIntoTop(fb, fl, x, ivs, axis, k, largest, i, top);
                scf::YieldOp::create(fb, fl, next);
              });
          return SmallVector<Value>(loop.getResults());
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// One step of the insertion: element `i` of the row at `ivs`, given the
  /// current top (values, indices); returns the new top.
  static SmallVector<Value> insertIntoTop(OpBuilder &b, Location l, Value x,
                                          ValueRange ivs, int64_t axis,
                                          int64_t k, bool largest, Value i,
                                          ValueRange top) {
    auto at = [&](Value j) { return withAt(ivs, axis, j); };
    Value v = tensor::ExtractOp::create(b, l, x, at(i));
    Value one = cst(b, l, 1);
    // Entries held so far, and how many of them stay ahead of v.
    Value held = arith::MinSIOp::create(b, l, i, cst(b, l, k));
    auto count = scf::ForOp::create(
        b, l, cst(b, l, 0), held, one, ValueRange{cst(b, l, 0)},
        [&](OpBuilder &cb, Location cl, Value t, ValueRange p) {
          Value h = tensor::ExtractOp::create(cb, cl, top[0], at(t));
          Value ahead = staysAhead(cb, cl, h, v, largest);
          Value inc = arith::AddIOp::create(cb, cl, p[0], cst(cb, cl, 1));
          scf::YieldOp::create(cb, cl, sel(cb, cl, ahead, inc, p[0]));
        });
    Value p = count.getResult(0);
    Value enters = cmpI(b, l, arith::CmpIPredicate::slt, p, cst(b, l, k));
    auto ifOp = scf::IfOp::create(
        b, l, enters,
        [&](OpBuilder &tb, Location tl) {
          // Move entries p .. last-1 to p+1 .. last, from the end.
          Value last = arith::MinSIOp::create(tb, tl, held, cst(tb, tl, k - 1));
          Value moves = arith::SubIOp::create(tb, tl, last, p);
          auto shift = scf::ForOp::create(
              tb, tl, cst(tb, tl, 0), moves, cst(tb, tl, 1), top,
              [&](OpBuilder &sb, Location sl, Value s, ValueRange cur) {
                Value to = arith::SubIOp::create(sb, sl, last, s);
                Value from = arith::SubIOp::create(sb, sl, to, cst(sb, sl, 1));
                SmallVector<Value> moved;
                for (Value t : cur) {
                  Value e = tensor::ExtractOp::create(sb, sl, t, at(from));
                  moved.push_back(
                      tensor::InsertOp::create(sb, sl, e, t, at(to)));
                }
                scf::YieldOp::create(sb, sl, moved);
              });
          Value index = arith::IndexCastOp::create(tb, tl, tb.getI64Type(), i);
          Value vals = tensor::InsertOp::create(tb, tl, v, shift.getResult(0),
                                                at(p));
          Value inds = tensor::InsertOp::create(tb, tl, index,
                                                shift.getResult(1), at(p));
          scf::YieldOp::create(tb, tl, ValueRange{vals, inds});
        },
        [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, top); });
    return SmallVector<Value>(ifOp.getResults());
  }
};

} // namespace

void mlir::kiln::detail::populateIndexingPatterns(RewritePatternSet &patterns) {
  patterns.add<GatherElementsLowering, GatherNDLowering,
               ScatterElementsLowering, ScatterNDLowering, CumSumLowering,
               TopKLowering>(patterns.getContext());
}
