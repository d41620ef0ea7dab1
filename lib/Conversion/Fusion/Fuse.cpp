//===- Fuse.cpp - kiln-fuse: fusing linalg ops into kernels ------*- C++ -*-===//
//
// Two steps on linalg-on-tensors (see the pass description in Passes.td):
//
//  1. Elementwise fusion: a parallel `linalg.generic` is merged into the
//     generic that consumes it when every element it computes is used once
//     (the consumer reads it through a permutation, never a broadcast) and
//     either it has no other user or its body is cheap. Chains of
//     elementwise ops, transposes included, become one generic.
//
//  2. Kernel formation: from each consumer upward, the producers whose
//     results are used only inside the group join it (a reduction and its
//     elementwise neighbours, a contraction and its epilogue, the fills that
//     initialize them), never the producers of a contraction's or a
//     convolution's inputs, which would be recomputed per tile. The consumer
//     is then tiled along those parallel dimensions that every member
//     computes exactly once per tile, and the members are fused into the
//     tile loop (`scf.forall`): one kernel, whose intermediates are
//     tile-sized.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Kernels.h"
#include "kiln/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFUSE
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

bool isAllParallel(linalg::LinalgOp op) {
  return op.getNumLoops() == op.getNumParallelLoops();
}

bool isContractionOrConvolution(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || isAllParallel(linalgOp))
    return false;
  return linalg::isaContractionOpInterface(linalgOp) ||
         linalg::isaConvolutionOpInterface(linalgOp);
}

/// Merges a parallel producer generic into its consumer generic.
struct FuseElementwise : public OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand &operand : consumer->getOpOperands()) {
      auto producer = operand.get().getDefiningOp<linalg::GenericOp>();
      if (!producer || !linalg::areElementwiseOpsFusable(&operand))
        continue;
      // Each produced element is used by one consumer iteration: through a
      // broadcast, the producer's work would be repeated per broadcast copy.
      if (!consumer.getMatchingIndexingMap(&operand).isPermutation())
        continue;
      // A producer with other users stays: fusing would either repeat its
      // work or give the fused op a second result.
      if (!llvm::all_of(producer->getUsers(), [&](Operation *u) {
            return u == consumer.getOperation();
          }))
        continue;
      Location loc =
          rewriter.getFusedLoc({producer.getLoc(), consumer.getLoc()});
      FailureOr<linalg::ElementwiseOpFusionResult> fused =
          linalg::fuseElementwiseOps(rewriter, &operand);
      if (failed(fused))
        continue;
      fused->fusedOp->setLoc(loc);
      for (auto [original, replacement] : fused->replacements)
        rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
          return use.getOwner() != producer.getOperation();
        });
      rewriter.eraseOp(consumer);
      return success();
    }
    return failure();
  }
};

/// Named ops that are elementwise or pure data movement become generics, so
/// that they fuse (transposes and broadcasts into their consumers).
void generalizeMovementOps(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::LinalgOp op) {
    if (isa<linalg::TransposeOp, linalg::BroadcastOp, linalg::MapOp,
            linalg::ElementwiseOp>(op.getOperation()))
      ops.push_back(op);
  });
  for (linalg::LinalgOp op : ops) {
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, op);
  }
}

/// The group of ops fused with `consumer`: producers (top-level linalg ops in
/// the same block) whose every user is in the group, except through the
/// inputs of a contraction or convolution.
llvm::SetVector<Operation *> formGroup(Operation *consumer) {
  llvm::SetVector<Operation *> group;
  group.insert(consumer);
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = 0; i < group.size(); ++i) {
      auto member = cast<linalg::LinalgOp>(group[i]);
      for (OpOperand &operand : member->getOpOperands()) {
        auto producer = operand.get().getDefiningOp<linalg::LinalgOp>();
        if (!producer || group.contains(producer) ||
            producer->getBlock() != consumer->getBlock() ||
            !isa<TilingInterface>(producer.getOperation()) ||
            !producer.hasPureTensorSemantics())
          continue;
        if (!member.isDpsInit(&operand) &&
            isContractionOrConvolution(member))
          continue;
        if (!llvm::all_of(producer->getUsers(), [&](Operation *user) {
              return group.contains(user);
            }))
          continue;
        group.insert(producer);
        changed = true;
      }
    }
  }
  return group;
}

/// Checks that tiling `consumer`'s loops in `tiled` computes every group
/// member's elements once: each tiled loop of a member must index each of
/// its in-group operands (no member is needed whole by every tile), and a
/// member reached twice must be tiled the same way both times. Returns a
/// consumer loop to stop tiling, or -1 when the tiling is sound.
int64_t findTilingConflict(Operation *consumer,
                           const llvm::SetVector<Operation *> &group,
                           ArrayRef<bool> tiled) {
  // For each member, the consumer loop each of its loops follows (or -1).
  DenseMap<Operation *, SmallVector<int64_t>> origin;
  SmallVector<int64_t> &root = origin[consumer];
  for (auto [i, t] : llvm::enumerate(tiled))
    root.push_back(t ? int64_t(i) : -1);
  SmallVector<Operation *> worklist{consumer};
  while (!worklist.empty()) {
    auto member = cast<linalg::LinalgOp>(worklist.pop_back_val());
    SmallVector<int64_t> memberOrigin = origin[member];
    for (OpOperand &operand : member->getOpOperands()) {
      Operation *producerOp = operand.get().getDefiningOp();
      if (!producerOp || !group.contains(producerOp))
        continue;
      auto producer = cast<linalg::LinalgOp>(producerOp);
      AffineMap map = member.getMatchingIndexingMap(&operand);
      AffineMap producerMap = producer.getIndexingMapMatchingResult(
          cast<OpResult>(operand.get()));
      SmallVector<int64_t> producerOrigin(producer.getNumLoops(), -1);
      for (auto [loop, from] : llvm::enumerate(memberOrigin)) {
        if (from < 0)
          continue;
        bool indexed = false;
        for (auto [t, expr] : llvm::enumerate(map.getResults())) {
          auto dim = dyn_cast<AffineDimExpr>(expr);
          if (!dim || dim.getPosition() != loop)
            continue;
          auto producerDim =
              dyn_cast<AffineDimExpr>(producerMap.getResult(t));
          if (!producerDim)
            return from;
          producerOrigin[producerDim.getPosition()] = from;
          indexed = true;
        }
        if (!indexed)
          return from;
      }
      auto it = origin.find(producer);
      if (it != origin.end()) {
        for (auto [a, b] : llvm::zip(it->second, producerOrigin))
          if (a != b)
            return a >= 0 ? a : b;
        continue;
      }
      origin[producer] = producerOrigin;
      worklist.push_back(producer);
    }
  }
  return -1;
}

/// Tile sizes for the consumer's tiled loops: about `tileElements` result
/// elements per tile, innermost loops first. A kernel holding a contraction
/// gets bigger tiles, at most 512 wide: each tile re-reads the contraction's
/// other operand, so few wide rows per tile would make it memory bound.
SmallVector<OpFoldResult> chooseTileSizes(OpBuilder &b,
                                          linalg::LinalgOp consumer,
                                          ArrayRef<bool> tiled,
                                          int64_t tileElements,
                                          bool holdsContraction) {
  SmallVector<int64_t> ranges = consumer.getStaticLoopRanges();
  int64_t budget = holdsContraction ? 8 * tileElements : tileElements;
  // Untiled loops make each tile bigger, except a contraction's reduction
  // loops: they do not add result elements.
  SmallVector<utils::IteratorType> iterators =
      consumer.getIteratorTypesArray();
  for (auto [i, range] : llvm::enumerate(ranges))
    if (!tiled[i] && !ShapedType::isDynamic(range) &&
        !(holdsContraction && iterators[i] == utils::IteratorType::reduction))
      budget = std::max<int64_t>(1, budget / std::max<int64_t>(range, 1));
  SmallVector<int64_t> sizes(ranges.size(), 0);
  bool innermost = true;
  for (int64_t i = ranges.size() - 1; i >= 0; --i) {
    if (!tiled[i])
      continue;
    int64_t range = ShapedType::isDynamic(ranges[i]) ? budget : ranges[i];
    int64_t size = std::max<int64_t>(1, std::min(range, budget));
    if (holdsContraction && innermost)
      size = std::min<int64_t>(size, 512);
    innermost = false;
    sizes[i] = size;
    budget = std::max<int64_t>(1, budget / size);
  }
  return getAsIndexOpFoldResult(b.getContext(), sizes);
}

/// A reduction that multiplies its inputs (a contraction or a convolution,
/// which kiln-lower-contractions blocks itself), unlike a pooling window.
bool isMultiplyAccumulate(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInputs() < 2)
    return false;
  bool multiplies = false;
  op->walk([&](Operation *inner) {
    if (isa<arith::MulFOp, arith::MulIOp>(inner))
      multiplies = true;
  });
  return multiplies;
}

struct KilnFusePass : public kiln::impl::KilnFuseBase<KilnFusePass> {
  using KilnFuseBase::KilnFuseBase;

  bool worthTilingAlone(linalg::LinalgOp op) const {
    if (isa<linalg::FillOp>(op) || isMultiplyAccumulate(op))
      return false;
    int64_t elements = 1;
    for (auto [range, it] : llvm::zip(op.getStaticLoopRanges(),
                                      op.getIteratorTypesArray())) {
      if (it != utils::IteratorType::parallel)
        continue;
      if (ShapedType::isDynamic(range))
        return false;
      elements *= range;
    }
    return elements >= 2 * tileElements;
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    generalizeMovementOps(func);

    // A convolution's result is [N, G, M/G, O...], collapsed to [N, M, O...]
    // for its users; the collapse would end the kernel before an elementwise
    // consumer (a ReLU). Such a consumer is expanded to the grouped shape
    // instead, the collapse moving after it, so that both fuse.
    RewritePatternSet reshapes(ctx);
    linalg::populateFoldReshapeOpsByExpansionPatterns(
        reshapes, [](OpOperand *fused) {
          auto collapse = fused->get().getDefiningOp<tensor::CollapseShapeOp>();
          auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
          if (!collapse || !consumer || !isAllParallel(consumer))
            return false;
          auto producer = collapse.getSrc().getDefiningOp<linalg::LinalgOp>();
          return producer && isMultiplyAccumulate(producer);
        });
    if (failed(applyPatternsGreedily(func, std::move(reshapes))))
      return signalPassFailure();

    RewritePatternSet patterns(ctx);
    patterns.add<FuseElementwise>(ctx);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();

    if (failed(formKernels(func)))
      return signalPassFailure();

    // A fused member's init, a slice of a whole-size empty tensor, becomes a
    // tile-sized empty tensor: intermediates live per tile.
    RewritePatternSet emptyPatterns(ctx);
    tensor::populateFoldTensorEmptyPatterns(emptyPatterns);
    // Sizes read from fused members' results (loop bounds) are read from
    // their inits instead, so that the members outside the loop die.
    memref::populateResolveRankedShapedTypeResultDimsPatterns(emptyPatterns);
    if (failed(applyPatternsGreedily(func, std::move(emptyPatterns))))
      return signalPassFailure();

    // What fusion left unused (inits, sizes). The canonicalizer is not run
    // after this pass: it would inline single-tile kernels back into the
    // function and hide which ops form a kernel.
    SmallVector<Operation *> ops;
    for (Operation &op : func.getBody().front())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (isOpTriviallyDead(op))
        op->erase();
  }

  /// Remembers the ops a rewrite erased, so that pointers to them are not
  /// followed.
  struct ErasedOps : public RewriterBase::Listener {
    DenseSet<Operation *> erased;
    void notifyOperationErased(Operation *op) override { erased.insert(op); }
  };

  LogicalResult formKernels(func::FuncOp func) {
    ErasedOps listener;
    IRRewriter rewriter(func.getContext(), &listener);
    SmallVector<Operation *> candidates;
    for (Operation &op : func.getBody().front())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
          linalgOp && linalgOp.hasPureTensorSemantics() &&
          isa<TilingInterface>(op))
        candidates.push_back(&op);

    DenseSet<Operation *> assigned;
    for (Operation *consumer : llvm::reverse(candidates)) {
      if (assigned.contains(consumer))
        continue;
      llvm::SetVector<Operation *> groupSet = formGroup(consumer);
      assigned.insert(groupSet.begin(), groupSet.end());
      SmallVector<Operation *> group(groupSet.begin(), groupSet.end());
      unsigned computeOps = llvm::count_if(group, [](Operation *op) {
        return !isa<linalg::FillOp>(op);
      });
      auto linalgConsumer = cast<linalg::LinalgOp>(consumer);
      // A lone op is tiled too when it spans several tiles, so that its
      // tiles run in parallel; contractions (two inputs and a reduction)
      // get their own blocking from kiln-lower-contractions.
      if (computeOps < 2 && !worthTilingAlone(linalgConsumer))
        continue;
      SmallVector<bool> tiled;
      for (utils::IteratorType it : linalgConsumer.getIteratorTypesArray())
        tiled.push_back(it == utils::IteratorType::parallel);
      for (int64_t conflict = findTilingConflict(consumer, groupSet, tiled);
           conflict >= 0;
           conflict = findTilingConflict(consumer, groupSet, tiled))
        tiled[conflict] = false;
      if (llvm::none_of(tiled, [](bool t) { return t; }))
        continue;

      rewriter.setInsertionPoint(consumer);
      scf::SCFTilingOptions tiling;
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      tiling.setTileSizes(
          chooseTileSizes(rewriter, linalgConsumer, tiled, tileElements,
                          llvm::any_of(group, [](Operation *op) {
                            auto l = dyn_cast<linalg::LinalgOp>(op);
                            return l && l.getNumReductionLoops() > 0 &&
                                   l.getNumDpsInputs() >= 2;
                          })));
      scf::SCFTileAndFuseOptions options;
      options.setTilingOptions(tiling);
      options.setFusionControlFn(
          [&](tensor::ExtractSliceOp, OpResult producer, bool)
              -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
            if (!groupSet.contains(producer.getOwner()))
              return std::nullopt;
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          });
      FailureOr<scf::SCFTileAndFuseResult> result =
          scf::tileConsumerAndFuseProducersUsingSCF(
              rewriter, cast<TilingInterface>(consumer), options);
      if (failed(result))
        continue; // left as separate kernels
      if (!listener.erased.contains(consumer))
        for (OpResult r : consumer->getResults())
          if (Value replacement = result->replacements.lookup(r))
            rewriter.replaceAllUsesWith(r, replacement);
      // The members now live inside the loop; the originals are dead once
      // the slices fusion left behind are gone.
      for (LoopLikeOpInterface loop : result->loops) {
        SmallVector<Operation *> dead;
        loop->walk([&](Operation *op) {
          if (op != loop.getOperation() && isOpTriviallyDead(op))
            dead.push_back(op);
        });
        for (Operation *op : llvm::reverse(dead))
          if (isOpTriviallyDead(op))
            rewriter.eraseOp(op);
      }
      for (bool erased = true; erased;) {
        erased = false;
        for (Operation *&member : group)
          if (member && listener.erased.contains(member))
            member = nullptr;
          else if (member && member->use_empty()) {
            rewriter.eraseOp(member);
            member = nullptr;
            erased = true;
          }
      }
      if (!result->loops.empty()) {
        Operation *loop = result->loops.front();
        DominanceInfo dominance(loop);
        eliminateCommonSubExpressions(rewriter, dominance, loop);
      }
    }
    return success();
  }
};

} // namespace
