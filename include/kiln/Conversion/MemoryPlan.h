//===- MemoryPlan.h - placing buffers in one workspace ------------*- C++ -*-===//
//
// The offset assignment of kiln-plan-memory, free of MLIR so that it can be
// tested on its own. A buffer lives over [start, end] (inclusive positions in
// program order); buffers whose lifetimes overlap must get disjoint bytes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_MEMORYPLAN_H
#define KILN_CONVERSION_MEMORYPLAN_H

#include <cstdint>
#include <vector>

namespace mlir::kiln {

/// On the module: the workspace a graph needs, in bytes (i64).
inline constexpr const char kWorkspaceSizeAttr[] = "kiln.workspace_size";
/// On the graph function: the plan, one [offset, bytes, first, last] array
/// per planned buffer.
inline constexpr const char kMemoryPlanAttr[] = "kiln.memory_plan";
/// Offsets are multiples of this (a cache line; the workspace itself is
/// 64-byte aligned by contract).
inline constexpr int64_t kWorkspaceAlignment = 64;

struct PlannedBuffer {
  int64_t size = 0;
  int64_t start = 0, end = 0; // lifetime, inclusive
  int64_t offset = 0;         // set by planOffsets
};

/// Sets every buffer's offset (multiples of `alignment`) so that buffers
/// with overlapping lifetimes do not overlap in memory, and returns the
/// workspace size. Greedy placement (first fit and best fit into the gaps
/// between the buffers live at the same time), tried in several orders
/// (largest first, most crowded first, longest-lived first, earliest first),
/// then improved by a bounded, deterministic local search over the order;
/// the smallest workspace wins.
uint64_t planOffsets(std::vector<PlannedBuffer> &buffers, int64_t alignment);

/// The largest total of the (aligned) sizes of buffers live at one position:
/// no valid plan is smaller.
uint64_t maxLiveBytes(const std::vector<PlannedBuffer> &buffers,
                      int64_t alignment);

} // namespace mlir::kiln

#endif // KILN_CONVERSION_MEMORYPLAN_H
