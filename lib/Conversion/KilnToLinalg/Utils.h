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

/// The size of dimension `i` of `x` as an index value (a constant when
/// static).
Value dimOf(OpBuilder &b, Location loc, Value x, int64_t i);

using IndexedBodyFn =
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value>, ValueRange)>;

/// A linalg.generic over a result of `type` (dynamic sizes taken from
/// `dynamicSizes` by position) reading `inputs` through `inputMaps`: `body`
/// computes each element from the output indices (linalg.index) and the
/// inputs' elements.
Value buildIndexed(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<Value> dynamicSizes, ValueRange inputs,
                   ArrayRef<AffineMap> inputMaps, IndexedBodyFn body);

/// `tensor.extract x[indices]` when `inBounds`, else `fallback`: no read
/// happens out of bounds (an empty `x` included).
Value guardedExtract(OpBuilder &b, Location loc, Value x, ValueRange indices,
                     Value inBounds, Value fallback);

/// Patterns by op family (NN.cpp, Shape.cpp, ControlFlow.cpp, Indexing.cpp);
/// the elementwise family lives beside the pass in KilnToLinalg.cpp.
void populateNNPatterns(RewritePatternSet &patterns);
void populateShapePatterns(RewritePatternSet &patterns);
void populateControlFlowPatterns(RewritePatternSet &patterns);
void populateIndexingPatterns(RewritePatternSet &patterns);

} // namespace mlir::kiln::detail

#endif // KILN_LIB_CONVERSION_KILNTOLINALG_UTILS_H
