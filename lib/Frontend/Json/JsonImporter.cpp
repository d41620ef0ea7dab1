//===- JsonImporter.cpp - JSON graph spec to kiln ---------------*- C++ -*-===//
//
// Reads a JSON graph (docs/graph-format.md) into one func.func of kiln ops.
// The import runs in phases so that one run reports as many independent
// errors as it can: check the JSON's structure, collect the definitions of
// value names and their uses, order the nodes, then build the ops. A value
// that failed to build poisons its users silently instead of cascading into
// more errors.
//
//===----------------------------------------------------------------------===//

#include "kiln/Frontend/JsonImporter.h"

#include "JsonConstants.h"
#include "JsonOps.h"

#include "dialects/kiln/IR/KilnDialect.h"
#include "dialects/kiln/IR/KilnOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <queue>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;
using json = nlohmann::json;

const OpSpec *mlir::kiln::json_frontend::lookupOp(StringRef name) {
  for (ArrayRef<OpSpec> family :
       {elementwiseOps(), nnOps(), shapeOps(), controlFlowOps()})
    for (const OpSpec &spec : family)
      if (spec.name == name)
        return &spec;
  return nullptr;
}

namespace {

//===----------------------------------------------------------------------===//
// Source positions
//===----------------------------------------------------------------------===//

/// Maps byte offsets of a text to 1-based lines and columns.
class LineTable {
public:
  explicit LineTable(StringRef text) {
    lineStarts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n')
        lineStarts.push_back(i + 1);
  }

  std::pair<unsigned, unsigned> lineCol(size_t offset) const {
    auto next = llvm::upper_bound(lineStarts, offset);
    return {static_cast<unsigned>(next - lineStarts.begin()),
            static_cast<unsigned>(offset - *std::prev(next) + 1)};
  }

private:
  std::vector<size_t> lineStarts;
};

/// Byte offsets of the JSON values that diagnostics point at, keyed by JSON
/// pointer ("/nodes/3/attrs/axis"). nlohmann/json keeps no positions, so a
/// structural scan of the (already validated) text finds them. Nothing
/// deeper than four levels is recorded, nor the elements of `data` lists:
/// no diagnostic points there, and there can be millions of them.
class SourcePositions {
public:
  explicit SourcePositions(StringRef text);

  /// The offset of the value at `pointer`, or else of its nearest recorded
  /// ancestor.
  size_t offsetOf(StringRef pointer) const {
    while (true) {
      auto it = offsets.find(pointer);
      if (it != offsets.end())
        return it->second;
      if (pointer.empty())
        return 0;
      pointer = pointer.take_front(pointer.rfind('/'));
    }
  }

private:
  /// An object or array being scanned.
  struct Frame {
    std::string pointer;
    bool object, expectKey, quiet;
    size_t index = 0;
    std::string key;
  };

  /// Records the value starting at `at` and returns the offset past it, or
  /// just past its opening bracket for a container.
  size_t scanValue(StringRef text, size_t at, SmallVectorImpl<Frame> &stack);

  llvm::StringMap<size_t> offsets;
};

/// The offset just past the string literal starting at `at`.
size_t skipString(StringRef text, size_t at) {
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\')
      ++i;
    else if (text[i] == '"')
      return i + 1;
  }
  return text.size();
}

SourcePositions::SourcePositions(StringRef text) {
  SmallVector<Frame, 8> stack;
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0; // UTF-8 BOM
  while (i < text.size()) {
    char c = text[i];
    if (StringRef(" \t\r\n:").contains(c)) {
      ++i;
    } else if (c == ',' && !stack.empty()) {
      stack.back().expectKey = stack.back().object;
      ++stack.back().index;
      ++i;
    } else if ((c == '}' || c == ']') && !stack.empty()) {
      stack.pop_back();
      ++i;
    } else if (c == '"' && !stack.empty() && stack.back().expectKey) {
      size_t end = skipString(text, i);
      stack.back().key = text.slice(i + 1, end - 1).str();
      stack.back().expectKey = false;
      i = end;
    } else {
      i = scanValue(text, i, stack);
    }
  }
}

size_t SourcePositions::scanValue(StringRef text, size_t at,
                                  SmallVectorImpl<Frame> &stack) {
  char c = text[at];
  bool container = c == '{' || c == '[';
  bool record = stack.size() < 4 || (stack.size() == 4 && !stack.back().quiet);
  std::string pointer;
  if (!stack.empty() && (record || container)) {
    const Frame &parent = stack.back();
    pointer = parent.pointer + "/" +
              (parent.object ? parent.key : std::to_string(parent.index));
  }
  if (record)
    offsets.try_emplace(pointer, at);
  if (container) {
    bool quiet = (!stack.empty() && stack.back().quiet) ||
                 StringRef(pointer).ends_with("/data");
    stack.push_back({pointer, c == '{', c == '{', quiet});
    return at + 1;
  }
  if (c == '"')
    return skipString(text, at);
  while (at < text.size() && !StringRef(" \t\r\n,]}").contains(text[at]))
    ++at;
  return at;
}

//===----------------------------------------------------------------------===//
// The graph as read
//===----------------------------------------------------------------------===//

/// What defines a value name.
struct Definer {
  enum Kind { Input, Constant, Node } kind;
  unsigned index;

  bool operator==(const Definer &other) const {
    return kind == other.kind && index == other.index;
  }
};

/// A graph input; `type` is null when the entry is invalid.
struct InputSpec {
  std::string name;
  Location loc;
  RankedTensorType type = {};
  ArrayAttr dims = {};
};

/// A graph constant; `value` is null when the entry is invalid.
struct ConstantSpec {
  std::string name;
  Location loc;
  DenseElementsAttr value = {};
};

struct NodeSpec {
  std::string name, op, pointer;
  Location loc;
  const OpSpec *spec = nullptr;
  SmallVector<std::string> inputs = {}, outputs = {};
  NodeAttrs attrs = {};
  /// Whether the node passed the checks that come before building it.
  bool valid = false;
};

/// A C identifier made of a file stem: other characters become `_`.
std::string identifierFromStem(StringRef stem) {
  std::string id;
  for (char c : stem)
    id += llvm::isAlnum(c) ? c : '_';
  if (id.empty() || llvm::isDigit(id.front()))
    id.insert(0, "_");
  return id;
}

bool isCIdentifier(StringRef s) {
  return !s.empty() && !llvm::isDigit(s.front()) &&
         llvm::all_of(s, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// A JSON integer that fits int64_t; floats are not integers here.
std::optional<int64_t> strictInteger(const json &v) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer())
    return v.get<int64_t>();
  return std::nullopt;
}

enum class JsonKind { String, Array, Object };

bool hasKind(const json &v, JsonKind kind) {
  switch (kind) {
  case JsonKind::String:
    return v.is_string();
  case JsonKind::Array:
    return v.is_array();
  case JsonKind::Object:
    return v.is_object();
  }
  return false;
}

StringRef kindName(JsonKind kind) {
  switch (kind) {
  case JsonKind::String:
    return "a string";
  case JsonKind::Array:
    return "a list";
  case JsonKind::Object:
    return "an object";
  }
  return "";
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

class Importer {
public:
  Importer(MLIRContext *ctx, StringRef path, StringRef text, const json &doc)
      : ctx(ctx), path(path.str()), doc(doc), positions(text), lines(text) {}

  OwningOpRef<ModuleOp> run();

private:
  // Diagnostics and locations.
  InFlightDiagnostic error(Location loc) {
    hadError = true;
    return mlir::emitError(loc);
  }
  Location posLoc(StringRef pointer) const {
    auto [line, col] = lines.lineCol(positions.offsetOf(pointer));
    return FileLineColLoc::get(ctx, path, line, col);
  }
  Location namedLoc(StringRef name, StringRef pointer) const {
    return NameLoc::get(StringAttr::get(ctx, name), posLoc(pointer));
  }
  static std::string describe(const NodeSpec &node) {
    return "node '" + node.name + "' (" + node.op + ")";
  }
  std::string describe(Definer definer) const;
  Location locOf(Definer definer) const;
  InFlightDiagnostic nodeError(const NodeSpec &node, StringRef sub = "") {
    return error(sub.empty() ? node.loc
                             : namedLoc(node.name, (node.pointer + sub).str()))
           << describe(node) << ": ";
  }

  // Structure.
  const json *getField(const json &obj, StringRef key, StringRef pointer,
                       JsonKind kind, bool required, StringRef what);
  void checkKnownFields(const json &obj, ArrayRef<StringLiteral> known,
                        StringRef pointer, StringRef what);
  const json *getName(const json &obj, StringRef pointer, bool required,
                      StringRef what);
  Type getDtype(const json &obj, StringRef pointer, StringRef what);
  bool getShape(const json &obj, StringRef pointer, StringRef what,
                bool allowSymbols, SmallVectorImpl<int64_t> &shape,
                SmallVectorImpl<Attribute> &dims);
  bool getNameList(const json &obj, StringRef key, StringRef pointer,
                   StringRef what, SmallVectorImpl<std::string> &names);
  void parseGraphName();
  void parseInput(unsigned index, const json &entry);
  void parseConstant(unsigned index, const json &entry);
  void parseNode(unsigned index, const json &entry);
  bool parseAttrs(NodeSpec &node, const json &entry);
  bool parseAttr(NodeSpec &node, const AttrSpec &spec, const json &value);
  LogicalResult reportUnknownAttr(const NodeSpec &node, StringRef key);
  void parseOutputs(const json &list);
  template <typename Fn> void forEachEntry(StringRef key, bool required, Fn fn);

  // Definitions, uses and order.
  void define(StringRef name, Definer definer, Location loc);
  bool isDefinedBy(StringRef name, Definer definer) const {
    auto it = definers.find(name);
    return it != definers.end() && it->second == definer;
  }
  void checkUses();
  SmallVector<unsigned> sortNodes();
  std::optional<unsigned> producerOf(StringRef name) const;
  void reportCycles(ArrayRef<unsigned> pending);

  // Building.
  OwningOpRef<ModuleOp> build(ArrayRef<unsigned> order);
  func::FuncOp buildFunction(OpBuilder &b, ModuleOp module);
  void buildNode(OpBuilder &b, unsigned index);
  LogicalResult checkDtypes(const NodeSpec &node, ValueRange operands);
  FailureOr<SmallVector<Value>>
  withNodePrefix(const NodeSpec &node,
                 function_ref<FailureOr<SmallVector<Value>>()> fn);
  void finishFunction(OpBuilder &b, func::FuncOp func);

  MLIRContext *ctx;
  std::string path;
  const json &doc;
  SourcePositions positions;
  LineTable lines;
  bool hadError = false;

  std::string graphName;
  std::vector<InputSpec> inputs;
  std::vector<ConstantSpec> constants;
  std::vector<NodeSpec> nodes;
  /// Output names and their JSON pointers.
  std::vector<std::pair<std::string, std::string>> outputs;
  llvm::StringMap<Definer> definers;
  /// The built value of each name; absent when it failed to build.
  llvm::StringMap<Value> values;
};

std::string Importer::describe(Definer definer) const {
  switch (definer.kind) {
  case Definer::Input:
    return "input '" + inputs[definer.index].name + "'";
  case Definer::Constant:
    return "constant '" + constants[definer.index].name + "'";
  case Definer::Node:
    return describe(nodes[definer.index]);
  }
  return "";
}

Location Importer::locOf(Definer definer) const {
  switch (definer.kind) {
  case Definer::Input:
    return inputs[definer.index].loc;
  case Definer::Constant:
    return constants[definer.index].loc;
  case Definer::Node:
    return nodes[definer.index].loc;
  }
  return UnknownLoc::get(ctx);
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

/// Field `key` of `obj` (at `pointer`), or null when it is absent (reported
/// if `required`) or not of `kind` (reported). A null value counts as
/// absent, as generators write them for unset optional fields.
const json *Importer::getField(const json &obj, StringRef key,
                               StringRef pointer, JsonKind kind, bool required,
                               StringRef what) {
  auto it = obj.find(key.str());
  if (it == obj.end() || it->is_null()) {
    if (required)
      error(posLoc(pointer)) << what << ": missing field '" << key << "'";
    return nullptr;
  }
  if (!hasKind(*it, kind)) {
    error(posLoc((pointer + "/" + key).str()))
        << what << ": field '" << key << "' must be " << kindName(kind)
        << ", got " << describeJson(*it);
    return nullptr;
  }
  return &*it;
}

void Importer::checkKnownFields(const json &obj, ArrayRef<StringLiteral> known,
                                StringRef pointer, StringRef what) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (llvm::is_contained(known, it.key()))
      continue;
    auto diag = error(posLoc((pointer + "/" + it.key()).str()))
                << what << ": unknown field '" << it.key() << "' (expected ";
    llvm::interleaveComma(known, diag,
                          [&](StringRef k) { diag << "'" << k << "'"; });
    diag << ")";
  }
}

/// The `name` of an input, constant or node, which must not be empty.
const json *Importer::getName(const json &obj, StringRef pointer, bool required,
                              StringRef what) {
  const json *name =
      getField(obj, "name", pointer, JsonKind::String, required, what);
  if (!name)
    return nullptr;
  if (name->get_ref<const std::string &>().empty()) {
    error(posLoc((pointer + "/name").str())) << what << ": empty name";
    return nullptr;
  }
  return name;
}

Type Importer::getDtype(const json &obj, StringRef pointer, StringRef what) {
  const json *dtype =
      getField(obj, "dtype", pointer, JsonKind::String, true, what);
  if (!dtype)
    return {};
  Type type = parseDtype(ctx, dtype->get_ref<const std::string &>());
  if (!type)
    error(posLoc((pointer + "/dtype").str()))
        << what << ": unknown dtype '" << dtype->get_ref<const std::string &>()
        << "' (expected f16, bf16, f32, f64, i8, i16, i32, i64, u8 or bool)";
  return type;
}

/// Reads `shape`: non-negative integers and, if `allowSymbols`, names of
/// symbolic dimensions, which become dynamic. `dims` gets the entries as
/// attributes (`kiln.dims`).
bool Importer::getShape(const json &obj, StringRef pointer, StringRef what,
                        bool allowSymbols, SmallVectorImpl<int64_t> &shape,
                        SmallVectorImpl<Attribute> &dims) {
  const json *list =
      getField(obj, "shape", pointer, JsonKind::Array, true, what);
  if (!list)
    return false;
  bool ok = true;
  Builder b(ctx);
  for (auto [i, entry] : llvm::enumerate(*list)) {
    std::optional<int64_t> d = strictInteger(entry);
    if (d && *d >= 0) {
      shape.push_back(*d);
      dims.push_back(b.getI64IntegerAttr(*d));
    } else if (allowSymbols && entry.is_string() &&
               !entry.get_ref<const std::string &>().empty()) {
      shape.push_back(ShapedType::kDynamic);
      dims.push_back(b.getStringAttr(entry.get_ref<const std::string &>()));
    } else {
      error(posLoc((pointer + "/shape/" + Twine(i)).str()))
          << what << ": shape[" << i << "] must be a non-negative integer"
          << (allowSymbols ? " or the name of a symbolic dimension" : "")
          << ", got " << describeJson(entry);
      ok = false;
    }
  }
  return ok;
}

/// Reads the list of value names `key` (a node's `inputs` or `outputs`).
bool Importer::getNameList(const json &obj, StringRef key, StringRef pointer,
                           StringRef what,
                           SmallVectorImpl<std::string> &names) {
  const json *list = getField(obj, key, pointer, JsonKind::Array, true, what);
  if (!list)
    return false;
  bool ok = true;
  for (auto [i, entry] : llvm::enumerate(*list)) {
    if (entry.is_string() && !entry.get_ref<const std::string &>().empty()) {
      names.push_back(entry.get<std::string>());
      continue;
    }
    error(posLoc((pointer + "/" + key + "/" + Twine(i)).str()))
        << what << ": " << key << "[" << i << "] must be a value name, got "
        << describeJson(entry);
    ok = false;
  }
  return ok;
}

void Importer::parseGraphName() {
  const json *name =
      getField(doc, "name", "", JsonKind::String, false, "graph");
  if (!name) {
    graphName = identifierFromStem(llvm::sys::path::stem(path));
    return;
  }
  graphName = name->get<std::string>();
  if (!isCIdentifier(graphName))
    error(posLoc("/name")) << "graph name '" << graphName
                           << "' is not a C identifier";
}

void Importer::parseInput(unsigned index, const json &entry) {
  std::string pointer = "/inputs/" + std::to_string(index);
  std::string what = "inputs[" + std::to_string(index) + "]";
  inputs.push_back({what, posLoc(pointer)});
  if (!entry.is_object()) {
    error(posLoc(pointer)) << what << " must be an object, got "
                           << describeJson(entry);
    return;
  }
  const json *name = getName(entry, pointer, /*required=*/true, what);
  if (name) {
    inputs.back().name = name->get<std::string>();
    inputs.back().loc = namedLoc(inputs.back().name, pointer);
    what = "input '" + inputs.back().name + "'";
  }
  checkKnownFields(entry, {"name", "dtype", "shape"}, pointer, what);
  Type elementType = getDtype(entry, pointer, what);
  SmallVector<int64_t> shape;
  SmallVector<Attribute> dims;
  bool shapeOk =
      getShape(entry, pointer, what, /*allowSymbols=*/true, shape, dims);
  if (elementType && shapeOk) {
    inputs.back().type = RankedTensorType::get(shape, elementType);
    inputs.back().dims = ArrayAttr::get(ctx, dims);
  }
  if (name)
    define(inputs.back().name, {Definer::Input, index}, inputs.back().loc);
}

void Importer::parseConstant(unsigned index, const json &entry) {
  std::string pointer = "/constants/" + std::to_string(index);
  std::string what = "constants[" + std::to_string(index) + "]";
  constants.push_back({what, posLoc(pointer)});
  if (!entry.is_object()) {
    error(posLoc(pointer)) << what << " must be an object, got "
                           << describeJson(entry);
    return;
  }
  const json *name = getName(entry, pointer, /*required=*/true, what);
  if (name) {
    constants.back().name = name->get<std::string>();
    constants.back().loc = namedLoc(constants.back().name, pointer);
    what = "constant '" + constants.back().name + "'";
  }
  checkKnownFields(entry, {"name", "dtype", "shape", "data", "fill", "file"},
                   pointer, what);
  Type elementType = getDtype(entry, pointer, what);
  SmallVector<int64_t> shape;
  SmallVector<Attribute> dims;
  bool shapeOk =
      getShape(entry, pointer, what, /*allowSymbols=*/false, shape, dims);
  if (elementType && shapeOk) {
    auto emitError = [&](StringRef field) {
      std::string at = field.empty() ? pointer : pointer + "/" + field.str();
      return error(posLoc(at)) << what << ": ";
    };
    FailureOr<DenseElementsAttr> value =
        buildConstantValue(entry, RankedTensorType::get(shape, elementType),
                           llvm::sys::path::parent_path(path), emitError);
    if (succeeded(value))
      constants.back().value = *value;
  }
  if (name)
    define(constants.back().name, {Definer::Constant, index},
           constants.back().loc);
}

void Importer::parseNode(unsigned index, const json &entry) {
  std::string pointer = "/nodes/" + std::to_string(index);
  nodes.push_back(
      {"node" + std::to_string(index), "?", pointer, posLoc(pointer)});
  NodeSpec &node = nodes.back();
  if (!entry.is_object()) {
    error(posLoc(pointer)) << "nodes[" << index << "] must be an object, got "
                           << describeJson(entry);
    return;
  }
  std::string what = "nodes[" + std::to_string(index) + "]";
  const json *op = getField(entry, "op", pointer, JsonKind::String, true, what);
  if (op) {
    node.op = op->get<std::string>();
    node.name = node.op + std::to_string(index);
  }
  if (const json *name = getName(entry, pointer, /*required=*/false, what))
    node.name = name->get<std::string>();
  node.loc = namedLoc(node.name, pointer);
  what = describe(node);
  checkKnownFields(entry, {"name", "op", "inputs", "outputs", "attrs"}, pointer,
                   what);
  bool ok = getNameList(entry, "inputs", pointer, what, node.inputs);
  ok &= getNameList(entry, "outputs", pointer, what, node.outputs);
  node.attrs.numOutputs = node.outputs.size();
  node.spec = op ? lookupOp(node.op) : nullptr;
  if (op && !node.spec)
    nodeError(node, "/op") << "unknown op '" << node.op << "'";
  if (node.spec && ok) {
    unsigned lo = node.spec->minInputs, hi = node.spec->maxInputs;
    size_t n = node.inputs.size();
    if (n < lo || n > hi) {
      auto diag = nodeError(node, "/inputs") << "expects ";
      if (lo == hi)
        diag << lo << " input" << (lo == 1 ? "" : "s");
      else if (hi == ~0u)
        diag << "at least " << lo << " input" << (lo == 1 ? "" : "s");
      else
        diag << lo << " to " << hi << " inputs";
      diag << ", got " << n;
      ok = false;
    }
  }
  if (node.spec && ok) {
    unsigned want = node.spec->numOutputs;
    if (want == kAnyOutputs ? node.outputs.empty()
                            : node.outputs.size() != want) {
      auto diag = nodeError(node, "/outputs") << "expects ";
      if (want == kAnyOutputs)
        diag << "at least 1 output";
      else
        diag << want << " output" << (want == 1 ? "" : "s");
      diag << ", got " << node.outputs.size();
      ok = false;
    }
  }
  if (node.spec)
    ok &= parseAttrs(node, entry);
  node.valid = node.spec && ok;
  for (const std::string &output : node.outputs)
    define(output, {Definer::Node, index}, node.loc);
}

bool Importer::parseAttrs(NodeSpec &node, const json &entry) {
  auto field = entry.find("attrs");
  bool present = field != entry.end() && !field->is_null();
  const json *attrs = getField(entry, "attrs", node.pointer, JsonKind::Object,
                               false, describe(node));
  if (present && !attrs)
    return false;
  bool ok = true;
  if (attrs) {
    for (auto it = attrs->begin(); it != attrs->end(); ++it) {
      const AttrSpec *spec =
          llvm::find_if(node.spec->attrs,
                        [&](const AttrSpec &s) { return s.name == it.key(); });
      if (spec != node.spec->attrs.end())
        ok &= parseAttr(node, *spec, it.value());
      else
        ok = failed(reportUnknownAttr(node, it.key()));
    }
  }
  for (const AttrSpec &spec : node.spec->attrs) {
    if (!spec.required || (attrs && attrs->contains(spec.name.str())))
      continue;
    nodeError(node) << "missing attribute '" << spec.name << "'";
    ok = false;
  }
  return ok;
}

LogicalResult Importer::reportUnknownAttr(const NodeSpec &node, StringRef key) {
  auto diag = nodeError(node, ("/attrs/" + key).str())
              << "unknown attribute '" << key << "' (";
  if (node.spec->attrs.empty())
    return diag << node.op << " takes none)";
  diag << "expected ";
  llvm::interleaveComma(node.spec->attrs, diag, [&](const AttrSpec &s) {
    diag << "'" << s.name << "'";
  });
  return diag << ")";
}

bool Importer::parseAttr(NodeSpec &node, const AttrSpec &spec,
                         const json &value) {
  std::string name = spec.name.str();
  std::optional<int64_t> integer = strictInteger(value);
  auto integerList = [&]() -> std::optional<SmallVector<int64_t>> {
    if (!value.is_array())
      return std::nullopt;
    SmallVector<int64_t> list;
    for (const json &e : value) {
      std::optional<int64_t> i = strictInteger(e);
      if (!i)
        return std::nullopt;
      list.push_back(*i);
    }
    return list;
  };
  StringRef expected;
  switch (spec.kind) {
  case AttrKind::Bool:
    if (value.is_boolean())
      return node.attrs.bools[name] = value.get<bool>(), true;
    expected = "true or false";
    break;
  case AttrKind::Int:
    if (integer)
      return node.attrs.ints[name] = *integer, true;
    expected = "an integer";
    break;
  case AttrKind::IntOrIntList:
    if (integer)
      return node.attrs.lists[name] = {*integer}, true;
    [[fallthrough]];
  case AttrKind::IntList:
    if (auto list = integerList())
      return node.attrs.lists[name] = std::move(*list), true;
    expected = spec.kind == AttrKind::IntList
                   ? "a list of integers"
                   : "an integer or a list of integers";
    break;
  case AttrKind::Float:
    if (value.is_number())
      return node.attrs.floats[name] = value.get<double>(), true;
    expected = "a number";
    break;
  case AttrKind::FloatList:
    if (value.is_array() &&
        llvm::all_of(value, [](const json &e) { return e.is_number(); })) {
      SmallVector<double> list;
      for (const json &e : value)
        list.push_back(e.get<double>());
      return node.attrs.floatLists[name] = std::move(list), true;
    }
    expected = "a list of numbers";
    break;
  case AttrKind::String:
    if (value.is_string())
      return node.attrs.strings[name] = value.get<std::string>(), true;
    expected = "a string";
    break;
  case AttrKind::Dtype:
    if (value.is_string())
      if (Type t = parseDtype(ctx, value.get<std::string>()))
        return node.attrs.dtypes[name] = t, true;
    expected = "a dtype (f16 bf16 f32 f64 i8 i16 i32 i64 u8 bool)";
    break;
  }
  nodeError(node, "/attrs/" + name)
      << "attribute '" << name << "' must be " << expected << ", got "
      << describeJson(value);
  return false;
}

void Importer::parseOutputs(const json &list) {
  if (list.empty())
    error(posLoc("/outputs")) << "graph: 'outputs' is empty";
  for (auto [i, entry] : llvm::enumerate(list)) {
    std::string pointer = "/outputs/" + std::to_string(i);
    if (entry.is_string() && !entry.get_ref<const std::string &>().empty())
      outputs.emplace_back(entry.get<std::string>(), pointer);
    else
      error(posLoc(pointer))
          << "graph: outputs[" << i << "] must be a value name, got "
          << describeJson(entry);
  }
}

/// Calls `fn(index, entry)` for each entry of the top-level list `key`.
template <typename Fn>
void Importer::forEachEntry(StringRef key, bool required, Fn fn) {
  const json *list = getField(doc, key, "", JsonKind::Array, required, "graph");
  if (!list)
    return;
  for (auto [i, entry] : llvm::enumerate(*list))
    fn(static_cast<unsigned>(i), entry);
}

//===----------------------------------------------------------------------===//
// Definitions, uses and order
//===----------------------------------------------------------------------===//

void Importer::define(StringRef name, Definer definer, Location loc) {
  auto [it, inserted] = definers.try_emplace(name, definer);
  if (inserted)
    return;
  InFlightDiagnostic diag = error(loc) << describe(definer) << ": value '"
                                       << name << "' is already defined by "
                                       << describe(it->second);
  diag.attachNote(locOf(it->second)) << "first defined here";
}

void Importer::checkUses() {
  for (NodeSpec &node : nodes) {
    for (auto [i, name] : llvm::enumerate(node.inputs)) {
      if (definers.count(name))
        continue;
      nodeError(node, "/inputs/" + std::to_string(i))
          << "value '" << name << "' is not defined";
      node.valid = false;
    }
  }
  for (auto &[name, pointer] : outputs)
    if (!definers.count(name))
      error(posLoc(pointer)) << "graph: output '" << name << "' is not defined";
}

std::optional<unsigned> Importer::producerOf(StringRef name) const {
  auto it = definers.find(name);
  if (it == definers.end() || it->second.kind != Definer::Node)
    return std::nullopt;
  return it->second.index;
}

/// Orders the nodes producers first, keeping the file's order where the
/// dataflow allows, so that sorted graphs come out as written. Nodes on or
/// after a cycle are left out (and the cycles reported).
SmallVector<unsigned> Importer::sortNodes() {
  size_t n = nodes.size();
  std::vector<SmallVector<unsigned>> users(n);
  std::vector<unsigned> pending(n, 0);
  for (unsigned i = 0; i < n; ++i) {
    for (const std::string &name : nodes[i].inputs) {
      if (std::optional<unsigned> producer = producerOf(name)) {
        users[*producer].push_back(i);
        ++pending[i];
      }
    }
  }
  std::priority_queue<unsigned, std::vector<unsigned>, std::greater<>> ready;
  for (unsigned i = 0; i < n; ++i)
    if (!pending[i])
      ready.push(i);
  SmallVector<unsigned> order;
  while (!ready.empty()) {
    unsigned u = ready.top();
    ready.pop();
    order.push_back(u);
    for (unsigned v : users[u])
      if (!--pending[v])
        ready.push(v);
  }
  if (order.size() < n)
    reportCycles(pending);
  return order;
}

/// Reports the cycles among the nodes that sorting left (`pending` > 0).
/// Each such node has a producer that was left too, so following producers
/// from any of them comes back to a node already seen: a cycle.
void Importer::reportCycles(ArrayRef<unsigned> pending) {
  auto leftProducer = [&](unsigned u) {
    for (const std::string &name : nodes[u].inputs)
      if (std::optional<unsigned> p = producerOf(name); p && pending[*p])
        return *p;
    llvm_unreachable("a node left by sorting has a producer left too");
  };
  std::vector<bool> reported(nodes.size(), false);
  for (unsigned start = 0; start < nodes.size(); ++start) {
    if (!pending[start] || reported[start])
      continue;
    SmallVector<unsigned> walk;
    llvm::DenseMap<unsigned, unsigned> position;
    unsigned u = start;
    while (position.try_emplace(u, walk.size()).second) {
      walk.push_back(u);
      u = leftProducer(u);
    }
    // Producers first, starting from the cycle's first node in the file.
    SmallVector<unsigned> cycle(
        llvm::reverse(ArrayRef<unsigned>(walk).drop_front(position[u])));
    std::rotate(cycle.begin(), llvm::min_element(cycle), cycle.end());
    if (llvm::any_of(cycle, [&](unsigned c) { return reported[c]; }))
      continue;
    auto diag = nodeError(nodes[cycle.front()]) << "the graph has a cycle: ";
    for (unsigned c : cycle) {
      diag << "'" << nodes[c].name << "' -> ";
      reported[c] = true;
    }
    diag << "'" << nodes[cycle.front()].name << "'";
  }
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

/// Creates the function with the valid inputs as arguments; its results are
/// set once the outputs are built.
func::FuncOp Importer::buildFunction(OpBuilder &b, ModuleOp module) {
  b.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> types;
  SmallVector<Location> locs;
  for (const InputSpec &input : inputs) {
    if (!input.type)
      continue;
    types.push_back(input.type);
    locs.push_back(input.loc);
  }
  auto func = func::FuncOp::create(b, module.getLoc(), graphName,
                                   b.getFunctionType(types, {}));
  Block *body = b.createBlock(&func.getBody(), {}, types, locs);
  unsigned arg = 0;
  for (auto [i, input] : llvm::enumerate(inputs)) {
    if (!input.type)
      continue;
    func.setArgAttr(arg, kNameAttr, b.getStringAttr(input.name));
    func.setArgAttr(arg, kDimsAttr, input.dims);
    if (isDefinedBy(input.name, {Definer::Input, static_cast<unsigned>(i)}))
      values[input.name] = body->getArgument(arg);
    ++arg;
  }
  return func;
}

LogicalResult Importer::checkDtypes(const NodeSpec &node, ValueRange operands) {
  auto dtype = [&](unsigned i) {
    return cast<ShapedType>(operands[i].getType()).getElementType();
  };
  switch (node.spec->dtypes) {
  case DtypeRule::Any:
    return success();
  case DtypeRule::SameOperands:
    for (unsigned i = 1; i < operands.size(); ++i)
      if (dtype(i) != dtype(0))
        return nodeError(node) << "operand dtypes differ: "
                               << dtypeName(dtype(0)) << " and "
                               << dtypeName(dtype(i));
    return success();
  case DtypeRule::Float:
    if (isa<FloatType>(dtype(0)))
      return success();
    return nodeError(node) << "expects a floating-point input, got "
                           << dtypeName(dtype(0));
  }
  return success();
}

/// Runs `fn`, re-emitting the errors that it reports (from op type inference
/// and verifiers, which know nothing of nodes) behind the node's description.
FailureOr<SmallVector<Value>>
Importer::withNodePrefix(const NodeSpec &node,
                         function_ref<FailureOr<SmallVector<Value>>()> fn) {
  struct Captured {
    Location loc;
    std::string message;
    SmallVector<std::pair<Location, std::string>> notes;
  };
  SmallVector<Captured> captured;
  FailureOr<SmallVector<Value>> result = failure();
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error)
        return failure(); // pass it on
      // The node's description replaces the verifier's "'kiln.x' op ".
      std::string full = diag.str();
      StringRef message = full;
      if (message.starts_with("'kiln.") && message.contains("' op "))
        message = message.drop_front(message.find("' op ") + 5);
      captured.push_back({diag.getLocation(), message.str(), {}});
      for (Diagnostic &note : diag.getNotes())
        if (!StringRef(note.str()).starts_with("see current operation"))
          captured.back().notes.emplace_back(note.getLocation(), note.str());
      return success();
    });
    result = fn();
  }
  for (Captured &c : captured) {
    InFlightDiagnostic diag = error(c.loc)
                              << describe(node) << ": " << c.message;
    for (auto &[loc, message] : c.notes)
      diag.attachNote(loc) << message;
  }
  return result;
}

void Importer::buildNode(OpBuilder &b, unsigned index) {
  NodeSpec &node = nodes[index];
  if (!node.valid)
    return;
  SmallVector<Value> operands;
  for (const std::string &name : node.inputs) {
    // A missing value failed to build, which has been reported.
    Value value = values.lookup(name);
    if (!value)
      return;
    operands.push_back(value);
  }
  if (failed(checkDtypes(node, operands)))
    return;
  FailureOr<SmallVector<Value>> results = withNodePrefix(node, [&] {
    return node.spec->build(b, node.loc, operands, node.attrs);
  });
  if (failed(results))
    return;
  assert(results->size() == node.outputs.size() && "one value per output");
  for (auto [name, value] : llvm::zip(node.outputs, *results))
    if (isDefinedBy(name, {Definer::Node, index}))
      values[name] = value;
}

/// Returns the outputs and sets the function's results to match.
void Importer::finishFunction(OpBuilder &b, func::FuncOp func) {
  SmallVector<Value> results;
  for (auto &[name, pointer] : outputs)
    if (Value value = values.lookup(name))
      results.push_back(value);
  func::ReturnOp::create(b, func.getLoc(), results);
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(outputs))
    func.setResultAttr(i, kNameAttr, b.getStringAttr(output.first));
}

OwningOpRef<ModuleOp> Importer::build(ArrayRef<unsigned> order) {
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(namedLoc(graphName, ""));
  func::FuncOp func = buildFunction(b, *module);
  for (auto [i, constant] : llvm::enumerate(constants)) {
    if (!constant.value ||
        !isDefinedBy(constant.name,
                     {Definer::Constant, static_cast<unsigned>(i)}))
      continue;
    values[constant.name] =
        ConstantOp::create(b, constant.loc, constant.value.getType(),
                           constant.value)
            .getResult();
  }
  for (unsigned index : order)
    buildNode(b, index);
  if (hadError)
    return nullptr;
  finishFunction(b, func);
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> Importer::run() {
  if (!doc.is_object()) {
    error(posLoc("")) << "a graph must be a JSON object, got "
                      << describeJson(doc);
    return nullptr;
  }
  checkKnownFields(doc, {"name", "inputs", "outputs", "constants", "nodes"}, "",
                   "graph");
  parseGraphName();
  forEachEntry("inputs", true,
               [&](unsigned i, const json &entry) { parseInput(i, entry); });
  if (const json *list =
          getField(doc, "outputs", "", JsonKind::Array, true, "graph"))
    parseOutputs(*list);
  forEachEntry("constants", false,
               [&](unsigned i, const json &entry) { parseConstant(i, entry); });
  forEachEntry("nodes", true,
               [&](unsigned i, const json &entry) { parseNode(i, entry); });
  checkUses();
  SmallVector<unsigned> order = sortNodes();
  return build(order);
}

//===----------------------------------------------------------------------===//
// Malformed JSON
//===----------------------------------------------------------------------===//

/// A SAX consumer that only keeps the first syntax error.
struct SyntaxErrorSax : json::json_sax_t {
  size_t position = 0;
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t &) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t pos, const std::string &,
                   const nlohmann::detail::exception &ex) override {
    position = pos;
    // Drop "[json.exception.parse_error.101] parse error at line 1, column
    // 2: ": the location goes into the diagnostic's own.
    StringRef what = ex.what();
    size_t column = what.find(", column ");
    size_t colon = what.find(": ", column);
    message = (column != StringRef::npos && colon != StringRef::npos)
                  ? what.drop_front(colon + 2).str()
                  : what.str();
    return false;
  }
};

void reportSyntaxError(MLIRContext *ctx, StringRef text, StringRef path) {
  SyntaxErrorSax sax;
  json::sax_parse(text.begin(), text.end(), &sax);
  // nlohmann counts the offending character as read.
  size_t offset = std::min(sax.position ? sax.position - 1 : 0, text.size());
  auto [line, col] = LineTable(text).lineCol(offset);
  emitError(FileLineColLoc::get(ctx, path, line, col))
      << "malformed JSON: " << sax.message;
}

} // namespace

OwningOpRef<ModuleOp> mlir::kiln::importJsonGraph(MLIRContext *context,
                                                  StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer) {
    emitError(UnknownLoc::get(context)) << "cannot read graph '" << path
                                        << "': " << buffer.getError().message();
    return nullptr;
  }
  return importJsonGraphFromBuffer(context, (*buffer)->getBuffer(), path);
}

OwningOpRef<ModuleOp>
mlir::kiln::importJsonGraphFromBuffer(MLIRContext *context, StringRef text,
                                      StringRef path) {
  context->loadDialect<KilnDialect, func::FuncDialect>();
  json doc = json::parse(text.begin(), text.end(), /*cb=*/nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    reportSyntaxError(context, text, path);
    return nullptr;
  }
  return Importer(context, path, text, doc).run();
}
