//===- Passes.td - kiln graph passes -----------------------*- tablegen -*-===//
#ifndef KILN_TRANSFORMS_PASSES_TD
#define KILN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def KilnInferSymbolicDims : Pass<"kiln-infer-symbolic-dims", "func::FuncOp"> {
  let summary = "Names every dynamic dimension and checks they agree";
  let description = [{
    Dynamic dimensions (`?`) lose their identity in tensor types; this pass
    tracks them symbolically. Each dynamic dimension of a graph input is a
    symbol, named by the argument's `kiln.dims` (`["N", 784]`) or, when absent,
    `<input>_<dim>`. Every op's result dimensions are computed as products of
    symbols and integers, and the pass:

    * rejects ops whose meaning would depend on a value unknown until run time
      (broadcasting `N` against `M`, matmul contracting `K` with `N`, a
      reshape whose element counts cannot be proved equal), with an error on
      the op;
    * records each result's symbolic shape on the graph's results as
      `kiln.dims`, which the artifact's self-description and run-time checks
      use.

    Before:
    ```mlir
    func.func @g(%x: tensor<?x4xf32> {kiln.dims = ["N", 4], kiln.name = "x"})
        -> (tensor<?xf32> {kiln.name = "y"}) {
      %y = kiln.reshape %x {shape = array<i64: -1>} : (tensor<?x4xf32>) -> tensor<?xf32>
      return %y : tensor<?xf32>
    }
    ```
    After: the result attribute becomes `{kiln.dims = ["N*4"], kiln.name = "y"}`.
  }];
  let dependentDialects = [];
}

def KilnRecognizePatterns
    : Pass<"kiln-recognize-patterns", "func::FuncOp"> {
  let summary = "Recognizes decomposed layer norm, softmax and GELU";
  let description = [{
    Exporters often write normalizations and activations as chains of
    elementwise ops and reductions. This pass finds those chains and replaces
    each by the single kiln op, which is one kernel, computes the statistics
    in one place and (for softmax) is the numerically safe form:

    * layer norm: `d = x - reduce_mean(x)`, `var = reduce_mean(d * d)` (or
      `pow(d, 2)`) over the same trailing axes with `keepdims`, then
      `d / sqrt(var + eps)`, `d * rsqrt(var + eps)` or
      `d * reciprocal(sqrt(var + eps))`, `eps` a splat constant; becomes
      `layer_norm(x, 1, 0)`. A following `* gamma` and `+ beta` (any values,
      either operand order) whose shapes vary over the normalized dimensions
      only become its scale and bias.
    * softmax: `e / reduce_sum(e)` (or `e * reciprocal(reduce_sum(e))`) with
      `e = exp(x - reduce_max(x))` or `e = exp(x)`, one axis, `keepdims`.
      Softmax is shift invariant, so both forms are `softmax(x)`;
      `kiln.softmax` always subtracts the maximum.
    * GELU: an expression in `x` and `t = erf(c * x)` (`x / c'`) that is a
      polynomial equal to `0.5 * x * (1 + t)` in any arrangement (operands
      commuted, `* 0.5` or `/ 2` anywhere) with `c = 1/sqrt(2)`, becomes
      `gelu(x)`; with `t = tanh(sqrt(2/pi) * (x + 0.044715 * x^3))` (`x^3` as
      `pow` or products, the inner sum distributed or not) it becomes
      `gelu(x) {approximate = "tanh"}`. Constants match within 1e-4
      relative.

    Every op of a match other than the last must be used only inside the
    match (so nothing is computed twice), every intermediate must have the
    shape of `x` (no broadcasting hidden in the chain), and constants may be
    small constant expressions (`sqrt(2.0)`), evaluated with the
    interpreter's kernels.

    Before:

    ```mlir
    %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<?x64xf32>) -> tensor<?x1xf32>
    %d = kiln.sub %x, %m : (tensor<?x64xf32>, tensor<?x1xf32>) -> tensor<?x64xf32>
    %s = kiln.mul %d, %d : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
    %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<?x64xf32>) -> tensor<?x1xf32>
    %e = kiln.add %v, %eps : (tensor<?x1xf32>, tensor<f32>) -> tensor<?x1xf32>
    %r = kiln.sqrt %e : tensor<?x1xf32>
    %n = kiln.div %d, %r : (tensor<?x64xf32>, tensor<?x1xf32>) -> tensor<?x64xf32>
    %g = kiln.mul %n, %gamma : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    %y = kiln.add %g, %beta : (tensor<?x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```

    After:

    ```mlir
    %y = kiln.layer_norm %x, %gamma, %beta : (tensor<?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
    ```
  }];
}

def KilnFoldBatchNorm : Pass<"kiln-fold-batch-norm", "func::FuncOp"> {
  let summary = "Folds inference batch_norm into a preceding conv or matmul";
  let description = [{
    `batch_norm(y)` with constant parameters is `y * k + (beta - mean * k)`
    per channel, `k = scale / sqrt(var + epsilon)`. When `y` is a `conv`
    (channel = output channel `m`) or a 2-D `matmul` `[M, N]` (channel =
    output column `n`) with constant weights, used by the batch_norm only,
    the weights are scaled by `k` per output channel and the shift becomes
    the conv's bias (`(bias - mean) * k + beta`) or an `add` after the
    matmul. The new weights and bias are written as kiln ops on the
    constants; `kiln-fold-constants` (run after this pass) computes them with
    the interpreter's kernels. Non-constant weights or parameters, a `y` with
    other uses and a matmul of another rank are left alone.

    Before:

    ```mlir
    %y = kiln.conv %x, %w : (tensor<?x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<?x16x6x6xf32>
    %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0e-05 : f64} : (tensor<?x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x16x6x6xf32>
    ```

    After (`-kiln-fold-batch-norm -kiln-fold-constants`):

    ```mlir
    %w2 = kiln.constant dense<...> : tensor<16x3x3x3xf32>
    %b2 = kiln.constant dense<...> : tensor<16xf32>
    %z = kiln.conv %x, %w2, %b2 : (tensor<?x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<?x16x6x6xf32>
    ```
  }];
}

def KilnFoldConstants : Pass<"kiln-fold-constants", "func::FuncOp"> {
  let summary = "Computes constant subgraphs at compile time";
  let description = [{
    Every kiln op whose operands are all constants is evaluated with the
    interpreter's reference kernels (the kernels eager mode runs, so folded
    and eager results agree by construction) and replaced by a
    `kiln.constant`, in program order, so whole constant subgraphs collapse.
    Ops with regions (`if`, `while`) are left as they are, and so is any op
    whose results hold more than `max-elements` elements in all (a folded
    result is stored in the artifact; a large broadcast is better computed).
    Results above 256 elements are `dense_resource` blobs. Constants left
    unused are removed by the canonicalizer that follows.

    Before:

    ```mlir
    %c = kiln.constant dense<[1.0, 4.0]> : tensor<2xf32>
    %s = kiln.sqrt %c : (tensor<2xf32>) -> tensor<2xf32>
    %y = kiln.mul %x, %s : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    ```

    After:

    ```mlir
    %s = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
    %y = kiln.mul %x, %s : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 22",
           "Largest result (elements, all results of an op together) that is "
           "folded">,
  ];
}

def KilnResultsToDestinations
    : Pass<"kiln-results-to-destinations", "func::FuncOp"> {
  let summary = "Makes graph outputs caller-provided buffers";
  let description = [{
    The C ABI passes every output as a caller-owned buffer. This pass appends
    one memref argument per result (carrying the result's attributes) and
    writes each returned tensor into it with
    `bufferization.materialize_in_destination`; the function then returns
    nothing. Run on linalg-on-tensors before bufferization, so that empty
    tensor elimination lets producers write straight into the caller's
    buffers.

    Before:
    ```mlir
    func.func @g(%x: tensor<?x4xf32>) -> (tensor<?x4xf32> {kiln.name = "y"}) {
      ...
      return %y : tensor<?x4xf32>
    }
    ```
    After:
    ```mlir
    func.func @g(%x: tensor<?x4xf32>, %out: memref<?x4xf32> {kiln.name = "y"}) {
      ...
      bufferization.materialize_in_destination %y in restrict writable %out
          : (tensor<?x4xf32>, memref<?x4xf32>) -> ()
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def KilnBufferize : Pass<"kiln-bufferize", "ModuleOp"> {
  let summary = "One-shot bufferization with Kiln's conventions";
  let description = [{
    Runs upstream One-Shot Module Bufferize over the whole module, function
    boundaries included, with identity-layout memrefs at function boundaries
    and `linalg.copy` for every buffer copy (so that copies lower to loops and
    compiled code never calls the MLIR C runner utilities).
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def KilnWidenElementTypes : Pass<"kiln-widen-element-types", "func::FuncOp"> {
  let summary = "Computes narrow dtypes of nn/indexing ops in a wider type";
  let description = [{
    The nn family (matmul, reductions, softmax, convolution, pooling,
    normalization, argmax/argmin) and the indexing ops that compute on
    elements (cumsum, topk, scatters with a reduction) are lowered for f32,
    f64 and the signed integer types. This pass lets those ops take the
    format's other dtypes by computing in a wider type: f16 and bf16
    operands are cast to f32, u8 to i32, the op runs there, and each result
    is cast back (rounding to nearest even; integers wrap, which is exactly
    u8 arithmetic modulo 256).

    ```mlir
    %y = kiln.max_pool %x {...} : (tensor<1x1x4x4xf16>) -> tensor<1x1x2x2xf16>
    ```
    becomes
    ```mlir
    %0 = kiln.cast %x {to = f32} : (tensor<1x1x4x4xf16>) -> tensor<1x1x4x4xf32>
    %1 = kiln.max_pool %0 {...} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
    %y = kiln.cast %1 {to = f16} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf16>
    ```
  }];
}

#endif // KILN_TRANSFORMS_PASSES_TD
