//===- KernelsShape.h - shape and data movement kernels ----------*- C++ -*-===//
//
// Reference kernels of the shape family on plain buffers (no MLIR headers),
// following the conventions of Kernels.h. They only move elements, so they
// work for every dtype (f16, bf16 and bool included); resize's linear and
// cubic modes compute in double and work for the floating-point dtypes.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELSSHAPE_H
#define KILN_LIB_INTERPRETER_KERNELSSHAPE_H

#include "Kernels.h"

namespace mlir::kiln::interp {

/// Removes `axes` (normalized), each of which must be 1.
Status squeeze(const View &x, const std::vector<int64_t> &axes, Buffer &out);

/// Inserts size-1 dimensions at `axes` (normalized against the result's
/// rank, sorted).
Status unsqueeze(const View &x, const std::vector<int64_t> &axes, Buffer &out);

/// [prod(d[:axis]), prod(d[axis:])]; `axis` in [-rank, rank].
Status flatten(const View &x, int64_t axis, Buffer &out);

/// numpy.concatenate along `axis` (possibly negative).
Status concat(const std::vector<View> &xs, int64_t axis, Buffer &out);

/// Splits along `axis` into `sizes` parts, or into `outs.size()` equal parts
/// when `sizes` is absent.
Status split(const View &x, int64_t axis,
             const std::optional<std::vector<int64_t>> &sizes,
             std::vector<Buffer *> &outs);

/// ONNX Slice; `starts`, `ends`, `steps` have one entry per dimension.
Status slice(const View &x, const std::vector<int64_t> &starts,
             const std::vector<int64_t> &ends,
             const std::vector<int64_t> &steps, Buffer &out);

/// numpy.take along `axis`; indices outside [-d, d) are clamped to [0, d-1].
Status gather(const View &x, const View &indices, int64_t axis, Buffer &out);

enum class PadMode { Constant, Reflect, Edge };

/// numpy.pad with `pads` = begins then ends.
Status pad(const View &x, const std::vector<int64_t> &pads, PadMode mode,
           double value, Buffer &out);

/// ONNX Tile.
Status tile(const View &x, const std::vector<int64_t> &repeats, Buffer &out);

enum class ResizeMode { Nearest, Linear, Cubic };
enum class ResizeCoord {
  HalfPixel,
  Asymmetric,
  AlignCorners,
  PytorchHalfPixel,
  TfHalfPixelForNearest,
  TfCropAndResize
};
enum class ResizeNearest { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

/// The attributes of resize beside its output size.
struct ResizeParams {
  ResizeMode mode = ResizeMode::Nearest;
  ResizeCoord coord = ResizeCoord::HalfPixel;
  ResizeNearest nearest = ResizeNearest::RoundPreferFloor;
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
  /// tf_crop_and_resize's region, [starts..., ends...] (empty: all of it).
  std::vector<double> roi;
  double extrapolationValue = 0.0;
};

/// ONNX Resize with `scales` or `sizes` (one entry per dimension).
Status resize(const View &x, const std::optional<std::vector<double>> &scales,
              const std::optional<std::vector<int64_t>> &sizes,
              const ResizeParams &params, Buffer &out);

} // namespace mlir::kiln::interp

#endif // KILN_LIB_INTERPRETER_KERNELSSHAPE_H
