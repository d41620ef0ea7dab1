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
}


#endif // KILN_SHAPE_OPS_TD
