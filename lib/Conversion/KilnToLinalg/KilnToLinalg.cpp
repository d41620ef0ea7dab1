//===- KilnToLinalg.cpp - kiln ops to linalg on tensors ----------*- C++ -*-===//
#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/Conversion/Passes.h"
#include "Utils.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_CONVERTKILNTOLINALG
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

bool mlir::kiln::detail::isFloat(Type t) {
  return isa<FloatType>(getElementTypeOrSelf(t));
}

/// The map from a result's iteration space (rank `n`, shape `result`) to an
/// operand of shape `shape`, right-aligned: a size-1 operand dimension that
/// meets a larger one is broadcast (indexed by 0). Dynamic meets dynamic as
/// the same dimension (kiln-infer-symbolic-dims proved them equal).
AffineMap mlir::kiln::detail::broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> result) {
  unsigned n = result.size(), r = shape.size();
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < r; ++i) {
    unsigned j = n - r + i;
    if (shape[i] == 1 && result[j] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(j, ctx));
  }
  return AffineMap::get(n, 0, exprs, ctx);
}

/// Sizes of a broadcast result: static where the type says so, otherwise read
/// from an operand that has the dynamic dimension at the aligned position.
SmallVector<OpFoldResult> mlir::kiln::detail::broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  int64_t n = resultType.getRank();
  for (int64_t j = 0; j < n; ++j) {
    int64_t d = resultType.getDimSize(j);
    if (!ShapedType::isDynamic(d)) {
      sizes.push_back(b.getIndexAttr(d));
      continue;
    }
    OpFoldResult size;
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t i = t.getRank() - n + j;
      if (i >= 0 && t.isDynamicDim(i)) {
        size = tensor::getMixedSize(b, loc, v, i);
        break;
      }
    }
    assert(size && "dynamic result dimension without a dynamic source");
    sizes.push_back(size);
  }
  return sizes;
}

/// One linalg.generic computing `body` elementwise over broadcast operands.
Value mlir::kiln::detail::buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes =
      broadcastSizes(b, loc, resultType, operands);
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, resultType.getElementType());
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(broadcastMap(
        ctx, cast<RankedTensorType>(v.getType()).getShape(),
        resultType.getShape()));
  maps.push_back(AffineMap::getMultiDimIdentityMap(resultType.getRank(), ctx));
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value mlir::kiln::detail::constantOf(OpBuilder &b, Location loc, Type t, double v) {
  if (auto ft = dyn_cast<FloatType>(t))
    return arith::ConstantOp::create(b, loc, ft, b.getFloatAttr(ft, v));
  return arith::ConstantOp::create(b, loc, t,
                                   b.getIntegerAttr(t, (int64_t)v));
}

namespace {
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// Integer division that is defined everywhere: x / 0 is 0 (as in the
/// interpreter) rather than undefined behaviour.
Value safeDivSI(OpBuilder &b, Location loc, Value x, Value y) {
  Type t = x.getType();
  Value zero = constantOf(b, loc, t, 0), one = constantOf(b, loc, t, 1);
  Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
  Value safeY = arith::SelectOp::create(b, loc, isZero, one, y);
  Value q = arith::DivSIOp::create(b, loc, x, safeY);
  return arith::SelectOp::create(b, loc, isZero, zero, q);
}

Value scalarBinary(Operation *op, OpBuilder &b, Location loc, Value x,
                   Value y) {
  bool f = isFloat(x.getType());
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<AddOp>([&](auto) {
        return f ? (Value)arith::AddFOp::create(b, loc, x, y)
                 : (Value)arith::AddIOp::create(b, loc, x, y);
      })
      .Case<SubOp>([&](auto) {
        return f ? (Value)arith::SubFOp::create(b, loc, x, y)
                 : (Value)arith::SubIOp::create(b, loc, x, y);
      })
      .Case<MulOp>([&](auto) {
        return f ? (Value)arith::MulFOp::create(b, loc, x, y)
                 : (Value)arith::MulIOp::create(b, loc, x, y);
      })
      .Case<DivOp>([&](auto) {
        return f ? (Value)arith::DivFOp::create(b, loc, x, y)
                 : safeDivSI(b, loc, x, y);
      })
      .Case<MaxOp>([&](auto) {
        return f ? (Value)arith::MaximumFOp::create(b, loc, x, y)
                 : (Value)arith::MaxSIOp::create(b, loc, x, y);
      })
      .Case<MinOp>([&](auto) {
        return f ? (Value)arith::MinimumFOp::create(b, loc, x, y)
                 : (Value)arith::MinSIOp::create(b, loc, x, y);
      })
      .Default([](Operation *) -> Value { return nullptr; });
}

Value scalarUnary(Operation *op, OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  bool f = isFloat(t);
  return llvm::TypeSwitch<Operation *, Value>(op)
      .Case<NegOp>([&](auto) {
        return f ? (Value)arith::NegFOp::create(b, loc, x)
                 : (Value)arith::SubIOp::create(b, loc,
                                                constantOf(b, loc, t, 0), x);
      })
      .Case<ExpOp>([&](auto) { return math::ExpOp::create(b, loc, x); })
      .Case<TanhOp>([&](auto) { return math::TanhOp::create(b, loc, x); })
      .Case<SigmoidOp>([&](auto) {
        // 1 / (1 + e^-x): overflow of e^-x gives 1/inf = 0, never NaN.
        Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
        Value one = constantOf(b, loc, t, 1.0);
        return arith::DivFOp::create(b, loc, one,
                                     arith::AddFOp::create(b, loc, one, e));
      })
      .Case<ReluOp>([&](auto) {
        Value zero = constantOf(b, loc, t, 0);
        return f ? (Value)arith::MaximumFOp::create(b, loc, x, zero)
                 : (Value)arith::MaxSIOp::create(b, loc, x, zero);
      })
      .Default([](Operation *) -> Value { return nullptr; });
}

template <typename OpTy>
struct ElementwiseLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Operation *raw = op.getOperation();
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return args.size() == 1 ? scalarUnary(raw, b, loc, args[0])
                                  : scalarBinary(raw, b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BroadcastToLowering : public OpConversionPattern<BroadcastToOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastToOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getX(),
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConstantLowering : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(
        op, op.getType(), cast<TypedAttr>(op.getValue()));
    return success();
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

void mlir::kiln::populateKilnToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseLowering<AddOp>, ElementwiseLowering<SubOp>,
               ElementwiseLowering<MulOp>, ElementwiseLowering<DivOp>,
               ElementwiseLowering<MaxOp>, ElementwiseLowering<MinOp>,
               ElementwiseLowering<NegOp>, ElementwiseLowering<ExpOp>,
               ElementwiseLowering<TanhOp>, ElementwiseLowering<SigmoidOp>,
               ElementwiseLowering<ReluOp>, BroadcastToLowering,
               ConstantLowering>(ctx);
  detail::populateNNPatterns(patterns);
  detail::populateShapePatterns(patterns);
  detail::populateControlFlowPatterns(patterns);
}

namespace {
/// Element types the CPU code generator handles; the rest of the format's
/// dtypes (f16, bf16, u8, bool) are accepted by the dialect and the
/// interpreter but not lowered yet, and are reported instead of failing
/// somewhere inside the lowering.
bool isLowerableElementType(Type t) {
  return t.isF32() || t.isF64() || t.isSignlessInteger(8) ||
         t.isSignlessInteger(16) || t.isSignlessInteger(32) ||
         t.isSignlessInteger(64);
}

/// Reports every op with an element type it cannot lower, not only the first.
LogicalResult checkElementTypes(func::FuncOp func) {
  bool ok = true;
  func.walk([&](Operation *op) {
    if (!isa<KilnDialect>(op->getDialect()))
      return;
    for (Type t : llvm::concat<Type>(op->getOperandTypes(),
                                     op->getResultTypes())) {
      Type elt = getElementTypeOrSelf(t);
      if (!isLowerableElementType(elt)) {
        op->emitOpError("element type ")
            << elt << " is not supported by the CPU code generator yet "
            << "(supported: f32, f64, i8, i16, i32, i64)";
        ok = false;
        return;
      }
    }
  });
  return success(ok);
}

struct ConvertKilnToLinalgPass
    : public mlir::kiln::impl::ConvertKilnToLinalgBase<ConvertKilnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(checkElementTypes(getOperation())))
      return signalPassFailure();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<KilnDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect>();
    target.addLegalOp<func::ReturnOp>();
    RewritePatternSet patterns(ctx);
    populateKilnToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
