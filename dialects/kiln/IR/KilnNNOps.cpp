//===- KilnNNOps.cpp - matmul, reductions, nn ops ---------------*- C++ -*-===//
#include "KilnOpsUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::detail;

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RankedTensorType at = tensorOf(adaptor.getA()), bt = tensorOf(adaptor.getB());
  if (at.getRank() == 0 || bt.getRank() == 0)
    return emitInferError(loc, "matmul operands must have rank >= 1");
  if ((adaptor.getTransposeA() && at.getRank() < 2) ||
      (adaptor.getTransposeB() && bt.getRank() < 2))
    return emitInferError(loc, "transpose_a/transpose_b need an operand of "
                               "rank >= 2");
  SmallVector<int64_t> a(at.getShape()), b(bt.getShape());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), 1);
  if (promoteB)
    b.push_back(1);
  if (adaptor.getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (adaptor.getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  int64_t k1 = a.back(), k2 = b[b.size() - 2];
  if (k1 != k2)
    return emitInferError(
        loc, "contraction dimensions differ: " + shapeStr(at.getShape()) +
                 " x " + shapeStr(bt.getShape()));
  auto batch = broadcastShapes(ArrayRef<int64_t>(a).drop_back(2),
                               ArrayRef<int64_t>(b).drop_back(2));
  if (failed(batch))
    return emitInferError(
        loc, "batch dimensions of " + shapeStr(at.getShape()) + " and " +
                 shapeStr(bt.getShape()) + " cannot be broadcast together");
  SmallVector<int64_t> shape(*batch);
  if (!promoteA)
    shape.push_back(a[a.size() - 2]);
  if (!promoteB)
    shape.push_back(b.back());
  inferred.push_back(RankedTensorType::get(shape, at.getElementType()));
  return success();
}

LogicalResult
MatmulOp::inferSymbolicShapes(SymShapeFn shapeOf,
                              SmallVectorImpl<SymShape> &results) {
  SymShape a = shapeOf(getA()), b = shapeOf(getB());
  bool promoteA = a.size() == 1, promoteB = b.size() == 1;
  if (promoteA)
    a.insert(a.begin(), SymDim::constant(1));
  if (promoteB)
    b.push_back(SymDim::constant(1));
  if (getTransposeA())
    std::swap(a[a.size() - 1], a[a.size() - 2]);
  if (getTransposeB())
    std::swap(b[b.size() - 1], b[b.size() - 2]);
  if (a.back() != b[b.size() - 2])
    return emitOpError("contraction dimensions ")
           << a.back().str() << " and " << b[b.size() - 2].str()
           << " are not provably equal";
  auto batch = symBroadcast(*this, ArrayRef<SymDim>(a).drop_back(2),
                            ArrayRef<SymDim>(b).drop_back(2));
  if (failed(batch))
    return failure();
  SymShape r = *batch;
  if (!promoteA)
    r.push_back(a[a.size() - 2]);
  if (!promoteB)
    r.push_back(b.back());
  results.push_back(std::move(r));
  return success();
}
//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

static FailureOr<SmallVector<int64_t>>
normalizeAxes(std::optional<ArrayRef<int64_t>> axes, int64_t rank,
              std::optional<Location> loc) {
  SmallVector<int64_t> result;
  if (!axes) {
    for (int64_t i = 0; i < rank; ++i)
      result.push_back(i);
    return result;
  }
  for (int64_t axis : *axes) {
    auto n = normalizeAxis(axis, rank);
    if (failed(n))
      return emitInferError(loc, "axis " + Twine(axis) +
                                     " is out of range for rank " +
                                     Twine(rank));
    if (llvm::is_contained(result, *n))
      return emitInferError(loc, "axis " + Twine(axis) + " is repeated");
    result.push_back(*n);
  }
  llvm::sort(result);
  return result;
}

/// `extremum` names reduce_max/reduce_min, which have no identity: reducing
/// a (statically) empty axis into a non-empty result is an error, as in
/// NumPy and the interpreter.
static LogicalResult inferReduce(std::optional<Location> loc, Value x,
                                 std::optional<ArrayRef<int64_t>> axes,
                                 bool keepdims, const char *extremum,
                                 SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(x);
  auto norm = normalizeAxes(axes, xt.getRank(), loc);
  if (failed(norm))
    return failure();
  if (extremum) {
    bool emptyAxis = false, emptyResult = false;
    for (int64_t i = 0; i < xt.getRank(); ++i) {
      bool zero = xt.getDimSize(i) == 0;
      (llvm::is_contained(*norm, i) ? emptyAxis : emptyResult) |= zero;
    }
    if (emptyAxis && !emptyResult)
      return emitInferError(loc, Twine(extremum) + " over an empty axis of " +
                                     shapeStr(xt.getShape()) +
                                     " has no identity");
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < xt.getRank(); ++i) {
    if (!llvm::is_contained(*norm, i))
      shape.push_back(xt.getDimSize(i));
    else if (keepdims)
      shape.push_back(1);
  }
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

#define KILN_REDUCE(OP, EXTREMUM)                                              \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferReduce(loc, adaptor.getX(), adaptor.getAxes(),                 \
                       adaptor.getKeepdims(), EXTREMUM, inferred);             \
  }                                                                            \
  SmallVector<int64_t> OP::getNormalizedAxes() {                               \
    return *normalizeAxes(getAxes(), getX().getType().getRank(),               \
                          std::nullopt);                                       \
  }
KILN_REDUCE(ReduceSumOp, nullptr)
KILN_REDUCE(ReduceMeanOp, nullptr)
KILN_REDUCE(ReduceMaxOp, "reduce_max")
KILN_REDUCE(ReduceMinOp, "reduce_min")
KILN_REDUCE(ReduceProdOp, nullptr)
#undef KILN_REDUCE

LogicalResult
mlir::kiln::inferReduceSymbolicShapes(Operation *op, ArrayRef<int64_t> axes,
                                      bool keepdims, SymShapeFn shapeOf,
                                      SmallVectorImpl<SymShape> &results) {
  SymShape r;
  for (auto [i, d] : llvm::enumerate(shapeOf(op->getOperand(0)))) {
    if (!llvm::is_contained(axes, (int64_t)i))
      r.push_back(d);
    else if (keepdims)
      r.push_back(SymDim::constant(1));
  }
  results.push_back(std::move(r));
  return success();
}
//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getX().getType().getRank();
  int64_t axis = getAxisAttr().getInt(); // getAxis() is unsigned
  if (failed(normalizeAxis(axis, rank)))
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

//===----------------------------------------------------------------------===//
// Window geometry (conv, conv_transpose, pooling)
//===----------------------------------------------------------------------===//

namespace {
enum class WindowKind { Conv, ConvTranspose, Pool };

/// Attribute values after defaults and auto_pad, and the output spatial sizes.
struct Window {
  SmallVector<int64_t> strides, dilations, pads, outputPadding, out;
};

/// Reads an optional list attribute of `size` entries, each >= `min`.
LogicalResult readList(std::optional<Location> loc, StringRef name,
                       std::optional<ArrayRef<int64_t>> list, size_t size,
                       int64_t min, int64_t dflt,
                       SmallVectorImpl<int64_t> &out) {
  if (!list) {
    out.assign(size, dflt);
    return success();
  }
  if (list->size() != size)
    return emitInferError(loc, "'" + name + "' must have " + Twine(size) +
                                   " entries, got " + Twine(list->size()));
  for (int64_t v : *list)
    if (v < min)
      return emitInferError(loc, "'" + name + "' entries must be >= " +
                                     Twine(min) + ", got " + Twine(v));
  out.assign(list->begin(), list->end());
  return success();
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// ONNX's output sizes and pads for a window op over the static spatial
/// sizes `in` and kernel sizes `kernel`.
FailureOr<Window> resolveWindow(std::optional<Location> loc, WindowKind kind,
                                ArrayRef<int64_t> in, ArrayRef<int64_t> kernel,
                                std::optional<ArrayRef<int64_t>> strides,
                                std::optional<ArrayRef<int64_t>> pads,
                                std::optional<ArrayRef<int64_t>> dilations,
                                std::optional<ArrayRef<int64_t>> outputPadding,
                                StringRef autoPad, bool ceilMode) {
  size_t r = in.size();
  Window w;
  if (failed(readList(loc, "strides", strides, r, 1, 1, w.strides)) ||
      failed(readList(loc, "dilations", dilations, r, 1, 1, w.dilations)) ||
      failed(readList(loc, "pads", pads, 2 * r, 0, 0, w.pads)) ||
      failed(readList(loc, "output_padding", outputPadding, r, 0, 0,
                      w.outputPadding)))
    return failure();
  if (autoPad != "NOTSET" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER" && autoPad != "VALID")
    return emitInferError(loc, "'auto_pad' must be one of \"NOTSET\", "
                               "\"SAME_UPPER\", \"SAME_LOWER\", \"VALID\"; "
                               "got \"" +
                                   autoPad + "\"");
  if (autoPad != "NOTSET" && pads)
    return emitInferError(loc, "'pads' cannot be combined with auto_pad \"" +
                                   autoPad + "\"");
  for (size_t i = 0; i < r; ++i) {
    if (w.outputPadding[i] >= std::max(w.strides[i], w.dilations[i]))
      return emitInferError(loc, "'output_padding' entry " + Twine(i) + " (" +
                                     Twine(w.outputPadding[i]) +
                                     ") must be smaller than the stride or "
                                     "the dilation");
    int64_t s = w.strides[i], eff = (kernel[i] - 1) * w.dilations[i] + 1;
    int64_t &pb = w.pads[i], &pe = w.pads[r + i];
    bool same = autoPad.starts_with("SAME");
    int64_t o;
    if (kind == WindowKind::ConvTranspose) {
      int64_t full = s * (in[i] - 1) + w.outputPadding[i] + eff;
      if (same) {
        // The total may be negative (a short kernel with a large stride);
        // halves round toward -inf as in ONNX's reference (Python's //).
        int64_t total = full - in[i] * s;
        int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
        pb = autoPad == "SAME_UPPER" ? half : total - half;
        pe = total - pb;
      }
      o = full - pb - pe;
      if (o < 1)
        return emitInferError(loc, "pads " + Twine(pb) + " + " + Twine(pe) +
                                       " leave no output in spatial "
                                       "dimension " +
                                       Twine(i));
    } else {
      if (same) {
        int64_t total =
            std::max<int64_t>(0, (ceilDiv(in[i], s) - 1) * s + eff - in[i]);
        pb = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        pe = total - pb;
      }
      int64_t span = in[i] + pb + pe;
      if (span < eff)
        return emitInferError(loc, "the window (" + Twine(eff) +
                                       " with dilation) is "
                                       "larger than the padded input (" +
                                       Twine(span) + ") in spatial dimension " +
                                       Twine(i));
      o = (ceilMode ? ceilDiv(span - eff, s) : (span - eff) / s) + 1;
      // ONNX drops a last ceil_mode window that starts in the end padding.
      if (ceilMode && (o - 1) * s >= in[i] + pb)
        --o;
    }
    w.out.push_back(o);
  }
  return w;
}

/// Checks the layout shared by conv and pooling inputs: [N, C, D1..Dr] with
/// 1 <= r <= 3 and static spatial dims (and C when `staticChannels`).
LogicalResult checkWindowInput(std::optional<Location> loc, RankedTensorType xt,
                               bool staticChannels) {
  if (xt.getRank() < 3 || xt.getRank() > 5)
    return emitInferError(loc, "x must be [N, C, D...] with 1 to 3 spatial "
                               "dimensions, got rank " +
                                   Twine(xt.getRank()));
  for (int64_t i = staticChannels ? 1 : 2; i < xt.getRank(); ++i)
    if (xt.isDynamicDim(i))
      return emitInferError(loc, Twine(i == 1 ? "the channel" : "spatial") +
                                     " dimensions of x must be static, got " +
                                     shapeStr(xt.getShape()));
  return success();
}

/// Checks w and bias of conv / conv_transpose; returns the output channels.
/// `perGroupDim` is the dimension of w that holds C/groups (1 for conv,
/// 0 holds all of C for conv_transpose).
FailureOr<int64_t> checkConvOperands(std::optional<Location> loc,
                                     bool transpose, RankedTensorType xt,
                                     RankedTensorType wt, Value bias,
                                     int64_t groups) {
  if (failed(checkWindowInput(loc, xt, /*staticChannels=*/true)))
    return failure();
  if (wt.getRank() != xt.getRank())
    return emitInferError(
        loc, "kernel rank mismatch: w " + shapeStr(wt.getShape()) +
                 " must have the rank of x " + shapeStr(xt.getShape()));
  if (wt.getElementType() != xt.getElementType())
    return emitInferError(loc, "w must have the element type of x");
  if (!wt.hasStaticShape())
    return emitInferError(loc, "w must have a static shape, got " +
                                   shapeStr(wt.getShape()));
  int64_t c = xt.getDimSize(1);
  if (groups < 1)
    return emitInferError(loc, "'groups' must be >= 1, got " + Twine(groups));
  if (c % groups != 0)
    return emitInferError(loc, "groups (" + Twine(groups) +
                                   ") does not divide the " + Twine(c) +
                                   " input channels");
  int64_t m;
  if (!transpose) {
    if (wt.getDimSize(1) * groups != c)
      return emitInferError(loc, "channel mismatch: x has " + Twine(c) +
                                     " channels, w " + shapeStr(wt.getShape()) +
                                     " expects " + Twine(wt.getDimSize(1)) +
                                     " x " + Twine(groups) + " groups");
    m = wt.getDimSize(0);
    if (m % groups != 0)
      return emitInferError(loc, "groups (" + Twine(groups) +
                                     ") does not divide the " + Twine(m) +
                                     " output channels");
  } else {
    if (wt.getDimSize(0) != c)
      return emitInferError(loc, "channel mismatch: x has " + Twine(c) +
                                     " channels, w " + shapeStr(wt.getShape()) +
                                     " has " + Twine(wt.getDimSize(0)));
    m = wt.getDimSize(1) * groups;
  }
  for (int64_t k : wt.getShape().drop_front(2))
    if (k < 1)
      return emitInferError(loc, "kernel sizes must be >= 1, got w " +
                                     shapeStr(wt.getShape()));
  if (bias) {
    auto bt = tensorOf(bias);
    if (bt.getElementType() != xt.getElementType())
      return emitInferError(loc, "bias must have the element type of x");
    if (bt.getRank() != 1 || bt.getDimSize(0) != m)
      return emitInferError(loc, "bias must be [" + Twine(m) + "], got " +
                                     shapeStr(bt.getShape()));
  }
  return m;
}

template <typename OpAdaptor>
FailureOr<Window> convWindow(std::optional<Location> loc, OpAdaptor adaptor,
                             bool transpose,
                             std::optional<ArrayRef<int64_t>> outputPadding) {
  RankedTensorType xt = tensorOf(adaptor.getX()), wt = tensorOf(adaptor.getW());
  return resolveWindow(
      loc, transpose ? WindowKind::ConvTranspose : WindowKind::Conv,
      xt.getShape().drop_front(2), wt.getShape().drop_front(2),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations(),
      outputPadding, adaptor.getAutoPad(), false);
}

SmallVector<SymDim, 4> batchThenStatic(SymShapeFn shapeOf, Value x,
                                       RankedTensorType result,
                                       int64_t symbolicLeading) {
  SymShape r;
  const SymShape &xs = shapeOf(x);
  for (int64_t i = 0; i < result.getRank(); ++i)
    r.push_back(i < symbolicLeading ? xs[i]
                                    : SymDim::constant(result.getDimSize(i)));
  return r;
}
} // namespace

//===----------------------------------------------------------------------===//
// ConvOp, ConvTransposeOp
//===----------------------------------------------------------------------===//

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX()), wt = tensorOf(adaptor.getW());
  auto m = checkConvOperands(loc, false, xt, wt, adaptor.getBias(),
                             adaptor.getGroups());
  if (failed(m))
    return failure();
  auto w = convWindow(loc, adaptor, false, std::nullopt);
  if (failed(w))
    return failure();
  SmallVector<int64_t> shape = {xt.getDimSize(0), *m};
  shape.append(w->out);
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

LogicalResult
ConvTransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                  Adaptor adaptor,
                                  SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX()), wt = tensorOf(adaptor.getW());
  auto m = checkConvOperands(loc, true, xt, wt, adaptor.getBias(),
                             adaptor.getGroups());
  if (failed(m))
    return failure();
  auto w = convWindow(loc, adaptor, true, adaptor.getOutputPadding());
  if (failed(w))
    return failure();
  SmallVector<int64_t> shape = {xt.getDimSize(0), *m};
  shape.append(w->out);
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

#define KILN_CONV_GETTERS(OP, TRANSPOSE, OUTPAD)                               \
  SmallVector<int64_t> OP::getStrideValues() {                                 \
    return convWindow(std::nullopt, Adaptor(*this), TRANSPOSE, OUTPAD)         \
        ->strides;                                                             \
  }                                                                            \
  SmallVector<int64_t> OP::getDilationValues() {                               \
    return convWindow(std::nullopt, Adaptor(*this), TRANSPOSE, OUTPAD)         \
        ->dilations;                                                           \
  }                                                                            \
  SmallVector<int64_t> OP::getPadValues() {                                    \
    return convWindow(std::nullopt, Adaptor(*this), TRANSPOSE, OUTPAD)->pads;  \
  }                                                                            \
  LogicalResult OP::inferSymbolicShapes(SymShapeFn shapeOf,                    \
                                        SmallVectorImpl<SymShape> &results) {  \
    results.push_back(batchThenStatic(shapeOf, getX(), getType(), 1));         \
    return success();                                                          \
  }
KILN_CONV_GETTERS(ConvOp, false, std::nullopt)
KILN_CONV_GETTERS(ConvTransposeOp, true, getOutputPadding())
#undef KILN_CONV_GETTERS

SmallVector<int64_t> ConvTransposeOp::getOutputPaddingValues() {
  return convWindow(std::nullopt, Adaptor(*this), true, getOutputPadding())
      ->outputPadding;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

static FailureOr<Window> poolWindow(std::optional<Location> loc, Value x,
                                    ArrayRef<int64_t> kernel,
                                    std::optional<ArrayRef<int64_t>> strides,
                                    std::optional<ArrayRef<int64_t>> pads,
                                    std::optional<ArrayRef<int64_t>> dilations,
                                    bool ceilMode) {
  RankedTensorType xt = tensorOf(x);
  if (failed(checkWindowInput(loc, xt, /*staticChannels=*/false)))
    return failure();
  ArrayRef<int64_t> in = xt.getShape().drop_front(2);
  if (kernel.size() != in.size())
    return emitInferError(loc, "kernel rank mismatch: 'kernel' has " +
                                   Twine(kernel.size()) + " entries, x " +
                                   shapeStr(xt.getShape()) + " has " +
                                   Twine(in.size()) + " spatial dimensions");
  for (int64_t k : kernel)
    if (k < 1)
      return emitInferError(loc,
                            "'kernel' entries must be >= 1, got " + Twine(k));
  return resolveWindow(loc, WindowKind::Pool, in, kernel, strides, pads,
                       dilations, std::nullopt, "NOTSET", ceilMode);
}

static LogicalResult inferPool(std::optional<Location> loc, FailureOr<Window> w,
                               Value x, SmallVectorImpl<Type> &inferred) {
  if (failed(w))
    return failure();
  RankedTensorType xt = tensorOf(x);
  SmallVector<int64_t> shape = {xt.getDimSize(0), xt.getDimSize(1)};
  shape.append(w->out);
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferPool(loc,
                   poolWindow(loc, adaptor.getX(), adaptor.getKernel(),
                              adaptor.getStrides(), adaptor.getPads(),
                              adaptor.getDilations(), adaptor.getCeilMode()),
                   adaptor.getX(), inferred);
}

LogicalResult AvgPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  return inferPool(loc,
                   poolWindow(loc, adaptor.getX(), adaptor.getKernel(),
                              adaptor.getStrides(), adaptor.getPads(),
                              std::nullopt, adaptor.getCeilMode()),
                   adaptor.getX(), inferred);
}

#define KILN_POOL_GETTERS(OP, DILATIONS)                                       \
  SmallVector<int64_t> OP::getStrideValues() {                                 \
    return poolWindow(std::nullopt, getX(), getKernel(), getStrides(),         \
                      getPads(), DILATIONS, getCeilMode())                     \
        ->strides;                                                             \
  }                                                                            \
  SmallVector<int64_t> OP::getDilationValues() {                               \
    return poolWindow(std::nullopt, getX(), getKernel(), getStrides(),         \
                      getPads(), DILATIONS, getCeilMode())                     \
        ->dilations;                                                           \
  }                                                                            \
  SmallVector<int64_t> OP::getPadValues() {                                    \
    return poolWindow(std::nullopt, getX(), getKernel(), getStrides(),         \
                      getPads(), DILATIONS, getCeilMode())                     \
        ->pads;                                                                \
  }                                                                            \
  LogicalResult OP::inferSymbolicShapes(SymShapeFn shapeOf,                    \
                                        SmallVectorImpl<SymShape> &results) {  \
    results.push_back(batchThenStatic(shapeOf, getX(), getType(), 2));         \
    return success();                                                          \
  }
KILN_POOL_GETTERS(MaxPoolOp, getDilations())
KILN_POOL_GETTERS(AvgPoolOp, std::nullopt)
#undef KILN_POOL_GETTERS

static LogicalResult inferGlobalPool(std::optional<Location> loc, Value x,
                                     SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(x);
  if (xt.getRank() < 3)
    return emitInferError(loc, "x must be [N, C, D...] with at least one "
                               "spatial dimension, got rank " +
                                   Twine(xt.getRank()));
  SmallVector<int64_t> shape(xt.getShape());
  for (int64_t i = 2; i < xt.getRank(); ++i)
    shape[i] = 1;
  inferred.push_back(RankedTensorType::get(shape, xt.getElementType()));
  return success();
}

#define KILN_GLOBAL_POOL(OP)                                                   \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferGlobalPool(loc, adaptor.getX(), inferred);                     \
  }                                                                            \
  LogicalResult OP::inferSymbolicShapes(SymShapeFn shapeOf,                    \
                                        SmallVectorImpl<SymShape> &results) {  \
    results.push_back(batchThenStatic(shapeOf, getX(), getType(), 2));         \
    return success();                                                          \
  }
KILN_GLOBAL_POOL(GlobalAvgPoolOp)
KILN_GLOBAL_POOL(GlobalMaxPoolOp)
#undef KILN_GLOBAL_POOL

//===----------------------------------------------------------------------===//
// argmax / argmin
//===----------------------------------------------------------------------===//

static LogicalResult inferArgReduce(MLIRContext *ctx,
                                    std::optional<Location> loc, Value x,
                                    int64_t axis, bool keepdims,
                                    SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(x);
  auto a = normalizeAxis(axis, xt.getRank());
  if (failed(a))
    return emitInferError(loc, "axis " + Twine(axis) +
                                   " is out of range for rank " +
                                   Twine(xt.getRank()));
  if (xt.getDimSize(*a) == 0)
    return emitInferError(loc, "the reduced axis " + Twine(axis) +
                                   " is empty: there is no index to return");
  SmallVector<int64_t> shape(xt.getShape());
  if (keepdims)
    shape[*a] = 1;
  else
    shape.erase(shape.begin() + *a);
  inferred.push_back(RankedTensorType::get(shape, IntegerType::get(ctx, 64)));
  return success();
}

#define KILN_ARG_REDUCE(OP)                                                    \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *ctx, std::optional<Location> loc, Adaptor adaptor,          \
      SmallVectorImpl<Type> &inferred) {                                       \
    return inferArgReduce(ctx, loc, adaptor.getX(),                            \
                          adaptor.getAxisAttr().getInt(),                      \
                          adaptor.getKeepdims(), inferred);                    \
  }                                                                            \
  int64_t OP::getNormalizedAxis() {                                            \
    return *normalizeAxis(getAxisAttr().getInt(), getX().getType().getRank()); \
  }                                                                            \
  LogicalResult OP::inferSymbolicShapes(SymShapeFn shapeOf,                    \
                                        SmallVectorImpl<SymShape> &results) {  \
    return inferReduceSymbolicShapes(*this, {getNormalizedAxis()},             \
                                     getKeepdims(), shapeOf, results);         \
  }
KILN_ARG_REDUCE(ArgMaxOp)
KILN_ARG_REDUCE(ArgMinOp)
#undef KILN_ARG_REDUCE

//===----------------------------------------------------------------------===//
// log_softmax, layer_norm, batch_norm
//===----------------------------------------------------------------------===//

LogicalResult LogSoftmaxOp::verify() {
  int64_t rank = getX().getType().getRank();
  int64_t axis = getAxisAttr().getInt();
  if (failed(normalizeAxis(axis, rank)))
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  int64_t axis = adaptor.getAxisAttr().getInt();
  auto a = normalizeAxis(axis, xt.getRank());
  if (failed(a))
    return emitInferError(loc, "axis " + Twine(axis) +
                                   " is out of range for rank " +
                                   Twine(xt.getRank()));
  if (adaptor.getEpsilon().convertToDouble() < 0)
    return emitInferError(loc, "epsilon must be >= 0");
  ArrayRef<int64_t> normalized = xt.getShape().drop_front(*a);
  std::pair<StringRef, Value> params[] = {{"scale", adaptor.getScale()},
                                          {"bias", adaptor.getBias()}};
  for (auto [name, v] : params) {
    if (tensorOf(v).getElementType() != xt.getElementType())
      return emitInferError(loc, name + " must have the element type of x");
    ArrayRef<int64_t> s = tensorOf(v).getShape();
    auto b = broadcastShapes(s, normalized);
    if (s.size() > normalized.size() || failed(b) ||
        ArrayRef<int64_t>(*b) != normalized)
      return emitInferError(loc, name + " " + shapeStr(s) +
                                     " does not broadcast to the normalized "
                                     "dimensions " +
                                     shapeStr(normalized));
  }
  inferred.push_back(xt);
  return success();
}

LogicalResult
LayerNormOp::inferSymbolicShapes(SymShapeFn shapeOf,
                                 SmallVectorImpl<SymShape> &results) {
  // The types cannot tell two dynamic dims apart; the symbols can, and
  // compiled code indexes scale/bias with x's sizes.
  const SymShape &xs = shapeOf(getX());
  ArrayRef<SymDim> normalized =
      ArrayRef<SymDim>(xs).drop_front(getNormalizedAxis());
  for (Value v : {getScale(), getBias()}) {
    auto b = symBroadcast(*this, shapeOf(v), normalized);
    if (failed(b))
      return failure();
    if (ArrayRef<SymDim>(*b) != normalized)
      return emitOpError("scale and bias must broadcast to the normalized "
                         "dimensions ")
             << symShapeStr(normalized) << ", got " << symShapeStr(shapeOf(v));
  }
  results.push_back(xs);
  return success();
}

int64_t LayerNormOp::getNormalizedAxis() {
  return *normalizeAxis(getAxisAttr().getInt(), getX().getType().getRank());
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RankedTensorType xt = tensorOf(adaptor.getX());
  if (xt.getRank() < 2)
    return emitInferError(loc, "x must be [N, C, ...] (rank >= 2), got " +
                                   shapeStr(xt.getShape()));
  if (adaptor.getEpsilon().convertToDouble() < 0)
    return emitInferError(loc, "epsilon must be >= 0");
  int64_t c = xt.getDimSize(1);
  // A dynamic C could differ from the parameters' length at run time.
  if (ShapedType::isDynamic(c))
    return emitInferError(loc, "the channel dimension of x must be static, "
                               "got " +
                                   shapeStr(xt.getShape()));
  std::pair<StringRef, Value> params[] = {{"scale", adaptor.getScale()},
                                          {"bias", adaptor.getBias()},
                                          {"mean", adaptor.getMean()},
                                          {"var", adaptor.getVar()}};
  for (auto [name, v] : params) {
    if (tensorOf(v).getElementType() != xt.getElementType())
      return emitInferError(loc, name + " must have the element type of x");
    ArrayRef<int64_t> s = tensorOf(v).getShape();
    if (s.size() != 1 || s[0] != c)
      return emitInferError(loc, name + " must be [C] with C = " + Twine(c) +
                                     " (dimension 1 of x), got " + shapeStr(s));
  }
  inferred.push_back(xt);
  return success();
}
