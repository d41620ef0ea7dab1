//===- ObjectEmitter.cpp - LLVM IR and machine code in process ---*- C++ -*-===//
#include "kiln/Target/CPU.h"

#include "kiln/Conversion/NumericsChecks.h"

#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Analysis/LoopInfo.h"
#include "llvm/Analysis/ScalarEvolution.h"
#include "llvm/Analysis/TargetTransformInfo.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/LoopUtils.h"

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

/// The floating-point arithmetic instructions of `loop`, or -1 if it already
/// holds vector code (a loop that kiln-lower-contractions wrote with vectors,
/// which the loop vectorizer leaves alone).
int floatArithmetic(const llvm::Loop &loop) {
  int count = 0;
  for (llvm::BasicBlock *block : loop.blocks())
    for (llvm::Instruction &inst : *block) {
      if (inst.getType()->isVectorTy())
        return -1;
      bool arithmetic = llvm::isa<llvm::BinaryOperator, llvm::UnaryOperator,
                                  llvm::SelectInst, llvm::IntrinsicInst>(inst);
      if ((arithmetic && inst.getType()->isFloatingPointTy()) ||
          llvm::isa<llvm::FCmpInst>(inst))
        ++count;
    }
  return count;
}

/// Asks the loop vectorizer to interleave (unroll the vectorized loop
/// several vectors wide) the innermost loops with long floating-point
/// bodies: a fused elementwise kernel or an inline exp/tanh/erf is a long
/// dependency chain per vector, and one vector per iteration leaves the
/// FMA units waiting on latency. LLVM's cost model only interleaves small
/// loops and reductions. See docs/codegen.md ("Elementwise and reductions").
void interleaveLongLoops(llvm::Module &module,
                         llvm::FunctionAnalysisManager &fam) {
  // Above this many float instructions per element a loop is latency bound
  // (about twice LLVM's small-loop cost, below which it interleaves itself).
  constexpr int kLongBody = 16;
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    auto &loops = fam.getResult<llvm::LoopAnalysis>(f);
    auto &scev = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
    auto &tti = fam.getResult<llvm::TargetIRAnalysis>(f);
    unsigned lanes = std::max<uint64_t>(
        1, tti.getRegisterBitWidth(
                  llvm::TargetTransformInfo::RGK_FixedWidthVector)
                   .getFixedValue() /
               32);
    // Vectors in flight per iteration: a quarter of the vector registers,
    // so that the interleaved chains and their constants still fit. On the
    // 16-op elementwise chain (bench/), 8 with AVX-512's 32 registers is
    // 2.5x faster than 1; with AVX2's 16 registers, 4 is 1.75x faster, and
    // 8 spills (GELU 1.6x slower).
    unsigned interleave = std::clamp(
        tti.getNumberOfRegisters(
            tti.getRegisterClassForType(/*Vector=*/true)) / 4,
        1u, 8u);
    for (llvm::Loop *loop : loops.getLoopsInPreorder()) {
      if (!loop->isInnermost() || floatArithmetic(*loop) < kLongBody)
        continue;
      // At least two iterations of the interleaved vector loop (f32 lanes;
      // an unknown trip count counts as long).
      unsigned trips = scev.getSmallConstantTripCount(loop);
      unsigned count = interleave;
      while (count > 1 && trips != 0 && trips < 2 * lanes * count)
        count /= 2;
      if (count > 1)
        llvm::addStringMetadataToLoop(loop, "llvm.loop.interleave.count",
                                      count);
    }
  }
  fam.clear();
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
  if (level >= 2)
    interleaveLongLoops(module, fam);
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
