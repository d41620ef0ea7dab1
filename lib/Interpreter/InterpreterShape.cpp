//===- InterpreterShape.cpp - shape and data movement kernels -------*- C++ -*-===//
#include "Dispatch.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

FailureOr<Status>
mlir::kiln::interp::runShapeKernel(Operation *op, ArrayRef<View> in,
                                   SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](ReshapeOp r) {
        return reshape(in[0], toVector(r.getShape()), out);
      })
      .Case([&](TransposeOp t) {
        return transpose(in[0], toVector(t.getPermutation()), out);
      })
      .Case([&](BroadcastToOp b) {
        return broadcastTo(in[0], toVector(b.getShape()), out);
      })
      .Default([](Operation *) { return failure(); });
}
