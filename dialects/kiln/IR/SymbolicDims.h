//===- SymbolicDims.h - symbolic dimension expressions -----------*- C++ -*-===//
//
// A dimension whose size is known only at run time is a product of named
// symbols (bound by the graph inputs' dimensions) and an integer: `N`, `4*N`,
// `N*S`. Static dimensions are the products with no symbols.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_DIALECT_KILN_IR_SYMBOLICDIMS_H
#define KILN_DIALECT_KILN_IR_SYMBOLICDIMS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::kiln {

struct SymDim {
  int64_t factor = 1;
  SmallVector<std::string, 2> symbols; // sorted, with repeats

  static SymDim constant(int64_t v) { return SymDim{v, {}}; }
  static SymDim symbol(StringRef name) { return SymDim{1, {name.str()}}; }
  bool isStatic() const { return symbols.empty(); }
  bool operator==(const SymDim &o) const {
    return factor == o.factor && symbols == o.symbols;
  }
  bool operator!=(const SymDim &o) const { return !(*this == o); }
  SymDim operator*(const SymDim &o) const;
  /// Exact division; nullopt if `o` does not divide this.
  std::optional<SymDim> divide(const SymDim &o) const;
  /// "784", "N", "4*N*S".
  std::string str() const;
  /// Parses str()'s form; nullopt on a malformed string.
  static std::optional<SymDim> parse(StringRef text);
};

using SymShape = SmallVector<SymDim, 4>;

/// Reads a `kiln.dims` array (integers and symbol expressions).
std::optional<SymShape> symShapeFromAttr(ArrayAttr attr);
/// Builds a `kiln.dims` array: integers for static dims, strings otherwise.
ArrayAttr symShapeToAttr(MLIRContext *ctx, ArrayRef<SymDim> shape);

/// The shape of each value, as computed so far (for the op interface).
using SymShapeFn = function_ref<const SymShape &(Value)>;

/// "[N, 4]".
std::string symShapeStr(ArrayRef<SymDim> shape);
/// The product of `dims`.
SymDim symProduct(ArrayRef<SymDim> dims);
/// NumPy broadcasting of symbolic shapes; a symbolic dimension meets only
/// itself or 1. Emits an error on `op` otherwise.
FailureOr<SmallVector<SymDim, 4>> symBroadcast(Operation *op,
                                               ArrayRef<SymDim> a,
                                               ArrayRef<SymDim> b);
/// The shape of a statically shaped type.
SmallVector<SymDim, 4> symShapeOfType(Type type);

} // namespace mlir::kiln

#endif // KILN_DIALECT_KILN_IR_SYMBOLICDIMS_H
