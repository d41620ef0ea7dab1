//===- Pipelines.h - Kiln compilation pipelines ------------------*- C++ -*-===//
#ifndef KILN_PIPELINES_PIPELINES_H
#define KILN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::kiln {

/// Where a CPU compilation stops; each stage prints as one of the `--emit`
/// forms.
enum class CpuStage { Kiln, Linalg, LLVM };

struct CpuPipelineOptions : public PassPipelineOptions<CpuPipelineOptions> {
  PassOptions::Option<bool> optimize{*this, "optimize",
                                     llvm::cl::desc("Run graph cleanups"),
                                     llvm::cl::init(true)};
  PassOptions::Option<bool> checkNumerics{
      *this, "check-numerics",
      llvm::cl::desc("Count the NaN and Inf each kernel writes and report "
                     "them (kiln-insert-numerics-checks)"),
      llvm::cl::init(false)};
  PassOptions::Option<std::string> targetTriple{
      *this, "target-triple",
      llvm::cl::desc("The target triple (empty: the host)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> targetCpu{
      *this, "target-cpu",
      llvm::cl::desc("The CPU that code is generated for (empty: the host)"),
      llvm::cl::init("")};
  PassOptions::Option<std::string> targetFeatures{
      *this, "target-features",
      llvm::cl::desc("Extra target features, e.g. +avx512f"),
      llvm::cl::init("")};
};

/// Graph passes on the kiln dialect: symbolic dims, canonicalization, CSE.
void buildKilnGraphPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);
/// kiln -> linalg on tensors (kernels formed; with `checkNumerics`, each
/// kernel's floating results checked for NaN and Inf).
void buildKilnToLinalgPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);
/// The first part of buildLinalgToLLVMPipeline: bufferization, contraction
/// code generation, and the workspace plan (kiln-plan-memory).
void buildPlanMemoryPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);
/// linalg on tensors -> bufferized -> LLVM dialect.
void buildLinalgToLLVMPipeline(OpPassManager &pm, const CpuPipelineOptions &opts);
/// The whole CPU pipeline up to `stage`; the CLI and kiln-opt both use it.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &opts,
                      CpuStage stage = CpuStage::LLVM);

/// Registers `kiln-cpu-pipeline` (and its stages) with the pass registry.
void registerKilnPipelines();

} // namespace mlir::kiln

#endif // KILN_PIPELINES_PIPELINES_H
