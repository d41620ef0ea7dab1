//===- FastMath.cpp - inline approximations of f32 math functions -*- C++ -*-===//
//
// Transcendental functions on f32 (and on f16/bf16, computed in f32) become
// straight-line arithmetic: no libm call is left in a kernel's loop, so LLVM's
// loop vectorizer can turn the loop into SIMD code.
//
//   exp    Kiln's own (below): n = round(x / ln 2), r = x - n ln 2 in two
//          FMA steps (Cody-Waite), e^r by the Cephes polynomial, times 2^n
//          applied as two powers of two so that results in the subnormal
//          range and the overflow to +inf are rounded like libm's.
//   log    upstream MLIR (Cephes polynomial); subnormal operands are scaled
//          by 2^23 first (upstream flushes them to the smallest normal).
//   erf    upstream MLIR (a rational function on each of three intervals),
//          with the sign of x copied onto the result (erf(-0) = -0).
//   tanh, log1p, expm1, log2
//          upstream MLIR (mlir/Dialect/Math/Transforms: Eigen's rational
//          tanh, Kahan's log1p, expm1 from exp and log).
//
// sin/cos stay libm calls: the upstream approximation reduces the argument
// in single precision and loses all accuracy for |x| beyond a few thousand.
// The measured errors and the bounds that test/e2e/fast_math.py asserts are
// in docs/codegen.md ("Fast math").
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFASTMATH
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {

/// `type` (f32 or a vector of f32) with i32 elements.
Type i32Like(Type type) {
  auto i32 = IntegerType::get(type.getContext(), 32);
  if (auto vec = dyn_cast<VectorType>(type))
    return vec.clone(i32);
  return i32;
}

/// A constant of `type` (scalar, or a splat vector) with value `v`.
Value constant(OpBuilder &b, Location loc, Type type, double v) {
  Type elt = getElementTypeOrSelf(type);
  TypedAttr scalar;
  if (isa<FloatType>(elt))
    scalar = b.getFloatAttr(elt, v);
  else
    scalar = b.getIntegerAttr(elt, static_cast<int64_t>(v));
  if (auto vec = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, loc, vec,
                                     SplatElementsAttr::get(vec, scalar));
  return arith::ConstantOp::create(b, loc, type, scalar);
}

bool isF32(Type type) { return getElementTypeOrSelf(type).isF32(); }

/// e^x on f32, within one ulp over the whole range (see the file comment
/// and docs/codegen.md). Branch-free; NaN in gives NaN out, +-inf give +inf
/// and 0, overflow gives +inf and underflow rounds through the subnormals
/// to 0.
struct ExpF32 : public OpRewritePattern<math::ExpOp> {
  // Ahead of upstream's ExpApproximation should both be registered.
  ExpF32(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/10) {}

  LogicalResult matchAndRewrite(math::ExpOp op,
                                PatternRewriter &rewriter) const override {
    Type t = op.getType();
    if (!isF32(t))
      return rewriter.notifyMatchFailure(op, "not f32");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto c = [&](double v) { return constant(b, loc, t, v); };
    Type it = i32Like(t);
    auto ci = [&](int64_t v) { return constant(b, loc, it, (double)v); };
    using P = arith::CmpFPredicate;
    auto fma = [&](Value x, Value y, Value z) -> Value {
      return math::FmaOp::create(b, loc, x, y, z);
    };

    Value x = op.getOperand();
    // Clamp to [-104, 89]: e^-104 is below half the smallest subnormal and
    // e^89 above the largest float, so the clamped inputs still give 0 and
    // +inf. Unordered compare-and-select: one max/min instruction on x86,
    // and a NaN stays NaN (it then propagates through every step below; the
    // integer steps are defined for any bits).
    Value lo = c(-104.0), hi = c(89.0);
    Value xc = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::UGT, x, lo), x, lo);
    xc = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::ULT, xc, hi), xc, hi);

    // n = round(x / ln 2), in [-150, 128]: adding 1.5 2^23 in the FMA
    // rounds the product to an integer (to nearest, ties to even) in the
    // low bits of k; k - 1.5 2^23 is n exactly, as a float, and the
    // difference of the bit patterns is n as an integer.
    const double magic = 12582912.0; // 1.5 2^23
    Value k = fma(xc, c(M_LOG2E), c(magic));
    Value n = arith::SubFOp::create(b, loc, k, c(magic));
    // r = x - n ln 2, |r| <= ln 2 / 2. ln 2 = hi + lo with hi the f32
    // nearest ln 2: the first FMA is exact, the second adds the tail.
    const float ln2Hi = static_cast<float>(M_LN2);
    const float ln2Lo = static_cast<float>(M_LN2 - (double)ln2Hi);
    Value r = fma(n, c(-(double)ln2Hi), xc);
    r = fma(n, c(-(double)ln2Lo), r);

    // e^r = 1 + r + r^2 P(r), Cephes' expf polynomial.
    Value p = fma(r, c(1.9875691500E-4), c(1.3981999507E-3));
    p = fma(p, r, c(8.3334519073E-3));
    p = fma(p, r, c(4.1665795894E-2));
    p = fma(p, r, c(1.6666665459E-1));
    p = fma(p, r, c(5.0000001201E-1));
    p = fma(p, arith::MulFOp::create(b, loc, r, r), r);
    p = arith::AddFOp::create(b, loc, p, c(1.0));

    // e^x = e^r 2^n1 2^n2 with n1 = floor(n / 2), n2 = n - n1: both powers
    // are normal floats for every n in range, the first product is exact
    // and the second rounds once (into the subnormals, or to +inf).
    Value ni = arith::SubIOp::create(
        b, loc, arith::BitcastOp::create(b, loc, it, k),
        ci(0x4B400000)); // the bits of 1.5 2^23
    Value n1 = arith::ShRSIOp::create(b, loc, ni, ci(1));
    Value n2 = arith::SubIOp::create(b, loc, ni, n1);
    auto pow2 = [&](Value e) -> Value {
      Value bits = arith::ShLIOp::create(
          b, loc, arith::AddIOp::create(b, loc, e, ci(127)), ci(23));
      return arith::BitcastOp::create(b, loc, t, bits);
    };
    rewriter.replaceOpWithNewOp<arith::MulFOp>(
        op, arith::MulFOp::create(b, loc, p, pow2(n1)), pow2(n2));
    return success();
  }
};

/// Marks the ops that the preparing patterns below have handled.
constexpr const char *kPreparedAttr = "kiln.fast_math_prepared";

/// log(x) for subnormal x: upstream's approximation clamps its operand to the
/// smallest normal float; log(x 2^23) - 23 ln 2 is exact up to the rounding
/// of the subtraction.
struct ScaleSubnormalLog : public OpRewritePattern<math::LogOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::LogOp op,
                                PatternRewriter &rewriter) const override {
    Type t = op.getType();
    if (!isF32(t) || op->hasAttr(kPreparedAttr))
      return failure();
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    auto c = [&](double v) { return constant(b, loc, t, v); };
    Value x = op.getOperand();
    Value tiny = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                       c(std::ldexp(1.0, -126)));
    Value scaled = arith::SelectOp::create(
        b, loc, tiny, arith::MulFOp::create(b, loc, x, c(std::ldexp(1.0, 23))),
        x);
    auto log = math::LogOp::create(b, loc, scaled, op.getFastmathAttr());
    log->setAttr(kPreparedAttr, b.getUnitAttr());
    Value shift = arith::SelectOp::create(b, loc, tiny, c(23.0 * M_LN2),
                                          c(0.0));
    rewriter.replaceOpWithNewOp<arith::SubFOp>(op, log, shift);
    return success();
  }
};

/// erf(-0) is -0: upstream's approximation returns +0 there. erf is odd and
/// the approximation's sign is right everywhere else, so copysign(erf(x), x)
/// only fixes the zero (and keeps NaN).
struct SignedZeroErf : public OpRewritePattern<math::ErfOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ErfOp op,
                                PatternRewriter &rewriter) const override {
    if (!isF32(op.getType()) || op->hasAttr(kPreparedAttr))
      return failure();
    auto erf = math::ErfOp::create(rewriter, op.getLoc(), op.getOperand(),
                                   op.getFastmathAttr());
    erf->setAttr(kPreparedAttr, rewriter.getUnitAttr());
    rewriter.replaceOpWithNewOp<math::CopySignOp>(op, erf, op.getOperand());
    return success();
  }
};

/// The functions approximated (upstream's patterns and ExpF32).
bool approximated(StringRef name) {
  return llvm::is_contained(
      {math::TanhOp::getOperationName(), math::ErfOp::getOperationName(),
       math::LogOp::getOperationName(), math::Log2Op::getOperationName(),
       math::Log1pOp::getOperationName(), math::ExpM1Op::getOperationName(),
       math::ExpOp::getOperationName()},
      name);
}

struct KilnFastMathPass
    : public kiln::impl::KilnFastMathBase<KilnFastMathPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // First f16 and bf16 move to f32 (extf, the function, truncf), the
    // graph's logs get their subnormal scaling and erfs their sign of zero;
    // the logs that the log1p and expm1 approximations create later do not
    // need the scaling (their operands are never subnormal, or their result
    // is not used for one).
    RewritePatternSet widen(ctx);
    populateMathF32ExpansionPatterns(widen, approximated);
    widen.add<ScaleSubnormalLog, SignedZeroErf>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(widen))))
      return signalPassFailure();

    RewritePatternSet patterns(ctx);
    patterns.add<ExpF32>(ctx);
    // Upstream's exp pattern has the lower benefit: ExpF32 wins.
    populateMathPolynomialApproximationPatterns(patterns, approximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](Operation *op) { op->removeAttr(kPreparedAttr); });
  }
};

} // namespace
