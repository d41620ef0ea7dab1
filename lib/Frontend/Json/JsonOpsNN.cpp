//===- JsonOpsNN.cpp - matmul, reductions, nn ops -------------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
#include "JsonOps.h"

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

constexpr AttrSpec kMatmulAttrs[] = {{"transpose_a", AttrKind::Bool, false},
                                     {"transpose_b", AttrKind::Bool, false}};
constexpr AttrSpec kReduceAttrs[] = {{"axes", AttrKind::IntOrIntList, false},
                                     {"keepdims", AttrKind::Bool, false}};
constexpr AttrSpec kSoftmaxAttrs[] = {{"axis", AttrKind::Int, false}};

const OpSpec kOps[] = {
    {"matmul", 2, 2, kMatmulAttrs, DtypeRule::SameOperands, buildMatmul},
    {"reduce_sum", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceSumOp>},
    {"reduce_mean", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceMeanOp>},
    {"reduce_max", 1, 1, kReduceAttrs, DtypeRule::Any,
     buildReduce<ReduceMaxOp>},
    {"softmax", 1, 1, kSoftmaxAttrs, DtypeRule::Float, buildSoftmax},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::nnOps() { return kOps; }
