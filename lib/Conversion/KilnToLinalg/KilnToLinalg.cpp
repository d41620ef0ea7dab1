//===- KilnToLinalg.cpp - kiln ops to linalg on tensors ----------*- C++ -*-===//
#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/Conversion/Passes.h"
#include "Utils.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

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
  // bool: any nonzero value is true (a wider integer would not fit in i1).
  int64_t i = t.isInteger(1) ? (v != 0) : (int64_t)v;
  return arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, i));
}

/// Every op of the elementwise family (lowered by ElementwiseLowering).
#define KILN_ELEMENTWISE_OPS                                                   \
  AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, ModOp, EqOp, NeOp, LtOp,    \
      LeOp, GtOp, GeOp, AndOp, OrOp, XorOp, NotOp, IdentityOp, NegOp, AbsOp,   \
      ReluOp, SignOp, ExpOp, TanhOp, SigmoidOp, LogOp, SqrtOp, RsqrtOp,        \
      ReciprocalOp, ErfOp, SinOp, CosOp, AsinOp, AcosOp, AtanOp, FloorOp,      \
      CeilOp, RoundOp, GeluOp, LeakyReluOp, EluOp, HardSigmoidOp, HardSwishOp, \
      SoftplusOp, SiluOp, ClipOp, SelectOp, CastOp

namespace {
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

/// How elements of a kiln dtype are held and computed on. arith needs
/// signless integers, so u8 is held as i8 (`storage`) and the ops that
/// depend on signedness pick their unsigned forms; f16 and bf16 are computed
/// in f32 (`compute`) and rounded back, which is what NumPy does for f16 and
/// keeps compiled code free of half-precision library helpers.
struct ElementKind {
  Type storage, compute;
  bool isUnsigned = false;

  bool isFloat() const { return isa<FloatType>(compute); }
  bool isBool() const { return storage.isInteger(1); }
  unsigned width() const { return storage.getIntOrFloatBitWidth(); }
};

ElementKind classify(Type t) {
  t = getElementTypeOrSelf(t);
  ElementKind k;
  if (auto it = dyn_cast<IntegerType>(t)) {
    k.isUnsigned = it.isUnsigned();
    k.storage = k.compute = IntegerType::get(t.getContext(), it.getWidth());
    return k;
  }
  k.storage = t;
  k.compute = t.isF16() || t.isBF16() ? Float32Type::get(t.getContext()) : t;
  return k;
}

RankedTensorType storageTensor(RankedTensorType t) {
  return t.clone(classify(t.getElementType()).storage);
}

/// Views a u8 tensor as i8 (same bytes). The casts become identities when
/// the pass erases unsigned types after the conversion.
Value castTensor(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  return UnrealizedConversionCastOp::create(b, loc, to, v).getResult(0);
}

//===----------------------------------------------------------------------===//
// Scalar helpers (inside linalg.generic bodies)
//===----------------------------------------------------------------------===//

Value cmpF(OpBuilder &b, Location loc, arith::CmpFPredicate p, Value x,
           Value y) {
  return arith::CmpFOp::create(b, loc, p, x, y);
}
Value cmpI(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
           Value y) {
  return arith::CmpIOp::create(b, loc, p, x, y);
}
Value sel(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}

/// Widens f16/bf16 to f32 (exact); other values pass.
Value extend(OpBuilder &b, Location loc, Value v, const ElementKind &k) {
  if (v.getType() == k.compute)
    return v;
  return arith::ExtFOp::create(b, loc, k.compute, v);
}

/// `x` (f64) rounded to f32 with round-to-odd: truncating the result again
/// to f16 or bf16 then rounds exactly once (f32 has more than twice their
/// precision plus two bits), where f64 -> f32 -> f16 by nearest would round
/// twice and sometimes differ from a direct conversion.
Value roundToOddF32(OpBuilder &b, Location loc, Value x) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value t = arith::TruncFOp::create(b, loc, f32, x);
  Value back = arith::ExtFOp::create(b, loc, x.getType(), t);
  Value inexact = cmpF(b, loc, arith::CmpFPredicate::UNE, back, x);
  // Nearest rounded away from zero: step back toward zero (the bit pattern
  // of a float's magnitude is monotonic), which gives truncation.
  Value away = cmpF(b, loc, arith::CmpFPredicate::OGT,
                    math::AbsFOp::create(b, loc, back),
                    math::AbsFOp::create(b, loc, x));
  Value bits = arith::BitcastOp::create(b, loc, i32, t);
  bits = sel(b, loc, away,
             arith::SubIOp::create(b, loc, bits, constantOf(b, loc, i32, 1)),
             bits);
  bits = sel(b, loc, inexact,
             arith::OrIOp::create(b, loc, bits, constantOf(b, loc, i32, 1)),
             bits);
  return arith::BitcastOp::create(b, loc, f32, bits);
}

/// Rounds a computed float to the storage type `to` (f16/bf16 from f32, or
/// from f64 through round-to-odd f32).
Value roundTo(OpBuilder &b, Location loc, Value v, Type to) {
  if (v.getType() == to)
    return v;
  unsigned from = v.getType().getIntOrFloatBitWidth();
  unsigned width = to.getIntOrFloatBitWidth();
  if (from < width)
    return arith::ExtFOp::create(b, loc, to, v);
  if (from == 64 && width == 16)
    v = roundToOddF32(b, loc, v);
  if (v.getType() == to)
    return v;
  return arith::TruncFOp::create(b, loc, to, v);
}

/// Integer division defined everywhere: x / 0 is 0 (as in the interpreter)
/// and MIN / -1 wraps to MIN, where arith (and the hardware) would trap.
Value safeDiv(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  Type t = x.getType();
  Value zero = constantOf(b, loc, t, 0), one = constantOf(b, loc, t, 1);
  Value isZero = cmpI(b, loc, arith::CmpIPredicate::eq, y, zero);
  if (isUnsigned) {
    Value q = arith::DivUIOp::create(b, loc, x, sel(b, loc, isZero, one, y));
    return sel(b, loc, isZero, zero, q);
  }
  Value isMinusOne =
      cmpI(b, loc, arith::CmpIPredicate::eq, y, constantOf(b, loc, t, -1));
  Value unsafe = arith::OrIOp::create(b, loc, isZero, isMinusOne);
  Value q = arith::DivSIOp::create(b, loc, x, sel(b, loc, unsafe, one, y));
  q = sel(b, loc, isMinusOne, arith::SubIOp::create(b, loc, zero, x), q);
  return sel(b, loc, isZero, zero, q);
}

/// Remainder with the sign of the divisor (`pythonMod`) or of the dividend;
/// an integer remainder by 0 is 0 and MIN % -1 is 0 (no trap).
Value modulo(OpBuilder &b, Location loc, Value x, Value y,
             const ElementKind &k, bool pythonMod) {
  Type t = x.getType();
  Value zero = constantOf(b, loc, t, 0);
  if (k.isFloat()) {
    // numpy.remainder: fmod, moved by one divisor when the signs differ; a
    // zero result takes the divisor's sign. NaN stays NaN.
    Value r = arith::RemFOp::create(b, loc, x, y);
    if (!pythonMod)
      return r;
    Value nonzero = cmpF(b, loc, arith::CmpFPredicate::ONE, r, zero);
    Value signsDiffer = arith::XOrIOp::create(
        b, loc, cmpF(b, loc, arith::CmpFPredicate::OLT, r, zero),
        cmpF(b, loc, arith::CmpFPredicate::OLT, y, zero));
    Value shifted = arith::AddFOp::create(b, loc, r, y);
    Value isZero = cmpF(b, loc, arith::CmpFPredicate::OEQ, r, zero);
    Value signedZero = math::CopySignOp::create(b, loc, zero, y);
    Value result = sel(b, loc, isZero, signedZero, r);
    return sel(b, loc, arith::AndIOp::create(b, loc, nonzero, signsDiffer),
               shifted, result);
  }
  Value one = constantOf(b, loc, t, 1);
  Value isZero = cmpI(b, loc, arith::CmpIPredicate::eq, y, zero);
  if (k.isUnsigned) {
    Value r = arith::RemUIOp::create(b, loc, x, sel(b, loc, isZero, one, y));
    return sel(b, loc, isZero, zero, r);
  }
  Value isMinusOne =
      cmpI(b, loc, arith::CmpIPredicate::eq, y, constantOf(b, loc, t, -1));
  Value unsafe = arith::OrIOp::create(b, loc, isZero, isMinusOne);
  Value r = arith::RemSIOp::create(b, loc, x, sel(b, loc, unsafe, one, y));
  r = sel(b, loc, unsafe, zero, r);
  if (!pythonMod)
    return r;
  Value nonzero = cmpI(b, loc, arith::CmpIPredicate::ne, r, zero);
  Value signsDiffer = cmpI(b, loc, arith::CmpIPredicate::slt,
                           arith::XOrIOp::create(b, loc, r, y), zero);
  return sel(b, loc, arith::AndIOp::create(b, loc, nonzero, signsDiffer),
             arith::AddIOp::create(b, loc, r, y), r);
}

/// x^y on integers by square-and-multiply over the exponent's bits,
/// unrolled (no loops inside the kernel body); products wrap. A negative
/// exponent gives 1/x^|y| truncated: 1 for x = 1, +-1 for x = -1, else 0.
Value integerPow(OpBuilder &b, Location loc, Value x, Value y,
                 const ElementKind &k) {
  Type t = x.getType();
  unsigned bits = k.width() - (k.isUnsigned ? 0 : 1);
  Value zero = constantOf(b, loc, t, 0), one = constantOf(b, loc, t, 1);
  Value result = one, base = x;
  for (unsigned i = 0; i < bits; ++i) {
    Value mask = arith::ConstantOp::create(
        b, loc, t, b.getIntegerAttr(t, APInt::getOneBitSet(k.width(), i)));
    Value bitSet = cmpI(b, loc, arith::CmpIPredicate::ne,
                        arith::AndIOp::create(b, loc, y, mask), zero);
    result = sel(b, loc, bitSet, arith::MulIOp::create(b, loc, result, base),
                 result);
    if (i + 1 < bits)
      base = arith::MulIOp::create(b, loc, base, base);
  }
  if (k.isUnsigned)
    return result;
  Value minusOne = constantOf(b, loc, t, -1);
  Value odd = cmpI(b, loc, arith::CmpIPredicate::ne,
                   arith::AndIOp::create(b, loc, y, one), zero);
  Value negative =
      sel(b, loc, cmpI(b, loc, arith::CmpIPredicate::eq, x, one), one,
          sel(b, loc, cmpI(b, loc, arith::CmpIPredicate::eq, x, minusOne),
              sel(b, loc, odd, minusOne, one), zero));
  return sel(b, loc, cmpI(b, loc, arith::CmpIPredicate::slt, y, zero),
             negative, result);
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y,
            const ElementKind &k) {
  if (k.isFloat())
    return arith::MaximumFOp::create(b, loc, x, y); // NaN propagating
  if (k.isUnsigned)
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y,
            const ElementKind &k) {
  if (k.isFloat())
    return arith::MinimumFOp::create(b, loc, x, y);
  if (k.isUnsigned)
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value sigmoidOf(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + e^-x): overflow of e^-x gives 1/inf = 0, never NaN.
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value one = constantOf(b, loc, x.getType(), 1.0);
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

/// An integer clip bound: whole (the verifier checked) and clamped to the
/// dtype's range.
Value intBound(OpBuilder &b, Location loc, double v, const ElementKind &k) {
  unsigned w = k.width();
  APInt lo = k.isUnsigned ? APInt::getMinValue(w) : APInt::getSignedMinValue(w);
  APInt hi = k.isUnsigned ? APInt::getMaxValue(w) : APInt::getSignedMaxValue(w);
  double dlo = k.isUnsigned ? lo.roundToDouble(false) : lo.roundToDouble(true);
  double dhi = k.isUnsigned ? hi.roundToDouble(false) : hi.roundToDouble(true);
  APInt value = v <= dlo ? lo : v >= dhi ? hi : APInt(w, (int64_t)v, true);
  return arith::ConstantOp::create(b, loc, k.storage,
                                   b.getIntegerAttr(k.storage, value));
}

/// Float to integer: truncation toward zero, saturating at the integer's
/// range, NaN to 0 (arith's fptosi/fptoui are poison out of range).
Value floatToInt(OpBuilder &b, Location loc, Value x, const ElementKind &to) {
  Type t = to.storage, ft = x.getType();
  unsigned w = to.width();
  double lo = to.isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
  double hi = std::ldexp(1.0, to.isUnsigned ? w : w - 1);
  APInt minV = to.isUnsigned ? APInt::getMinValue(w) : APInt::getSignedMinValue(w);
  APInt maxV = to.isUnsigned ? APInt::getMaxValue(w) : APInt::getSignedMaxValue(w);
  Value r = to.isUnsigned ? (Value)arith::FPToUIOp::create(b, loc, t, x)
                          : (Value)arith::FPToSIOp::create(b, loc, t, x);
  r = sel(b, loc,
          cmpF(b, loc, arith::CmpFPredicate::OGE, x, constantOf(b, loc, ft, hi)),
          arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, maxV)), r);
  r = sel(b, loc,
          cmpF(b, loc, arith::CmpFPredicate::OLT, x, constantOf(b, loc, ft, lo)),
          arith::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, minV)), r);
  return sel(b, loc, cmpF(b, loc, arith::CmpFPredicate::UNO, x, x),
             constantOf(b, loc, t, 0), r);
}

/// kiln.cast of one element held as `from.storage` to `to.storage`.
Value castElement(OpBuilder &b, Location loc, Value x, const ElementKind &from,
                  const ElementKind &to) {
  Type dst = to.storage;
  if (x.getType() == dst)
    return x; // same dtype, or u8 <-> i8 (same bits)
  if (to.isBool()) {
    if (from.isFloat()) // NaN is true, as bool(nan) in NumPy
      return cmpF(b, loc, arith::CmpFPredicate::UNE, extend(b, loc, x, from),
                  constantOf(b, loc, from.compute, 0.0));
    return cmpI(b, loc, arith::CmpIPredicate::ne, x,
                constantOf(b, loc, x.getType(), 0));
  }
  if (from.isFloat()) {
    Value v = extend(b, loc, x, from);
    if (to.isFloat())
      return roundTo(b, loc, v, dst);
    return floatToInt(b, loc, v, to);
  }
  // From an integer (bool is unsigned 0/1).
  bool isUnsigned = from.isUnsigned || from.isBool();
  if (to.isFloat()) {
    // Wide integers go through f64 so that f16/bf16 round once (see
    // roundToOddF32); narrow ones are exact in f32.
    Type via = dst.getIntOrFloatBitWidth() >= 32 ? dst
               : from.width() > 16           ? (Type)b.getF64Type()
                                              : (Type)b.getF32Type();
    Value v = isUnsigned ? (Value)arith::UIToFPOp::create(b, loc, via, x)
                         : (Value)arith::SIToFPOp::create(b, loc, via, x);
    return roundTo(b, loc, v, dst);
  }
  unsigned fw = from.width(), tw = to.width();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, dst, x);
  if (fw < tw)
    return isUnsigned ? (Value)arith::ExtUIOp::create(b, loc, dst, x)
                      : (Value)arith::ExtSIOp::create(b, loc, dst, x);
  return x;
}

/// The value of one element of a unary or binary op, computed in `k.compute`
/// (comparisons give i1).
Value computeElement(Operation *op, OpBuilder &b, Location loc, ValueRange a,
                     const ElementKind &k) {
  bool f = k.isFloat();
  Type t = k.compute;
  auto c = [&](double v) { return constantOf(b, loc, t, v); };
  auto cmpPred = [&](arith::CmpFPredicate fp, arith::CmpIPredicate sp,
                     arith::CmpIPredicate up) -> Value {
    if (f)
      return cmpF(b, loc, fp, a[0], a[1]);
    // bool compares as 0 < 1, i.e. unsigned.
    return cmpI(b, loc, k.isUnsigned || k.isBool() ? up : sp, a[0], a[1]);
  };
  using FP = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  return llvm::TypeSwitch<Operation *, Value>(op)
      // Binary arithmetic.
      .Case<AddOp>([&](auto) {
        return f ? (Value)arith::AddFOp::create(b, loc, a[0], a[1])
                 : (Value)arith::AddIOp::create(b, loc, a[0], a[1]);
      })
      .Case<SubOp>([&](auto) {
        return f ? (Value)arith::SubFOp::create(b, loc, a[0], a[1])
                 : (Value)arith::SubIOp::create(b, loc, a[0], a[1]);
      })
      .Case<MulOp>([&](auto) {
        return f ? (Value)arith::MulFOp::create(b, loc, a[0], a[1])
                 : (Value)arith::MulIOp::create(b, loc, a[0], a[1]);
      })
      .Case<DivOp>([&](auto) {
        return f ? (Value)arith::DivFOp::create(b, loc, a[0], a[1])
                 : safeDiv(b, loc, a[0], a[1], k.isUnsigned);
      })
      .Case<MaxOp>([&](auto) { return maxOf(b, loc, a[0], a[1], k); })
      .Case<MinOp>([&](auto) { return minOf(b, loc, a[0], a[1], k); })
      .Case<PowOp>([&](auto) {
        return f ? (Value)math::PowFOp::create(b, loc, a[0], a[1])
                 : integerPow(b, loc, a[0], a[1], k);
      })
      .Case<ModOp>([&](ModOp m) {
        return modulo(b, loc, a[0], a[1], k, !m.getFmod());
      })
      // Comparisons: ordered (NaN false) except ne (NaN true).
      .Case<EqOp>([&](auto) { return cmpPred(FP::OEQ, IP::eq, IP::eq); })
      .Case<NeOp>([&](auto) { return cmpPred(FP::UNE, IP::ne, IP::ne); })
      .Case<LtOp>([&](auto) { return cmpPred(FP::OLT, IP::slt, IP::ult); })
      .Case<LeOp>([&](auto) { return cmpPred(FP::OLE, IP::sle, IP::ule); })
      .Case<GtOp>([&](auto) { return cmpPred(FP::OGT, IP::sgt, IP::ugt); })
      .Case<GeOp>([&](auto) { return cmpPred(FP::OGE, IP::sge, IP::uge); })
      // Logic on i1.
      .Case<AndOp>([&](auto) {
        return arith::AndIOp::create(b, loc, a[0], a[1]);
      })
      .Case<OrOp>([&](auto) { return arith::OrIOp::create(b, loc, a[0], a[1]); })
      .Case<XorOp>([&](auto) {
        return arith::XOrIOp::create(b, loc, a[0], a[1]);
      })
      .Case<NotOp>([&](auto) {
        return arith::XOrIOp::create(b, loc, a[0], constantOf(b, loc, t, 1));
      })
      // Unary.
      .Case<IdentityOp>([&](auto) { return a[0]; })
      .Case<NegOp>([&](auto) {
        return f ? (Value)arith::NegFOp::create(b, loc, a[0])
                 : (Value)arith::SubIOp::create(b, loc, c(0), a[0]);
      })
      .Case<AbsOp>([&](auto) -> Value {
        if (f)
          return math::AbsFOp::create(b, loc, a[0]);
        if (k.isUnsigned)
          return a[0];
        return sel(b, loc, cmpI(b, loc, IP::slt, a[0], c(0)),
                   arith::SubIOp::create(b, loc, c(0), a[0]), a[0]);
      })
      .Case<ReluOp>([&](auto) { return maxOf(b, loc, a[0], c(0), k); })
      .Case<SignOp>([&](auto) -> Value {
        if (f) // 0, -0 and NaN stay as they are
          return sel(b, loc, cmpF(b, loc, FP::OGT, a[0], c(0)), c(1),
                     sel(b, loc, cmpF(b, loc, FP::OLT, a[0], c(0)), c(-1),
                         a[0]));
        Value positive = cmpI(b, loc, k.isUnsigned ? IP::ugt : IP::sgt, a[0],
                              c(0));
        Value negative = k.isUnsigned
                             ? (Value)arith::ConstantOp::create(
                                   b, loc, b.getBoolAttr(false))
                             : cmpI(b, loc, IP::slt, a[0], c(0));
        return sel(b, loc, positive, c(1), sel(b, loc, negative, c(-1), c(0)));
      })
      .Case<ExpOp>([&](auto) { return math::ExpOp::create(b, loc, a[0]); })
      .Case<TanhOp>([&](auto) { return math::TanhOp::create(b, loc, a[0]); })
      .Case<SigmoidOp>([&](auto) { return sigmoidOf(b, loc, a[0]); })
      .Case<LogOp>([&](auto) { return math::LogOp::create(b, loc, a[0]); })
      .Case<SqrtOp>([&](auto) { return math::SqrtOp::create(b, loc, a[0]); })
      .Case<RsqrtOp>([&](auto) {
        return arith::DivFOp::create(b, loc, c(1),
                                     math::SqrtOp::create(b, loc, a[0]));
      })
      .Case<ReciprocalOp>([&](auto) {
        return arith::DivFOp::create(b, loc, c(1), a[0]);
      })
      .Case<ErfOp>([&](auto) { return math::ErfOp::create(b, loc, a[0]); })
      .Case<SinOp>([&](auto) { return math::SinOp::create(b, loc, a[0]); })
      .Case<CosOp>([&](auto) { return math::CosOp::create(b, loc, a[0]); })
      .Case<AsinOp>([&](auto) { return math::AsinOp::create(b, loc, a[0]); })
      .Case<AcosOp>([&](auto) { return math::AcosOp::create(b, loc, a[0]); })
      .Case<AtanOp>([&](auto) { return math::AtanOp::create(b, loc, a[0]); })
      .Case<FloorOp>([&](auto) { return math::FloorOp::create(b, loc, a[0]); })
      .Case<CeilOp>([&](auto) { return math::CeilOp::create(b, loc, a[0]); })
      .Case<RoundOp>([&](auto) {
        return math::RoundEvenOp::create(b, loc, a[0]);
      })
      .Case<GeluOp>([&](GeluOp g) -> Value {
        Value x = a[0];
        Value inner;
        if (g.getApproximate() == "tanh") {
          // sqrt(2/pi) * (x + 0.044715 x^3)
          Value x3 = arith::MulFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, x, x));
          Value poly = arith::AddFOp::create(
              b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
          inner = math::TanhOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, c(0.7978845608028654), poly));
        } else {
          inner = math::ErfOp::create(
              b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
        }
        Value half = arith::MulFOp::create(b, loc, c(0.5), x);
        return arith::MulFOp::create(b, loc, half,
                                     arith::AddFOp::create(b, loc, c(1), inner));
      })
      .Case<LeakyReluOp>([&](LeakyReluOp l) {
        Value scaled = arith::MulFOp::create(
            b, loc, c(l.getAlpha().convertToDouble()), a[0]);
        return sel(b, loc, cmpF(b, loc, FP::OLT, a[0], c(0)), scaled, a[0]);
      })
      .Case<EluOp>([&](EluOp e) {
        Value em1 = arith::SubFOp::create(
            b, loc, math::ExpOp::create(b, loc, a[0]), c(1));
        Value scaled = arith::MulFOp::create(
            b, loc, c(e.getAlpha().convertToDouble()), em1);
        return sel(b, loc, cmpF(b, loc, FP::OLT, a[0], c(0)), scaled, a[0]);
      })
      .Case<HardSigmoidOp>([&](HardSigmoidOp h) {
        Value lin = arith::AddFOp::create(
            b, loc,
            arith::MulFOp::create(b, loc, c(h.getAlpha().convertToDouble()),
                                  a[0]),
            c(h.getBeta().convertToDouble()));
        return maxOf(b, loc, c(0), minOf(b, loc, c(1), lin, k), k);
      })
      .Case<HardSwishOp>([&](auto) {
        Value r6 = minOf(
            b, loc,
            maxOf(b, loc, arith::AddFOp::create(b, loc, a[0], c(3)), c(0), k),
            c(6), k);
        // x * (relu6(x + 3) / 6): scaling first keeps x * 6 from
        // overflowing near the top of the range.
        return arith::MulFOp::create(
            b, loc, a[0], arith::DivFOp::create(b, loc, r6, c(6)));
      })
      .Case<SoftplusOp>([&](auto) {
        // max(x, 0) + log1p(e^-|x|): e^-|x| <= 1 never overflows.
        Value e = math::ExpOp::create(
            b, loc,
            arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, a[0])));
        return arith::AddFOp::create(b, loc, maxOf(b, loc, a[0], c(0), k),
                                     math::Log1pOp::create(b, loc, e));
      })
      .Case<SiluOp>([&](auto) {
        return arith::MulFOp::create(b, loc, a[0], sigmoidOf(b, loc, a[0]));
      })
      .Case<ClipOp>([&](ClipOp cl) {
        Value v = a[0];
        auto bound = [&](double d) {
          return f ? c(d) : intBound(b, loc, d, k);
        };
        if (auto lo = cl.getMin())
          v = maxOf(b, loc, v, bound(lo->convertToDouble()), k);
        if (auto hi = cl.getMax())
          v = minOf(b, loc, v, bound(hi->convertToDouble()), k);
        return v;
      })
      .Default([](Operation *) -> Value { return nullptr; });
}

/// Lowers every op of the elementwise family to one linalg.generic over the
/// broadcast operands. u8 operands are viewed as i8 tensors around it.
template <typename OpTy>
struct ElementwiseLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Operation *raw = op.getOperation();
    auto resultType = cast<RankedTensorType>(op.getType());
    RankedTensorType storage = storageTensor(resultType);
    // The dtype the op computes on: that of its data operands (select's
    // operand 0 is the condition).
    ElementKind k =
        classify(raw->getOperand(isa<SelectOp>(raw) ? 1 : 0).getType());
    ElementKind out = classify(resultType.getElementType());
    SmallVector<Value> operands;
    for (Value v : adaptor.getOperands())
      operands.push_back(castTensor(
          rewriter, loc, v,
          storageTensor(cast<RankedTensorType>(v.getType()))));
    Value result = buildElementwise(
        rewriter, loc, storage, operands,
        [&](OpBuilder &b, Location nloc, ValueRange args) -> Value {
          if (isa<SelectOp>(raw))
            return sel(b, nloc, args[0], args[1], args[2]);
          if (isa<CastOp>(raw))
            return castElement(b, nloc, args[0], k, out);
          SmallVector<Value> xs;
          for (Value v : args)
            xs.push_back(extend(b, nloc, v, k));
          Value r = computeElement(raw, b, nloc, xs, k);
          return isa<FloatType>(r.getType())
                     ? roundTo(b, nloc, r, out.storage)
                     : r;
        });
    rewriter.replaceOp(op, castTensor(rewriter, loc, result, resultType));
    return success();
  }
};

template <typename... OpTys>
void addElementwise(RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<OpTys>...>(patterns.getContext());
}

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
  addElementwise<KILN_ELEMENTWISE_OPS>(patterns);
  patterns.add<BroadcastToLowering, ConstantLowering>(ctx);
  detail::populateNNPatterns(patterns);
  detail::populateShapePatterns(patterns);
  detail::populateControlFlowPatterns(patterns);
  detail::populateIndexingPatterns(patterns);
}

namespace {
/// Element types every lowering handles.
bool isCoreElementType(Type t) {
  return t.isF32() || t.isF64() || t.isSignlessInteger(8) ||
         t.isSignlessInteger(16) || t.isSignlessInteger(32) ||
         t.isSignlessInteger(64);
}

/// Whether `op` is a scatter whose updates combine with the data (any
/// reduction but "none").
bool isCombiningScatter(Operation *op) {
  if (auto s = dyn_cast<ScatterElementsOp>(op))
    return s.combinesElements();
  if (auto s = dyn_cast<ScatterNDOp>(op))
    return s.combinesElements();
  return false;
}

/// Ops whose lowering handles every dtype of the format (f16, bf16, u8 and
/// bool too): the elementwise family, ops that only move elements (scatters
/// without a reduction among them), and control flow (ops with regions,
/// e.g. kiln.if/kiln.while, and their terminators only pass values on;
/// their conditions are bool, and the ops inside the regions are checked on
/// their own).
bool handlesAllDtypes(Operation *op) {
  return (isa<KILN_ELEMENTWISE_OPS, ConstantOp, BroadcastToOp, ReshapeOp,
              TransposeOp, SqueezeOp, UnsqueezeOp, FlattenOp, ConcatOp,
              SplitOp, SliceOp, GatherOp, PadOp, TileOp, ResizeOp,
              GatherElementsOp, GatherNDOp, ScatterElementsOp,
              ScatterNDOp>(op) &&
          !isCombiningScatter(op)) ||
         op->getNumRegions() > 0 || op->hasTrait<OpTrait::IsTerminator>();
}

/// Whether the lowering of `op` (not one of handlesAllDtypes) takes `t`:
/// the core types, and bool for scatter reductions (logic).
bool handlesElementType(Operation *op, Type t) {
  return isCoreElementType(t) || (t.isInteger(1) && isCombiningScatter(op));
}

/// Reports every op with an element type it cannot lower, not only the first.
LogicalResult checkElementTypes(func::FuncOp func) {
  bool ok = true;
  func.walk([&](Operation *op) {
    if (!isa<KilnDialect>(op->getDialect()) || handlesAllDtypes(op))
      return;
    for (Type t : llvm::concat<Type>(op->getOperandTypes(),
                                     op->getResultTypes())) {
      Type elt = getElementTypeOrSelf(t);
      if (!handlesElementType(op, elt)) {
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

/// After the conversion only upstream ops remain; u8 becomes i8 everywhere
/// (signature, block arguments, constants), since arith and LLVM know only
/// signless integers. The patterns already chose unsigned arithmetic where
/// it matters, and the views they put around it become identities.
void eraseUnsignedTypes(func::FuncOp func) {
  AttrTypeReplacer replacer;
  replacer.addReplacement([](IntegerType t) -> std::optional<Type> {
    if (!t.isUnsigned())
      return std::nullopt;
    return IntegerType::get(t.getContext(), t.getWidth());
  });
  // Dense payloads keep their bytes under the new type (not reached by the
  // generic replacement, which would leave the constant's value and result
  // types apart).
  auto retyped = [&](ShapedType t) {
    return cast<ShapedType>(replacer.replace(t));
  };
  replacer.addReplacement(
      [&](DenseIntElementsAttr a) -> std::optional<Attribute> {
        if (!a.getElementType().isUnsignedInteger())
          return std::nullopt;
        return a.bitcast(retyped(a.getType()).getElementType());
      });
  replacer.addReplacement(
      [&](DenseResourceElementsAttr a) -> std::optional<Attribute> {
        if (!a.getElementType().isUnsignedInteger())
          return std::nullopt;
        return DenseResourceElementsAttr::get(retyped(a.getType()),
                                              a.getRawHandle());
      });
  replacer.recursivelyReplaceElementsIn(func, /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);
  func.walk([](UnrealizedConversionCastOp cast) {
    if (cast->getNumOperands() == 1 && cast->getNumResults() == 1 &&
        cast.getOperand(0).getType() == cast.getResult(0).getType()) {
      cast.getResult(0).replaceAllUsesWith(cast.getOperand(0));
      cast->erase();
    }
  });
}

struct ConvertKilnToLinalgPass
    : public mlir::kiln::impl::ConvertKilnToLinalgBase<ConvertKilnToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    func::FuncOp func = getOperation();
    if (failed(checkElementTypes(func)))
      return signalPassFailure();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<KilnDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect>();
    // The patterns' u8 -> i8 views (see eraseUnsignedTypes).
    target.addLegalOp<func::ReturnOp, UnrealizedConversionCastOp>();
    RewritePatternSet patterns(ctx);
    populateKilnToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(func, target, std::move(patterns))))
      return signalPassFailure();
    eraseUnsignedTypes(func);
    // bf16 <-> f32 conversions as integer bit operations: LLVM would call
    // __truncsfbf2, which Debian 12's libgcc lacks.
    RewritePatternSet bf16(ctx);
    arith::populateExpandBFloat16Patterns(bf16);
    walkAndApplyPatterns(func, std::move(bf16));
  }
};
} // namespace
