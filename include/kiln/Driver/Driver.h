//===- Driver.h - a Kiln compilation as a library call -----------*- C++ -*-===//
#ifndef KILN_DRIVER_DRIVER_H
#define KILN_DRIVER_DRIVER_H

#include "kiln/Target/CPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::kiln {

enum class EmitKind { Object, Static, Shared, Header, Kiln, Linalg, LLVM, Asm };

struct CompileOptions {
  std::string input;
  std::string output; // empty: derived from the input (binary) or stdout (IR)
  EmitKind emit = EmitKind::Object;
  CpuTargetOptions target;
  bool printIrAfterAll = false;
  std::vector<std::string> printIrAfter; // pass arguments
  bool printIrBeforeAll = false;
  std::vector<std::string> printIrBefore; // pass arguments
  /// Non-empty: DIR/NNN-PASS.mlir after every pass run, then NNN-llvm.ll and
  /// NNN-asm.s (--dump-dir).
  std::string dumpDir;
  bool statistics = false;
  bool timing = false;
  std::vector<std::string> shapes; // NAME=D0,D1,... (--shape)
  std::vector<std::string> binds;  // NAME=FILE.npy (--bind)
  /// --check-numerics: after each kernel, count the NaN and Inf it wrote and
  /// report them through the artifact's numerics hook.
  bool checkNumerics = false;
};

struct RunOptions {
  std::string artifactOrGraph;
  std::vector<std::string> inputs; // NAME=FILE.npy
  std::string outputDir = ".";
  bool eager = false;
  std::vector<std::string> shapes; // --shape, for a graph that is compiled
  std::vector<std::string> binds;  // --bind, for a graph (compiled or eager)
  bool trace = false;         // --trace: one summary line per op (--eager)
  /// --check-numerics: fail at the first op (--eager) or kernel (compiled)
  /// whose result has a NaN or Inf.
  bool checkNumerics = false;
  /// --repeat N (compiled runs): after one warm-up run, time N runs of the
  /// runtime call and print `latency_us median=M min=A max=B` as the last
  /// line of stdout. 0: one untimed run.
  unsigned repeat = 0;
  /// --threads N (compiled runs): the thread count of every run
  /// (kiln_model_run_threads); 0 is one per online CPU. -1: not given (0).
  int threads = -1;
};

struct CompareOptions {
  std::string graph;
  std::vector<std::string> inputs; // NAME=FILE.npy
  std::vector<std::string> shapes; // --shape
  std::vector<std::string> binds;  // --bind
  double rtol = 1e-4;              // floating results; integers and bools
  double atol = 1e-5;              // compare exactly
};

struct InspectOptions {
  std::string path;                // a graph or an artifact
  std::string dot;                 // --dot FILE: Graphviz picture (graphs)
  std::vector<std::string> shapes; // --shape
  std::vector<std::string> binds;  // --bind
};

/// `--shape NAME=D0,D1,...`: makes the named inputs' dimensions static (and
/// every input dimension that shares a pinned symbol), then re-infers the
/// result types of the graph's ops and the function type. Prints an error
/// and fails on an unknown input, a rank mismatch, a malformed size, or a
/// size that contradicts a static dimension or another pin.
LogicalResult applyShapePins(func::FuncOp graph,
                             ArrayRef<std::string> specs);

/// `kiln compile`: returns the process exit status (0, or 1 after printing
/// diagnostics).
int compileCommand(const CompileOptions &options);

/// `kiln run`: compiled (through the runtime) or eager (interpreter).
int runCommand(const RunOptions &options);

/// `kiln compare`: runs a graph compiled and eagerly on the same inputs and
/// names the first op whose results differ beyond tolerance (exit 1), or
/// prints a summary (exit 0).
int compareCommand(const CompareOptions &options);

/// `kiln inspect`: the signature of a graph or artifact; for a graph also
/// its nodes, the kernels they compile to (with the nodes each holds and
/// the bytes it reads and writes) and optionally a Graphviz picture.
int inspectCommand(const InspectOptions &options);

/// Compiles a graph file to a shared object at `output` (for `kiln run`),
/// with `shapes` pinned (`--shape`), `binds` fixed (`--bind`) and, with
/// `checkNumerics`, the numerics checks of `kiln compile --check-numerics`.
int compileToSharedObject(const std::string &input, const std::string &output,
                          const std::vector<std::string> &shapes = {},
                          const std::vector<std::string> &binds = {},
                          bool checkNumerics = false);

/// Compiles an already loaded graph module (kiln ops, shapes pinned) to a
/// shared object at `output`, as compileToSharedObject does after loading.
/// The module is lowered in place.
int compileModuleToSharedObject(ModuleOp module, const std::string &output);

} // namespace mlir::kiln

#endif // KILN_DRIVER_DRIVER_H
