//===- InsertNumericsChecks.cpp - kiln-insert-numerics-checks ----*- C++ -*-===//
//
// After each kernel, a reduction counts the NaN and Inf of every floating
// result; a nonzero count calls the report function with the kernel's index
// (see the pass description in Passes.td, and NumericsChecks.h).
//
//===----------------------------------------------------------------------===//
#include "kiln/Conversion/Kernels.h"
#include "kiln/Conversion/NumericsChecks.h"
#include "kiln/Conversion/Passes.h"

#include "dialects/kiln/IR/KilnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNINSERTNUMERICSCHECKS
#include "kiln/Conversion/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

/// A value that is only written further, as the destination of inserts (a
/// concatenation filled part by part): some of its elements are not set yet.
bool isPartialDestination(Value value) {
  if (!isa_and_nonnull<tensor::InsertSliceOp, tensor::InsertOp>(
          value.getDefiningOp()) ||
      value.use_empty())
    return false;
  return llvm::all_of(value.getUses(), [](OpOperand &use) {
    Operation *user = use.getOwner();
    return isa<tensor::InsertSliceOp, tensor::InsertOp>(user) &&
           cast<DestinationStyleOpInterface>(user).isDpsInit(&use);
  });
}

/// Counts the NaN and the +-Inf elements of `tensor` (a floating tensor):
/// two i64 scalars.
std::pair<Value, Value> countNonFinite(OpBuilder &b, Location loc,
                                       Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  MLIRContext *ctx = b.getContext();
  Type i64 = b.getI64Type();
  auto scalarType = RankedTensorType::get({}, i64);
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  auto counter = [&]() -> Value {
    Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, i64);
    return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  };
  Value nanInit = counter(), infInit = counter();
  int64_t rank = type.getRank();
  AffineMap in = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap out = AffineMap::get(rank, 0, {}, ctx);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  auto counts = linalg::GenericOp::create(
      b, loc, TypeRange{scalarType, scalarType}, ValueRange{tensor},
      ValueRange{nanInit, infInit}, ArrayRef<AffineMap>{in, out, out},
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value x = args[0];
        auto floatType = cast<FloatType>(x.getType());
        if (floatType.getWidth() < 32) { // f16, bf16: exactly widened
          floatType = nb.getF32Type();
          x = arith::ExtFOp::create(nb, l, floatType, x);
        }
        Value isNan =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::UNO, x, x);
        Value inf = arith::ConstantOp::create(
            nb, l,
            nb.getFloatAttr(floatType,
                            APFloat::getInf(floatType.getFloatSemantics())));
        Value isInf = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            math::AbsFOp::create(nb, l, x),
                                            inf);
        Value nan = arith::AddIOp::create(
            nb, l, args[1], arith::ExtUIOp::create(nb, l, i64, isNan));
        Value infs = arith::AddIOp::create(
            nb, l, args[2], arith::ExtUIOp::create(nb, l, i64, isInf));
        linalg::YieldOp::create(nb, l, ValueRange{nan, infs});
      });
  Value nan = tensor::ExtractOp::create(b, loc, counts.getResult(0));
  Value inf = tensor::ExtractOp::create(b, loc, counts.getResult(1));
  return {nan, inf};
}

/// The number of elements of `tensor`, as an i64.
Value numElements(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.hasStaticShape())
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(),
                                        type.getNumElements());
  Value n = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value size = type.isDynamicDim(d)
                     ? Value(tensor::DimOp::create(b, loc, tensor, d))
                     : Value(arith::ConstantIndexOp::create(
                           b, loc, type.getDimSize(d)));
    n = arith::MulIOp::create(b, loc, n, size);
  }
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), n);
}

struct KilnInsertNumericsChecksPass
    : public kiln::impl::KilnInsertNumericsChecksBase<
          KilnInsertNumericsChecksPass> {
  using KilnInsertNumericsChecksBase::KilnInsertNumericsChecksBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    if (module.lookupSymbol(kNumericsReportFn)) {
      module.emitError("the module already has numerics checks ('")
          << kNumericsReportFn << "' is defined)";
      return signalPassFailure();
    }

    SmallVector<func::FuncOp> graphs;
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        graphs.push_back(func);

    Type i64 = b.getI64Type();
    b.setInsertionPointToEnd(module.getBody());
    auto report = func::FuncOp::create(
        b, module.getLoc(), kNumericsReportFn,
        FunctionType::get(ctx, SmallVector<Type>(7, i64), {}));
    report.setPrivate();

    SmallVector<Attribute> kernelNodes;
    for (func::FuncOp func : graphs) {
      for (KernelInfo &kernel : collectKernels(func)) {
        int64_t index = kernelNodes.size();
        SmallVector<Attribute> names;
        for (const std::string &node : kernel.nodes)
          names.push_back(b.getStringAttr(node));
        kernelNodes.push_back(b.getArrayAttr(names));

        Operation *root = kernel.root;
        Location loc = root->getLoc();
        b.setInsertionPointAfter(root);
        for (OpResult result : root->getResults()) {
          auto type = dyn_cast<RankedTensorType>(result.getType());
          if (!type || !isa<FloatType>(type.getElementType()) ||
              isPartialDestination(result))
            continue;
          int32_t dtype = getDtypeCode(type.getElementType());
          if (!dtype)
            continue; // no kiln_dtype to report it as
          auto [nan, inf] = countNonFinite(b, loc, result);
          Value any = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ne,
              arith::OrIOp::create(b, loc, nan, inf),
              arith::ConstantIntOp::create(b, loc, i64, 0));
          auto constant = [&](OpBuilder &ib, int64_t v) -> Value {
            return arith::ConstantIntOp::create(ib, loc, i64, v);
          };
          scf::IfOp::create(b, loc, any, [&](OpBuilder &ib, Location l) {
            func::CallOp::create(
                ib, l, report,
                ValueRange{constant(ib, index),
                           constant(ib, result.getResultNumber()),
                           constant(ib, root->getNumResults()),
                           constant(ib, dtype), nan, inf,
                           numElements(ib, l, result)});
            scf::YieldOp::create(ib, l);
          });
        }
      }
    }
    module->setAttr(kNumericsKernelsAttr, b.getArrayAttr(kernelNodes));
  }
};

} // namespace
