//===- JsonOpsElementwise.cpp - elementwise ops ---------------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h). Dtype
// constraints beyond the shared rules (bool operands of the logic ops, no
// bool in arithmetic) are left to the ops' verifiers, whose messages the
// importer prefixes with the node.
//
//===----------------------------------------------------------------------===//
#include "JsonOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {

/// Creates an op whose result type is its operand's (no inference
/// interface), with `props` set, and verifies it.
template <typename OpTy>
FailureOr<SmallVector<Value>> createSameType(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             typename OpTy::Properties props) {
  auto op = OpTy::create(b, loc, operands[0].getType(), operands, props);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>(op->getResults());
}

StringRef dtypeOf(Value v) {
  return getDtypeName(
      getDtypeCode(cast<ShapedType>(v.getType()).getElementType()));
}

bool isBool(Value v) {
  return cast<ShapedType>(v.getType()).getElementType().isInteger(1);
}

/// Logic ops (and, or, xor, not) take bool operands only.
template <typename OpTy, bool Unary>
FailureOr<SmallVector<Value>> buildLogic(OpBuilder &b, Location loc,
                                         ValueRange operands,
                                         const NodeAttrs &attrs) {
  for (Value v : operands) {
    if (!isBool(v)) {
      emitError(loc) << "expects bool inputs, got " << dtypeOf(v);
      return failure();
    }
  }
  if constexpr (Unary)
    return buildPlain<OpTy>(b, loc, operands, attrs);
  else
    return buildPlain<OpTy>(b, loc, operands, attrs);
}

/// Arithmetic takes every dtype but bool.
template <typename OpTy, bool Unary>
FailureOr<SmallVector<Value>> buildNumeric(OpBuilder &b, Location loc,
                                           ValueRange operands,
                                           const NodeAttrs &attrs) {
  if (isBool(operands[0])) {
    emitError(loc) << "expects numeric inputs, got bool";
    return failure();
  }
  if constexpr (Unary)
    return buildPlain<OpTy>(b, loc, operands, attrs);
  else
    return buildPlain<OpTy>(b, loc, operands, attrs);
}

FailureOr<SmallVector<Value>> buildSelect(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  if (!isBool(operands[0])) {
    emitError(loc) << "the condition (input 0) must be bool, got "
                   << dtypeOf(operands[0]);
    return failure();
  }
  if (dtypeOf(operands[1]) != dtypeOf(operands[2])) {
    emitError(loc) << "operand dtypes differ: " << dtypeOf(operands[1])
                   << " and " << dtypeOf(operands[2]);
    return failure();
  }
  return buildPlain<SelectOp>(b, loc, operands, attrs);
}

FailureOr<SmallVector<Value>> buildGelu(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  StringRef mode = attrs.getString("approximate").value_or("none");
  if (mode != "none" && mode != "tanh") {
    emitError(loc) << "attribute 'approximate' must be \"none\" or \"tanh\", "
                      "got \""
                   << mode << "\"";
    return failure();
  }
  GeluOp::Properties props;
  props.approximate = b.getStringAttr(mode);
  return createSameType<GeluOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildLeakyRelu(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             const NodeAttrs &attrs) {
  LeakyReluOp::Properties props;
  props.alpha = b.getF64FloatAttr(attrs.getFloat("alpha").value_or(0.01));
  return createSameType<LeakyReluOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildElu(OpBuilder &b, Location loc,
                                       ValueRange operands,
                                       const NodeAttrs &attrs) {
  EluOp::Properties props;
  props.alpha = b.getF64FloatAttr(attrs.getFloat("alpha").value_or(1.0));
  return createSameType<EluOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildHardSigmoid(OpBuilder &b, Location loc,
                                               ValueRange operands,
                                               const NodeAttrs &attrs) {
  HardSigmoidOp::Properties props;
  props.alpha = b.getF64FloatAttr(attrs.getFloat("alpha").value_or(0.2));
  props.beta = b.getF64FloatAttr(attrs.getFloat("beta").value_or(0.5));
  return createSameType<HardSigmoidOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildClip(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  if (isBool(operands[0])) {
    emitError(loc) << "expects numeric inputs, got bool";
    return failure();
  }
  ClipOp::Properties props;
  if (auto lo = attrs.getFloat("min"))
    props.min = b.getF64FloatAttr(*lo);
  if (auto hi = attrs.getFloat("max"))
    props.max = b.getF64FloatAttr(*hi);
  return createSameType<ClipOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildMod(OpBuilder &b, Location loc,
                                       ValueRange operands,
                                       const NodeAttrs &attrs) {
  if (isBool(operands[0])) {
    emitError(loc) << "expects numeric inputs, got bool";
    return failure();
  }
  ModOp::Properties props;
  props.fmod = b.getBoolAttr(attrs.getBool("fmod", false));
  return createOp<ModOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildCast(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  // `to` is required and typed by the importer; this is a second line.
  Type to = attrs.getDtype("to");
  if (!to) {
    emitError(loc) << "attribute 'to' (a dtype) is required";
    return failure();
  }
  CastOp::Properties props;
  props.to = TypeAttr::get(to);
  return createOp<CastOp>(b, loc, operands, props);
}

constexpr AttrSpec kGeluAttrs[] = {{"approximate", AttrKind::String, false}};
constexpr AttrSpec kAlphaAttrs[] = {{"alpha", AttrKind::Float, false}};
constexpr AttrSpec kHardSigmoidAttrs[] = {{"alpha", AttrKind::Float, false},
                                          {"beta", AttrKind::Float, false}};
constexpr AttrSpec kClipAttrs[] = {{"min", AttrKind::Float, false},
                                   {"max", AttrKind::Float, false}};
constexpr AttrSpec kModAttrs[] = {{"fmod", AttrKind::Bool, false}};
constexpr AttrSpec kCastAttrs[] = {{"to", AttrKind::Dtype, true}};

#define KILN_BINARY(NAME, OP, BUILD)                                           \
  {NAME, 2, 2, {}, DtypeRule::SameOperands, BUILD}
#define KILN_UNARY(NAME, OP, RULE) {NAME, 1, 1, {}, RULE, buildPlain<OP>}

const OpSpec kOps[] = {
    KILN_BINARY("add", AddOp, (buildNumeric<AddOp, false>)),
    KILN_BINARY("sub", SubOp, (buildNumeric<SubOp, false>)),
    KILN_BINARY("mul", MulOp, (buildNumeric<MulOp, false>)),
    KILN_BINARY("div", DivOp, (buildNumeric<DivOp, false>)),
    KILN_BINARY("max", MaxOp, (buildNumeric<MaxOp, false>)),
    KILN_BINARY("min", MinOp, (buildNumeric<MinOp, false>)),
    KILN_BINARY("pow", PowOp, (buildNumeric<PowOp, false>)),
    {"mod", 2, 2, kModAttrs, DtypeRule::SameOperands, buildMod},
    KILN_BINARY("eq", EqOp, buildPlain<EqOp>),
    KILN_BINARY("ne", NeOp, buildPlain<NeOp>),
    KILN_BINARY("lt", LtOp, buildPlain<LtOp>),
    KILN_BINARY("le", LeOp, buildPlain<LeOp>),
    KILN_BINARY("gt", GtOp, buildPlain<GtOp>),
    KILN_BINARY("ge", GeOp, buildPlain<GeOp>),
    KILN_BINARY("and", AndOp, (buildLogic<AndOp, false>)),
    KILN_BINARY("or", OrOp, (buildLogic<OrOp, false>)),
    KILN_BINARY("xor", XorOp, (buildLogic<XorOp, false>)),
    {"select", 3, 3, {}, DtypeRule::Any, buildSelect},
    {"where", 3, 3, {}, DtypeRule::Any, buildSelect},
    {"cast", 1, 1, kCastAttrs, DtypeRule::Any, buildCast},
    {"neg", 1, 1, {}, DtypeRule::Any, buildNumeric<NegOp, true>},
    {"abs", 1, 1, {}, DtypeRule::Any, buildNumeric<AbsOp, true>},
    {"relu", 1, 1, {}, DtypeRule::Any, buildNumeric<ReluOp, true>},
    {"sign", 1, 1, {}, DtypeRule::Any, buildNumeric<SignOp, true>},
    {"not", 1, 1, {}, DtypeRule::Any, buildLogic<NotOp, true>},
    KILN_UNARY("identity", IdentityOp, DtypeRule::Any),
    KILN_UNARY("exp", ExpOp, DtypeRule::Float),
    KILN_UNARY("tanh", TanhOp, DtypeRule::Float),
    KILN_UNARY("sigmoid", SigmoidOp, DtypeRule::Float),
    KILN_UNARY("log", LogOp, DtypeRule::Float),
    KILN_UNARY("sqrt", SqrtOp, DtypeRule::Float),
    KILN_UNARY("rsqrt", RsqrtOp, DtypeRule::Float),
    KILN_UNARY("reciprocal", ReciprocalOp, DtypeRule::Float),
    KILN_UNARY("erf", ErfOp, DtypeRule::Float),
    KILN_UNARY("sin", SinOp, DtypeRule::Float),
    KILN_UNARY("cos", CosOp, DtypeRule::Float),
    KILN_UNARY("asin", AsinOp, DtypeRule::Float),
    KILN_UNARY("acos", AcosOp, DtypeRule::Float),
    KILN_UNARY("atan", AtanOp, DtypeRule::Float),
    KILN_UNARY("floor", FloorOp, DtypeRule::Float),
    KILN_UNARY("ceil", CeilOp, DtypeRule::Float),
    KILN_UNARY("round", RoundOp, DtypeRule::Float),
    KILN_UNARY("hard_swish", HardSwishOp, DtypeRule::Float),
    KILN_UNARY("softplus", SoftplusOp, DtypeRule::Float),
    KILN_UNARY("silu", SiluOp, DtypeRule::Float),
    {"gelu", 1, 1, kGeluAttrs, DtypeRule::Float, buildGelu},
    {"leaky_relu", 1, 1, kAlphaAttrs, DtypeRule::Float, buildLeakyRelu},
    {"elu", 1, 1, kAlphaAttrs, DtypeRule::Float, buildElu},
    {"hard_sigmoid", 1, 1, kHardSigmoidAttrs, DtypeRule::Float,
     buildHardSigmoid},
    {"clip", 1, 1, kClipAttrs, DtypeRule::Any, buildClip},
};
#undef KILN_BINARY
#undef KILN_UNARY
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::elementwiseOps() { return kOps; }
