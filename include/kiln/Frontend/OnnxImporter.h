//===- OnnxImporter.h - ONNX models to the kiln dialect ----------*- C++ -*-===//
#ifndef KILN_FRONTEND_ONNXIMPORTER_H
#define KILN_FRONTEND_ONNXIMPORTER_H

#include "kiln/Interpreter/Interpreter.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::kiln {

struct OnnxImportOptions {
  /// Input dimensions fixed at import (`--shape NAME=D0,D1,...`), so that
  /// shape computations on them fold to constants.
  llvm::StringMap<llvm::SmallVector<int64_t>> pinnedShapes;
  /// Inputs replaced by constants (`--bind NAME=FILE.npy`): they are imported
  /// as initializers and leave the graph's signature.
  llvm::StringMap<HostTensor> boundInputs;
  /// Largest result (in elements) that constant folding during import
  /// computes; larger constant subgraphs are left to run.
  int64_t foldLimit = int64_t(1) << 24;
};

/// Reads the ONNX model at `path` (opsets 7 to 17 of the default domain;
/// initializers and Constant nodes become kiln.constant, large payloads as
/// dense_resource) and builds a module holding one `func.func` named after
/// the file, in the same form as the JSON importer's. Every problem found
/// (unsupported ops, types or attribute values, invalid models) is emitted
/// through the context's diagnostic engine naming the node and its op type;
/// returns null if there was any.
OwningOpRef<ModuleOp> importOnnxModel(MLIRContext *context,
                                      llvm::StringRef path,
                                      const OnnxImportOptions &options = {});

} // namespace mlir::kiln

#endif // KILN_FRONTEND_ONNXIMPORTER_H
