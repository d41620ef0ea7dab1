//===- OnnxOpsLoss.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ===//
//
// ONNX loss ops composed of kiln ops (see OnnxOps.h). The picked class
// scores input[n, target[n, d...], d...] are selected by comparing the
// target with the class index along dim 1 and summing over it, so only the
// class count must be static.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

#define TRY(var, expr)                                                         \
  auto var = (expr);                                                           \
  if (failed(var))                                                             \
    return failure();

/// The loss of `logProb` ([N, C, d...]) against `target` ([N, d...]) with
/// optional per-class `weight` ([C]), reduced as the node says.
FailureOr<Value> nllLoss(NodeContext &ctx, Value logProb, Value target,
                         Value weight) {
  auto type = cast<RankedTensorType>(logProb.getType());
  Type elem = type.getElementType();
  Type i64 = ctx.b.getIntegerType(64);
  if (type.getRank() < 2 || type.isDynamicDim(1)) {
    (void)ctx.unsupported("a class dimension that is not static");
    return failure();
  }
  int64_t classes = type.getDimSize(1);
  std::string reduction = ctx.attrString("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean") {
    ctx.error() << "unknown reduction '" << reduction << "'";
    return failure();
  }
  TRY(t, castTo(ctx, target, i64));
  Value safeTarget = *t;
  Value ignored;
  if (ctx.hasAttr("ignore_index")) {
    TRY(ign, ctx.create<EqOp>(
                 {*t, ctx.scalar(i64, ctx.attrInt("ignore_index", 0))}));
    ignored = *ign;
    TRY(safe, ctx.create<SelectOp>({ignored, ctx.scalar(i64, 0), *t}));
    safeTarget = *safe;
  }
  // One-hot of the target along dim 1, then pick by summing over classes.
  TRY(expanded, unsqueeze(ctx, safeTarget, {1}));
  HostTensor iota;
  iota.dtype = KILN_DTYPE_I64;
  iota.shape.assign(type.getRank(), 1);
  iota.shape[1] = classes;
  iota.bytes.resize(classes * 8);
  for (int64_t c = 0; c < classes; ++c)
    iota.data<int64_t>()[c] = c;
  TRY(onehot, ctx.create<EqOp>({*expanded, ctx.constant(iota)}));
  TRY(masked, ctx.create<SelectOp>({*onehot, logProb, ctx.scalar(elem, 0)}));
  ReduceSumOp::Properties rp;
  rp.axes = ctx.i64Array({1});
  rp.keepdims = ctx.boolAttr(false);
  TRY(picked, ctx.create<ReduceSumOp>({*masked}, rp));

  // Per-element weights: weight[target], 0 where ignored.
  Value w;
  if (weight) {
    GatherOp::Properties gp;
    gp.axis = ctx.i64Attr(0);
    TRY(g, ctx.create<GatherOp>({weight, safeTarget}, gp));
    w = *g;
    if (ignored) {
      TRY(z, ctx.create<SelectOp>({ignored, ctx.scalar(elem, 0), w}));
      w = *z;
    }
  } else if (ignored) {
    TRY(z, ctx.create<SelectOp>(
               {ignored, ctx.scalar(elem, 0), ctx.scalar(elem, 1)}));
    w = *z;
  }
  Value loss = *picked;
  if (w) {
    TRY(m, ctx.create<MulOp>({loss, w}));
    loss = *m;
  }
  TRY(neg, ctx.create<NegOp>({loss}));
  if (reduction == "none")
    return *neg;
  ReduceSumOp::Properties all;
  all.keepdims = ctx.boolAttr(false);
  if (reduction == "sum")
    return ctx.create<ReduceSumOp>({*neg}, all);
  if (!w) {
    ReduceMeanOp::Properties mp;
    mp.keepdims = ctx.boolAttr(false);
    return ctx.create<ReduceMeanOp>({*neg}, mp);
  }
  TRY(num, ctx.create<ReduceSumOp>({*neg}, all));
  TRY(den, ctx.create<ReduceSumOp>({w}, all));
  return ctx.create<DivOp>({*num, *den});
}

LogicalResult convertNLLLoss(NodeContext &ctx, Outs &outs) {
  return pushResult(
      nllLoss(ctx, ctx.input(0), ctx.input(1), ctx.input(2)), outs);
}

LogicalResult convertSCELoss(NodeContext &ctx, Outs &outs) {
  LogSoftmaxOp::Properties props;
  props.axis = ctx.i64Attr(1);
  TRY(logProb, ctx.create<LogSoftmaxOp>({ctx.input(0)}, props));
  TRY(loss, nllLoss(ctx, *logProb, ctx.input(1), ctx.input(2)));
  outs.push_back(*loss);
  if (ctx.hasOutput(1))
    outs.push_back(*logProb);
  return success();
}

#undef TRY

const OnnxConverter kConverters[] = {
    {"NegativeLogLikelihoodLoss", convertNLLLoss},
    {"SoftmaxCrossEntropyLoss", convertSCELoss},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::lossConverters() { return kConverters; }
