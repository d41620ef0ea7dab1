//===- WidenElementTypes.cpp - kiln-widen-element-types ----------*- C++ -*-===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNWIDENELEMENTTYPES
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

/// The type an nn op computes a narrow element type in, or null if `t` is
/// already lowered as it is.
Type widened(Type t) {
  MLIRContext *ctx = t.getContext();
  if (t.isF16() || t.isBF16())
    return Float32Type::get(ctx);
  if (t.isUnsignedInteger(8))
    return IntegerType::get(ctx, 32);
  return nullptr;
}

Type withElementType(Type t, Type element) {
  return cast<RankedTensorType>(t).clone(element);
}

Value castTo(OpBuilder &b, Location loc, Value v, Type element) {
  return CastOp::create(b, loc, withElementType(v.getType(), element), v,
                        TypeAttr::get(element));
}

/// The nn ops, and the indexing ops that compute on elements (cumsum, topk's
/// comparisons, scatters that combine updates with the data).
bool computesOnElements(Operation *op) {
  if (auto s = dyn_cast<ScatterElementsOp>(op))
    return s.combinesElements();
  if (auto s = dyn_cast<ScatterNDOp>(op))
    return s.combinesElements();
  return isa<MatmulOp, ReduceSumOp, ReduceMeanOp, ReduceMaxOp, ReduceMinOp,
             ReduceProdOp, SoftmaxOp, ConvOp, ConvTransposeOp, MaxPoolOp,
             AvgPoolOp, GlobalAvgPoolOp, GlobalMaxPoolOp, ArgMaxOp, ArgMinOp,
             LogSoftmaxOp, LayerNormOp, BatchNormOp, CumSumOp, TopKOp>(op);
}

void widen(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  bool changed = false;
  SmallVector<Value> operands;
  for (Value v : op->getOperands()) {
    Type wide = widened(getElementTypeOrSelf(v.getType()));
    operands.push_back(wide ? castTo(b, loc, v, wide) : v);
    changed |= bool(wide);
  }
  if (!changed)
    return;
  // A clone keeps the op's properties; only operand and result types change.
  Operation *wideOp = b.clone(*op);
  wideOp->setOperands(operands);
  for (OpResult r : wideOp->getResults())
    if (Type wide = widened(getElementTypeOrSelf(r.getType())))
      r.setType(withElementType(r.getType(), wide));
  for (auto [old, now] : llvm::zip(op->getResults(), wideOp->getResults())) {
    Value result = now;
    if (old.getType() != now.getType())
      result = castTo(b, loc, now, getElementTypeOrSelf(old.getType()));
    old.replaceAllUsesWith(result);
  }
  op->erase();
}

struct KilnWidenElementTypesPass
    : public mlir::kiln::impl::KilnWidenElementTypesBase<
          KilnWidenElementTypesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (computesOnElements(op))
        ops.push_back(op);
    });
    for (Operation *op : ops)
      widen(op);
  }
};

} // namespace
