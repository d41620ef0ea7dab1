//===- InterpreterNN.cpp - matmul, reduction, nn kernels ------------*- C++ -*-===//
#include "Dispatch.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

FailureOr<Status>
mlir::kiln::interp::runNNKernel(Operation *op, ArrayRef<View> in,
                                SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  auto reduceOp = [&](ReduceKind kind, auto reduction) {
    return reduce(kind, in[0], toOptionalVector(reduction.getAxes()),
                  reduction.getKeepdims(), out);
  };
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](MatmulOp m) {
        return matmul(in[0], in[1], m.getTransposeA(), m.getTransposeB(), out);
      })
      .Case([&](ReduceSumOp r) { return reduceOp(ReduceKind::Sum, r); })
      .Case([&](ReduceMeanOp r) { return reduceOp(ReduceKind::Mean, r); })
      .Case([&](ReduceMaxOp r) { return reduceOp(ReduceKind::Max, r); })
      .Case([&](SoftmaxOp s) {
        return softmax(in[0], s.getAxisAttr().getInt(), out);
      })
      .Default([](Operation *) { return failure(); });
}
