//===- Kernels.cpp - the kernels of a fused linalg function ------*- C++ -*-===//
#include "kiln/Conversion/Kernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SetVector.h"

#include <set>

using namespace mlir;
using namespace mlir::kiln;

void mlir::kiln::collectNodeNames(Location loc,
                                  std::vector<std::string> &names) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    names.push_back(name.getName().str());
    return;
  }
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      collectNodeNames(inner, names);
    return;
  }
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return collectNodeNames(callSite.getCallee(), names);
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    names.push_back((file.getFilename().strref() + ":" +
                     Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                        .str());
}

std::string mlir::kiln::nodeNameOf(Location loc) {
  std::vector<std::string> names;
  collectNodeNames(loc, names);
  return names.empty() ? std::string() : names.front();
}

namespace {
/// A `linalg.fill` that only initializes other ops' destinations is part of
/// the kernel it initializes.
bool isAttachedFill(Operation *op) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  if (!fill || fill->use_empty())
    return false;
  for (OpOperand &use : fill->getUses()) {
    auto user = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
    if (!user || !user.isDpsInit(&use))
      return false;
  }
  return true;
}

int64_t tensorBytes(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 0;
  if (!tensor.hasStaticShape())
    return -1;
  int64_t bits = tensor.getElementType().getIntOrFloatBitWidth();
  return tensor.getNumElements() * ((bits + 7) / 8);
}

void addBytes(int64_t &total, int64_t bytes) {
  if (total < 0 || bytes < 0)
    total = -1;
  else
    total += bytes;
}

/// Does reading `value` mean reading memory? Empty tensors and the fills of
/// a destination are written, not read.
bool isReadData(Value value) {
  Operation *def = value.getDefiningOp();
  return !isa_and_nonnull<tensor::EmptyOp, linalg::FillOp>(def);
}
} // namespace

bool mlir::kiln::isKernelOp(Operation *op) {
  if (op->getNumRegions() == 0 &&
      llvm::none_of(op->getResultTypes(),
                    [](Type t) { return isa<TensorType>(t); }))
    return false; // scalar arithmetic, dims, the terminator
  if (isa<arith::ConstantOp, tensor::EmptyOp, tensor::DimOp,
          tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ReshapeOp,
          tensor::CastOp, tensor::ExtractSliceOp, tensor::FromElementsOp,
          tensor::SplatOp>(op) ||
      isa<bufferization::BufferizationDialect>(op->getDialect()))
    return false;
  return !isAttachedFill(op);
}

std::vector<KernelInfo> mlir::kiln::collectKernels(func::FuncOp func) {
  std::vector<KernelInfo> kernels;
  for (Operation &op : func.getBody().front()) {
    if (!isKernelOp(&op))
      continue;
    KernelInfo kernel;
    kernel.root = &op;
    llvm::SetVector<Operation *> members;
    // The fills initializing this kernel's destinations.
    for (Value operand : op.getOperands())
      if (Operation *def = operand.getDefiningOp(); def && isAttachedFill(def))
        members.insert(def);
    members.insert(&op);

    std::vector<std::string> names;
    llvm::SetVector<Value> reads;
    for (Operation *member : members)
      member->walk<WalkOrder::PreOrder>([&](Operation *inner) {
        // A tile loop carries its consumer's location; the ops inside name
        // the nodes in program order.
        // Slices, sizes and index arithmetic carry the location of the op
        // they were made for.
        if (!isa<scf::ForallOp, scf::InParallelOp, tensor::ExtractSliceOp,
                 tensor::ParallelInsertSliceOp, tensor::EmptyOp,
                 tensor::DimOp>(inner) &&
            !isa<arith::ArithDialect, affine::AffineDialect>(
                inner->getDialect()))
          collectNodeNames(inner->getLoc(), names);
        for (Value operand : inner->getOperands()) {
          if (!isa<RankedTensorType>(operand.getType()))
            continue;
          Operation *def = operand.getDefiningOp();
          Region *defRegion = def ? def->getParentRegion()
                                  : operand.getParentRegion();
          // Values defined inside the kernel are its own.
          if (def ? members.contains(def) ||
                        llvm::any_of(members,
                                     [&](Operation *m) {
                                       return m->isProperAncestor(def);
                                     })
                  : llvm::any_of(members, [&](Operation *m) {
                      return m->isAncestor(defRegion->getParentOp());
                    }))
            continue;
          if (isReadData(operand))
            reads.insert(operand);
        }
      });
    std::set<std::string> seen;
    for (std::string &name : names)
      if (!name.empty() && seen.insert(name).second)
        kernel.nodes.push_back(std::move(name));
    for (Value value : reads)
      addBytes(kernel.bytesRead, tensorBytes(value.getType()));
    for (Type type : op.getResultTypes())
      addBytes(kernel.bytesWritten, tensorBytes(type));
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}
