//===- KilnInterfaces.h - kiln op interfaces ---------------------*- C++ -*-===//
#ifndef KILN_DIALECT_KILN_IR_KILNINTERFACES_H
#define KILN_DIALECT_KILN_IR_KILNINTERFACES_H

#include "dialects/kiln/IR/SymbolicDims.h"
#include "mlir/IR/OpDefinition.h"

namespace mlir::kiln {

/// Ops whose one result has the shape of their first operand (elementwise
/// unary ops, softmax, ...); kiln-infer-symbolic-dims handles them without
/// a per-op rule.
template <typename ConcreteType>
class SameSymbolicShape
    : public OpTrait::TraitBase<ConcreteType, SameSymbolicShape> {};

} // namespace mlir::kiln

#include "dialects/kiln/IR/KilnInterfaces.h.inc"

#endif // KILN_DIALECT_KILN_IR_KILNINTERFACES_H
