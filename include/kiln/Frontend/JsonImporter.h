//===- JsonImporter.h - JSON graph spec to the kiln dialect ------*- C++ -*-===//
#ifndef KILN_FRONTEND_JSONIMPORTER_H
#define KILN_FRONTEND_JSONIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace mlir::kiln {

/// Parses the JSON graph at `path` (docs/graph-format.md) and builds a module
/// holding one `func.func` named after the graph, with kiln ops in dataflow
/// order. Arguments and results carry `kiln.name`; arguments also carry
/// `kiln.dims` (integers and symbol names). Every error found is emitted
/// through the context's diagnostic engine, located at the JSON file's
/// line:column or at the node's name; returns null if there was any.
OwningOpRef<ModuleOp> importJsonGraph(MLIRContext *context,
                                      llvm::StringRef path);

/// As above, for the JSON graph `text` read from `path` (which names the
/// graph in locations, gives its default name, and anchors relative `.npy`
/// paths).
OwningOpRef<ModuleOp> importJsonGraphFromBuffer(MLIRContext *context,
                                                llvm::StringRef text,
                                                llvm::StringRef path);

} // namespace mlir::kiln

#endif // KILN_FRONTEND_JSONIMPORTER_H
