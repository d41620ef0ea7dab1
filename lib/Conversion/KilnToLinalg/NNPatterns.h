//===- NNPatterns.h - shared by the nn-family lowerings ---------*- C++ -*-===//
//
// Private to NN.cpp and ConvPool.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_CONVERSION_KILNTOLINALG_NNPATTERNS_H
#define KILN_LIB_CONVERSION_KILNTOLINALG_NNPATTERNS_H

#include "Utils.h"

namespace mlir::kiln::detail {

/// The identity of max (-inf, or the signed minimum) and of min.
Value lowestOf(OpBuilder &b, Location loc, Type t);
Value highestOf(OpBuilder &b, Location loc, Type t);

/// conv, conv_transpose, max_pool, avg_pool (ConvPool.cpp).
void populateConvPoolPatterns(RewritePatternSet &patterns);

} // namespace mlir::kiln::detail

#endif // KILN_LIB_CONVERSION_KILNTOLINALG_NNPATTERNS_H
