//===- OnnxOpsElementwise.cpp - unary, binary, logic, cast ------*- C++ -*-===//
//
// ONNX elementwise ops onto kiln ops (see OnnxOps.h). Ops without a kiln
// counterpart are composed of kiln elementwise ops.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

LogicalResult push(FailureOr<Value> v, Outs &outs) {
  return pushResult(v, outs);
}

template <typename OpTy>
LogicalResult convertUnary(NodeContext &ctx, Outs &outs) {
  return push(ctx.create<OpTy>({ctx.input(0)}), outs);
}

template <typename OpTy>
LogicalResult convertBinary(NodeContext &ctx, Outs &outs) {
  auto operands = legacyBroadcastOperands(ctx);
  if (failed(operands))
    return failure();
  return push(ctx.create<OpTy>(*operands), outs);
}

/// Max, Min, Sum, Mean: n-ary with broadcasting, folded left to right.
template <typename OpTy>
LogicalResult convertVariadic(NodeContext &ctx, Outs &outs) {
  if (ctx.numInputs() == 0)
    return ctx.error() << "expects at least one input", failure();
  Value acc = ctx.input(0);
  for (unsigned i = 1; i < ctx.numInputs(); ++i) {
    auto next = ctx.create<OpTy>({acc, ctx.input(i)});
    if (failed(next))
      return failure();
    acc = *next;
  }
  if (ctx.numInputs() == 1)
    return push(ctx.create<IdentityOp>({acc}), outs);
  return push(acc, outs);
}

LogicalResult convertMean(NodeContext &ctx, Outs &outs) {
  SmallVector<Value> sum;
  if (failed(convertVariadic<AddOp>(ctx, sum)))
    return failure();
  Type elem = getElementTypeOrSelf(sum[0].getType());
  return push(ctx.create<DivOp>({sum[0], ctx.scalar(elem, ctx.numInputs())}),
              outs);
}

LogicalResult convertPow(NodeContext &ctx, Outs &outs) {
  Value base = ctx.input(0), exponent = ctx.input(1);
  Type elem = getElementTypeOrSelf(base.getType());
  if (getElementTypeOrSelf(exponent.getType()) != elem) {
    CastOp::Properties props;
    props.to = TypeAttr::get(elem);
    auto cast = ctx.create<CastOp>({exponent}, props);
    if (failed(cast))
      return failure();
    exponent = *cast;
  }
  return push(ctx.create<PowOp>({base, exponent}), outs);
}

LogicalResult convertMod(NodeContext &ctx, Outs &outs) {
  ModOp::Properties props;
  props.fmod = ctx.boolAttr(ctx.attrInt("fmod", 0) != 0);
  if (!props.fmod.getValue() &&
      isa<FloatType>(getElementTypeOrSelf(ctx.inputType(0))))
    return ctx.error() << "fmod must be 1 for floating-point inputs",
           failure();
  return push(ctx.create<ModOp>({ctx.input(0), ctx.input(1)}, props), outs);
}

LogicalResult convertWhere(NodeContext &ctx, Outs &outs) {
  return push(
      ctx.create<SelectOp>({ctx.input(0), ctx.input(1), ctx.input(2)}), outs);
}

LogicalResult convertCast(NodeContext &ctx, Outs &outs) {
  int64_t to = ctx.attrInt("to", 0);
  Type elem = elementTypeOf(ctx.getContext(), static_cast<int32_t>(to));
  if (!elem)
    return ctx.unsupported("cast to element type " +
                           onnxTypeName(static_cast<int32_t>(to)));
  return push(castTo(ctx, ctx.input(0), elem), outs);
}

LogicalResult convertCastLike(NodeContext &ctx, Outs &outs) {
  return push(castTo(ctx, ctx.input(0),
                     getElementTypeOrSelf(ctx.inputType(1))),
              outs);
}

LogicalResult convertLeakyRelu(NodeContext &ctx, Outs &outs) {
  LeakyReluOp::Properties props;
  props.alpha = ctx.f64Attr(ctx.attrFloat("alpha", 0.01));
  return push(ctx.create<LeakyReluOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertElu(NodeContext &ctx, Outs &outs) {
  EluOp::Properties props;
  props.alpha = ctx.f64Attr(ctx.attrFloat("alpha", 1.0));
  return push(ctx.create<EluOp>({ctx.input(0)}, props), outs);
}

/// Selu: gamma * elu(x, alpha).
LogicalResult convertSelu(NodeContext &ctx, Outs &outs) {
  EluOp::Properties props;
  props.alpha = ctx.f64Attr(ctx.attrFloat("alpha", 1.67326319217681884765625));
  auto elu = ctx.create<EluOp>({ctx.input(0)}, props);
  if (failed(elu))
    return failure();
  Type elem = getElementTypeOrSelf(ctx.inputType(0));
  return push(
      ctx.create<MulOp>(
          {*elu, ctx.scalar(elem, ctx.attrFloat("gamma",
                                                1.05070102214813232421875))}),
      outs);
}

/// Celu: alpha * elu(x / alpha, 1).
LogicalResult convertCelu(NodeContext &ctx, Outs &outs) {
  double alpha = ctx.attrFloat("alpha", 1.0);
  Type elem = getElementTypeOrSelf(ctx.inputType(0));
  auto scaled = ctx.create<DivOp>({ctx.input(0), ctx.scalar(elem, alpha)});
  if (failed(scaled))
    return failure();
  EluOp::Properties props;
  props.alpha = ctx.f64Attr(1.0);
  auto elu = ctx.create<EluOp>({*scaled}, props);
  if (failed(elu))
    return failure();
  return push(ctx.create<MulOp>({*elu, ctx.scalar(elem, alpha)}), outs);
}

LogicalResult convertHardSigmoid(NodeContext &ctx, Outs &outs) {
  HardSigmoidOp::Properties props;
  props.alpha = ctx.f64Attr(ctx.attrFloat("alpha", 0.2));
  props.beta = ctx.f64Attr(ctx.attrFloat("beta", 0.5));
  return push(ctx.create<HardSigmoidOp>({ctx.input(0)}, props), outs);
}

/// ThresholdedRelu: x > alpha ? x : 0.
LogicalResult convertThresholdedRelu(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  auto cond = ctx.create<GtOp>({x, ctx.scalar(elem, ctx.attrFloat("alpha", 1.0))});
  if (failed(cond))
    return failure();
  return push(ctx.create<SelectOp>({*cond, x, ctx.scalar(elem, 0)}), outs);
}

/// Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0).
LogicalResult convertShrink(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  double lambd = ctx.attrFloat("lambd", 0.5), bias = ctx.attrFloat("bias", 0.0);
  auto lo = ctx.create<LtOp>({x, ctx.scalar(elem, -lambd)});
  auto hi = ctx.create<GtOp>({x, ctx.scalar(elem, lambd)});
  auto plus = ctx.create<AddOp>({x, ctx.scalar(elem, bias)});
  auto minus = ctx.create<SubOp>({x, ctx.scalar(elem, bias)});
  if (failed(lo) || failed(hi) || failed(plus) || failed(minus))
    return failure();
  auto inner = ctx.create<SelectOp>({*hi, *minus, ctx.scalar(elem, 0)});
  if (failed(inner))
    return failure();
  return push(ctx.create<SelectOp>({*lo, *plus, *inner}), outs);
}

/// Softsign: x / (1 + |x|).
LogicalResult convertSoftsign(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  auto abs = ctx.create<AbsOp>({x});
  if (failed(abs))
    return failure();
  auto den = ctx.create<AddOp>({*abs, ctx.scalar(elem, 1)});
  if (failed(den))
    return failure();
  return push(ctx.create<DivOp>({x, *den}), outs);
}

/// PRelu: x < 0 ? slope * x : x (slope broadcasts to x).
LogicalResult convertPRelu(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0), slope = ctx.input(1);
  Type elem = getElementTypeOrSelf(x.getType());
  // A per-channel slope of shape [C] (as older exporters write it) applies
  // along dim 1.
  RankedTensorType xt = ctx.inputType(0), st = ctx.inputType(1);
  if (st.getRank() == 1 && xt.getRank() > 2 &&
      st.getDimSize(0) == xt.getDimSize(1) &&
      st.getDimSize(0) != xt.getDimSize(xt.getRank() - 1)) {
    SmallVector<int64_t> axes;
    for (int64_t i = 1; i < xt.getRank() - 1; ++i)
      axes.push_back(i);
    auto s = unsqueeze(ctx, slope, axes);
    if (failed(s))
      return failure();
    slope = *s;
  }
  auto neg = ctx.create<LtOp>({x, ctx.scalar(elem, 0)});
  auto scaled = ctx.create<MulOp>({x, slope});
  if (failed(neg) || failed(scaled))
    return failure();
  auto sel = ctx.create<SelectOp>({*neg, *scaled, x});
  if (failed(sel))
    return failure();
  // The result has x's shape (slope broadcasts unidirectionally).
  if ((*sel).getType() != x.getType())
    return ctx.error() << "slope does not broadcast to the input's shape",
           failure();
  return push(sel, outs);
}

/// Clip: min/max are attributes before opset 11, optional inputs from it.
/// Constant bounds become kiln.clip's attributes; others max/min ops.
LogicalResult convertClip(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  ClipOp::Properties props;
  SmallVector<std::pair<Value, bool>> dynamicBounds; // (bound, isMin)
  if (ctx.opset < 11) {
    if (ctx.hasAttr("min"))
      props.min = ctx.f64Attr(ctx.attrFloat("min", 0));
    if (ctx.hasAttr("max"))
      props.max = ctx.f64Attr(ctx.attrFloat("max", 0));
  } else {
    for (unsigned i : {1u, 2u}) {
      if (!ctx.hasInput(i))
        continue;
      if (const HostTensor *c = ctx.constInput(i)) {
        auto v = ctx.constFloats(i);
        if (failed(v) || v->size() != 1)
          return ctx.error() << "input " << i << " must be a scalar",
                 failure();
        (i == 1 ? props.min : props.max) = ctx.f64Attr((*v)[0]);
        (void)c;
      } else {
        dynamicBounds.push_back({ctx.input(i), i == 1});
      }
    }
  }
  Value result = x;
  if (props.min || props.max || dynamicBounds.empty()) {
    auto clip = ctx.create<ClipOp>({x}, props);
    if (failed(clip))
      return failure();
    result = *clip;
  }
  for (auto [bound, isMin] : dynamicBounds) {
    auto next = isMin ? ctx.create<MaxOp>({result, bound})
                      : ctx.create<MinOp>({result, bound});
    if (failed(next))
      return failure();
    result = *next;
  }
  (void)elem;
  return push(result, outs);
}

LogicalResult convertIsNaN(NodeContext &ctx, Outs &outs) {
  return push(ctx.create<NeOp>({ctx.input(0), ctx.input(0)}), outs);
}

LogicalResult convertIsInf(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  bool pos = ctx.attrInt("detect_positive", 1) != 0;
  bool neg = ctx.attrInt("detect_negative", 1) != 0;
  double inf = std::numeric_limits<double>::infinity();
  FailureOr<Value> result = failure();
  if (pos && neg) {
    auto abs = ctx.create<AbsOp>({x});
    if (failed(abs))
      return failure();
    result = ctx.create<EqOp>({*abs, ctx.scalar(elem, inf)});
  } else if (pos || neg) {
    result = ctx.create<EqOp>({x, ctx.scalar(elem, pos ? inf : -inf)});
  } else {
    result = ctx.create<NeOp>({x, x});
    if (succeeded(result))
      result = ctx.create<AndOp>({*result, ctx.scalar(ctx.b.getI1Type(), 0)});
  }
  return push(result, outs);
}

/// Tan, Sinh, Cosh, Asinh, Acosh, Atanh composed of exp, log, sin, cos.
LogicalResult convertTan(NodeContext &ctx, Outs &outs) {
  auto s = ctx.create<SinOp>({ctx.input(0)});
  auto c = ctx.create<CosOp>({ctx.input(0)});
  if (failed(s) || failed(c))
    return failure();
  return push(ctx.create<DivOp>({*s, *c}), outs);
}

template <bool IsSinh>
LogicalResult convertSinhCosh(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  auto ep = ctx.create<ExpOp>({x});
  auto nx = ctx.create<NegOp>({x});
  if (failed(ep) || failed(nx))
    return failure();
  auto en = ctx.create<ExpOp>({*nx});
  if (failed(en))
    return failure();
  auto combined = IsSinh ? ctx.create<SubOp>({*ep, *en})
                         : ctx.create<AddOp>({*ep, *en});
  if (failed(combined))
    return failure();
  return push(ctx.create<MulOp>({*combined, ctx.scalar(elem, 0.5)}), outs);
}

/// asinh(x) = sign(x) * log(|x| + sqrt(x^2 + 1));
/// acosh(x) = log(x + sqrt(x^2 - 1)).
template <bool IsAsinh>
LogicalResult convertAsinhAcosh(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  Value base = x;
  if (IsAsinh) {
    auto abs = ctx.create<AbsOp>({x});
    if (failed(abs))
      return failure();
    base = *abs;
  }
  auto sq = ctx.create<MulOp>({x, x});
  if (failed(sq))
    return failure();
  auto inner = ctx.create<AddOp>({*sq, ctx.scalar(elem, IsAsinh ? 1 : -1)});
  if (failed(inner))
    return failure();
  auto root = ctx.create<SqrtOp>({*inner});
  if (failed(root))
    return failure();
  auto sum = ctx.create<AddOp>({base, *root});
  if (failed(sum))
    return failure();
  auto log = ctx.create<LogOp>({*sum});
  if (failed(log))
    return failure();
  if (!IsAsinh)
    return push(log, outs);
  auto sign = ctx.create<SignOp>({x});
  if (failed(sign))
    return failure();
  return push(ctx.create<MulOp>({*sign, *log}), outs);
}

/// atanh(x) = 0.5 * log((1 + x) / (1 - x)).
LogicalResult convertAtanh(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type elem = getElementTypeOrSelf(x.getType());
  auto num = ctx.create<AddOp>({ctx.scalar(elem, 1), x});
  auto den = ctx.create<SubOp>({ctx.scalar(elem, 1), x});
  if (failed(num) || failed(den))
    return failure();
  auto q = ctx.create<DivOp>({*num, *den});
  if (failed(q))
    return failure();
  auto log = ctx.create<LogOp>({*q});
  if (failed(log))
    return failure();
  return push(ctx.create<MulOp>({*log, ctx.scalar(elem, 0.5)}), outs);
}

/// BitShift on unsigned integers: x * 2^y (LEFT) or x / 2^y (RIGHT).
LogicalResult convertBitShift(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0), y = ctx.input(1);
  Type elem = getElementTypeOrSelf(x.getType());
  if (!elem.isUnsignedInteger())
    return ctx.unsupported("BitShift on a signed type");
  std::string dir = ctx.attrString("direction", "");
  if (dir != "LEFT" && dir != "RIGHT")
    return ctx.error() << "direction must be LEFT or RIGHT", failure();
  auto factor = ctx.create<PowOp>({ctx.scalar(elem, 2), y});
  if (failed(factor))
    return failure();
  return push(dir == "LEFT" ? ctx.create<MulOp>({x, *factor})
                            : ctx.create<DivOp>({x, *factor}),
              outs);
}

const OnnxConverter kConverters[] = {
    {"BitShift", convertBitShift},
    {"Abs", convertUnary<AbsOp>},
    {"Neg", convertUnary<NegOp>},
    {"Exp", convertUnary<ExpOp>},
    {"Log", convertUnary<LogOp>},
    {"Sqrt", convertUnary<SqrtOp>},
    {"Reciprocal", convertUnary<ReciprocalOp>},
    {"Tanh", convertUnary<TanhOp>},
    {"Sigmoid", convertUnary<SigmoidOp>},
    {"Relu", convertUnary<ReluOp>},
    {"Erf", convertUnary<ErfOp>},
    {"Sin", convertUnary<SinOp>},
    {"Cos", convertUnary<CosOp>},
    {"Asin", convertUnary<AsinOp>},
    {"Acos", convertUnary<AcosOp>},
    {"Atan", convertUnary<AtanOp>},
    {"Tan", convertTan},
    {"Sinh", convertSinhCosh<true>},
    {"Cosh", convertSinhCosh<false>},
    {"Asinh", convertAsinhAcosh<true>},
    {"Acosh", convertAsinhAcosh<false>},
    {"Atanh", convertAtanh},
    {"Floor", convertUnary<FloorOp>},
    {"Ceil", convertUnary<CeilOp>},
    {"Round", convertUnary<RoundOp>},
    {"Sign", convertUnary<SignOp>},
    {"Not", convertUnary<NotOp>},
    {"Identity", convertUnary<IdentityOp>},
    {"Softplus", convertUnary<SoftplusOp>},
    {"HardSwish", convertUnary<HardSwishOp>},
    {"Softsign", convertSoftsign},
    {"LeakyRelu", convertLeakyRelu},
    {"Elu", convertElu},
    {"Selu", convertSelu},
    {"Celu", convertCelu},
    {"HardSigmoid", convertHardSigmoid},
    {"ThresholdedRelu", convertThresholdedRelu},
    {"Shrink", convertShrink},
    {"PRelu", convertPRelu},
    {"Clip", convertClip},
    {"IsNaN", convertIsNaN},
    {"IsInf", convertIsInf},
    {"Add", convertBinary<AddOp>},
    {"Sub", convertBinary<SubOp>},
    {"Mul", convertBinary<MulOp>},
    {"Div", convertBinary<DivOp>},
    {"Pow", convertPow},
    {"Mod", convertMod},
    {"Max", convertVariadic<MaxOp>},
    {"Min", convertVariadic<MinOp>},
    {"Sum", convertVariadic<AddOp>},
    {"Mean", convertMean},
    {"Equal", convertBinary<EqOp>},
    {"Less", convertBinary<LtOp>},
    {"LessOrEqual", convertBinary<LeOp>},
    {"Greater", convertBinary<GtOp>},
    {"GreaterOrEqual", convertBinary<GeOp>},
    {"And", convertBinary<AndOp>},
    {"Or", convertBinary<OrOp>},
    {"Xor", convertBinary<XorOp>},
    {"Where", convertWhere},
    {"Cast", convertCast},
    {"CastLike", convertCastLike},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::elementwiseConverters() {
  return kConverters;
}
