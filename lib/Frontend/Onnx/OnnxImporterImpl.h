//===- OnnxImporterImpl.h - state of one ONNX import -------------*- C++ -*-===//
//
// Internal to the ONNX frontend: the model-wide state (diagnostics, the
// constants known so far, folding) and one importer per (sub)graph, which
// maps ONNX value names to kiln values with lexical lookup into the
// enclosing graphs.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H
#define KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H

#include "OnnxOps.h"
#include "dialects/kiln/IR/SymbolicDims.h"
#include "kiln/Frontend/OnnxImporter.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <onnx/onnx_pb.h>

#include <memory>

namespace mlir::kiln::onnx_frontend {

class ModelImporter {
public:
  ModelImporter(MLIRContext *ctx, StringRef path,
                const OnnxImportOptions &options)
      : ctx(ctx), path(path.str()), options(options) {}

  OwningOpRef<ModuleOp> run();

  InFlightDiagnostic error(Location loc);

  /// Converts a TensorProto (raw, typed or external data). `what` names it
  /// in errors.
  FailureOr<HostTensor> readTensor(const onnx::TensorProto &proto,
                                   Location loc, const Twine &what);
  Value buildConstant(OpBuilder &b, Location loc, const HostTensor &t);
  /// The value of `v` if it is a kiln.constant, else null.
  const HostTensor *constantValue(Value v);
  /// Evaluates the ops in `created` whose operands are all constants,
  /// replacing them by constants (and the corresponding `outputs`).
  void foldCreated(OpBuilder &b, ArrayRef<Operation *> created,
                   SmallVectorImpl<Value> &outputs);
  Type dtypeElementType(int32_t dtype);

  //===--- Shapes of tensors with symbolic dims ---------------------------===//
  // `Shape` of a tensor with symbolic dims cannot be a constant. It becomes a
  // placeholder constant (marked kiln.symbolic_shape, never folded) whose
  // elements are tracked here as symbolic dims; Gather, Slice, Concat,
  // Unsqueeze, Squeeze, Cast, Mul and Div on such values are followed, and
  // Reshape reads them. A placeholder that any other op reads is an error
  // at the end of the import: nothing computes with a made-up value.
  struct ShapeValue {
    SmallVector<SymDim> elems;
    bool scalar = false;
  };
  /// The symbolic shape of `v` (from the inputs' kiln.dims through each op's
  /// symbolic shape rule); dims it cannot follow get a symbol of their own.
  const SymShape &symShape(Value v);
  /// The tracked elements of `v`, or null if it is not a shape placeholder.
  const ShapeValue *shapeValue(Value v) const {
    auto it = shapeValues.find(v);
    return it == shapeValues.end() ? nullptr : &it->second;
  }
  /// A constant of `value` if all its elements are static, else a
  /// placeholder of element type `elem`.
  Value buildShapeValue(OpBuilder &b, Location loc, ShapeValue value,
                        Type elem);
  /// Reports every placeholder still read by an op.
  void checkShapePlaceholders(Block &body);

  MLIRContext *ctx;
  std::string path, dir;
  const OnnxImportOptions &options;
  onnx::ModelProto proto;
  int64_t opset = 0;
  Location fileLoc = UnknownLoc::get(ctx);
  bool hadError = false;
  bool unsupportedTypes = false;

private:
  FailureOr<RankedTensorType> valueType(const onnx::ValueInfoProto &info,
                                        StringRef what,
                                        SmallVectorImpl<Attribute> &dims);
  ElementsAttr constantAttr(const HostTensor &t);

  DenseMap<Value, std::shared_ptr<HostTensor>> constants;
  DenseMap<Value, SymShape> symShapes;
  DenseMap<Value, ShapeValue> shapeValues;
  unsigned unknownDims = 0;
};

class GraphImporter {
public:
  GraphImporter(ModelImporter &model, GraphImporter *parent,
                const onnx::GraphProto &graph)
      : model(model), parent(parent), graph(graph) {}

  /// Converts the graph's nodes at `b`'s insertion point.
  LogicalResult importNodes(OpBuilder &b);

  /// Imports `sub` (a node's graph attribute) into `block`: the subgraph's
  /// inputs are bound, in order, to the block's arguments, names of the
  /// enclosing graphs are visible, and the subgraph's outputs are returned
  /// (the caller adds the terminator).
  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &sub,
                                               Block *block);

  /// Converts a node that computes on shape placeholders (see ModelImporter);
  /// returns false when the node does not read one.
  FailureOr<bool> convertShapeComputation(NodeContext &ctx,
                                          SmallVectorImpl<Value> &outputs);

  /// The value named `name` here or in an enclosing graph; sets `poisoned`
  /// when it is the output of a node that failed.
  Value lookup(StringRef name, bool &poisoned) const;
  std::string nodeName(const onnx::NodeProto &node) const;

  ModelImporter &model;
  GraphImporter *parent;
  const onnx::GraphProto &graph;
  llvm::StringMap<Value> values;
  llvm::StringSet<> poisonedValues;
};

} // namespace mlir::kiln::onnx_frontend

#endif // KILN_LIB_FRONTEND_ONNX_ONNXIMPORTERIMPL_H
