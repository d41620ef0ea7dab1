//===- FastMath.cpp ----------------------------------------------------*- C++ -*-===//
#include "kiln/Conversion/Passes.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNFASTMATH
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnFastMathPass : public kiln::impl::KilnFastMathBase<KilnFastMathPass> {
  using Base::Base;
  void runOnOperation() override {}
};
} // namespace
