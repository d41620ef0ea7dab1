//===- KilnOps.td - kiln dialect operations ----------------*- tablegen -*-===//
//
// One op per entry of the graph format's op table (docs/graph-format.md).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "KilnBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def Kiln_ConstantOp : Kiln_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A tensor known at compile time";
  let description = [{
    Produces the tensor held by `value`. Graph constants (`data`, `fill`,
    `.npy` files) become this op; large payloads use `dense_resource`.

    ```mlir
    %b = kiln.constant dense<[0.1, 0.2]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class Kiln_UnaryOp<string mnemonic, string semantics, Type tensorType,
                   list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let summary = "Elementwise " # mnemonic;
  let description = !strconcat("Computes `", semantics, "` for each element ",
    "of `x`; the result has the shape and dtype of `x`.\n\n",
    "```mlir\n%y = kiln.", mnemonic, " %x : tensor<?x16xf32>\n```");
  let arguments = (ins tensorType:$x);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
}

def Kiln_NegOp : Kiln_UnaryOp<"neg", "-x", Kiln_Tensor>;
def Kiln_ExpOp : Kiln_UnaryOp<"exp", "e^x", Kiln_FloatTensor>;
def Kiln_TanhOp : Kiln_UnaryOp<"tanh", "tanh(x)", Kiln_FloatTensor>;
def Kiln_SigmoidOp : Kiln_UnaryOp<"sigmoid", "1 / (1 + e^-x)", Kiln_FloatTensor>;
def Kiln_ReluOp : Kiln_UnaryOp<"relu", "max(x, 0)", Kiln_Tensor>;

//===----------------------------------------------------------------------===//
// Elementwise binary with NumPy broadcasting
//===----------------------------------------------------------------------===//

class Kiln_BinaryOp<string mnemonic, string semantics>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["lhs", "rhs", "result"]>,
                         InferTypeOpAdaptor]> {
  let summary = "Elementwise " # mnemonic # " with broadcasting";
  let description = !strconcat("Computes `", semantics, "` elementwise after ",
    "broadcasting `lhs` and `rhs` to a common shape with NumPy's rules ",
    "(shapes right-aligned, a dimension of 1 stretches). A dynamic dimension ",
    "meets only another dynamic dimension or 1.\n\n",
    "```mlir\n%c = kiln.", mnemonic, " %a, %b : (tensor<?x10xf32>, ",
    "tensor<10xf32>) -> tensor<?x10xf32>\n```");
  let arguments = (ins Kiln_Tensor:$lhs, Kiln_Tensor:$rhs);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
}

def Kiln_AddOp : Kiln_BinaryOp<"add", "lhs + rhs">;
def Kiln_SubOp : Kiln_BinaryOp<"sub", "lhs - rhs">;
def Kiln_MulOp : Kiln_BinaryOp<"mul", "lhs * rhs">;
def Kiln_DivOp : Kiln_BinaryOp<"div", "lhs / rhs (integers truncate toward zero)">;
def Kiln_MaxOp : Kiln_BinaryOp<"max", "maximum(lhs, rhs), NaN propagating">;
def Kiln_MinOp : Kiln_BinaryOp<"min", "minimum(lhs, rhs), NaN propagating">;

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def Kiln_MatmulOp : Kiln_Op<"matmul",
    [Pure, AllElementTypesMatch<["a", "b", "result"]>,
     InferTypeOpAdaptor]> {
  let summary = "Matrix product with NumPy's matmul semantics";
  let description = [{
    `numpy.matmul(a', b')` where `a'` is `a` with its last two dimensions
    swapped when `transpose_a` is set (likewise `b'`). A 1-D `a` is promoted to
    a row `[1, K]` and a 1-D `b` to a column `[K, 1]`, and the promoted
    dimension is removed from the result. Batch dimensions (all but the last
    two) broadcast.

    ```mlir
    %c = kiln.matmul %a, %b : (tensor<?x784xf32>, tensor<784x128xf32>) -> tensor<?x128xf32>
    %d = kiln.matmul %a, %w {transpose_b = true} : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$a, Kiln_Tensor:$b,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_b);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$a `,` $b attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Kiln_ReduceOp<string mnemonic, string semantics>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["x", "result"]>,
                         InferTypeOpAdaptor]> {
  let summary = "Reduction: " # semantics;
  let description = !strconcat("Reduces `x` over `axes` (all axes when ",
    "absent; negative axes count from the end) by ", semantics, ". With ",
    "`keepdims` (the default) reduced dimensions stay as size 1.\n\n",
    "```mlir\n%s = kiln.", mnemonic, " %x {axes = array<i64: -1>} : ",
    "(tensor<?x10xf32>) -> tensor<?x1xf32>\n```");
  let arguments = (ins Kiln_Tensor:$x,
                       OptionalAttr<DenseI64ArrayAttr>:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The reduced axes, normalized to [0, rank) and sorted.
    ::llvm::SmallVector<int64_t> getNormalizedAxes();
  }];
}

def Kiln_ReduceSumOp : Kiln_ReduceOp<"reduce_sum", "sum">;
def Kiln_ReduceMeanOp : Kiln_ReduceOp<"reduce_mean", "arithmetic mean">;
def Kiln_ReduceMaxOp : Kiln_ReduceOp<"reduce_max", "maximum (NaN propagating)">;

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "Softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (default -1),
    computed in the numerically stable form.

    ```mlir
    %p = kiln.softmax %x {axis = -1 : i64} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Kiln_ReshapeOp : Kiln_Op<"reshape",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor]> {
  let summary = "Same elements, new shape";
  let description = [{
    Reinterprets `x` (row-major) with the dimensions of `shape`. One entry may
    be `-1` (inferred from the element count); `0` copies the input's
    dimension at the same position.

    ```mlir
    %y = kiln.reshape %x {shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
}

def Kiln_TransposeOp : Kiln_Op<"transpose",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor]> {
  let summary = "Permutes dimensions";
  let description = [{
    Result dimension `i` is input dimension `perm[i]`; without `perm` the
    dimensions are reversed (NumPy's `transpose`).

    ```mlir
    %y = kiln.transpose %x {perm = array<i64: 1, 0>} : (tensor<?x3xf32>) -> tensor<3x?xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, OptionalAttr<DenseI64ArrayAttr>:$perm);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `perm`, or the reversal when absent.
    ::llvm::SmallVector<int64_t> getPermutation();
  }];
}

def Kiln_BroadcastToOp : Kiln_Op<"broadcast_to",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor]> {
  let summary = "Broadcasts to a shape";
  let description = [{
    NumPy's `broadcast_to(x, shape)`. An entry of `-1` in `shape` keeps the
    input's (possibly dynamic) dimension aligned with it.

    ```mlir
    %y = kiln.broadcast_to %x {shape = array<i64: 4, 3>} : (tensor<3xf32>) -> tensor<4x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$shape);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
}

#endif // KILN_OPS_TD
