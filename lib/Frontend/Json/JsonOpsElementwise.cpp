//===- JsonOpsElementwise.cpp - elementwise ops ---------------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
#include "JsonOps.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {
const OpSpec kOps[] = {
    {"add", 2, 2, {}, DtypeRule::SameOperands, buildPlain<AddOp>},
    {"sub", 2, 2, {}, DtypeRule::SameOperands, buildPlain<SubOp>},
    {"mul", 2, 2, {}, DtypeRule::SameOperands, buildPlain<MulOp>},
    {"div", 2, 2, {}, DtypeRule::SameOperands, buildPlain<DivOp>},
    {"max", 2, 2, {}, DtypeRule::SameOperands, buildPlain<MaxOp>},
    {"min", 2, 2, {}, DtypeRule::SameOperands, buildPlain<MinOp>},
    {"neg", 1, 1, {}, DtypeRule::Any, buildSameType<NegOp>},
    {"exp", 1, 1, {}, DtypeRule::Float, buildSameType<ExpOp>},
    {"tanh", 1, 1, {}, DtypeRule::Float, buildSameType<TanhOp>},
    {"sigmoid", 1, 1, {}, DtypeRule::Float, buildSameType<SigmoidOp>},
    {"relu", 1, 1, {}, DtypeRule::Any, buildSameType<ReluOp>},
};
} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::elementwiseOps() { return kOps; }
