//===- KernelsShape.cpp - shape and data movement kernels --------*- C++ -*-===//
//
// Most ops of this family are "separable": the input index along dimension i
// depends only on the output index along dimension i (slice, pad, tile,
// nearest resize). They share one walk driven by a per-dimension table of
// input indices (-1: take the fill value). Elements are moved as raw words
// of the dtype's size, so every dtype works the same way.
//
//===----------------------------------------------------------------------===//

#include "KernelsShape.h"

#include "kiln/abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace mlir::kiln::interp {

namespace {

Status checkDtype(int32_t dtype) {
  if (elementSize(dtype) == 0)
    return Status::error("unknown dtype code " + std::to_string(dtype));
  return Status::ok();
}

bool normAxis(int64_t axis, int64_t rank, int64_t &result) {
  if (axis < -rank || axis >= rank)
    return false;
  result = axis < 0 ? axis + rank : axis;
  return true;
}

std::string axisError(int64_t axis, int64_t rank) {
  return "axis " + std::to_string(axis) + " is out of range for rank " +
         std::to_string(rank);
}

void allocateOut(Buffer &out, int32_t dtype, std::vector<int64_t> shape) {
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(numElementsOf(out.shape) * elementSize(dtype), 0);
}

/// Same elements, new shape.
Status copyAs(const View &x, std::vector<int64_t> shape, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  out.dtype = x.dtype;
  out.shape = std::move(shape);
  const auto *bytes = static_cast<const uint8_t *>(x.data);
  out.bytes.assign(bytes, bytes + x.numElements() * elementSize(x.dtype));
  return Status::ok();
}

int64_t product(const std::vector<int64_t> &shape, size_t lo, size_t hi) {
  int64_t p = 1;
  for (size_t i = lo; i < hi; ++i)
    p *= shape[i];
  return p;
}

//===----------------------------------------------------------------------===//
// Scalars of any dtype
//===----------------------------------------------------------------------===//

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else { // subnormal: normalize
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while (!(mant & 0x400));
    bits = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = (bits >> 16) & 0x8000;
  uint32_t absBits = bits & 0x7fffffffu;
  if (absBits >= 0x7f800000u) // inf or NaN
    return sign | 0x7c00 | (absBits > 0x7f800000u ? 0x200 : 0);
  if (absBits >= 0x477ff000u) // rounds to >= 65520: inf
    return sign | 0x7c00;
  if (absBits < 0x38800000u) { // subnormal half (or zero)
    // value = absBits as float; half subnormal unit is 2^-24.
    float a;
    std::memcpy(&a, &absBits, 4);
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  uint32_t mant = absBits & 0x7fffff, exp = (absBits >> 23) - 112;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
    ++h;
  return sign | static_cast<uint16_t>(h);
}

float bf16ToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

template <typename T> void store(uint8_t *dst, T v) {
  std::memcpy(dst, &v, sizeof(T));
}
template <typename T> T load(const uint8_t *src) {
  T v;
  std::memcpy(&v, src, sizeof(T));
  return v;
}

/// Writes `v` as one element of `dtype`: floats rounded, integers truncated
/// toward zero (saturating, as the value is a user attribute), bool is v != 0.
void encode(int32_t dtype, double v, uint8_t *dst) {
  auto toInt = [&](double lo, double hi) -> int64_t {
    if (std::isnan(v))
      return 0;
    return static_cast<int64_t>(std::clamp(std::trunc(v), lo, hi));
  };
  switch (dtype) {
  case KILN_DTYPE_F16:
    return store(dst, floatToHalf(static_cast<float>(v)));
  case KILN_DTYPE_BF16:
    return store(dst, floatToBf16(static_cast<float>(v)));
  case KILN_DTYPE_F32:
    return store(dst, static_cast<float>(v));
  case KILN_DTYPE_F64:
    return store(dst, v);
  case KILN_DTYPE_I8:
    return store(dst, static_cast<int8_t>(toInt(-128, 127)));
  case KILN_DTYPE_I16:
    return store(dst, static_cast<int16_t>(toInt(-32768, 32767)));
  case KILN_DTYPE_I32:
    return store(dst, static_cast<int32_t>(toInt(-2147483648.0, 2147483647.0)));
  case KILN_DTYPE_I64:
    return store(dst, toInt(-9223372036854775808.0, 9223372036854774784.0));
  case KILN_DTYPE_U8:
    return store(dst, static_cast<uint8_t>(toInt(0, 255)));
  case KILN_DTYPE_BOOL:
    return store(dst, static_cast<uint8_t>(v != 0));
  default:
    return;
  }
}

/// One floating-point element as a double.
double decodeFloat(int32_t dtype, const uint8_t *src) {
  switch (dtype) {
  case KILN_DTYPE_F16:
    return halfToFloat(load<uint16_t>(src));
  case KILN_DTYPE_BF16:
    return bf16ToFloat(load<uint16_t>(src));
  case KILN_DTYPE_F32:
    return load<float>(src);
  default:
    return load<double>(src);
  }
}

//===----------------------------------------------------------------------===//
// The separable walk
//===----------------------------------------------------------------------===//

/// out[o0, o1, ...] = x[tables[0][o0], tables[1][o1], ...], or `fill` (one
/// element of the dtype) where any table entry is -1.
void separableCopy(const View &x, const std::vector<int64_t> &outShape,
                   const std::vector<std::vector<int64_t>> &tables,
                   const uint8_t *fill, Buffer &out) {
  allocateOut(out, x.dtype, outShape);
  size_t size = elementSize(x.dtype), rank = outShape.size();
  int64_t n = numElementsOf(outShape);
  if (n == 0)
    return;
  std::vector<int64_t> inStrides(rank);
  for (size_t i = rank, s = 1; i-- > 0;) {
    inStrides[i] = s;
    s *= (*x.shape)[i];
  }
  const auto *in = static_cast<const uint8_t *>(x.data);
  std::vector<int64_t> index(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t offset = 0;
    bool filled = false;
    for (size_t i = 0; i < rank; ++i) {
      int64_t t = tables[i][index[i]];
      if (t < 0) {
        filled = true;
        break;
      }
      offset += t * inStrides[i];
    }
    std::memcpy(out.bytes.data() + k * size,
                filled ? fill : in + offset * size, size);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < outShape[i])
        break;
      index[i] = 0;
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// squeeze / unsqueeze / flatten
//===----------------------------------------------------------------------===//

Status squeeze(const View &x, const std::vector<int64_t> &axes, Buffer &out) {
  std::vector<int64_t> shape;
  for (int64_t i = 0; i < x.rank(); ++i) {
    bool removed = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!removed) {
      shape.push_back((*x.shape)[i]);
    } else if ((*x.shape)[i] != 1) {
      return Status::error("cannot squeeze dimension " + std::to_string(i) +
                           " of " + shapeString(*x.shape) + ": its size is " +
                           std::to_string((*x.shape)[i]) + ", not 1");
    }
  }
  return copyAs(x, std::move(shape), out);
}

Status unsqueeze(const View &x, const std::vector<int64_t> &axes, Buffer &out) {
  int64_t rank = x.rank() + static_cast<int64_t>(axes.size());
  std::vector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(axes.begin(), axes.end(), i) != axes.end())
      shape.push_back(1);
    else if (next < x.rank())
      shape.push_back((*x.shape)[next++]);
    else
      return Status::error("unsqueeze axes are out of range");
  }
  return copyAs(x, std::move(shape), out);
}

Status flatten(const View &x, int64_t axis, Buffer &out) {
  int64_t rank = x.rank();
  if (axis < -rank || axis > rank)
    return Status::error("axis " + std::to_string(axis) + " is out of range [" +
                         std::to_string(-rank) + ", " + std::to_string(rank) +
                         "]");
  if (axis < 0)
    axis += rank;
  return copyAs(x,
                {product(*x.shape, 0, axis), product(*x.shape, axis, rank)},
                out);
}

//===----------------------------------------------------------------------===//
// concat / split
//===----------------------------------------------------------------------===//

Status concat(const std::vector<View> &xs, int64_t axis, Buffer &out) {
  if (xs.empty())
    return Status::error("concat needs at least one input");
  const View &first = xs[0];
  if (Status s = checkDtype(first.dtype); s.failed())
    return s;
  int64_t rank = first.rank(), a;
  if (!normAxis(axis, rank, a))
    return Status::error(axisError(axis, rank));
  std::vector<int64_t> shape = *first.shape;
  shape[a] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const View &v = xs[k];
    if (v.dtype != first.dtype)
      return Status::error("input " + std::to_string(k) + " is " +
                           dtypeName(v.dtype) + ", input 0 is " +
                           dtypeName(first.dtype));
    bool same = v.rank() == rank;
    for (int64_t i = 0; same && i < rank; ++i)
      same = i == a || (*v.shape)[i] == (*first.shape)[i];
    if (!same)
      return Status::error("input " + std::to_string(k) + " has shape " +
                           shapeString(*v.shape) + ", input 0 has " +
                           shapeString(*first.shape) + "; only dimension " +
                           std::to_string(a) + " may differ");
    shape[a] += (*v.shape)[a];
  }
  allocateOut(out, first.dtype, shape);
  size_t size = elementSize(first.dtype);
  int64_t outer = product(shape, 0, a), inner = product(shape, a + 1, rank);
  uint8_t *dst = out.bytes.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (const View &v : xs) {
      int64_t block = (*v.shape)[a] * inner * size;
      std::memcpy(dst, static_cast<const uint8_t *>(v.data) + o * block,
                  block);
      dst += block;
    }
  }
  return Status::ok();
}

Status split(const View &x, int64_t axis,
             const std::optional<std::vector<int64_t>> &sizes,
             std::vector<Buffer *> &outs) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  int64_t rank = x.rank(), a;
  if (!normAxis(axis, rank, a))
    return Status::error(axisError(axis, rank));
  int64_t d = (*x.shape)[a];
  std::vector<int64_t> parts;
  if (sizes) {
    parts = *sizes;
    int64_t total = 0;
    for (int64_t p : parts)
      total += p;
    if (total != d || parts.size() != outs.size())
      return Status::error("split sizes " + shapeString(parts) +
                           " do not add up to the dimension " +
                           std::to_string(d));
  } else {
    int64_t n = static_cast<int64_t>(outs.size());
    if (n == 0 || d % n != 0)
      return Status::error("dimension of size " + std::to_string(d) +
                           " does not split into " + std::to_string(n) +
                           " equal parts");
    parts.assign(n, d / n);
  }
  size_t size = elementSize(x.dtype);
  int64_t outer = product(*x.shape, 0, a),
          inner = product(*x.shape, a + 1, rank);
  const auto *in = static_cast<const uint8_t *>(x.data);
  int64_t begin = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    std::vector<int64_t> shape = *x.shape;
    shape[a] = parts[k];
    allocateOut(*outs[k], x.dtype, shape);
    int64_t block = parts[k] * inner * size;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(outs[k]->bytes.data() + o * block,
                  in + (o * d + begin) * inner * size, block);
    begin += parts[k];
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// slice / pad / tile
//===----------------------------------------------------------------------===//

Status slice(const View &x, const std::vector<int64_t> &starts,
             const std::vector<int64_t> &ends,
             const std::vector<int64_t> &steps, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  int64_t rank = x.rank();
  if ((int64_t)starts.size() != rank || (int64_t)ends.size() != rank ||
      (int64_t)steps.size() != rank)
    return Status::error("slice needs one start, end and step per dimension");
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> tables;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = (*x.shape)[i], start = starts[i], end = ends[i],
            step = steps[i], n = 0;
    if (step == 0)
      return Status::error("steps must not be 0");
    if (d > 0) {
      // ONNX's clamping; afterwards every value lies in [-1, d].
      if (start < 0)
        start += d;
      if (end < 0)
        end += d;
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, d);
        end = std::clamp<int64_t>(end, 0, d);
        n = end > start ? (end - start - 1) / step + 1 : 0;
      } else {
        start = std::clamp<int64_t>(start, 0, d - 1);
        end = std::clamp<int64_t>(end, -1, d - 1);
        n = start > end ? (start - end - 1) / -step + 1 : 0;
      }
    }
    shape.push_back(n);
    std::vector<int64_t> table(n);
    for (int64_t o = 0; o < n; ++o)
      table[o] = start + o * step;
    tables.push_back(std::move(table));
  }
  separableCopy(x, shape, tables, nullptr, out);
  return Status::ok();
}

Status pad(const View &x, const std::vector<int64_t> &pads, PadMode mode,
           double value, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  int64_t rank = x.rank();
  if ((int64_t)pads.size() != 2 * rank)
    return Status::error("pads has " + std::to_string(pads.size()) +
                         " entries; rank " + std::to_string(rank) + " needs " +
                         std::to_string(2 * rank));
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> tables;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = (*x.shape)[i], b = pads[i], e = pads[rank + i];
    if (b < 0 || e < 0)
      return Status::error("pads must not be negative");
    if (mode == PadMode::Reflect && (b > 0 || e > 0) && (b >= d || e >= d))
      return Status::error("reflect pads of dimension " + std::to_string(i) +
                           " (" + std::to_string(b) + ", " +
                           std::to_string(e) +
                           ") must be smaller than its size " +
                           std::to_string(d));
    if (mode == PadMode::Edge && (b > 0 || e > 0) && d == 0)
      return Status::error("edge padding of the empty dimension " +
                           std::to_string(i));
    int64_t n = d + b + e;
    std::vector<int64_t> table(n);
    for (int64_t o = 0; o < n; ++o) {
      int64_t j = o - b;
      if (j < 0 || j >= d) {
        if (mode == PadMode::Constant)
          j = -1;
        else if (mode == PadMode::Edge)
          j = j < 0 ? 0 : d - 1;
        else
          j = j < 0 ? -j : 2 * (d - 1) - j;
      }
      table[o] = j;
    }
    shape.push_back(n);
    tables.push_back(std::move(table));
  }
  uint8_t fill[8] = {0};
  encode(x.dtype, value, fill);
  separableCopy(x, shape, tables, fill, out);
  return Status::ok();
}

Status tile(const View &x, const std::vector<int64_t> &repeats, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  if ((int64_t)repeats.size() != x.rank())
    return Status::error("repeats has " + std::to_string(repeats.size()) +
                         " entries for rank " + std::to_string(x.rank()));
  std::vector<int64_t> shape;
  std::vector<std::vector<int64_t>> tables;
  for (int64_t i = 0; i < x.rank(); ++i) {
    int64_t d = (*x.shape)[i];
    if (repeats[i] < 0)
      return Status::error("repeats must not be negative");
    std::vector<int64_t> table(d * repeats[i]);
    for (int64_t o = 0; o < (int64_t)table.size(); ++o)
      table[o] = o % d;
    shape.push_back(table.size());
    tables.push_back(std::move(table));
  }
  separableCopy(x, shape, tables, nullptr, out);
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// gather
//===----------------------------------------------------------------------===//

Status gather(const View &x, const View &indices, int64_t axis, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  if (indices.dtype != KILN_DTYPE_I32 && indices.dtype != KILN_DTYPE_I64)
    return Status::error("indices must be i32 or i64, got " +
                         dtypeName(indices.dtype));
  int64_t rank = x.rank(), a;
  if (!normAxis(axis, rank, a))
    return Status::error(axisError(axis, rank));
  const std::vector<int64_t> &in = *x.shape;
  std::vector<int64_t> shape(in.begin(), in.begin() + a);
  shape.insert(shape.end(), indices.shape->begin(), indices.shape->end());
  shape.insert(shape.end(), in.begin() + a + 1, in.end());
  allocateOut(out, x.dtype, shape);
  int64_t d = in[a], outer = product(in, 0, a),
          inner = product(in, a + 1, rank), count = indices.numElements();
  if (d == 0 && count > 0 && outer * inner > 0)
    return Status::error("gather from an empty axis");
  size_t block = inner * elementSize(x.dtype);
  const auto *src = static_cast<const uint8_t *>(x.data);
  const auto *idx = static_cast<const uint8_t *>(indices.data);
  uint8_t *dst = out.bytes.data();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < count; ++j) {
      int64_t i = indices.dtype == KILN_DTYPE_I32
                      ? load<int32_t>(idx + 4 * j)
                      : load<int64_t>(idx + 8 * j);
      if (i < 0)
        i += d;
      i = std::clamp<int64_t>(i, 0, d - 1);
      std::memcpy(dst, src + (o * d + i) * block, block);
      dst += block;
    }
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// resize
//===----------------------------------------------------------------------===//

namespace {

/// ONNX's mapping of output coordinate `o` to the input, for one dimension.
/// `roiStart`/`roiEnd` are tf_crop_and_resize's region.
double sourceCoordinate(ResizeCoord coord, double o, double scale,
                        int64_t inSize, int64_t outSize, double roiStart,
                        double roiEnd) {
  switch (coord) {
  case ResizeCoord::HalfPixel:
    return (o + 0.5) / scale - 0.5;
  case ResizeCoord::Asymmetric:
    return o / scale;
  case ResizeCoord::AlignCorners:
    return outSize == 1 ? 0.0
                        : o * double(inSize - 1) / double(outSize - 1);
  case ResizeCoord::PytorchHalfPixel:
    return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  case ResizeCoord::TfHalfPixelForNearest:
    return (o + 0.5) / scale;
  case ResizeCoord::TfCropAndResize: {
    double extent = roiEnd - roiStart, in1 = double(inSize - 1);
    double c = outSize == 1 ? extent * in1 / 2.0
                            : o * extent * in1 / double(outSize - 1);
    return c + roiStart * in1;
  }
  }
  return 0.0;
}

int64_t roundNearest(ResizeNearest mode, double v) {
  switch (mode) {
  case ResizeNearest::RoundPreferFloor:
    return static_cast<int64_t>(std::ceil(v - 0.5));
  case ResizeNearest::RoundPreferCeil:
    return static_cast<int64_t>(std::floor(v + 0.5));
  case ResizeNearest::Floor:
    return static_cast<int64_t>(std::floor(v));
  case ResizeNearest::Ceil:
    return static_cast<int64_t>(std::ceil(v));
  }
  return 0;
}

/// ONNX's cubic convolution weights of the neighbours p-1, p, p+1, p+2 of a
/// coordinate at p + t, t in (0, 1] (written as ONNX's reference does).
void cubicWeights(double t, double A, double w[4]) {
  double s = t + 1, u = 1 - t, v = u + 1;
  w[0] = ((A * s - 5 * A) * s + 8 * A) * s - 4 * A;
  w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
  w[2] = ((A + 2) * u - (A + 3)) * u * u + 1;
  w[3] = ((A * v - 5 * A) * v + 8 * A) * v - 4 * A;
}

bool isFloatDtype(int32_t dtype) {
  return dtype == KILN_DTYPE_F16 || dtype == KILN_DTYPE_BF16 ||
         dtype == KILN_DTYPE_F32 || dtype == KILN_DTYPE_F64;
}

/// One input position of an interpolation and its weight.
struct Tap {
  int64_t index;
  double weight;
};

} // namespace

Status resize(const View &x, const std::optional<std::vector<double>> &scales,
              const std::optional<std::vector<int64_t>> &sizes,
              const ResizeParams &p, Buffer &out) {
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  if (p.mode != ResizeMode::Nearest && !isFloatDtype(x.dtype))
    return Status::error(
        std::string(p.mode == ResizeMode::Linear ? "linear" : "cubic") +
        " resize of " + dtypeName(x.dtype) + " (floating-point dtypes only)");
  int64_t rank = x.rank();
  if (scales.has_value() == sizes.has_value() ||
      (int64_t)(scales ? scales->size() : sizes->size()) != rank)
    return Status::error("resize needs one scale or size per dimension");
  bool crop = p.coord == ResizeCoord::TfCropAndResize;
  if (!p.roi.empty() && (int64_t)p.roi.size() != 2 * rank)
    return Status::error("resize's roi needs two entries per dimension");
  auto roiStart = [&](int64_t i) { return p.roi.empty() ? 0.0 : p.roi[i]; };
  auto roiEnd = [&](int64_t i) {
    return p.roi.empty() ? 1.0 : p.roi[rank + i];
  };
  std::vector<int64_t> shape;
  std::vector<double> scale;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = (*x.shape)[i];
    if (sizes) {
      shape.push_back((*sizes)[i]);
      scale.push_back(d == 0 ? 1.0 : double((*sizes)[i]) / double(d));
    } else {
      double extent = crop ? roiEnd(i) - roiStart(i) : 1.0;
      double n = std::floor(double(d) * extent * (*scales)[i]);
      if (!(n >= 0))
        return Status::error("roi of dimension " + std::to_string(i) +
                             " ends before it starts");
      shape.push_back(static_cast<int64_t>(n));
      scale.push_back((*scales)[i]);
    }
    if (d == 0 && shape.back() != 0)
      return Status::error("cannot resize the empty dimension " +
                           std::to_string(i));
  }
  uint8_t fill[8] = {0};
  encode(x.dtype, p.extrapolationValue, fill);
  // Per dimension and output index: nearest, the input index (-1: the
  // coordinate is outside the crop region); linear and cubic, the taps of
  // nonzero weight and whether the coordinate is outside the crop region.
  std::vector<std::vector<int64_t>> nearestIndex(rank);
  std::vector<std::vector<std::vector<Tap>>> taps(rank);
  std::vector<std::vector<bool>> outsideAt(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t d = (*x.shape)[i];
    auto clampIn = [&](int64_t v) { return std::clamp<int64_t>(v, 0, d - 1); };
    for (int64_t o = 0; o < shape[i]; ++o) {
      double c = sourceCoordinate(p.coord, double(o), scale[i], d, shape[i],
                                  roiStart(i), roiEnd(i));
      bool outside = crop && (c < 0 || c > double(d - 1));
      if (p.mode == ResizeMode::Nearest) {
        nearestIndex[i].push_back(
            outside ? -1 : clampIn(roundNearest(p.nearest, c)));
        continue;
      }
      std::vector<Tap> t;
      if (!outside && p.mode == ResizeMode::Linear) {
        double f = std::floor(c);
        int64_t i0 = static_cast<int64_t>(f);
        t = {{clampIn(i0), 1 - (c - f)}, {clampIn(i0 + 1), c - f}};
      } else if (!outside) {
        // Neighbours q-1 .. q+2 with c - q in (0, 1] (ONNX prefers the
        // neighbours on the left of a whole coordinate).
        double f = std::floor(c);
        double q = c == f ? f - 1 : f;
        double w[4];
        cubicWeights(c - q, p.cubicCoeffA, w);
        int64_t q0 = static_cast<int64_t>(q);
        if (p.excludeOutside) {
          double sum = 0;
          for (int k = 0; k < 4; ++k) {
            int64_t j = q0 - 1 + k;
            if (j < 0 || j >= d)
              w[k] = 0;
            sum += w[k];
          }
          for (double &v : w)
            v /= sum;
        }
        for (int k = 0; k < 4; ++k)
          t.push_back({clampIn(q0 - 1 + k), w[k]});
      }
      // Taps of weight 0 add nothing (one is kept, for the walk below).
      if (t.empty())
        t.push_back({0, 0.0});
      t.erase(std::remove_if(t.begin() + 1, t.end(),
                             [](const Tap &tap) { return tap.weight == 0; }),
              t.end());
      if (t.size() > 1 && t[0].weight == 0)
        t.erase(t.begin());
      taps[i].push_back(std::move(t));
      outsideAt[i].push_back(outside);
    }
  }
  if (p.mode == ResizeMode::Nearest) {
    separableCopy(x, shape, nearestIndex, fill, out);
    return Status::ok();
  }
  allocateOut(out, x.dtype, shape);
  size_t size = elementSize(x.dtype);
  int64_t n = numElementsOf(shape);
  std::vector<int64_t> inStrides(rank);
  for (int64_t i = rank, s = 1; i-- > 0;) {
    inStrides[i] = s;
    s *= (*x.shape)[i];
  }
  const auto *in = static_cast<const uint8_t *>(x.data);
  std::vector<int64_t> index(rank, 0), choice(rank, 0);
  for (int64_t k = 0; k < n; ++k) {
    uint8_t *dst = out.bytes.data() + k * size;
    bool outside = false;
    for (int64_t i = 0; i < rank; ++i)
      outside = outside || outsideAt[i][index[i]];
    if (outside) {
      std::memcpy(dst, fill, size);
    } else {
      // Sum over every combination of one tap per dimension.
      double acc = 0;
      std::fill(choice.begin(), choice.end(), 0);
      while (true) {
        double w = 1;
        int64_t offset = 0;
        for (int64_t i = 0; i < rank; ++i) {
          const Tap &tap = taps[i][index[i]][choice[i]];
          w *= tap.weight;
          offset += tap.index * inStrides[i];
        }
        acc += w * decodeFloat(x.dtype, in + offset * size);
        int64_t i = rank;
        while (i-- > 0) {
          if (++choice[i] < (int64_t)taps[i][index[i]].size())
            break;
          choice[i] = 0;
        }
        if (i < 0)
          break;
      }
      encode(x.dtype, acc, dst);
    }
    for (int64_t i = rank; i-- > 0;) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
  return Status::ok();
}

} // namespace mlir::kiln::interp
