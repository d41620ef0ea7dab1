//===- KilnControlFlowOps.td - region ops -------------------*- tablegen -*-===//
//
// The graph format's `if` and `while`: their nested graphs are regions of one
// block each, ended by `kiln.yield`. The regions are not isolated from above:
// a nested graph may use values of the enclosing graph directly (lexical
// capture), and those are plain SSA uses.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_CONTROL_FLOW_OPS_TD
#define KILN_CONTROL_FLOW_OPS_TD

include "KilnBase.td"
include "KilnInterfaces.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// if / while (nested graphs)
//===----------------------------------------------------------------------===//

def Kiln_YieldOp : Kiln_Op<"yield",
    [Pure, Terminator, ParentOneOf<["IfOp", "WhileOp"]>]> {
  let summary = "Ends a nested graph with its outputs";
  let description = [{
    The outputs of the nested graph that holds it: a branch's results in
    `kiln.if`, the condition (one `tensor<i1>`) of a `kiln.while`'s `cond`
    region, the next loop-carried values in its `body` region.

    ```mlir
    kiln.yield %a, %b : tensor<4xf32>, tensor<i32>
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$values);
  let assemblyFormat = "attr-dict ($values^ `:` type($values))?";
}

def Kiln_IfOp : Kiln_Op<"if",
    [RecursiveMemoryEffects,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Runs one of two nested graphs";
  let description = [{
    Runs `then` when `cond` (a bool scalar) is true, else `else`, and
    returns the outputs of the branch that ran. The values after `cond` are
    passed to both branches: they become the entry block's arguments of each
    region, in order. Branches may also use values of the enclosing graph
    directly. Both branches yield the op's result types exactly (dtype and
    shape; dynamic dimensions must be the same symbolic sizes, which
    kiln-infer-symbolic-dims checks).

    ```mlir
    %r = kiln.if %c, %a : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
    ^bb0(%x: tensor<4xf32>):
      %n = kiln.neg %x : tensor<4xf32>
      kiln.yield %n : tensor<4xf32>
    } else {
    ^bb0(%x: tensor<4xf32>):
      kiln.yield %x : tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Kiln_Tensor:$cond, Variadic<Kiln_Tensor>:$inputs);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$thenRegion,
                        SizedRegion<1>:$elseRegion);
  let assemblyFormat = [{
    $cond (`,` $inputs^)? attr-dict `:` functional-type(operands, results)
    `then` $thenRegion `else` $elseRegion
  }];
  let hasCanonicalizeMethod = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The yields ending the branches.
    YieldOp getThenYield();
    YieldOp getElseYield();
  }];
}

def Kiln_WhileOp : Kiln_Op<"while",
    [RecursiveMemoryEffects, InferTypeOpAdaptor,
     DeclareOpInterfaceMethods<Kiln_SymbolicShapeOpInterface>]> {
  let summary = "Repeats a nested graph while a condition holds";
  let description = [{
    Loop-carried values start as the operands. While the `cond` region,
    given the carried values as its block arguments, yields true (one
    `tensor<i1>`), the `body` region, given the same, yields the next carried
    values. The results are the carried values when `cond` yields false
    (the operands if it does so at once). Carried values keep their types;
    a dynamic dimension must keep its symbolic size across iterations
    (kiln-infer-symbolic-dims rejects a body that changes it).

    ```mlir
    %r:2 = kiln.while (%i0, %x0) : (tensor<i32>, tensor<4xf32>) -> (tensor<i32>, tensor<4xf32>) cond {
    ^bb0(%i: tensor<i32>, %x: tensor<4xf32>):
      %c = kiln.lt %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
      kiln.yield %c : tensor<i1>
    } body {
    ^bb0(%i: tensor<i32>, %x: tensor<4xf32>):
      %i1 = kiln.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
      %x1 = kiln.mul %x, %x : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
      kiln.yield %i1, %x1 : tensor<i32>, tensor<4xf32>
    }
    ```
  }];
  let arguments = (ins Variadic<Kiln_Tensor>:$inputs);
  let results = (outs Variadic<Kiln_Tensor>:$results);
  let regions = (region SizedRegion<1>:$condRegion,
                        SizedRegion<1>:$bodyRegion);
  let assemblyFormat = [{
    ` ` `(` $inputs `)` attr-dict `:` functional-type($inputs, results)
    `cond` $condRegion `body` $bodyRegion
  }];
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The yields ending the regions.
    YieldOp getCondYield();
    YieldOp getBodyYield();
  }];
}

#endif // KILN_CONTROL_FLOW_OPS_TD
