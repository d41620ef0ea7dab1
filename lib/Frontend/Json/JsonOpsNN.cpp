//===- JsonOpsNN.cpp - matmul, reductions, nn ops ---------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
#include "JsonOps.h"

#include "mlir/IR/TypeUtilities.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {

FailureOr<SmallVector<Value>> buildMatmul(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  MatmulOp::Properties props;
  props.transpose_a = b.getBoolAttr(attrs.getBool("transpose_a", false));
  props.transpose_b = b.getBoolAttr(attrs.getBool("transpose_b", false));
  return createOp<MatmulOp>(b, loc, operands, props);
}

template <typename OpTy>
FailureOr<SmallVector<Value>> buildReduce(OpBuilder &b, Location loc,
                                          ValueRange operands,
                                          const NodeAttrs &attrs) {
  typename OpTy::Properties props;
  if (auto axes = attrs.getList("axes"))
    props.axes = b.getDenseI64ArrayAttr(*axes);
  props.keepdims = b.getBoolAttr(attrs.getBool("keepdims", true));
  return createOp<OpTy>(b, loc, operands, props);
}

FailureOr<SmallVector<Value>> buildSoftmax(OpBuilder &b, Location loc,
                                           ValueRange operands,
                                           const NodeAttrs &attrs) {
  auto op = SoftmaxOp::create(b, loc, operands[0].getType(), operands[0],
                              b.getI64IntegerAttr(attrs.getInt("axis", -1)));
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>{op.getResult()};
}

FailureOr<SmallVector<Value>> buildLogSoftmax(OpBuilder &b, Location loc,
                                              ValueRange operands,
                                              const NodeAttrs &attrs) {
  auto op = LogSoftmaxOp::create(b, loc, operands[0].getType(), operands[0],
                                 b.getI64IntegerAttr(attrs.getInt("axis", -1)));
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>{op.getResult()};
}

DenseI64ArrayAttr optionalList(OpBuilder &b, const NodeAttrs &attrs,
                               StringRef name) {
  if (auto list = attrs.getList(name))
    return b.getDenseI64ArrayAttr(*list);
  return {};
}

/// conv and conv_transpose: the optional bias is the third input.
template <typename OpTy>
FailureOr<SmallVector<Value>> buildConv(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  typename OpTy::Properties props;
  props.strides = optionalList(b, attrs, "strides");
  props.pads = optionalList(b, attrs, "pads");
  props.dilations = optionalList(b, attrs, "dilations");
  if constexpr (std::is_same_v<OpTy, ConvTransposeOp>)
    props.output_padding = optionalList(b, attrs, "output_padding");
  props.groups = b.getI64IntegerAttr(attrs.getInt("groups", 1));
  props.auto_pad =
      b.getStringAttr(attrs.getString("auto_pad").value_or("NOTSET"));
  return createOp<OpTy>(b, loc, operands, props);
}

/// Ops on every numeric dtype but bool (max_pool, argmax, ...): the
/// importer's dtype rules have no such class, so say it here.
LogicalResult rejectBool(Location loc, Value x) {
  if (getElementTypeOrSelf(x.getType()).isInteger(1))
    return emitError(loc) << "expects a numeric input, got bool";
  return success();
}

template <typename OpTy>
FailureOr<SmallVector<Value>> buildNumeric(OpBuilder &b, Location loc,
                                           ValueRange operands,
                                           const NodeAttrs &attrs) {
  if (failed(rejectBool(loc, operands[0])))
    return failure();
  return buildPlain<OpTy>(b, loc, operands, attrs);
}

template <typename OpTy>
FailureOr<SmallVector<Value>> buildPool(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  if (failed(rejectBool(loc, operands[0])))
    return failure();
  typename OpTy::Properties props;
  props.kernel = optionalList(b, attrs, "kernel");
  props.strides = optionalList(b, attrs, "strides");
  props.pads = optionalList(b, attrs, "pads");
  props.ceil_mode = b.getBoolAttr(attrs.getBool("ceil_mode", false));
  if constexpr (std::is_same_v<OpTy, MaxPoolOp>)
    props.dilations = optionalList(b, attrs, "dilations");
  else
    props.count_include_pad =
        b.getBoolAttr(attrs.getBool("count_include_pad", false));
  return createOp<OpTy>(b, loc, operands, props);
}

template <typename OpTy>
FailureOr<SmallVector<Value>> buildArgReduce(OpBuilder &b, Location loc,
                                             ValueRange operands,
                                             const NodeAttrs &attrs) {
  if (failed(rejectBool(loc, operands[0])))
    return failure();
  typename OpTy::Properties props;
  props.axis = b.getI64IntegerAttr(attrs.getInt("axis", 0));
  props.keepdims = b.getBoolAttr(attrs.getBool("keepdims", true));
  return createOp<OpTy>(b, loc, operands, props);
}

template <typename OpTy>
FailureOr<SmallVector<Value>> buildNorm(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        const NodeAttrs &attrs) {
  typename OpTy::Properties props;
  props.epsilon = b.getF64FloatAttr(attrs.getFloat("epsilon").value_or(1e-5));
  if constexpr (std::is_same_v<OpTy, LayerNormOp>)
    props.axis = b.getI64IntegerAttr(attrs.getInt("axis", -1));
  return createOp<OpTy>(b, loc, operands, props);
}

constexpr AttrSpec kMatmulAttrs[] = {{"transpose_a", AttrKind::Bool, false},
                                     {"transpose_b", AttrKind::Bool, false}};
constexpr AttrSpec kReduceAttrs[] = {{"axes", AttrKind::IntOrIntList, false},
                                     {"keepdims", AttrKind::Bool, false}};
constexpr AttrSpec kSoftmaxAttrs[] = {{"axis", AttrKind::Int, false}};
constexpr AttrSpec kConvAttrs[] = {{"strides", AttrKind::IntList, false},
                                   {"pads", AttrKind::IntList, false},
                                   {"dilations", AttrKind::IntList, false},
                                   {"groups", AttrKind::Int, false},
                                   {"auto_pad", AttrKind::String, false}};
constexpr AttrSpec kConvTransposeAttrs[] = {
    {"strides", AttrKind::IntList, false},
    {"pads", AttrKind::IntList, false},
    {"dilations", AttrKind::IntList, false},
    {"output_padding", AttrKind::IntList, false},
    {"groups", AttrKind::Int, false},
    {"auto_pad", AttrKind::String, false}};
constexpr AttrSpec kMaxPoolAttrs[] = {{"kernel", AttrKind::IntList, true},
                                      {"strides", AttrKind::IntList, false},
                                      {"pads", AttrKind::IntList, false},
                                      {"dilations", AttrKind::IntList, false},
                                      {"ceil_mode", AttrKind::Bool, false}};
constexpr AttrSpec kAvgPoolAttrs[] = {
    {"kernel", AttrKind::IntList, true},
    {"strides", AttrKind::IntList, false},
    {"pads", AttrKind::IntList, false},
    {"ceil_mode", AttrKind::Bool, false},
    {"count_include_pad", AttrKind::Bool, false}};
constexpr AttrSpec kArgReduceAttrs[] = {{"axis", AttrKind::Int, false},
                                        {"keepdims", AttrKind::Bool, false}};
constexpr AttrSpec kLayerNormAttrs[] = {{"axis", AttrKind::Int, false},
                                        {"epsilon", AttrKind::Float, false}};
constexpr AttrSpec kBatchNormAttrs[] = {{"epsilon", AttrKind::Float, false}};

const OpSpec kOps[] = {
    {"matmul", 2, 2, kMatmulAttrs, DtypeRule::SameOperands, buildMatmul},
    {"reduce_sum", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceSumOp>},
    {"reduce_mean", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceMeanOp>},
    {"reduce_max", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceMaxOp>},
    {"reduce_min", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceMinOp>},
    {"reduce_prod", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceProdOp>},
    {"softmax", 1, 1, kSoftmaxAttrs, DtypeRule::Float, buildSoftmax},
    {"log_softmax", 1, 1, kSoftmaxAttrs, DtypeRule::Float, buildLogSoftmax},
    {"conv", 2, 3, kConvAttrs, DtypeRule::Float, buildConv<ConvOp>},
    {"conv_transpose", 2, 3, kConvTransposeAttrs, DtypeRule::Float,
     buildConv<ConvTransposeOp>},
    {"max_pool", 1, 1, kMaxPoolAttrs, DtypeRule::Any, buildPool<MaxPoolOp>},
    {"avg_pool", 1, 1, kAvgPoolAttrs, DtypeRule::Float, buildPool<AvgPoolOp>},
    {"global_avg_pool",
     1,
     1,
     {},
     DtypeRule::Float,
     buildPlain<GlobalAvgPoolOp>},
    {"global_max_pool",
     1,
     1,
     {},
     DtypeRule::Any,
     buildNumeric<GlobalMaxPoolOp>},
    {"argmax", 1, 1, kArgReduceAttrs, DtypeRule::Any, buildArgReduce<ArgMaxOp>},
    {"argmin", 1, 1, kArgReduceAttrs, DtypeRule::Any, buildArgReduce<ArgMinOp>},
    {"layer_norm", 3, 3, kLayerNormAttrs, DtypeRule::Float,
     buildNorm<LayerNormOp>},
    {"batch_norm", 5, 5, kBatchNormAttrs, DtypeRule::Float,
     buildNorm<BatchNormOp>},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::nnOps() { return kOps; }
