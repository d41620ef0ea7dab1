//===- KilnControlFlowOps.cpp - region ops (if, while) --------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "dialects/kiln/IR/SymbolicDims.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

/// The kiln.yield ending `region`'s block, or null when the block does not
/// end in one (the region verifier reports that first).
static YieldOp yieldOf(Region &region) {
  if (region.empty() || region.front().empty())
    return {};
  return dyn_cast<YieldOp>(region.front().back());
}

static std::string typeListStr(TypeRange types) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "(";
  llvm::interleaveComma(types, os);
  os << ")";
  return s;
}

/// Checks that `region` takes `argTypes` as block arguments and ends in a
/// kiln.yield; returns the yield, or null after reporting.
static YieldOp verifyRegion(Operation *op, Region &region, StringRef name,
                            TypeRange argTypes, StringRef argsWhat) {
  Block &block = region.front();
  if (block.getArgumentTypes() != argTypes) {
    op->emitOpError("'") << name << "' region takes "
                         << typeListStr(block.getArgumentTypes())
                         << " but must take the " << argsWhat << " "
                         << typeListStr(argTypes);
    return {};
  }
  YieldOp yield = yieldOf(region);
  if (!yield)
    op->emitOpError("'") << name << "' region must end in 'kiln.yield'";
  return yield;
}

//===----------------------------------------------------------------------===//
// IfOp
//===----------------------------------------------------------------------===//

YieldOp IfOp::getThenYield() { return yieldOf(getThenRegion()); }
YieldOp IfOp::getElseYield() { return yieldOf(getElseRegion()); }

LogicalResult IfOp::verifyRegions() {
  auto condType = tensorOf(getCond());
  if (condType.getRank() != 0 || !condType.getElementType().isInteger(1))
    return emitOpError("condition must be a bool scalar (tensor<i1>), got ")
           << condType;
  TypeRange inputTypes = getInputs().getTypes();
  for (auto [region, name] : {std::pair{&getThenRegion(), "then"},
                              std::pair{&getElseRegion(), "else"}}) {
    YieldOp yield =
        verifyRegion(*this, *region, name, inputTypes, "values passed in");
    if (!yield)
      return failure();
    if (yield.getValues().getTypes() != getResultTypes())
      return emitOpError("'")
             << name << "' branch yields "
             << typeListStr(yield.getValues().getTypes())
             << " but the results are " << typeListStr(getResultTypes());
  }
  return success();
}

LogicalResult IfOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                        SmallVectorImpl<SymShape> &results) {
  YieldOp thenYield = getThenYield(), elseYield = getElseYield();
  for (auto [i, a, b] :
       llvm::enumerate(thenYield.getValues(), elseYield.getValues())) {
    const SymShape &t = shapeOf(a), &e = shapeOf(b);
    if (t != e)
      return emitOpError("result #")
             << i << ": the branches yield different shapes, "
             << symShapeStr(t) << " ('then') and " << symShapeStr(e)
             << " ('else')";
    results.push_back(t);
  }
  return success();
}

/// Simplifies a kiln.if:
/// - a constant condition: the branch taken replaces the op (its block
///   arguments become the values passed in);
/// - a result that both branches yield from the same value (one of the
///   enclosing graph, or the same value passed in) is that value;
/// - results nobody uses, and values passed in that neither branch uses,
///   are dropped, so that what computes them can go too.
LogicalResult IfOp::canonicalize(IfOp op, PatternRewriter &rewriter) {
  DenseElementsAttr cond;
  if (matchPattern(op.getCond(), m_Constant(&cond)) && cond.isSplat()) {
    Region &taken =
        cond.getSplatValue<bool>() ? op.getThenRegion() : op.getElseRegion();
    Block *block = &taken.front();
    Operation *yield = block->getTerminator();
    rewriter.inlineBlockBefore(block, op, op.getInputs());
    SmallVector<Value> results(yield->getOperands());
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, results);
    return success();
  }

  YieldOp thenYield = op.getThenYield(), elseYield = op.getElseYield();
  Block &thenBlock = op.getThenRegion().front();
  Block &elseBlock = op.getElseRegion().front();
  bool changed = false;
  for (auto [result, t, e] : llvm::zip(op.getResults(), thenYield.getValues(),
                                       elseYield.getValues())) {
    if (result.use_empty())
      continue;
    Value same;
    if (t == e) {
      // A value visible in both branches is defined outside the op.
      same = t;
    } else if (auto ta = dyn_cast<BlockArgument>(t)) {
      auto ea = dyn_cast<BlockArgument>(e);
      if (ta.getOwner() == &thenBlock && ea && ea.getOwner() == &elseBlock &&
          ta.getArgNumber() == ea.getArgNumber())
        same = op.getInputs()[ta.getArgNumber()];
    }
    if (same && same.getType() == result.getType()) {
      rewriter.replaceAllUsesWith(result, same);
      changed = true;
    }
  }

  llvm::BitVector deadResults(op.getNumResults()),
      deadInputs(op.getInputs().size());
  for (OpResult r : op.getResults())
    if (r.use_empty())
      deadResults.set(r.getResultNumber());
  for (unsigned i = 0; i < deadInputs.size(); ++i)
    if (thenBlock.getArgument(i).use_empty() &&
        elseBlock.getArgument(i).use_empty())
      deadInputs.set(i);
  if (deadResults.none() && deadInputs.none())
    return success(changed);

  SmallVector<Type> resultTypes;
  SmallVector<Value> inputs;
  for (OpResult r : op.getResults())
    if (!deadResults.test(r.getResultNumber()))
      resultTypes.push_back(r.getType());
  for (auto [i, v] : llvm::enumerate(op.getInputs()))
    if (!deadInputs.test(i))
      inputs.push_back(v);
  auto newOp =
      IfOp::create(rewriter, op.getLoc(), resultTypes, op.getCond(), inputs);
  newOp->setAttrs(op->getAttrs());
  for (auto [from, to] :
       {std::pair{&op.getThenRegion(), &newOp.getThenRegion()},
        std::pair{&op.getElseRegion(), &newOp.getElseRegion()}}) {
    rewriter.inlineRegionBefore(*from, *to, to->end());
    Block &block = to->front();
    rewriter.modifyOpInPlace(newOp, [&] { block.eraseArguments(deadInputs); });
    auto yield = cast<YieldOp>(block.getTerminator());
    SmallVector<Value> kept;
    for (auto [i, v] : llvm::enumerate(yield.getValues()))
      if (!deadResults.test(i))
        kept.push_back(v);
    rewriter.setInsertionPoint(yield);
    rewriter.replaceOpWithNewOp<YieldOp>(yield, kept);
  }
  unsigned next = 0;
  for (OpResult r : op.getResults())
    if (!deadResults.test(r.getResultNumber()))
      rewriter.replaceAllUsesWith(r, newOp.getResult(next++));
  rewriter.eraseOp(op);
  return success();
}

//===----------------------------------------------------------------------===//
// WhileOp
//===----------------------------------------------------------------------===//

YieldOp WhileOp::getCondYield() { return yieldOf(getCondRegion()); }
YieldOp WhileOp::getBodyYield() { return yieldOf(getBodyRegion()); }

LogicalResult WhileOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  llvm::append_range(inferred, adaptor.getInputs().getTypes());
  return success();
}

LogicalResult WhileOp::verifyRegions() {
  TypeRange carried = getInputs().getTypes();
  YieldOp cond =
      verifyRegion(*this, getCondRegion(), "cond", carried, "carried values");
  if (!cond)
    return failure();
  TypeRange condTypes = cond.getValues().getTypes();
  if (condTypes.size() != 1 || cast<RankedTensorType>(condTypes[0]).getRank() ||
      !getElementTypeOrSelf(condTypes[0]).isInteger(1))
    return emitOpError("'cond' region must yield one bool scalar "
                       "(tensor<i1>), got ")
           << typeListStr(condTypes);
  YieldOp body =
      verifyRegion(*this, getBodyRegion(), "body", carried, "carried values");
  if (!body)
    return failure();
  if (body.getValues().getTypes() != carried)
    return emitOpError("'body' region yields ")
           << typeListStr(body.getValues().getTypes())
           << " but the carried values are " << typeListStr(carried);
  return success();
}

/// Carried values keep their symbolic shapes: a body that changes one (e.g.
/// doubles a dimension each iteration) would need shapes known only at run
/// time, which the ABI's self-description cannot express.
LogicalResult
WhileOp::inferSymbolicShapes(SymShapeFn shapeOf,
                             SmallVectorImpl<SymShape> &results) {
  for (auto [i, init, next] :
       llvm::enumerate(getInputs(), getBodyYield().getValues())) {
    const SymShape &before = shapeOf(init), &after = shapeOf(next);
    if (before != after)
      return emitOpError("loop-carried value #")
             << i << " changes shape in the body, from " << symShapeStr(before)
             << " to " << symShapeStr(after)
             << "; carried values must keep their shapes";
    results.push_back(before);
  }
  return success();
}
