//===- JsonImporter.cpp - JSON graph spec to kiln ---------------*- C++ -*-===//
//
// Reads a JSON graph (docs/graph-format.md) into one func.func of kiln ops.
// Nested graphs (the attributes of `if` and `while`) are read the same way,
// recursively, into the regions of their op; names resolve in the nested
// graph, then outward (captures). The import runs in phases so that one run reports as many independent
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
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <deque>
#include <queue>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;
using json = nlohmann::json;

const OpSpec *mlir::kiln::json_frontend::lookupOp(StringRef name) {
  for (ArrayRef<OpSpec> family :
       {elementwiseOps(), nnOps(), shapeOps(), controlFlowOps(),
        indexingOps()})
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
/// structural scan of the (already validated) text finds them. The elements
/// of `data` lists are not recorded: no diagnostic points there, and there
/// can be millions of them. Nested graphs put nodes at any depth.
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
  bool record = stack.empty() || !stack.back().quiet;
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

/// What defines a value name in one graph.
struct Definer {
  enum Kind { Input, Constant, Node } kind;
  unsigned index;

  bool operator==(const Definer &other) const {
    return kind == other.kind && index == other.index;
  }
};

/// A graph input; `type` is null when the entry is invalid, or, in a nested
/// graph, when it leaves out its dtype or shape (it takes the bound value's
/// type; what it declares is checked against it).
struct InputSpec {
  std::string name;
  Location loc;
  RankedTensorType type = {};
  ArrayAttr dims = {};
  /// The declared dtype and shape, when given and valid.
  Type dtype = {};
  std::optional<SmallVector<int64_t>> shape = {};
};

/// A graph constant; `value` is null when the entry is invalid.
struct ConstantSpec {
  std::string name;
  Location loc;
  DenseElementsAttr value = {};
};

struct Graph;

struct NodeSpec {
  std::string name, op, pointer;
  Location loc;
  const OpSpec *spec = nullptr;
  SmallVector<std::string> inputs = {}, outputs = {};
  NodeAttrs attrs = {};
  /// Whether the node passed the checks that come before building it.
  bool valid = false;
  /// Its nested graphs (Graph attributes), by attribute name.
  SmallVector<std::pair<std::string, std::unique_ptr<Graph>>, 2> graphs = {};
  /// Names its nested graphs use from this node's graph or further out
  /// (captures): the node depends on them as on its inputs.
  SmallVector<std::string> captures = {};
};

/// A top-level graph or a nested one (an attribute of an `if` or `while`
/// node). Names resolve in the graph, then in the enclosing graphs.
struct Graph {
  Graph *parent = nullptr;
  /// JSON pointer of the graph's object ("" at the top level).
  std::string pointer;
  /// "loop/body" for a nested graph (the node's name, then the attribute's),
  /// which also prefixes its nodes' names; empty at the top level.
  std::string path;
  std::vector<InputSpec> inputs;
  std::vector<ConstantSpec> constants;
  std::deque<NodeSpec> nodes; // stable references while nested graphs are read
  /// Output names and their JSON pointers.
  std::vector<std::pair<std::string, std::string>> outputs;
  llvm::StringMap<Definer> definers;
  /// The nodes in build order (producers first).
  SmallVector<unsigned> order;
  /// The built value of each name; absent when it failed to build.
  llvm::StringMap<Value> values;

  bool isNested() const { return parent != nullptr; }
  /// "graph" or "graph 'loop/body'", for messages.
  std::string label() const {
    return isNested() ? "graph '" + path + "'" : "graph";
  }
  /// What prefixes the description of an entry of the graph in messages.
  std::string entryPrefix() const {
    return isNested() ? label() + ": " : "";
  }
};

/// Which graph defines `name`, looking outward from `graph`, or null.
const Graph *resolve(const Graph *graph, StringRef name) {
  for (; graph; graph = graph->parent)
    if (graph->definers.count(name))
      return graph;
  return nullptr;
}

/// A node's inputs and captures: the names it needs before it can run.
SmallVector<StringRef> dependencies(const NodeSpec &node) {
  SmallVector<StringRef> deps(node.inputs.begin(), node.inputs.end());
  deps.append(node.captures.begin(), node.captures.end());
  return deps;
}

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
  std::string describe(const Graph &g, Definer definer) const;
  Location locOf(const Graph &g, Definer definer) const;
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
  void parseGraph(Graph &g, const json &obj);
  void parseGraphName();
  void parseInput(Graph &g, unsigned index, const json &entry);
  void parseConstant(Graph &g, unsigned index, const json &entry);
  void parseNode(Graph &g, unsigned index, const json &entry);
  bool parseAttrs(Graph &g, NodeSpec &node, const json &entry);
  bool parseAttr(Graph &g, NodeSpec &node, const AttrSpec &spec,
                 const json &value);
  bool parseNestedGraph(Graph &g, NodeSpec &node, StringRef name,
                        const json &value);
  LogicalResult reportUnknownAttr(const NodeSpec &node, StringRef key);
  void parseOutputs(Graph &g, const json &list);
  template <typename Fn>
  void forEachEntry(Graph &g, const json &obj, StringRef key, bool required,
                    Fn fn);

  // Definitions, uses and order.
  void define(Graph &g, StringRef name, Definer definer, Location loc);
  static bool isDefinedBy(const Graph &g, StringRef name, Definer definer) {
    auto it = g.definers.find(name);
    return it != g.definers.end() && it->second == definer;
  }
  void checkUses(Graph &g);
  void checkShadowing(Graph &g);
  void collectCaptures(Graph &sub, SmallVectorImpl<std::string> &captures);
  void sortNodes(Graph &g);
  std::optional<unsigned> producerOf(const Graph &g, StringRef name) const;
  void reportCycles(Graph &g, ArrayRef<unsigned> pending);

  // Building.
  OwningOpRef<ModuleOp> build();
  func::FuncOp buildFunction(OpBuilder &b, ModuleOp module);
  void buildBody(OpBuilder &b, Graph &g);
  bool buildNestedGraph(Graph &g, ValueRange bound, Region &region);
  bool checkBoundInput(Graph &g, const InputSpec &input, Type bound);
  void buildNode(OpBuilder &b, Graph &g, unsigned index);
  Value lookupValue(const Graph &g, StringRef name) const;
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
  Graph top;
};

std::string Importer::describe(const Graph &g, Definer definer) const {
  std::string of = g.isNested() ? " of " + g.label() : "";
  switch (definer.kind) {
  case Definer::Input:
    return "input '" + g.inputs[definer.index].name + "'" + of;
  case Definer::Constant:
    return "constant '" + g.constants[definer.index].name + "'" + of;
  case Definer::Node:
    return describe(g.nodes[definer.index]);
  }
  return "";
}

Location Importer::locOf(const Graph &g, Definer definer) const {
  switch (definer.kind) {
  case Definer::Input:
    return g.inputs[definer.index].loc;
  case Definer::Constant:
    return g.constants[definer.index].loc;
  case Definer::Node:
    return g.nodes[definer.index].loc;
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

/// Reads a graph object: the top-level one or a nested one. A nested graph
/// has the same fields; its `name` is only checked, and its inputs may leave
/// out `dtype` and `shape` (they come from the values bound to them).
void Importer::parseGraph(Graph &g, const json &obj) {
  std::string what = g.label();
  checkKnownFields(obj, {"name", "inputs", "outputs", "constants", "nodes"},
                   g.pointer, what);
  if (!g.isNested())
    parseGraphName();
  else
    getField(obj, "name", g.pointer, JsonKind::String, false, what);
  forEachEntry(g, obj, "inputs", true, [&](unsigned i, const json &entry) {
    parseInput(g, i, entry);
  });
  if (const json *list =
          getField(obj, "outputs", g.pointer, JsonKind::Array, true, what))
    parseOutputs(g, *list);
  forEachEntry(g, obj, "constants", false, [&](unsigned i, const json &entry) {
    parseConstant(g, i, entry);
  });
  forEachEntry(g, obj, "nodes", true, [&](unsigned i, const json &entry) {
    parseNode(g, i, entry);
  });
}

void Importer::parseInput(Graph &g, unsigned index, const json &entry) {
  std::string pointer = g.pointer + "/inputs/" + std::to_string(index);
  std::string what = g.entryPrefix() + "inputs[" + std::to_string(index) + "]";
  g.inputs.push_back({what, posLoc(pointer)});
  InputSpec &input = g.inputs.back();
  if (!entry.is_object()) {
    error(posLoc(pointer)) << what << " must be an object, got "
                           << describeJson(entry);
    return;
  }
  const json *name = getName(entry, pointer, /*required=*/true, what);
  if (name) {
    input.name = name->get<std::string>();
    input.loc = namedLoc(input.name, pointer);
    what = g.entryPrefix() + "input '" + input.name + "'";
  }
  checkKnownFields(entry, {"name", "dtype", "shape"}, pointer, what);
  // A nested graph's input may leave its type to the value bound to it.
  auto present = [&](const char *key) {
    auto it = entry.find(key);
    return it != entry.end() && !it->is_null();
  };
  bool hasDtype = !g.isNested() || present("dtype");
  bool hasShape = !g.isNested() || present("shape");
  Type elementType = hasDtype ? getDtype(entry, pointer, what) : Type();
  SmallVector<int64_t> shape;
  SmallVector<Attribute> dims;
  bool shapeOk =
      hasShape &&
      getShape(entry, pointer, what, /*allowSymbols=*/true, shape, dims);
  input.dtype = elementType;
  if (shapeOk)
    input.shape = shape;
  if (elementType && shapeOk) {
    input.type = RankedTensorType::get(shape, elementType);
    input.dims = ArrayAttr::get(ctx, dims);
  }
  if (name)
    define(g, input.name, {Definer::Input, index}, input.loc);
}

void Importer::parseConstant(Graph &g, unsigned index, const json &entry) {
  std::string pointer = g.pointer + "/constants/" + std::to_string(index);
  std::string what =
      g.entryPrefix() + "constants[" + std::to_string(index) + "]";
  g.constants.push_back({what, posLoc(pointer)});
  ConstantSpec &constant = g.constants.back();
  if (!entry.is_object()) {
    error(posLoc(pointer)) << what << " must be an object, got "
                           << describeJson(entry);
    return;
  }
  const json *name = getName(entry, pointer, /*required=*/true, what);
  if (name) {
    constant.name = name->get<std::string>();
    constant.loc = namedLoc(constant.name, pointer);
    what = g.entryPrefix() + "constant '" + constant.name + "'";
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
      constant.value = *value;
  }
  if (name)
    define(g, constant.name, {Definer::Constant, index}, constant.loc);
}

void Importer::parseNode(Graph &g, unsigned index, const json &entry) {
  std::string pointer = g.pointer + "/nodes/" + std::to_string(index);
  std::string prefix = g.isNested() ? g.path + "/" : "";
  g.nodes.push_back({prefix + "node" + std::to_string(index), "?", pointer,
                     posLoc(pointer)});
  NodeSpec &node = g.nodes.back();
  std::string what = g.entryPrefix() + "nodes[" + std::to_string(index) + "]";
  if (!entry.is_object()) {
    error(posLoc(pointer)) << what << " must be an object, got "
                           << describeJson(entry);
    return;
  }
  const json *op = getField(entry, "op", pointer, JsonKind::String, true, what);
  if (op) {
    node.op = op->get<std::string>();
    node.name = prefix + node.op + std::to_string(index);
  }
  if (const json *name = getName(entry, pointer, /*required=*/false, what))
    node.name = prefix + name->get<std::string>();
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
    ok &= parseAttrs(g, node, entry);
  node.valid = node.spec && ok;
  for (const std::string &output : node.outputs)
    define(g, output, {Definer::Node, index}, node.loc);
}

bool Importer::parseAttrs(Graph &g, NodeSpec &node, const json &entry) {
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
        ok &= parseAttr(g, node, *spec, it.value());
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

/// Reads the nested graph `name` of `node` (in `g`) and checks that it has
/// one input per value the node binds to it. Whether the graph is valid
/// shows when it is built; the node itself stays valid.
bool Importer::parseNestedGraph(Graph &g, NodeSpec &node, StringRef name,
                                const json &value) {
  auto sub = std::make_unique<Graph>();
  sub->parent = &g;
  sub->pointer = node.pointer + "/attrs/" + name.str();
  sub->path = node.name + "/" + name.str();
  parseGraph(*sub, value);
  size_t bound = node.inputs.size() > node.spec->firstGraphInput
                     ? node.inputs.size() - node.spec->firstGraphInput
                     : 0;
  bool ok = true;
  if (sub->inputs.size() != bound) {
    nodeError(node, "/attrs/" + name.str())
        << "'" << name << "' has " << sub->inputs.size() << " input"
        << (sub->inputs.size() == 1 ? "" : "s") << " but the node passes it "
        << bound << " value" << (bound == 1 ? "" : "s");
    ok = false;
  }
  node.graphs.emplace_back(name.str(), std::move(sub));
  return ok;
}

bool Importer::parseAttr(Graph &g, NodeSpec &node, const AttrSpec &spec,
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
  case AttrKind::Graph:
    if (value.is_object())
      return parseNestedGraph(g, node, name, value);
    expected = "a graph (an object with inputs, outputs and nodes)";
    break;
  }
  nodeError(node, "/attrs/" + name)
      << "attribute '" << name << "' must be " << expected << ", got "
      << describeJson(value);
  return false;
}

void Importer::parseOutputs(Graph &g, const json &list) {
  if (list.empty())
    error(posLoc(g.pointer + "/outputs")) << g.label() << ": 'outputs' is empty";
  for (auto [i, entry] : llvm::enumerate(list)) {
    std::string pointer = g.pointer + "/outputs/" + std::to_string(i);
    if (entry.is_string() && !entry.get_ref<const std::string &>().empty())
      g.outputs.emplace_back(entry.get<std::string>(), pointer);
    else
      error(posLoc(pointer))
          << g.label() << ": outputs[" << i << "] must be a value name, got "
          << describeJson(entry);
  }
}

/// Calls `fn(index, entry)` for each entry of the list `key` of graph `g`'s
/// object `obj`.
template <typename Fn>
void Importer::forEachEntry(Graph &g, const json &obj, StringRef key,
                            bool required, Fn fn) {
  const json *list =
      getField(obj, key, g.pointer, JsonKind::Array, required, g.label());
  if (!list)
    return;
  for (auto [i, entry] : llvm::enumerate(*list))
    fn(static_cast<unsigned>(i), entry);
}

//===----------------------------------------------------------------------===//
// Definitions, uses and order
//===----------------------------------------------------------------------===//

void Importer::define(Graph &g, StringRef name, Definer definer,
                      Location loc) {
  auto [it, inserted] = g.definers.try_emplace(name, definer);
  if (inserted)
    return;
  InFlightDiagnostic diag = error(loc) << describe(g, definer) << ": value '"
                                       << name << "' is already defined by "
                                       << describe(g, it->second);
  diag.attachNote(locOf(g, it->second)) << "first defined here";
}

/// A nested graph may not redefine a name of an enclosing graph: a name
/// means one value wherever it is visible, so that a capture is never
/// silently hidden by a local value (ONNX has the same rule). Sibling
/// nested graphs (`then` and `else`) may reuse names.
void Importer::checkShadowing(Graph &g) {
  for (auto &entry : g.definers) {
    const Graph *outer = resolve(g.parent, entry.getKey());
    if (!outer)
      continue;
    Definer first = outer->definers.lookup(entry.getKey());
    InFlightDiagnostic diag =
        error(locOf(g, entry.getValue()))
        << describe(g, entry.getValue()) << ": value '" << entry.getKey()
        << "' is already defined by " << describe(*outer, first)
        << " in an enclosing graph (nested graphs may use it, not redefine "
           "it)";
    diag.attachNote(locOf(*outer, first)) << "first defined here";
  }
}

/// The names that `sub` (a node's nested graph) and the graphs nested in it
/// use but do not define, in order of first use.
void Importer::collectCaptures(Graph &sub,
                               SmallVectorImpl<std::string> &captures) {
  auto add = [&](StringRef name) {
    if (!sub.definers.count(name) && !llvm::is_contained(captures, name))
      captures.push_back(name.str());
  };
  for (NodeSpec &node : sub.nodes)
    for (StringRef name : dependencies(node))
      add(name);
  for (auto &[name, pointer] : sub.outputs)
    add(name);
}

/// Checks that every name used is visible where it is used, in `g` and the
/// graphs nested in it, and records each node's captures.
void Importer::checkUses(Graph &g) {
  if (g.isNested())
    checkShadowing(g);
  for (NodeSpec &node : g.nodes) {
    for (auto [i, name] : llvm::enumerate(node.inputs)) {
      if (resolve(&g, name))
        continue;
      nodeError(node, "/inputs/" + std::to_string(i))
          << "value '" << name << "' is not defined";
      node.valid = false;
    }
    for (auto &[key, sub] : node.graphs) {
      checkUses(*sub);
      SmallVector<std::string> names;
      collectCaptures(*sub, names);
      // Names that resolve nowhere were reported where they are used.
      for (std::string &name : names)
        if (resolve(&g, name) && !llvm::is_contained(node.captures, name))
          node.captures.push_back(std::move(name));
    }
  }
  for (auto &[name, pointer] : g.outputs)
    if (!resolve(&g, name))
      error(posLoc(pointer)) << g.label() << ": output '" << name
                             << "' is not defined";
}

std::optional<unsigned> Importer::producerOf(const Graph &g,
                                             StringRef name) const {
  auto it = g.definers.find(name);
  if (it == g.definers.end() || it->second.kind != Definer::Node)
    return std::nullopt;
  return it->second.index;
}

/// Orders the nodes of `g` and of the graphs nested in it producers first,
/// keeping the file's order where the dataflow allows, so that sorted
/// graphs come out as written. A node that captures a value depends on its
/// producer like one that takes it as an input. Nodes on or after a cycle
/// are left out (and the cycles reported).
void Importer::sortNodes(Graph &g) {
  size_t n = g.nodes.size();
  std::vector<SmallVector<unsigned>> users(n);
  std::vector<unsigned> pending(n, 0);
  for (unsigned i = 0; i < n; ++i) {
    for (auto &[key, sub] : g.nodes[i].graphs)
      sortNodes(*sub);
    for (StringRef name : dependencies(g.nodes[i])) {
      if (std::optional<unsigned> producer = producerOf(g, name)) {
        users[*producer].push_back(i);
        ++pending[i];
      }
    }
  }
  std::priority_queue<unsigned, std::vector<unsigned>, std::greater<>> ready;
  for (unsigned i = 0; i < n; ++i)
    if (!pending[i])
      ready.push(i);
  g.order.clear();
  while (!ready.empty()) {
    unsigned u = ready.top();
    ready.pop();
    g.order.push_back(u);
    for (unsigned v : users[u])
      if (!--pending[v])
        ready.push(v);
  }
  if (g.order.size() < n)
    reportCycles(g, pending);
}

/// Reports the cycles among the nodes that sorting left (`pending` > 0).
/// Each such node has a producer that was left too, so following producers
/// from any of them comes back to a node already seen: a cycle.
void Importer::reportCycles(Graph &g, ArrayRef<unsigned> pending) {
  auto leftProducer = [&](unsigned u) {
    for (StringRef name : dependencies(g.nodes[u]))
      if (std::optional<unsigned> p = producerOf(g, name); p && pending[*p])
        return *p;
    llvm_unreachable("a node left by sorting has a producer left too");
  };
  std::vector<bool> reported(g.nodes.size(), false);
  for (unsigned start = 0; start < g.nodes.size(); ++start) {
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
    auto diag = nodeError(g.nodes[cycle.front()]) << "the graph has a cycle: ";
    for (unsigned c : cycle) {
      diag << "'" << g.nodes[c].name << "' -> ";
      reported[c] = true;
    }
    diag << "'" << g.nodes[cycle.front()].name << "'";
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
  for (const InputSpec &input : top.inputs) {
    if (!input.type)
      continue;
    types.push_back(input.type);
    locs.push_back(input.loc);
  }
  auto func = func::FuncOp::create(b, module.getLoc(), graphName,
                                   b.getFunctionType(types, {}));
  Block *body = b.createBlock(&func.getBody(), {}, types, locs);
  unsigned arg = 0;
  for (auto [i, input] : llvm::enumerate(top.inputs)) {
    if (!input.type)
      continue;
    func.setArgAttr(arg, kNameAttr, b.getStringAttr(input.name));
    func.setArgAttr(arg, kDimsAttr, input.dims);
    if (isDefinedBy(top, input.name,
                    {Definer::Input, static_cast<unsigned>(i)}))
      top.values[input.name] = body->getArgument(arg);
    ++arg;
  }
  return func;
}

/// Builds the constants and nodes of `g` at `b`'s insertion point.
void Importer::buildBody(OpBuilder &b, Graph &g) {
  for (auto [i, constant] : llvm::enumerate(g.constants)) {
    if (!constant.value ||
        !isDefinedBy(g, constant.name,
                     {Definer::Constant, static_cast<unsigned>(i)}))
      continue;
    g.values[constant.name] =
        ConstantOp::create(b, constant.loc, constant.value.getType(),
                           constant.value)
            .getResult();
  }
  for (unsigned index : g.order)
    buildNode(b, g, index);
}

/// The value `name` resolves to from `g`, or null if it failed to build.
Value Importer::lookupValue(const Graph &g, StringRef name) const {
  const Graph *owner = resolve(&g, name);
  return owner ? owner->values.lookup(name) : Value();
}

/// Checks what a nested graph's input declares (dtype, shape: optional)
/// against the value bound to it. A symbolic (string) dimension matches a
/// dynamic one; kiln-infer-symbolic-dims relates the symbols.
bool Importer::checkBoundInput(Graph &g, const InputSpec &input, Type bound) {
  auto type = cast<RankedTensorType>(bound);
  bool dtypeOk = !input.dtype || input.dtype == type.getElementType();
  bool shapeOk = true;
  if (input.shape) {
    ArrayRef<int64_t> declared = *input.shape;
    shapeOk = declared.size() == static_cast<size_t>(type.getRank());
    for (size_t i = 0; shapeOk && i < declared.size(); ++i)
      shapeOk = declared[i] == type.getDimSize(i);
  }
  if (dtypeOk && shapeOk)
    return true;
  auto typeStr = [](Type elementType, ArrayRef<int64_t> shape) {
    std::string s = dtypeName(elementType) + " [";
    for (auto [i, d] : llvm::enumerate(shape))
      s += (i ? ", " : "") +
           (ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d));
    return s + "]";
  };
  error(input.loc) << g.entryPrefix() << "input '" << input.name
                   << "' is declared "
                   << typeStr(input.dtype ? input.dtype : type.getElementType(),
                              input.shape ? ArrayRef<int64_t>(*input.shape)
                                          : type.getShape())
                   << " but receives " << typeStr(type.getElementType(),
                                                  type.getShape());
  return false;
}

/// Builds nested graph `g` into `region` (empty): one block whose arguments
/// are `g`'s inputs, typed like the `bound` values, and whose `kiln.yield`
/// returns `g`'s outputs. False when something in it failed (reported).
bool Importer::buildNestedGraph(Graph &g, ValueRange bound, Region &region) {
  Block *block = new Block();
  region.push_back(block);
  bool ok = true;
  for (auto [i, input] : llvm::enumerate(g.inputs)) {
    Type type = bound[i].getType();
    ok &= checkBoundInput(g, input, type);
    BlockArgument arg = block->addArgument(type, input.loc);
    if (isDefinedBy(g, input.name, {Definer::Input, static_cast<unsigned>(i)}))
      g.values[input.name] = arg;
  }
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(block);
  buildBody(b, g);
  SmallVector<Value> results;
  for (auto &[name, pointer] : g.outputs) {
    Value value = lookupValue(g, name);
    if (!value)
      ok = false; // it failed to build or is undefined: reported
    results.push_back(value);
  }
  if (ok)
    YieldOp::create(b, posLoc(g.pointer + "/outputs"), results);
  return ok;
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

void Importer::buildNode(OpBuilder &b, Graph &g, unsigned index) {
  NodeSpec &node = g.nodes[index];
  if (!node.valid)
    return;
  SmallVector<Value> operands;
  for (const std::string &name : node.inputs) {
    // A missing value failed to build, which has been reported.
    Value value = lookupValue(g, name);
    if (!value)
      return;
    operands.push_back(value);
  }
  if (failed(checkDtypes(node, operands)))
    return;
  // Nested graphs first: their inputs take the types of the values bound
  // to them. They are built inside a placeholder of the node's op (no
  // results yet, never verified), so that their ops sit in the function's
  // nesting and verify like any other; the builder moves their blocks into
  // the real op, and the placeholder goes.
  Operation *holder = nullptr;
  if (!node.graphs.empty()) {
    OperationState state(node.loc, "kiln." + node.op);
    state.addOperands(operands);
    for (size_t i = 0; i < node.graphs.size(); ++i)
      state.addRegion();
    holder = b.create(state);
  }
  llvm::scope_exit dropHolder([&] {
    node.attrs.graphs.clear();
    if (holder)
      holder->erase();
  });
  ValueRange bound =
      ValueRange(operands).drop_front(node.spec->firstGraphInput);
  bool nestedOk = true;
  for (auto [i, entry] : llvm::enumerate(node.graphs)) {
    Region &region = holder->getRegion(i);
    nestedOk &= buildNestedGraph(*entry.second, bound, region);
    node.attrs.graphs[entry.first] = &region;
  }
  if (!nestedOk)
    return;
  FailureOr<SmallVector<Value>> results = withNodePrefix(node, [&] {
    return node.spec->build(b, node.loc, operands, node.attrs);
  });
  if (failed(results))
    return;
  if (results->size() != node.outputs.size()) {
    // Ops whose results follow from their nested graphs (if).
    nodeError(node, "/outputs")
        << "its nested graphs give " << results->size() << " value"
        << (results->size() == 1 ? "" : "s") << " but the node lists "
        << node.outputs.size() << " output"
        << (node.outputs.size() == 1 ? "" : "s");
    return;
  }
  for (auto [name, value] : llvm::zip(node.outputs, *results))
    if (isDefinedBy(g, name, {Definer::Node, index}))
      g.values[name] = value;
}

/// Returns the outputs and sets the function's results to match.
void Importer::finishFunction(OpBuilder &b, func::FuncOp func) {
  SmallVector<Value> results;
  for (auto &[name, pointer] : top.outputs)
    if (Value value = top.values.lookup(name))
      results.push_back(value);
  func::ReturnOp::create(b, func.getLoc(), results);
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(top.outputs))
    func.setResultAttr(i, kNameAttr, b.getStringAttr(output.first));
}

OwningOpRef<ModuleOp> Importer::build() {
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(namedLoc(graphName, ""));
  func::FuncOp func = buildFunction(b, *module);
  buildBody(b, top);
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
  parseGraph(top, doc);
  checkUses(top);
  sortNodes(top);
  return build();
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
