//===- Driver.cpp - kiln compile ---------------------------------*- C++ -*-===//
#include "Inputs.h"

#include "kiln/Driver/Driver.h"
#include "kiln/Driver/InitAll.h"
#include "kiln/Driver/Session.h"
#include "kiln/Frontend/JsonImporter.h"
#include "kiln/Frontend/OnnxImporter.h"
#include "kiln/Conversion/MemoryPlan.h"
#include "kiln/Pipelines/Pipelines.h"
#include "kiln/runtime.h"

#include "dialects/kiln/IR/KilnOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"

#include <cstring>
#include <map>

using namespace mlir;
using namespace mlir::kiln;

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

Session::Session() {
  DialectRegistry registry;
  registerAllDialects(registry);
  ctx = std::make_unique<MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
  // Diagnostics name the node and say why; dumping the op is noise to users.
  ctx->printOpOnDiagnostic(false);
  handler = std::make_unique<SourceMgrDiagnosticHandler>(sourceMgr, ctx.get());
}

static bool isCIdentifier(StringRef s) {
  return !s.empty() && (isalpha(s[0]) || s[0] == '_') &&
         llvm::all_of(s, [](char c) { return isalnum(c) || c == '_'; });
}

FailureOr<func::FuncOp> mlir::kiln::findGraph(ModuleOp module) {
  SmallVector<func::FuncOp> graphs;
  for (auto f : module.getOps<func::FuncOp>())
    if (f.isPublic() && !f.isExternal())
      graphs.push_back(f);
  if (graphs.size() != 1)
    return module.emitError("expected exactly one public func.func (the "
                            "graph), found ")
           << graphs.size();
  if (!isCIdentifier(graphs[0].getSymName()))
    return graphs[0].emitError("graph name '")
           << graphs[0].getSymName() << "' is not a C identifier";
  return graphs[0];
}

namespace {
/// One `--shape NAME=D0,D1,...`.
struct ShapePin {
  std::string spec, name;
  SmallVector<int64_t> dims;
};
} // namespace

static FailureOr<ShapePin> parseShapePin(StringRef spec);

/// Reads the `--bind NAME=FILE.npy` files.
static FailureOr<llvm::StringMap<HostTensor>>
readBindings(ArrayRef<std::string> specs) {
  llvm::StringMap<HostTensor> out;
  for (const std::string &spec : specs) {
    auto parts = splitNameAndFile(spec);
    if (!parts) {
      llvm::errs() << "error: --bind '" << spec << "' is not NAME=FILE.npy\n";
      return failure();
    }
    auto &[name, file] = *parts;
    kiln_npy npy;
    std::memset(&npy, 0, sizeof(npy));
    if (kiln_npy_read(file.c_str(), &npy) != KILN_OK) {
      llvm::errs() << "error: --bind " << name << ": " << kiln_last_error()
                   << "\n";
      return failure();
    }
    HostTensor t = toHostTensor(npy);
    kiln_npy_free(&npy);
    if (!out.try_emplace(name, std::move(t)).second) {
      llvm::errs() << "error: --bind " << name << " is given twice\n";
      return failure();
    }
  }
  return out;
}

/// Replaces the graph inputs named in `bindings` by kiln.constant ops.
static LogicalResult bindInputs(func::FuncOp graph,
                                llvm::StringMap<HostTensor> &bindings) {
  for (auto &entry : bindings) {
    std::optional<unsigned> arg;
    for (unsigned i = 0; i < graph.getNumArguments(); ++i)
      if (auto n = graph.getArgAttrOfType<StringAttr>(i, kNameAttr))
        if (n.getValue() == entry.getKey())
          arg = i;
    if (!arg) {
      llvm::errs() << "error: --bind " << entry.getKey()
                   << ": the graph has no such input\n";
      return failure();
    }
    auto type = cast<RankedTensorType>(graph.getArgument(*arg).getType());
    const HostTensor &t = entry.getValue();
    auto staticType = RankedTensorType::get(t.shape, type.getElementType());
    DenseElementsAttr value = toElementsAttr(t, staticType);
    bool shapeOk = type.getRank() == (int64_t)t.shape.size();
    for (int64_t i = 0; shapeOk && i < type.getRank(); ++i)
      shapeOk = type.isDynamicDim(i) || type.getDimSize(i) == t.shape[i];
    if (!value || getDtypeCode(type.getElementType()) != t.dtype || !shapeOk) {
      llvm::errs() << "error: --bind " << entry.getKey() << ": the file holds "
                   << getDtypeName(t.dtype) << " " << t.shape.size()
                   << "-D data, the input is " << type << "\n";
      return failure();
    }
    OpBuilder b = OpBuilder::atBlockBegin(&graph.getBody().front());
    Value c = ConstantOp::create(b, graph.getLoc(), staticType, value);
    if (staticType != type)
      c = CastOp::create(b, graph.getLoc(), type, c,
                         TypeAttr::get(type.getElementType()))
              .getResult();
    graph.getArgument(*arg).replaceAllUsesWith(c);
    if (failed(graph.eraseArgument(*arg)))
      return failure();
  }
  return success();
}

OwningOpRef<ModuleOp> Session::loadGraph(StringRef path,
                                         ArrayRef<std::string> shapes,
                                         ArrayRef<std::string> binds) {
  FailureOr<llvm::StringMap<HostTensor>> bindings = readBindings(binds);
  if (failed(bindings))
    return nullptr;
  OwningOpRef<ModuleOp> module = loadGraphFile(path, shapes, *bindings);
  if (!module || bindings->empty() || path.ends_with(".onnx"))
    return module;
  FailureOr<func::FuncOp> graph = findGraph(*module);
  if (failed(graph) || failed(bindInputs(*graph, *bindings)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp>
Session::loadGraphFile(StringRef path, ArrayRef<std::string> shapes,
                       llvm::StringMap<HostTensor> &bindings) {
  StringRef ext = llvm::sys::path::extension(path);
  Location loc = FileLineColLoc::get(ctx.get(), path, 0, 0);
  if (ext == ".json")
    return importJsonGraph(ctx.get(), path);
  if (ext == ".mlir") {
    if (!llvm::sys::fs::exists(path)) {
      emitError(loc) << "cannot open graph file";
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(path, sourceMgr, ParserConfig(ctx.get()));
  }
  if (ext == ".onnx") {
    OnnxImportOptions options;
    options.boundInputs = std::move(bindings);
    for (const std::string &spec : shapes) {
      FailureOr<ShapePin> pin = parseShapePin(spec);
      if (failed(pin))
        return nullptr;
      options.pinnedShapes[pin->name] = pin->dims;
    }
    return importOnnxModel(ctx.get(), path, options);
  }
  emitError(loc) << "unrecognised graph file extension '" << ext
                 << "' (expected .json, .mlir or .onnx)";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// --shape: pinning input dimensions
//===----------------------------------------------------------------------===//

namespace {

LogicalResult shapeError(StringRef spec, const Twine &message) {
  llvm::errs() << "error: --shape " << spec << ": " << message << "\n";
  return failure();
}

} // namespace

static FailureOr<ShapePin> parseShapePin(StringRef spec) {
  auto [name, list] = spec.split('=');
  if (!spec.contains('=') || name.empty())
    return shapeError(spec, "expected NAME=D0,D1,... (NAME= for a scalar)");
  ShapePin pin{spec.str(), name.str(), {}};
  if (list.trim().empty())
    return pin;
  SmallVector<StringRef> parts;
  list.split(parts, ',');
  for (StringRef part : parts) {
    int64_t d;
    if (part.trim().getAsInteger(10, d) || d < 0)
      return shapeError(spec, "dimension '" + part +
                                  "' is not a non-negative integer");
    pin.dims.push_back(d);
  }
  return pin;
}

namespace {

/// The user-facing name of argument `i`.
std::string argName(func::FuncOp graph, unsigned i) {
  if (auto name = graph.getArgAttrOfType<StringAttr>(i, kNameAttr))
    return name.str();
  return "arg" + std::to_string(i);
}

/// The most precise type that both `a` and `b` are: equal dims kept, others
/// dynamic.
Type joinTypes(Type a, Type b) {
  auto ta = dyn_cast<RankedTensorType>(a), tb = dyn_cast<RankedTensorType>(b);
  if (a == b || !ta || !tb || ta.getRank() != tb.getRank())
    return a;
  SmallVector<int64_t> shape;
  for (auto [da, db] : llvm::zip(ta.getShape(), tb.getShape()))
    shape.push_back(da == db ? da : ShapedType::kDynamic);
  return RankedTensorType::get(shape, ta.getElementType());
}

LogicalResult reinferBlock(Block &block);

/// Gives the entry block of each region of `op` the types of `values` and
/// re-infers the regions.
LogicalResult reinferRegions(Operation &op, ValueRange values) {
  for (Region &region : op.getRegions()) {
    if (region.empty())
      continue;
    for (auto [arg, v] : llvm::zip(region.front().getArguments(), values))
      arg.setType(v.getType());
    if (failed(reinferBlock(region.front())))
      return failure();
  }
  return success();
}

/// Recomputes the result types of a block's ops, in order, from their
/// operands: each op's own inference, or its operand's shape for ops that
/// keep it; nested graphs (if, while) first get their arguments' new types.
/// Ops with none of these (constants) keep their types.
LogicalResult reinferBlock(Block &block) {
  MLIRContext *ctx = block.getParent()->getContext();
  for (Operation &op : block) {
    SmallVector<Type> types;
    if (auto ifOp = dyn_cast<IfOp>(op)) {
      if (failed(reinferRegions(op, ifOp.getInputs())))
        return failure();
      for (auto [t, e] :
           llvm::zip(ifOp.getThenYield()->getOperandTypes(),
                     ifOp.getElseYield()->getOperandTypes()))
        types.push_back(joinTypes(t, e));
    } else if (isa<WhileOp>(op) &&
               failed(reinferRegions(op, cast<WhileOp>(op).getInputs()))) {
      return failure();
    }
    if (!types.empty()) {
      // if: from its branches
    } else if (auto iface = dyn_cast<InferTypeOpInterface>(op)) {
      if (failed(iface.inferReturnTypes(
              ctx, op.getLoc(), op.getOperands(), op.getRawDictionaryAttrs(),
              op.getPropertiesStorage(), op.getRegions(), types)))
        return failure();
    } else if ((op.hasTrait<SameSymbolicShape>() ||
                op.hasTrait<OpTrait::SameOperandsAndResultType>()) &&
               op.getNumOperands() > 0) {
      auto in = dyn_cast<RankedTensorType>(op.getOperand(0).getType());
      for (Type t : op.getResultTypes()) {
        auto rt = dyn_cast<RankedTensorType>(t);
        types.push_back(in && rt ? RankedTensorType::get(in.getShape(),
                                                         rt.getElementType())
                                 : t);
      }
    } else {
      continue;
    }
    for (auto [v, t] : llvm::zip(op.getResults(), types))
      v.setType(t);
  }
  return success();
}

/// Re-infers the graph's ops and its function type.
LogicalResult reinferTypes(func::FuncOp graph) {
  if (failed(reinferBlock(graph.getBody().front())))
    return failure();
  auto ret = cast<func::ReturnOp>(graph.getBody().front().getTerminator());
  graph.setType(FunctionType::get(graph.getContext(),
                                  graph.getBody().getArgumentTypes(),
                                  ret.getOperandTypes()));
  return success();
}

} // namespace

LogicalResult mlir::kiln::applyShapePins(func::FuncOp graph,
                                         ArrayRef<std::string> specs) {
  if (specs.empty())
    return success();
  MLIRContext *ctx = graph.getContext();
  // Symbol -> (size, the pin that set it).
  std::map<std::string, std::pair<int64_t, std::string>> symbols;
  std::map<unsigned, SmallVector<int64_t>> direct; // args without kiln.dims
  for (const std::string &spec : specs) {
    FailureOr<ShapePin> pin = parseShapePin(spec);
    if (failed(pin))
      return failure();
    std::optional<unsigned> arg;
    for (unsigned i = 0; i < graph.getNumArguments(); ++i)
      if (argName(graph, i) == pin->name)
        arg = i;
    if (!arg) {
      std::string names;
      for (unsigned i = 0; i < graph.getNumArguments(); ++i)
        names += (i ? ", " : "") + argName(graph, i);
      return shapeError(spec, "unknown input '" + pin->name + "' (inputs: " +
                                  (names.empty() ? "none" : names) + ")");
    }
    auto type = cast<RankedTensorType>(graph.getArgument(*arg).getType());
    if (type.getRank() != (int64_t)pin->dims.size())
      return shapeError(spec, "input '" + pin->name + "' has rank " +
                                  Twine(type.getRank()) + ", got " +
                                  Twine(pin->dims.size()) + " dimensions");
    auto dims = graph.getArgAttrOfType<ArrayAttr>(*arg, kDimsAttr);
    for (auto [i, d] : llvm::enumerate(pin->dims)) {
      int64_t have = type.getDimSize(i);
      if (!ShapedType::isDynamic(have)) {
        if (have != d)
          return shapeError(spec, "dimension " + Twine(i) + " of input '" +
                                      pin->name + "' is " + Twine(have) +
                                      ", not " + Twine(d));
        continue;
      }
      auto sym = dims && (int64_t)dims.size() == type.getRank()
                     ? dyn_cast<StringAttr>(dims[i])
                     : StringAttr();
      if (!sym) {
        direct[*arg] = pin->dims;
        continue;
      }
      auto [it, inserted] =
          symbols.try_emplace(sym.str(), d, pin->spec);
      if (!inserted && it->second.first != d)
        return shapeError(spec, "symbol '" + sym.str() + "' is " + Twine(d) +
                                    " here but " + Twine(it->second.first) +
                                    " in --shape " + it->second.second);
    }
  }
  // Every input dimension with a pinned symbol becomes static.
  Builder b(ctx);
  for (unsigned i = 0; i < graph.getNumArguments(); ++i) {
    BlockArgument arg = graph.getArgument(i);
    auto type = cast<RankedTensorType>(arg.getType());
    auto dims = graph.getArgAttrOfType<ArrayAttr>(i, kDimsAttr);
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<Attribute> newDims;
    if (dims && (int64_t)dims.size() == type.getRank())
      newDims.assign(dims.begin(), dims.end());
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      std::optional<int64_t> size;
      if (auto it = direct.find(i); it != direct.end())
        size = it->second[d];
      else if (!newDims.empty())
        if (auto sym = dyn_cast<StringAttr>(newDims[d]))
          if (auto s = symbols.find(sym.str()); s != symbols.end())
            size = s->second.first;
      if (!size)
        continue;
      shape[d] = *size;
      if (!newDims.empty())
        newDims[d] = b.getI64IntegerAttr(*size);
    }
    arg.setType(RankedTensorType::get(shape, type.getElementType()));
    if (!newDims.empty())
      graph.setArgAttr(i, kDimsAttr, b.getArrayAttr(newDims));
  }
  graph.setType(FunctionType::get(ctx, graph.getBody().getArgumentTypes(),
                                  graph.getResultTypes()));
  if (failed(reinferTypes(graph)))
    return failure();
  return mlir::verify(graph);
}

//===----------------------------------------------------------------------===//
// kiln compile
//===----------------------------------------------------------------------===//

namespace {

class Compilation {
public:
  explicit Compilation(const CompileOptions &options) : options(options) {}
  int run();
  /// The steps of run() after loading: compiles `module` (in any context).
  int compile(ModuleOp module);

private:
  LogicalResult runPasses(ModuleOp module,
                          function_ref<void(OpPassManager &)> build);
  LogicalResult checkPassNames();
  LogicalResult writeText(StringRef path, function_ref<void(raw_ostream &)> fn);
  LogicalResult emitBinary(ModuleOp module, const GraphSignature &sig);
  LogicalResult dumpLLVM(llvm::Module &module, const CpuTargetOptions &target);
  std::string dumpPath(StringRef name);
  std::string outputPath(StringRef extension) const;

  const CompileOptions &options;
  Session session;
  unsigned dumpCount = 0; // files written to --dump-dir so far
  friend class IRPrinter;
};

/// --print-ir-before[-all], --print-ir-after[-all] (stderr) and --dump-dir
/// (a file per pass run). The IR is printed at module scope: a pass nested on
/// a func.func shows the whole module, after a header naming the pass and the
/// function (MLIR's `IR Dump After ...` line).
class IRPrinter : public PassManager::IRPrinterConfig {
public:
  explicit IRPrinter(Compilation &c)
      : IRPrinterConfig(/*printModuleScope=*/true), c(c) {}

  void printBeforeIfEnabled(Pass *pass, Operation *,
                            PrintCallbackFn print) override {
    if (c.options.printIrBeforeAll ||
        llvm::is_contained(c.options.printIrBefore, pass->getArgument()))
      print(llvm::errs());
  }

  void printAfterIfEnabled(Pass *pass, Operation *,
                           PrintCallbackFn print) override {
    if (c.options.printIrAfterAll ||
        llvm::is_contained(c.options.printIrAfter, pass->getArgument()))
      print(llvm::errs());
    if (c.options.dumpDir.empty())
      return;
    StringRef name = pass->getArgument();
    std::string path =
        c.dumpPath((name.empty() ? pass->getName() : name).str() + ".mlir");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
    if (!ec)
      print(os);
    else
      llvm::errs() << "warning: cannot write " << path << ": " << ec.message()
                   << "\n";
  }

private:
  Compilation &c;
};

} // namespace

std::string Compilation::dumpPath(StringRef name) {
  SmallString<128> path(options.dumpDir);
  llvm::sys::path::append(path, llvm::formatv("{0:D3}-{1}", ++dumpCount, name)
                                    .str());
  return std::string(path);
}

/// The pass arguments of a pipeline, read from its textual form
/// (`anchor(pass{options},anchor(pass))`).
static void collectPassArguments(OpPassManager &pm,
                                 llvm::StringSet<> &arguments) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pm.printAsTextualPipeline(os);
  std::string word;
  for (size_t i = 0; i <= text.size(); ++i) {
    char ch = i < text.size() ? text[i] : ',';
    if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.') {
      word += ch;
      continue;
    }
    if (ch == '{') { // pass options, possibly nested or quoted
      for (int depth = 0; i < text.size(); ++i) {
        if (text[i] == '"') {
          size_t end = text.find('"', i + 1);
          i = end == std::string::npos ? text.size() - 1 : end;
        } else if (text[i] == '{') {
          ++depth;
        } else if (text[i] == '}' && --depth == 0) {
          break;
        }
      }
    }
    if (!word.empty() && ch != '(') // an anchor op name precedes '('
      arguments.insert(word);
    word.clear();
  }
}

/// --print-ir-before/--print-ir-after name passes of the compilation's
/// pipelines (any --emit).
LogicalResult Compilation::checkPassNames() {
  if (options.printIrBefore.empty() && options.printIrAfter.empty())
    return success();
  llvm::StringSet<> known;
  CpuPipelineOptions pipelineOpts;
  pipelineOpts.checkNumerics = options.checkNumerics;
  pipelineOpts.targetTriple = options.target.triple;
  pipelineOpts.targetCpu = options.target.cpu;
  pipelineOpts.targetFeatures = options.target.features;
  for (auto build : {buildKilnGraphPipeline, buildKilnToLinalgPipeline,
                     buildLinalgToLLVMPipeline}) {
    PassManager pm(&session.context());
    build(pm, pipelineOpts);
    collectPassArguments(pm, known);
  }
  for (auto [flag, names] :
       {std::make_pair("--print-ir-before", &options.printIrBefore),
        std::make_pair("--print-ir-after", &options.printIrAfter)})
    for (const std::string &name : *names)
      if (!known.contains(name)) {
        llvm::errs() << "error: " << flag << " " << name
                     << ": no pass of that name in the compilation's "
                        "pipelines\n";
        return failure();
      }
  return success();
}

LogicalResult
Compilation::runPasses(ModuleOp module,
                       function_ref<void(OpPassManager &)> build) {
  PassManager pm(module->getContext());
  build(pm);
  if (options.printIrAfterAll || !options.printIrAfter.empty() ||
      options.printIrBeforeAll || !options.printIrBefore.empty() ||
      !options.dumpDir.empty()) {
    // Printing at module scope needs the passes to run one at a time.
    module->getContext()->disableMultithreading();
    pm.enableIRPrinting(std::make_unique<IRPrinter>(*this));
  }
  if (options.timing)
    pm.enableTiming();
  if (options.statistics)
    pm.enableStatistics();
  return pm.run(module);
}

std::string Compilation::outputPath(StringRef extension) const {
  if (!options.output.empty())
    return options.output;
  SmallString<128> path(llvm::sys::path::stem(options.input));
  path += extension;
  return std::string(path);
}

LogicalResult Compilation::writeText(StringRef path,
                                     function_ref<void(raw_ostream &)> fn) {
  std::string error;
  auto file = openOutputFile(path.empty() ? "-" : path, &error);
  if (!file) {
    llvm::errs() << "error: " << error << "\n";
    return failure();
  }
  fn(file->os());
  file->keep();
  return success();
}

static LogicalResult writeBinary(StringRef path, StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (!ec) {
    os << bytes;
    os.close();
    ec = os.error();
  }
  if (ec) {
    llvm::errs() << "error: cannot write " << path << ": " << ec.message()
                 << "\n";
    return failure();
  }
  return success();
}

static LogicalResult linkSharedObject(StringRef object, StringRef output) {
  auto cc = llvm::sys::findProgramByName("cc");
  if (!cc) {
    llvm::errs() << "error: linking a shared library needs a C compiler "
                    "driver ('cc') on PATH\n";
    return failure();
  }
  std::string err;
  int rc = llvm::sys::ExecuteAndWait(
      *cc, {*cc, "-shared", "-o", output, object, "-lm"}, std::nullopt, {}, 0,
      0, &err);
  if (rc != 0) {
    llvm::errs() << "error: linking " << output << " failed"
                 << (err.empty() ? "" : ": " + err) << "\n";
    return failure();
  }
  return success();
}

LogicalResult Compilation::emitBinary(ModuleOp module,
                                      const GraphSignature &sig) {
  CpuTargetOptions target = options.target;
  target.fixedEntryPoint = options.emit == EmitKind::Shared;
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateGraphToLLVMIR(module, sig, target, llvmContext);
  if (!llvmModule)
    return failure();
  if (!options.dumpDir.empty() && failed(dumpLLVM(*llvmModule, target)))
    return failure();
  if (options.emit == EmitKind::LLVM)
    return writeText(options.output,
                     [&](raw_ostream &os) { llvmModule->print(os, nullptr); });

  std::string error;
  if (options.emit == EmitKind::Asm) {
    SmallString<0> text;
    llvm::raw_svector_ostream os(text);
    if (failed(emitMachineCode(*llvmModule, target, CpuFileType::Assembly, os,
                               error))) {
      llvm::errs() << "error: " << error << "\n";
      return failure();
    }
    return writeText(options.output, [&](raw_ostream &out) { out << text; });
  }

  SmallString<0> object;
  {
    llvm::raw_svector_ostream os(object);
    if (failed(emitMachineCode(*llvmModule, target, CpuFileType::Object, os,
                               error))) {
      llvm::errs() << "error: " << error << "\n";
      return failure();
    }
  }
  if (options.emit == EmitKind::Shared) {
    std::string output = outputPath(".so"), tmp = output + ".o.tmp";
    if (failed(writeBinary(tmp, object)))
      return failure();
    LogicalResult linked = linkSharedObject(tmp, output);
    llvm::sys::fs::remove(tmp);
    return linked;
  }
  std::string output = outputPath(options.emit == EmitKind::Static ? ".a" : ".o");
  if (options.emit == EmitKind::Object) {
    if (failed(writeBinary(output, object)))
      return failure();
  } else {
    llvm::NewArchiveMember member(llvm::MemoryBufferRef(
        StringRef(object.data(), object.size()), sig.name + ".o"));
    if (llvm::Error e = llvm::writeArchive(
            output, {std::move(member)}, llvm::SymtabWritingMode::NormalSymtab,
            llvm::object::Archive::K_GNU, /*Deterministic=*/true,
            /*Thin=*/false)) {
      llvm::errs() << "error: cannot write " << output << ": "
                   << llvm::toString(std::move(e)) << "\n";
      return failure();
    }
  }
  SmallString<128> header(output);
  llvm::sys::path::replace_extension(header, ".h");
  return writeText(header, [&](raw_ostream &os) { os << emitCHeader(sig); });
}

/// --dump-dir: the final LLVM IR and its assembly (code generation runs on a
/// copy, so the artifact is made from the module as it was).
LogicalResult Compilation::dumpLLVM(llvm::Module &module,
                                    const CpuTargetOptions &target) {
  if (failed(writeText(dumpPath("llvm.ll"), [&](raw_ostream &os) {
        module.print(os, nullptr);
      })))
    return failure();
  std::unique_ptr<llvm::Module> copy = llvm::CloneModule(module);
  SmallString<0> text;
  llvm::raw_svector_ostream os(text);
  std::string error;
  if (failed(emitMachineCode(*copy, target, CpuFileType::Assembly, os,
                             error))) {
    llvm::errs() << "error: " << error << "\n";
    return failure();
  }
  return writeText(dumpPath("asm.s"), [&](raw_ostream &out) { out << text; });
}

int Compilation::run() {
  if (failed(checkPassNames()))
    return 1;
  if (!options.dumpDir.empty()) {
    std::error_code ec = llvm::sys::fs::create_directories(options.dumpDir);
    if (!ec && !llvm::sys::fs::is_directory(options.dumpDir))
      ec = std::make_error_code(std::errc::not_a_directory);
    if (ec) {
      llvm::errs() << "error: --dump-dir " << options.dumpDir << ": "
                   << ec.message() << "\n";
      return 1;
    }
  }
  OwningOpRef<ModuleOp> module =
      session.loadGraph(options.input, options.shapes, options.binds);
  if (!module)
    return 1;
  FailureOr<func::FuncOp> graph = findGraph(*module);
  if (failed(graph) || failed(applyShapePins(*graph, options.shapes)))
    return 1;
  return compile(*module);
}

int Compilation::compile(ModuleOp module) {
  CpuPipelineOptions pipelineOpts;
  pipelineOpts.checkNumerics = options.checkNumerics;
  pipelineOpts.targetTriple = options.target.triple;
  pipelineOpts.targetCpu = options.target.cpu;
  pipelineOpts.targetFeatures = options.target.features;
  if (failed(runPasses(module, [&](OpPassManager &pm) {
        buildKilnGraphPipeline(pm, pipelineOpts);
      })))
    return 1;
  auto print = [&](raw_ostream &os) { module.print(os); };
  if (options.emit == EmitKind::Kiln)
    return failed(writeText(options.output, print));

  FailureOr<GraphSignature> sig = extractSignature(*findGraph(module));
  if (failed(sig))
    return 1;
  sig->numericsChecks = options.checkNumerics;

  if (failed(runPasses(module, [&](OpPassManager &pm) {
        buildKilnToLinalgPipeline(pm, pipelineOpts);
      })))
    return 1;
  if (options.emit == EmitKind::Linalg)
    return failed(writeText(options.output, print));

  if (failed(runPasses(module, [&](OpPassManager &pm) {
        buildLinalgToLLVMPipeline(pm, pipelineOpts);
      })))
    return 1;
  // The workspace is known once memory is planned.
  if (auto ws = module->getAttrOfType<IntegerAttr>(kWorkspaceSizeAttr))
    sig->workspaceSize = ws.getValue().getZExtValue();
  if (options.emit == EmitKind::Header)
    return failed(writeText(options.output, [&](raw_ostream &os) {
      os << emitCHeader(*sig);
    }));
  return failed(emitBinary(module, *sig));
}

int mlir::kiln::compileCommand(const CompileOptions &options) {
  return Compilation(options).run();
}

int mlir::kiln::compileToSharedObject(const std::string &input,
                                      const std::string &output,
                                      const std::vector<std::string> &shapes,
                                      const std::vector<std::string> &binds,
                                      bool checkNumerics) {
  CompileOptions options;
  options.shapes = shapes;
  options.binds = binds;
  options.checkNumerics = checkNumerics;
  options.input = input;
  options.output = output;
  options.emit = EmitKind::Shared;
  return compileCommand(options);
}

int mlir::kiln::compileModuleToSharedObject(ModuleOp module,
                                            const std::string &output) {
  CompileOptions options;
  options.output = output;
  options.emit = EmitKind::Shared;
  return Compilation(options).compile(module);
}
