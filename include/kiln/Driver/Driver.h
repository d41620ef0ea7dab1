//===- Driver.h - a Kiln compilation as a library call -----------*- C++ -*-===//
#ifndef KILN_DRIVER_DRIVER_H
#define KILN_DRIVER_DRIVER_H

#include "kiln/Target/CPU.h"

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
  bool timing = false;
};

struct RunOptions {
  std::string artifactOrGraph;
  std::vector<std::string> inputs; // NAME=FILE.npy
  std::string outputDir = ".";
  bool eager = false;
};

/// `kiln compile`: returns the process exit status (0, or 1 after printing
/// diagnostics).
int compileCommand(const CompileOptions &options);

/// `kiln run`: compiled (through the runtime) or eager (interpreter).
int runCommand(const RunOptions &options);

/// `kiln inspect`: the signature of a graph or artifact, and a graph's ops.
int inspectCommand(const std::string &path);

/// Compiles a graph file to a shared object at `output` (for `kiln run`).
int compileToSharedObject(const std::string &input, const std::string &output);

} // namespace mlir::kiln

#endif // KILN_DRIVER_DRIVER_H
