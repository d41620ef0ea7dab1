//===- KernelsNN.cpp - reference kernels of the nn family -------*- C++ -*-===//
//
// Direct loops, written to be checked by reading rather than to be fast.
// Numerics follow Kernels.cpp: sums (convolutions, pooling averages,
// normalization statistics) accumulate in double and round once; integer
// products wrap modulo 2^bits; max/min propagate NaN.
//
//===----------------------------------------------------------------------===//

#include "KernelsNN.h"

#include "kiln/abi.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace mlir::kiln::interp {
namespace {

template <typename T> constexpr bool kIsFloat = std::is_floating_point_v<T>;

void allocate(Buffer &out, int32_t dtype, std::vector<int64_t> shape) {
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(numElementsOf(out.shape) * elementSize(dtype), 0);
}

template <typename T> const T *dataOf(const View &v) {
  return static_cast<const T *>(v.data);
}
template <typename T> T *dataOf(Buffer &b) {
  return reinterpret_cast<T *>(b.bytes.data());
}

std::string str(int64_t v) { return std::to_string(v); }

bool normalizeAxis(int64_t axis, int64_t rank, int64_t &result) {
  if (axis < -rank || axis >= rank)
    return false;
  result = axis < 0 ? axis + rank : axis;
  return true;
}

/// Row-major multi-index of `flat` in `shape`.
void unflatten(int64_t flat, const std::vector<int64_t> &shape,
               std::vector<int64_t> &index) {
  index.resize(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
}

Status checkSame(const View &a, const View &b, const char *name) {
  if (a.dtype != b.dtype)
    return Status::error(std::string(name) + " has dtype " +
                         dtypeName(b.dtype) + ", x has " + dtypeName(a.dtype));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Window geometry
//===----------------------------------------------------------------------===//

Status checkWindowParams(const View &x, size_t r, const WindowParams &p) {
  if (x.rank() < 3 || x.rank() > 5)
    return Status::error("x must be [N, C, D...] with 1 to 3 spatial "
                         "dimensions, got " +
                         shapeString(*x.shape));
  if (p.strides.size() != r || p.dilations.size() != r ||
      p.pads.size() != 2 * r)
    return Status::error("window attributes do not match " + str(r) +
                         " spatial dimensions");
  for (size_t i = 0; i < r; ++i)
    if (p.strides[i] < 1 || p.dilations[i] < 1)
      return Status::error("strides and dilations must be >= 1");
  return Status::ok();
}

/// Output size of a conv/pool window in one dimension (ONNX), or -1.
int64_t windowOut(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                  int64_t pe, bool ceilMode) {
  int64_t eff = (k - 1) * d + 1, span = in + pb + pe;
  if (span < eff)
    return -1;
  int64_t o = (ceilMode ? (span - eff + s - 1) / s : (span - eff) / s) + 1;
  if (ceilMode && (o - 1) * s >= in + pb)
    --o;
  return o;
}

//===----------------------------------------------------------------------===//
// conv and conv_transpose
//===----------------------------------------------------------------------===//

struct ConvShape {
  int64_t n, c, m, cg, mg, groups;
  std::vector<int64_t> in, kernel, out;
};

Status convShape(const View &x, const View &w, const View *bias,
                 const WindowParams &p, bool transpose, ConvShape &cs) {
  size_t r = x.rank() >= 2 ? x.rank() - 2 : 0;
  if (Status s = checkWindowParams(x, r, p); s.failed())
    return s;
  if (Status s = checkSame(x, w, "w"); s.failed())
    return s;
  if (w.rank() != x.rank())
    return Status::error("kernel rank mismatch: w " + shapeString(*w.shape) +
                         ", x " + shapeString(*x.shape));
  const auto &xs = *x.shape, &ws = *w.shape;
  cs.n = xs[0];
  cs.c = xs[1];
  cs.groups = p.groups;
  if (cs.groups < 1 || cs.c % cs.groups)
    return Status::error("groups (" + str(cs.groups) +
                         ") does not divide the " + str(cs.c) +
                         " input channels");
  cs.cg = cs.c / cs.groups;
  if (!transpose) {
    if (ws[1] != cs.cg)
      return Status::error("channel mismatch: x " + shapeString(xs) + ", w " +
                           shapeString(ws));
    cs.m = ws[0];
    if (cs.m % cs.groups)
      return Status::error("groups does not divide the output channels");
    cs.mg = cs.m / cs.groups;
  } else {
    if (ws[0] != cs.c)
      return Status::error("channel mismatch: x " + shapeString(xs) + ", w " +
                           shapeString(ws));
    cs.mg = ws[1];
    cs.m = cs.mg * cs.groups;
  }
  if (bias) {
    if (Status s = checkSame(x, *bias, "bias"); s.failed())
      return s;
    if (bias->rank() != 1 || (*bias->shape)[0] != cs.m)
      return Status::error("bias must be [" + str(cs.m) + "], got " +
                           shapeString(*bias->shape));
  }
  for (size_t i = 0; i < r; ++i) {
    int64_t in = xs[i + 2], k = ws[i + 2];
    int64_t s = p.strides[i], d = p.dilations[i];
    int64_t pb = p.pads[i], pe = p.pads[r + i];
    int64_t o;
    if (transpose) {
      int64_t op = i < p.outputPadding.size() ? p.outputPadding[i] : 0;
      o = s * (in - 1) + op + (k - 1) * d + 1 - pb - pe;
    } else {
      o = windowOut(in, k, s, d, pb, pe, false);
    }
    if (o < 1 || k < 1)
      return Status::error("no output in spatial dimension " + str(i) +
                           " for x " + shapeString(xs) + " and w " +
                           shapeString(ws));
    cs.in.push_back(in);
    cs.kernel.push_back(k);
    cs.out.push_back(o);
  }
  return Status::ok();
}

std::vector<int64_t> outputShape(int64_t n, int64_t c,
                                 const std::vector<int64_t> &spatial) {
  std::vector<int64_t> shape = {n, c};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  return shape;
}

} // namespace

Status conv(const View &x, const View &w, const View *bias,
            const WindowParams &p, Buffer &out) {
  ConvShape cs;
  if (Status s = convShape(x, w, bias, p, false, cs); s.failed())
    return s;
  return dispatch(x.dtype, Domain::Float, "conv", [&](auto tag) {
    using T = typename decltype(tag)::type;
    size_t r = cs.in.size();
    allocate(out, x.dtype, outputShape(cs.n, cs.m, cs.out));
    const T *px = dataOf<T>(x), *pw = dataOf<T>(w);
    const T *pbias = bias ? dataOf<T>(*bias) : nullptr;
    T *po = dataOf<T>(out);
    int64_t inSize = numElementsOf(cs.in), outSize = numElementsOf(cs.out);
    int64_t kSize = numElementsOf(cs.kernel);
    std::vector<int64_t> oi, ki;
    for (int64_t n = 0; n < cs.n; ++n)
      for (int64_t m = 0; m < cs.m; ++m) {
        int64_t g = m / cs.mg;
        for (int64_t o = 0; o < outSize; ++o) {
          unflatten(o, cs.out, oi);
          double acc = pbias ? double(pbias[m]) : 0.0;
          for (int64_t c = 0; c < cs.cg; ++c) {
            int64_t ch = g * cs.cg + c;
            for (int64_t k = 0; k < kSize; ++k) {
              unflatten(k, cs.kernel, ki);
              int64_t flat = 0;
              bool inside = true;
              for (size_t i = 0; i < r; ++i) {
                int64_t pos =
                    oi[i] * p.strides[i] + ki[i] * p.dilations[i] - p.pads[i];
                inside = inside && pos >= 0 && pos < cs.in[i];
                flat = flat * cs.in[i] + pos;
              }
              if (!inside)
                continue;
              acc += double(px[(n * cs.c + ch) * inSize + flat]) *
                     double(pw[(m * cs.cg + c) * kSize + k]);
            }
          }
          po[(n * cs.m + m) * outSize + o] = static_cast<T>(acc);
        }
      }
    return Status::ok();
  });
}

Status convTranspose(const View &x, const View &w, const View *bias,
                     const WindowParams &p, Buffer &out) {
  ConvShape cs;
  if (Status s = convShape(x, w, bias, p, true, cs); s.failed())
    return s;
  return dispatch(x.dtype, Domain::Float, "conv_transpose", [&](auto tag) {
    using T = typename decltype(tag)::type;
    size_t r = cs.in.size();
    allocate(out, x.dtype, outputShape(cs.n, cs.m, cs.out));
    const T *px = dataOf<T>(x), *pw = dataOf<T>(w);
    int64_t inSize = numElementsOf(cs.in), outSize = numElementsOf(cs.out);
    int64_t kSize = numElementsOf(cs.kernel);
    // Scatter every input element through the kernel (the definition).
    std::vector<double> acc(cs.n * cs.m * outSize, 0.0);
    std::vector<int64_t> ii, ki;
    for (int64_t n = 0; n < cs.n; ++n)
      for (int64_t c = 0; c < cs.c; ++c) {
        int64_t g = c / cs.cg;
        for (int64_t i = 0; i < inSize; ++i) {
          unflatten(i, cs.in, ii);
          double xv = double(px[(n * cs.c + c) * inSize + i]);
          for (int64_t k = 0; k < kSize; ++k) {
            unflatten(k, cs.kernel, ki);
            int64_t flat = 0;
            bool inside = true;
            for (size_t d = 0; d < r; ++d) {
              int64_t pos =
                  ii[d] * p.strides[d] + ki[d] * p.dilations[d] - p.pads[d];
              inside = inside && pos >= 0 && pos < cs.out[d];
              flat = flat * cs.out[d] + pos;
            }
            if (!inside)
              continue;
            for (int64_t mg = 0; mg < cs.mg; ++mg) {
              int64_t m = g * cs.mg + mg;
              acc[(n * cs.m + m) * outSize + flat] +=
                  xv * double(pw[(c * cs.mg + mg) * kSize + k]);
            }
          }
        }
      }
    T *po = dataOf<T>(out);
    const T *pbias = bias ? dataOf<T>(*bias) : nullptr;
    for (int64_t n = 0; n < cs.n; ++n)
      for (int64_t m = 0; m < cs.m; ++m)
        for (int64_t o = 0; o < outSize; ++o) {
          int64_t at = (n * cs.m + m) * outSize + o;
          po[at] = static_cast<T>(acc[at] + (pbias ? double(pbias[m]) : 0.0));
        }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

namespace {
/// Calls `visit(outFlat, posFlat or -1 for padding)` for every window
/// position of every output position of one (n, c) plane; returns the
/// output spatial shape through `out`.
template <typename Visit>
void forEachWindow(const std::vector<int64_t> &in,
                   const std::vector<int64_t> &out, const WindowParams &p,
                   Visit visit) {
  size_t r = in.size();
  std::vector<int64_t> oi, ki;
  int64_t outSize = numElementsOf(out), kSize = numElementsOf(p.kernel);
  for (int64_t o = 0; o < outSize; ++o) {
    unflatten(o, out, oi);
    for (int64_t k = 0; k < kSize; ++k) {
      unflatten(k, p.kernel, ki);
      int64_t flat = 0;
      bool inside = true;
      for (size_t i = 0; i < r; ++i) {
        int64_t pos = oi[i] * p.strides[i] + ki[i] * p.dilations[i] - p.pads[i];
        inside = inside && pos >= 0 && pos < in[i];
        flat = flat * in[i] + pos;
      }
      visit(o, inside ? flat : -1);
    }
  }
}

Status poolShape(const View &x, const WindowParams &p, std::vector<int64_t> &in,
                 std::vector<int64_t> &out) {
  size_t r = x.rank() >= 2 ? x.rank() - 2 : 0;
  if (Status s = checkWindowParams(x, r, p); s.failed())
    return s;
  if (p.kernel.size() != r)
    return Status::error("kernel rank mismatch: 'kernel' has " +
                         str(p.kernel.size()) + " entries for x " +
                         shapeString(*x.shape));
  for (size_t i = 0; i < r; ++i) {
    int64_t o = windowOut((*x.shape)[i + 2], p.kernel[i], p.strides[i],
                          p.dilations[i], p.pads[i], p.pads[r + i], p.ceilMode);
    if (o < 1 || p.kernel[i] < 1)
      return Status::error("the window is larger than the padded input " +
                           shapeString(*x.shape));
    in.push_back((*x.shape)[i + 2]);
    out.push_back(o);
  }
  return Status::ok();
}
} // namespace

Status maxPool(const View &x, const WindowParams &p, Buffer &out) {
  std::vector<int64_t> in, os;
  if (Status s = poolShape(x, p, in, os); s.failed())
    return s;
  return dispatch(x.dtype, Domain::Numeric, "max_pool", [&](auto tag) {
    using T = typename decltype(tag)::type;
    int64_t planes = (*x.shape)[0] * (*x.shape)[1];
    allocate(out, x.dtype, outputShape((*x.shape)[0], (*x.shape)[1], os));
    int64_t inSize = numElementsOf(in), outSize = numElementsOf(os);
    const T *px = dataOf<T>(x);
    T *po = dataOf<T>(out);
    // A window with no input element keeps the lowest value (-inf).
    T lowest = kIsFloat<T> ? -std::numeric_limits<T>::infinity()
                           : std::numeric_limits<T>::lowest();
    for (int64_t pl = 0; pl < planes; ++pl) {
      const T *plane = px + pl * inSize;
      T *dst = po + pl * outSize;
      std::fill(dst, dst + outSize, lowest);
      forEachWindow(in, os, p, [&](int64_t o, int64_t pos) {
        if (pos < 0)
          return;
        T v = plane[pos];
        if constexpr (kIsFloat<T>) {
          if (std::isnan(dst[o]))
            return;
          if (std::isnan(v)) {
            dst[o] = v;
            return;
          }
        }
        if (v > dst[o])
          dst[o] = v;
      });
    }
    return Status::ok();
  });
}

Status avgPool(const View &x, const WindowParams &p, Buffer &out) {
  std::vector<int64_t> in, os;
  if (Status s = poolShape(x, p, in, os); s.failed())
    return s;
  return dispatch(x.dtype, Domain::Float, "avg_pool", [&](auto tag) {
    using T = typename decltype(tag)::type;
    size_t r = in.size();
    int64_t planes = (*x.shape)[0] * (*x.shape)[1];
    allocate(out, x.dtype, outputShape((*x.shape)[0], (*x.shape)[1], os));
    int64_t inSize = numElementsOf(in), outSize = numElementsOf(os);
    // The divisor of each output position: its window's input elements, or
    // with count_include_pad its positions inside [-pb, D + pe).
    std::vector<double> count(outSize, 0.0);
    std::vector<int64_t> oi;
    for (int64_t o = 0; o < outSize; ++o) {
      unflatten(o, os, oi);
      double c = 1;
      for (size_t i = 0; i < r; ++i) {
        int64_t start = oi[i] * p.strides[i] - p.pads[i];
        int64_t end = start + p.kernel[i];
        int64_t n = p.countIncludePad
                        ? std::min(end, in[i] + p.pads[r + i]) - start
                        : std::min(end, in[i]) - std::max<int64_t>(start, 0);
        c *= double(std::max<int64_t>(n, 0));
      }
      count[o] = c;
    }
    const T *px = dataOf<T>(x);
    T *po = dataOf<T>(out);
    std::vector<double> sum(outSize);
    for (int64_t pl = 0; pl < planes; ++pl) {
      const T *plane = px + pl * inSize;
      std::fill(sum.begin(), sum.end(), 0.0);
      forEachWindow(in, os, p, [&](int64_t o, int64_t pos) {
        if (pos >= 0)
          sum[o] += double(plane[pos]);
      });
      for (int64_t o = 0; o < outSize; ++o)
        po[pl * outSize + o] = static_cast<T>(sum[o] / count[o]);
    }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

namespace {
/// Shapes of a reduction over `axes`: the result, and for each input element
/// (walked in order) the offset of its accumulator.
struct Reduction {
  std::vector<int64_t> shape;
  std::vector<int64_t> accOffset;
  int64_t outCount = 1, count = 1;
};

Status planReduction(const View &x,
                     const std::optional<std::vector<int64_t>> &axes,
                     bool keepdims, Reduction &red) {
  int64_t rank = x.rank();
  std::vector<bool> reduced(rank, !axes.has_value());
  if (axes)
    for (int64_t axis : *axes) {
      int64_t a;
      if (!normalizeAxis(axis, rank, a))
        return Status::error("axis " + str(axis) +
                             " is out of range for rank " + str(rank));
      if (reduced[a])
        return Status::error("axis " + str(axis) + " is repeated");
      reduced[a] = true;
    }
  std::vector<int64_t> kept;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = (*x.shape)[d];
    if (reduced[d]) {
      red.count *= size;
      if (keepdims)
        red.shape.push_back(1);
    } else {
      kept.push_back(size);
      red.shape.push_back(size);
    }
  }
  red.outCount = numElementsOf(kept);
  int64_t n = x.numElements();
  red.accOffset.resize(n);
  std::vector<int64_t> index;
  for (int64_t i = 0; i < n; ++i) {
    unflatten(i, *x.shape, index);
    int64_t off = 0;
    for (int64_t d = 0; d < rank; ++d)
      if (!reduced[d])
        off = off * (*x.shape)[d] + index[d];
    red.accOffset[i] = off;
  }
  return Status::ok();
}

template <typename T> T wrapMul(T a, T b) {
  if constexpr (kIsFloat<T>) {
    return a * b;
  } else {
    using U = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                 std::make_unsigned_t<T>>;
    return static_cast<T>(U(a) * U(b));
  }
}
} // namespace

Status reduceMin(const View &x, const std::optional<std::vector<int64_t>> &axes,
                 bool keepdims, Buffer &out) {
  Reduction red;
  if (Status s = planReduction(x, axes, keepdims, red); s.failed())
    return s;
  if (red.count == 0 && red.outCount > 0)
    return Status::error("reduce_min over an empty axis has no identity");
  return dispatch(x.dtype, Domain::Numeric, "reduce_min", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, red.shape);
    T *po = dataOf<T>(out);
    std::fill(po, po + red.outCount,
              kIsFloat<T> ? std::numeric_limits<T>::infinity()
                          : std::numeric_limits<T>::max());
    const T *px = dataOf<T>(x);
    for (int64_t i = 0, n = x.numElements(); i < n; ++i) {
      T &slot = po[red.accOffset[i]];
      T v = px[i];
      if constexpr (kIsFloat<T>) {
        if (std::isnan(slot))
          continue;
        if (std::isnan(v)) {
          slot = v;
          continue;
        }
      }
      if (v < slot)
        slot = v;
    }
    return Status::ok();
  });
}

Status reduceProd(const View &x,
                  const std::optional<std::vector<int64_t>> &axes,
                  bool keepdims, Buffer &out) {
  Reduction red;
  if (Status s = planReduction(x, axes, keepdims, red); s.failed())
    return s;
  return dispatch(x.dtype, Domain::Numeric, "reduce_prod", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, red.shape);
    T *po = dataOf<T>(out);
    const T *px = dataOf<T>(x);
    if constexpr (kIsFloat<T>) {
      // Products in double, rounded once, like the sums.
      std::vector<double> acc(red.outCount, 1.0);
      for (int64_t i = 0, n = x.numElements(); i < n; ++i)
        acc[red.accOffset[i]] *= double(px[i]);
      for (int64_t i = 0; i < red.outCount; ++i)
        po[i] = static_cast<T>(acc[i]);
    } else {
      std::fill(po, po + red.outCount, T(1));
      for (int64_t i = 0, n = x.numElements(); i < n; ++i)
        po[red.accOffset[i]] = wrapMul<T>(po[red.accOffset[i]], px[i]);
    }
    return Status::ok();
  });
}

Status argReduce(ExtremumKind kind, const View &x, int64_t axis, bool keepdims,
                 Buffer &out) {
  const char *name = kind == ExtremumKind::Max ? "argmax" : "argmin";
  int64_t rank = x.rank(), a;
  if (!normalizeAxis(axis, rank, a))
    return Status::error("axis " + str(axis) + " is out of range for rank " +
                         str(rank));
  const std::vector<int64_t> &s = *x.shape;
  int64_t len = s[a], outer = 1, inner = 1;
  for (int64_t d = 0; d < a; ++d)
    outer *= s[d];
  for (int64_t d = a + 1; d < rank; ++d)
    inner *= s[d];
  if (len == 0)
    return Status::error(std::string(name) +
                         " over an empty axis has no index to return");
  std::vector<int64_t> shape = s;
  if (keepdims)
    shape[a] = 1;
  else
    shape.erase(shape.begin() + a);
  return dispatch(x.dtype, Domain::Numeric, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *px = dataOf<T>(x);
    allocate(out, KILN_DTYPE_I64, shape);
    int64_t *po = dataOf<int64_t>(out);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T *row = px + o * len * inner + i;
        int64_t best = 0;
        for (int64_t j = 0; j < len; ++j) {
          T v = row[j * inner], b = row[best * inner];
          if constexpr (kIsFloat<T>) {
            if (std::isnan(b))
              break; // the first NaN wins
            if (std::isnan(v)) {
              best = j;
              break;
            }
          }
          if (kind == ExtremumKind::Max ? v > b : v < b)
            best = j;
        }
        po[o * inner + i] = best;
      }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// log_softmax and normalization
//===----------------------------------------------------------------------===//

Status logSoftmax(const View &x, int64_t axis, Buffer &out) {
  int64_t rank = x.rank(), a;
  if (!normalizeAxis(axis, rank, a))
    return Status::error("axis " + str(axis) + " is out of range for rank " +
                         str(rank));
  return dispatch(x.dtype, Domain::Float, "log_softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, *x.shape);
    const std::vector<int64_t> &s = *x.shape;
    int64_t outer = 1, inner = 1, len = s[a];
    for (int64_t d = 0; d < a; ++d)
      outer *= s[d];
    for (int64_t d = a + 1; d < rank; ++d)
      inner *= s[d];
    const T *px = dataOf<T>(x);
    T *po = dataOf<T>(out);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t base = o * len * inner + i;
        double mx = -std::numeric_limits<double>::infinity();
        bool nan = false;
        for (int64_t j = 0; j < len; ++j) {
          double v = double(px[base + j * inner]);
          nan = nan || std::isnan(v);
          mx = std::max(mx, v);
        }
        double sum = 0;
        for (int64_t j = 0; j < len; ++j)
          sum += std::exp(double(px[base + j * inner]) - mx);
        double lse = nan ? std::nan("") : mx + std::log(sum);
        for (int64_t j = 0; j < len; ++j)
          po[base + j * inner] =
              static_cast<T>(double(px[base + j * inner]) - lse);
      }
    return Status::ok();
  });
}

namespace {
/// Offsets of an operand of shape `in` broadcast (NumPy) to `shape`, for
/// each element of `shape` in row-major order; false if it does not fit.
bool broadcastOffsets(const std::vector<int64_t> &in,
                      const std::vector<int64_t> &shape,
                      std::vector<int64_t> &offsets) {
  if (in.size() > shape.size())
    return false;
  size_t lead = shape.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1 && in[i] != shape[lead + i])
      return false;
  int64_t n = numElementsOf(shape);
  offsets.resize(n);
  std::vector<int64_t> index;
  for (int64_t e = 0; e < n; ++e) {
    unflatten(e, shape, index);
    int64_t off = 0;
    for (size_t i = 0; i < in.size(); ++i)
      off = off * in[i] + (in[i] == 1 ? 0 : index[lead + i]);
    offsets[e] = off;
  }
  return true;
}
} // namespace

Status layerNorm(const View &x, const View &scale, const View &bias,
                 int64_t axis, double epsilon, Buffer &out) {
  int64_t rank = x.rank(), a;
  if (!normalizeAxis(axis, rank, a))
    return Status::error("axis " + str(axis) + " is out of range for rank " +
                         str(rank));
  for (const View *v : {&scale, &bias})
    if (Status s = checkSame(x, *v, v == &scale ? "scale" : "bias"); s.failed())
      return s;
  std::vector<int64_t> normShape(x.shape->begin() + a, x.shape->end());
  std::vector<int64_t> scaleOff, biasOff;
  if (!broadcastOffsets(*scale.shape, normShape, scaleOff) ||
      !broadcastOffsets(*bias.shape, normShape, biasOff))
    return Status::error("scale " + shapeString(*scale.shape) + " and bias " +
                         shapeString(*bias.shape) +
                         " must broadcast to the normalized dimensions " +
                         shapeString(normShape));
  return dispatch(x.dtype, Domain::Float, "layer_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, *x.shape);
    int64_t len = numElementsOf(normShape);
    int64_t rows = len ? x.numElements() / len : 0;
    const T *px = dataOf<T>(x), *ps = dataOf<T>(scale), *pb = dataOf<T>(bias);
    T *po = dataOf<T>(out);
    for (int64_t row = 0; row < rows; ++row) {
      const T *in = px + row * len;
      double mean = 0, var = 0;
      for (int64_t j = 0; j < len; ++j)
        mean += double(in[j]);
      mean /= double(len);
      for (int64_t j = 0; j < len; ++j)
        var += (double(in[j]) - mean) * (double(in[j]) - mean);
      var /= double(len);
      double rstd = 1.0 / std::sqrt(var + epsilon);
      for (int64_t j = 0; j < len; ++j)
        po[row * len + j] = static_cast<T>((double(in[j]) - mean) * rstd *
                                               double(ps[scaleOff[j]]) +
                                           double(pb[biasOff[j]]));
    }
    return Status::ok();
  });
}

Status batchNorm(const View &x, const View &scale, const View &bias,
                 const View &mean, const View &var, double epsilon,
                 Buffer &out) {
  if (x.rank() < 2)
    return Status::error("x must be [N, C, ...], got " + shapeString(*x.shape));
  int64_t c = (*x.shape)[1];
  const View *params[] = {&scale, &bias, &mean, &var};
  const char *names[] = {"scale", "bias", "mean", "var"};
  for (int i = 0; i < 4; ++i) {
    if (Status s = checkSame(x, *params[i], names[i]); s.failed())
      return s;
    if (params[i]->rank() != 1 || (*params[i]->shape)[0] != c)
      return Status::error(std::string(names[i]) + " must be [" + str(c) +
                           "], got " + shapeString(*params[i]->shape));
  }
  return dispatch(x.dtype, Domain::Float, "batch_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, *x.shape);
    int64_t n = (*x.shape)[0], inner = 1;
    for (int64_t d = 2; d < x.rank(); ++d)
      inner *= (*x.shape)[d];
    const T *px = dataOf<T>(x);
    T *po = dataOf<T>(out);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        double m = double(dataOf<T>(mean)[ch]);
        double sd = std::sqrt(double(dataOf<T>(var)[ch]) + epsilon);
        double g = double(dataOf<T>(scale)[ch]);
        double bb = double(dataOf<T>(bias)[ch]);
        int64_t base = (b * c + ch) * inner;
        for (int64_t i = 0; i < inner; ++i)
          po[base + i] =
              static_cast<T>((double(px[base + i]) - m) / sd * g + bb);
      }
    return Status::ok();
  });
}

} // namespace mlir::kiln::interp
