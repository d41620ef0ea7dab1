//===- Passes.td - Kiln conversion passes ------------------*- tablegen -*-===//
#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToLinalg : Pass<"convert-kiln-to-linalg", "func::FuncOp"> {
  let summary = "Lowers kiln ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every kiln op becomes destination-passing linalg on tensors: elementwise
    ops and broadcasts become `linalg.generic` with broadcasting indexing maps,
    `matmul` a contraction `linalg.generic` (batch broadcasting and transposes
    folded into its maps), reductions `linalg.generic` with reduction
    iterators, `transpose` `linalg.transpose`, `reshape` `tensor.reshape` or
    `tensor.collapse_shape`/`expand_shape`, constants `arith.constant`.
    Dynamic sizes are read with `tensor.dim`; two dynamic dimensions that
    broadcast against each other are equal (kiln-infer-symbolic-dims proved
    it), so no broadcast is emitted between them.

    ```mlir
    %c = kiln.add %a, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
    becomes
    ```mlir
    %d = tensor.dim %a, %c0 : tensor<?x10xf32>
    %e = tensor.empty(%d) : tensor<?x10xf32>
    %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                          affine_map<(i, j) -> (j)>,
                                          affine_map<(i, j) -> (i, j)>], ...}
        ins(%a, %b : ...) outs(%e : ...) { arith.addf ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
