//===- JsonOpsControlFlow.cpp - if, while ---------------------------*- C++ -*-===//
//
// Graph-format ops of this family: one OpSpec each (see JsonOps.h). Their
// nested graphs arrive built (NodeAttrs::graphs): the importer checks them
// like top-level graphs, binds their inputs and resolves captured names.
// The builders check what relates the nested graphs to each other and to
// the node, in the graph format's words.
//
//===----------------------------------------------------------------------===//
#include "JsonConstants.h"
#include "JsonOps.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::json_frontend;

namespace {

/// "f32 [4, ?]".
std::string typeStr(Type type) {
  auto t = cast<RankedTensorType>(type);
  std::string s = dtypeName(t.getElementType()) + " [";
  for (auto [i, d] : llvm::enumerate(t.getShape())) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s + "]";
}

YieldOp yieldOf(Region &region) {
  return cast<YieldOp>(region.front().getTerminator());
}

/// Checks that `outputs` (of nested graph `graph`) have the types `want`,
/// described as `wantWhat` ("'else' outputs", "the loop carries").
LogicalResult checkOutputs(Location loc, StringRef graph, TypeRange outputs,
                           StringRef wantWhat, TypeRange want) {
  if (outputs.size() != want.size())
    return emitError(loc) << "'" << graph << "' has " << outputs.size()
                          << " output" << (outputs.size() == 1 ? "" : "s")
                          << " but " << wantWhat << " " << want.size();
  for (auto [i, got, expected] : llvm::enumerate(outputs, want))
    if (got != expected)
      return emitError(loc) << "output #" << i << " of '" << graph << "' is "
                            << typeStr(got) << " but " << wantWhat << " "
                            << typeStr(expected)
                            << " there (dtypes and shapes must be equal)";
  return success();
}

FailureOr<SmallVector<Value>> buildIf(OpBuilder &b, Location loc,
                                      ValueRange operands,
                                      const NodeAttrs &attrs) {
  Region *thenGraph = attrs.getGraph("then"), *elseGraph = attrs.getGraph("else");
  auto condType = cast<RankedTensorType>(operands[0].getType());
  if (condType.getRank() != 0 || !condType.getElementType().isInteger(1))
    return emitError(loc) << "the condition (first input) must be a bool "
                             "scalar, got "
                          << typeStr(condType);
  TypeRange thenTypes = yieldOf(*thenGraph).getValues().getTypes();
  TypeRange elseTypes = yieldOf(*elseGraph).getValues().getTypes();
  if (failed(checkOutputs(loc, "else", elseTypes, "'then' outputs",
                          thenTypes)))
    return failure();
  OperationState state(loc, IfOp::getOperationName());
  state.addOperands(operands);
  state.addTypes(thenTypes);
  state.addRegion()->takeBody(*thenGraph);
  state.addRegion()->takeBody(*elseGraph);
  Operation *op = b.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>(op->getResults());
}

FailureOr<SmallVector<Value>> buildWhile(OpBuilder &b, Location loc,
                                         ValueRange operands,
                                         const NodeAttrs &attrs) {
  Region *condGraph = attrs.getGraph("cond"), *bodyGraph = attrs.getGraph("body");
  TypeRange condTypes = yieldOf(*condGraph).getValues().getTypes();
  if (condTypes.size() != 1 ||
      cast<RankedTensorType>(condTypes[0]).getRank() != 0 ||
      !getElementTypeOrSelf(condTypes[0]).isInteger(1)) {
    auto diag = emitError(loc) << "'cond' must output one bool scalar, got ";
    llvm::interleaveComma(condTypes, diag,
                          [&](Type t) { diag << typeStr(t); });
    return diag << (condTypes.empty() ? "nothing" : "");
  }
  TypeRange bodyTypes = yieldOf(*bodyGraph).getValues().getTypes();
  if (failed(checkOutputs(loc, "body", bodyTypes, "the loop carries",
                          operands.getTypes())))
    return failure();
  OperationState state(loc, WhileOp::getOperationName());
  state.addOperands(operands);
  state.addTypes(operands.getTypes());
  state.addRegion()->takeBody(*condGraph);
  state.addRegion()->takeBody(*bodyGraph);
  Operation *op = b.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  return SmallVector<Value>(op->getResults());
}

const AttrSpec ifAttrs[] = {{"then", AttrKind::Graph, true},
                            {"else", AttrKind::Graph, true}};
const AttrSpec whileAttrs[] = {{"cond", AttrKind::Graph, true},
                               {"body", AttrKind::Graph, true}};

const OpSpec controlFlowTable[] = {
    {"if", 1, ~0u, ifAttrs, DtypeRule::Any, buildIf, kAnyOutputs,
     /*firstGraphInput=*/1},
    {"while", 1, ~0u, whileAttrs, DtypeRule::Any, buildWhile, kAnyOutputs,
     /*firstGraphInput=*/0},
};

} // namespace

ArrayRef<OpSpec> mlir::kiln::json_frontend::controlFlowOps() {
  return controlFlowTable;
}
