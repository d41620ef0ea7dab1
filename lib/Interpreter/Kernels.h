//===- Kernels.h - reference kernels on plain buffers -----------*- C++ -*-===//
//
// The arithmetic of the reference interpreter, kept free of MLIR headers so
// that it compiles quickly and can be read (and tested) as plain C++. The
// MLIR-facing layer (Interpreter.cpp) unpacks op attributes, calls these
// kernels and turns a failed Status into a diagnostic on the op.
//
// Conventions shared by all kernels:
//  - Tensors are dense and row-major; dtypes are kiln_dtype codes (abi.h).
//  - A kernel validates its operands' shapes against each other (a graph with
//    dynamic dimensions can only be checked once the sizes are known) and
//    returns an error message instead of asserting.
//  - The result has the operand's dtype; its shape is computed from the actual
//    operand shapes, never taken from the (possibly dynamic) IR types.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_INTERPRETER_KERNELS_H
#define KILN_LIB_INTERPRETER_KERNELS_H

#include "kiln/abi.h"

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir::kiln {

// Declared (identically) in kiln/Interpreter/Interpreter.h too; repeated here
// so that kernel code does not pull in MLIR headers.
size_t elementSize(int32_t dtype);

namespace interp {

/// The name of a kiln_dtype as the graph format spells it ("f32", "bool"),
/// or "dtype <n>" for an unknown code.
std::string dtypeName(int32_t dtype);

/// "[2, 3]".
std::string shapeString(const std::vector<int64_t> &shape);

/// Product of the dimensions (1 for a scalar).
int64_t numElementsOf(const std::vector<int64_t> &shape);

/// A read-only operand: borrowed shape and data, no ownership.
struct View {
  int32_t dtype = 0;
  const std::vector<int64_t> *shape = nullptr;
  const void *data = nullptr;

  int64_t rank() const { return static_cast<int64_t>(shape->size()); }
  int64_t numElements() const { return numElementsOf(*shape); }
};

/// A kernel result, moved into a HostTensor by the caller.
struct Buffer {
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// Success, or the reason a kernel could not run.
class Status {
public:
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }
  bool failed() const { return failed_; }
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

enum class ReduceKind { Sum, Mean, Max };

// The elementwise kernels are declared in KernelsElementwise.h.

/// numpy.matmul(a', b') with a' / b' the operands with their last two dims
/// swapped when the transpose flag is set.
Status matmul(const View &a, const View &b, bool transposeA, bool transposeB,
              Buffer &out);

/// Reduces over `axes` (possibly negative; all axes when absent).
Status reduce(ReduceKind kind, const View &x,
              const std::optional<std::vector<int64_t>> &axes, bool keepdims,
              Buffer &out);

/// Softmax along `axis` (possibly negative).
Status softmax(const View &x, int64_t axis, Buffer &out);

/// Reshape with the graph format's `-1` (inferred) and `0` (copy) entries.
Status reshape(const View &x, const std::vector<int64_t> &shape, Buffer &out);

/// Result dim i is input dim perm[i].
Status transpose(const View &x, const std::vector<int64_t> &perm, Buffer &out);

/// numpy.broadcast_to; a `-1` entry keeps the aligned input dim.
Status broadcastTo(const View &x, const std::vector<int64_t> &shape,
                   Buffer &out);

//===----------------------------------------------------------------------===//
// Element type dispatch, shared by the kernel files
//===----------------------------------------------------------------------===//

template <typename T> struct Tag { using type = T; };

enum class Domain {
  Float,   // f32, f64
  Numeric, // f32, f64 and the integer types (not bool)
};

/// Calls `fn(Tag<T>{})` with the C++ element type of `dtype`, or explains why
/// `op` cannot run on it. f16/bf16 would need a software float type; they are
/// rejected with a clear message rather than computed wrongly.
template <typename Fn>
inline Status dispatch(int32_t dtype, Domain domain, const char *op, Fn &&fn) {
  switch (dtype) {
  case KILN_DTYPE_F32:
    return fn(Tag<float>{});
  case KILN_DTYPE_F64:
    return fn(Tag<double>{});
  case KILN_DTYPE_F16:
  case KILN_DTYPE_BF16:
    return Status::error("dtype " + dtypeName(dtype) +
                         " is not supported by the interpreter yet");
  default:
    break;
  }
  if (elementSize(dtype) == 0)
    return Status::error("unknown dtype code " + std::to_string(dtype));
  if (domain == Domain::Float || dtype == KILN_DTYPE_BOOL)
    return Status::error(std::string("'") + op + "' does not support dtype " +
                         dtypeName(dtype));
  switch (dtype) {
  case KILN_DTYPE_I8:
    return fn(Tag<int8_t>{});
  case KILN_DTYPE_I16:
    return fn(Tag<int16_t>{});
  case KILN_DTYPE_I32:
    return fn(Tag<int32_t>{});
  case KILN_DTYPE_I64:
    return fn(Tag<int64_t>{});
  case KILN_DTYPE_U8:
    return fn(Tag<uint8_t>{});
  default:
    return Status::error("unknown dtype code " + std::to_string(dtype));
  }
}


} // namespace interp
} // namespace mlir::kiln

#endif // KILN_LIB_INTERPRETER_KERNELS_H
