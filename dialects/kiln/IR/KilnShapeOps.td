//===- KilnShapeOps.td - shape and data movement ops --------*- tablegen -*-===//
#ifndef KILN_SHAPE_OPS_TD
#define KILN_SHAPE_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def Kiln_ReshapeOp : Kiln_Op<"reshape",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

def Kiln_TransposeOp : Kiln_Op<"transpose",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

def Kiln_BroadcastToOp : Kiln_Op<"broadcast_to",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

//===----------------------------------------------------------------------===//
// squeeze / unsqueeze / flatten
//===----------------------------------------------------------------------===//

def Kiln_SqueezeOp : Kiln_Op<"squeeze",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Removes dimensions of size 1";
  let description = [{
    Removes the dimensions listed in `axes` (negative axes count from the
    end), each of which must be statically 1. Without `axes`, removes every
    dimension that is statically 1: a dynamic dimension is kept even when it
    is 1 at run time, so that the result's rank never depends on run-time
    sizes (pin it with `--shape` to have it squeezed).

    ```mlir
    %y = kiln.squeeze %x {axes = array<i64: -1>} : (tensor<?x3x1xf32>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, OptionalAttr<DenseI64ArrayAttr>:$axes);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The removed axes, normalized and sorted.
    ::llvm::SmallVector<int64_t> getSqueezedAxes();
  }];
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

def Kiln_UnsqueezeOp : Kiln_Op<"unsqueeze",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Inserts dimensions of size 1";
  let description = [{
    ONNX's `Unsqueeze`: `axes` are positions in the result (of rank
    `rank(x) + len(axes)`; negative axes count from its end), each of which
    becomes a dimension of size 1.

    ```mlir
    %y = kiln.unsqueeze %x {axes = array<i64: 0, -1>} : (tensor<?x3xf32>) -> tensor<1x?x3x1xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$axes);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The inserted axes, normalized against the result's rank and sorted.
    ::llvm::SmallVector<int64_t> getInsertedAxes();
  }];
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

def Kiln_FlattenOp : Kiln_Op<"flatten",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Collapses to 2-D around an axis";
  let description = [{
    ONNX's `Flatten`: the result is `[prod(d[:axis]), prod(d[axis:])]` (an
    empty product is 1). `axis` (default 1) is in `[-rank, rank]`; negative
    values count from the end.

    ```mlir
    %y = kiln.flatten %x : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank].
    int64_t getNormalizedAxis();
  }];
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

//===----------------------------------------------------------------------===//
// concat / split / slice
//===----------------------------------------------------------------------===//

def Kiln_ConcatOp : Kiln_Op<"concat",
    [Pure, SameOperandsAndResultElementType,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Joins tensors along an axis";
  let description = [{
    `numpy.concatenate(inputs, axis)`: one or more tensors of one rank and
    dtype whose dimensions other than `axis` are equal.

    ```mlir
    %y = kiln.concat %a, %b {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?x2xf32>) -> tensor<?x5xf32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
  let hasFolder = 1;
}

def Kiln_SplitOp : Kiln_Op<"split",
    [Pure, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Splits a tensor into parts along an axis";
  let description = [{
    Result `i` is the `sizes[i]` consecutive entries of `x` along `axis`
    that follow those of the results before it; `sizes` must sum to the
    dimension. Without `sizes`, `num_outputs` equal parts (the dimension must
    divide evenly, as for `numpy.split`).

    ```mlir
    %a, %b = kiln.split %x {axis = 1 : i64, sizes = array<i64: 1, 2>} : (tensor<?x3xf32>) -> (tensor<?x1xf32>, tensor<?x2xf32>)
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DefaultValuedAttr<I64Attr, "0">:$axis,
                       OptionalAttr<DenseI64ArrayAttr>:$sizes,
                       OptionalAttr<I64Attr>:$num_outputs);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
  let hasFolder = 1;
}

def Kiln_SliceOp : Kiln_Op<"slice",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Strided slice with NumPy/ONNX clamping";
  let description = [{
    ONNX's `Slice`: along `axes[i]` (default: `0, 1, ...`) takes
    `x[starts[i]:ends[i]:steps[i]]` (steps default to 1, never 0). Negative
    starts and ends count from the end of the dimension; out-of-range values
    (e.g. `INT64_MAX`) are clamped to `[0, d]` for positive steps and to
    `[-1, d-1]` for negative ones, so the result may be empty.

    ```mlir
    %y = kiln.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775807>, axes = array<i64: 1>, steps = array<i64: -2>} : (tensor<?x5xf32>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends,
                       OptionalAttr<DenseI64ArrayAttr>:$axes,
                       OptionalAttr<DenseI64ArrayAttr>:$steps);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The start, end and step of every dimension (unsliced dimensions get
    /// 0, INT64_MAX, 1), before clamping.
    void getPerDimension(::llvm::SmallVectorImpl<int64_t> &starts,
                         ::llvm::SmallVectorImpl<int64_t> &ends,
                         ::llvm::SmallVectorImpl<int64_t> &steps);
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// gather / pad / tile / resize
//===----------------------------------------------------------------------===//

def Kiln_GatherOp : Kiln_Op<"gather",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Takes entries along an axis by index";
  let description = [{
    `numpy.take(x, indices, axis)`: the result has shape
    `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. Negative indices
    count from the end. Indices outside `[-d, d)` are clamped to `[0, d-1]`
    (in compiled code and in the interpreter alike), so that nothing is read
    out of bounds; an empty axis with a non-empty result is a run-time error
    of the interpreter and reads zeros in compiled code.

    ```mlir
    %y = kiln.gather %x, %i {axis = 1 : i64} : (tensor<?x5xf32>, tensor<3xi64>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, RankedTensorOf<[I32, I64]>:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$x `,` $indices attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

def Kiln_PadOp : Kiln_Op<"pad",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Pads each dimension";
  let description = [{
    `numpy.pad` with `pads = [b0, b1, ..., e0, e1, ...]` (begin pads, then
    end pads; non-negative). `mode` is `"constant"` (fill with `value`,
    converted to the dtype), `"reflect"` (mirror without repeating the edge;
    pads must be smaller than the dimension) or `"edge"` (repeat the edge;
    the dimension must not be empty).

    ```mlir
    %y = kiln.pad %x {pads = array<i64: 0, 1, 0, 2>, mode = "reflect"} : (tensor<?x4xf32>) -> tensor<?x7xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<StrAttr, "\"constant\"">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_TileOp : Kiln_Op<"tile",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Repeats a tensor along each dimension";
  let description = [{
    ONNX's `Tile` (`numpy.tile` with one repeat count per dimension):
    dimension `i` of the result is `d[i] * repeats[i]`.

    ```mlir
    %y = kiln.tile %x {repeats = array<i64: 1, 3>} : (tensor<?x2xf32>) -> tensor<?x6xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, DenseI64ArrayAttr:$repeats);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Kiln_ResizeOp : Kiln_Op<"resize",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Nearest, N-linear or cubic resampling (ONNX Resize)";
  let description = [{
    ONNX's `Resize` with one entry of `scales` (output size
    `floor(d * scale)`) or of `sizes` (scale `size / d`) per dimension.
    Each output coordinate maps back to the input by
    `coordinate_transformation_mode` (`"half_pixel"` (default),
    `"asymmetric"`, `"align_corners"`, `"pytorch_half_pixel"`,
    `"tf_half_pixel_for_nearest"`, `"tf_crop_and_resize"`).
    `mode = "nearest"` rounds it by `nearest_mode` (`"round_prefer_floor"`
    (default), `"round_prefer_ceil"`, `"floor"`, `"ceil"`) and clamps it
    into the input; any dtype. `mode = "linear"` interpolates between the
    two neighbours in every dimension (clamped at the edges);
    `mode = "cubic"` applies the cubic convolution kernel with coefficient
    `cubic_coeff_a` (default -0.75) to the four neighbours in every
    dimension (clamped at the edges; with `exclude_outside` the weights of
    neighbours outside the input become 0 and the others are renormalised
    to sum to 1). Linear and cubic take floating-point dtypes only.
    Coordinates and weights are computed in f64.

    `"tf_crop_and_resize"` resizes the region `roi` (the start of every
    dimension, then the end of every dimension, in coordinates normalised
    to `[0, 1]`; default the whole input), `scales` giving output sizes
    `floor(d * (end - start) * scale)`; output positions whose coordinate
    falls outside the input take `extrapolation_value` (default 0).

    ```mlir
    %y = kiln.resize %x {scales = array<f64: 1.0, 1.0, 2.0, 2.0>, mode = "linear"} : (tensor<?x3x4x4xf32>) -> tensor<?x3x8x8xf32>
    %z = kiln.resize %x {sizes = array<i64: 1, 3, 6, 6>, mode = "cubic", cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true} : (tensor<1x3x4x4xf32>) -> tensor<1x3x6x6xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x,
                       OptionalAttr<DenseF64ArrayAttr>:$scales,
                       OptionalAttr<DenseI64ArrayAttr>:$sizes,
                       DefaultValuedAttr<StrAttr, "\"nearest\"">:$mode,
                       DefaultValuedAttr<StrAttr, "\"half_pixel\"">:$coordinate_transformation_mode,
                       DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       OptionalAttr<DenseF64ArrayAttr>:$roi,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
}


#endif // KILN_SHAPE_OPS_TD
