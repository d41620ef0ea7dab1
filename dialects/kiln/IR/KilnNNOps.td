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


#endif // KILN_NN_OPS_TD
