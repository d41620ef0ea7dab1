//===- Bufferize.cpp - kiln-bufferize ----------------------------*- C++ -*-===//
#include "dialects/kiln/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNBUFFERIZE
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnBufferizePass
    : public mlir::kiln::impl::KilnBufferizeBase<KilnBufferizePass> {
  void runOnOperation() override {
    bufferization::OneShotBufferizationOptions options;
    options.bufferizeFunctionBoundaries = true;
    // A while body that builds new tensors (the usual case) yields buffers
    // that are not its iteration arguments'; the deallocation pipeline frees
    // the ones each iteration replaces.
    options.allowReturnAllocsFromLoops = true;
    options.setFunctionBoundaryTypeConversion(
        bufferization::LayoutMapOption::IdentityLayoutMap);
    options.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                          Value to) -> LogicalResult {
      linalg::CopyOp::create(b, loc, from, to);
      return success();
    };
    bufferization::BufferizationState state;
    if (failed(bufferization::runOneShotModuleBufferize(getOperation(), options,
                                                         state)))
      signalPassFailure();
  }
};
} // namespace
