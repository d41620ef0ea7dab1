//===- KilnElementwiseOps.td - elementwise ops --------------*- tablegen -*-===//
#ifndef KILN_ELEMENTWISE_OPS_TD
#define KILN_ELEMENTWISE_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

class Kiln_UnaryOp<string mnemonic, string semantics, Type tensorType,
                   list<Trait> traits = []>
    : Kiln_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType,
                                             Kiln_SameSymbolicShape])> {
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
                         InferTypeOpAdaptor,
                         DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
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
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferSymbolicShapes(
        ::mlir::kiln::SymShapeFn shapeOf,
        ::llvm::SmallVectorImpl<::mlir::kiln::SymShape> &results) {
      return ::mlir::kiln::inferBroadcastSymbolicShapes(*this, shapeOf, results);
    }
  }];
}

def Kiln_AddOp : Kiln_BinaryOp<"add", "lhs + rhs">;
def Kiln_SubOp : Kiln_BinaryOp<"sub", "lhs - rhs">;
def Kiln_MulOp : Kiln_BinaryOp<"mul", "lhs * rhs">;
def Kiln_DivOp : Kiln_BinaryOp<"div", "lhs / rhs (integers truncate toward zero)">;
def Kiln_MaxOp : Kiln_BinaryOp<"max", "maximum(lhs, rhs), NaN propagating">;
def Kiln_MinOp : Kiln_BinaryOp<"min", "minimum(lhs, rhs), NaN propagating">;


#endif // KILN_ELEMENTWISE_OPS_TD
