//===- Session.h - context, diagnostics and graph loading --------*- C++ -*-===//
#ifndef KILN_DRIVER_SESSION_H
#define KILN_DRIVER_SESSION_H

#include "kiln/Interpreter/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

namespace mlir::kiln {

/// An MLIRContext with every dialect Kiln uses, printing diagnostics as
/// `file:line:col: error: ...` on stderr.
class Session {
public:
  Session();
  MLIRContext &context() { return *ctx; }

  /// Loads a graph by its extension: `.json` (graph spec), `.mlir` (kiln
  /// dialect text) or `.onnx`. `shapes` (`--shape NAME=D0,...`) are applied
  /// while an ONNX model is imported, so that shape computations on pinned
  /// inputs fold; callers still apply them with applyShapePins (which checks
  /// them for every format). `binds` (`--bind NAME=FILE.npy`) replace the
  /// named inputs by constants holding the files' contents: the inputs leave
  /// the graph's signature and computations on them fold.
  /// Emits an error and returns null on failure.
  OwningOpRef<ModuleOp> loadGraph(llvm::StringRef path,
                                  llvm::ArrayRef<std::string> shapes = {},
                                  llvm::ArrayRef<std::string> binds = {});

private:
  OwningOpRef<ModuleOp> loadGraphFile(llvm::StringRef path,
                                      llvm::ArrayRef<std::string> shapes,
                                      llvm::StringMap<HostTensor> &bindings);

  std::unique_ptr<MLIRContext> ctx;
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<SourceMgrDiagnosticHandler> handler;
};

/// The graph of a module: its one public func.func. Emits an error if there
/// is not exactly one.
FailureOr<func::FuncOp> findGraph(ModuleOp module);

/// A graph file by its extension (.json, .mlir, .onnx), not an artifact.
bool isGraphPath(llvm::StringRef path);

} // namespace mlir::kiln

#endif // KILN_DRIVER_SESSION_H
