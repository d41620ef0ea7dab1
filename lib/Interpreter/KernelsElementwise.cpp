//===- KernelsElementwise.cpp - elementwise reference kernels ---*- C++ -*-===//
//
// One loop per op shape (unary, broadcast binary, select, cast), generic over
// a dtype "tag" that says how an element is stored and what it is computed
// in. Numerical definitions (the compiled code implements the same):
//  - f16/bf16: load as float (exact), compute in float, round to nearest
//    even; conversions from double round once.
//  - Integer arithmetic wraps (done in unsigned types: no C++ overflow);
//    division and remainder by zero give 0; MIN / -1 wraps, MIN % -1 is 0.
//  - max/min/clip/relu propagate NaN; comparisons with NaN are false except
//    ne.
//  - cast float -> int truncates toward zero, saturates at the integer's
//    range and maps NaN to 0.
//
//===----------------------------------------------------------------------===//
#include "KernelsElementwise.h"

#include "kiln/abi.h"

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace mlir::kiln::interp {

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

/// `value` rounded to nearest even in a binary format with `e` exponent and
/// `m` mantissa bits (IEEE layout, 1 + e + m <= 16).
static uint16_t roundToSmallFloat(double value, int e, int m) {
  const int bias = (1 << (e - 1)) - 1;
  const uint32_t sign = std::signbit(value) ? 1u << (e + m) : 0;
  const uint32_t inf = ((1u << e) - 1) << m;
  if (std::isnan(value))
    return static_cast<uint16_t>(sign | inf | (1u << (m - 1)));
  double a = std::fabs(value);
  // Halfway between the largest finite value and 2^(bias+1) rounds to inf.
  if (a >= std::ldexp(2.0 - std::ldexp(1.0, -(m + 1)), bias))
    return static_cast<uint16_t>(sign | inf);
  // nearbyint rounds to nearest even in the default rounding mode.
  if (a < std::ldexp(1.0, 1 - bias)) // subnormal (or rounds up to normal)
    return static_cast<uint16_t>(
        sign | static_cast<uint32_t>(std::nearbyint(std::ldexp(a, m + bias - 1))));
  int exp;
  double frac = std::frexp(a, &exp); // a = frac * 2^exp, frac in [0.5, 1)
  uint32_t mant = static_cast<uint32_t>(std::nearbyint(std::ldexp(frac, m + 1)));
  // mant in [2^m, 2^(m+1)]; a carry into the exponent is the right encoding.
  uint32_t bits = (static_cast<uint32_t>(exp - 1 + bias) << m) + (mant - (1u << m));
  return static_cast<uint16_t>(sign | bits);
}

uint16_t roundToF16(double value) { return roundToSmallFloat(value, 5, 10); }
uint16_t roundToBF16(double value) { return roundToSmallFloat(value, 8, 7); }

float f16ToFloat(uint16_t bits) {
  float sign = (bits & 0x8000) ? -1.0f : 1.0f;
  int exp = (bits >> 10) & 0x1f;
  int mant = bits & 0x3ff;
  if (exp == 0x1f)
    return mant ? std::numeric_limits<float>::quiet_NaN()
                : sign * std::numeric_limits<float>::infinity();
  if (exp == 0)
    return sign * std::ldexp(static_cast<float>(mant), -24);
  return sign * std::ldexp(static_cast<float>(mant + 1024), exp - 25);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &word, sizeof f);
  return f;
}

namespace {

//===----------------------------------------------------------------------===//
// Dtype tags
//===----------------------------------------------------------------------===//

/// S: how an element is stored; C: what it is computed in.
template <typename Store, typename Compute> struct TagBase {
  using S = Store;
  using C = Compute;
  static constexpr bool isFloat = std::is_floating_point_v<Compute>;
  static constexpr bool isBool = false;
  static C load(S v) { return static_cast<C>(v); }
  static S store(C v) { return static_cast<S>(v); }
};
struct F32Tag : TagBase<float, float> {};
struct F64Tag : TagBase<double, double> {};
struct F16Tag : TagBase<uint16_t, float> {
  static float load(uint16_t v) { return f16ToFloat(v); }
  static uint16_t store(float v) { return roundToF16(v); }
};
struct BF16Tag : TagBase<uint16_t, float> {
  static float load(uint16_t v) { return bf16ToFloat(v); }
  static uint16_t store(float v) { return roundToBF16(v); }
};
template <typename T> struct IntTag : TagBase<T, T> {};
struct BoolTag : TagBase<uint8_t, uint8_t> {
  static constexpr bool isBool = true;
  static uint8_t load(uint8_t v) { return v ? 1 : 0; }
};

/// Calls `fn(Tag{})` for the tag of `dtype`.
template <typename Fn> Status dispatchTag(int32_t dtype, Fn &&fn) {
  switch (dtype) {
  case KILN_DTYPE_F16:
    return fn(F16Tag{});
  case KILN_DTYPE_BF16:
    return fn(BF16Tag{});
  case KILN_DTYPE_F32:
    return fn(F32Tag{});
  case KILN_DTYPE_F64:
    return fn(F64Tag{});
  case KILN_DTYPE_I8:
    return fn(IntTag<int8_t>{});
  case KILN_DTYPE_I16:
    return fn(IntTag<int16_t>{});
  case KILN_DTYPE_I32:
    return fn(IntTag<int32_t>{});
  case KILN_DTYPE_I64:
    return fn(IntTag<int64_t>{});
  case KILN_DTYPE_U8:
    return fn(IntTag<uint8_t>{});
  case KILN_DTYPE_BOOL:
    return fn(BoolTag{});
  default:
    return Status::error("unknown dtype code " + std::to_string(dtype));
  }
}

Status unsupported(const char *op, int32_t dtype) {
  return Status::error(std::string("'") + op + "' does not support dtype " +
                       dtypeName(dtype));
}

//===----------------------------------------------------------------------===//
// Scalar arithmetic
//===----------------------------------------------------------------------===//

/// Unsigned arithmetic type for wrapping integer math without promotion to
/// a signed int.
template <typename T>
using WrapT = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned,
                                 std::make_unsigned_t<T>>;

template <typename T> T wrapAdd(T a, T b) {
  return static_cast<T>(WrapT<T>(a) + WrapT<T>(b));
}
template <typename T> T wrapSub(T a, T b) {
  return static_cast<T>(WrapT<T>(a) - WrapT<T>(b));
}
template <typename T> T wrapMul(T a, T b) {
  return static_cast<T>(WrapT<T>(a) * WrapT<T>(b));
}

template <typename T> T maxNaN(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b))
      return std::isnan(a) ? a : b;
  return a < b ? b : a;
}
template <typename T> T minNaN(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b))
      return std::isnan(a) ? a : b;
  return b < a ? b : a;
}

template <typename T> T intDiv(T a, T b) {
  if (b == 0)
    return 0;
  if constexpr (std::is_signed_v<T>)
    if (b == -1)
      return wrapSub<T>(0, a);
  return static_cast<T>(a / b);
}

template <typename T> T intRem(T a, T b, bool pythonMod) {
  if (b == 0)
    return 0;
  if constexpr (std::is_signed_v<T>) {
    if (b == -1)
      return 0;
    T r = static_cast<T>(a % b);
    if (pythonMod && r != 0 && ((r < 0) != (b < 0)))
      r = static_cast<T>(r + b); // |r| < |b|: no overflow
    return r;
  } else {
    return static_cast<T>(a % b);
  }
}

/// numpy.remainder / numpy.fmod on floats.
template <typename T> T floatRem(T a, T b, bool pythonMod) {
  T r = std::fmod(a, b);
  if (!pythonMod)
    return r;
  if (r != 0 && !std::isnan(r)) {
    if ((r < 0) != (b < 0))
      r += b;
  } else if (r == 0) {
    r = std::copysign(T(0), b);
  }
  return r;
}

/// Square-and-multiply with wrap-around; a negative exponent gives the
/// truncated 1 / x^|y|.
template <typename T> T intPow(T x, T y) {
  if constexpr (std::is_signed_v<T>) {
    if (y < 0)
      return x == 1 ? T(1) : x == -1 ? ((y & 1) ? T(-1) : T(1)) : T(0);
  }
  T result = 1, base = x;
  using U = std::make_unsigned_t<T>;
  for (U e = static_cast<U>(y); e; e >>= 1) {
    if (e & 1)
      result = wrapMul(result, base);
    base = wrapMul(base, base);
  }
  return result;
}

template <typename T> T sigmoidOf(T v) {
  // e^-v overflows to inf for very negative v: 1/inf = 0, never NaN.
  return T(1) / (T(1) + std::exp(-v));
}

//===----------------------------------------------------------------------===//
// Broadcast walks
//===----------------------------------------------------------------------===//

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

bool broadcastInto(const std::vector<int64_t> &in, std::vector<int64_t> &out) {
  size_t rank = std::max(in.size(), out.size());
  std::vector<int64_t> result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < in.size() ? in[in.size() - 1 - i] : 1;
    int64_t db = i < out.size() ? out[out.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      return false;
    result[rank - 1 - i] = da == 1 ? db : da;
  }
  out = std::move(result);
  return true;
}

/// Strides for reading `in` as if it had the broadcast shape `out`.
std::vector<int64_t> broadcastStrides(const std::vector<int64_t> &in,
                                      const std::vector<int64_t> &out) {
  std::vector<int64_t> inStrides = rowMajorStrides(in);
  std::vector<int64_t> strides(out.size(), 0);
  size_t offset = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    strides[offset + i] = in[i] == 1 ? 0 : inStrides[i];
  return strides;
}

/// The broadcast of the shapes of `views`, or an error naming them.
template <size_t N>
Status broadcastShape(const std::array<const View *, N> &views,
                      std::vector<int64_t> &shape) {
  shape.clear();
  for (const View *v : views) {
    if (broadcastInto(*v->shape, shape))
      continue;
    std::string shapes;
    for (size_t i = 0; i < N; ++i)
      shapes += (i == 0 ? "" : i + 1 == N ? " and " : ", ") +
                shapeString(*views[i]->shape);
    return Status::error("shapes " + shapes + " cannot be broadcast together");
  }
  return Status::ok();
}

/// Calls `f(i, offsets)` for every element `i` of `shape` (row-major), the
/// broadcast of `views`, with each operand's element offset. Incremental:
/// a step costs O(1) amortized.
template <size_t N, typename F>
void forEachBroadcast(const std::array<const View *, N> &views,
                      const std::vector<int64_t> &shape, F f) {
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k)
    strides[k] = broadcastStrides(*views[k]->shape, shape);
  std::vector<int64_t> index(shape.size(), 0);
  std::array<int64_t, N> offsets{};
  int64_t n = numElementsOf(shape);
  for (int64_t i = 0; i < n; ++i) {
    f(i, offsets);
    for (size_t d = shape.size(); d-- > 0;) {
      for (size_t k = 0; k < N; ++k)
        offsets[k] += strides[k][d];
      if (++index[d] < shape[d])
        break;
      for (size_t k = 0; k < N; ++k)
        offsets[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

void allocate(Buffer &out, int32_t dtype, std::vector<int64_t> shape) {
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(numElementsOf(out.shape) * elementSize(dtype), 0);
}

template <typename S> S loadRaw(const void *data, int64_t i) {
  S v;
  std::memcpy(&v, static_cast<const uint8_t *>(data) + i * sizeof(S), sizeof v);
  return v;
}
template <typename S> void storeRaw(Buffer &out, int64_t i, S v) {
  std::memcpy(out.bytes.data() + i * sizeof(S), &v, sizeof v);
}

const char *unaryName(EwUnary kind) {
  static const char *names[] = {
      "neg",   "abs",        "relu",       "sign",       "not",
      "identity", "exp",     "tanh",       "sigmoid",    "log",
      "sqrt",  "rsqrt",      "reciprocal", "erf",        "sin",
      "cos",   "asin",       "acos",       "atan",       "floor",
      "ceil",  "round",      "gelu",       "gelu",       "leaky_relu",
      "elu",   "hard_sigmoid", "hard_swish", "softplus", "silu",
      "clip"};
  static_assert(sizeof(names) / sizeof(names[0]) ==
                    static_cast<size_t>(EwUnary::Clip) + 1,
                "one name per EwUnary");
  return names[static_cast<int>(kind)];
}

/// The float-only unary ops on one value computed in C.
template <typename C>
C floatUnary(EwUnary kind, C v, const EwParams &p) {
  switch (kind) {
  case EwUnary::Exp:
    return std::exp(v);
  case EwUnary::Tanh:
    return std::tanh(v);
  case EwUnary::Sigmoid:
    return sigmoidOf(v);
  case EwUnary::Log:
    return std::log(v);
  case EwUnary::Sqrt:
    return std::sqrt(v);
  case EwUnary::Rsqrt:
    return C(1) / std::sqrt(v);
  case EwUnary::Reciprocal:
    return C(1) / v;
  case EwUnary::Erf:
    return std::erf(v);
  case EwUnary::Sin:
    return std::sin(v);
  case EwUnary::Cos:
    return std::cos(v);
  case EwUnary::Asin:
    return std::asin(v);
  case EwUnary::Acos:
    return std::acos(v);
  case EwUnary::Atan:
    return std::atan(v);
  case EwUnary::Floor:
    return std::floor(v);
  case EwUnary::Ceil:
    return std::ceil(v);
  case EwUnary::Round:
    return std::nearbyint(v); // to nearest even in the default mode
  case EwUnary::GeluErf:
    return C(0.5) * v * (C(1) + std::erf(v * C(M_SQRT1_2)));
  case EwUnary::GeluTanh:
    return C(0.5) * v *
           (C(1) + std::tanh(C(0.7978845608028654) *
                             (v + C(0.044715) * (v * (v * v)))));
  case EwUnary::LeakyRelu:
    return v < C(0) ? C(p.alpha) * v : v;
  case EwUnary::Elu:
    return v < C(0) ? C(p.alpha) * (std::exp(v) - C(1)) : v;
  case EwUnary::HardSigmoid:
    return maxNaN(C(0), minNaN(C(1), C(p.alpha) * v + C(p.beta)));
  case EwUnary::HardSwish:
    return v * (minNaN(maxNaN(v + C(3), C(0)), C(6)) / C(6));
  case EwUnary::Softplus:
    return maxNaN(v, C(0)) + std::log1p(std::exp(-std::fabs(v)));
  case EwUnary::Silu:
    return v * sigmoidOf(v);
  default:
    return v;
  }
}

bool isFloatOnly(EwUnary kind) {
  switch (kind) {
  case EwUnary::Neg:
  case EwUnary::Abs:
  case EwUnary::Relu:
  case EwUnary::Sign:
  case EwUnary::Not:
  case EwUnary::Identity:
  case EwUnary::Clip:
    return false;
  default:
    return true;
  }
}

/// An integer clip bound clamped to T's range (bounds are whole numbers).
template <typename T> T clampBound(double v) {
  if (v <= double(std::numeric_limits<T>::min()))
    return std::numeric_limits<T>::min();
  if (v >= double(std::numeric_limits<T>::max()))
    return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

} // namespace

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

Status ewUnary(EwUnary kind, const View &x, const EwParams &p, Buffer &out) {
  return dispatchTag(x.dtype, [&](auto tag) -> Status {
    using Tag = decltype(tag);
    using S = typename Tag::S;
    using C = typename Tag::C;
    if (Tag::isBool != (kind == EwUnary::Not) && kind != EwUnary::Identity)
      return unsupported(unaryName(kind), x.dtype);
    if (!Tag::isFloat && isFloatOnly(kind))
      return unsupported(unaryName(kind), x.dtype);
    allocate(out, x.dtype, *x.shape);
    int64_t n = x.numElements();
    for (int64_t i = 0; i < n; ++i) {
      C v = Tag::load(loadRaw<S>(x.data, i));
      C r = v;
      if constexpr (Tag::isFloat) {
        switch (kind) {
        case EwUnary::Neg:
          r = -v;
          break;
        case EwUnary::Abs:
          r = std::fabs(v);
          break;
        case EwUnary::Relu:
          r = maxNaN(v, C(0));
          break;
        case EwUnary::Sign: // 0, -0 and NaN stay
          r = v > C(0) ? C(1) : v < C(0) ? C(-1) : v;
          break;
        case EwUnary::Clip:
          if (p.lo)
            r = maxNaN(r, C(*p.lo));
          if (p.hi)
            r = minNaN(r, C(*p.hi));
          break;
        case EwUnary::Identity:
          break;
        default:
          r = floatUnary<C>(kind, v, p);
        }
      } else if constexpr (Tag::isBool) {
        r = kind == EwUnary::Not ? C(!v) : v;
      } else {
        switch (kind) {
        case EwUnary::Neg:
          r = wrapSub<C>(0, v);
          break;
        case EwUnary::Abs: // MIN wraps to itself, as in NumPy
          r = v < C(0) ? wrapSub<C>(0, v) : v;
          break;
        case EwUnary::Relu:
          r = v > C(0) ? v : C(0);
          break;
        case EwUnary::Sign:
          r = v > C(0) ? C(1) : v < C(0) ? static_cast<C>(-1) : C(0);
          break;
        case EwUnary::Clip:
          if (p.lo)
            r = std::max(r, clampBound<C>(*p.lo));
          if (p.hi)
            r = std::min(r, clampBound<C>(*p.hi));
          break;
        default:
          break;
        }
      }
      storeRaw<S>(out, i, Tag::store(r));
    }
    return Status::ok();
  });
}

static bool isComparison(EwBinary kind) {
  return kind >= EwBinary::Eq && kind <= EwBinary::Ge;
}
static bool isLogic(EwBinary kind) { return kind >= EwBinary::And; }

static const char *binaryName(EwBinary kind) {
  static const char *names[] = {"add", "sub", "mul", "div", "max", "min",
                                "pow", "mod", "mod", "eq",  "ne",  "lt",
                                "le",  "gt",  "ge",  "and", "or",  "xor"};
  return names[static_cast<int>(kind)];
}

Status ewBinary(EwBinary kind, const View &lhs, const View &rhs, Buffer &out) {
  if (lhs.dtype != rhs.dtype)
    return Status::error("operand dtypes differ: " + dtypeName(lhs.dtype) +
                         " and " + dtypeName(rhs.dtype));
  return dispatchTag(lhs.dtype, [&](auto tag) -> Status {
    using Tag = decltype(tag);
    using S = typename Tag::S;
    using C = typename Tag::C;
    bool compare = isComparison(kind);
    if (!compare && Tag::isBool != isLogic(kind))
      return unsupported(binaryName(kind), lhs.dtype);
    std::vector<int64_t> shape;
    if (Status s = broadcastShape<2>({&lhs, &rhs}, shape); s.failed())
      return s;
    allocate(out, compare ? KILN_DTYPE_BOOL : lhs.dtype, shape);
    auto body = [&](int64_t i, const std::array<int64_t, 2> &off) {
      C a = Tag::load(loadRaw<S>(lhs.data, off[0]));
      C b = Tag::load(loadRaw<S>(rhs.data, off[1]));
      if (compare) {
        bool r = false;
        switch (kind) {
        case EwBinary::Eq: r = a == b; break;
        case EwBinary::Ne: r = a != b; break; // NaN != x is true
        case EwBinary::Lt: r = a < b; break;
        case EwBinary::Le: r = a <= b; break;
        case EwBinary::Gt: r = a > b; break;
        case EwBinary::Ge: r = a >= b; break;
        default: break;
        }
        out.bytes[i] = r ? 1 : 0;
        return;
      }
      C r{};
      if constexpr (Tag::isBool) {
        r = kind == EwBinary::And  ? C(a & b)
            : kind == EwBinary::Or ? C(a | b)
                                   : C(a ^ b);
      } else if constexpr (Tag::isFloat) {
        switch (kind) {
        case EwBinary::Add: r = a + b; break;
        case EwBinary::Sub: r = a - b; break;
        case EwBinary::Mul: r = a * b; break;
        case EwBinary::Div: r = a / b; break;
        case EwBinary::Max: r = maxNaN(a, b); break;
        case EwBinary::Min: r = minNaN(a, b); break;
        case EwBinary::Pow: r = std::pow(a, b); break;
        case EwBinary::Mod: r = floatRem(a, b, true); break;
        case EwBinary::FMod: r = floatRem(a, b, false); break;
        default: break;
        }
      } else {
        switch (kind) {
        case EwBinary::Add: r = wrapAdd(a, b); break;
        case EwBinary::Sub: r = wrapSub(a, b); break;
        case EwBinary::Mul: r = wrapMul(a, b); break;
        case EwBinary::Div: r = intDiv(a, b); break;
        case EwBinary::Max: r = std::max(a, b); break;
        case EwBinary::Min: r = std::min(a, b); break;
        case EwBinary::Pow: r = intPow(a, b); break;
        case EwBinary::Mod: r = intRem(a, b, true); break;
        case EwBinary::FMod: r = intRem(a, b, false); break;
        default: break;
        }
      }
      storeRaw<S>(out, i, Tag::store(r));
    };
    forEachBroadcast<2>({&lhs, &rhs}, shape, body);
    return Status::ok();
  });
}

Status ewSelect(const View &cond, const View &a, const View &b, Buffer &out) {
  if (cond.dtype != KILN_DTYPE_BOOL)
    return Status::error("the condition must be bool, got " +
                         dtypeName(cond.dtype));
  if (a.dtype != b.dtype)
    return Status::error("operand dtypes differ: " + dtypeName(a.dtype) +
                         " and " + dtypeName(b.dtype));
  size_t size = elementSize(a.dtype);
  if (!size)
    return Status::error("unknown dtype code " + std::to_string(a.dtype));
  std::vector<int64_t> shape;
  if (Status s = broadcastShape<3>({&cond, &a, &b}, shape); s.failed())
    return s;
  allocate(out, a.dtype, shape);
  const auto *pc = static_cast<const uint8_t *>(cond.data);
  const auto *pa = static_cast<const uint8_t *>(a.data);
  const auto *pb = static_cast<const uint8_t *>(b.data);
  forEachBroadcast<3>(
      {&cond, &a, &b}, shape, [&](int64_t i, const std::array<int64_t, 3> &o) {
        const uint8_t *src = pc[o[0]] ? pa + o[1] * size : pb + o[2] * size;
        std::memcpy(out.bytes.data() + i * size, src, size);
      });
  return Status::ok();
}

namespace {
/// One element on its way through a cast: a float source as double (exact
/// for every float dtype), an integer source as int64 (u8 and bool are
/// non-negative, so this holds them too).
struct Scalar {
  bool isFloat;
  double f;
  int64_t i;
};

template <typename Tag> Scalar loadScalar(const void *data, int64_t k) {
  auto v = Tag::load(loadRaw<typename Tag::S>(data, k));
  if constexpr (Tag::isFloat)
    return {true, static_cast<double>(v), 0};
  else
    return {false, 0.0, static_cast<int64_t>(v)};
}

template <typename Tag> typename Tag::S convertScalar(const Scalar &s) {
  using S = typename Tag::S;
  using C = typename Tag::C;
  if constexpr (Tag::isBool) {
    return (s.isFloat ? s.f != 0 : s.i != 0) ? 1 : 0; // NaN is true
  } else if constexpr (std::is_same_v<Tag, F16Tag>) {
    return roundToF16(s.isFloat ? s.f : static_cast<double>(s.i));
  } else if constexpr (std::is_same_v<Tag, BF16Tag>) {
    return roundToBF16(s.isFloat ? s.f : static_cast<double>(s.i));
  } else if constexpr (Tag::isFloat) {
    // One rounding from the source (int64 -> float directly, not via
    // double).
    return s.isFloat ? static_cast<S>(s.f) : static_cast<S>(s.i);
  } else {
    if (!s.isFloat) // wrap: two's complement truncation
      return static_cast<S>(static_cast<uint64_t>(s.i));
    if (std::isnan(s.f))
      return 0;
    double lo = std::is_signed_v<C> ? -std::ldexp(1.0, sizeof(C) * 8 - 1) : 0;
    double hi = std::ldexp(1.0, sizeof(C) * 8 - (std::is_signed_v<C> ? 1 : 0));
    if (s.f >= hi)
      return std::numeric_limits<C>::max();
    if (s.f < lo)
      return std::numeric_limits<C>::min();
    return static_cast<S>(s.f); // truncates toward zero
  }
}
} // namespace

Status ewCast(const View &x, int32_t to, Buffer &out) {
  if (!elementSize(to))
    return Status::error("unknown dtype code " + std::to_string(to));
  return dispatchTag(x.dtype, [&](auto from) -> Status {
    using From = decltype(from);
    return dispatchTag(to, [&](auto dst) -> Status {
      using To = decltype(dst);
      allocate(out, to, *x.shape);
      int64_t n = x.numElements();
      for (int64_t i = 0; i < n; ++i)
        storeRaw<typename To::S>(
            out, i, convertScalar<To>(loadScalar<From>(x.data, i)));
      return Status::ok();
    });
  });
}

} // namespace mlir::kiln::interp
