//===- KernelsIndexing.cpp - indexing-op kernels ----------------*- C++ -*-===//
#include "KernelsIndexing.h"

#include "kiln/abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace mlir::kiln::interp {

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

template <typename T> T load(const uint8_t *src) {
  T v;
  std::memcpy(&v, src, sizeof(T));
  return v;
}

template <typename T> void store(uint8_t *dst, T v) {
  std::memcpy(dst, &v, sizeof(T));
}

/// An unsigned type at least as wide as `unsigned`: integer arithmetic in it
/// wraps and cannot overflow through promotion to (signed) int.
template <typename T>
using WrapT = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                 std::make_unsigned_t<T>>;

template <typename T> T addOf(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a + b;
  else
    return static_cast<T>(WrapT<T>(a) + WrapT<T>(b));
}

template <typename T> T mulOf(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a * b;
  else
    return static_cast<T>(WrapT<T>(a) * WrapT<T>(b));
}

template <typename T> bool isNaN(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

Status checkDtype(int32_t dtype) {
  if (elementSize(dtype) == 0)
    return Status::error("unknown dtype code " + std::to_string(dtype));
  return Status::ok();
}

Status checkIndices(const View &indices) {
  if (indices.dtype != KILN_DTYPE_I32 && indices.dtype != KILN_DTYPE_I64)
    return Status::error("indices must be i32 or i64, got " +
                         dtypeName(indices.dtype));
  return Status::ok();
}

bool normAxis(int64_t axis, int64_t rank, int64_t &result) {
  if (axis < -rank || axis >= rank)
    return false;
  result = axis < 0 ? axis + rank : axis;
  return true;
}

Status axisError(int64_t axis, int64_t rank) {
  return Status::error("axis " + std::to_string(axis) +
                       " is out of range for rank " + std::to_string(rank));
}

void allocateOut(Buffer &out, int32_t dtype, std::vector<int64_t> shape) {
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(numElementsOf(out.shape) * elementSize(dtype), 0);
}

void copyOf(const View &x, Buffer &out) {
  out.dtype = x.dtype;
  out.shape = *x.shape;
  const auto *bytes = static_cast<const uint8_t *>(x.data);
  out.bytes.assign(bytes, bytes + x.numElements() * elementSize(x.dtype));
}

/// Row-major strides (in elements).
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    s[i - 1] = s[i] * shape[i];
  return s;
}

int64_t product(const std::vector<int64_t> &shape, size_t lo, size_t hi) {
  int64_t p = 1;
  for (size_t i = lo; i < hi; ++i)
    p *= shape[i];
  return p;
}

/// Element `i` of an index tensor, as a position in a dimension of size `d`
/// (> 0): negative counts from the end, then clamped to [0, d-1].
int64_t indexAt(const View &indices, int64_t i, int64_t d) {
  const auto *p = static_cast<const uint8_t *>(indices.data);
  int64_t v = indices.dtype == KILN_DTYPE_I32 ? load<int32_t>(p + 4 * i)
                                              : load<int64_t>(p + 8 * i);
  if (v < 0)
    v += d;
  return std::clamp<int64_t>(v, 0, d - 1);
}

/// Calls `fn(index)` for every multi-index of `shape` in row-major order.
template <typename Fn>
void forEachIndex(const std::vector<int64_t> &shape, Fn &&fn) {
  if (numElementsOf(shape) == 0)
    return;
  std::vector<int64_t> idx(shape.size(), 0);
  while (true) {
    fn(idx);
    size_t i = shape.size();
    while (i > 0 && ++idx[i - 1] == shape[i - 1])
      idx[--i] = 0;
    if (i == 0)
      return;
  }
}

//===----------------------------------------------------------------------===//
// Scatter reductions
//===----------------------------------------------------------------------===//

/// dst = f(dst, src) for one element.
using CombineFn = void (*)(uint8_t *dst, const uint8_t *src,
                           ScatterReduction reduction);

template <typename T>
void combineAs(uint8_t *dst, const uint8_t *src, ScatterReduction reduction) {
  T a = load<T>(dst), b = load<T>(src), r;
  switch (reduction) {
  case ScatterReduction::Add:
    r = addOf(a, b);
    break;
  case ScatterReduction::Mul:
    r = mulOf(a, b);
    break;
  case ScatterReduction::Max:
  case ScatterReduction::Min:
    if (isNaN(a) || isNaN(b))
      r = isNaN(a) ? a : b;
    else
      r = (reduction == ScatterReduction::Max) == (b > a) ? b : a;
    break;
  default:
    r = b;
  }
  store<T>(dst, r);
}

void combineBool(uint8_t *dst, const uint8_t *src,
                 ScatterReduction reduction) {
  bool a = *dst != 0, b = *src != 0;
  bool any = reduction == ScatterReduction::Add ||
             reduction == ScatterReduction::Max;
  *dst = any ? (a || b) : (a && b);
}

/// The element combiner of `dtype` (null for ScatterReduction::None, which
/// copies).
Status combinerFor(int32_t dtype, ScatterReduction reduction, CombineFn &fn) {
  fn = nullptr;
  if (reduction == ScatterReduction::None)
    return Status::ok();
  if (dtype == KILN_DTYPE_BOOL) {
    fn = combineBool;
    return Status::ok();
  }
  return dispatch(dtype, Domain::Numeric, "scatter reduction", [&](auto tag) {
    fn = combineAs<typename decltype(tag)::type>;
    return Status::ok();
  });
}

/// Writes element `src` into `dst` (both of `size` bytes) by `fn`, or
/// copies it when `fn` is null.
void scatterElement(uint8_t *dst, const uint8_t *src, size_t size,
                    CombineFn fn, ScatterReduction reduction) {
  if (fn)
    fn(dst, src, reduction);
  else
    std::memcpy(dst, src, size);
}

/// gather_elements / scatter_elements: the shared shape rules.
Status checkElementsShapes(const View &data, const View &indices,
                           int64_t axis, const char *dataName) {
  if (indices.rank() != data.rank())
    return Status::error(std::string("indices must have the rank of ") +
                         dataName + " (" + std::to_string(data.rank()) +
                         "), got " + std::to_string(indices.rank()));
  for (int64_t i = 0; i < data.rank(); ++i)
    if (i != axis && (*indices.shape)[i] > (*data.shape)[i])
      return Status::error("indices dimension " + std::to_string(i) + " (" +
                           std::to_string((*indices.shape)[i]) +
                           ") exceeds that of " + dataName + " (" +
                           std::to_string((*data.shape)[i]) + ")");
  if ((*data.shape)[axis] == 0 && indices.numElements() > 0)
    return Status::error("index into the empty axis " + std::to_string(axis));
  return Status::ok();
}

/// gather_nd / scatter_nd: the index tuples' length, checked against
/// `data` (from dimension `batchDims` on).
Status tupleLength(const View &data, const View &indices, int64_t batchDims,
                   int64_t &k) {
  if (indices.rank() < 1)
    return Status::error("indices must have rank 1 or more");
  k = indices.shape->back();
  if (k < 1 || batchDims + k > data.rank())
    return Status::error("index tuples of length " + std::to_string(k) +
                         " must have 1 to " +
                         std::to_string(data.rank() - batchDims) + " entries");
  for (int64_t j = 0; j < k; ++j)
    if ((*data.shape)[batchDims + j] == 0 && indices.numElements() > 0)
      return Status::error("index into the empty dimension " +
                           std::to_string(batchDims + j));
  return Status::ok();
}

/// The element offset in `data` of index tuple `t` (dimensions `first` to
/// `first + k - 1`).
int64_t tupleOffset(const View &data, const std::vector<int64_t> &strides,
                    const View &indices, int64_t t, int64_t first,
                    int64_t k) {
  int64_t offset = 0;
  for (int64_t j = 0; j < k; ++j)
    offset += indexAt(indices, t * k + j, (*data.shape)[first + j]) *
              strides[first + j];
  return offset;
}

} // namespace

//===----------------------------------------------------------------------===//
// gather_elements / scatter_elements
//===----------------------------------------------------------------------===//

Status gatherElements(const View &x, const View &indices, int64_t axis,
                      Buffer &out) {
  int64_t a;
  if (Status s = checkDtype(x.dtype); s.failed())
    return s;
  if (Status s = checkIndices(indices); s.failed())
    return s;
  if (!normAxis(axis, x.rank(), a))
    return axisError(axis, x.rank());
  if (Status s = checkElementsShapes(x, indices, a, "x"); s.failed())
    return s;
  allocateOut(out, x.dtype, *indices.shape);
  size_t size = elementSize(x.dtype);
  std::vector<int64_t> strides = stridesOf(*x.shape);
  const auto *src = static_cast<const uint8_t *>(x.data);
  int64_t flat = 0;
  forEachIndex(*indices.shape, [&](const std::vector<int64_t> &idx) {
    int64_t offset = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      offset += ((int64_t)i == a ? indexAt(indices, flat, (*x.shape)[a])
                                 : idx[i]) *
                strides[i];
    std::memcpy(out.bytes.data() + flat * size, src + offset * size, size);
    ++flat;
  });
  return Status::ok();
}

Status scatterElements(const View &data, const View &indices,
                       const View &updates, int64_t axis,
                       ScatterReduction reduction, Buffer &out) {
  int64_t a;
  CombineFn fn;
  if (Status s = checkDtype(data.dtype); s.failed())
    return s;
  if (updates.dtype != data.dtype)
    return Status::error("updates must have the dtype of data (" +
                         dtypeName(data.dtype) + "), got " +
                         dtypeName(updates.dtype));
  if (Status s = checkIndices(indices); s.failed())
    return s;
  if (!normAxis(axis, data.rank(), a))
    return axisError(axis, data.rank());
  if (*updates.shape != *indices.shape)
    return Status::error("updates " + shapeString(*updates.shape) +
                         " must have the shape of indices " +
                         shapeString(*indices.shape));
  if (Status s = checkElementsShapes(data, indices, a, "data"); s.failed())
    return s;
  if (Status s = combinerFor(data.dtype, reduction, fn); s.failed())
    return s;
  copyOf(data, out);
  size_t size = elementSize(data.dtype);
  std::vector<int64_t> strides = stridesOf(*data.shape);
  const auto *src = static_cast<const uint8_t *>(updates.data);
  int64_t flat = 0;
  forEachIndex(*indices.shape, [&](const std::vector<int64_t> &idx) {
    int64_t offset = 0;
    for (size_t i = 0; i < idx.size(); ++i)
      offset += ((int64_t)i == a ? indexAt(indices, flat, (*data.shape)[a])
                                 : idx[i]) *
                strides[i];
    scatterElement(out.bytes.data() + offset * size, src + flat * size, size,
                   fn, reduction);
    ++flat;
  });
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// gather_nd / scatter_nd
//===----------------------------------------------------------------------===//

Status gatherND(const View &data, const View &indices, int64_t batchDims,
                Buffer &out) {
  int64_t k, b = batchDims, q = indices.rank();
  if (Status s = checkDtype(data.dtype); s.failed())
    return s;
  if (Status s = checkIndices(indices); s.failed())
    return s;
  if (q < 1 || b < 0 || b >= q)
    return Status::error("batch_dims " + std::to_string(b) +
                         " must be in [0, rank(indices) - 1]");
  for (int64_t i = 0; i < b && i < data.rank(); ++i)
    if ((*indices.shape)[i] != (*data.shape)[i])
      return Status::error("batch dimension " + std::to_string(i) +
                           " of indices (" +
                           std::to_string((*indices.shape)[i]) +
                           ") differs from data's (" +
                           std::to_string((*data.shape)[i]) + ")");
  if (Status s = tupleLength(data, indices, b, k); s.failed())
    return s;
  const std::vector<int64_t> &ds = *data.shape, &is = *indices.shape;
  std::vector<int64_t> shape(is.begin(), is.end() - 1);
  shape.insert(shape.end(), ds.begin() + b + k, ds.end());
  allocateOut(out, data.dtype, shape);
  size_t size = elementSize(data.dtype);
  std::vector<int64_t> strides = stridesOf(ds);
  int64_t slice = product(ds, b + k, ds.size());
  int64_t tuples = product(is, 0, q - 1);
  // Tuples per batch entry, and elements of data per batch entry.
  int64_t perBatch = product(is, b, q - 1);
  int64_t batchSize = product(ds, b, ds.size());
  const auto *src = static_cast<const uint8_t *>(data.data);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = (t / perBatch) * batchSize +
                     tupleOffset(data, strides, indices, t, b, k);
    std::memcpy(out.bytes.data() + t * slice * size, src + offset * size,
                slice * size);
  }
  return Status::ok();
}

Status scatterND(const View &data, const View &indices, const View &updates,
                 ScatterReduction reduction, Buffer &out) {
  int64_t k;
  CombineFn fn;
  if (Status s = checkDtype(data.dtype); s.failed())
    return s;
  if (updates.dtype != data.dtype)
    return Status::error("updates must have the dtype of data (" +
                         dtypeName(data.dtype) + "), got " +
                         dtypeName(updates.dtype));
  if (Status s = checkIndices(indices); s.failed())
    return s;
  if (Status s = tupleLength(data, indices, 0, k); s.failed())
    return s;
  const std::vector<int64_t> &ds = *data.shape, &is = *indices.shape;
  std::vector<int64_t> expected(is.begin(), is.end() - 1);
  expected.insert(expected.end(), ds.begin() + k, ds.end());
  if (*updates.shape != expected)
    return Status::error("updates " + shapeString(*updates.shape) +
                         " must have the shape indices.shape[:-1] + "
                         "data.shape[k:] = " +
                         shapeString(expected));
  if (Status s = combinerFor(data.dtype, reduction, fn); s.failed())
    return s;
  copyOf(data, out);
  size_t size = elementSize(data.dtype);
  std::vector<int64_t> strides = stridesOf(ds);
  int64_t slice = product(ds, k, ds.size());
  int64_t tuples = product(is, 0, is.size() - 1);
  const auto *src = static_cast<const uint8_t *>(updates.data);
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = tupleOffset(data, strides, indices, t, 0, k);
    for (int64_t e = 0; e < slice; ++e)
      scatterElement(out.bytes.data() + (offset + e) * size,
                     src + (t * slice + e) * size, size, fn, reduction);
  }
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

Status cumSum(const View &x, int64_t axis, bool exclusive, bool reverse,
              Buffer &out) {
  int64_t a;
  if (!normAxis(axis, x.rank(), a))
    return axisError(axis, x.rank());
  return dispatch(x.dtype, Domain::Numeric, "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocateOut(out, x.dtype, *x.shape);
    const std::vector<int64_t> &shape = *x.shape;
    int64_t outer = product(shape, 0, a), n = shape[a],
            inner = product(shape, a + 1, shape.size());
    const T *src = static_cast<const T *>(x.data);
    T *dst = reinterpret_cast<T *>(out.bytes.data());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        T sum = T(0);
        for (int64_t j = 0; j < n; ++j) {
          int64_t at = (o * n + (reverse ? n - 1 - j : j)) * inner + i;
          T next = addOf(sum, src[at]);
          dst[at] = exclusive ? sum : next;
          sum = next;
        }
      }
    }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

Status topK(const View &x, int64_t k, int64_t axis, bool largest,
            Buffer &values, Buffer &indices) {
  int64_t a;
  if (!normAxis(axis, x.rank(), a))
    return axisError(axis, x.rank());
  const std::vector<int64_t> &shape = *x.shape;
  int64_t n = shape[a];
  if (k < 0 || k > n)
    return Status::error("k = " + std::to_string(k) +
                         " is out of range for axis " + std::to_string(a) +
                         " of size " + std::to_string(n));
  return dispatch(x.dtype, Domain::Numeric, "topk", [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::vector<int64_t> outShape = shape;
    outShape[a] = k;
    allocateOut(values, x.dtype, outShape);
    allocateOut(indices, KILN_DTYPE_I64, outShape);
    int64_t outer = product(shape, 0, a),
            inner = product(shape, a + 1, shape.size());
    const T *src = static_cast<const T *>(x.data);
    T *vals = reinterpret_cast<T *>(values.bytes.data());
    auto *inds = reinterpret_cast<int64_t *>(indices.bytes.data());
    // Strictly better, with NaN above every number; a stable sort keeps
    // equal elements in index order.
    auto better = [&](T p, T q) {
      if (isNaN(p) || isNaN(q))
        return largest ? isNaN(p) && !isNaN(q) : isNaN(q) && !isNaN(p);
      return largest ? p > q : p < q;
    };
    std::vector<int64_t> order(n);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        auto at = [&](int64_t j) { return (o * n + j) * inner + i; };
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) {
          return better(src[at(p)], src[at(q)]);
        });
        for (int64_t j = 0; j < k; ++j) {
          int64_t to = (o * k + j) * inner + i;
          vals[to] = src[at(order[j])];
          inds[to] = order[j];
        }
      }
    }
    return Status::ok();
  });
}

} // namespace mlir::kiln::interp
