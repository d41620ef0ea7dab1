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

#endif // KILN_TRANSFORMS_PASSES_TD
