//===- KilnOps.h - kiln dialect operations -----------------------*- C++ -*-===//
#ifndef KILN_DIALECT_KILN_IR_KILNOPS_H
#define KILN_DIALECT_KILN_IR_KILNOPS_H

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnInterfaces.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::kiln {

/// NumPy broadcasting of two shapes. A dynamic dimension meets another dynamic
/// dimension (assumed equal; the symbolic shape analysis proves it) or 1.
/// Returns failure when the shapes cannot broadcast.
FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b);

/// Normalizes a possibly negative axis against `rank`; failure if out of range.
FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// The kiln_dtype code (kiln/abi.h) of an element type, 0 if the graph format
/// has no such dtype. Signless integers are the format's signed types; u8 is
/// the only unsigned one.
int32_t getDtypeCode(Type elementType);
/// The graph format's name of a kiln_dtype code ("f32", "u8", ...), "?" for
/// an unknown code.
const char *getDtypeName(int32_t code);

/// Argument and result attribute names carried by a graph's func.func.
inline constexpr llvm::StringLiteral kNameAttr = "kiln.name";
inline constexpr llvm::StringLiteral kDimsAttr = "kiln.dims";

/// Symbolic shape rules shared by op classes (see SymbolicShapeOpInterface).
LogicalResult inferBroadcastSymbolicShapes(Operation *op, SymShapeFn shapeOf,
                                           SmallVectorImpl<SymShape> &results);
LogicalResult inferReduceSymbolicShapes(Operation *op, ArrayRef<int64_t> axes,
                                        bool keepdims, SymShapeFn shapeOf,
                                        SmallVectorImpl<SymShape> &results);

} // namespace mlir::kiln

#define GET_OP_CLASSES
#include "dialects/kiln/IR/KilnOps.h.inc"

#endif // KILN_DIALECT_KILN_IR_KILNOPS_H
