//===- ResultsToDestinations.cpp - kiln-results-to-destinations --*- C++ -*-===//
#include "dialects/kiln/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNRESULTSTODESTINATIONS
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;

namespace {
struct KilnResultsToDestinationsPass
    : public mlir::kiln::impl::KilnResultsToDestinationsBase<
          KilnResultsToDestinationsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal() || !func.isPublic())
      return;
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    FunctionType type = func.getFunctionType();
    unsigned numInputs = type.getNumInputs();
    SmallVector<Type> outTypes;
    for (Type t : type.getResults()) {
      auto tensor = dyn_cast<RankedTensorType>(t);
      if (!tensor) {
        func.emitOpError("result type ") << t << " is not a ranked tensor";
        return signalPassFailure();
      }
      outTypes.push_back(
          MemRefType::get(tensor.getShape(), tensor.getElementType()));
    }
    // Inputs keep their attributes; each output buffer takes its result's.
    SmallVector<DictionaryAttr> argAttrs;
    for (unsigned i = 0; i < numInputs; ++i)
      argAttrs.push_back(func.getArgAttrDict(i));
    for (unsigned i = 0; i < type.getNumResults(); ++i)
      argAttrs.push_back(func.getResultAttrDict(i));

    OpBuilder b(ret);
    for (auto [i, t] : llvm::enumerate(outTypes)) {
      BlockArgument out = func.getBody().addArgument(t, ret.getLoc());
      auto m = bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), ret.getOperand(i), out);
      m.setRestrict(true);
      m.setWritable(true);
    }
    func::ReturnOp::create(b, ret.getLoc());
    ret.erase();

    SmallVector<Type> inputs(type.getInputs());
    inputs.append(outTypes);
    func.setFunctionType(FunctionType::get(&getContext(), inputs, {}));
    func.setAllArgAttrs(argAttrs);
    func.removeResAttrsAttr();
  }
};
} // namespace
