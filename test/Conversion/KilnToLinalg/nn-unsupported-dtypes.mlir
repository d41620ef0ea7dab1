// RUN: kiln-opt %s -split-input-file -convert-kiln-to-linalg -verify-diagnostics

// The nn ops are lowered for f32, f64 and signed integers; f16, bf16 and u8
// are reported by the element-type check instead of being computed wrongly.

func.func @conv_f16(%x: tensor<1x1x4xf16>, %w: tensor<1x1x2xf16>) -> tensor<1x1x3xf16> {
  // expected-error @+1 {{'kiln.conv' op element type 'f16' is not supported by the CPU code generator yet}}
  %0 = kiln.conv %x, %w : (tensor<1x1x4xf16>, tensor<1x1x2xf16>) -> tensor<1x1x3xf16>
  return %0 : tensor<1x1x3xf16>
}

// -----

func.func @layer_norm_bf16(%x: tensor<2x4xbf16>, %s: tensor<4xbf16>) -> tensor<2x4xbf16> {
  // expected-error @+1 {{'kiln.layer_norm' op element type 'bf16' is not supported by the CPU code generator yet}}
  %0 = kiln.layer_norm %x, %s, %s : (tensor<2x4xbf16>, tensor<4xbf16>, tensor<4xbf16>) -> tensor<2x4xbf16>
  return %0 : tensor<2x4xbf16>
}

// -----

func.func @max_pool_u8(%x: tensor<1x1x4xui8>) -> tensor<1x1x3xui8> {
  // expected-error @+1 {{'kiln.max_pool' op element type 'ui8' is not supported by the CPU code generator yet}}
  %0 = kiln.max_pool %x {kernel = array<i64: 2>} : (tensor<1x1x4xui8>) -> tensor<1x1x3xui8>
  return %0 : tensor<1x1x3xui8>
}

// -----

func.func @argmax_f16(%x: tensor<3xf16>) -> tensor<1xi64> {
  // expected-error @+1 {{'kiln.argmax' op element type 'f16' is not supported by the CPU code generator yet}}
  %0 = kiln.argmax %x : (tensor<3xf16>) -> tensor<1xi64>
  return %0 : tensor<1xi64>
}
