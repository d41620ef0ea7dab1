//===- ObjectEmitter.cpp - LLVM IR and machine code in process ---*- C++ -*-===//
#include "kiln/Target/CPU.h"

#include "kiln/Conversion/NumericsChecks.h"

#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::kiln;

namespace mlir::kiln {
LogicalResult addGraphAbi(llvm::Module &m, llvm::Function *impl,
                          const GraphSignature &sig, bool fixedEntryPoint);
LogicalResult addNumericsHook(llvm::Module &m, const GraphSignature &sig,
                              ArrayRef<std::vector<std::string>> kernelNodes,
                              bool fixedEntryPoint);
LogicalResult defineParallelDispatch(llvm::Module &m);
} // namespace mlir::kiln

namespace {

void initializeTargets() {
  static bool done = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)done;
}

llvm::CodeGenOptLevel codeGenLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 3:
    return llvm::CodeGenOptLevel::Aggressive;
  default:
    return llvm::CodeGenOptLevel::Default;
  }
}

/// The target machine for `options`; the host (CPU and features) by default.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CpuTargetOptions &options, std::string &error) {
  initializeTargets();
  bool host = options.triple.empty();
  llvm::Triple triple(host ? llvm::sys::getDefaultTargetTriple()
                           : options.triple);
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = options.cpu;
  std::string features = options.features;
  if (cpu.empty())
    cpu = host ? llvm::sys::getHostCPUName().str() : "generic";
  if (features.empty() && host && options.cpu.empty()) {
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(f.second ? "+" : "-") + f.first().str();
  }
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, codeGenLevel(options.optLevel)));
  if (!tm)
    error = "cannot create a target machine for " + triple.str();
  return tm;
}

void optimize(llvm::Module &module, llvm::TargetMachine &tm, unsigned level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = level >= 2;
  tuning.SLPVectorization = level >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm;
  if (level == 0) {
    mpm = pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
  } else {
    llvm::OptimizationLevel ol = level == 1   ? llvm::OptimizationLevel::O1
                                 : level == 2 ? llvm::OptimizationLevel::O2
                                              : llvm::OptimizationLevel::O3;
    mpm = pb.buildPerModuleDefaultPipeline(ol);
  }
  mpm.run(module, mam);
}

} // namespace

std::unique_ptr<llvm::Module>
mlir::kiln::translateGraphToLLVMIR(ModuleOp module,
                                   const GraphSignature &signature,
                                   const CpuTargetOptions &options,
                                   llvm::LLVMContext &llvmContext) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm) {
    module.emitError("target: ") << error;
    return nullptr;
  }
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, signature.name);
  if (!llvmModule) {
    module.emitError("failed to translate the graph to LLVM IR");
    return nullptr;
  }
  llvm::Function *impl = llvmModule->getFunction(signature.name);
  if (!impl || failed(addGraphAbi(*llvmModule, impl, signature,
                                  options.fixedEntryPoint))) {
    module.emitError("the lowered graph function '")
        << signature.name << "' does not have the expected signature";
    return nullptr;
  }
  if (failed(defineParallelDispatch(*llvmModule))) {
    module.emitError("a parallel loop's dispatch function has no body");
    return nullptr;
  }
  if (auto kernels = module->getAttrOfType<ArrayAttr>(kNumericsKernelsAttr)) {
    std::vector<std::vector<std::string>> kernelNodes;
    for (Attribute kernel : kernels) {
      auto nodes = dyn_cast<ArrayAttr>(kernel);
      if (!nodes) {
        module.emitError("malformed ") << kNumericsKernelsAttr;
        return nullptr;
      }
      std::vector<std::string> &names = kernelNodes.emplace_back();
      for (Attribute node : nodes)
        if (auto name = dyn_cast<StringAttr>(node))
          names.push_back(name.str());
    }
    if (failed(addNumericsHook(*llvmModule, signature, kernelNodes,
                               options.fixedEntryPoint))) {
      module.emitError("the numerics report function '")
          << kNumericsReportFn << "' is missing or has another signature";
      return nullptr;
    }
  }
  llvmModule->setTargetTriple(tm->getTargetTriple());
  llvmModule->setDataLayout(tm->createDataLayout());
  if (llvm::verifyModule(*llvmModule, &llvm::errs())) {
    module.emitError("internal error: generated LLVM IR does not verify");
    return nullptr;
  }
  optimize(*llvmModule, *tm, options.optLevel);
  return llvmModule;
}

LogicalResult mlir::kiln::emitMachineCode(llvm::Module &module,
                                          const CpuTargetOptions &options,
                                          CpuFileType type,
                                          llvm::raw_pwrite_stream &os,
                                          std::string &error) {
  std::unique_ptr<llvm::TargetMachine> tm = createTargetMachine(options, error);
  if (!tm)
    return failure();
  llvm::legacy::PassManager pm;
  auto fileType = type == CpuFileType::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if (tm->addPassesToEmitFile(pm, os, nullptr, fileType)) {
    error = "the target cannot emit this file type";
    return failure();
  }
  pm.run(module);
  return success();
}
