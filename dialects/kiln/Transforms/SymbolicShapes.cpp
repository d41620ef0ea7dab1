//===- SymbolicShapes.cpp - kiln-infer-symbolic-dims -------------*- C++ -*-===//
#include "dialects/kiln/IR/KilnOps.h"
#include "dialects/kiln/IR/SymbolicDims.h"
#include "dialects/kiln/Transforms/Passes.h"

#include "llvm/ADT/STLExtras.h"

namespace mlir::kiln {
#define GEN_PASS_DEF_KILNINFERSYMBOLICDIMS
#include "dialects/kiln/Transforms/Passes.h.inc"
} // namespace mlir::kiln

using namespace mlir;
using namespace mlir::kiln;

namespace {

class SymbolicShapeInference {
public:
  LogicalResult run(func::FuncOp func);

private:
  LogicalResult infer(Operation *op);
  LogicalResult inferBlock(Block &block, func::FuncOp func);
  const SymShape &get(Value v) { return shapes.find(v)->second; }

  DenseMap<Value, SymShape> shapes;
};

} // namespace

/// Each op's rule comes from its SymbolicShapeOpInterface; ops that keep
/// their operand's shape say so with a trait, and ops without dynamic
/// results need no rule at all.
LogicalResult SymbolicShapeInference::infer(Operation *op) {
  SmallVector<SymShape, 1> results;
  if (auto iface = dyn_cast<SymbolicShapeOpInterface>(op)) {
    if (failed(iface.inferSymbolicShapes(
            [&](Value v) -> const SymShape & { return get(v); }, results)))
      return failure();
  } else if (op->hasTrait<SameSymbolicShape>()) {
    results.push_back(get(op->getOperand(0)));
  } else {
    for (Type t : op->getResultTypes()) {
      auto type = dyn_cast<RankedTensorType>(t);
      if (!type || !type.hasStaticShape())
        return op->emitOpError("has no symbolic shape rule for its dynamic "
                               "result");
      results.push_back(symShapeOfType(type));
    }
  }
  assert(results.size() == op->getNumResults() && "one shape per result");
  for (auto [v, shape] : llvm::zip(op->getResults(), results))
    shapes[v] = std::move(shape);
  return success();
}

LogicalResult SymbolicShapeInference::run(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type)
      return func.emitOpError("argument ")
             << arg.getArgNumber() << " is not a ranked tensor";
    SymShape shape;
    auto dims = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), kDimsAttr);
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kNameAttr);
    std::string argName =
        name ? name.getValue().str() : "arg" + std::to_string(arg.getArgNumber());
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t size = type.getDimSize(i);
      if (dims && (int64_t)dims.size() == type.getRank()) {
        auto sym = dyn_cast<StringAttr>(dims[i]);
        auto parsed = sym ? SymDim::parse(sym.getValue()) : std::nullopt;
        bool plainSymbol = parsed && parsed->factor == 1 &&
                           parsed->symbols.size() == 1;
        if (ShapedType::isDynamic(size) && plainSymbol) {
          shape.push_back(*parsed);
          continue;
        }
        if (ShapedType::isDynamic(size) || sym)
          return func.emitOpError("input '")
                 << argName << "': kiln.dims entry " << i
                 << " must be a symbol name for a dynamic dimension and an "
                    "integer for a static one";
      }
      shape.push_back(ShapedType::isDynamic(size)
                          ? SymDim::symbol(argName + "_" + std::to_string(i))
                          : SymDim::constant(size));
    }
    func.setArgAttr(arg.getArgNumber(), kDimsAttr, symShapeToAttr(ctx, shape));
    shapes[arg] = shape;
  }

  return inferBlock(func.getBody().front(), func);
}

/// Infers the ops of `block` in order (a graph's blocks are topologically
/// sorted). The regions of `kiln.if` and `kiln.while` are walked before the
/// op itself: their block arguments take the shapes of the op's trailing
/// operands (the values passed to a branch, the carried values of a loop),
/// values they capture have theirs already, and the op's own rule then
/// compares what the regions yield.
LogicalResult SymbolicShapeInference::inferBlock(Block &block,
                                                 func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  for (Operation &op : block) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, v] : llvm::enumerate(ret.getOperands()))
        func.setResultAttr(i, kDimsAttr, symShapeToAttr(ctx, get(v)));
      continue;
    }
    for (Region &region : op.getRegions()) {
      for (Block &inner : region) {
        unsigned numArgs = inner.getNumArguments();
        if (numArgs > op.getNumOperands())
          return op.emitOpError("has a region with more arguments than the "
                                "op has operands");
        ValueRange forwarded = op.getOperands().take_back(numArgs);
        for (auto [arg, v] : llvm::zip(inner.getArguments(), forwarded))
          shapes[arg] = get(v);
        if (failed(inferBlock(inner, func)))
          return failure();
      }
    }
    if (op.getNumResults() != 0 && failed(infer(&op)))
      return failure();
  }
  return success();
}

namespace {
struct KilnInferSymbolicDimsPass
    : public mlir::kiln::impl::KilnInferSymbolicDimsBase<
          KilnInferSymbolicDimsPass> {
  void runOnOperation() override {
    SymbolicShapeInference inference;
    if (failed(inference.run(getOperation())))
      signalPassFailure();
  }
};
} // namespace
