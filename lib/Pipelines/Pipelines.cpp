//===- Pipelines.cpp - Kiln compilation pipelines ----------------*- C++ -*-===//
#include "kiln/Pipelines/Pipelines.h"

#include "dialects/kiln/Transforms/Passes.h"
#include "kiln/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::kiln;

void mlir::kiln::buildKilnGraphPipeline(OpPassManager &pm,
                                        const CpuPipelineOptions &opts) {
  pm.addNestedPass<func::FuncOp>(createKilnInferSymbolicDims());
  if (opts.optimize) {
    // Decomposed ops become single ops, and batch norms fold into the
    // weights, before constants are folded: the new weights and biases are
    // kiln ops on constants that kiln-fold-constants then computes.
    pm.addNestedPass<func::FuncOp>(createKilnRecognizePatterns());
    pm.addNestedPass<func::FuncOp>(createKilnFoldBatchNorm());
    pm.addNestedPass<func::FuncOp>(createKilnFoldConstants());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
}

void mlir::kiln::buildKilnToLinalgPipeline(OpPassManager &pm,
                                           const CpuPipelineOptions &opts) {
  pm.addNestedPass<func::FuncOp>(createKilnWidenElementTypes());
  pm.addNestedPass<func::FuncOp>(createConvertKilnToLinalg());
  // No CSE here: merging the `tensor.empty` inits of two kernels would make
  // them share one destination, which empty-tensor elimination then hands to
  // both outputs (wrong results when both are graph outputs).
  if (opts.optimize) {
    pm.addPass(createCanonicalizerPass());
    pm.addNestedPass<func::FuncOp>(createKilnFuse());
  }
  // After the kernels are formed (and last: no later pass of this pipeline
  // reorders them), so that the kernel numbers are kiln inspect's.
  if (opts.checkNumerics)
    pm.addPass(createKilnInsertNumericsChecks());
}

void mlir::kiln::buildPlanMemoryPipeline(OpPassManager &pm,
                                          const CpuPipelineOptions &opts) {
  // Outputs become the caller's buffers; empty-tensor elimination then lets
  // the kernels that produce them write there directly.
  pm.addNestedPass<func::FuncOp>(createKilnResultsToDestinations());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(createKilnBufferize());
  if (opts.optimize) {
    KilnLowerContractionsOptions contractions;
    contractions.targetTriple = opts.targetTriple;
    contractions.targetCpu = opts.targetCpu;
    contractions.targetFeatures = opts.targetFeatures;
    pm.addPass(createKilnLowerContractions(contractions));
  }
  // Every statically shaped intermediate gets its place in the workspace;
  // then the outermost parallel loops go through the executor.
  pm.addPass(createKilnPlanMemory());
}

void mlir::kiln::buildLinalgToLLVMPipeline(OpPassManager &pm,
                                           const CpuPipelineOptions &opts) {
  buildPlanMemoryPipeline(pm, opts);
  pm.addPass(createKilnOutlineParallel());
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  if (opts.optimize)
    pm.addPass(createCanonicalizerPass());

  pm.addPass(createForallToForLoopPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  if (opts.optimize)
    pm.addPass(createKilnFastMath());
  // The micro-kernels of kiln-lower-contractions are vector ops.
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (opts.optimize) {
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
}

void mlir::kiln::buildCpuPipeline(OpPassManager &pm,
                                  const CpuPipelineOptions &opts,
                                  CpuStage stage) {
  buildKilnGraphPipeline(pm, opts);
  if (stage == CpuStage::Kiln)
    return;
  buildKilnToLinalgPipeline(pm, opts);
  if (stage == CpuStage::Linalg)
    return;
  buildLinalgToLLVMPipeline(pm, opts);
}

void mlir::kiln::registerKilnPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "kiln-cpu-pipeline",
      "The whole CPU pipeline: kiln graph passes, lowering to linalg, "
      "bufferization, lowering to the LLVM dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &opts) {
        buildCpuPipeline(pm, opts);
      });
  PassPipelineRegistration<CpuPipelineOptions>(
      "kiln-graph-pipeline", "Graph passes on the kiln dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &opts) {
        buildKilnGraphPipeline(pm, opts);
      });
  PassPipelineRegistration<CpuPipelineOptions>(
      "kiln-linalg-to-llvm-pipeline",
      "Bufferization and lowering of linalg on tensors to the LLVM dialect",
      [](OpPassManager &pm, const CpuPipelineOptions &opts) {
        buildLinalgToLLVMPipeline(pm, opts);
      });
}
