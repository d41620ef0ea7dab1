//===- Parallel.h - outlined parallel loops ------------------------*- C++ -*-===//
//
// kiln-outline-parallel turns each outermost parallel loop of a graph into a
// body function `@B(begin, end, captured...)` and a call of the declared
// `@B<kDispatchSuffix>(exec, n, captured...)`, which the CPU target defines.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONVERSION_PARALLEL_H
#define KILN_CONVERSION_PARALLEL_H

#include "llvm/ADT/StringRef.h"

namespace mlir::kiln {
inline constexpr llvm::StringLiteral kDispatchSuffix = ".kiln_dispatch";
} // namespace mlir::kiln

#endif // KILN_CONVERSION_PARALLEL_H
