// RUN: kiln-opt %s -convert-kiln-to-linalg -verify-diagnostics

// Dtypes the dialect accepts but an op's CPU lowering does not handle yet are
// reported on each op, all of them. (The elementwise family, data movement
// and control flow take every dtype: see elementwise-dtypes.mlir.)
func.func @unsupported(%a: tensor<2x2xi1>, %b: tensor<2x2xf16>) -> (tensor<2x2xi1>, tensor<2x2xf16>) {
  // expected-error @+1 {{'kiln.matmul' op element type 'i1' is not supported by the CPU code generator yet}}
  %0 = kiln.matmul %a, %a : (tensor<2x2xi1>, tensor<2x2xi1>) -> tensor<2x2xi1>
  // expected-error @+1 {{'kiln.matmul' op element type 'f16' is not supported by the CPU code generator yet}}
  %1 = kiln.matmul %b, %b : (tensor<2x2xf16>, tensor<2x2xf16>) -> tensor<2x2xf16>
  return %0, %1 : tensor<2x2xi1>, tensor<2x2xf16>
}
