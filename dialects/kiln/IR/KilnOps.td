//===- KilnOps.td - kiln dialect operations ----------------*- tablegen -*-===//
//
// One op per entry of the graph format's op table (docs/graph-format.md),
// defined by family in the included files.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_OPS_TD
#define KILN_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
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

include "KilnElementwiseOps.td"
include "KilnNNOps.td"
include "KilnShapeOps.td"
include "KilnControlFlowOps.td"
include "KilnIndexingOps.td"

#endif // KILN_OPS_TD
