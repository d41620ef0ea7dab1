//===- OnnxOpsShape.cpp - shapes, layouts, constants ------------*- C++ -*-===//
//
// ONNX shape and data-movement ops onto kiln ops (see OnnxOps.h). Inputs that
// kiln takes as attributes (Reshape's shape, Slice's starts, Pad's pads, ...)
// must be compile-time constants; shape computations on known shapes fold to
// constants as they are imported, so exported models meet that.
//
//===----------------------------------------------------------------------===//
#include "OnnxImporterImpl.h"
#include "OnnxOps.h"
#include "OnnxOpsUtils.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::onnx_frontend;

namespace {

using Outs = SmallVectorImpl<Value>;

HostTensor hostI64(ArrayRef<int64_t> values, ArrayRef<int64_t> shape) {
  HostTensor t;
  t.dtype = KILN_DTYPE_I64;
  t.shape.assign(shape.begin(), shape.end());
  t.bytes.resize(values.size() * 8);
  memcpy(t.bytes.data(), values.data(), values.size() * 8);
  return t;
}

/// The integer list from attribute `name` before opset `inputOpset`, from
/// input `input` from then on; nullopt when neither is given.
FailureOr<std::optional<SmallVector<int64_t>>>
attrOrInput(NodeContext &ctx, StringRef name, unsigned input,
            int64_t inputOpset) {
  if (ctx.opset < inputOpset)
    return ctx.attrInts(name);
  if (!ctx.hasInput(input))
    return std::optional<SmallVector<int64_t>>();
  auto values = ctx.constInts(input);
  if (failed(values))
    return failure();
  return std::optional<SmallVector<int64_t>>(*values);
}

/// Reshape to a shape computed from symbolic dims: each entry equal to the
/// input's dim at the same position becomes 0 (copy); one other symbolic
/// entry becomes -1 when the element count says it is exactly that.
LogicalResult reshapeSymbolic(NodeContext &ctx, Outs &outs,
                              const ModelImporter::ShapeValue &target) {
  ModelImporter &model = ctx.getImporter().model;
  const SymShape &in = model.symShape(ctx.input(0));
  auto cannot = [&](const Twine &why) {
    return ctx.unsupported(why + " (input shape " + symShapeStr(in) +
                           "; pin the model's inputs with --shape)");
  };
  // Entries as dims: 0 copies the input's dim; -1 stays open.
  SmallVector<std::optional<SymDim>> dims;
  int64_t literalOpen = -1;
  for (auto [i, d] : llvm::enumerate(target.elems)) {
    if (d.isStatic() && d.factor == -1) {
      if (literalOpen >= 0)
        return ctx.error() << "shape has more than one -1", failure();
      literalOpen = i;
      dims.push_back(std::nullopt);
    } else if (d.isStatic() && d.factor == 0) {
      if (i >= in.size())
        return ctx.error() << "shape entry " << i
                           << " is 0 past the input's rank",
               failure();
      dims.push_back(in[i]);
    } else {
      dims.push_back(d);
    }
  }
  SymDim total = symProduct(in);
  if (literalOpen >= 0) {
    // Resolve the -1 when the other entries determine it.
    SymDim others = SymDim::constant(1);
    for (auto &d : dims)
      if (d)
        others = others * *d;
    std::optional<SymDim> rest = total.divide(others);
    if (!rest)
      return cannot("a shape " + symShapeStr(target.elems) +
                    " that does not divide the input");
    dims[literalOpen] = *rest;
  }
  // Static entries as they are, symbolic ones equal to the input's dim at
  // the same position as 0, and one other symbolic entry as -1.
  SmallVector<int64_t> shape;
  int64_t open = -1;
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d->isStatic()) {
      shape.push_back(d->factor);
    } else if (i < in.size() && in[i] == *d) {
      shape.push_back(0);
    } else if (open < 0) {
      open = i;
      shape.push_back(-1);
    } else {
      return cannot("a shape " + symShapeStr(target.elems) +
                    " with several symbolic entries Kiln cannot place");
    }
  }
  if (open >= 0) {
    SymDim others = SymDim::constant(1);
    for (auto [i, d] : llvm::enumerate(dims))
      if ((int64_t)i != open)
        others = others * *d;
    std::optional<SymDim> rest = total.divide(others);
    if (!rest || *rest != *dims[open])
      return cannot("a shape entry " + dims[open]->str() +
                    " that Kiln cannot prove from the input's shape");
  }
  ReshapeOp::Properties props;
  props.shape = ctx.i64Array(shape);
  return pushResult(ctx.create<ReshapeOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertReshape(NodeContext &ctx, Outs &outs) {
  if (ctx.opset >= 5)
    if (const auto *target = ctx.getImporter().model.shapeValue(ctx.input(1)))
      return reshapeSymbolic(ctx, outs, *target);
  FailureOr<SmallVector<int64_t>> shape = failure();
  if (ctx.opset < 5) {
    auto attr = ctx.attrInts("shape");
    if (!attr)
      return ctx.error() << "missing attribute 'shape'", failure();
    shape = *attr;
  } else {
    shape = ctx.constInts(1);
  }
  if (failed(shape))
    return failure();
  bool allowZero = ctx.attrInt("allowzero", 0) != 0;
  RankedTensorType type = ctx.inputType(0);
  if (allowZero && llvm::is_contained(*shape, 0)) {
    if (llvm::is_contained(*shape, -1))
      return ctx.error() << "allowzero with both 0 and -1 in the shape",
             failure();
    // A literal 0 dim: the result is empty, so it is a constant (kiln's
    // reshape reads 0 as "copy the input's dim").
    if (!type.hasStaticShape() || type.getNumElements() != 0)
      return ctx.error() << "allowzero shape with a 0 entry needs an empty "
                            "input",
             failure();
    HostTensor empty;
    empty.dtype = getDtypeCode(type.getElementType());
    empty.shape.assign(shape->begin(), shape->end());
    outs.push_back(ctx.constant(empty));
    return success();
  }
  if (type.hasStaticShape()) {
    // Resolve 0 (copy) and -1 here, so the kiln op gets a plain shape.
    SmallVector<int64_t> out(*shape);
    int64_t known = 1, inferred = -1;
    for (auto [i, d] : llvm::enumerate(out)) {
      if (d == 0) {
        if (i >= (size_t)type.getRank())
          return ctx.error() << "shape entry " << i
                             << " is 0 but the input has rank "
                             << type.getRank(),
                 failure();
        d = type.getDimSize(i);
      }
      if (d == -1) {
        if (inferred >= 0)
          return ctx.error() << "shape has more than one -1", failure();
        inferred = i;
        continue;
      }
      if (d < -1)
        return ctx.error() << "shape entry " << d << " is invalid", failure();
      known *= d;
    }
    if (inferred >= 0) {
      if (known == 0 || type.getNumElements() % known)
        return ctx.error() << "cannot reshape " << type.getNumElements()
                           << " elements with a -1 entry",
               failure();
      out[inferred] = type.getNumElements() / known;
    }
    return pushResult(reshapeTo(ctx, ctx.input(0), out), outs);
  }
  ReshapeOp::Properties props;
  props.shape = ctx.i64Array(*shape);
  return pushResult(ctx.create<ReshapeOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertShape(NodeContext &ctx, Outs &outs) {
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  int64_t start = ctx.attrInt("start", 0), end = ctx.attrInt("end", rank);
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  // Symbolic dims: a placeholder that Gather/Concat/Reshape/... follow (see
  // OnnxSymbolicShapes.cpp); static shapes: a constant.
  ModelImporter &model = ctx.getImporter().model;
  const SymShape &sym = model.symShape(ctx.input(0));
  ModelImporter::ShapeValue value;
  for (int64_t i = start; i < end; ++i)
    value.elems.push_back(type.isDynamicDim(i)
                              ? sym[i]
                              : SymDim::constant(type.getDimSize(i)));
  outs.push_back(model.buildShapeValue(ctx.b, ctx.loc, std::move(value),
                                       ctx.b.getIntegerType(64)));
  return success();
}

LogicalResult convertSize(NodeContext &ctx, Outs &outs) {
  RankedTensorType type = ctx.inputType(0);
  if (!type.hasStaticShape())
    return ctx.unsupported("the size of a tensor with symbolic dims");
  outs.push_back(ctx.constant(hostI64({type.getNumElements()}, {})));
  return success();
}

LogicalResult convertTranspose(NodeContext &ctx, Outs &outs) {
  TransposeOp::Properties props;
  if (auto perm = ctx.attrInts("perm"))
    props.perm = ctx.i64Array(*perm);
  return pushResult(ctx.create<TransposeOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertFlatten(NodeContext &ctx, Outs &outs) {
  int64_t rank = ctx.inputType(0).getRank();
  int64_t axis = ctx.attrInt("axis", 1);
  if (axis < -rank || axis > rank)
    return ctx.error() << "axis " << axis << " is out of range for rank "
                       << rank,
           failure();
  FlattenOp::Properties props;
  props.axis = ctx.i64Attr(axis < 0 ? axis + rank : axis);
  return pushResult(ctx.create<FlattenOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertSqueeze(NodeContext &ctx, Outs &outs) {
  auto axes = attrOrInput(ctx, "axes", 1, 13);
  if (failed(axes))
    return failure();
  SqueezeOp::Properties props;
  if (*axes)
    props.axes = ctx.i64Array(**axes);
  return pushResult(ctx.create<SqueezeOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertUnsqueeze(NodeContext &ctx, Outs &outs) {
  auto axes = attrOrInput(ctx, "axes", 1, 13);
  if (failed(axes))
    return failure();
  if (!*axes)
    return ctx.error() << "missing axes", failure();
  UnsqueezeOp::Properties props;
  props.axes = ctx.i64Array(**axes);
  return pushResult(ctx.create<UnsqueezeOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertConcat(NodeContext &ctx, Outs &outs) {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < ctx.numInputs(); ++i)
    if (ctx.hasInput(i))
      inputs.push_back(ctx.input(i));
  if (inputs.empty())
    return ctx.error() << "expects at least one input", failure();
  ConcatOp::Properties props;
  props.axis = ctx.i64Attr(ctx.attrInt("axis", ctx.opset < 4 ? 1 : 0));
  return pushResult(ctx.create<ConcatOp>(inputs, props), outs);
}

LogicalResult convertSplit(NodeContext &ctx, Outs &outs) {
  auto sizes = attrOrInput(ctx, "split", 1, 13);
  if (failed(sizes))
    return failure();
  SplitOp::Properties props;
  props.axis = ctx.i64Attr(ctx.attrInt("axis", 0));
  if (*sizes)
    props.sizes = ctx.i64Array(**sizes);
  else
    props.num_outputs = ctx.i64Attr(ctx.numOutputs());
  auto results = ctx.createMulti<SplitOp>({ctx.input(0)}, props);
  if (failed(results))
    return failure();
  outs.append(results->begin(), results->end());
  return success();
}

LogicalResult convertSlice(NodeContext &ctx, Outs &outs) {
  SmallVector<int64_t> starts, ends;
  std::optional<SmallVector<int64_t>> axes, steps;
  if (ctx.opset < 10) {
    auto s = ctx.attrInts("starts"), e = ctx.attrInts("ends");
    if (!s || !e)
      return ctx.error() << "missing attribute 'starts' or 'ends'", failure();
    starts = *s;
    ends = *e;
    axes = ctx.attrInts("axes");
  } else {
    auto s = ctx.constInts(1);
    if (failed(s))
      return failure();
    auto e = ctx.constInts(2);
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
    for (unsigned i : {3u, 4u}) {
      if (!ctx.hasInput(i))
        continue;
      auto v = ctx.constInts(i);
      if (failed(v))
        return failure();
      (i == 3 ? axes : steps) = *v;
    }
  }
  SliceOp::Properties props;
  props.starts = ctx.i64Array(starts);
  props.ends = ctx.i64Array(ends);
  if (axes)
    props.axes = ctx.i64Array(*axes);
  if (steps)
    props.steps = ctx.i64Array(*steps);
  return pushResult(ctx.create<SliceOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertGather(NodeContext &ctx, Outs &outs) {
  GatherOp::Properties props;
  props.axis = ctx.i64Attr(ctx.attrInt("axis", 0));
  return pushResult(ctx.create<GatherOp>({ctx.input(0), ctx.input(1)}, props),
                    outs);
}

LogicalResult convertPad(NodeContext &ctx, Outs &outs) {
  PadOp::Properties props;
  std::string mode = ctx.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge")
    return ctx.unsupported("mode '" + mode + "'");
  props.mode = ctx.b.getStringAttr(mode);
  if (ctx.opset < 11) {
    auto pads = ctx.attrInts(ctx.opset < 2 ? "paddings" : "pads");
    if (!pads)
      return ctx.error() << "missing attribute 'pads'", failure();
    props.pads = ctx.i64Array(*pads);
    props.value = ctx.f64Attr(ctx.attrFloat("value", 0.0));
  } else {
    auto pads = ctx.constInts(1);
    if (failed(pads))
      return failure();
    props.pads = ctx.i64Array(*pads);
    if (ctx.hasInput(2)) {
      auto value = ctx.constFloats(2);
      if (failed(value))
        return failure();
      props.value = ctx.f64Attr(value->empty() ? 0.0 : (*value)[0]);
    }
    if (ctx.hasInput(3))
      return ctx.unsupported("the axes input");
  }
  return pushResult(ctx.create<PadOp>({ctx.input(0)}, props), outs);
}

LogicalResult convertTile(NodeContext &ctx, Outs &outs) {
  auto repeats = ctx.constInts(1);
  if (failed(repeats))
    return failure();
  TileOp::Properties props;
  props.repeats = ctx.i64Array(*repeats);
  return pushResult(ctx.create<TileOp>({ctx.input(0)}, props), outs);
}

/// Expand: bidirectional broadcast of the input with the given shape.
LogicalResult convertExpand(NodeContext &ctx, Outs &outs) {
  auto shape = ctx.constInts(1);
  if (failed(shape))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = std::max<int64_t>(type.getRank(), shape->size());
  SmallVector<int64_t> out(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t xi = i - (rank - type.getRank());
    int64_t si = i - (rank - (int64_t)shape->size());
    int64_t xd = xi >= 0 ? type.getDimSize(xi) : 1;
    int64_t sd = si >= 0 ? (*shape)[si] : 1;
    if (ShapedType::isDynamic(xd)) {
      if (sd != 1)
        out[i] = sd;
      else
        return ctx.unsupported("Expand keeping a symbolic dim");
    } else if (xd == sd || sd == 1) {
      out[i] = xd;
    } else if (xd == 1) {
      out[i] = sd;
    } else {
      return ctx.error() << "cannot expand dim " << xd << " to " << sd,
             failure();
    }
  }
  BroadcastToOp::Properties props;
  props.shape = ctx.i64Array(out);
  return pushResult(ctx.create<BroadcastToOp>({ctx.input(0)}, props), outs);
}

/// A tensor of `shape` with every element equal to `fill` (one element).
HostTensor filled(const HostTensor &fill, ArrayRef<int64_t> shape) {
  HostTensor t;
  t.dtype = fill.dtype;
  t.shape.assign(shape.begin(), shape.end());
  size_t width = elementSize(fill.dtype);
  int64_t n = t.numElements();
  t.bytes.resize(n * width);
  for (int64_t i = 0; i < n; ++i)
    memcpy(t.bytes.data() + i * width, fill.bytes.data(), width);
  return t;
}

LogicalResult convertConstantOfShape(NodeContext &ctx, Outs &outs) {
  auto shape = ctx.constInts(0);
  if (failed(shape))
    return failure();
  HostTensor fill;
  if (auto value = ctx.attrTensor("value")) {
    if (value->numElements() != 1)
      return ctx.error() << "'value' must hold one element", failure();
    fill = *value;
  } else if (ctx.hasAttr("value")) {
    return failure(); // attrTensor reported it
  } else {
    fill.dtype = KILN_DTYPE_F32;
    fill.bytes.assign(4, 0);
  }
  for (int64_t d : *shape)
    if (d < 0)
      return ctx.error() << "negative dimension " << d, failure();
  outs.push_back(ctx.constant(filled(fill, *shape)));
  return success();
}

LogicalResult convertConstant(NodeContext &ctx, Outs &outs) {
  if (auto value = ctx.attrTensor("value")) {
    outs.push_back(ctx.constant(*value));
    return success();
  }
  if (ctx.hasAttr("value"))
    return failure();
  if (ctx.hasAttr("value_float") || ctx.hasAttr("value_floats")) {
    SmallVector<float> values;
    SmallVector<int64_t> shape;
    if (ctx.hasAttr("value_float")) {
      values.push_back(static_cast<float>(ctx.attrFloat("value_float", 0)));
    } else {
      for (double v : *ctx.attrFloats("value_floats"))
        values.push_back(static_cast<float>(v));
      shape.push_back(values.size());
    }
    HostTensor t;
    t.dtype = KILN_DTYPE_F32;
    t.shape = std::vector<int64_t>(shape.begin(), shape.end());
    t.bytes.resize(values.size() * 4);
    memcpy(t.bytes.data(), values.data(), values.size() * 4);
    outs.push_back(ctx.constant(t));
    return success();
  }
  if (ctx.hasAttr("value_int")) {
    outs.push_back(ctx.constant(hostI64({ctx.attrInt("value_int", 0)}, {})));
    return success();
  }
  if (auto ints = ctx.attrInts("value_ints")) {
    outs.push_back(
        ctx.constant(hostI64(*ints, {static_cast<int64_t>(ints->size())})));
    return success();
  }
  if (ctx.hasAttr("sparse_value"))
    return ctx.unsupported("sparse tensor constants");
  if (ctx.hasAttr("value_string") || ctx.hasAttr("value_strings"))
    return ctx.unsupported("string constants");
  return ctx.error() << "has no value attribute", failure();
}

/// Range with constant start, limit and delta: a constant.
LogicalResult convertRange(NodeContext &ctx, Outs &outs) {
  for (unsigned i = 0; i < 3; ++i)
    if (!ctx.constInput(i))
      return ctx.unsupported("Range whose bounds are not compile-time "
                             "constants (its length would depend on data)");
  const HostTensor &startT = *ctx.constInput(0);
  auto start = ctx.constFloats(0), limit = ctx.constFloats(1),
       delta = ctx.constFloats(2);
  if (failed(start) || failed(limit) || failed(delta))
    return failure();
  if ((*delta)[0] == 0)
    return ctx.error() << "delta is 0", failure();
  int64_t n = std::max<int64_t>(
      0, (int64_t)std::ceil(((*limit)[0] - (*start)[0]) / (*delta)[0]));
  HostTensor t;
  t.dtype = startT.dtype;
  t.shape = {n};
  t.bytes.resize(n * elementSize(t.dtype));
  bool isInt = t.dtype == KILN_DTYPE_I64 || t.dtype == KILN_DTYPE_I32 ||
               t.dtype == KILN_DTYPE_I16 || t.dtype == KILN_DTYPE_I8;
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
    case KILN_DTYPE_F32:
      // As ONNX's reference: start + i * delta accumulated in the type.
      t.data<float>()[i] = static_cast<float>((*start)[0]) +
                           static_cast<float>(i) *
                               static_cast<float>((*delta)[0]);
      break;
    case KILN_DTYPE_F64:
      t.data<double>()[i] = (*start)[0] + i * (*delta)[0];
      break;
    case KILN_DTYPE_I64:
      t.data<int64_t>()[i] = (int64_t)(*start)[0] + i * (int64_t)(*delta)[0];
      break;
    case KILN_DTYPE_I32:
      t.data<int32_t>()[i] = (int32_t)(*start)[0] + i * (int32_t)(*delta)[0];
      break;
    case KILN_DTYPE_I16:
      t.data<int16_t>()[i] = (int16_t)((*start)[0] + i * (*delta)[0]);
      break;
    default:
      return ctx.unsupported("Range of this element type");
    }
  }
  (void)isInt;
  outs.push_back(ctx.constant(t));
  return success();
}

/// EyeLike: a constant of the input's (static) shape with ones on diagonal k.
LogicalResult convertEyeLike(NodeContext &ctx, Outs &outs) {
  RankedTensorType type = ctx.inputType(0);
  if (!type.hasStaticShape() || type.getRank() != 2)
    return ctx.unsupported("EyeLike of a non-static or non-2-D input");
  Type elem = type.getElementType();
  if (ctx.hasAttr("dtype")) {
    elem = elementTypeOf(ctx.getContext(), ctx.attrInt("dtype", 1));
    if (!elem)
      return ctx.unsupported("dtype " + onnxTypeName(ctx.attrInt("dtype", 1)));
  }
  int64_t k = ctx.attrInt("k", 0);
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  // Build as f64 0/1 then cast: one code path for every dtype.
  HostTensor t;
  t.dtype = KILN_DTYPE_F64;
  t.shape = {rows, cols};
  t.bytes.assign(rows * cols * 8, 0);
  for (int64_t i = 0; i < rows; ++i)
    if (i + k >= 0 && i + k < cols)
      t.data<double>()[i * cols + i + k] = 1.0;
  return pushResult(castTo(ctx, ctx.constant(t), elem), outs);
}

/// Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample.
LogicalResult convertResize(NodeContext &ctx, Outs &outs) {
  bool upsample = ctx.opType() == "Upsample";
  std::string mode = ctx.attrString("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return ctx.unsupported("mode '" + mode + "'");
  ResizeOp::Properties props;
  props.mode = ctx.b.getStringAttr(mode);
  std::string coord = "asymmetric", nearest = "floor";
  if (!upsample && ctx.opset >= 11) {
    coord = ctx.attrString("coordinate_transformation_mode", "half_pixel");
    if (coord == "tf_half_pixel_for_nn") // ONNX's name for it
      coord = "tf_half_pixel_for_nearest";
    nearest = ctx.attrString("nearest_mode", "round_prefer_floor");
    if (mode == "cubic") {
      props.cubic_coeff_a =
          ctx.b.getF64FloatAttr(ctx.attrFloat("cubic_coeff_a", -0.75));
      props.exclude_outside =
          ctx.b.getBoolAttr(ctx.attrInt("exclude_outside", 0) != 0);
    }
    if (coord == "tf_crop_and_resize") {
      // roi (input 1): starts then ends; absent or empty, the whole input.
      if (ctx.hasInput(1) &&
          !(ctx.constInput(1) && ctx.constInput(1)->numElements() == 0)) {
        auto roi = ctx.constFloats(1);
        if (failed(roi))
          return failure();
        props.roi = ctx.b.getDenseF64ArrayAttr(*roi);
      }
      props.extrapolation_value =
          ctx.b.getF64FloatAttr(ctx.attrFloat("extrapolation_value", 0.0));
    }
  }
  props.coordinate_transformation_mode = ctx.b.getStringAttr(coord);
  props.nearest_mode = ctx.b.getStringAttr(nearest);

  unsigned scalesInput = (!upsample && ctx.opset >= 11) ? 2 : 1;
  unsigned sizesInput = 3;
  std::optional<SmallVector<double>> scales;
  if (upsample && ctx.opset < 9) {
    scales = ctx.attrFloats("scales");
  } else if (ctx.hasInput(scalesInput) &&
             !(ctx.constInput(scalesInput) &&
               ctx.constInput(scalesInput)->numElements() == 0)) {
    auto s = ctx.constFloats(scalesInput);
    if (failed(s))
      return failure();
    scales = *s;
  }
  if (scales) {
    props.scales = ctx.b.getDenseF64ArrayAttr(*scales);
  } else if (!upsample && ctx.opset >= 11 && ctx.hasInput(sizesInput)) {
    auto sizes = ctx.constInts(sizesInput);
    if (failed(sizes))
      return failure();
    props.sizes = ctx.i64Array(*sizes);
  } else {
    return ctx.error() << "needs scales or sizes", failure();
  }
  return pushResult(ctx.create<ResizeOp>({ctx.input(0)}, props), outs);
}

/// DepthToSpace and SpaceToDepth: reshape, transpose, reshape.
template <bool ToSpace>
LogicalResult convertDepthSpace(NodeContext &ctx, Outs &outs) {
  RankedTensorType type = ctx.inputType(0);
  if (type.getRank() != 4 || !type.hasStaticShape())
    return ctx.unsupported("a non-static or non-4-D input");
  int64_t bs = ctx.attrInt("blocksize", 0);
  if (bs <= 0)
    return ctx.error() << "blocksize must be positive", failure();
  int64_t n = type.getDimSize(0), c = type.getDimSize(1),
          h = type.getDimSize(2), w = type.getDimSize(3);
  SmallVector<int64_t> first, perm, last;
  if (ToSpace) {
    if (c % (bs * bs))
      return ctx.error() << "channels not divisible by blocksize^2", failure();
    if (ctx.attrString("mode", "DCR") == "DCR") {
      first = {n, bs, bs, c / (bs * bs), h, w};
      perm = {0, 3, 4, 1, 5, 2};
    } else {
      first = {n, c / (bs * bs), bs, bs, h, w};
      perm = {0, 1, 4, 2, 5, 3};
    }
    last = {n, c / (bs * bs), h * bs, w * bs};
  } else {
    if (h % bs || w % bs)
      return ctx.error() << "spatial dims not divisible by blocksize",
             failure();
    first = {n, c, h / bs, bs, w / bs, bs};
    perm = {0, 3, 5, 1, 2, 4};
    last = {n, c * bs * bs, h / bs, w / bs};
  }
  auto r = reshapeTo(ctx, ctx.input(0), first);
  if (failed(r))
    return failure();
  auto t = transpose(ctx, *r, perm);
  if (failed(t))
    return failure();
  return pushResult(reshapeTo(ctx, *t, last), outs);
}

/// Trilu: x where the (static) mask of the last two dims keeps it, else 0.
LogicalResult convertTrilu(NodeContext &ctx, Outs &outs) {
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank < 2 || type.isDynamicDim(rank - 1) || type.isDynamicDim(rank - 2))
    return ctx.unsupported("Trilu on symbolic matrix dims");
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    auto kv = ctx.constInts(1);
    if (failed(kv))
      return failure();
    k = (*kv)[0];
  }
  bool upper = ctx.attrInt("upper", 1) != 0;
  int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
  HostTensor mask;
  mask.dtype = KILN_DTYPE_BOOL;
  mask.shape = {rows, cols};
  mask.bytes.resize(rows * cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      mask.bytes[i * cols + j] = upper ? (j - i >= k) : (j - i <= k);
  Type elem = type.getElementType();
  return pushResult(ctx.create<SelectOp>({ctx.constant(mask), ctx.input(0),
                                          ctx.scalar(elem, 0)}),
                    outs);
}

/// OneHot: values[1] where indices (made non-negative) equal the position
/// along `axis`, values[0] elsewhere.
LogicalResult convertOneHot(NodeContext &ctx, Outs &outs) {
  auto depthV = ctx.constFloats(1);
  if (failed(depthV))
    return failure();
  int64_t depth = static_cast<int64_t>((*depthV)[0]);
  RankedTensorType indType = ctx.inputType(0);
  int64_t outRank = indType.getRank() + 1;
  auto axis = checkedAxis(ctx, ctx.attrInt("axis", -1), outRank);
  if (failed(axis))
    return failure();
  Type i64 = ctx.b.getIntegerType(64);
  auto idx = castTo(ctx, ctx.input(0), i64);
  if (failed(idx))
    return failure();
  // Negative indices count from depth.
  auto isNeg = ctx.create<LtOp>({*idx, ctx.scalar(i64, 0)});
  auto wrapped = ctx.create<AddOp>({*idx, ctx.scalar(i64, depth)});
  if (failed(isNeg) || failed(wrapped))
    return failure();
  auto fixed = ctx.create<SelectOp>({*isNeg, *wrapped, *idx});
  if (failed(fixed))
    return failure();
  auto expanded = unsqueeze(ctx, *fixed, {*axis});
  if (failed(expanded))
    return failure();
  SmallVector<int64_t> iota(depth), iotaShape(outRank, 1);
  std::iota(iota.begin(), iota.end(), 0);
  iotaShape[*axis] = depth;
  auto eq = ctx.create<EqOp>({*expanded, ctx.constant(hostI64(iota, iotaShape))});
  if (failed(eq))
    return failure();
  // values = [off, on]: gather each as a scalar.
  Value values = ctx.input(2);
  GatherOp::Properties gp;
  gp.axis = ctx.i64Attr(0);
  auto off = ctx.create<GatherOp>({values, ctx.constant(hostI64({0}, {}))}, gp);
  auto on = ctx.create<GatherOp>({values, ctx.constant(hostI64({1}, {}))}, gp);
  if (failed(off) || failed(on))
    return failure();
  return pushResult(ctx.create<SelectOp>({*eq, *on, *off}), outs);
}

/// Dropout in inference: the input, and an all-true mask if asked for.
LogicalResult convertDropout(NodeContext &ctx, Outs &outs) {
  if (ctx.hasInput(2)) {
    auto training = ctx.constInts(2);
    if (failed(training))
      return failure();
    // Training with ratio 0 drops nothing: the same as inference.
    if (!training->empty() && (*training)[0] != 0) {
      double ratio = 0.5;
      if (ctx.hasInput(1)) {
        auto r = ctx.constFloats(1);
        if (failed(r))
          return failure();
        ratio = r->empty() ? 0.5 : (*r)[0];
      }
      if (ratio != 0.0)
        return ctx.unsupported("training mode with a non-zero ratio (random "
                               "masks)");
    }
  }
  if (ctx.opset < 7 && ctx.attrInt("is_test", 0) == 0 && ctx.hasAttr("is_test"))
    return ctx.unsupported("training mode (is_test=0)");
  auto y = ctx.create<IdentityOp>({ctx.input(0)});
  if (failed(y))
    return failure();
  outs.push_back(*y);
  if (ctx.hasOutput(1)) {
    RankedTensorType type = ctx.inputType(0);
    if (!type.hasStaticShape())
      return ctx.unsupported("the mask output for symbolic shapes");
    HostTensor mask;
    mask.dtype = KILN_DTYPE_BOOL;
    mask.shape.assign(type.getShape().begin(), type.getShape().end());
    mask.bytes.assign(type.getNumElements(), 1);
    outs.push_back(ctx.constant(mask));
  }
  return success();
}

LogicalResult convertGatherElements(NodeContext &ctx, Outs &outs) {
  GatherElementsOp::Properties props;
  props.axis = ctx.i64Attr(ctx.attrInt("axis", 0));
  return pushResult(
      ctx.create<GatherElementsOp>({ctx.input(0), ctx.input(1)}, props), outs);
}

/// ScatterElements (and Scatter, its name before opset 11).
LogicalResult convertScatterElements(NodeContext &ctx, Outs &outs) {
  ScatterElementsOp::Properties props;
  props.axis = ctx.i64Attr(ctx.attrInt("axis", 0));
  props.reduction = ctx.b.getStringAttr(ctx.attrString("reduction", "none"));
  return pushResult(ctx.create<ScatterElementsOp>(
                        {ctx.input(0), ctx.input(1), ctx.input(2)}, props),
                    outs);
}

LogicalResult convertGatherND(NodeContext &ctx, Outs &outs) {
  GatherNDOp::Properties props;
  props.batch_dims = ctx.i64Attr(ctx.attrInt("batch_dims", 0));
  return pushResult(ctx.create<GatherNDOp>({ctx.input(0), ctx.input(1)}, props),
                    outs);
}

LogicalResult convertScatterND(NodeContext &ctx, Outs &outs) {
  ScatterNDOp::Properties props;
  props.reduction = ctx.b.getStringAttr(ctx.attrString("reduction", "none"));
  return pushResult(
      ctx.create<ScatterNDOp>({ctx.input(0), ctx.input(1), ctx.input(2)},
                              props),
      outs);
}

/// CumSum: the axis is a (constant) input.
LogicalResult convertCumSum(NodeContext &ctx, Outs &outs) {
  auto axis = ctx.constInts(1);
  if (failed(axis))
    return failure();
  if (axis->size() != 1)
    return ctx.error() << "axis must hold one value", failure();
  CumSumOp::Properties props;
  props.axis = ctx.i64Attr((*axis)[0]);
  props.exclusive = ctx.boolAttr(ctx.attrInt("exclusive", 0) != 0);
  props.reverse = ctx.boolAttr(ctx.attrInt("reverse", 0) != 0);
  return pushResult(ctx.create<CumSumOp>({ctx.input(0)}, props), outs);
}

/// TopK: k is an attribute before opset 10, a (constant) input from it.
LogicalResult convertTopK(NodeContext &ctx, Outs &outs) {
  int64_t k;
  if (ctx.opset < 10) {
    k = ctx.attrInt("k", -1);
  } else {
    auto kv = ctx.constInts(1);
    if (failed(kv))
      return failure();
    if (kv->size() != 1)
      return ctx.error() << "K must hold one value", failure();
    k = (*kv)[0];
  }
  TopKOp::Properties props;
  props.k = ctx.i64Attr(k);
  props.axis = ctx.i64Attr(ctx.attrInt("axis", -1));
  props.largest = ctx.boolAttr(ctx.attrInt("largest", 1) != 0);
  props.sorted = ctx.boolAttr(ctx.attrInt("sorted", 1) != 0);
  auto results = ctx.createMulti<TopKOp>({ctx.input(0)}, props);
  if (failed(results))
    return failure();
  outs.append(results->begin(), results->end());
  return success();
}

/// Compress with a constant condition: a gather of the selected indices
/// (along `axis`, or of the flattened input without one).
LogicalResult convertCompress(NodeContext &ctx, Outs &outs) {
  auto cond = ctx.constInts(1);
  if (failed(cond))
    return failure();
  Value x = ctx.input(0);
  RankedTensorType type = ctx.inputType(0);
  int64_t axis = 0;
  if (ctx.hasAttr("axis")) {
    auto a = checkedAxis(ctx, ctx.attrInt("axis", 0), type.getRank());
    if (failed(a))
      return failure();
    axis = *a;
  } else {
    if (!type.hasStaticShape())
      return ctx.unsupported("Compress without axis on symbolic dims");
    auto flat = reshapeTo(ctx, x, {type.getNumElements()});
    if (failed(flat))
      return failure();
    x = *flat;
  }
  int64_t dim = cast<RankedTensorType>(x.getType()).getDimSize(axis);
  SmallVector<int64_t> picked;
  for (auto [i, c] : llvm::enumerate(*cond))
    if (c && (ShapedType::isDynamic(dim) || (int64_t)i < dim))
      picked.push_back(i);
  GatherOp::Properties props;
  props.axis = ctx.i64Attr(axis);
  return pushResult(
      ctx.create<GatherOp>(
          {x, ctx.constant(hostI64(picked, {(int64_t)picked.size()}))}, props),
      outs);
}

/// ReverseSequence with constant lengths: a gather_elements along the time
/// axis with the reversed-prefix index of every batch entry.
LogicalResult convertReverseSequence(NodeContext &ctx, Outs &outs) {
  auto lens = ctx.constInts(1);
  if (failed(lens))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  if (!type.hasStaticShape() || type.getRank() < 2)
    return ctx.unsupported("ReverseSequence on symbolic dims");
  int64_t timeAxis = ctx.attrInt("time_axis", 0);
  int64_t batchAxis = ctx.attrInt("batch_axis", 1);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t n = type.getNumElements(), rank = type.getRank();
  SmallVector<int64_t> idx(n), pos(rank, 0);
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t t = pos[timeAxis], len = (*lens)[pos[batchAxis]];
    idx[flat] = t < len ? len - 1 - t : t;
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++pos[d] < shape[d])
        break;
      pos[d] = 0;
    }
  }
  GatherElementsOp::Properties props;
  props.axis = ctx.i64Attr(timeAxis);
  return pushResult(ctx.create<GatherElementsOp>(
                        {ctx.input(0), ctx.constant(hostI64(idx, shape))},
                        props),
                    outs);
}

/// Hann, Hamming and Blackman windows of a constant size: constants.
LogicalResult convertWindow(NodeContext &ctx, Outs &outs) {
  auto size = ctx.constInts(0);
  if (failed(size))
    return failure();
  int64_t n = (*size)[0];
  bool periodic = ctx.attrInt("periodic", 1) != 0;
  Type elem = elementTypeOf(ctx.getContext(),
                            ctx.attrInt("output_datatype", 1));
  if (!elem)
    return ctx.unsupported("output_datatype " +
                           onnxTypeName(ctx.attrInt("output_datatype", 1)));
  double denom = periodic ? n : n - 1;
  HostTensor t;
  t.dtype = KILN_DTYPE_F64;
  t.shape = {n};
  t.bytes.resize(n * 8);
  StringRef op = ctx.opType();
  for (int64_t i = 0; i < n; ++i) {
    double a = 2 * M_PI * i / denom, v;
    if (op == "HannWindow")
      v = 0.5 - 0.5 * std::cos(a);
    else if (op == "HammingWindow")
      v = 25.0 / 46.0 - (1 - 25.0 / 46.0) * std::cos(a);
    else
      v = 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2 * a);
    t.data<double>()[i] = v;
  }
  return pushResult(castTo(ctx, ctx.constant(t), elem), outs);
}

const OnnxConverter kConverters[] = {
    {"Compress", convertCompress},
    {"ReverseSequence", convertReverseSequence},
    {"HannWindow", convertWindow},
    {"HammingWindow", convertWindow},
    {"BlackmanWindow", convertWindow},
    {"GatherElements", convertGatherElements},
    {"ScatterElements", convertScatterElements},
    {"Scatter", convertScatterElements, 9, 10},
    {"GatherND", convertGatherND},
    {"ScatterND", convertScatterND},
    {"CumSum", convertCumSum},
    {"TopK", convertTopK},
    {"Reshape", convertReshape},
    {"Shape", convertShape},
    {"Size", convertSize},
    {"Transpose", convertTranspose},
    {"Flatten", convertFlatten},
    {"Squeeze", convertSqueeze},
    {"Unsqueeze", convertUnsqueeze},
    {"Concat", convertConcat},
    {"Split", convertSplit},
    {"Slice", convertSlice},
    {"Gather", convertGather},
    {"Pad", convertPad},
    {"Tile", convertTile},
    {"Expand", convertExpand},
    {"ConstantOfShape", convertConstantOfShape},
    {"Constant", convertConstant},
    {"Range", convertRange},
    {"EyeLike", convertEyeLike},
    {"Resize", convertResize, 10},
    {"Upsample", convertResize, 7, 9},
    {"DepthToSpace", convertDepthSpace<true>},
    {"SpaceToDepth", convertDepthSpace<false>},
    {"Trilu", convertTrilu},
    {"OneHot", convertOneHot},
    {"Dropout", convertDropout},
};

} // namespace

ArrayRef<OnnxConverter> onnx_frontend::shapeConverters() {
  return kConverters;
}
