//===- InterpreterIndexing.cpp - indexing-op kernels ------------*- C++ -*-===//
#include "Dispatch.h"
#include "KernelsIndexing.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

static ScatterReduction reductionOf(StringRef name) {
  return llvm::StringSwitch<ScatterReduction>(name)
      .Case("add", ScatterReduction::Add)
      .Case("mul", ScatterReduction::Mul)
      .Case("max", ScatterReduction::Max)
      .Case("min", ScatterReduction::Min)
      .Default(ScatterReduction::None);
}

FailureOr<Status>
mlir::kiln::interp::runIndexingKernel(Operation *op, ArrayRef<View> in,
                                      SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](GatherElementsOp g) {
        return gatherElements(in[0], in[1], g.getAxis(), out);
      })
      .Case([&](ScatterElementsOp s) {
        return scatterElements(in[0], in[1], in[2], s.getAxis(),
                               reductionOf(s.getReduction()), out);
      })
      .Case([&](GatherNDOp g) {
        return gatherND(in[0], in[1], g.getBatchDims(), out);
      })
      .Case([&](ScatterNDOp s) {
        return scatterND(in[0], in[1], in[2], reductionOf(s.getReduction()),
                         out);
      })
      .Case([&](CumSumOp c) {
        return cumSum(in[0], c.getAxis(), c.getExclusive(), c.getReverse(),
                      out);
      })
      .Case([&](TopKOp t) {
        return topK(in[0], t.getK(), t.getAxis(), t.getLargest(), outs[0],
                    outs[1]);
      })
      .Default([](Operation *) { return failure(); });
}
