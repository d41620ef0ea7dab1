//===- JsonOpsIndexing.cpp - gather/scatter, cumsum, topk -------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h). The
// ops' own inference reports shape and dtype problems; the builders check
// what reads better in the graph's vocabulary.
//
//===----------------------------------------------------------------------===//
#include "JsonConstants.h"
#include "JsonOps.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {

/// cumsum and topk compute on numbers; bool is not one.
LogicalResult rejectBool(Location loc, Value x) {
  if (getElementTypeOrSelf(x.getType()).isInteger(1))
    return emitError(loc) << "expects a numeric input, got bool";
  return success();
}

/// The scatters' `reduction`, checked against the allowed values.
FailureOr<StringAttr> reductionOf(OpBuilder &b, Location loc,
                                  const NodeAttrs &attrs) {
  StringRef r = attrs.getString("reduction").value_or("none");
  if (r != "none" && r != "add" && r != "mul" && r != "max" && r != "min")
    return emitError(loc) << "attribute 'reduction' must be one of \"none\", "
                             "\"add\", \"mul\", \"max\", \"min\", got \""
                          << r << "\"";
  return b.getStringAttr(r);
}

FailureOr<SmallVector<Value>> buildGatherElements(OpBuilder &b, Location loc,
                                                  ValueRange operands,
                                                  const NodeAttrs &attrs) {
  GatherElementsOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  return createOp<GatherElementsOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildScatterElements(OpBuilder &b, Location loc,
                                                   ValueRange operands,
                                                   const NodeAttrs &attrs) {
  ScatterElementsOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  auto reduction = reductionOf(b, loc, attrs);
  if (failed(reduction))
    return failure();
  props.reduction = *reduction;
  return createOp<ScatterElementsOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildGatherND(OpBuilder &b, Location loc,
                                            ValueRange operands,
                                            const NodeAttrs &attrs) {
  GatherNDOp::Properties props;
  props.batch_dims = b.getI64IntegerAttr(attrs.getInt("batch_dims", 0));
  return createOp<GatherNDOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildScatterND(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             const NodeAttrs &attrs) {
  ScatterNDOp::Properties props;
  auto reduction = reductionOf(b, loc, attrs);
  if (failed(reduction))
    return failure();
  props.reduction = *reduction;
  return createOp<ScatterNDOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildCumSum(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  if (failed(rejectBool(loc, operands[0])))
    return failure();
  CumSumOp::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  props.exclusive = b.getBoolAttr(attrs.getBool("exclusive", false));
  props.reverse = b.getBoolAttr(attrs.getBool("reverse", false));
  return createOp<CumSumOp>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildTopK(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  if (failed(rejectBool(loc, operands[0])))
    return failure();
  TopKOp::Properties props;
  props.k = b.getI64IntegerAttr(attrs.getInt("k", 0));
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", -1));
  props.largest = b.getBoolAttr(attrs.getBool("largest", true));
  props.sorted = b.getBoolAttr(attrs.getBool("sorted", true));
  return createOp<TopKOp>(b, loc, operands, props);
}

constexpr AttrSpec kAxisAttrs[] = {{"axis", AttrKind::Int, false}};
constexpr AttrSpec kScatterElementsAttrs[] = {
    {"axis", AttrKind::Int, false}, {"reduction", AttrKind::String, false}};
constexpr AttrSpec kGatherNDAttrs[] = {{"batch_dims", AttrKind::Int, false}};
constexpr AttrSpec kScatterNDAttrs[] = {
    {"reduction", AttrKind::String, false}};
constexpr AttrSpec kCumSumAttrs[] = {{"axis", AttrKind::Int, false},
                                     {"exclusive", AttrKind::Bool, false},
                                     {"reverse", AttrKind::Bool, false}};
constexpr AttrSpec kTopKAttrs[] = {{"k", AttrKind::Int, true},
                                   {"axis", AttrKind::Int, false},
                                   {"largest", AttrKind::Bool, false},
                                   {"sorted", AttrKind::Bool, false}};

const OpSpec kOps[] = {
    {"gather_elements", 2, 2, kAxisAttrs, DtypeRule::Any, buildGatherElements},
    {"scatter_elements", 3, 3, kScatterElementsAttrs, DtypeRule::Any,
     buildScatterElements},
    {"gather_nd", 2, 2, kGatherNDAttrs, DtypeRule::Any, buildGatherND},
    {"scatter_nd", 3, 3, kScatterNDAttrs, DtypeRule::Any, buildScatterND},
    {"cumsum", 1, 1, kCumSumAttrs, DtypeRule::Any, buildCumSum},
    {"topk", 1, 1, kTopKAttrs, DtypeRule::Any, buildTopK, /*numOutputs=*/2},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::indexingOps() { return kOps; }
