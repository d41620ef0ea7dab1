//===- Utils.h - helpers shared by the kiln-to-linalg patterns ---*- C++ -*-===//
#ifndef KILN_LIB_CONVERSION_KILNTOLINALG_UTILS_H
#define KILN_LIB_CONVERSION_KILNTOLINALG_UTILS_H

#include "kiln/Conversion/Passes.h"

namespace mlir::kiln::detail {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

bool isFloat(Type t);

/// A scalar constant of type `t` (float or integer).
Value constantOf(OpBuilder &b, Location loc, Type t, double v);

/// Map from a result iteration space of shape `result` to an operand of shape
/// `shape` under NumPy broadcasting (right-aligned, size 1 stretches).
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> result);

/// Sizes of a broadcast result, dynamic ones read from the operands.
SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange operands);

/// A linalg.generic applying `body` elementwise to broadcast operands.
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange operands, BodyFn body);

/// Patterns by op family (NN.cpp, Shape.cpp, ControlFlow.cpp); the
/// elementwise family lives beside the pass in KilnToLinalg.cpp.
void populateNNPatterns(RewritePatternSet &patterns);
void populateShapePatterns(RewritePatternSet &patterns);
void populateControlFlowPatterns(RewritePatternSet &patterns);

} // namespace mlir::kiln::detail

#endif // KILN_LIB_CONVERSION_KILNTOLINALG_UTILS_H
