//===- KilnIndexingOps.td - gather/scatter, cumsum, topk ---*- tablegen -*-===//
//
// Ops that read or write elements at computed positions: the ONNX
// GatherElements/ScatterElements and GatherND/ScatterND pairs, CumSum and
// TopK. Index operands are i32 or i64; a negative index counts from the end
// of its dimension, and one outside [-d, d) is clamped to [0, d-1] (as for
// `gather`), so compiled code never reads or writes out of bounds.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_INDEXING_OPS_TD
#define KILN_INDEXING_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "KilnNNOps.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Kiln_IndexTensor : RankedTensorOf<[I32, I64]>;

// How a scatter combines an update with the element it lands on.
def Kiln_ScatterReductionAttr
    : DefaultValuedAttr<StrAttr, "\"none\"">;

//===----------------------------------------------------------------------===//
// gather_elements / scatter_elements
//===----------------------------------------------------------------------===//

def Kiln_GatherElementsOp : Kiln_Op<"gather_elements",
    [Pure, AllElementTypesMatch<["x", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Takes elements along an axis by a same-rank index tensor";
  let description = [{
    ONNX's `GatherElements` (`numpy.take_along_axis` without broadcasting):
    `indices` has the rank of `x`, and the result has the shape of
    `indices`, with

    `result[i0, ..., ik, ...] = x[i0, ..., indices[i0, ..., ik, ...], ...]`

    at position `axis` (default 0, negative counts from the end). Every
    other dimension of `indices` must be at most that of `x` (provably, for
    symbolic dimensions). Negative indices count from the end; indices
    outside `[-d, d)` are clamped to `[0, d-1]`. An empty axis with a
    non-empty result is a run-time error of the interpreter and reads zeros
    in compiled code. Any dtype.

    ```mlir
    %y = kiln.gather_elements %x, %i {axis = 1 : i64} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?x2xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$x, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$x `,` $indices attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

def Kiln_ScatterElementsOp : Kiln_Op<"scatter_elements",
    [Pure, AllElementTypesMatch<["data", "updates", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Writes elements along an axis by a same-rank index tensor";
  let description = [{
    ONNX's `ScatterElements` (opsets 16 and 18): the result is `data` with,
    for every position `p = (i0, ..., ik, ...)` of `indices` (whose shape
    `updates` has too),

    `result[i0, ..., indices[p], ...] = f(result[i0, ..., indices[p], ...], updates[p])`

    at position `axis` (default 0, negative counts from the end), visiting
    the positions in row-major order. `reduction` picks `f`: `"none"`
    (default: the update replaces the element; of duplicate indices the last
    in row-major order wins), `"add"`, `"mul"`, `"max"` or `"min"` (NaN
    propagating). Integers wrap; bool takes `add`/`max` as or and
    `mul`/`min` as and (NumPy's bool arithmetic); f16, bf16 and u8 reduce in
    f32 / i32 (`kiln-widen-element-types`). Every dimension of `indices`
    other than `axis` must be at most that of `data`. Negative indices count
    from the end; indices outside `[-d, d)` are clamped to `[0, d-1]`.

    ```mlir
    %y = kiln.scatter_elements %d, %i, %u {axis = 1 : i64, reduction = "add"} : (tensor<4x5xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       Kiln_ScatterReductionAttr:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` "
                       "functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
    /// Whether updates combine with the elements they land on (any
    /// reduction but "none"), rather than only replacing them.
    bool combinesElements() { return getReduction() != "none"; }
  }];
}

//===----------------------------------------------------------------------===//
// gather_nd / scatter_nd
//===----------------------------------------------------------------------===//

def Kiln_GatherNDOp : Kiln_Op<"gather_nd",
    [Pure, AllElementTypesMatch<["data", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Takes slices addressed by index tuples";
  let description = [{
    ONNX's `GatherND`. The last dimension of `indices` (static, `k`) holds
    index tuples into dimensions `b .. b+k-1` of `data`, where
    `b = batch_dims` (default 0) leading dimensions are shared: they must be
    equal in `data` and `indices`, and `1 <= k <= rank(data) - b`. The result
    has the shape `indices.shape[:-1] + data.shape[b+k:]`:

    `result[B..., I..., R...] = data[B..., indices[B..., I..., :], R...]`

    Negative indices count from the end; indices outside `[-d, d)` are
    clamped to `[0, d-1]`. An empty indexed dimension with a non-empty
    result is a run-time error of the interpreter and reads zeros in
    compiled code. Any dtype.

    ```mlir
    %y = kiln.gather_nd %d, %i : (tensor<4x5x3xf32>, tensor<?x2xi64>) -> tensor<?x3xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat =
      "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The index tuples' length (the static last dimension of `indices`).
    int64_t getTupleLength() {
      return getIndices().getType().getShape().back();
    }
  }];
}

def Kiln_ScatterNDOp : Kiln_Op<"scatter_nd",
    [Pure, AllElementTypesMatch<["data", "updates", "result"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Writes slices addressed by index tuples";
  let description = [{
    ONNX's `ScatterND` (opsets 16 and 18). The last dimension of `indices`
    (static, `k <= rank(data)`) holds index tuples into the first `k`
    dimensions of `data`; `updates` has the shape
    `indices.shape[:-1] + data.shape[k:]`. The result is `data` with, for
    every index tuple position `I` (in row-major order),

    `result[indices[I, :], R...] = f(result[indices[I, :], R...], updates[I, R...])`

    `reduction` picks `f` as for `scatter_elements`: `"none"` (default; of
    duplicate tuples the last wins), `"add"`, `"mul"`, `"max"`, `"min"`.
    Negative indices count from the end; indices outside `[-d, d)` are
    clamped to `[0, d-1]`.

    ```mlir
    %y = kiln.scatter_nd %d, %i, %u {reduction = "max"} : (tensor<4x5xf32>, tensor<3x1xi64>, tensor<3x5xf32>) -> tensor<4x5xf32>
    ```
  }];
  let arguments = (ins Kiln_Tensor:$data, Kiln_IndexTensor:$indices,
                       Kiln_Tensor:$updates,
                       Kiln_ScatterReductionAttr:$reduction);
  let results = (outs Kiln_Tensor:$result);
  let assemblyFormat = "$data `,` $indices `,` $updates attr-dict `:` "
                       "functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The index tuples' length (the static last dimension of `indices`).
    int64_t getTupleLength() {
      return getIndices().getType().getShape().back();
    }
    /// Whether updates combine with the elements they land on (any
    /// reduction but "none"), rather than only replacing them.
    bool combinesElements() { return getReduction() != "none"; }
  }];
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

def Kiln_CumSumOp : Kiln_Op<"cumsum",
    [Pure, SameOperandsAndResultType, Kiln_SameSymbolicShape]> {
  let summary = "Cumulative sum along an axis";
  let description = [{
    ONNX's `CumSum` with the axis as an attribute (default 0, negative
    counts from the end): element `j` along `axis` is the sum of the
    elements `0..j` (`numpy.cumsum`). With `exclusive` the element itself is
    left out (the first sum is 0); with `reverse` the sums run from the end
    of the axis. Sums are accumulated in order; integers wrap; f16, bf16 and
    u8 accumulate in f32 / i32 (`kiln-widen-element-types`). Not bool.

    ```mlir
    %y = kiln.cumsum %x {axis = 1 : i64, exclusive = true} : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Kiln_NNNumericTensor:$x,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Kiln_NNNumericTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

def Kiln_TopKOp : Kiln_Op<"topk",
    [Pure, AllElementTypesMatch<["x", "values"]>,
     InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "The k largest or smallest elements along an axis";
  let description = [{
    ONNX's `TopK` with `k` as an attribute: along `axis` (default -1,
    negative counts from the end), `values` holds the `k` largest elements
    of `x` (the smallest with `largest = false`), best first, and `indices`
    (i64) their positions in `x`. Of equal elements the one with the lower
    index comes first (ONNX's rule); NaN counts as larger than every number.
    The results are always in that order, so `sorted = false` (allowed, as
    ONNX leaves the order unspecified then) gives the same results. `k` must
    be at most the dimension (for a dynamic one this is checked at run time
    by the interpreter; compiled code fills missing entries with 0 and
    index -1). Every numeric dtype; f16, bf16 and u8 compare in f32 / i32
    (`kiln-widen-element-types`, exact).

    ```mlir
    %v, %i = kiln.topk %x {k = 3 : i64} : (tensor<?x10xf32>) -> (tensor<?x3xf32>, tensor<?x3xi64>)
    ```
  }];
  let arguments = (ins Kiln_NNNumericTensor:$x, I64Attr:$k,
                       DefaultValuedAttr<I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest,
                       DefaultValuedAttr<BoolAttr, "true">:$sorted);
  let results = (outs Kiln_NNNumericTensor:$values,
                      RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = "$x attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// `axis` normalized to [0, rank).
    int64_t getNormalizedAxis();
  }];
}

#endif // KILN_INDEXING_OPS_TD
