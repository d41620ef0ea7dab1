//===- JsonOps.h - the JSON frontend's op table ------------------*- C++ -*-===//
//
// Internal to the JSON frontend. Each graph-format op is one OpSpec: its
// arity, its attributes and how they are typed, which dtypes it takes, and a
// builder that creates the kiln op(s). Tables are kept per op family
// (JsonOps<Family>.cpp); the importer looks an op up in all of them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_JSON_JSONOPS_H
#define KILN_LIB_FRONTEND_JSON_JSONOPS_H

#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/Frontend/OpBuilding.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Region.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace mlir::kiln::json_frontend {

enum class AttrKind {
  Bool,
  Int,
  IntList,
  IntOrIntList,
  Float,  // a JSON number
  FloatList, // a list of JSON numbers (resize's scales)
  String, // a JSON string; OpSpec builders check the allowed values
  Dtype,  // a dtype name ("f32", ...), stored as its element type
  Graph,  // a nested graph (if, while): the importer checks and builds it
};

struct AttrSpec {
  llvm::StringLiteral name;
  AttrKind kind;
  bool required;
};

/// A node's checked attributes. A single integer given where a list is
/// allowed is stored as a list of one.
struct NodeAttrs {
  llvm::StringMap<bool> bools;
  llvm::StringMap<int64_t> ints;
  llvm::StringMap<SmallVector<int64_t>> lists;
  llvm::StringMap<double> floats;
  llvm::StringMap<SmallVector<double>> floatLists;
  llvm::StringMap<std::string> strings;
  llvm::StringMap<Type> dtypes;
  /// Nested graphs, built by the importer just before the node: a region of
  /// one block whose arguments are the graph's inputs (bound to the node's
  /// inputs from OpSpec::firstGraphInput on) and whose `kiln.yield` returns
  /// its outputs. A builder moves them into its op (Region::takeBody); the
  /// importer owns what is left.
  llvm::StringMap<Region *> graphs;
  /// How many outputs the node names (ops with kAnyOutputs, like split,
  /// produce that many results).
  unsigned numOutputs = 0;

  bool getBool(StringRef name, bool dflt) const {
    auto it = bools.find(name);
    return it == bools.end() ? dflt : it->second;
  }
  int64_t getInt(StringRef name, int64_t dflt) const {
    auto it = ints.find(name);
    return it == ints.end() ? dflt : it->second;
  }
  std::optional<ArrayRef<int64_t>> getList(StringRef name) const {
    auto it = lists.find(name);
    if (it == lists.end())
      return std::nullopt;
    return ArrayRef<int64_t>(it->second);
  }
  std::optional<double> getFloat(StringRef name) const {
    auto it = floats.find(name);
    if (it == floats.end())
      return std::nullopt;
    return it->second;
  }
  std::optional<ArrayRef<double>> getFloatList(StringRef name) const {
    auto it = floatLists.find(name);
    if (it == floatLists.end())
      return std::nullopt;
    return ArrayRef<double>(it->second);
  }
  std::optional<StringRef> getString(StringRef name) const {
    auto it = strings.find(name);
    if (it == strings.end())
      return std::nullopt;
    return StringRef(it->second);
  }
  Type getDtype(StringRef name) const { return dtypes.lookup(name); }
  Region *getGraph(StringRef name) const { return graphs.lookup(name); }
};

/// Which operand dtypes an op accepts, checked before building it so that
/// the message speaks the graph's vocabulary rather than ODS constraints.
/// Rules name the operands they constrain; `SameOperands` means all operands.
enum class DtypeRule { Any, SameOperands, Float };

/// Builds the kiln op(s) of a node and returns one value per node output.
/// Errors are emitted at `loc` (the node) and make it return failure.
using BuildFn = FailureOr<SmallVector<Value>> (*)(OpBuilder &, Location,
                                                  ValueRange,
                                                  const NodeAttrs &);

/// Outputs count: a fixed number, or `kAnyOutputs` (at least one; `split`).
inline constexpr unsigned kAnyOutputs = ~0u;

struct OpSpec {
  llvm::StringLiteral name;
  unsigned minInputs, maxInputs; // maxInputs ~0u: no limit (concat)
  ArrayRef<AttrSpec> attrs;
  DtypeRule dtypes;
  BuildFn build;
  unsigned numOutputs = 1;
  /// Ops with Graph attributes: the node input bound to a nested graph's
  /// first input (the others follow in order).
  unsigned firstGraphInput = 0;
};

/// An op with no attributes (result types inferred, or the operand's).
template <typename OpTy>
FailureOr<SmallVector<Value>> buildPlain(OpBuilder &b, Location loc,
                                         ValueRange operands,
                                         const NodeAttrs &) {
  return createOp<OpTy>(b, loc, operands);
}

// The family tables.
ArrayRef<OpSpec> elementwiseOps();
ArrayRef<OpSpec> nnOps();
ArrayRef<OpSpec> shapeOps();
ArrayRef<OpSpec> controlFlowOps();
ArrayRef<OpSpec> indexingOps();

/// The op named `name` in any family, or null.
const OpSpec *lookupOp(StringRef name);

} // namespace mlir::kiln::json_frontend

#endif // KILN_LIB_FRONTEND_JSON_JSONOPS_H
