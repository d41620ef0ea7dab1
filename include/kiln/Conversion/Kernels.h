//===- Kernels.h - the kernels of a fused linalg function --------*- C++ -*-===//
//
// After kiln-fuse, the body of a graph function on linalg-on-tensors is a
// sequence of kernels: each top-level op that computes tensor data (a
// `linalg` op, an `scf.forall` holding a tiled and fused group, a pad, a
// concatenation, a loop...) is one kernel, and the `linalg.fill` that only
// initializes a kernel's destination belongs to that kernel. Ops that only
// describe data (constants, `tensor.empty`, reshapes, dims) are not kernels.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_KERNELS_H
#define KILN_CONVERSION_KERNELS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::kiln {

struct KernelInfo {
  /// The top-level op that is the kernel.
  Operation *root = nullptr;
  /// Graph nodes (kiln ops, by their node names) whose work the kernel does,
  /// in program order without repeats.
  std::vector<std::string> nodes;
  /// Bytes of tensors the kernel reads (values defined outside it, constants
  /// included) and writes (its results); -1 when a size is dynamic.
  int64_t bytesRead = 0;
  int64_t bytesWritten = 0;
};

/// The graph node a location names: the name of a `NameLoc` (inside fused
/// and call-site locations too), else `file:line:col`, else "".
std::string nodeNameOf(Location loc);

/// Every node name in a location (a fused location may hold several).
void collectNodeNames(Location loc, std::vector<std::string> &names);

/// True for top-level ops of a graph function that are kernels.
bool isKernelOp(Operation *op);

/// The kernels of a function on linalg-on-tensors, in program order.
std::vector<KernelInfo> collectKernels(func::FuncOp func);

} // namespace mlir::kiln

#endif // KILN_CONVERSION_KERNELS_H
