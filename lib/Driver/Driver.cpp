//===- Driver.cpp - kiln compile ---------------------------------*- C++ -*-===//
#include "kiln/Driver/Driver.h"
#include "kiln/Driver/InitAll.h"
#include "kiln/Driver/Session.h"
#include "kiln/Frontend/JsonImporter.h"
#include "kiln/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"

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

OwningOpRef<ModuleOp> Session::loadGraph(StringRef path) {
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
    emitError(loc) << "ONNX models are not supported yet";
    return nullptr;
  }
  emitError(loc) << "unrecognised graph file extension '" << ext
                 << "' (expected .json or .mlir)";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// kiln compile
//===----------------------------------------------------------------------===//

namespace {

class Compilation {
public:
  explicit Compilation(const CompileOptions &options) : options(options) {}
  int run();

private:
  LogicalResult runPasses(ModuleOp module,
                          function_ref<void(OpPassManager &)> build);
  LogicalResult writeText(StringRef path, function_ref<void(raw_ostream &)> fn);
  LogicalResult emitBinary(ModuleOp module, const GraphSignature &sig);
  std::string outputPath(StringRef extension) const;

  const CompileOptions &options;
  Session session;
};

} // namespace

LogicalResult
Compilation::runPasses(ModuleOp module,
                       function_ref<void(OpPassManager &)> build) {
  PassManager pm(&session.context());
  build(pm);
  if (options.printIrAfterAll || !options.printIrAfter.empty()) {
    session.context().disableMultithreading();
    auto after = [this](Pass *pass, Operation *) {
      return options.printIrAfterAll ||
             llvm::is_contained(options.printIrAfter, pass->getArgument());
    };
    pm.enableIRPrinting([](Pass *, Operation *) { return false; }, after,
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/false);
  }
  if (options.timing)
    pm.enableTiming();
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

int Compilation::run() {
  OwningOpRef<ModuleOp> module = session.loadGraph(options.input);
  if (!module)
    return 1;
  if (failed(findGraph(*module)))
    return 1;
  CpuPipelineOptions pipelineOpts;
  if (failed(runPasses(*module, [&](OpPassManager &pm) {
        buildKilnGraphPipeline(pm, pipelineOpts);
      })))
    return 1;
  auto print = [&](raw_ostream &os) { module->print(os); };
  if (options.emit == EmitKind::Kiln)
    return failed(writeText(options.output, print));

  FailureOr<GraphSignature> sig = extractSignature(*findGraph(*module));
  if (failed(sig))
    return 1;
  if (options.emit == EmitKind::Header)
    return failed(writeText(options.output, [&](raw_ostream &os) {
      os << emitCHeader(*sig);
    }));

  if (failed(runPasses(*module, [&](OpPassManager &pm) {
        buildKilnToLinalgPipeline(pm, pipelineOpts);
      })))
    return 1;
  if (options.emit == EmitKind::Linalg)
    return failed(writeText(options.output, print));

  if (failed(runPasses(*module, [&](OpPassManager &pm) {
        buildLinalgToLLVMPipeline(pm, pipelineOpts);
      })))
    return 1;
  return failed(emitBinary(*module, *sig));
}

int mlir::kiln::compileCommand(const CompileOptions &options) {
  return Compilation(options).run();
}

int mlir::kiln::compileToSharedObject(const std::string &input,
                                      const std::string &output) {
  CompileOptions options;
  options.input = input;
  options.output = output;
  options.emit = EmitKind::Shared;
  return compileCommand(options);
}
