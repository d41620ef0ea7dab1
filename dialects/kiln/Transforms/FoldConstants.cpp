//===- FoldConstants.cpp - kiln-fold-constants --------------------*- C++ -*-===//
//
// Constant subgraphs are computed at compile time with the interpreter's
// reference kernels: one source of truth for what an op computes.
//
//===----------------------------------------------------------------------===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/Transforms/Passes.h"
#include "kiln/Interpreter/Interpreter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFOLDCONSTANTS
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

struct FoldConstants
    : public kiln::impl::KilnFoldConstantsBase<FoldConstants> {
  using KilnFoldConstantsBase::KilnFoldConstantsBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Dialect *kiln = ctx->getLoadedDialect<KilnDialect>();
    // Values of the constants seen so far (each converted once).
    DenseMap<Value, HostTensor> known;
    auto valueOf = [&](Value v) -> const HostTensor * {
      auto it = known.find(v);
      if (it != known.end())
        return &it->second;
      auto c = v.getDefiningOp<ConstantOp>();
      if (!c)
        return nullptr;
      HostTensor t = toHostTensor(c.getValue());
      if (t.dtype == 0)
        return nullptr;
      return &known.try_emplace(v, std::move(t)).first->second;
    };

    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) { ops.push_back(op); });
    OpBuilder b(ctx);
    for (Operation *op : ops) {
      if (op->getDialect() != kiln || isa<ConstantOp>(op) ||
          op->getNumRegions() != 0 || op->getNumResults() == 0 ||
          op->hasTrait<OpTrait::IsTerminator>())
        continue;
      int64_t elements = 0;
      bool fits = true;
      for (Type t : op->getResultTypes()) {
        auto rt = dyn_cast<RankedTensorType>(t);
        if (!rt || !rt.hasStaticShape()) {
          fits = false;
          break;
        }
        elements += rt.getNumElements();
      }
      if (!fits || elements > maxElements)
        continue;
      SmallVector<HostTensor> operands;
      for (Value v : op->getOperands()) {
        const HostTensor *t = valueOf(v);
        if (!t) {
          fits = false;
          break;
        }
        operands.push_back(*t);
      }
      if (!fits)
        continue;
      FailureOr<SmallVector<HostTensor>> results = failure();
      {
        // An op the kernels reject (no kernel, an index out of range) stays
        // for the compiled code to handle: not an error of the pass.
        ScopedDiagnosticHandler quiet(ctx,
                                      [](Diagnostic &) { return success(); });
        results = evaluateOp(op, operands);
      }
      if (failed(results))
        continue;
      b.setInsertionPoint(op);
      SmallVector<Value> replacements;
      for (auto [res, value] : llvm::zip(op->getResults(), *results)) {
        auto type = cast<RankedTensorType>(res.getType());
        ElementsAttr attr = toConstantAttr(value, type, "kiln_folded");
        if (!attr)
          break;
        auto c = ConstantOp::create(b, op->getLoc(), type, attr);
        known.try_emplace(c.getResult(), std::move(value));
        replacements.push_back(c.getResult());
      }
      if (replacements.size() != op->getNumResults()) {
        for (Value v : replacements)
          v.getDefiningOp()->erase();
        continue;
      }
      op->replaceAllUsesWith(replacements);
      op->erase();
    }
  }
};

} // namespace
