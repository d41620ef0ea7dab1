//===- JsonOpsControlFlow.cpp - if, while ---------------------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h).
//
//===----------------------------------------------------------------------===//
#include "JsonOps.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

ArrayRef<OpSpec> mlir::kiln::json_frontend::controlFlowOps() { return {}; }
