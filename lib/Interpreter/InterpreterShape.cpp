//===- InterpreterShape.cpp - shape and data movement kernels -------*- C++ -*-===//
#include "Dispatch.h"
#include "KernelsShape.h"

#include "dialects/kiln/IR/KilnOps.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::kiln;
using namespace mlir::kiln::interp;

static Status runResize(ResizeOp r, const View &x, Buffer &out) {
  std::optional<std::vector<double>> scales;
  if (auto s = r.getScales())
    scales = std::vector<double>(s->begin(), s->end());
  ResizeParams p;
  p.mode = llvm::StringSwitch<ResizeMode>(r.getMode())
               .Case("linear", ResizeMode::Linear)
               .Case("cubic", ResizeMode::Cubic)
               .Default(ResizeMode::Nearest);
  p.coord = llvm::StringSwitch<ResizeCoord>(r.getCoordinateTransformationMode())
                .Case("asymmetric", ResizeCoord::Asymmetric)
                .Case("align_corners", ResizeCoord::AlignCorners)
                .Case("pytorch_half_pixel", ResizeCoord::PytorchHalfPixel)
                .Case("tf_half_pixel_for_nearest",
                      ResizeCoord::TfHalfPixelForNearest)
                .Case("tf_crop_and_resize", ResizeCoord::TfCropAndResize)
                .Default(ResizeCoord::HalfPixel);
  p.nearest = llvm::StringSwitch<ResizeNearest>(r.getNearestMode())
                  .Case("round_prefer_ceil", ResizeNearest::RoundPreferCeil)
                  .Case("floor", ResizeNearest::Floor)
                  .Case("ceil", ResizeNearest::Ceil)
                  .Default(ResizeNearest::RoundPreferFloor);
  p.cubicCoeffA = r.getCubicCoeffA().convertToDouble();
  p.excludeOutside = r.getExcludeOutside();
  if (auto roi = r.getRoi())
    p.roi.assign(roi->begin(), roi->end());
  p.extrapolationValue = r.getExtrapolationValue().convertToDouble();
  return resize(x, scales, toOptionalVector(r.getSizes()), p, out);
}

FailureOr<Status>
mlir::kiln::interp::runShapeKernel(Operation *op, ArrayRef<View> in,
                                   SmallVectorImpl<Buffer> &outs) {
  Buffer &out = outs[0];
  return llvm::TypeSwitch<Operation *, FailureOr<Status>>(op)
      .Case([&](ReshapeOp r) {
        return reshape(in[0], toVector(r.getShape()), out);
      })
      .Case([&](TransposeOp t) {
        return transpose(in[0], toVector(t.getPermutation()), out);
      })
      .Case([&](BroadcastToOp b) {
        return broadcastTo(in[0], toVector(b.getShape()), out);
      })
      // Squeeze without axes removes the dims that the IR type has as 1, so
      // that the result's rank is the type's whatever the run-time sizes.
      .Case([&](SqueezeOp s) {
        return squeeze(in[0], toVector(s.getSqueezedAxes()), out);
      })
      .Case([&](UnsqueezeOp u) {
        return unsqueeze(in[0], toVector(u.getInsertedAxes()), out);
      })
      .Case([&](FlattenOp f) { return flatten(in[0], f.getAxis(), out); })
      .Case([&](ConcatOp c) {
        return concat(std::vector<View>(in.begin(), in.end()), c.getAxis(),
                      out);
      })
      .Case([&](SplitOp s) {
        std::vector<Buffer *> parts;
        for (Buffer &b : outs)
          parts.push_back(&b);
        return split(in[0], s.getAxis(), toOptionalVector(s.getSizes()),
                     parts);
      })
      .Case([&](SliceOp s) {
        SmallVector<int64_t> starts, ends, steps;
        s.getPerDimension(starts, ends, steps);
        return slice(in[0], toVector(starts), toVector(ends), toVector(steps),
                     out);
      })
      .Case([&](GatherOp g) { return gather(in[0], in[1], g.getAxis(), out); })
      .Case([&](PadOp p) {
        PadMode mode = llvm::StringSwitch<PadMode>(p.getMode())
                           .Case("reflect", PadMode::Reflect)
                           .Case("edge", PadMode::Edge)
                           .Default(PadMode::Constant);
        return pad(in[0], toVector(p.getPads()), mode,
                   p.getValue().convertToDouble(), out);
      })
      .Case([&](TileOp t) { return tile(in[0], toVector(t.getRepeats()), out); })
      .Case([&](ResizeOp r) { return runResize(r, in[0], out); })
      .Default([](Operation *) { return failure(); });
}
