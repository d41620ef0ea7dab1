//===- InterpreterElementwise.cpp - elementwise kernels -------------*- C++ -*-===//
#include "Dispatch.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

FailureOr<Status>
mlir::kiln::interp::runElementwiseKernel(Operation *op, ArrayRef<View> in,
                                         SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  auto unaryOp = [&](UnaryKind kind) { return unary(kind, in[0], out); };
  auto binaryOp = [&](BinaryKind kind) {
    return binary(kind, in[0], in[1], out);
  };
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](NegOp) { return unaryOp(UnaryKind::Neg); })
      .Case([&](ExpOp) { return unaryOp(UnaryKind::Exp); })
      .Case([&](TanhOp) { return unaryOp(UnaryKind::Tanh); })
      .Case([&](SigmoidOp) { return unaryOp(UnaryKind::Sigmoid); })
      .Case([&](ReluOp) { return unaryOp(UnaryKind::Relu); })
      .Case([&](AddOp) { return binaryOp(BinaryKind::Add); })
      .Case([&](SubOp) { return binaryOp(BinaryKind::Sub); })
      .Case([&](MulOp) { return binaryOp(BinaryKind::Mul); })
      .Case([&](DivOp) { return binaryOp(BinaryKind::Div); })
      .Case([&](MaxOp) { return binaryOp(BinaryKind::Max); })
      .Case([&](MinOp) { return binaryOp(BinaryKind::Min); })
      .Default([](Operation *) { return failure(); });
}
