//===- OutlineParallel.cpp - parallel loops through the executor --*- C++ -*-===//
//
// Each outermost scf.forall of a graph function (bufferized, so without
// results) becomes
//
//   func.func private @G.par3(%begin: index, %end: index, %captured...) {
//     %c = <statically sized scratch of the body, as allocas>
//     scf.for %i = %begin to %end step 1 {
//       <%i delinearized into the forall's induction variables>
//       <the forall body>
//     }
//   }
//
// and the loop itself becomes `func.call @G.par3.kiln_dispatch(%exec, %n,
// %captured...)`, where %n is the (linearized) iteration count and %exec the
// graph's kiln_exec argument (added by kiln-plan-memory). The dispatch
// function is only declared here: the CPU target defines it in LLVM IR
// (lib/Target/CPU/ParallelEmitter.cpp), packing the captured values into a
// context for the executor's parallel_for, or calling the body over [0, n)
// when there is no executor.
//
// Values defined above the loop are passed as arguments, except constants,
// which are cloned into the body.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Parallel.h"
#include "kiln/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNOUTLINEPARALLEL
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

/// Constants and global references are cheaper to rematerialize than to
/// pass.
static bool isClonable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && (def->hasTrait<OpTrait::ConstantLike>() ||
                 isa<memref::GetGlobalOp>(def));
}

/// Loops with less work than this (roughly in scalar or vector operations)
/// run on the calling thread: waking another thread costs more than it saves.
static constexpr double kMinParallelWork = 1 << 15;

/// A rough count of the operations `region` executes: linalg ops count their
/// iteration space, loops with constant bounds multiply their body's count;
/// anything dynamic counts as large.
static double estimateWork(Region &region) {
  double work = 0;
  for (Block &block : region)
    for (Operation &op : block) {
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        double n = 1;
        for (int64_t r : linalgOp.getStaticLoopRanges())
          n *= ShapedType::isDynamic(r) ? 1e6 : double(r);
        work += n;
        continue;
      }
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        std::optional<APInt> trips = loop.getStaticTripCount();
        work += (trips ? double(trips->getZExtValue()) : 1e6) *
                estimateWork(loop.getRegion());
        continue;
      }
      double inner = 1;
      for (Region &r : op.getRegions())
        inner += estimateWork(r);
      work += inner;
    }
  return work;
}

namespace {
struct KilnOutlineParallelPass
    : public kiln::impl::KilnOutlineParallelBase<KilnOutlineParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> graphs;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isExternal() && !f.isPrivate())
        graphs.push_back(f);
    for (func::FuncOp f : graphs) {
      // kiln-plan-memory made the executor the last argument.
      if (f.getNumArguments() == 0 ||
          !isa<LLVM::LLVMPointerType>(f.getArgumentTypes().back()))
        continue;
      Value exec = f.getArguments().back();
      SmallVector<scf::ForallOp> loops;
      f.walk<WalkOrder::PreOrder>([&](scf::ForallOp loop) {
        loops.push_back(loop);
        return WalkResult::skip();
      });
      unsigned index = 0;
      for (scf::ForallOp loop : loops) {
        double n = 1;
        for (auto [lb, ub, step] :
             llvm::zip(loop.getMixedLowerBound(), loop.getMixedUpperBound(),
                       loop.getMixedStep())) {
          std::optional<int64_t> l = getConstantIntValue(lb),
                                 u = getConstantIntValue(ub),
                                 st = getConstantIntValue(step);
          n *= l && u && st && *st > 0 ? double((*u - *l + *st - 1) / *st)
                                       : 1e6;
        }
        if (n * estimateWork(loop.getRegion()) < kMinParallelWork) {
          keepSerial(f, loop);
          continue;
        }
        if (failed(outline(f, loop, exec, index++)))
          return signalPassFailure();
      }
    }
  }

  /// A loop that stays in the graph runs serially: its scratch is allocated
  /// once, at the function's entry.
  void keepSerial(func::FuncOp f, scf::ForallOp loop) {
    SmallVector<memref::AllocaOp> allocas;
    loop.walk([&](memref::AllocaOp a) {
      if (a->getNumOperands() == 0)
        allocas.push_back(a);
    });
    Block &entry = f.getBody().front();
    for (memref::AllocaOp a : allocas)
      a->moveBefore(&entry, entry.begin());
  }

  LogicalResult outline(func::FuncOp f, scf::ForallOp loop, Value exec,
                        unsigned index) {
    if (loop.getNumResults() != 0)
      return loop.emitOpError("kiln-outline-parallel runs after bufferization");
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    OpBuilder b(loop);

    // Trip counts, in the caller.
    SmallVector<Value> lbs = getValueOrCreateConstantIndexOp(
        b, loc, loop.getMixedLowerBound());
    SmallVector<Value> ubs = getValueOrCreateConstantIndexOp(
        b, loc, loop.getMixedUpperBound());
    SmallVector<Value> steps =
        getValueOrCreateConstantIndexOp(b, loc, loop.getMixedStep());
    SmallVector<Value> counts;
    Value total = arith::ConstantIndexOp::create(b, loc, 1);
    for (auto [lb, ub, step] : llvm::zip(lbs, ubs, steps)) {
      Value span = b.createOrFold<arith::SubIOp>(loc, ub, lb);
      Value n = b.createOrFold<arith::CeilDivSIOp>(loc, span, step);
      n = b.createOrFold<arith::MaxSIOp>(
          loc, n, arith::ConstantIndexOp::create(b, loc, 0));
      counts.push_back(n);
      total = b.createOrFold<arith::MulIOp>(loc, total, n);
    }

    // What the body needs from outside, plus the bounds for the
    // induction variables.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(loop.getRegion(), above);
    for (Value v : llvm::concat<Value>(lbs, steps, counts))
      above.insert(v);
    SmallVector<Value> captured, cloned;
    for (Value v : above)
      (isClonable(v) ? cloned : captured).push_back(v);

    // The body function.
    SmallVector<Type> argTypes = {b.getIndexType(), b.getIndexType()};
    for (Value v : captured)
      argTypes.push_back(v.getType());
    std::string name = (f.getSymName() + ".par" + Twine(index)).str();
    OpBuilder mb(f);
    mb.setInsertionPointAfter(f);
    auto body = func::FuncOp::create(mb, loc, name,
                                     FunctionType::get(ctx, argTypes, {}));
    body.setPrivate();
    Block *entry = body.addEntryBlock();
    OpBuilder bb = OpBuilder::atBlockBegin(entry);
    IRMapping map;
    for (Value v : cloned)
      map.map(v, bb.clone(*v.getDefiningOp())->getResult(0));
    for (auto [v, arg] : llvm::zip(captured, entry->getArguments().drop_front(2)))
      map.map(v, arg);
    auto inner = scf::ForOp::create(
        bb, loc, entry->getArgument(0), entry->getArgument(1),
        arith::ConstantIndexOp::create(bb, loc, 1));
    func::ReturnOp::create(bb, loc);

    OpBuilder lb = OpBuilder::atBlockBegin(inner.getBody());
    Value linear = inner.getInductionVar();
    SmallVector<Value> mappedCounts;
    for (Value c : counts)
      mappedCounts.push_back(map.lookup(c));
    SmallVector<Value> idx;
    if (counts.size() == 1)
      idx.push_back(linear);
    else
      idx = affine::AffineDelinearizeIndexOp::create(lb, loc, linear,
                                                     mappedCounts,
                                                     /*hasOuterBound=*/true)
                .getResults();
    for (auto [iv, i, lbv, step] :
         llvm::zip(loop.getInductionVars(), idx, lbs, steps)) {
      Value v = arith::MulIOp::create(lb, loc, i, map.lookup(step));
      map.map(iv, arith::AddIOp::create(lb, loc, v, map.lookup(lbv)));
    }
    for (Operation &op : loop.getBody()->without_terminator())
      lb.clone(op, map);

    // Per-iteration scratch is allocated once per call, at the entry.
    SmallVector<memref::AllocaOp> allocas;
    inner.walk([&](memref::AllocaOp a) {
      if (a->getNumOperands() == 0)
        allocas.push_back(a);
    });
    for (memref::AllocaOp a : allocas)
      a->moveBefore(inner);

    // The dispatch declaration and its call.
    SmallVector<Type> dispatchTypes = {exec.getType(), b.getIndexType()};
    for (Value v : captured)
      dispatchTypes.push_back(v.getType());
    auto dispatch = func::FuncOp::create(
        mb, loc, name + kDispatchSuffix.str(),
        FunctionType::get(ctx, dispatchTypes, {}));
    dispatch.setPrivate();
    SmallVector<Value> operands = {exec, total};
    operands.append(captured.begin(), captured.end());
    func::CallOp::create(b, loc, dispatch, operands);
    loop.erase();
    return success();
  }
};
} // namespace
