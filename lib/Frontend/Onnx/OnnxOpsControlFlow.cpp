//===- OnnxOpsControlFlow.cpp - If and Loop ---------------------*- C++ -*-===//
//
// ONNX control flow onto kiln.if / kiln.while (see OnnxOps.h). Subgraphs are
// imported by the GraphImporter with lexical access to the enclosing graph.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

/// If: both branches are subgraphs without inputs that see the enclosing
/// graph's values; their outputs must have the same types.
LogicalResult convertIf(NodeContext &ctx, Outs &outs) {
  const onnx::GraphProto *thenG = ctx.attrGraph("then_branch");
  const onnx::GraphProto *elseG = ctx.attrGraph("else_branch");
  if (!thenG || !elseG)
    return ctx.error() << "missing then_branch or else_branch", failure();
  Value cond = ctx.input(0);
  auto condType = cast<RankedTensorType>(cond.getType());
  if (condType.getNumElements() != 1)
    return ctx.error() << "the condition must hold one element", failure();
  if (condType.getRank() != 0) {
    auto r = reshapeTo(ctx, cond, {});
    if (failed(r))
      return failure();
    cond = *r;
  }
  OperationState state(ctx.loc, IfOp::getOperationName());
  state.addOperands(cond);
  Region *thenR = state.addRegion();
  Region *elseR = state.addRegion();
  Block *thenB = new Block(), *elseB = new Block();
  thenR->push_back(thenB);
  elseR->push_back(elseB);
  GraphImporter &importer = ctx.getImporter();
  auto thenOuts = importer.importSubgraph(*thenG, thenB);
  auto elseOuts = importer.importSubgraph(*elseG, elseB);
  if (failed(thenOuts) || failed(elseOuts))
    return failure();
  if (thenOuts->size() != elseOuts->size())
    return ctx.error() << "then_branch has " << thenOuts->size()
                       << " outputs, else_branch " << elseOuts->size(),
           failure();
  for (auto [t, e] : llvm::zip(*thenOuts, *elseOuts))
    if (t.getType() != e.getType())
      return ctx.unsupported("branches whose outputs differ in type (then: " +
                             typeString(t.getType()) + ", else: " +
                             typeString(e.getType()) + ")");
  OpBuilder yb(ctx.getContext());
  yb.setInsertionPointToEnd(thenB);
  YieldOp::create(yb, ctx.loc, *thenOuts);
  yb.setInsertionPointToEnd(elseB);
  YieldOp::create(yb, ctx.loc, *elseOuts);
  state.addTypes(ValueRange(*thenOuts).getTypes());
  Operation *op = ctx.b.create(state);
  if (failed(mlir::verify(op))) {
    op->erase();
    return failure();
  }
  outs.append(op->result_begin(), op->result_end());
  return success();
}

const OnnxConverter kConverters[] = {
    {"If", convertIf},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::controlFlowConverters() {
  return kConverters;
}
