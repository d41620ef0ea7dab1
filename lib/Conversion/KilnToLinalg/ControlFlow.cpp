//===- ControlFlow.cpp - kiln if/while to scf --------------------*- C++ -*-===//
//
// kiln.if becomes scf.if and kiln.while scf.while, both on tensors: the
// regions move over unchanged, so the kiln ops inside them are converted by
// the same pattern set, and one-shot bufferization later handles scf. The
// bool scalar conditions are read with tensor.extract.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

namespace {

/// Replaces the kiln.yield ending `block` by an scf.yield of its values.
void yieldToScf(ConversionPatternRewriter &rewriter, Block *block) {
  auto yield = cast<YieldOp>(block->getTerminator());
  rewriter.setInsertionPoint(yield);
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, yield.getValues());
}

struct IfLowering : public OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(IfOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cond = tensor::ExtractOp::create(rewriter, loc, adaptor.getCond(),
                                           ValueRange{});
    auto ifOp = scf::IfOp::create(rewriter, loc, op.getResultTypes(), cond,
                                  /*withElseRegion=*/true);
    // The passed-in values replace the branches' block arguments: scf.if's
    // regions take none.
    for (auto [from, to] : {std::pair{&op.getThenRegion(), &ifOp.getThenRegion()},
                            std::pair{&op.getElseRegion(), &ifOp.getElseRegion()}}) {
      Block *dest = &to->front();
      // scf.if's builder leaves a yield in a region without results.
      if (!dest->empty())
        rewriter.eraseOp(dest->getTerminator());
      rewriter.inlineBlockBefore(&from->front(), dest, dest->end(),
                                 adaptor.getInputs());
      yieldToScf(rewriter, dest);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

struct WhileLowering : public OpConversionPattern<WhileOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WhileOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto whileOp = scf::WhileOp::create(rewriter, loc, op.getResultTypes(),
                                        adaptor.getInputs());
    // Both regions keep their blocks and arguments (the carried values);
    // only the terminators change.
    rewriter.inlineRegionBefore(op.getCondRegion(), whileOp.getBefore(),
                                whileOp.getBefore().end());
    rewriter.inlineRegionBefore(op.getBodyRegion(), whileOp.getAfter(),
                                whileOp.getAfter().end());

    Block *before = &whileOp.getBefore().front();
    auto condYield = cast<YieldOp>(before->getTerminator());
    rewriter.setInsertionPoint(condYield);
    Value flag = tensor::ExtractOp::create(
        rewriter, condYield.getLoc(), condYield.getValues()[0], ValueRange{});
    rewriter.replaceOpWithNewOp<scf::ConditionOp>(condYield, flag,
                                                  before->getArguments());
    yieldToScf(rewriter, &whileOp.getAfter().front());
    rewriter.replaceOp(op, whileOp.getResults());
    return success();
  }
};

} // namespace

void mlir::kiln::detail::populateControlFlowPatterns(
    RewritePatternSet &patterns) {
  patterns.add<IfLowering, WhileLowering>(patterns.getContext());
}
