//===- Shape.cpp - shape and data movement ops to linalg/tensor --*- C++ -*-===//
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

struct TransposeLowering : public OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    if (op.getType().getRank() <= 1) { // nothing to permute
      rewriter.replaceOp(op, x);
      return success();
    }
    SmallVector<int64_t> perm = op.getPermutation();
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : perm)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, x, p));
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         op.getType().getElementType());
    auto t = linalg::TransposeOp::create(rewriter, loc, x, init, perm);
    rewriter.replaceOp(op, t.getResult());
    return success();
  }
};

struct ReshapeLowering : public OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    RankedTensorType rt = op.getType();
    // To or from a scalar: one element, all dims 1; no shape operand needed.
    if (rt.getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          op, rt, x, ArrayRef<ReassociationIndices>{});
      return success();
    }
    if (cast<RankedTensorType>(x.getType()).getRank() == 0) {
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, rt, x, ArrayRef<ReassociationIndices>{});
      return success();
    }
    auto idx = [&](OpFoldResult v) {
      return getValueOrCreateConstantIndexOp(rewriter, loc, v);
    };
    SmallVector<Value> dims;
    Value known = arith::ConstantIndexOp::create(rewriter, loc, 1);
    int64_t inferAt = -1;
    for (auto [i, d] : llvm::enumerate(op.getShape())) {
      Value v;
      if (!rt.isDynamicDim(i) && d != -1)
        v = arith::ConstantIndexOp::create(rewriter, loc, rt.getDimSize(i));
      else if (d == 0)
        v = idx(tensor::getMixedSize(rewriter, loc, x, i));
      else if (d == -1)
        inferAt = i;
      else
        v = arith::ConstantIndexOp::create(rewriter, loc, d);
      if (v)
        known = arith::MulIOp::create(rewriter, loc, known, v);
      dims.push_back(v);
    }
    if (inferAt >= 0) {
      Value total = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (OpFoldResult s : tensor::getMixedSizes(rewriter, loc, x))
        total = arith::MulIOp::create(rewriter, loc, total, idx(s));
      dims[inferAt] = arith::DivUIOp::create(rewriter, loc, total, known);
    }
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc,
        RankedTensorType::get({(int64_t)dims.size()}, rewriter.getIndexType()),
        dims);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, rt, x, shape);
    return success();
  }
};

} // namespace

void mlir::kiln::detail::populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering>(patterns.getContext());
}
