//===- InitAll.h - register Kiln's dialects and passes -----------*- C++ -*-===//
#ifndef KILN_DRIVER_INITALL_H
#define KILN_DRIVER_INITALL_H

namespace mlir {
class DialectRegistry;
namespace kiln {

/// Every dialect a Kiln compilation may produce, with their interface models.
void registerAllDialects(DialectRegistry &registry);

/// Kiln's passes and pipelines, plus the upstream passes its pipelines use,
/// so that kiln-opt can run each step alone.
void registerAllPasses();

} // namespace kiln
} // namespace mlir

#endif // KILN_DRIVER_INITALL_H
