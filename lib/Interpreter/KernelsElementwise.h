//===- KernelsElementwise.h - elementwise reference kernels ------*- C++ -*-===//
//
// The elementwise family of the reference interpreter, on every dtype of the
// graph format, in plain C++ (conventions in Kernels.h). f16 and bf16 are
// converted to float, computed, and rounded back to nearest even (NumPy's
// float16 arithmetic; bf16 is its bit pattern in a uint16). f32 is computed
// in float and f64 in double; integers wrap; integer division and remainder
// by zero give 0.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELSELEMENTWISE_H
#define KILN_LIB_INTERPRETER_KERNELSELEMENTWISE_H

#include "Kernels.h"

#include <cstdint>
#include <optional>

namespace mlir::kiln::interp {

enum class EwUnary {
  Neg, Abs, Relu, Sign, Not, Identity, Exp, Tanh, Sigmoid, Log, Sqrt, Rsqrt,
  Reciprocal, Erf, Sin, Cos, Asin, Acos, Atan, Floor, Ceil, Round, GeluErf,
  GeluTanh,
  LeakyRelu, Elu, HardSigmoid, HardSwish, Softplus, Silu, Clip,
};

/// Attributes of the unary ops that have them (alpha, beta, clip bounds).
struct EwParams {
  double alpha = 0, beta = 0;
  std::optional<double> lo, hi;
};

enum class EwBinary {
  Add, Sub, Mul, Div, Max, Min, Pow,
  Mod,  // sign of the divisor (numpy.remainder)
  FMod, // sign of the dividend (numpy.fmod)
  Eq, Ne, Lt, Le, Gt, Ge, // bool results
  And, Or, Xor,           // bool operands
};

Status ewUnary(EwUnary kind, const View &x, const EwParams &params,
               Buffer &out);
Status ewBinary(EwBinary kind, const View &lhs, const View &rhs, Buffer &out);
/// numpy.where(cond, a, b) with the three broadcast together.
Status ewSelect(const View &cond, const View &a, const View &b, Buffer &out);
/// Converts every element to `to` (a kiln_dtype), as kiln.cast defines it.
Status ewCast(const View &x, int32_t to, Buffer &out);

/// Bit conversions of the 16-bit floats, rounding to nearest even (exposed
/// for tests).
uint16_t roundToF16(double value);
uint16_t roundToBF16(double value);
float f16ToFloat(uint16_t bits);
float bf16ToFloat(uint16_t bits);

} // namespace mlir::kiln::interp

#endif // KILN_LIB_INTERPRETER_KERNELSELEMENTWISE_H
