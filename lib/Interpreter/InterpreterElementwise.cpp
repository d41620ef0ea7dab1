//===- InterpreterElementwise.cpp - elementwise kernels -------------*- C++ -*-===//
#include "Dispatch.h"
#include "KernelsElementwise.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

FailureOr<Status>
mlir::kiln::interp::runElementwiseKernel(Operation *op, ArrayRef<View> in,
                                         SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  auto unaryOp = [&](EwUnary kind, EwParams params = {}) {
    return ewUnary(kind, in[0], params, out);
  };
  auto binaryOp = [&](EwBinary kind) {
    return ewBinary(kind, in[0], in[1], out);
  };
  auto alpha = [](double a, double b = 0) {
    EwParams p;
    p.alpha = a;
    p.beta = b;
    return p;
  };
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](NegOp) { return unaryOp(EwUnary::Neg); })
      .Case([&](AbsOp) { return unaryOp(EwUnary::Abs); })
      .Case([&](ReluOp) { return unaryOp(EwUnary::Relu); })
      .Case([&](SignOp) { return unaryOp(EwUnary::Sign); })
      .Case([&](NotOp) { return unaryOp(EwUnary::Not); })
      .Case([&](IdentityOp) { return unaryOp(EwUnary::Identity); })
      .Case([&](ExpOp) { return unaryOp(EwUnary::Exp); })
      .Case([&](TanhOp) { return unaryOp(EwUnary::Tanh); })
      .Case([&](SigmoidOp) { return unaryOp(EwUnary::Sigmoid); })
      .Case([&](LogOp) { return unaryOp(EwUnary::Log); })
      .Case([&](SqrtOp) { return unaryOp(EwUnary::Sqrt); })
      .Case([&](RsqrtOp) { return unaryOp(EwUnary::Rsqrt); })
      .Case([&](ReciprocalOp) { return unaryOp(EwUnary::Reciprocal); })
      .Case([&](ErfOp) { return unaryOp(EwUnary::Erf); })
      .Case([&](SinOp) { return unaryOp(EwUnary::Sin); })
      .Case([&](CosOp) { return unaryOp(EwUnary::Cos); })
      .Case([&](AsinOp) { return unaryOp(EwUnary::Asin); })
      .Case([&](AcosOp) { return unaryOp(EwUnary::Acos); })
      .Case([&](AtanOp) { return unaryOp(EwUnary::Atan); })
      .Case([&](FloorOp) { return unaryOp(EwUnary::Floor); })
      .Case([&](CeilOp) { return unaryOp(EwUnary::Ceil); })
      .Case([&](RoundOp) { return unaryOp(EwUnary::Round); })
      .Case([&](HardSwishOp) { return unaryOp(EwUnary::HardSwish); })
      .Case([&](SoftplusOp) { return unaryOp(EwUnary::Softplus); })
      .Case([&](SiluOp) { return unaryOp(EwUnary::Silu); })
      .Case([&](GeluOp g) {
        return unaryOp(g.getApproximate() == "tanh" ? EwUnary::GeluTanh
                                                    : EwUnary::GeluErf);
      })
      .Case([&](LeakyReluOp l) {
        return unaryOp(EwUnary::LeakyRelu,
                       alpha(l.getAlpha().convertToDouble()));
      })
      .Case([&](EluOp e) {
        return unaryOp(EwUnary::Elu, alpha(e.getAlpha().convertToDouble()));
      })
      .Case([&](HardSigmoidOp h) {
        return unaryOp(EwUnary::HardSigmoid,
                       alpha(h.getAlpha().convertToDouble(),
                             h.getBeta().convertToDouble()));
      })
      .Case([&](ClipOp c) {
        EwParams p;
        if (auto lo = c.getMin())
          p.lo = lo->convertToDouble();
        if (auto hi = c.getMax())
          p.hi = hi->convertToDouble();
        return unaryOp(EwUnary::Clip, p);
      })
      .Case([&](AddOp) { return binaryOp(EwBinary::Add); })
      .Case([&](SubOp) { return binaryOp(EwBinary::Sub); })
      .Case([&](MulOp) { return binaryOp(EwBinary::Mul); })
      .Case([&](DivOp) { return binaryOp(EwBinary::Div); })
      .Case([&](MaxOp) { return binaryOp(EwBinary::Max); })
      .Case([&](MinOp) { return binaryOp(EwBinary::Min); })
      .Case([&](PowOp) { return binaryOp(EwBinary::Pow); })
      .Case([&](ModOp m) {
        return binaryOp(m.getFmod() ? EwBinary::FMod : EwBinary::Mod);
      })
      .Case([&](EqOp) { return binaryOp(EwBinary::Eq); })
      .Case([&](NeOp) { return binaryOp(EwBinary::Ne); })
      .Case([&](LtOp) { return binaryOp(EwBinary::Lt); })
      .Case([&](LeOp) { return binaryOp(EwBinary::Le); })
      .Case([&](GtOp) { return binaryOp(EwBinary::Gt); })
      .Case([&](GeOp) { return binaryOp(EwBinary::Ge); })
      .Case([&](AndOp) { return binaryOp(EwBinary::And); })
      .Case([&](OrOp) { return binaryOp(EwBinary::Or); })
      .Case([&](XorOp) { return binaryOp(EwBinary::Xor); })
      .Case([&](SelectOp) { return ewSelect(in[0], in[1], in[2], out); })
      .Case([&](CastOp c) {
        return ewCast(in[0], getDtypeCode(c.getTo()), out);
      })
      .Default([](Operation *) { return failure(); });
}
