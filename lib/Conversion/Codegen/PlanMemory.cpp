//===- PlanMemory.cpp - one planned workspace for all intermediates -*- C++ -*-===//
//
// After bufferization every intermediate tensor of a graph is a memref.alloc.
// This pass gives each statically shaped one an offset in a single workspace
// that the caller provides (kiln_graph_desc::workspace_size bytes), so that a
// run allocates nothing:
//
//   - Lifetimes are intervals over the graph function's top-level ops: from
//     the op that holds the allocation to the last op that uses the buffer or
//     any view of it (uses in nested regions count for the top-level op that
//     holds them). A buffer inside a sequential loop keeps its place across
//     iterations, which is right because it does not outlive one iteration.
//   - Buffers whose lifetimes overlap get disjoint bytes; the others may share
//     (see planOffsets in MemoryPlan.h for the algorithm).
//   - Allocations inside an scf.forall body are per-iteration scratch; the
//     iterations run on several threads, so they become memref.alloca (each
//     thread's stack), hoisted out of the loop by kiln-outline-parallel.
//   - A buffer that escapes (yielded from a region, returned, passed to a
//     call) or has a dynamic shape is left to the deallocation pipeline.
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/MemoryPlan.h"
#include "kiln/Conversion/Passes.h"

#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNPLANMEMORY
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

/// Per-iteration scratch of one scf.forall body above this size stays on the
/// heap rather than on a thread's stack.
static constexpr int64_t kMaxStackBytesPerLoop = 2 << 20;

/// Bytes of a statically shaped buffer of scalars (index is 64-bit on every
/// target Kiln generates for); 0 for element types the plan does not handle.
static int64_t byteSize(MemRefType t) {
  Type e = t.getElementType();
  int64_t bits = e.isIndex() ? 64 : e.isIntOrFloat() ? e.getIntOrFloatBitWidth()
                                                     : 0;
  return t.getNumElements() * ((bits + 7) / 8);
}

namespace {
struct Candidate {
  memref::AllocOp alloc;
  int64_t start, end;
};
} // namespace

/// The last top-level position at which `alloc` (or a view of it) is used,
/// or nullopt when the buffer escapes where the plan cannot follow it.
static std::optional<int64_t>
lastUse(memref::AllocOp alloc, Block &body,
        const DenseMap<Operation *, int64_t> &position) {
  int64_t last = position.lookup(body.findAncestorOpInBlock(*alloc));
  SmallVector<Value> worklist = {alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(user))
        return std::nullopt;
      Operation *top = body.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      last = std::max(last, position.lookup(top));
      // A result that is a memref may alias the buffer (views, casts,
      // reshapes): follow it.
      for (Value r : user->getResults())
        if (isa<BaseMemRefType>(r.getType()))
          worklist.push_back(r);
    }
  }
  return last;
}

namespace {
struct KilnPlanMemoryPass
    : public kiln::impl::KilnPlanMemoryBase<KilnPlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    uint64_t workspace = 0;
    for (auto f : module.getOps<func::FuncOp>()) {
      if (f.isExternal() || f.isPrivate())
        continue;
      FailureOr<uint64_t> size = plan(f);
      if (failed(size))
        return signalPassFailure();
      workspace = std::max(workspace, *size);
    }
    module->setAttr(kWorkspaceSizeAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                     workspace));
  }

  FailureOr<uint64_t> plan(func::FuncOp f) {
    MLIRContext *ctx = &getContext();
    Block &body = f.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;

    // Scratch of parallel loop bodies goes to the stack.
    DenseMap<Operation *, int64_t> stackBytes;
    SmallVector<memref::AllocOp> allocs;
    f.walk([&](memref::AllocOp a) { allocs.push_back(a); });
    SmallVector<Candidate> candidates;
    for (memref::AllocOp a : allocs) {
      MemRefType t = a.getType();
      if (!t.hasStaticShape() || !t.getLayout().isIdentity() ||
          t.getMemorySpace() || byteSize(t) == 0)
        continue;
      std::optional<int64_t> end = lastUse(a, body, position);
      if (!end)
        continue;
      if (auto loop = a->getParentOfType<scf::ForallOp>()) {
        Operation *outer = loop;
        while (auto p = outer->getParentOfType<scf::ForallOp>())
          outer = p;
        int64_t &bytes = stackBytes[outer];
        if (bytes + byteSize(t) > kMaxStackBytesPerLoop)
          continue;
        bytes += byteSize(t);
        OpBuilder b(a);
        auto alloca = memref::AllocaOp::create(
            b, a.getLoc(), t, a.getAlignmentAttr());
        a.replaceAllUsesWith(alloca.getResult());
        a.erase();
        continue;
      }
      candidates.push_back(
          {a, position.lookup(body.findAncestorOpInBlock(*a)), *end});
    }

    std::vector<PlannedBuffer> buffers;
    for (Candidate &c : candidates)
      buffers.push_back({byteSize(c.alloc.getType()), c.start, c.end, 0});
    uint64_t size = planOffsets(buffers, kWorkspaceAlignment);

    // The workspace and the executor become the last two arguments.
    auto wsType = MemRefType::get({(int64_t)size}, IntegerType::get(ctx, 8));
    auto execType = LLVM::LLVMPointerType::get(ctx);
    unsigned n = f.getNumArguments();
    if (failed(f.insertArguments({n, n}, {wsType, execType},
                                 {DictionaryAttr::get(ctx),
                                  DictionaryAttr::get(ctx)},
                                 {f.getLoc(), f.getLoc()})))
      return failure();
    Value ws = f.getArgument(n);

    SmallVector<Attribute> report;
    for (auto [c, buf] : llvm::zip(candidates, buffers)) {
      OpBuilder b(c.alloc);
      Value offset = arith::ConstantIndexOp::create(b, c.alloc.getLoc(),
                                                    buf.offset);
      auto view = memref::ViewOp::create(b, c.alloc.getLoc(),
                                         c.alloc.getType(), ws, offset,
                                         ValueRange{});
      c.alloc.replaceAllUsesWith(view.getResult());
      c.alloc.erase();
      report.push_back(DenseI64ArrayAttr::get(
          ctx, {buf.offset, buf.size, buf.start, buf.end}));
    }
    // The plan, for tests and `kiln inspect`: [offset, bytes, first, last]
    // per buffer, lifetimes in top-level op positions.
    f->setAttr(kMemoryPlanAttr, ArrayAttr::get(ctx, report));
    return size;
  }
};
} // namespace
