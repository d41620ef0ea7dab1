//===- OnnxImporter.cpp - ONNX models to the kiln dialect --------*- C++ -*-===//
//
// Reads a ModelProto with Debian's ONNX protobuf library and builds the same
// form the JSON importer builds: one func.func of kiln ops whose arguments
// and results carry `kiln.name` (and arguments `kiln.dims`).
//
// Nodes are converted in the order the graph lists them (ONNX requires a
// topological order). After each node, the kiln ops it created whose operands
// are all constants are evaluated with the interpreter's reference kernels, so
// the shape computations exporters emit (Shape -> Gather -> Concat ->
// Reshape) become constants before the next node reads them. A node that
// cannot be converted poisons its outputs; nodes that read a poisoned value
// are skipped, so every independent problem is reported in one run.
//
//===----------------------------------------------------------------------===//
#include "kiln/Frontend/OnnxImporter.h"
#include "OnnxImporterImpl.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

Type onnx_frontend::elementTypeOf(MLIRContext *ctx, int32_t dataType) {
  Builder b(ctx);
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::UINT8:
    return b.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

std::string onnx_frontend::onnxTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

namespace {

/// Copies `n` elements of a repeated protobuf field into `out`, converting
/// each with `conv` to `T` (the stored element type).
template <typename T, typename Field, typename Conv>
void copyField(const Field &field, HostTensor &out, Conv conv) {
  out.bytes.resize(field.size() * sizeof(T));
  T *dst = out.data<T>();
  for (int i = 0; i < field.size(); ++i)
    dst[i] = conv(field.Get(i));
}

} // namespace

FailureOr<HostTensor>
ModelImporter::readTensor(const onnx::TensorProto &proto, Location loc,
                          const Twine &what) {
  auto fail = [&](const Twine &why) -> FailureOr<HostTensor> {
    error(loc) << what << ": " << why;
    return failure();
  };
  Type elem = elementTypeOf(ctx, proto.data_type());
  if (!elem) {
    unsupportedTypes = true;
    error(loc) << what << ": unsupported: element type "
               << onnxTypeName(proto.data_type());
    return failure();
  }
  HostTensor t;
  t.dtype = getDtypeCode(elem);
  int64_t n = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return fail("negative dimension " + Twine(d));
    t.shape.push_back(d);
    n *= d;
  }
  size_t width = elementSize(t.dtype);
  size_t want = static_cast<size_t>(n) * width;

  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    for (const auto &kv : proto.external_data()) {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::stoll(kv.value());
      else if (kv.key() == "length")
        length = std::stoll(kv.value());
    }
    if (location.empty())
      return fail("external data without a location");
    SmallString<256> file(dir);
    llvm::sys::path::append(file, location);
    auto buf = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                           /*RequiresNullTerminator=*/false);
    if (!buf)
      return fail("cannot read external data file '" + file +
                  "': " + buf.getError().message());
    if (length < 0)
      length = (*buf)->getBufferSize() - offset;
    if (offset < 0 || offset + length > (int64_t)(*buf)->getBufferSize() ||
        (size_t)length != want)
      return fail("external data in '" + file + "' has " + Twine(length) +
                  " bytes at offset " + Twine(offset) + ", expected " +
                  Twine(want));
    t.bytes.assign((*buf)->getBufferStart() + offset,
                   (*buf)->getBufferStart() + offset + length);
    return t;
  }

  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() != want)
      return fail("raw_data has " + Twine(raw.size()) + " bytes, expected " +
                  Twine(want) + " for " + Twine(n) + " elements");
    t.bytes.assign(raw.begin(), raw.end());
    return t;
  }

  int64_t have = 0;
  switch (proto.data_type()) {
  case onnx::TensorProto::FLOAT:
    have = proto.float_data_size();
    copyField<float>(proto.float_data(), t, [](float v) { return v; });
    break;
  case onnx::TensorProto::DOUBLE:
    have = proto.double_data_size();
    copyField<double>(proto.double_data(), t, [](double v) { return v; });
    break;
  case onnx::TensorProto::INT64:
    have = proto.int64_data_size();
    copyField<int64_t>(proto.int64_data(), t, [](int64_t v) { return v; });
    break;
  case onnx::TensorProto::INT32:
    have = proto.int32_data_size();
    copyField<int32_t>(proto.int32_data(), t, [](int32_t v) { return v; });
    break;
  case onnx::TensorProto::INT16:
    have = proto.int32_data_size();
    copyField<int16_t>(proto.int32_data(), t,
                       [](int32_t v) { return static_cast<int16_t>(v); });
    break;
  case onnx::TensorProto::INT8:
    have = proto.int32_data_size();
    copyField<int8_t>(proto.int32_data(), t,
                      [](int32_t v) { return static_cast<int8_t>(v); });
    break;
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    have = proto.int32_data_size();
    copyField<uint8_t>(proto.int32_data(), t,
                       [](int32_t v) { return static_cast<uint8_t>(v); });
    break;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    // Stored as the 16-bit patterns in int32_data.
    have = proto.int32_data_size();
    copyField<uint16_t>(proto.int32_data(), t,
                        [](int32_t v) { return static_cast<uint16_t>(v); });
    break;
  default:
    break;
  }
  if (have != n)
    return fail("holds " + Twine(have) + " elements, its dims say " +
                Twine(n));
  if (proto.data_type() == onnx::TensorProto::BOOL)
    for (uint8_t &v : t.bytes)
      v = v != 0;
  return t;
}

ElementsAttr ModelImporter::constantAttr(const HostTensor &t) {
  auto type = RankedTensorType::get(t.shape, dtypeElementType(t.dtype));
  return toConstantAttr(t, type, "onnx_const");
}

Type ModelImporter::dtypeElementType(int32_t dtype) {
  Builder b(ctx);
  switch (dtype) {
  case KILN_DTYPE_F16:
    return b.getF16Type();
  case KILN_DTYPE_BF16:
    return b.getBF16Type();
  case KILN_DTYPE_F32:
    return b.getF32Type();
  case KILN_DTYPE_F64:
    return b.getF64Type();
  case KILN_DTYPE_I8:
    return b.getIntegerType(8);
  case KILN_DTYPE_I16:
    return b.getIntegerType(16);
  case KILN_DTYPE_I32:
    return b.getIntegerType(32);
  case KILN_DTYPE_I64:
    return b.getIntegerType(64);
  case KILN_DTYPE_U8:
    return b.getIntegerType(8, false);
  case KILN_DTYPE_BOOL:
    return b.getI1Type();
  default:
    return {};
  }
}

Value ModelImporter::buildConstant(OpBuilder &b, Location loc,
                                   const HostTensor &t) {
  ElementsAttr attr = constantAttr(t);
  auto op = ConstantOp::create(b, loc, cast<RankedTensorType>(attr.getType()),
                               attr);
  // Small constants (shapes, axes) are read back often; large ones (weights)
  // are read from their attribute only if a fold needs them.
  if (t.numElements() <= 4096)
    constants[op.getResult()] = std::make_shared<HostTensor>(t);
  return op.getResult();
}

const HostTensor *ModelImporter::constantValue(Value v) {
  if (!v)
    return nullptr;
  auto it = constants.find(v);
  if (it != constants.end())
    return it->second.get();
  auto op = v.getDefiningOp<ConstantOp>();
  if (!op || shapeValue(v))
    return nullptr;
  HostTensor t = toHostTensor(op.getValue());
  if (t.dtype == 0)
    return nullptr;
  auto ptr = std::make_shared<HostTensor>(std::move(t));
  constants[v] = ptr;
  return ptr.get();
}

//===----------------------------------------------------------------------===//
// Constant folding of freshly built ops
//===----------------------------------------------------------------------===//

namespace {
/// Records the ops a converter creates.
struct CreatedOps : public OpBuilder::Listener {
  SmallVector<Operation *> ops;
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint) override {
    ops.push_back(op);
  }
};
} // namespace

void ModelImporter::foldCreated(OpBuilder &b, ArrayRef<Operation *> created,
                                SmallVectorImpl<Value> &outputs) {
  DenseMap<Value, Value> replaced;
  llvm::SmallPtrSet<Operation *, 8> erased;
  for (Operation *op : created) {
    if (erased.contains(op) || isa<ConstantOp>(op) || op->getNumRegions() ||
        op->getDialect() != ctx->getLoadedDialect<KilnDialect>())
      continue;
    SmallVector<HostTensor> operands;
    bool allConstant = true;
    for (Value v : op->getOperands()) {
      const HostTensor *c = constantValue(v);
      if (!c) {
        allConstant = false;
        break;
      }
      operands.push_back(*c);
    }
    if (!allConstant)
      continue;
    int64_t resultElements = 0;
    for (Type t : op->getResultTypes()) {
      auto rt = cast<RankedTensorType>(t);
      if (!rt.hasStaticShape()) {
        resultElements = -1;
        break;
      }
      resultElements += rt.getNumElements();
    }
    if (resultElements < 0 || resultElements > options.foldLimit)
      continue;
    FailureOr<SmallVector<HostTensor>> results = failure();
    {
      // A missing kernel is not an error here: the op just stays.
      ScopedDiagnosticHandler quiet(ctx, [](Diagnostic &) { return success(); });
      results = evaluateOp(op, operands);
    }
    if (failed(results))
      continue;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(op);
    for (auto [res, value] : llvm::zip(op->getResults(), *results)) {
      Value c = buildConstant(b, op->getLoc(), value);
      res.replaceAllUsesWith(c);
      replaced[res] = c;
    }
    erased.insert(op);
    op->erase();
  }
  for (Value &v : outputs)
    if (Value r = replaced.lookup(v))
      v = r;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

StringRef NodeContext::opType() const { return node.op_type(); }
std::string NodeContext::name() const { return importer.nodeName(node); }

unsigned NodeContext::numOutputs() const { return node.output_size(); }
bool NodeContext::hasOutput(unsigned i) const {
  return i < (unsigned)node.output_size() && !node.output(i).empty();
}

const HostTensor *NodeContext::constInput(unsigned i) const {
  return importer.model.constantValue(input(i));
}

/// The elements of a numeric host tensor converted to `T` (floats to
/// integers round toward zero; f16 and bf16 through float).
template <typename T>
static std::optional<SmallVector<T>> elementsAs(const HostTensor &t) {
  SmallVector<T> out;
  int64_t n = t.numElements();
  for (int64_t k = 0; k < n; ++k) {
    switch (t.dtype) {
    case KILN_DTYPE_I64:
      out.push_back(static_cast<T>(t.data<int64_t>()[k]));
      break;
    case KILN_DTYPE_I32:
      out.push_back(static_cast<T>(t.data<int32_t>()[k]));
      break;
    case KILN_DTYPE_I16:
      out.push_back(static_cast<T>(t.data<int16_t>()[k]));
      break;
    case KILN_DTYPE_I8:
      out.push_back(static_cast<T>(t.data<int8_t>()[k]));
      break;
    case KILN_DTYPE_U8:
    case KILN_DTYPE_BOOL:
      out.push_back(static_cast<T>(t.data<uint8_t>()[k]));
      break;
    case KILN_DTYPE_F32:
      out.push_back(static_cast<T>(t.data<float>()[k]));
      break;
    case KILN_DTYPE_F64:
      out.push_back(static_cast<T>(t.data<double>()[k]));
      break;
    case KILN_DTYPE_F16:
    case KILN_DTYPE_BF16: {
      llvm::APFloat f(t.dtype == KILN_DTYPE_F16 ? llvm::APFloat::IEEEhalf()
                                                : llvm::APFloat::BFloat(),
                      llvm::APInt(16, t.data<uint16_t>()[k]));
      out.push_back(static_cast<T>(f.convertToFloat()));
      break;
    }
    default:
      return std::nullopt;
    }
  }
  return out;
}

template <typename T>
static FailureOr<SmallVector<T>> constElements(const NodeContext &ctx,
                                               unsigned i) {
  const HostTensor *t = ctx.constInput(i);
  const onnx::NodeProto &node = ctx.node;
  if (!t) {
    (void)ctx.unsupported(
        "input " + Twine(i) + " ('" +
        (i < (unsigned)node.input_size() ? node.input(i) : "") +
        "') must be a compile-time constant");
    return failure();
  }
  std::optional<SmallVector<T>> values = elementsAs<T>(*t);
  if (!values) {
    (void)ctx.unsupported("input " + Twine(i) + " must be a numeric constant");
    return failure();
  }
  return *values;
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(unsigned i) const {
  return constElements<int64_t>(*this, i);
}

FailureOr<SmallVector<double>> NodeContext::constFloats(unsigned i) const {
  return constElements<double>(*this, i);
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t dflt) const {
  const auto *a = attr(name);
  return a ? a->i() : dflt;
}

double NodeContext::attrFloat(StringRef name, double dflt) const {
  const auto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeContext::attrString(StringRef name, StringRef dflt) const {
  const auto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::optional<SmallVector<int64_t>>
NodeContext::attrInts(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<double>>
NodeContext::attrFloats(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<double>(a->floats().begin(), a->floats().end());
}

std::optional<HostTensor> NodeContext::attrTensor(StringRef name) const {
  const auto *a = attr(name);
  if (!a || !a->has_t())
    return std::nullopt;
  auto t = importer.model.readTensor(a->t(), loc,
                                     "node '" + this->name() + "' (" +
                                         opType() + "): attribute '" + name +
                                         "'");
  if (failed(t))
    return std::nullopt;
  return *t;
}

const onnx::GraphProto *NodeContext::attrGraph(StringRef name) const {
  const auto *a = attr(name);
  return a && a->has_g() ? &a->g() : nullptr;
}

InFlightDiagnostic NodeContext::error() const {
  return importer.model.error(loc)
         << "node '" << name() << "' (" << opType() << "): ";
}

LogicalResult NodeContext::unsupported(const Twine &what) const {
  error() << "unsupported: " << what;
  return failure();
}

Value NodeContext::constant(const HostTensor &tensor) {
  return importer.model.buildConstant(b, loc, tensor);
}

Value NodeContext::scalar(Type type, double value) {
  HostTensor t;
  t.dtype = getDtypeCode(type);
  t.bytes.resize(elementSize(t.dtype));
  auto put = [&](auto v) { memcpy(t.bytes.data(), &v, sizeof(v)); };
  switch (t.dtype) {
  case KILN_DTYPE_F32:
    put(static_cast<float>(value));
    break;
  case KILN_DTYPE_F64:
    put(value);
    break;
  case KILN_DTYPE_F16:
  case KILN_DTYPE_BF16: {
    llvm::APFloat f(value);
    bool lost;
    f.convert(t.dtype == KILN_DTYPE_F16 ? llvm::APFloat::IEEEhalf()
                                        : llvm::APFloat::BFloat(),
              llvm::APFloat::rmNearestTiesToEven, &lost);
    put(static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue()));
    break;
  }
  case KILN_DTYPE_I64:
    put(static_cast<int64_t>(value));
    break;
  case KILN_DTYPE_I32:
    put(static_cast<int32_t>(value));
    break;
  case KILN_DTYPE_I16:
    put(static_cast<int16_t>(value));
    break;
  case KILN_DTYPE_I8:
    put(static_cast<int8_t>(value));
    break;
  case KILN_DTYPE_U8:
    put(static_cast<uint8_t>(value));
    break;
  case KILN_DTYPE_BOOL:
    put(static_cast<uint8_t>(value != 0));
    break;
  default:
    break;
  }
  return constant(t);
}

Value NodeContext::i64s(ArrayRef<int64_t> values) {
  HostTensor t;
  t.dtype = KILN_DTYPE_I64;
  t.shape = {static_cast<int64_t>(values.size())};
  t.bytes.resize(values.size() * 8);
  memcpy(t.bytes.data(), values.data(), values.size() * 8);
  return constant(t);
}

//===----------------------------------------------------------------------===//
// Converter lookup
//===----------------------------------------------------------------------===//

const OnnxConverter *onnx_frontend::lookupConverter(StringRef opType) {
  static const llvm::StringMap<const OnnxConverter *> table = [] {
    llvm::StringMap<const OnnxConverter *> t;
    for (auto family : {elementwiseConverters(), nnConverters(),
                        shapeConverters(), controlFlowConverters(),
                        recurrentConverters(), lossConverters()})
      for (const OnnxConverter &c : family)
        t[c.opType] = &c;
    return t;
  }();
  return table.lookup(opType);
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

std::string GraphImporter::nodeName(const onnx::NodeProto &node) const {
  if (!node.name().empty())
    return node.name();
  // Unnamed nodes: op type and index in their graph, as the JSON format's
  // default names.
  for (int i = 0; i < graph.node_size(); ++i)
    if (&graph.node(i) == &node)
      return node.op_type() + "_" + std::to_string(i);
  return node.op_type();
}

Value GraphImporter::lookup(StringRef name, bool &poisoned) const {
  for (const GraphImporter *g = this; g; g = g->parent) {
    if (g->poisonedValues.contains(name)) {
      poisoned = true;
      return {};
    }
    auto it = g->values.find(name);
    if (it != g->values.end())
      return it->second;
  }
  return {};
}

LogicalResult GraphImporter::importNodes(OpBuilder &b) {
  bool ok = true;
  for (const onnx::NodeProto &node : graph.node()) {
    std::string name = nodeName(node);
    Location loc = NameLoc::get(StringAttr::get(model.ctx, name),
                                model.fileLoc);
    // Every failure is an error of the import, also when the diagnostic
    // came from an op's own type inference or verifier.
    auto poison = [&] {
      for (const std::string &out : node.output())
        if (!out.empty())
          poisonedValues.insert(out);
      ok = false;
      model.hadError = true;
    };

    SmallVector<Value> inputs;
    bool skip = false;
    for (const std::string &in : node.input()) {
      if (in.empty()) {
        inputs.push_back({});
        continue;
      }
      bool poisoned = false;
      Value v = lookup(in, poisoned);
      if (poisoned) {
        skip = true;
        continue;
      }
      if (!v) {
        model.error(loc) << "node '" << name << "' (" << node.op_type()
                         << "): input '" << in
                         << "' is not defined before the node";
        skip = true;
        continue;
      }
      inputs.push_back(v);
    }
    if (skip) {
      poison();
      continue;
    }

    if (!node.domain().empty() && node.domain() != "ai.onnx") {
      model.error(loc) << "node '" << name << "' (" << node.op_type()
                       << "): unsupported: op '" << node.op_type()
                       << "' of domain '" << node.domain() << "'";
      poison();
      continue;
    }
    const OnnxConverter *conv = lookupConverter(node.op_type());
    if (!conv || model.opset < conv->minOpset ||
        model.opset > conv->maxOpset) {
      model.error(loc) << "node '" << name << "' (" << node.op_type()
                       << "): unsupported: op '" << node.op_type()
                       << "' (opset " << model.opset << ")";
      poison();
      continue;
    }

    CreatedOps created;
    OpBuilder::Listener *oldListener = b.getListener();
    b.setListener(&created);
    NodeContext ctx(*this, b, loc, node, model.opset, std::move(inputs));
    SmallVector<Value> outputs;
    LogicalResult converted = success();
    FailureOr<bool> symbolic = convertShapeComputation(ctx, outputs);
    if (failed(symbolic))
      converted = failure();
    else if (!*symbolic)
      converted = conv->convert(ctx, outputs);
    b.setListener(oldListener);
    if (failed(converted)) {
      // Remove what the converter built before it gave up.
      for (Operation *op : llvm::reverse(created.ops))
        if (op->use_empty() && op->getBlock())
          op->erase();
      poison();
      continue;
    }
    if (outputs.size() > (size_t)node.output_size()) {
      outputs.resize(node.output_size());
    }
    model.foldCreated(b, created.ops, outputs);
    for (int i = 0; i < node.output_size(); ++i) {
      const std::string &out = node.output(i);
      if (out.empty())
        continue;
      if (i >= (int)outputs.size() || !outputs[i]) {
        ctx.unsupported("output " + Twine(i) + " ('" + out + "')");
        poisonedValues.insert(out);
        ok = false;
        continue;
      }
      values[out] = outputs[i];
    }
  }
  return success(ok);
}

FailureOr<SmallVector<Value>>
GraphImporter::importSubgraph(const onnx::GraphProto &sub, Block *block) {
  GraphImporter child(model, this, sub);
  if ((int)block->getNumArguments() != sub.input_size()) {
    model.error(model.fileLoc)
        << "subgraph '" << sub.name() << "' has " << sub.input_size()
        << " inputs, expected " << block->getNumArguments();
    return failure();
  }
  for (auto [i, in] : llvm::enumerate(sub.input()))
    child.values[in.name()] = block->getArgument(i);
  // The block's op may not exist yet: take the context from the model.
  OpBuilder b(model.ctx);
  b.setInsertionPointToEnd(block);
  bool ok = true;
  for (const auto &init : sub.initializer()) {
    Location loc =
        NameLoc::get(StringAttr::get(model.ctx, init.name()), model.fileLoc);
    auto t = model.readTensor(init, loc, "initializer '" + init.name() + "'");
    if (failed(t)) {
      ok = false;
      continue;
    }
    child.values[init.name()] = model.buildConstant(b, loc, *t);
  }
  if (failed(child.importNodes(b)) || !ok)
    return failure();
  SmallVector<Value> results;
  for (const auto &out : sub.output()) {
    bool poisoned = false;
    Value v = child.lookup(out.name(), poisoned);
    if (!v) {
      if (!poisoned)
        model.error(model.fileLoc) << "subgraph '" << sub.name()
                                   << "': output '" << out.name()
                                   << "' is not defined";
      return failure();
    }
    results.push_back(v);
  }
  return results;
}

//===----------------------------------------------------------------------===//
// ModelImporter
//===----------------------------------------------------------------------===//

InFlightDiagnostic ModelImporter::error(Location loc) {
  hadError = true;
  return mlir::emitError(loc);
}

/// The tensor type of a graph input or output, or an error for sequences,
/// maps, optionals and element types Kiln has no dtype for. `dims` receives
/// the `kiln.dims` entries (integers, or symbol names for dynamic dims).
FailureOr<RankedTensorType>
ModelImporter::valueType(const onnx::ValueInfoProto &info, StringRef what,
                         SmallVectorImpl<Attribute> &dims) {
  Location loc = NameLoc::get(StringAttr::get(ctx, info.name()), fileLoc);
  const onnx::TypeProto &type = info.type();
  if (!type.has_tensor_type()) {
    const char *kind = type.has_sequence_type() ? "sequence"
                       : type.has_map_type()    ? "map"
                       : type.has_optional_type()
                           ? "optional"
                           : (type.has_sparse_tensor_type() ? "sparse tensor"
                                                            : "unknown");
    error(loc) << what << " '" << info.name() << "': unsupported: " << kind
               << " type";
    return failure();
  }
  const auto &tt = type.tensor_type();
  Type elem = elementTypeOf(ctx, tt.elem_type());
  if (!elem) {
    error(loc) << what << " '" << info.name()
               << "': unsupported: element type "
               << onnxTypeName(tt.elem_type());
    return failure();
  }
  if (!tt.has_shape()) {
    error(loc) << what << " '" << info.name()
               << "': unsupported: unknown rank (pin it with --shape "
               << info.name() << "=D0,D1,...)";
    return failure();
  }
  Builder b(ctx);
  SmallVector<int64_t> shape;
  auto pin = options.pinnedShapes.find(info.name());
  bool pinned = pin != options.pinnedShapes.end();
  if (pinned && pin->second.size() != (size_t)tt.shape().dim_size()) {
    error(loc) << "--shape " << info.name() << ": gives "
               << pin->second.size() << " dimensions, the input has rank "
               << tt.shape().dim_size();
    return failure();
  }
  for (auto [i, dim] : llvm::enumerate(tt.shape().dim())) {
    if (pinned) {
      int64_t d = pin->second[i];
      if (dim.has_dim_value() && dim.dim_value() != d) {
        error(loc) << "--shape " << info.name() << ": dimension " << i
                   << " is " << dim.dim_value() << " in the model, not " << d;
        return failure();
      }
      shape.push_back(d);
      dims.push_back(b.getI64IntegerAttr(d));
    } else if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      dims.push_back(b.getI64IntegerAttr(dim.dim_value()));
    } else {
      shape.push_back(ShapedType::kDynamic);
      std::string sym = dim.has_dim_param() && !dim.dim_param().empty()
                            ? dim.dim_param()
                            : info.name() + "_d" + std::to_string(i);
      dims.push_back(b.getStringAttr(sym));
    }
  }
  return RankedTensorType::get(shape, elem);
}

static std::string cIdentifier(StringRef s) {
  std::string out;
  for (char c : s)
    out += (isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (out.empty() || isdigit(static_cast<unsigned char>(out[0])))
    out = "g_" + out;
  return out;
}

OwningOpRef<ModuleOp> ModelImporter::run() {
  fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    error(fileLoc) << "cannot open ONNX model: " << buf.getError().message();
    return nullptr;
  }
  dir = llvm::sys::path::parent_path(path).str();
  if ((*buf)->getBufferSize() > (size_t)INT32_MAX ||
      !proto.ParseFromArray((*buf)->getBufferStart(),
                            static_cast<int>((*buf)->getBufferSize()))) {
    error(fileLoc) << "not a valid ONNX model (the protobuf could not be "
                      "parsed; is the file truncated or not an .onnx file?)";
    return nullptr;
  }
  if (!proto.has_graph() || proto.ir_version() <= 0) {
    error(fileLoc) << "not a valid ONNX model (no graph or IR version)";
    return nullptr;
  }
  opset = -1;
  for (const auto &imp : proto.opset_import())
    if (imp.domain().empty() || imp.domain() == "ai.onnx")
      opset = imp.version();
  // A model that imports no default-domain opset uses only other domains
  // (their nodes are reported as unsupported).
  if (opset < 0)
    opset = 17;
  if (opset > 17) {
    error(fileLoc) << "unsupported: opset " << opset
                   << " (Kiln reads opsets up to 17)";
    return nullptr;
  }

  const onnx::GraphProto &g = proto.graph();
  OpBuilder b(ctx);
  auto module = ModuleOp::create(fileLoc);
  b.setInsertionPointToEnd(module.getBody());

  // Initializers are constants; a graph input with an initializer's name is
  // an initializer (old exporters list them among the inputs).
  GraphImporter top(*this, nullptr, g);
  llvm::StringSet<> initNames;
  for (const auto &init : g.initializer())
    initNames.insert(init.name());

  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  SmallVector<ArrayAttr> argDims;
  SmallVector<std::pair<const onnx::ValueInfoProto *, RankedTensorType>> bound;
  for (const auto &in : g.input()) {
    if (initNames.contains(in.name()))
      continue;
    if (options.boundInputs.count(in.name())) {
      SmallVector<Attribute> dims;
      auto type = valueType(in, "input", dims);
      if (succeeded(type))
        bound.push_back({&in, *type});
      continue;
    }
    SmallVector<Attribute> dims;
    auto type = valueType(in, "input", dims);
    if (failed(type))
      continue;
    argTypes.push_back(*type);
    args.push_back(&in);
    argDims.push_back(b.getArrayAttr(dims));
  }
  for (const auto &out : g.output()) {
    const auto &t = out.type();
    if (t.has_sequence_type() || t.has_map_type() || t.has_optional_type()) {
      SmallVector<Attribute> dims;
      (void)valueType(out, "output", dims);
    } else if (t.has_tensor_type() &&
               !elementTypeOf(ctx, t.tensor_type().elem_type())) {
      error(NameLoc::get(StringAttr::get(ctx, out.name()), fileLoc))
          << "output '" << out.name() << "': unsupported: element type "
          << onnxTypeName(t.tensor_type().elem_type());
    }
  }
  for (const auto &entry : options.boundInputs)
    if (!llvm::any_of(g.input(), [&](const onnx::ValueInfoProto &in) {
          return in.name() == entry.getKey();
        }))
      error(fileLoc) << "--bind " << entry.getKey()
                     << ": the model has no such input";
  if (hadError)
    return nullptr;

  std::string graphName =
      cIdentifier(llvm::sys::path::stem(path).empty()
                      ? StringRef("model")
                      : llvm::sys::path::stem(path));
  auto func = func::FuncOp::create(b, fileLoc, graphName,
                                   b.getFunctionType(argTypes, {}));
  SmallVector<Location> locs(argTypes.size(), fileLoc);
  Block *body = b.createBlock(&func.getBody(), {}, argTypes, locs);
  for (auto [i, in] : llvm::enumerate(args)) {
    func.setArgAttr(i, kNameAttr, b.getStringAttr(in->name()));
    func.setArgAttr(i, kDimsAttr, argDims[i]);
    top.values[in->name()] = body->getArgument(i);
  }

  b.setInsertionPointToEnd(body);
  for (const auto &init : g.initializer()) {
    Location loc = NameLoc::get(StringAttr::get(ctx, init.name()), fileLoc);
    auto t = readTensor(init, loc, "initializer '" + init.name() + "'");
    if (failed(t)) {
      top.poisonedValues.insert(init.name());
      continue;
    }
    top.values[init.name()] = buildConstant(b, loc, *t);
  }

  for (auto [in, type] : bound) {
    const HostTensor &t = options.boundInputs.find(in->name())->second;
    bool shapeOk = type.getRank() == (int64_t)t.shape.size();
    for (int64_t i = 0; shapeOk && i < type.getRank(); ++i)
      shapeOk = type.isDynamicDim(i) || type.getDimSize(i) == t.shape[i];
    if (t.dtype != getDtypeCode(type.getElementType()) || !shapeOk) {
      error(fileLoc) << "--bind " << in->name() << ": the file holds "
                     << getDtypeName(t.dtype) << " data of rank "
                     << t.shape.size() << ", the input is " << type;
      continue;
    }
    top.values[in->name()] =
        buildConstant(b, NameLoc::get(StringAttr::get(ctx, in->name()), fileLoc), t);
  }
  if (hadError)
    return nullptr;

  if (failed(top.importNodes(b)))
    hadError = true;

  SmallVector<Value> results;
  for (const auto &out : g.output()) {
    bool poisoned = false;
    Value v = top.lookup(out.name(), poisoned);
    if (poisoned)
      continue;
    if (!v) {
      error(NameLoc::get(StringAttr::get(ctx, out.name()), fileLoc))
          << "output '" << out.name() << "' is not defined by the graph";
      continue;
    }
    results.push_back(v);
  }
  if (hadError)
    return nullptr;

  func::ReturnOp::create(b, fileLoc, results);
  func.setFunctionType(
      b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(g.output()))
    func.setResultAttr(i, kNameAttr, b.getStringAttr(out.name()));

  // Drop constants (and other pure ops) that no output reaches.
  SmallVector<Operation *> ops;
  for (Operation &op : *body)
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops))
    if (op->use_empty() && isMemoryEffectFree(op) &&
        !op->hasTrait<OpTrait::IsTerminator>())
      op->erase();
  checkShapePlaceholders(*body);
  if (hadError) {
    module->erase();
    return nullptr;
  }

  if (failed(mlir::verify(module))) {
    module->erase();
    return nullptr;
  }
  return OwningOpRef<ModuleOp>(module);
}

OwningOpRef<ModuleOp>
mlir::kiln::importOnnxModel(MLIRContext *context, StringRef path,
                            const OnnxImportOptions &options) {
  context->loadDialect<KilnDialect, func::FuncDialect>();
  ModelImporter importer(context, path, options);
  return importer.run();
}
