//===- ControlFlow.cpp - kiln if/while to scf --------------------*- C++ -*-===//
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

void mlir::kiln::detail::populateControlFlowPatterns(RewritePatternSet &) {}
