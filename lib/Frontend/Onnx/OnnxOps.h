//===- OnnxOps.h - the ONNX frontend's op converters -------------*- C++ -*-===//
//
// Internal to the ONNX frontend. Each ONNX op type has one converter: a
// function that reads the node (inputs, attributes, the model's opset) through
// a NodeContext and builds kiln ops for it, decomposing where ONNX has no
// direct kiln counterpart. Converters are kept per family
// (OnnxOps<Family>.cpp); the importer looks an op type up in all of them.
//
// Conventions for converters:
//  - Version differences are decided with `ctx.opset` (the model's default
//    domain version), e.g. Clip's min/max are attributes before opset 11 and
//    inputs from it.
//  - A tensor input that kiln needs as an attribute (Reshape's shape, Slice's
//    starts, ...) is read with ctx.constInts(); the importer folds constant
//    subgraphs (Shape -> Gather -> Concat chains) as it goes, so these are
//    constants whenever the model's shapes are known.
//  - Anything valid ONNX that Kiln does not handle is reported with
//    ctx.unsupported("..."): the importer collects those for all nodes and
//    the conformance report lists them. Invalid models get ctx.error().
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_ONNX_ONNXOPS_H
#define KILN_LIB_FRONTEND_ONNX_ONNXOPS_H

#include "dialects/kiln/IR/KilnOps.h"
#include "kiln/Frontend/OpBuilding.h"
#include "kiln/Interpreter/Interpreter.h"
#include "kiln/abi.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace onnx {
class AttributeProto;
class GraphProto;
class NodeProto;
class TensorProto;
} // namespace onnx

namespace mlir::kiln::onnx_frontend {

class GraphImporter;

/// What a converter sees of one ONNX node.
class NodeContext {
public:
  NodeContext(GraphImporter &importer, OpBuilder &b, Location loc,
              const onnx::NodeProto &node, int64_t opset,
              SmallVector<Value> inputs)
      : b(b), loc(loc), opset(opset), node(node), importer(importer),
        inputs(std::move(inputs)) {}

  OpBuilder &b;
  Location loc;
  /// The model's version of the default ONNX domain.
  const int64_t opset;
  const onnx::NodeProto &node;

  MLIRContext *getContext() const { return b.getContext(); }
  StringRef opType() const;
  std::string name() const;

  //===--- Inputs and outputs ---------------------------------------------===//
  /// Inputs as the node lists them, empty names included.
  unsigned numInputs() const { return inputs.size(); }
  /// Whether optional input `i` is given (listed with a non-empty name).
  bool hasInput(unsigned i) const { return i < inputs.size() && inputs[i]; }
  /// Input `i`, or a null value when it is not given.
  Value input(unsigned i) const { return hasInput(i) ? inputs[i] : Value(); }
  RankedTensorType inputType(unsigned i) const {
    return hasInput(i) ? cast<RankedTensorType>(inputs[i].getType())
                       : RankedTensorType();
  }
  /// Outputs as the node lists them, empty names included.
  unsigned numOutputs() const;
  /// Whether output `i` is wanted (listed with a non-empty name).
  bool hasOutput(unsigned i) const;

  /// Input `i`'s value when it is a compile-time constant (an initializer,
  /// a Constant node, or folded from them), else null.
  const HostTensor *constInput(unsigned i) const;
  /// The elements of constant integer (or float, rounded toward zero) input
  /// `i`. Reports "input N ('name') must be a compile-time constant" through
  /// unsupported() if it is not one.
  FailureOr<SmallVector<int64_t>> constInts(unsigned i) const;
  /// The elements of a constant numeric input, as doubles.
  FailureOr<SmallVector<double>> constFloats(unsigned i) const;

  //===--- Attributes -----------------------------------------------------===//
  const onnx::AttributeProto *attr(StringRef name) const;
  bool hasAttr(StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(StringRef name, int64_t dflt) const;
  double attrFloat(StringRef name, double dflt) const;
  std::string attrString(StringRef name, StringRef dflt) const;
  std::optional<SmallVector<int64_t>> attrInts(StringRef name) const;
  std::optional<SmallVector<double>> attrFloats(StringRef name) const;
  /// A tensor-valued attribute (Constant's `value`, ConstantOfShape's
  /// `value`), converted; nullopt when absent. Errors are reported.
  std::optional<HostTensor> attrTensor(StringRef name) const;
  /// A graph-valued attribute (If's branches, Loop's body), or null.
  const onnx::GraphProto *attrGraph(StringRef name) const;

  //===--- Diagnostics ----------------------------------------------------===//
  /// An error about an invalid node: "node 'NAME' (OpType): " + message.
  InFlightDiagnostic error() const;
  /// Something valid that Kiln does not handle (an attribute value, a dtype,
  /// a non-constant shape input). Reported as
  /// "node 'NAME' (OpType): unsupported: WHAT"; returns failure.
  LogicalResult unsupported(const Twine &what) const;

  //===--- Building -------------------------------------------------------===//
  /// Creates a kiln op (see createOp) with one result.
  template <typename OpTy>
  FailureOr<Value> create(ValueRange operands,
                          typename OpTy::Properties props = {}) {
    auto results = createOp<OpTy>(b, loc, operands, props);
    if (failed(results))
      return failure();
    return (*results)[0];
  }
  template <typename OpTy>
  FailureOr<SmallVector<Value>>
  createMulti(ValueRange operands, typename OpTy::Properties props = {}) {
    return createOp<OpTy>(b, loc, operands, props);
  }
  /// A kiln.constant holding `tensor`.
  Value constant(const HostTensor &tensor);
  /// A rank-0 constant of element type `type` (float or integer).
  Value scalar(Type type, double value);
  /// A 1-D i64 constant.
  Value i64s(ArrayRef<int64_t> values);

  DenseI64ArrayAttr i64Array(ArrayRef<int64_t> values) const {
    return b.getDenseI64ArrayAttr(values);
  }
  IntegerAttr i64Attr(int64_t v) const { return b.getI64IntegerAttr(v); }
  BoolAttr boolAttr(bool v) const { return b.getBoolAttr(v); }
  FloatAttr f64Attr(double v) const { return b.getF64FloatAttr(v); }

  GraphImporter &getImporter() const { return importer; }

private:
  GraphImporter &importer;
  SmallVector<Value> inputs;
};

/// Builds the kiln ops of a node; pushes one value per node output (a null
/// value for an output that is not wanted and not computed).
using ConvertFn = LogicalResult (*)(NodeContext &ctx,
                                    SmallVectorImpl<Value> &outputs);

struct OnnxConverter {
  llvm::StringLiteral opType;
  ConvertFn convert;
  /// Inclusive range of default-domain opsets the converter handles.
  int64_t minOpset = 1, maxOpset = 17;
};

// The family tables.
ArrayRef<OnnxConverter> elementwiseConverters();
ArrayRef<OnnxConverter> nnConverters();
ArrayRef<OnnxConverter> shapeConverters();
ArrayRef<OnnxConverter> controlFlowConverters();
ArrayRef<OnnxConverter> recurrentConverters();
ArrayRef<OnnxConverter> lossConverters();

/// The converter for `opType`, or null.
const OnnxConverter *lookupConverter(StringRef opType);

//===--- Shared helpers ---------------------------------------------------===//

/// The element type of ONNX TensorProto data type `dataType`, or null for
/// one Kiln has no dtype for (strings, unsigned wider than 8 bits, complex).
Type elementTypeOf(MLIRContext *ctx, int32_t dataType);
/// The ONNX name of a TensorProto data type ("FLOAT", "UINT16", ...).
std::string onnxTypeName(int32_t dataType);

} // namespace mlir::kiln::onnx_frontend

#endif // KILN_LIB_FRONTEND_ONNX_ONNXOPS_H
