//===- FastMath.cpp - inline approximations of math functions -*- C++ -*-===//
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
//   sin, cos
//          Kiln's own (below): the argument reduced in double precision
//          (upstream's reduces in single precision and loses all accuracy
//          for |x| beyond a few thousand), Cephes' polynomials.
//
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

/// `type` (a scalar or a vector) with `elt` elements.
Type withElement(Type type, Type elt) {
  if (auto vec = dyn_cast<VectorType>(type))
    return vec.clone(elt);
  return elt;
}

/// `type` (f32 or a vector of f32) with i32 elements.
Type i32Like(Type type) {
  return withElement(type, IntegerType::get(type.getContext(), 32));
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
  using OpRewritePattern::OpRewritePattern;

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

/// sin(x) or cos(x) on f32, within 2 ulp for |x| < 2^44 (see
/// docs/codegen.md). The argument is reduced in double precision: x = n pi/2
/// + r with n = round(x 2/pi) (an FMA with 1.5 2^52, whose low bits then
/// hold n mod 4) and r = x - n pi/2 in three FMA steps, pi/2 split in three
/// doubles: the first step is exact, so r is accurate to about 2^-53
/// absolutely. sin and cos of r (|r| <= pi/4) are Cephes' polynomials in
/// f32, and n mod 4 picks one of +-sin r, +-cos r. Past 2^44 (1.8e13, where
/// no ML model goes) the rounding of x 2/pi can pick the wrong n and r
/// leaves [-pi/4, pi/4]; it is clamped, so that the result stays in [-1, 1]
/// but is not sin x. NaN and +-inf give NaN.
template <typename Op, bool isSin>
struct SinCosF32 : public OpRewritePattern<Op> {
  using OpRewritePattern<Op>::OpRewritePattern;

  LogicalResult matchAndRewrite(Op op,
                                PatternRewriter &rewriter) const override {
    Type t = op.getType();
    if (!isF32(t))
      return rewriter.notifyMatchFailure(op, "not f32");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    MLIRContext *ctx = op.getContext();
    Type dt = withElement(t, Float64Type::get(ctx));
    Type i64t = withElement(t, IntegerType::get(ctx, 64));
    Type it = i32Like(t);
    auto c = [&](double v) { return constant(b, loc, t, v); };
    auto cd = [&](double v) { return constant(b, loc, dt, v); };
    auto ci = [&](int64_t v) { return constant(b, loc, it, (double)v); };
    using P = arith::CmpFPredicate;
    auto fma = [&](Value x, Value y, Value z) -> Value {
      return math::FmaOp::create(b, loc, x, y, z);
    };

    Value x = op.getOperand();
    Value xd = arith::ExtFOp::create(b, loc, dt, x);
    const double magic = 6755399441055744.0; // 1.5 2^52
    Value k = fma(xd, cd(M_2_PI), cd(magic));
    Value n = arith::SubFOp::create(b, loc, k, cd(magic));
    // pi/2 = p1 + p2 + p3 (each the double nearest what is left).
    const double p1 = 1.5707963267948966;
    const double p2 = 6.123233995736766e-17;
    const double p3 = -1.4973849048591698e-33;
    Value rd = fma(n, cd(-p1), xd);
    rd = fma(n, cd(-p2), rd);
    rd = fma(n, cd(-p3), rd);
    Value r = arith::TruncFOp::create(b, loc, t, rd);
    // Keeps |r| small past 2^44, where n may be off by one (NaN stays).
    Value bound = c(0.79);
    r = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::ULT, r, bound), r, bound);
    Value negBound = c(-0.79);
    r = arith::SelectOp::create(
        b, loc, arith::CmpFOp::create(b, loc, P::UGT, r, negBound), r,
        negBound);

    // sin r = r + r z S(z), cos r = 1 - z/2 + z^2 C(z), z = r^2 (Cephes).
    Value z = arith::MulFOp::create(b, loc, r, r);
    Value sp = fma(z, c(-1.9515295891E-4), c(8.3321608736E-3));
    sp = fma(sp, z, c(-1.6666654611E-1));
    Value sinR = fma(arith::MulFOp::create(b, loc, r, z), sp, r);
    Value cp = fma(z, c(2.443315711809948E-5), c(-1.388731625493765E-3));
    cp = fma(cp, z, c(4.166664568298827E-2));
    Value cosR = fma(arith::MulFOp::create(b, loc, z, z), cp,
                     fma(z, c(-0.5), c(1.0)));

    // The quadrant q = n mod 4 from the low bits of k (for cos, q + 1):
    // q odd takes the other function, q & 2 flips the sign.
    Value q = arith::TruncIOp::create(
        b, loc, it, arith::BitcastOp::create(b, loc, i64t, k));
    if (!isSin)
      q = arith::AddIOp::create(b, loc, q, ci(1));
    Value odd = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(b, loc, q, ci(1)), ci(0));
    Value y = arith::SelectOp::create(b, loc, odd, cosR, sinR);
    Value sign = arith::ShLIOp::create(
        b, loc, arith::AndIOp::create(b, loc, q, ci(2)), ci(30));
    y = arith::BitcastOp::create(
        b, loc, t,
        arith::XOrIOp::create(b, loc, arith::BitcastOp::create(b, loc, it, y),
                              sign));
    if (isSin) {
      // sin x rounds to x below 2^-12 (and keeps the sign of -0).
      Value tiny = arith::CmpFOp::create(
          b, loc, P::OLT, math::AbsFOp::create(b, loc, x), c(0x1p-12));
      y = arith::SelectOp::create(b, loc, tiny, x, y);
    }
    rewriter.replaceOp(op, y);
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

/// The functions whose upstream approximation is used.
bool upstream(StringRef name) {
  return llvm::is_contained(
      {math::TanhOp::getOperationName(), math::ErfOp::getOperationName(),
       math::LogOp::getOperationName(), math::Log2Op::getOperationName(),
       math::Log1pOp::getOperationName(), math::ExpM1Op::getOperationName()},
      name);
}

/// Every function approximated: upstream's and Kiln's own.
bool approximated(StringRef name) {
  return upstream(name) ||
         llvm::is_contained({math::ExpOp::getOperationName(),
                             math::SinOp::getOperationName(),
                             math::CosOp::getOperationName()},
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
    patterns.add<ExpF32, SinCosF32<math::SinOp, true>,
                 SinCosF32<math::CosOp, false>>(ctx);
    populateMathPolynomialApproximationPatterns(patterns, upstream);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([](Operation *op) { op->removeAttr(kPreparedAttr); });
  }
};

} // namespace
