//===- Kernels.cpp - reference kernels on plain buffers ---------*- C++ -*-===//
//
// Straightforward loops written for correctness and readability, generic over
// the element type. (The elementwise family, on every dtype, is in
// KernelsElementwise.cpp.) Numerical choices (documented where they are made):
//  - f32 elementwise ops are computed in f32, as NumPy does, so results match
//    NumPy's bit for bit where libm agrees.
//  - Sums (reduce_sum, reduce_mean, matmul, softmax's denominator) accumulate
//    floats in double and round once to the element type at the end: a long
//    f32 sum would otherwise drift far from NumPy's pairwise summation, and
//    the interpreter is the reference that compiled code is compared with.
//  - Integer arithmetic wraps modulo 2^bits like NumPy's fixed-width integers.
//    It is done in unsigned types so that C++ signed overflow (undefined
//    behaviour) never happens.
//  - Integer division truncates toward zero (the graph format's rule); a
//    division by zero is defined to give 0 (NumPy also gives 0, with a
//    warning) instead of trapping, and INT_MIN / -1 wraps to INT_MIN.
//  - max/min (and reduce_max) propagate NaN like numpy.maximum/minimum.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "kiln/abi.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace mlir::kiln {

size_t elementSize(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_F16:
  case KILN_DTYPE_BF16:
  case KILN_DTYPE_I16:
    return 2;
  case KILN_DTYPE_F32:
  case KILN_DTYPE_I32:
    return 4;
  case KILN_DTYPE_F64:
  case KILN_DTYPE_I64:
    return 8;
  case KILN_DTYPE_I8:
  case KILN_DTYPE_U8:
  case KILN_DTYPE_BOOL:
    return 1;
  default:
    return 0;
  }
}

namespace interp {

std::string dtypeName(int32_t dtype) {
  switch (dtype) {
  case KILN_DTYPE_F16:
    return "f16";
  case KILN_DTYPE_BF16:
    return "bf16";
  case KILN_DTYPE_F32:
    return "f32";
  case KILN_DTYPE_F64:
    return "f64";
  case KILN_DTYPE_I8:
    return "i8";
  case KILN_DTYPE_I16:
    return "i16";
  case KILN_DTYPE_I32:
    return "i32";
  case KILN_DTYPE_I64:
    return "i64";
  case KILN_DTYPE_U8:
    return "u8";
  case KILN_DTYPE_BOOL:
    return "bool";
  default:
    return "dtype " + std::to_string(dtype);
  }
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int64_t numElementsOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

//===----------------------------------------------------------------------===//
// Scalar arithmetic
//===----------------------------------------------------------------------===//

template <typename T> constexpr bool kIsFloat = std::is_floating_point_v<T>;

/// An unsigned type at least as wide as `unsigned`: integer arithmetic in it
/// wraps and cannot overflow through promotion to (signed) int.
template <typename T>
using WrapT = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                 std::make_unsigned_t<T>>;

template <typename T> T addOf(T a, T b) {
  if constexpr (kIsFloat<T>)
    return a + b;
  else
    return static_cast<T>(WrapT<T>(a) + WrapT<T>(b));
}

template <typename T> T subOf(T a, T b) {
  if constexpr (kIsFloat<T>)
    return a - b;
  else
    return static_cast<T>(WrapT<T>(a) - WrapT<T>(b));
}

template <typename T> T mulOf(T a, T b) {
  if constexpr (kIsFloat<T>)
    return a * b;
  else
    return static_cast<T>(WrapT<T>(a) * WrapT<T>(b));
}

template <typename T> T divOf(T a, T b) {
  if constexpr (kIsFloat<T>) {
    return a / b; // IEEE: x/0 is ±inf or NaN
  } else {
    // Integer division by zero has no value; the interpreter defines it as 0
    // (NumPy's result too) so that eager mode never traps on user data.
    if (b == 0)
      return 0;
    // INT_MIN / -1 overflows (and traps on x86); wrap like NumPy.
    if constexpr (std::is_signed_v<T>)
      if (b == -1)
        return subOf<T>(0, a);
    return static_cast<T>(a / b); // C++ truncates toward zero
  }
}

template <typename T> T maxOf(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a))
      return a;
    if (std::isnan(b))
      return b;
  }
  return a < b ? b : a;
}

template <typename T> T minOf(T a, T b) {
  if constexpr (kIsFloat<T>) {
    if (std::isnan(a))
      return a;
    if (std::isnan(b))
      return b;
  }
  return b < a ? b : a;
}

/// The type sums of T accumulate in: double for floats, a 64-bit integer for
/// integers (its wrap-around agrees with T's modulo 2^bits).
template <typename T>
using AccT = std::conditional_t<
    kIsFloat<T>, double,
    std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <typename T> AccT<T> accAdd(AccT<T> acc, AccT<T> x) {
  if constexpr (kIsFloat<T>)
    return acc + x;
  else
    return static_cast<AccT<T>>(uint64_t(acc) + uint64_t(x));
}

template <typename T> AccT<T> accMul(T a, T b) {
  if constexpr (kIsFloat<T>)
    return double(a) * double(b);
  else
    return static_cast<AccT<T>>(uint64_t(AccT<T>(a)) * uint64_t(AccT<T>(b)));
}

//===----------------------------------------------------------------------===//
// Shapes and strided walks
//===----------------------------------------------------------------------===//

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape,
                                     int64_t unit = 1) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = unit;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/// NumPy broadcasting of two concrete shapes.
bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b,
                     std::vector<int64_t> &result) {
  size_t rank = std::max(a.size(), b.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return false;
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  return true;
}

/// Strides for reading a tensor of shape `in` (with strides `inStrides`) as
/// if it had the broadcast shape `out`: leading missing dims and stretched
/// dims of size 1 get stride 0.
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &in,
                                      const std::vector<int64_t> &inStrides,
                                      const std::vector<int64_t> &out) {
  std::vector<int64_t> strides(out.size(), 0);
  size_t offset = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    strides[offset + i] = in[i] == 1 ? 0 : inStrides[i];
  return strides;
}

/// Walks the row-major indices of `shape` and keeps, for each of N operands,
/// the element offset that its strides give. Incremental, so a step costs
/// O(1) amortized instead of a division per dimension.
template <size_t N> class Walker {
public:
  Walker(const std::vector<int64_t> &shape,
         std::array<std::vector<int64_t>, N> strides)
      : shape_(shape), strides_(std::move(strides)), index_(shape.size(), 0) {
    offsets_.fill(0);
  }

  int64_t offset(size_t operand) const { return offsets_[operand]; }

  void next() {
    for (size_t d = shape_.size(); d-- > 0;) {
      for (size_t k = 0; k < N; ++k)
        offsets_[k] += strides_[k][d];
      if (++index_[d] < shape_[d])
        return;
      for (size_t k = 0; k < N; ++k)
        offsets_[k] -= strides_[k][d] * shape_[d];
      index_[d] = 0;
    }
  }

private:
  const std::vector<int64_t> &shape_;
  std::array<std::vector<int64_t>, N> strides_;
  std::vector<int64_t> index_;
  std::array<int64_t, N> offsets_;
};

void allocate(Buffer &out, int32_t dtype, std::vector<int64_t> shape) {
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(numElementsOf(out.shape) * elementSize(dtype), 0);
}

/// Copies the elements of `in` read with `inStrides` over `shape` into the
/// dense `out`. Used by transpose and broadcast_to, which only move elements
/// and therefore work for every dtype (f16 and bool included).
template <typename Word>
void stridedCopyAs(const uint8_t *in, const std::vector<int64_t> &inStrides,
                   const std::vector<int64_t> &shape, uint8_t *out) {
  int64_t n = numElementsOf(shape);
  Walker<1> walk(shape, {inStrides});
  for (int64_t i = 0; i < n; ++i, walk.next())
    std::memcpy(out + i * sizeof(Word), in + walk.offset(0) * sizeof(Word),
                sizeof(Word));
}

void stridedCopy(const View &x, const std::vector<int64_t> &inStrides,
                 const std::vector<int64_t> &shape, Buffer &out) {
  allocate(out, x.dtype, shape);
  const auto *in = static_cast<const uint8_t *>(x.data);
  switch (elementSize(x.dtype)) {
  case 1:
    return stridedCopyAs<uint8_t>(in, inStrides, out.shape, out.bytes.data());
  case 2:
    return stridedCopyAs<uint16_t>(in, inStrides, out.shape, out.bytes.data());
  case 4:
    return stridedCopyAs<uint32_t>(in, inStrides, out.shape, out.bytes.data());
  default:
    return stridedCopyAs<uint64_t>(in, inStrides, out.shape, out.bytes.data());
  }
}

Status checkKnownDtype(int32_t dtype) {
  if (elementSize(dtype) == 0)
    return Status::error("unknown dtype code " + std::to_string(dtype));
  return Status::ok();
}

Status checkSameDtype(const View &a, const View &b) {
  if (a.dtype != b.dtype)
    return Status::error("operand dtypes differ: " + dtypeName(a.dtype) +
                         " and " + dtypeName(b.dtype));
  return Status::ok();
}

/// Normalizes a possibly negative axis against `rank`.
bool normalizeAxis(int64_t axis, int64_t rank, int64_t &result) {
  if (axis < -rank || axis >= rank)
    return false;
  result = axis < 0 ? axis + rank : axis;
  return true;
}

} // namespace

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

Status matmul(const View &a, const View &b, bool transposeA, bool transposeB,
              Buffer &out) {
  if (Status s = checkSameDtype(a, b); s.failed())
    return s;
  if (a.rank() == 0 || b.rank() == 0)
    return Status::error("matmul operands must have rank >= 1");
  if ((transposeA && a.rank() < 2) || (transposeB && b.rank() < 2))
    return Status::error(
        "transpose_a/transpose_b need an operand of rank >= 2");

  // 1-D promotion: a [K] is a row [1, K], b [K] a column [K, 1]; the added
  // dimension is dropped from the result below.
  std::vector<int64_t> as = *a.shape, bs = *b.shape;
  bool promoteA = as.size() == 1, promoteB = bs.size() == 1;
  if (promoteA)
    as.insert(as.begin(), 1);
  if (promoteB)
    bs.push_back(1);

  // A transpose flag is a change of strides over the stored row-major
  // matrix, not a copy.
  int64_t aRows = as[as.size() - 2], aCols = as.back();
  int64_t bRows = bs[bs.size() - 2], bCols = bs.back();
  int64_t m = transposeA ? aCols : aRows, k = transposeA ? aRows : aCols;
  int64_t strideAm = transposeA ? 1 : aCols, strideAk = transposeA ? aCols : 1;
  int64_t k2 = transposeB ? bCols : bRows, n = transposeB ? bRows : bCols;
  int64_t strideBk = transposeB ? 1 : bCols, strideBn = transposeB ? bCols : 1;
  if (k != k2)
    return Status::error(
        "contraction dimensions differ: " + shapeString(*a.shape) +
        (transposeA ? " (transposed)" : "") + " x " + shapeString(*b.shape) +
        (transposeB ? " (transposed)" : "") + " (" + std::to_string(k) +
        " vs " + std::to_string(k2) + ")");

  std::vector<int64_t> aBatch(as.begin(), as.end() - 2);
  std::vector<int64_t> bBatch(bs.begin(), bs.end() - 2);
  std::vector<int64_t> batch;
  if (!broadcastShapes(aBatch, bBatch, batch))
    return Status::error("batch dimensions of " + shapeString(*a.shape) +
                         " and " + shapeString(*b.shape) +
                         " cannot be broadcast together");

  std::vector<int64_t> shape = batch;
  if (!promoteA)
    shape.push_back(m);
  if (!promoteB)
    shape.push_back(n);

  return dispatch(a.dtype, Domain::Numeric, "matmul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, a.dtype, shape);
    const T *pa = static_cast<const T *>(a.data);
    const T *pb = static_cast<const T *>(b.data);
    T *o = reinterpret_cast<T *>(out.bytes.data());
    int64_t batches = numElementsOf(batch);
    Walker<2> walk(
        batch, {broadcastStrides(aBatch, rowMajorStrides(aBatch, aRows * aCols),
                                 batch),
                broadcastStrides(bBatch, rowMajorStrides(bBatch, bRows * bCols),
                                 batch)});
    for (int64_t bi = 0; bi < batches; ++bi, walk.next()) {
      const T *ma = pa + walk.offset(0);
      const T *mb = pb + walk.offset(1);
      T *mo = o + bi * m * n;
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          // Accumulate in double (floats) / 64-bit (integers); see the file
          // header.
          AccT<T> acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc = accAdd<T>(acc, accMul<T>(ma[i * strideAm + p * strideAk],
                                           mb[p * strideBk + j * strideBn]));
          mo[i * n + j] = static_cast<T>(acc);
        }
      }
    }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// Reductions and softmax
//===----------------------------------------------------------------------===//

static const char *reduceName(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::Sum:
    return "reduce_sum";
  case ReduceKind::Mean:
    return "reduce_mean";
  case ReduceKind::Max:
    return "reduce_max";
  }
  return "?";
}

Status reduce(ReduceKind kind, const View &x,
              const std::optional<std::vector<int64_t>> &axes, bool keepdims,
              Buffer &out) {
  int64_t rank = x.rank();
  std::vector<bool> reduced(rank, !axes.has_value());
  if (axes) {
    for (int64_t axis : *axes) {
      int64_t a;
      if (!normalizeAxis(axis, rank, a))
        return Status::error("axis " + std::to_string(axis) +
                             " is out of range for rank " +
                             std::to_string(rank));
      if (reduced[a])
        return Status::error("axis " + std::to_string(axis) + " is repeated");
      reduced[a] = true;
    }
  }

  // The kept-dims shape addresses the accumulators; the result shape only
  // differs from it by dropping the size-1 reduced dims.
  std::vector<int64_t> keptShape, shape;
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = (*x.shape)[d];
    if (reduced[d]) {
      count *= size;
      keptShape.push_back(1);
      if (keepdims)
        shape.push_back(1);
    } else {
      keptShape.push_back(size);
      shape.push_back(size);
    }
  }
  int64_t outCount = numElementsOf(keptShape);
  if (kind == ReduceKind::Max && count == 0 && outCount > 0)
    return Status::error("reduce_max over an empty axis has no identity");

  Domain domain = Domain::Numeric;
  return dispatch(x.dtype, domain, reduceName(kind), [&](auto tag) {
    using T = typename decltype(tag)::type;
    allocate(out, x.dtype, shape);
    const T *in = static_cast<const T *>(x.data);
    T *o = reinterpret_cast<T *>(out.bytes.data());
    int64_t n = x.numElements();
    // Walk the input in order; the walker gives each element's accumulator
    // (stride 0 along reduced dims).
    std::vector<int64_t> accStrides = rowMajorStrides(keptShape);
    for (int64_t d = 0; d < rank; ++d)
      if (reduced[d])
        accStrides[d] = 0;
    Walker<1> walk(*x.shape, {accStrides});

    if (kind == ReduceKind::Max) {
      std::vector<T> acc(outCount, kIsFloat<T>
                                       ? -std::numeric_limits<T>::infinity()
                                       : std::numeric_limits<T>::lowest());
      for (int64_t i = 0; i < n; ++i, walk.next()) {
        T &slot = acc[walk.offset(0)];
        slot = maxOf<T>(slot, in[i]);
      }
      std::copy(acc.begin(), acc.end(), o);
      return Status::ok();
    }

    std::vector<AccT<T>> acc(outCount, 0);
    for (int64_t i = 0; i < n; ++i, walk.next()) {
      AccT<T> &slot = acc[walk.offset(0)];
      slot = accAdd<T>(slot, AccT<T>(in[i]));
    }
    for (int64_t i = 0; i < outCount; ++i) {
      if (kind == ReduceKind::Sum) {
        o[i] = static_cast<T>(acc[i]);
      } else if constexpr (kIsFloat<T>) {
        // An empty mean is 0/0 = NaN, as in NumPy.
        o[i] = static_cast<T>(acc[i] / double(count));
      } else {
        // Integer mean: the sum divided by the count, truncated toward zero
        // like integer div (the result keeps the input's dtype); an empty
        // mean is 0, like a division by zero.
        o[i] = count == 0
                   ? T(0)
                   : static_cast<T>(acc[i] / static_cast<AccT<T>>(count));
      }
    }
    return Status::ok();
  });
}

Status softmax(const View &x, int64_t axis, Buffer &out) {
  int64_t rank = x.rank(), a;
  if (!normalizeAxis(axis, rank, a))
    return Status::error("axis " + std::to_string(axis) +
                         " is out of range for rank " + std::to_string(rank));
  return dispatch(x.dtype, Domain::Float, "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (kIsFloat<T>) {
      allocate(out, x.dtype, *x.shape);
      const std::vector<int64_t> &s = *x.shape;
      int64_t outer = 1, inner = 1, len = s[a];
      for (int64_t d = 0; d < a; ++d)
        outer *= s[d];
      for (int64_t d = a + 1; d < rank; ++d)
        inner *= s[d];
      const T *in = static_cast<const T *>(x.data);
      T *o = reinterpret_cast<T *>(out.bytes.data());
      for (int64_t oi = 0; oi < outer; ++oi) {
        for (int64_t ii = 0; ii < inner; ++ii) {
          int64_t base = oi * len * inner + ii;
          // Subtracting the maximum keeps every exponent <= 0 (no overflow);
          // a NaN anywhere in the row makes the whole row NaN.
          T mx = -std::numeric_limits<T>::infinity();
          for (int64_t j = 0; j < len; ++j)
            mx = maxOf<T>(mx, in[base + j * inner]);
          double sum = 0;
          for (int64_t j = 0; j < len; ++j) {
            T e = std::exp(in[base + j * inner] - mx);
            o[base + j * inner] = e;
            sum += double(e);
          }
          for (int64_t j = 0; j < len; ++j)
            o[base + j * inner] =
                static_cast<T>(double(o[base + j * inner]) / sum);
        }
      }
    }
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// Shape ops (pure data movement: every dtype)
//===----------------------------------------------------------------------===//

Status reshape(const View &x, const std::vector<int64_t> &target, Buffer &out) {
  if (Status s = checkKnownDtype(x.dtype); s.failed())
    return s;
  const std::vector<int64_t> &in = *x.shape;
  std::vector<int64_t> shape;
  int64_t inferAt = -1, known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0) {
      if (i >= in.size())
        return Status::error("shape entry 0 at position " + std::to_string(i) +
                             " has no input dimension to copy");
      d = in[i];
    } else if (d == -1) {
      if (inferAt >= 0)
        return Status::error("shape has more than one -1");
      inferAt = static_cast<int64_t>(i);
      shape.push_back(-1);
      continue;
    } else if (d < -1) {
      return Status::error("invalid shape entry " + std::to_string(d));
    }
    known *= d;
    shape.push_back(d);
  }
  int64_t total = x.numElements();
  if (inferAt >= 0) {
    if (known == 0 || total % known != 0)
      return Status::error("cannot reshape " + shapeString(in) + " to " +
                           shapeString(target));
    shape[inferAt] = total / known;
  } else if (known != total) {
    return Status::error("cannot reshape " + shapeString(in) + " (" +
                         std::to_string(total) + " elements) to " +
                         shapeString(target));
  }
  out.dtype = x.dtype;
  out.shape = std::move(shape);
  const auto *bytes = static_cast<const uint8_t *>(x.data);
  out.bytes.assign(bytes, bytes + total * elementSize(x.dtype));
  return Status::ok();
}

Status transpose(const View &x, const std::vector<int64_t> &perm, Buffer &out) {
  if (Status s = checkKnownDtype(x.dtype); s.failed())
    return s;
  int64_t rank = x.rank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return Status::error("perm has " + std::to_string(perm.size()) +
                         " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> inStrides = rowMajorStrides(*x.shape);
  std::vector<int64_t> shape, strides;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return Status::error("perm is not a permutation of [0, " +
                           std::to_string(rank) + ")");
    seen[p] = true;
    shape.push_back((*x.shape)[p]);
    strides.push_back(inStrides[p]);
  }
  stridedCopy(x, strides, shape, out);
  return Status::ok();
}

Status broadcastTo(const View &x, const std::vector<int64_t> &target,
                   Buffer &out) {
  if (Status s = checkKnownDtype(x.dtype); s.failed())
    return s;
  const std::vector<int64_t> &in = *x.shape;
  if (target.size() < in.size())
    return Status::error("cannot broadcast " + shapeString(in) +
                         " to the lower rank shape " + shapeString(target));
  size_t offset = target.size() - in.size();
  std::vector<int64_t> shape = target;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (i < offset)
        return Status::error("-1 at position " + std::to_string(i) +
                             " of the shape has no input dimension");
      shape[i] = in[i - offset];
    } else if (shape[i] < 0) {
      return Status::error("invalid shape entry " + std::to_string(shape[i]));
    }
  }
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1 && in[i] != shape[offset + i])
      return Status::error("cannot broadcast " + shapeString(in) + " to " +
                           shapeString(shape));
  stridedCopy(x, broadcastStrides(in, rowMajorStrides(in), shape), shape, out);
  return Status::ok();
}

} // namespace interp
} // namespace mlir::kiln
