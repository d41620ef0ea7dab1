//===- OnnxOpsUtils.h - helpers shared by the ONNX converters ----*- C++ -*-===//
#ifndef KILN_LIB_FRONTEND_ONNX_ONNXOPSUTILS_H
#define KILN_LIB_FRONTEND_ONNX_ONNXOPSUTILS_H

#include "OnnxOps.h"

#include "mlir/IR/TypeUtilities.h"

namespace mlir::kiln::onnx_frontend {

inline LogicalResult pushResult(FailureOr<Value> v,
                                SmallVectorImpl<Value> &outs) {
  if (failed(v))
    return failure();
  outs.push_back(*v);
  return success();
}

/// `v` converted to element type `elem` (itself when it already has it).
inline FailureOr<Value> castTo(NodeContext &ctx, Value v, Type elem) {
  if (getElementTypeOrSelf(v.getType()) == elem)
    return v;
  CastOp::Properties props;
  props.to = TypeAttr::get(elem);
  return ctx.create<CastOp>({v}, props);
}

/// `v` reshaped to the static `shape`.
inline FailureOr<Value> reshapeTo(NodeContext &ctx, Value v,
                                  ArrayRef<int64_t> shape) {
  if (cast<RankedTensorType>(v.getType()).getShape() == shape)
    return v;
  ReshapeOp::Properties props;
  props.shape = ctx.i64Array(shape);
  return ctx.create<ReshapeOp>({v}, props);
}

/// `v` with `axes` (of the result) inserted as size-1 dims.
inline FailureOr<Value> unsqueeze(NodeContext &ctx, Value v,
                                  ArrayRef<int64_t> axes) {
  if (axes.empty())
    return v;
  UnsqueezeOp::Properties props;
  props.axes = ctx.i64Array(axes);
  return ctx.create<UnsqueezeOp>({v}, props);
}

inline FailureOr<Value> transpose(NodeContext &ctx, Value v,
                                  ArrayRef<int64_t> perm) {
  TransposeOp::Properties props;
  props.perm = ctx.i64Array(perm);
  return ctx.create<TransposeOp>({v}, props);
}

/// Inputs 0 and 1 of a binary op. Before opset 7, `broadcast=1` with an
/// `axis` aligns the second operand's dims at `axis` of the first; this
/// appends the trailing unit dims that make NumPy broadcasting do the same.
inline FailureOr<SmallVector<Value>> legacyBroadcastOperands(NodeContext &ctx) {
  Value a = ctx.input(0), b = ctx.input(1);
  if (ctx.opset < 7 && ctx.attrInt("broadcast", 0) != 0 &&
      ctx.hasAttr("axis")) {
    int64_t ra = ctx.inputType(0).getRank(), rb = ctx.inputType(1).getRank();
    int64_t axis = ctx.attrInt("axis", 0);
    if (axis < 0)
      axis += ra;
    SmallVector<int64_t> axes;
    for (int64_t i = rb; i < ra - axis; ++i)
      axes.push_back(i);
    auto bb = unsqueeze(ctx, b, axes);
    if (failed(bb))
      return failure();
    b = *bb;
  }
  return SmallVector<Value>{a, b};
}

/// Normalises a possibly negative axis for rank `rank`; reports an error
/// naming `what` when it is out of range.
inline FailureOr<int64_t> checkedAxis(NodeContext &ctx, int64_t axis,
                                      int64_t rank, StringRef what = "axis") {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    ctx.error() << what << " " << axis << " is out of range for rank "
                << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

} // namespace mlir::kiln::onnx_frontend

#endif // KILN_LIB_FRONTEND_ONNX_ONNXOPSUTILS_H
