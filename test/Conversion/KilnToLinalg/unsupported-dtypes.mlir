// RUN: kiln-opt %s -convert-kiln-to-linalg -verify-diagnostics

// Dtypes the dialect accepts but the CPU lowering does not handle yet are
// reported on each op, all of them.
func.func @unsupported(%a: tensor<3xui8>, %b: tensor<3xf16>, %c: tensor<3xi1>) -> (tensor<3xui8>, tensor<3xf16>, tensor<3xi1>) {
  // expected-error @+1 {{'kiln.add' op element type 'ui8' is not supported by the CPU code generator yet}}
  %0 = kiln.add %a, %a : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  // expected-error @+1 {{'kiln.exp' op element type 'f16' is not supported by the CPU code generator yet}}
  %1 = kiln.exp %b : tensor<3xf16>
  // expected-error @+1 {{'kiln.max' op element type 'i1' is not supported}}
  %2 = kiln.max %c, %c : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %0, %1, %2 : tensor<3xui8>, tensor<3xf16>, tensor<3xi1>
}
