//===- CPU.h - CPU artifacts: object, ABI wrapper, C header ------*- C++ -*-===//
#ifndef KILN_TARGET_CPU_H
#define KILN_TARGET_CPU_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir::kiln {

/// One graph input or output as the artifact describes it.
struct TensorSignature {
  std::string name;
  int32_t dtype = 0;            // a kiln_dtype
  std::vector<int64_t> dims;    // -1 for a symbolic dimension
  std::vector<std::string> exprs; // "" for static, else "N", "4*N", ...
};

/// What the artifact's self-description and C header say about a graph.
struct GraphSignature {
  std::string name;
  std::vector<TensorSignature> inputs, outputs;
  uint64_t workspaceSize = 0;
  /// Compiled with --check-numerics: the artifact exports `<name>_numerics`.
  bool numericsChecks = false;
};

/// Reads the signature of a graph function after kiln-infer-symbolic-dims
/// (which puts `kiln.dims` on every argument and result).
FailureOr<GraphSignature> extractSignature(func::FuncOp graph);

struct CpuTargetOptions {
  std::string triple; // empty: the host
  std::string cpu;    // empty: the host CPU ("generic" when cross-compiling)
  std::string features;
  unsigned optLevel = 2;
  /// Also export `kiln_artifact_describe` (shared libraries).
  bool fixedEntryPoint = false;
};

/// Translates a module in the LLVM dialect to LLVM IR, adds the uniform entry
/// point `<name>_run` and the self-description `<name>_describe` (and, when
/// kiln-insert-numerics-checks ran, the report function and the hook
/// `<name>_numerics`), sets the target, and optimizes at `optLevel`. Errors
/// are emitted on `module`.
std::unique_ptr<llvm::Module>
translateGraphToLLVMIR(ModuleOp module, const GraphSignature &signature,
                       const CpuTargetOptions &options,
                       llvm::LLVMContext &llvmContext);

enum class CpuFileType { Object, Assembly };

/// Emits `module` as an object or assembly through llvm::TargetMachine.
LogicalResult emitMachineCode(llvm::Module &module,
                              const CpuTargetOptions &options,
                              CpuFileType type, llvm::raw_pwrite_stream &os,
                              std::string &error);

/// The C header of a compiled graph: the ABI types and its declarations.
std::string emitCHeader(const GraphSignature &signature);

} // namespace mlir::kiln

#endif // KILN_TARGET_CPU_H
