//===- Interpreter.h - reference evaluation of kiln graphs -------*- C++ -*-===//
//
// Plain C++ reference kernels, one per kiln op, written for correctness. Eager
// mode runs a whole graph with them, constant folding evaluates constant
// subgraphs with them, and tests compare compiled code against them.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_INTERPRETER_H
#define KILN_INTERPRETER_INTERPRETER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace mlir::kiln {

/// A dense row-major tensor in host memory. `dtype` is a kiln_dtype
/// (kiln/abi.h); `bytes` holds numElements() * elementSize(dtype) bytes.
struct HostTensor {
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t numElements() const;
  template <typename T> T *data() { return reinterpret_cast<T *>(bytes.data()); }
  template <typename T> const T *data() const {
    return reinterpret_cast<const T *>(bytes.data());
  }
};

/// Size in bytes of one element of a kiln_dtype (bool is one byte).
size_t elementSize(int32_t dtype);

/// Converts a constant attribute to a host tensor and back.
/// toHostTensor reads dense (splats included) and dense_resource attributes,
/// and any other ElementsAttr through its APInt/APFloat values; it returns a
/// tensor with dtype 0 for one it cannot read (an element type with no kiln
/// dtype, a dynamic shape, a dense_resource whose blob is missing).
/// toElementsAttr takes the element type (and encoding) from `type` and the
/// sizes of its dynamic dims from `tensor`; it returns a null attribute when
/// the tensor does not fit `type` (dtype, rank, a static dim, byte count).
HostTensor toHostTensor(ElementsAttr attr);
DenseElementsAttr toElementsAttr(const HostTensor &tensor,
                                 RankedTensorType type);
/// As toElementsAttr, for a kiln.constant's value: tensors of more than
/// `inlineLimit` elements (bool excepted) become `dense_resource` blobs named
/// `blobName`, which are copied once and print as hex instead of one literal
/// per element.
ElementsAttr toConstantAttr(const HostTensor &tensor, RankedTensorType type,
                            StringRef blobName, int64_t inlineLimit = 256);

struct InterpreterOptions {
  /// Called after each op with the op and its results (for tracing).
  std::function<void(Operation *, ArrayRef<HostTensor>)> onOpEvaluated;
  /// Called after onOpEvaluated; a failure stops the evaluation at that op
  /// and interpretGraph fails (the callback reports why), as
  /// `kiln run --eager --check-numerics` does at the first NaN or Inf.
  std::function<LogicalResult(Operation *, ArrayRef<HostTensor>)> checkOp;
};

/// Evaluates one kiln op on its operand values. Emits an error on the op and
/// returns failure for an op it has no kernel for.
FailureOr<SmallVector<HostTensor>> evaluateOp(Operation *op,
                                             ArrayRef<HostTensor> operands);

/// Runs `graph` (a func.func of kiln ops) on `inputs`, in argument order.
/// Input shapes and dtypes must match the arguments' types (dynamic
/// dimensions take any size); mismatches emit an error naming the input.
FailureOr<SmallVector<HostTensor>>
interpretGraph(func::FuncOp graph, ArrayRef<HostTensor> inputs,
               const InterpreterOptions &options = {});

} // namespace mlir::kiln

#endif // KILN_INTERPRETER_INTERPRETER_H
