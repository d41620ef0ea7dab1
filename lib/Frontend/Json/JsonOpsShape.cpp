//===- JsonOpsShape.cpp - shape and data movement ops ---------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
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

constexpr AttrSpec kShapeAttrs[] = {{"shape", AttrKind::IntList, true}};
constexpr AttrSpec kTransposeAttrs[] = {{"perm", AttrKind::IntList, false}};

const OpSpec kOps[] = {
    {"reshape", 1, 1, kShapeAttrs, DtypeRule::Any, buildShaped<ReshapeOp>},
    {"transpose", 1, 1, kTransposeAttrs, DtypeRule::Any, buildTranspose},
    {"broadcast_to", 1, 1, kShapeAttrs, DtypeRule::Any,
     buildShaped<BroadcastToOp>},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::shapeOps() { return kOps; }
