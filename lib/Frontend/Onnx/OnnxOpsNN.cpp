//===- OnnxOpsNN.cpp - matmul, conv, pooling, norms, reductions -*- C++ -*-===//
//
// ONNX neural-network ops onto kiln ops (see OnnxOps.h).
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

LogicalResult convertMatMul(NodeContext &ctx, Outs &outs) {
  return pushResult(ctx.create<MatmulOp>({ctx.input(0), ctx.input(1)}), outs);
}

/// Gemm: alpha * A' B' + beta * C, with A' = transA ? A^T : A (and B').
LogicalResult convertGemm(NodeContext &ctx, Outs &outs) {
  MatmulOp::Properties props;
  props.transpose_a = ctx.boolAttr(ctx.attrInt("transA", 0) != 0);
  props.transpose_b = ctx.boolAttr(ctx.attrInt("transB", 0) != 0);
  auto product = ctx.create<MatmulOp>({ctx.input(0), ctx.input(1)}, props);
  if (failed(product))
    return failure();
  Type elem = getElementTypeOrSelf(ctx.inputType(0));
  Value result = *product;
  double alpha = ctx.attrFloat("alpha", 1.0), beta = ctx.attrFloat("beta", 1.0);
  if (alpha != 1.0) {
    auto scaled = ctx.create<MulOp>({result, ctx.scalar(elem, alpha)});
    if (failed(scaled))
      return failure();
    result = *scaled;
  }
  if (ctx.hasInput(2) && beta != 0.0) {
    Value c = ctx.input(2);
    if (beta != 1.0) {
      auto scaled = ctx.create<MulOp>({c, ctx.scalar(elem, beta)});
      if (failed(scaled))
        return failure();
      c = *scaled;
    }
    auto sum = ctx.create<AddOp>({result, c});
    if (failed(sum))
      return failure();
    // C broadcasts to the product (unidirectionally).
    if ((*sum).getType() != result.getType())
      return ctx.error() << "C does not broadcast to the product's shape",
             failure();
    result = *sum;
  }
  return pushResult(result, outs);
}

/// Explicit pads for ONNX's auto_pad on static spatial dims (pools have no
/// auto_pad in kiln; conv has, but computing it here is the same rule).
FailureOr<SmallVector<int64_t>>
autoPads(NodeContext &ctx, RankedTensorType x, ArrayRef<int64_t> kernel,
         ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  size_t n = kernel.size();
  SmallVector<int64_t> pads(2 * n, 0);
  if (autoPad == "NOTSET") {
    if (auto p = ctx.attrInts("pads"))
      return *p;
    return pads;
  }
  if (autoPad == "VALID")
    return pads;
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
    ctx.error() << "unknown auto_pad '" << autoPad << "'";
    return failure();
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t in = x.getDimSize(2 + i);
    if (ShapedType::isDynamic(in)) {
      (void)ctx.unsupported("auto_pad on a symbolic spatial dim");
      return failure();
    }
    int64_t s = strides[i], k = (kernel[i] - 1) * dilations[i] + 1;
    int64_t out = (in + s - 1) / s;
    int64_t total = std::max<int64_t>(0, (out - 1) * s + k - in);
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_UPPER" ? small : big;
    pads[i + n] = autoPad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

SmallVector<int64_t> attrOr(NodeContext &ctx, StringRef name, size_t n,
                            int64_t dflt) {
  if (auto v = ctx.attrInts(name))
    return *v;
  return SmallVector<int64_t>(n, dflt);
}

template <typename OpTy>
LogicalResult convertConv(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0), w = ctx.inputType(1);
  size_t n = std::max<int64_t>(0, w.getRank() - 2);
  typename OpTy::Properties props;
  SmallVector<int64_t> strides = attrOr(ctx, "strides", n, 1);
  SmallVector<int64_t> dilations = attrOr(ctx, "dilations", n, 1);
  props.strides = ctx.i64Array(strides);
  props.dilations = ctx.i64Array(dilations);
  props.groups = ctx.i64Attr(ctx.attrInt("group", 1));
  if constexpr (std::is_same_v<OpTy, ConvOp>) {
    SmallVector<int64_t> kernel;
    for (size_t i = 0; i < n; ++i)
      kernel.push_back(w.getDimSize(2 + i));
    if (auto k = ctx.attrInts("kernel_shape"))
      kernel = *k;
    auto pads = autoPads(ctx, x, kernel, strides, dilations);
    if (failed(pads))
      return failure();
    props.pads = ctx.i64Array(*pads);
  } else {
    std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
    SmallVector<int64_t> outputPadding = attrOr(ctx, "output_padding", n, 0);
    if (auto outShape = ctx.attrInts("output_shape")) {
      // Explicit output sizes: derive the pads (ONNX's rule), and extra
      // output padding where the sizes exceed what no padding gives.
      SmallVector<int64_t> spatial(outShape->end() - n, outShape->end());
      SmallVector<int64_t> pads(2 * n, 0);
      for (size_t i = 0; i < n; ++i) {
        int64_t in = x.getDimSize(2 + i);
        if (ShapedType::isDynamic(in) || w.isDynamicDim(2 + i))
          return ctx.unsupported("output_shape with symbolic spatial dims");
        int64_t k = (w.getDimSize(2 + i) - 1) * dilations[i] + 1;
        int64_t total =
            strides[i] * (in - 1) + outputPadding[i] + k - spatial[i];
        if (total < 0) {
          outputPadding[i] -= total;
          total = 0;
        }
        bool upper = autoPad == "SAME_UPPER";
        pads[i] = upper ? total / 2 : total - total / 2;
        pads[i + n] = total - pads[i];
      }
      props.pads = ctx.i64Array(pads);
    } else {
      props.auto_pad = ctx.b.getStringAttr(autoPad);
      if (auto p = ctx.attrInts("pads"))
        props.pads = ctx.i64Array(*p);
    }
    props.output_padding = ctx.i64Array(outputPadding);
  }
  SmallVector<Value> operands{ctx.input(0), ctx.input(1)};
  if (ctx.hasInput(2))
    operands.push_back(ctx.input(2));
  return pushResult(ctx.create<OpTy>(operands, props), outs);
}

template <typename OpTy>
LogicalResult convertPool(NodeContext &ctx, Outs &outs) {
  if (ctx.hasOutput(1))
    return ctx.unsupported("MaxPool's Indices output");
  if (ctx.attrInt("storage_order", 0) != 0)
    return ctx.unsupported("storage_order=1");
  RankedTensorType x = ctx.inputType(0);
  auto kernel = ctx.attrInts("kernel_shape");
  if (!kernel)
    return ctx.error() << "missing attribute 'kernel_shape'", failure();
  size_t n = kernel->size();
  typename OpTy::Properties props;
  SmallVector<int64_t> strides = attrOr(ctx, "strides", n, 1);
  SmallVector<int64_t> dilations = attrOr(ctx, "dilations", n, 1);
  props.kernel = ctx.i64Array(*kernel);
  props.strides = ctx.i64Array(strides);
  auto pads = autoPads(ctx, x, *kernel, strides, dilations);
  if (failed(pads))
    return failure();
  props.pads = ctx.i64Array(*pads);
  props.ceil_mode = ctx.boolAttr(ctx.attrInt("ceil_mode", 0) != 0);
  if constexpr (std::is_same_v<OpTy, MaxPoolOp>) {
    props.dilations = ctx.i64Array(dilations);
  } else {
    if (llvm::any_of(dilations, [](int64_t d) { return d != 1; }))
      return ctx.unsupported("AveragePool with dilations");
    props.count_include_pad =
        ctx.boolAttr(ctx.attrInt("count_include_pad", 0) != 0);
  }
  return pushResult(ctx.create<OpTy>({ctx.input(0)}, props), outs);
}

template <typename OpTy>
LogicalResult convertPlain(NodeContext &ctx, Outs &outs) {
  return pushResult(ctx.create<OpTy>({ctx.input(0)}), outs);
}

LogicalResult batchNormTraining(NodeContext &ctx, Outs &outs);

LogicalResult convertBatchNorm(NodeContext &ctx, Outs &outs) {
  if (ctx.opset >= 14 && ctx.attrInt("training_mode", 0) != 0)
    return batchNormTraining(ctx, outs);
  if (ctx.hasOutput(1))
    return ctx.unsupported("the training outputs before opset 14");
  if (ctx.opset < 7 && ctx.attrInt("is_test", 0) == 0 && ctx.hasAttr("is_test"))
    return ctx.unsupported("training mode (is_test=0)");
  BatchNormOp::Properties props;
  props.epsilon = ctx.f64Attr(ctx.attrFloat("epsilon", 1e-5));
  return pushResult(ctx.create<BatchNormOp>({ctx.input(0), ctx.input(1),
                                             ctx.input(2), ctx.input(3),
                                             ctx.input(4)},
                                            props),
                    outs);
}

/// mean and variance over `axes` (keepdims): the shared core of the norms
/// that kiln has no single op for.
struct Moments {
  Value mean, centered, variance;
};
FailureOr<Moments> moments(NodeContext &ctx, Value x, ArrayRef<int64_t> axes) {
  ReduceMeanOp::Properties props;
  props.axes = ctx.i64Array(axes);
  props.keepdims = ctx.boolAttr(true);
  auto mean = ctx.create<ReduceMeanOp>({x}, props);
  if (failed(mean))
    return failure();
  auto centered = ctx.create<SubOp>({x, *mean});
  if (failed(centered))
    return failure();
  auto sq = ctx.create<MulOp>({*centered, *centered});
  if (failed(sq))
    return failure();
  auto var = ctx.create<ReduceMeanOp>({*sq}, props);
  if (failed(var))
    return failure();
  return Moments{*mean, *centered, *var};
}

/// (x - mean) / sqrt(var + eps) over `axes`.
FailureOr<Value> normalize(NodeContext &ctx, Value x, ArrayRef<int64_t> axes,
                           double eps) {
  auto m = moments(ctx, x, axes);
  if (failed(m))
    return failure();
  Type elem = getElementTypeOrSelf(x.getType());
  auto shifted = ctx.create<AddOp>({m->variance, ctx.scalar(elem, eps)});
  if (failed(shifted))
    return failure();
  auto inv = ctx.create<RsqrtOp>({*shifted});
  if (failed(inv))
    return failure();
  return ctx.create<MulOp>({m->centered, *inv});
}

LogicalResult convertLayerNorm(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", -1), x.getRank());
  if (failed(axis))
    return failure();
  double eps = ctx.attrFloat("epsilon", 1e-5);
  RankedTensorType scaleType = ctx.inputType(1);
  bool wantStats = ctx.hasOutput(1) || ctx.hasOutput(2);
  bool exactScale =
      scaleType.getShape() == x.getShape().drop_front(*axis) &&
      (!ctx.hasInput(2) || ctx.inputType(2) == scaleType);
  if (exactScale && !wantStats) {
    Value bias = ctx.input(2);
    if (!bias) {
      HostTensor zeros;
      zeros.dtype = getDtypeCode(scaleType.getElementType());
      zeros.shape.assign(scaleType.getShape().begin(),
                         scaleType.getShape().end());
      zeros.bytes.assign(zeros.numElements() * elementSize(zeros.dtype), 0);
      bias = ctx.constant(zeros);
    }
    LayerNormOp::Properties props;
    props.axis = ctx.i64Attr(*axis);
    props.epsilon = ctx.f64Attr(eps);
    return pushResult(
        ctx.create<LayerNormOp>({ctx.input(0), ctx.input(1), bias}, props),
        outs);
  }
  // Broadcastable scale/bias, or the Mean and InvStdDev outputs wanted:
  // normalise with reductions, then scale and shift.
  SmallVector<int64_t> axes;
  for (int64_t i = *axis; i < x.getRank(); ++i)
    axes.push_back(i);
  auto m = moments(ctx, ctx.input(0), axes);
  if (failed(m))
    return failure();
  Type elem = x.getElementType();
  auto shifted = ctx.create<AddOp>({m->variance, ctx.scalar(elem, eps)});
  if (failed(shifted))
    return failure();
  auto inv = ctx.create<RsqrtOp>({*shifted});
  if (failed(inv))
    return failure();
  auto n = ctx.create<MulOp>({m->centered, *inv});
  if (failed(n))
    return failure();
  auto scaled = ctx.create<MulOp>({*n, ctx.input(1)});
  if (failed(scaled))
    return failure();
  Value y = *scaled;
  if (ctx.hasInput(2)) {
    auto sum = ctx.create<AddOp>({y, ctx.input(2)});
    if (failed(sum))
      return failure();
    y = *sum;
  }
  outs.push_back(y);
  outs.push_back(ctx.hasOutput(1) ? m->mean : Value());
  outs.push_back(ctx.hasOutput(2) ? *inv : Value());
  return success();
}

/// InstanceNormalization: normalise over the spatial dims per sample and
/// channel, then scale and shift per channel.
LogicalResult convertInstanceNorm(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  int64_t rank = x.getRank();
  if (rank < 3)
    return ctx.error() << "expects rank >= 3", failure();
  SmallVector<int64_t> axes, chanAxes;
  for (int64_t i = 2; i < rank; ++i) {
    axes.push_back(i);
    chanAxes.push_back(i - 1);
  }
  auto n = normalize(ctx, ctx.input(0), axes, ctx.attrFloat("epsilon", 1e-5));
  if (failed(n))
    return failure();
  auto scale = unsqueeze(ctx, ctx.input(1), chanAxes);
  auto bias = unsqueeze(ctx, ctx.input(2), chanAxes);
  if (failed(scale) || failed(bias))
    return failure();
  auto scaled = ctx.create<MulOp>({*n, *scale});
  if (failed(scaled))
    return failure();
  return pushResult(ctx.create<AddOp>({*scaled, *bias}), outs);
}

/// MeanVarianceNormalization: normalise over `axes` (0, 2, 3), eps 1e-9.
LogicalResult convertMVN(NodeContext &ctx, Outs &outs) {
  SmallVector<int64_t> axes{0, 2, 3};
  if (auto a = ctx.attrInts("axes"))
    axes = *a;
  return pushResult(normalize(ctx, ctx.input(0), axes, 1e-9), outs);
}

/// Softmax, LogSoftmax and Hardmax. Before opset 13 they work on the input
/// coerced to 2-D at `axis` (default 1); from 13 along `axis` (default -1).
template <typename OpTy>
LogicalResult convertSoftmaxLike(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  int64_t rank = x.getRank();
  bool legacy = ctx.opset < 13;
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", legacy ? 1 : -1), rank);
  if (failed(axis))
    return failure();
  auto apply = [&](Value v, int64_t ax) -> FailureOr<Value> {
    if constexpr (std::is_same_v<OpTy, ArgMaxOp>) {
      // Hardmax: one-hot of the first maximum along ax.
      ArgMaxOp::Properties ap;
      ap.axis = ctx.i64Attr(ax);
      ap.keepdims = ctx.boolAttr(true);
      auto idx = ctx.create<ArgMaxOp>({v}, ap);
      if (failed(idx))
        return failure();
      auto vt = cast<RankedTensorType>(v.getType());
      if (vt.isDynamicDim(ax)) {
        (void)ctx.unsupported("Hardmax along a symbolic dim");
        return failure();
      }
      int64_t d = vt.getDimSize(ax);
      HostTensor iota;
      iota.dtype = KILN_DTYPE_I64;
      iota.shape.assign(vt.getRank(), 1);
      iota.shape[ax] = d;
      iota.bytes.resize(d * 8);
      for (int64_t i = 0; i < d; ++i)
        iota.data<int64_t>()[i] = i;
      auto eq = ctx.create<EqOp>({*idx, ctx.constant(iota)});
      if (failed(eq))
        return failure();
      return castTo(ctx, *eq, vt.getElementType());
    } else {
      typename OpTy::Properties props;
      props.axis = ctx.i64Attr(ax);
      return ctx.create<OpTy>({v}, props);
    }
  };
  if (!legacy || *axis == rank - 1)
    return pushResult(apply(ctx.input(0), *axis), outs);
  if (!x.hasStaticShape())
    return ctx.unsupported("opset < 13 coercion to 2-D on symbolic dims");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= x.getDimSize(i);
  auto flat = reshapeTo(ctx, ctx.input(0), {outer, inner});
  if (failed(flat))
    return failure();
  auto y = apply(*flat, 1);
  if (failed(y))
    return failure();
  return pushResult(reshapeTo(ctx, *y, x.getShape()), outs);
}

/// Reduce ops: axes are an attribute (an input from opset 13 for ReduceSum
/// only, in the opsets Kiln reads); noop_with_empty_axes keeps the input.
FailureOr<std::optional<SmallVector<int64_t>>> reduceAxes(NodeContext &ctx,
                                                         bool *noop) {
  *noop = false;
  if (ctx.opType() == "ReduceSum" && ctx.opset >= 13) {
    if (!ctx.hasInput(1) ||
        (ctx.constInput(1) && ctx.constInput(1)->numElements() == 0)) {
      *noop = ctx.attrInt("noop_with_empty_axes", 0) != 0;
      return std::optional<SmallVector<int64_t>>();
    }
    auto axes = ctx.constInts(1);
    if (failed(axes))
      return failure();
    return std::optional<SmallVector<int64_t>>(*axes);
  }
  return ctx.attrInts("axes");
}

/// The reduce op `OpTy` on `v` with the node's axes and keepdims.
template <typename OpTy>
FailureOr<Value> reduce(NodeContext &ctx, Value v,
                        const std::optional<SmallVector<int64_t>> &axes) {
  typename OpTy::Properties props;
  if (axes)
    props.axes = ctx.i64Array(*axes);
  props.keepdims = ctx.boolAttr(ctx.attrInt("keepdims", 1) != 0);
  return ctx.create<OpTy>({v}, props);
}

enum class ReduceKind { Plain, L1, L2, LogSum, LogSumExp, SumSquare };

template <typename OpTy, ReduceKind Kind = ReduceKind::Plain>
LogicalResult convertReduce(NodeContext &ctx, Outs &outs) {
  bool noop;
  auto axes = reduceAxes(ctx, &noop);
  if (failed(axes))
    return failure();
  Value x = ctx.input(0);
  if (noop)
    return pushResult(ctx.create<IdentityOp>({x}), outs);
  Type elem = getElementTypeOrSelf(x.getType());
  FailureOr<Value> pre = x;
  switch (Kind) {
  case ReduceKind::L1:
    pre = ctx.create<AbsOp>({x});
    break;
  case ReduceKind::L2:
  case ReduceKind::SumSquare:
    pre = ctx.create<MulOp>({x, x});
    break;
  default:
    break;
  }
  if (failed(pre))
    return failure();
  if (Kind == ReduceKind::LogSumExp) {
    // log(sum(exp(x - max))) + max, with max over the same axes kept.
    typename ReduceMaxOp::Properties mp;
    if (*axes)
      mp.axes = ctx.i64Array(**axes);
    mp.keepdims = ctx.boolAttr(true);
    auto max = ctx.create<ReduceMaxOp>({x}, mp);
    if (failed(max))
      return failure();
    auto shifted = ctx.create<SubOp>({x, *max});
    if (failed(shifted))
      return failure();
    auto e = ctx.create<ExpOp>({*shifted});
    if (failed(e))
      return failure();
    auto sum = reduce<ReduceSumOp>(ctx, *e, *axes);
    if (failed(sum))
      return failure();
    auto log = ctx.create<LogOp>({*sum});
    if (failed(log))
      return failure();
    Value m = *max;
    if (ctx.attrInt("keepdims", 1) == 0) {
      auto squeezed = reshapeTo(
          ctx, m, cast<RankedTensorType>((*log).getType()).getShape());
      if (failed(squeezed))
        return failure();
      m = *squeezed;
    }
    return pushResult(ctx.create<AddOp>({*log, m}), outs);
  }
  auto r = reduce<OpTy>(ctx, *pre, *axes);
  if (failed(r))
    return failure();
  if (Kind == ReduceKind::L2)
    return pushResult(ctx.create<SqrtOp>({*r}), outs);
  if (Kind == ReduceKind::LogSum)
    return pushResult(ctx.create<LogOp>({*r}), outs);
  (void)elem;
  return pushResult(r, outs);
}

/// ArgMax/ArgMin; select_last_index=1 runs on the input reversed along the
/// axis and maps the index back (d - 1 - i).
template <typename OpTy>
LogicalResult convertArgReduce(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", 0), x.getRank());
  if (failed(axis))
    return failure();
  typename OpTy::Properties props;
  props.axis = ctx.i64Attr(*axis);
  props.keepdims = ctx.boolAttr(ctx.attrInt("keepdims", 1) != 0);
  if (ctx.attrInt("select_last_index", 0) == 0)
    return pushResult(ctx.create<OpTy>({ctx.input(0)}, props), outs);
  if (x.isDynamicDim(*axis))
    return ctx.unsupported("select_last_index=1 along a symbolic dim");
  SliceOp::Properties sp;
  sp.starts = ctx.i64Array({-1});
  sp.ends = ctx.i64Array({std::numeric_limits<int64_t>::min()});
  sp.axes = ctx.i64Array({*axis});
  sp.steps = ctx.i64Array({-1});
  auto reversed = ctx.create<SliceOp>({ctx.input(0)}, sp);
  if (failed(reversed))
    return failure();
  auto idx = ctx.create<OpTy>({*reversed}, props);
  if (failed(idx))
    return failure();
  Type i64 = ctx.b.getIntegerType(64);
  return pushResult(
      ctx.create<SubOp>({ctx.scalar(i64, x.getDimSize(*axis) - 1), *idx}),
      outs);
}

/// LpNormalization: x / norm_p(x) along axis (p = 1 or 2).
LogicalResult convertLpNorm(NodeContext &ctx, Outs &outs) {
  int64_t p = ctx.attrInt("p", 2);
  if (p != 1 && p != 2)
    return ctx.error() << "p must be 1 or 2", failure();
  Value x = ctx.input(0);
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", -1),
                          ctx.inputType(0).getRank());
  if (failed(axis))
    return failure();
  auto pre = p == 1 ? ctx.create<AbsOp>({x}) : ctx.create<MulOp>({x, x});
  if (failed(pre))
    return failure();
  ReduceSumOp::Properties props;
  props.axes = ctx.i64Array({*axis});
  props.keepdims = ctx.boolAttr(true);
  auto norm = ctx.create<ReduceSumOp>({*pre}, props);
  if (failed(norm))
    return failure();
  if (p == 2) {
    norm = ctx.create<SqrtOp>({*norm});
    if (failed(norm))
      return failure();
  }
  return pushResult(ctx.create<DivOp>({x, *norm}), outs);
}

/// LRN: x / (bias + alpha / size * sum of squares over the channel window)^beta.
/// The window sum is an avg_pool (count_include_pad) of the squares over a
/// [size, 1, ...] window on a [N, 1, C, spatial...] view.
LogicalResult convertLRN(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  if (!x.hasStaticShape() || x.getRank() < 3)
    return ctx.unsupported("LRN on symbolic dims or rank < 3");
  int64_t size = ctx.attrInt("size", 0);
  if (size <= 0)
    return ctx.error() << "size must be positive", failure();
  double alpha = ctx.attrFloat("alpha", 1e-4), beta = ctx.attrFloat("beta", 0.75),
         bias = ctx.attrFloat("bias", 1.0);
  Type elem = x.getElementType();
  auto sq = ctx.create<MulOp>({ctx.input(0), ctx.input(0)});
  if (failed(sq))
    return failure();
  auto view = unsqueeze(ctx, *sq, {1});
  if (failed(view))
    return failure();
  int64_t spatial = x.getRank() - 1; // pooled dims: C and the spatial dims
  AvgPoolOp::Properties props;
  SmallVector<int64_t> kernel(spatial, 1), pads(2 * spatial, 0);
  kernel[0] = size;
  pads[0] = (size - 1) / 2;
  pads[spatial] = size - 1 - (size - 1) / 2;
  props.kernel = ctx.i64Array(kernel);
  props.strides = ctx.i64Array(SmallVector<int64_t>(spatial, 1));
  props.pads = ctx.i64Array(pads);
  props.count_include_pad = ctx.boolAttr(true);
  auto avg = ctx.create<AvgPoolOp>({*view}, props);
  if (failed(avg))
    return failure();
  auto sum = reshapeTo(ctx, *avg, x.getShape());
  if (failed(sum))
    return failure();
  // avg * size = window sum; alpha / size * sum = alpha * avg.
  auto scaled = ctx.create<MulOp>({*sum, ctx.scalar(elem, alpha)});
  if (failed(scaled))
    return failure();
  auto base = ctx.create<AddOp>({*scaled, ctx.scalar(elem, bias)});
  if (failed(base))
    return failure();
  auto den = ctx.create<PowOp>({*base, ctx.scalar(elem, beta)});
  if (failed(den))
    return failure();
  return pushResult(ctx.create<DivOp>({ctx.input(0), *den}), outs);
}

/// A per-axis quantization parameter (1-D, along `axis` of an input of
/// rank `rank`) reshaped to broadcast; scalars stay as they are.
FailureOr<Value> alongAxis(NodeContext &ctx, Value param, int64_t rank) {
  auto type = cast<RankedTensorType>(param.getType());
  if (type.getRank() == 0 || rank == 0)
    return param;
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", 1), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> axes;
  for (int64_t i = 0; i < *axis; ++i)
    axes.push_back(i);
  for (int64_t i = *axis + 1; i < rank; ++i)
    axes.push_back(i);
  return unsqueeze(ctx, param, axes);
}

/// saturate(round_half_even(x / scale) + zero_point) in `out` (u8 or i8).
FailureOr<Value> quantize(NodeContext &ctx, Value x, Value scale, Value zp,
                          Type out) {
  Type f32 = getElementTypeOrSelf(x.getType());
  auto q = ctx.create<DivOp>({x, scale});
  if (failed(q))
    return failure();
  auto r = ctx.create<RoundOp>({*q});
  if (failed(r))
    return failure();
  Value v = *r;
  if (zp) {
    auto zpf = castTo(ctx, zp, f32);
    if (failed(zpf))
      return failure();
    auto sum = ctx.create<AddOp>({v, *zpf});
    if (failed(sum))
      return failure();
    v = *sum;
  }
  ClipOp::Properties props;
  bool isUnsigned = out.isUnsignedInteger();
  props.min = ctx.f64Attr(isUnsigned ? 0 : -128);
  props.max = ctx.f64Attr(isUnsigned ? 255 : 127);
  auto clipped = ctx.create<ClipOp>({v}, props);
  if (failed(clipped))
    return failure();
  return castTo(ctx, *clipped, out);
}

LogicalResult convertQuantizeLinear(NodeContext &ctx, Outs &outs) {
  int64_t rank = ctx.inputType(0).getRank();
  auto scale = alongAxis(ctx, ctx.input(1), rank);
  if (failed(scale))
    return failure();
  Value zp;
  Type out = IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  if (ctx.hasInput(2)) {
    auto z = alongAxis(ctx, ctx.input(2), rank);
    if (failed(z))
      return failure();
    zp = *z;
    out = getElementTypeOrSelf(zp.getType());
  }
  Value x = ctx.input(0);
  Type scaleElem = getElementTypeOrSelf(scale->getType());
  auto xf = castTo(ctx, x, scaleElem);
  if (failed(xf))
    return failure();
  return pushResult(quantize(ctx, *xf, *scale, zp, out), outs);
}

LogicalResult convertDequantizeLinear(NodeContext &ctx, Outs &outs) {
  int64_t rank = ctx.inputType(0).getRank();
  auto scale = alongAxis(ctx, ctx.input(1), rank);
  if (failed(scale))
    return failure();
  Type f = getElementTypeOrSelf(scale->getType());
  auto x = castTo(ctx, ctx.input(0), f);
  if (failed(x))
    return failure();
  Value v = *x;
  if (ctx.hasInput(2)) {
    auto z = alongAxis(ctx, ctx.input(2), rank);
    if (failed(z))
      return failure();
    auto zf = castTo(ctx, *z, f);
    if (failed(zf))
      return failure();
    auto d = ctx.create<SubOp>({v, *zf});
    if (failed(d))
      return failure();
    v = *d;
  }
  return pushResult(ctx.create<MulOp>({v, *scale}), outs);
}

/// DynamicQuantizeLinear: u8 quantization over the range [min(x, 0),
/// max(x, 0)]; outputs y, y_scale and y_zero_point.
LogicalResult convertDynamicQuantizeLinear(NodeContext &ctx, Outs &outs) {
  Value x = ctx.input(0);
  Type f = getElementTypeOrSelf(x.getType());
  Type u8 = IntegerType::get(ctx.getContext(), 8, IntegerType::Unsigned);
  ReduceMinOp::Properties all;
  all.keepdims = ctx.boolAttr(false);
  ReduceMaxOp::Properties allMax;
  allMax.keepdims = ctx.boolAttr(false);
  auto lo = ctx.create<ReduceMinOp>({x}, all);
  auto hi = ctx.create<ReduceMaxOp>({x}, allMax);
  if (failed(lo) || failed(hi))
    return failure();
  auto lo0 = ctx.create<MinOp>({*lo, ctx.scalar(f, 0)});
  auto hi0 = ctx.create<MaxOp>({*hi, ctx.scalar(f, 0)});
  if (failed(lo0) || failed(hi0))
    return failure();
  auto range = ctx.create<SubOp>({*hi0, *lo0});
  if (failed(range))
    return failure();
  auto scale = ctx.create<DivOp>({*range, ctx.scalar(f, 255)});
  if (failed(scale))
    return failure();
  auto negLo = ctx.create<NegOp>({*lo0});
  if (failed(negLo))
    return failure();
  auto zp = quantize(ctx, *negLo, *scale, Value(), u8);
  if (failed(zp))
    return failure();
  auto y = quantize(ctx, x, *scale, *zp, u8);
  if (failed(y))
    return failure();
  outs.append({*y, *scale, *zp});
  return success();
}

/// BatchNormalization in training mode: normalise with the batch's
/// statistics; running_mean/var = input * momentum + batch * (1 - momentum).
LogicalResult batchNormTraining(NodeContext &ctx, Outs &outs) {
  RankedTensorType x = ctx.inputType(0);
  int64_t rank = x.getRank();
  SmallVector<int64_t> axes{0}, chanAxes;
  for (int64_t i = 2; i < rank; ++i) {
    axes.push_back(i);
    chanAxes.push_back(i - 1);
  }
  Type f = x.getElementType();
  double eps = ctx.attrFloat("epsilon", 1e-5);
  double momentum = ctx.attrFloat("momentum", 0.9);
  auto m = moments(ctx, ctx.input(0), axes);
  if (failed(m))
    return failure();
  auto shifted = ctx.create<AddOp>({m->variance, ctx.scalar(f, eps)});
  if (failed(shifted))
    return failure();
  auto inv = ctx.create<RsqrtOp>({*shifted});
  if (failed(inv))
    return failure();
  auto n = ctx.create<MulOp>({m->centered, *inv});
  auto scale = unsqueeze(ctx, ctx.input(1), chanAxes);
  auto bias = unsqueeze(ctx, ctx.input(2), chanAxes);
  if (failed(n) || failed(scale) || failed(bias))
    return failure();
  auto scaled = ctx.create<MulOp>({*n, *scale});
  if (failed(scaled))
    return failure();
  auto y = ctx.create<AddOp>({*scaled, *bias});
  if (failed(y))
    return failure();
  outs.push_back(*y);
  // Per-channel statistics: [C].
  for (auto [stat, running] :
       {std::pair<Value, Value>{m->mean, ctx.input(3)},
        std::pair<Value, Value>{m->variance, ctx.input(4)}}) {
    SqueezeOp::Properties sp;
    SmallVector<int64_t> all(axes);
    sp.axes = ctx.i64Array(all);
    auto flat = ctx.create<SqueezeOp>({stat}, sp);
    if (failed(flat))
      return failure();
    auto a = ctx.create<MulOp>({running, ctx.scalar(f, momentum)});
    auto b = ctx.create<MulOp>({*flat, ctx.scalar(f, 1 - momentum)});
    if (failed(a) || failed(b))
      return failure();
    auto sum = ctx.create<AddOp>({*a, *b});
    if (failed(sum))
      return failure();
    outs.push_back(*sum);
  }
  return success();
}

const OnnxConverter kConverters[] = {
    {"QuantizeLinear", convertQuantizeLinear},
    {"DequantizeLinear", convertDequantizeLinear},
    {"DynamicQuantizeLinear", convertDynamicQuantizeLinear},
    {"MatMul", convertMatMul},
    {"Gemm", convertGemm},
    {"Conv", convertConv<ConvOp>},
    {"ConvTranspose", convertConv<ConvTransposeOp>},
    {"MaxPool", convertPool<MaxPoolOp>},
    {"AveragePool", convertPool<AvgPoolOp>},
    {"GlobalAveragePool", convertPlain<GlobalAvgPoolOp>},
    {"GlobalMaxPool", convertPlain<GlobalMaxPoolOp>},
    {"BatchNormalization", convertBatchNorm},
    {"LayerNormalization", convertLayerNorm},
    {"InstanceNormalization", convertInstanceNorm},
    {"MeanVarianceNormalization", convertMVN},
    {"LpNormalization", convertLpNorm},
    {"LRN", convertLRN},
    {"Softmax", convertSoftmaxLike<SoftmaxOp>},
    {"LogSoftmax", convertSoftmaxLike<LogSoftmaxOp>},
    {"Hardmax", convertSoftmaxLike<ArgMaxOp>},
    {"ReduceSum", convertReduce<ReduceSumOp>},
    {"ReduceMean", convertReduce<ReduceMeanOp>},
    {"ReduceMax", convertReduce<ReduceMaxOp>},
    {"ReduceMin", convertReduce<ReduceMinOp>},
    {"ReduceProd", convertReduce<ReduceProdOp>},
    {"ReduceL1", convertReduce<ReduceSumOp, ReduceKind::L1>},
    {"ReduceL2", convertReduce<ReduceSumOp, ReduceKind::L2>},
    {"ReduceLogSum", convertReduce<ReduceSumOp, ReduceKind::LogSum>},
    {"ReduceLogSumExp", convertReduce<ReduceSumOp, ReduceKind::LogSumExp>},
    {"ReduceSumSquare", convertReduce<ReduceSumOp, ReduceKind::SumSquare>},
    {"ArgMax", convertArgReduce<ArgMaxOp>},
    {"ArgMin", convertArgReduce<ArgMinOp>},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::nnConverters() { return kConverters; }
