//===- JsonOpsShape.cpp - shape and data movement ops ---------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
#include "JsonConstants.h"
#include "JsonOps.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {

/// reshape and broadcast_to: a required `shape`.
template <typename OpTy>
FailureOr<SmallVector<Value>> buildShaped(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  typename OpTy::Properties props;
  props.shape = b.getDenseI64ArrayAttr(*attrs.getList("shape"));
  return createOp<OpTy>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildTranspose(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             const NodeAttrs &attrs) {
  TransposeOp::Properties props;
  if (auto perm = attrs.getList("perm"))
    props.perm = b.getDenseI64ArrayAttr(*perm);
  return createOp<TransposeOp>(b, loc, operands, props);
}

/// Ops with one optional list attribute.
FailureOr<SmallVector<Value>> buildSqueeze(OpBuilder &b, Location loc,
                                           ValueRange operands,
                                           const NodeAttrs &attrs) {
  SqueezeOp::Properties props;
  if (auto axes = attrs.getList("axes"))
    props.axes = b.getDenseI64ArrayAttr(*axes);
  return createOp<SqueezeOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildUnsqueeze(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             const NodeAttrs &attrs) {
  UnsqueezeOp::Properties props;
  props.axes = b.getDenseI64ArrayAttr(*attrs.getList("axes"));
  return createOp<UnsqueezeOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildFlatten(OpBuilder &b, Location loc,
                                           ValueRange operands,
                                           const NodeAttrs &attrs) {
  FlattenOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 1));
  return createOp<FlattenOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildConcat(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  ConcatOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  return createOp<ConcatOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildSplit(OpBuilder &b, Location loc,
                                         ValueRange operands,
                                         const NodeAttrs &attrs) {
  SplitOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  if (auto sizes = attrs.getList("sizes")) {
    if (sizes->size() != attrs.numOutputs)
      return emitError(loc) << "sizes has " << sizes->size()
                            << " entries but the node has "
                            << attrs.numOutputs << " outputs";
    props.sizes = b.getDenseI64ArrayAttr(*sizes);
  } else {
    props.num_outputs = b.getI64IntegerAttr(attrs.numOutputs);
  }
  return createOp<SplitOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildSlice(OpBuilder &b, Location loc,
                                         ValueRange operands,
                                         const NodeAttrs &attrs) {
  SliceOp::Properties props;
  props.starts = b.getDenseI64ArrayAttr(*attrs.getList("starts"));
  props.ends = b.getDenseI64ArrayAttr(*attrs.getList("ends"));
  if (auto axes = attrs.getList("axes"))
    props.axes = b.getDenseI64ArrayAttr(*axes);
  if (auto steps = attrs.getList("steps"))
    props.steps = b.getDenseI64ArrayAttr(*steps);
  return createOp<SliceOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildGather(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  Type idx = cast<ShapedType>(operands[1].getType()).getElementType();
  if (!idx.isSignlessInteger(32) && !idx.isSignlessInteger(64))
    return emitError(loc) << "indices must be i32 or i64, got "
                          << dtypeName(idx);
  GatherOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  return createOp<GatherOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildPad(OpBuilder &b, Location loc,
                                       ValueRange operands,
                                       const NodeAttrs &attrs) {
  PadOp::Properties props;
  props.pads = b.getDenseI64ArrayAttr(*attrs.getList("pads"));
  StringRef mode = attrs.getString("mode").value_or("constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return emitError(loc) << "attribute 'mode' must be \"constant\", "
                             "\"reflect\" or \"edge\", got \""
                          << mode << "\"";
  props.mode = b.getStringAttr(mode);
  props.value = b.getF64FloatAttr(attrs.getFloat("value").value_or(0.0));
  return createOp<PadOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildTile(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  TileOp::Properties props;
  props.repeats = b.getDenseI64ArrayAttr(*attrs.getList("repeats"));
  return createOp<TileOp>(b, loc, operands, props);
}

/// The value of string attribute `name`, checked against `allowed`.
FailureOr<StringRef> oneOf(Location loc, const NodeAttrs &attrs,
                           StringRef name, StringRef dflt,
                           ArrayRef<StringRef> allowed) {
  StringRef v = attrs.getString(name).value_or(dflt);
  if (llvm::is_contained(allowed, v))
    return v;
  auto diag = emitError(loc) << "attribute '" << name << "' must be one of ";
  llvm::interleaveComma(allowed, diag,
                        [&](StringRef a) { diag << "\"" << a << "\""; });
  return diag << ", got \"" << v << "\"";
}

FailureOr<SmallVector<Value>> buildResize(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  ResizeOp::Properties props;
  auto scales = attrs.getFloatList("scales");
  auto sizes = attrs.getList("sizes");
  if (scales.has_value() == sizes.has_value())
    return emitError(loc) << "needs exactly one of the attributes 'scales' "
                             "and 'sizes'";
  if (scales)
    props.scales = b.getDenseF64ArrayAttr(*scales);
  if (sizes)
    props.sizes = b.getDenseI64ArrayAttr(*sizes);
  auto mode = oneOf(loc, attrs, "mode", "nearest",
                    {"nearest", "linear", "cubic"});
  auto ct = oneOf(loc, attrs, "coordinate_transformation_mode", "half_pixel",
                  {"half_pixel", "asymmetric", "align_corners",
                   "pytorch_half_pixel", "tf_half_pixel_for_nearest",
                   "tf_crop_and_resize"});
  auto nm = oneOf(loc, attrs, "nearest_mode", "round_prefer_floor",
                  {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
  if (failed(mode) || failed(ct) || failed(nm))
    return failure();
  props.mode = b.getStringAttr(*mode);
  props.coordinate_transformation_mode = b.getStringAttr(*ct);
  props.nearest_mode = b.getStringAttr(*nm);
  props.cubic_coeff_a =
      b.getF64FloatAttr(attrs.getFloat("cubic_coeff_a").value_or(-0.75));
  props.exclude_outside =
      b.getBoolAttr(attrs.getBool("exclude_outside", false));
  if (auto roi = attrs.getFloatList("roi"))
    props.roi = b.getDenseF64ArrayAttr(*roi);
  props.extrapolation_value =
      b.getF64FloatAttr(attrs.getFloat("extrapolation_value").value_or(0.0));
  return createOp<ResizeOp>(b, loc, operands, props);
}

constexpr AttrSpec kShapeAttrs[] = {{"shape", AttrKind::IntList, true}};
constexpr AttrSpec kTransposeAttrs[] = {{"perm", AttrKind::IntList, false}};
constexpr AttrSpec kSqueezeAttrs[] = {{"axes", AttrKind::IntOrIntList, false}};
constexpr AttrSpec kUnsqueezeAttrs[] = {
    {"axes", AttrKind::IntOrIntList, true}};
constexpr AttrSpec kAxisAttrs[] = {{"axis", AttrKind::Int, false}};
constexpr AttrSpec kConcatAttrs[] = {{"axis", AttrKind::Int, true}};
constexpr AttrSpec kSplitAttrs[] = {{"axis", AttrKind::Int, false},
                                    {"sizes", AttrKind::IntList, false}};
constexpr AttrSpec kSliceAttrs[] = {{"starts", AttrKind::IntList, true},
                                    {"ends", AttrKind::IntList, true},
                                    {"axes", AttrKind::IntList, false},
                                    {"steps", AttrKind::IntList, false}};
constexpr AttrSpec kPadAttrs[] = {{"pads", AttrKind::IntList, true},
                                  {"mode", AttrKind::String, false},
                                  {"value", AttrKind::Float, false}};
constexpr AttrSpec kTileAttrs[] = {{"repeats", AttrKind::IntList, true}};
constexpr AttrSpec kResizeAttrs[] = {
    {"scales", AttrKind::FloatList, false},
    {"sizes", AttrKind::IntList, false},
    {"mode", AttrKind::String, false},
    {"coordinate_transformation_mode", AttrKind::String, false},
    {"nearest_mode", AttrKind::String, false},
    {"cubic_coeff_a", AttrKind::Float, false},
    {"exclude_outside", AttrKind::Bool, false},
    {"roi", AttrKind::FloatList, false},
    {"extrapolation_value", AttrKind::Float, false}};

const OpSpec kOps[] = {
    {"reshape", 1, 1, kShapeAttrs, DtypeRule::Any, buildShaped<ReshapeOp>},
    {"transpose", 1, 1, kTransposeAttrs, DtypeRule::Any, buildTranspose},
    {"broadcast_to", 1, 1, kShapeAttrs, DtypeRule::Any,
     buildShaped<BroadcastToOp>},
    {"squeeze", 1, 1, kSqueezeAttrs, DtypeRule::Any, buildSqueeze},
    {"unsqueeze", 1, 1, kUnsqueezeAttrs, DtypeRule::Any, buildUnsqueeze},
    {"flatten", 1, 1, kAxisAttrs, DtypeRule::Any, buildFlatten},
    {"concat", 1, ~0u, kConcatAttrs, DtypeRule::SameOperands, buildConcat},
    {"split", 1, 1, kSplitAttrs, DtypeRule::Any, buildSplit, kAnyOutputs},
    {"slice", 1, 1, kSliceAttrs, DtypeRule::Any, buildSlice},
    {"gather", 2, 2, kAxisAttrs, DtypeRule::Any, buildGather},
    {"pad", 1, 1, kPadAttrs, DtypeRule::Any, buildPad},
    {"tile", 1, 1, kTileAttrs, DtypeRule::Any, buildTile},
    {"resize", 1, 1, kResizeAttrs, DtypeRule::Any, buildResize},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::shapeOps() { return kOps; }
