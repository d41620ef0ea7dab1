//===- KilnNNOps.td - matmul, reductions, nn ops ------------*- tablegen -*-===//
#ifndef KILN_NN_OPS_TD
#define KILN_NN_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def Kiln_MatmulOp : Kiln_Op<"matmul",
    [Pure, AllElementTypesMatch<["a", "b", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferSymbolicShapes(
        ::mlir::kiln::SymShapeFn shapeOf,
        ::llvm::SmallVectorImpl<::mlir::kiln::SymShape> &results) {
      return ::mlir::kiln::inferReduceSymbolicShapes(
          *this, getNormalizedAxes(), getKeepdims(), shapeOf, results);
    }
  }];
}

def Kiln_ReduceSumOp : Kiln_ReduceOp<"reduce_sum", "sum">;
def Kiln_ReduceMeanOp : Kiln_ReduceOp<"reduce_mean", "arithmetic mean">;
def Kiln_ReduceMaxOp : Kiln_ReduceOp<"reduce_max", "maximum (NaN propagating)">;
def Kiln_ReduceMinOp : Kiln_ReduceOp<"reduce_min", "minimum (NaN propagating)">;
def Kiln_ReduceProdOp : Kiln_ReduceOp<"reduce_prod",
    "product (integers wrap like NumPy's)">;

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

def Kiln_SoftmaxOp : Kiln_Op<"softmax", [Pure, SameOperandsAndResultType,
                                         Kiln_SameSymbolicShape]> {
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
// Convolution and pooling
//===----------------------------------------------------------------------===//

// Element types max-pooling and arg-reductions take: every numeric dtype.
def Kiln_NNNumericTensor : RankedTensorOf<[F16, BF16, F32, F64, I8, I16, I32,
                                         I64, UI8]>;

def Kiln_ConvOp : Kiln_Op<"conv",
    [Pure, AllElementTypesMatch<["x", "w", "result"]>, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "N-D convolution (ONNX Conv)";
  let description = [{
    `x` is `[N, C, D1..Dr]` (r = 1, 2 or 3), `w` is `[M, C/groups, K1..Kr]`,
    the optional `bias` is `[M]`. Output channel `m` of group
    `g = m / (M/groups)` sees input channels `g*C/groups ..` only:

      y[n, m, o] = bias[m] + sum_{c, k} x[n, g*C/groups + c, o*s + k*d - pb] * w[m, c, k]

    with zero outside `x`. `strides` and `dilations` (r entries, default 1)
    and `pads` (begin1..beginr, end1..endr, default 0) are ONNX's; `auto_pad`
    `SAME_UPPER`/`SAME_LOWER` choose pads so that `O = ceil(D / s)` (the odd
    unit of padding at the end / the beginning), `VALID` means no padding, and
    explicit `pads` are only allowed with `NOTSET`.
    `O = floor((D + pb + pe - ((K-1)*d + 1)) / s) + 1`, at least 1.
    Only the batch dimension may be dynamic.

    ```mlir
    %y = kiln.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>} : (tensor<?x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<?x16x8x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$w,
                       Optional<Kiln_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Attribute values after defaults and auto_pad (the op must be valid).
    ::llvm::SmallVector<int64_t> getStrideValues();
    ::llvm::SmallVector<int64_t> getDilationValues();
    /// begin..., end...
    ::llvm::SmallVector<int64_t> getPadValues();
  }];
}

def Kiln_ConvTransposeOp : Kiln_Op<"conv_transpose",
    [Pure, AllElementTypesMatch<["x", "w", "result"]>, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "N-D transposed convolution (ONNX ConvTranspose)";
  let description = [{
    The gradient of `conv` with respect to its input: `x` is `[N, C, D...]`,
    `w` is `[C, M/groups, K...]`, the optional `bias` is `[M]`. Each input
    element scatters into the output:

      y[n, g*M/groups + m, i*s + k*d - pb] += x[n, g*C/groups + c, i] * w[g*C/groups + c, m, k]

    `O = s*(D-1) + output_padding + (K-1)*d + 1 - pb - pe`. With `auto_pad`
    `SAME_UPPER`/`SAME_LOWER`, `O = D*s` and the total padding is split with
    the odd unit at the end / the beginning (ONNX's rule); `VALID` pads
    nothing. `output_padding` entries must be smaller than the stride or the
    dilation. Only the batch dimension may be dynamic.

    ```mlir
    %y = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>} : (tensor<?x8x4x4xf32>, tensor<8x3x3x3xf32>) -> tensor<?x3x9x9xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$w,
                       Optional<Kiln_FloatTensor>:$bias,
                       OptionalAttr<DenseI64ArrayAttr>:$strides,
                       OptionalAttr<DenseI64ArrayAttr>:$pads,
                       OptionalAttr<DenseI64ArrayAttr>:$dilations,
                       OptionalAttr<DenseI64ArrayAttr>:$output_padding,
                       DefaultValuedAttr<I64Attr, "1">:$groups,
                       DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $w (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// Attribute values after defaults and auto_pad (the op must be valid).
    ::llvm::SmallVector<int64_t> getStrideValues();
    ::llvm::SmallVector<int64_t> getDilationValues();
    /// begin..., end... may be negative when SAME padding asks for more
    /// output than the full result has.
    ::llvm::SmallVector<int64_t> getPadValues();
    ::llvm::SmallVector<int64_t> getOutputPaddingValues();
  }];
}

class Kiln_WindowPoolOp<string mnemonic, Type tensor, dag extraArgs>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["x", "result"]>,
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let arguments = !con((ins tensor:$x,
                            DenseI64ArrayAttr:$kernel,
                            OptionalAttr<DenseI64ArrayAttr>:$strides,
                            OptionalAttr<DenseI64ArrayAttr>:$pads,
                            DefaultValuedAttr<BoolAttr, "false">:$ceil_mode),
                       extraArgs);
  let results = (outs tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// Attribute values after defaults (dilations: 1 for avg_pool).
    ::llvm::SmallVector<int64_t> getStrideValues();
    ::llvm::SmallVector<int64_t> getDilationValues();
    /// begin..., end...; ceil_mode's last windows may reach past the end padding.
    ::llvm::SmallVector<int64_t> getPadValues();
  }];
}

def Kiln_MaxPoolOp : Kiln_WindowPoolOp<"max_pool", Kiln_NNNumericTensor,
    (ins OptionalAttr<DenseI64ArrayAttr>:$dilations)> {
  let summary = "Max pooling (ONNX MaxPool)";
  let description = [{
    `x` is `[N, C, D1..Dr]` (r = 1, 2 or 3). Each output element is the
    maximum (NaN propagating) of the input elements in its window
    `o*s + k*d - pb`, `k < kernel`; padding is never selected (a window with
    no input element gives the lowest value of the dtype, -inf for floats).
    `O = floor((D + pb + pe - ((K-1)*d + 1)) / s) + 1`, or `ceil` with
    `ceil_mode`, where a last window that would start in the end padding is
    dropped (ONNX). N and C may be dynamic, spatial dims must be static.

    ```mlir
    %y = kiln.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>) -> tensor<?x3x4x4xf32>
    ```
  }];
}

def Kiln_AvgPoolOp : Kiln_WindowPoolOp<"avg_pool", Kiln_FloatTensor,
    (ins DefaultValuedAttr<BoolAttr, "false">:$count_include_pad)> {
  let summary = "Average pooling (ONNX AveragePool)";
  let description = [{
    As `max_pool` (no dilations), averaging the window. The divisor counts
    the window's input elements, or with `count_include_pad` its elements
    inside the padded input `[-pb, D + pe)` (so ceil_mode's extra positions
    are never counted, as in ONNX Runtime and PyTorch).

    ```mlir
    %y = kiln.avg_pool %x {kernel = array<i64: 3>, pads = array<i64: 1, 1>} : (tensor<?x4x10xf32>) -> tensor<?x4x10xf32>
    ```
  }];
}

class Kiln_GlobalPoolOp<string mnemonic, string what, Type tensor>
    : Kiln_Op<mnemonic, [Pure, AllElementTypesMatch<["x", "result"]>,
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Global " # what # " pooling over the spatial dimensions";
  let description = !strconcat("`x` is `[N, C, D...]` (rank >= 3); the ",
    "result `[N, C, 1...]` holds the ", what, " over all spatial dimensions ",
    "(any of which may be dynamic).\n\n",
    "```mlir\n%y = kiln.", mnemonic, " %x : (tensor<?x8x7x7xf32>) -> ",
    "tensor<?x8x1x1xf32>\n```");
  let arguments = (ins tensor:$x);
  let results = (outs tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
}

def Kiln_GlobalAvgPoolOp : Kiln_GlobalPoolOp<"global_avg_pool", "mean",
                                             Kiln_FloatTensor>;
def Kiln_GlobalMaxPoolOp : Kiln_GlobalPoolOp<"global_max_pool", "maximum",
                                             Kiln_NNNumericTensor>;

//===----------------------------------------------------------------------===//
// argmax / argmin
//===----------------------------------------------------------------------===//

class Kiln_ArgReduceOp<string mnemonic, string what>
    : Kiln_Op<mnemonic, [Pure, InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Index of the " # what # " along an axis";
  let description = !strconcat("The i64 index of the ", what, " of `x` ",
    "along `axis` (default 0, negative counts from the end), the first one ",
    "on ties; a NaN counts as the ", what, " (the first NaN wins, as in ",
    "NumPy). With `keepdims` (the default) the axis stays as size 1.\n\n",
    "```mlir\n%i = kiln.", mnemonic, " %x {axis = 1 : i64} : ",
    "(tensor<?x10xf32>) -> tensor<?x1xi64>\n```");
  let arguments = (ins Kiln_NNNumericTensor:$x,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

def Kiln_ArgMaxOp : Kiln_ArgReduceOp<"argmax", "maximum">;
def Kiln_ArgMinOp : Kiln_ArgReduceOp<"argmin", "minimum">;

//===----------------------------------------------------------------------===//
// log_softmax and normalization
//===----------------------------------------------------------------------===//

def Kiln_LogSoftmaxOp : Kiln_Op<"log_softmax",
    [Pure, SameOperandsAndResultType, Kiln_SameSymbolicShape]> {
  let summary = "Log of softmax along one axis";
  let description = [{
    `x - max(x) - log(sum(exp(x - max(x))))` along `axis` (default -1): the
    stable form of `log(softmax(x))`.

    ```mlir
    %p = kiln.log_softmax %x {axis = -1 : i64} : tensor<?x10xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let hasVerifier = 1;
}

def Kiln_LayerNormOp : Kiln_Op<"layer_norm",
    [Pure, AllElementTypesMatch<["x", "scale", "bias", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Layer normalization over the trailing dimensions";
  let description = [{
    Normalizes `x` over dimensions `axis` to the end (default -1: the last):
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, with the biased
    variance. `scale` and `bias` broadcast (NumPy) to the normalized
    dimensions `x.shape[axis:]` (a symbolic dimension meets only itself or
    1).

    ```mlir
    %y = kiln.layer_norm %x, %g, %b {axis = -1 : i64} : (tensor<?x16x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x16x64xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$scale,
                       Kiln_FloatTensor:$bias,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $scale `,` $bias attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

def Kiln_BatchNormOp : Kiln_Op<"batch_norm",
    [Pure, AllElementTypesMatch<["x", "scale", "bias", "mean", "var", "result"]>,
     InferTypeOpAdaptor, Kiln_SameSymbolicShape]> {
  let summary = "Batch normalization, inference form";
  let description = [{
    `(x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c]` where `c`
    is dimension 1 of `x` (rank >= 2), which must be static; the four
    parameters are `[C]`. The other dimensions may be symbolic.

    ```mlir
    %y = kiln.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64} : (tensor<?x3x8x8xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x8x8xf32>
    ```
  }];
  let arguments = (ins Kiln_FloatTensor:$x, Kiln_FloatTensor:$scale,
                       Kiln_FloatTensor:$bias, Kiln_FloatTensor:$mean,
                       Kiln_FloatTensor:$var,
                       DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs Kiln_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:`
    functional-type(operands, results)
  }];
}

#endif // KILN_NN_OPS_TD
