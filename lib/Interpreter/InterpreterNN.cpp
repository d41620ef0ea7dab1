//===- InterpreterNN.cpp - matmul, reduction, nn kernels --------*- C++ -*-===//
#include "Dispatch.h"
#include "KernelsNN.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

namespace {
/// The resolved attributes of a window op (the op applies defaults and
/// auto_pad; the kernel derives sizes from the actual shapes).
template <typename OpTy> WindowParams windowParams(OpTy op) {
  WindowParams p;
  p.strides = toVector(op.getStrideValues());
  p.dilations = toVector(op.getDilationValues());
  p.pads = toVector(op.getPadValues());
  return p;
}

template <typename OpTy> WindowParams convParams(OpTy op) {
  WindowParams p = windowParams(op);
  p.groups = op.getGroups();
  if constexpr (std::is_same_v<OpTy, ConvTransposeOp>)
    p.outputPadding = toVector(op.getOutputPaddingValues());
  return p;
}

template <typename OpTy> WindowParams poolParams(OpTy op) {
  WindowParams p = windowParams(op);
  p.kernel = toVector(op.getKernel());
  p.ceilMode = op.getCeilMode();
  if constexpr (std::is_same_v<OpTy, AvgPoolOp>)
    p.countIncludePad = op.getCountIncludePad();
  return p;
}

/// Every dimension from 2 on: the spatial dims of global pooling.
std::vector<int64_t> spatialAxes(Operation *op) {
  std::vector<int64_t> axes;
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  return axes;
}
} // namespace

FailureOr<Status>
mlir::kiln::interp::runNNKernel(Operation *op, ArrayRef<View> in,
                                SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  auto reduceOp = [&](ReduceKind kind, auto reduction) {
    return reduce(kind, in[0], toOptionalVector(reduction.getAxes()),
                  reduction.getKeepdims(), out);
  };
  const View *bias = in.size() > 2 ? &in[2] : nullptr;
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](MatmulOp m) {
        return matmul(in[0], in[1], m.getTransposeA(), m.getTransposeB(), out);
      })
      .Case([&](ReduceSumOp r) { return reduceOp(ReduceKind::Sum, r); })
      .Case([&](ReduceMeanOp r) { return reduceOp(ReduceKind::Mean, r); })
      .Case([&](ReduceMaxOp r) { return reduceOp(ReduceKind::Max, r); })
      .Case([&](ReduceMinOp r) {
        return reduceMin(in[0], toOptionalVector(r.getAxes()), r.getKeepdims(),
                         out);
      })
      .Case([&](ReduceProdOp r) {
        return reduceProd(in[0], toOptionalVector(r.getAxes()), r.getKeepdims(),
                          out);
      })
      .Case([&](SoftmaxOp s) {
        return softmax(in[0], s.getAxisAttr().getInt(), out);
      })
      .Case([&](LogSoftmaxOp s) {
        return logSoftmax(in[0], s.getAxisAttr().getInt(), out);
      })
      .Case([&](ConvOp c) {
        return conv(in[0], in[1], bias, convParams(c), out);
      })
      .Case([&](ConvTransposeOp c) {
        return convTranspose(in[0], in[1], bias, convParams(c), out);
      })
      .Case([&](MaxPoolOp p) { return maxPool(in[0], poolParams(p), out); })
      .Case([&](AvgPoolOp p) { return avgPool(in[0], poolParams(p), out); })
      .Case([&](GlobalAvgPoolOp p) {
        return reduce(ReduceKind::Mean, in[0], spatialAxes(p), true, out);
      })
      .Case([&](GlobalMaxPoolOp p) {
        return reduce(ReduceKind::Max, in[0], spatialAxes(p), true, out);
      })
      .Case([&](ArgMaxOp a) {
        return argReduce(ExtremumKind::Max, in[0], a.getAxisAttr().getInt(),
                         a.getKeepdims(), out);
      })
      .Case([&](ArgMinOp a) {
        return argReduce(ExtremumKind::Min, in[0], a.getAxisAttr().getInt(),
                         a.getKeepdims(), out);
      })
      .Case([&](LayerNormOp l) {
        return layerNorm(in[0], in[1], in[2], l.getAxisAttr().getInt(),
                         l.getEpsilon().convertToDouble(), out);
      })
      .Case([&](BatchNormOp b) {
        return batchNorm(in[0], in[1], in[2], in[3], in[4],
                         b.getEpsilon().convertToDouble(), out);
      })
      .Default([](Operation *) { return failure(); });
}
