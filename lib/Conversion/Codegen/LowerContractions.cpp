//===- LowerContractions.cpp ----------------------------------------------------*- C++ -*-===//
#include "kiln/Conversion/Passes.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNLOWERCONTRACTIONS
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnLowerContractionsPass : public kiln::impl::KilnLowerContractionsBase<KilnLowerContractionsPass> {
  using Base::Base;
  void runOnOperation() override {}
};
} // namespace
