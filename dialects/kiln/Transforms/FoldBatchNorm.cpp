//===- FoldBatchNorm.cpp - kiln-fold-batch-norm -----------------*- C++ -*-===//
//
// An inference batch_norm after a conv or a matmul with constant weights is
// an affine map per output channel, which the weights and a bias absorb. The
// new weights and bias are written as kiln ops on the constants; the
// kiln-fold-constants pass that follows computes them with the interpreter's
// kernels.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFOLDBATCHNORM
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

/// True when `v` is computed from kiln constants only (no graph input, no
/// region), so that kiln-fold-constants turns it into one constant.
bool isConstantExpr(Value v, unsigned depth = 8) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return false;
  if (isa<ConstantOp>(op))
    return true;
  if (depth == 0 || op->getNumRegions() != 0 ||
      !isa<KilnDialect>(op->getDialect()) || !isMemoryEffectFree(op))
    return false;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return false;
  return llvm::all_of(op->getOperands(), [&](Value operand) {
    return isConstantExpr(operand, depth - 1);
  });
}

RankedTensorType withShape(RankedTensorType t, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, t.getElementType());
}

struct FoldBatchNormPattern : public OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    Value in = bn.getX();
    Operation *producer = in.getDefiningOp();
    if (!producer || !isa<ConvOp, MatmulOp>(producer))
      return rewriter.notifyMatchFailure(bn, "input is not a conv or matmul");
    if (!in.hasOneUse())
      return rewriter.notifyMatchFailure(bn, "the input has other uses");
    auto type = cast<RankedTensorType>(bn.getType());
    if (type.getRank() < 2 || type.isDynamicDim(1))
      return rewriter.notifyMatchFailure(bn, "dynamic channel dimension");
    int64_t channels = type.getDimSize(1);
    auto paramType = RankedTensorType::get({channels}, type.getElementType());
    for (Value p : {bn.getScale(), bn.getBias(), bn.getMean(), bn.getVar()})
      if (p.getType() != paramType || !isConstantExpr(p))
        return rewriter.notifyMatchFailure(bn, "parameters not constant");

    // Everything is checked before the IR changes.
    auto conv = dyn_cast<ConvOp>(producer);
    auto mm = dyn_cast<MatmulOp>(producer);
    Value w = conv ? conv.getW() : mm.getB();
    auto wType = cast<RankedTensorType>(w.getType());
    if (!isConstantExpr(w))
      return rewriter.notifyMatchFailure(bn, "weights not constant");
    if (conv) {
      // y[n, m] = bias[m] + sum x * w[m]: w[m] and the bias scale by k[m].
      if (wType.getDimSize(0) != channels)
        return rewriter.notifyMatchFailure(bn, "weights/channels mismatch");
      if (conv.getBias() && !isConstantExpr(conv.getBias()))
        return rewriter.notifyMatchFailure(bn, "conv bias not constant");
    } else {
      // A 2-D matmul [M, N]: batch_norm's channel dimension 1 is the output
      // dimension, column n of b (row n with transpose_b).
      auto aType = cast<RankedTensorType>(mm.getA().getType());
      if (type.getRank() != 2 || aType.getRank() != 2 || wType.getRank() != 2)
        return rewriter.notifyMatchFailure(bn, "matmul is not 2-D");
    }

    Location loc = bn.getLoc();
    Type elem = type.getElementType();
    // k = scale / sqrt(var + epsilon)
    auto scalarType = RankedTensorType::get({}, elem);
    Value eps = ConstantOp::create(
        rewriter, loc, scalarType,
        DenseElementsAttr::get(
            scalarType,
            FloatAttr::get(elem, bn.getEpsilon().convertToDouble())));
    Value shifted = AddOp::create(rewriter, loc, paramType, bn.getVar(), eps);
    Value root = SqrtOp::create(rewriter, loc, shifted);
    Value k = DivOp::create(rewriter, loc, paramType, bn.getScale(), root);

    if (conv) {
      // w' = w * k[m]; bias' = (bias - mean) * k + beta.
      SmallVector<int64_t> perChannel(wType.getRank(), 1);
      perChannel[0] = channels;
      Value kw = ReshapeOp::create(rewriter, loc, withShape(wType, perChannel),
                                   k, rewriter.getDenseI64ArrayAttr(perChannel));
      Value newW = MulOp::create(rewriter, loc, wType, w, kw);
      Value centered;
      if (Value b = conv.getBias())
        centered = SubOp::create(rewriter, loc, paramType, b, bn.getMean());
      else
        centered = NegOp::create(rewriter, loc, bn.getMean());
      Value scaled = MulOp::create(rewriter, loc, paramType, centered, k);
      Value newBias =
          AddOp::create(rewriter, loc, paramType, scaled, bn.getBias());
      auto newConv = ConvOp::create(
          rewriter, loc, type, conv.getX(), newW, newBias,
          conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
          conv.getGroupsAttr(), conv.getAutoPadAttr());
      rewriter.replaceOp(bn, newConv.getResult());
      rewriter.eraseOp(conv);
      return success();
    }

    // b' = b * k along the output dimension; y = a @ b' + (beta - mean * k).
    Value kb = k;
    if (mm.getTransposeB()) {
      SmallVector<int64_t> column = {channels, 1};
      kb = ReshapeOp::create(rewriter, loc, withShape(wType, column), k,
                             rewriter.getDenseI64ArrayAttr(column));
    }
    Value newB = MulOp::create(rewriter, loc, wType, w, kb);
    Value meanK = MulOp::create(rewriter, loc, paramType, bn.getMean(), k);
    Value shift = SubOp::create(rewriter, loc, paramType, bn.getBias(), meanK);
    Value product =
        MatmulOp::create(rewriter, loc, type, mm.getA(), newB,
                         mm.getTransposeAAttr(), mm.getTransposeBAttr());
    rewriter.replaceOpWithNewOp<AddOp>(bn, type, product, shift);
    rewriter.eraseOp(mm);
    return success();
  }
};

struct FoldBatchNorm
    : public kiln::impl::KilnFoldBatchNormBase<FoldBatchNorm> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormPattern>(&getContext());
    // No folding: the new constants are computed by kiln-fold-constants,
    // with the interpreter's kernels.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns), config);
  }
};

} // namespace
