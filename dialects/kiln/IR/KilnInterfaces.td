//===- KilnInterfaces.td - kiln op interfaces --------------*- tablegen -*-===//
#ifndef KILN_INTERFACES_TD
#define KILN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Kiln_SymbolicShapeOpInterface : OpInterface<"SymbolicShapeOpInterface"> {
  let description = [{
    An op that says how its results' dimensions follow from its operands' as
    symbolic expressions (products of input symbols and integers). The
    kiln-infer-symbolic-dims pass calls it for every op in a graph; ops whose
    results are all static need not implement it.
  }];
  let cppNamespace = "::mlir::kiln";
  let methods = [
    InterfaceMethod<[{
        Appends one symbolic shape per result to `results`, given the shapes
        of the operands (`shapeOf`). Emits an error on the op and fails when a
        dimension would depend on values unknown until run time, e.g.
        broadcasting two different symbols.
      }],
      "::llvm::LogicalResult", "inferSymbolicShapes",
      (ins "::mlir::kiln::SymShapeFn":$shapeOf,
           "::llvm::SmallVectorImpl<::mlir::kiln::SymShape> &":$results)>
  ];
}

// Ops whose one result has the shape of their first operand.
def Kiln_SameSymbolicShape : NativeOpTrait<"SameSymbolicShape"> {
  let cppNamespace = "::mlir::kiln";
}

#endif // KILN_INTERFACES_TD
