// RUN: kiln-opt %s -split-input-file -kiln-infer-symbolic-dims -verify-diagnostics | FileCheck %s

// Window ops keep the batch symbol (pooling the channel symbol too); their
// spatial sizes are static.
// CHECK-LABEL: func.func @windows
// CHECK-SAME: -> (tensor<?x2x2x4xf32> {kiln.dims = ["N", 2, 2, 4]}, tensor<?x2x9x8xf32> {kiln.dims = ["N", 2, 9, 8]}, tensor<?x?x2x4xf32> {kiln.dims = ["N", "C", 2, 4]}, tensor<?x?x4x4xf32> {kiln.dims = ["N", "C", 4, 4]}, tensor<?x?x1x1xf32> {kiln.dims = ["N", "C", 1, 1]}, tensor<?x?x1x1xf32> {kiln.dims = ["N", "C", 1, 1]})
func.func @windows(%x: tensor<?x4x4x4xf32> {kiln.name = "x", kiln.dims = ["N", 4, 4, 4]},
                   %p: tensor<?x?x4x4xf32> {kiln.name = "p", kiln.dims = ["N", "C", 4, 4]},
                   %w: tensor<2x4x3x1xf32>, %wt: tensor<4x2x2x2xf32>)
    -> (tensor<?x2x2x4xf32>, tensor<?x2x9x8xf32>, tensor<?x?x2x4xf32>, tensor<?x?x4x4xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1xf32>) {
  %0 = kiln.conv %x, %w {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 0, 0>} : (tensor<?x4x4x4xf32>, tensor<2x4x3x1xf32>) -> tensor<?x2x2x4xf32>
  %1 = kiln.conv_transpose %x, %wt {strides = array<i64: 2, 2>, output_padding = array<i64: 1, 0>} : (tensor<?x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<?x2x9x8xf32>
  %2 = kiln.max_pool %p {kernel = array<i64: 2, 1>, strides = array<i64: 2, 1>} : (tensor<?x?x4x4xf32>) -> tensor<?x?x2x4xf32>
  %3 = kiln.avg_pool %p {kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x?x4x4xf32>) -> tensor<?x?x4x4xf32>
  %4 = kiln.global_avg_pool %p : (tensor<?x?x4x4xf32>) -> tensor<?x?x1x1xf32>
  %5 = kiln.global_max_pool %p : (tensor<?x?x4x4xf32>) -> tensor<?x?x1x1xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<?x2x2x4xf32>, tensor<?x2x9x8xf32>, tensor<?x?x2x4xf32>, tensor<?x?x4x4xf32>, tensor<?x?x1x1xf32>, tensor<?x?x1x1xf32>
}

// -----

// Arg-reductions drop or keep their axis like the reductions; the
// normalizations keep their input's shape.
// CHECK-LABEL: func.func @reduce_norm
// CHECK-SAME: -> (tensor<?x1xi64> {kiln.dims = ["N", 1]}, tensor<?xi64> {kiln.dims = ["S"]}, tensor<?x?xf32> {kiln.dims = ["N", "S"]}, tensor<?x?xf32> {kiln.dims = ["N", "S"]}, tensor<?x?xf32> {kiln.dims = ["N", "S"]}, tensor<?x3x?xf32> {kiln.dims = ["N", 3, "L"]}, tensor<?xf32> {kiln.dims = ["N"]})
func.func @reduce_norm(%x: tensor<?x?xf32> {kiln.name = "x", kiln.dims = ["N", "S"]}, %s: tensor<1xf32>,
                       %g: tensor<?xf32> {kiln.name = "g", kiln.dims = ["S"]},
                       %y: tensor<?x3x?xf32> {kiln.name = "y", kiln.dims = ["N", 3, "L"]}, %c: tensor<3xf32>)
    -> (tensor<?x1xi64>, tensor<?xi64>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x3x?xf32>, tensor<?xf32>) {
  %0 = kiln.argmax %x {axis = -1 : i64} : (tensor<?x?xf32>) -> tensor<?x1xi64>
  %1 = kiln.argmin %x {keepdims = false} : (tensor<?x?xf32>) -> tensor<?xi64>
  %2 = kiln.log_softmax %x : tensor<?x?xf32>
  %3 = kiln.layer_norm %x, %s, %s : (tensor<?x?xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x?xf32>
  %4 = kiln.layer_norm %x, %g, %s : (tensor<?x?xf32>, tensor<?xf32>, tensor<1xf32>) -> tensor<?x?xf32>
  %5 = kiln.batch_norm %y, %c, %c, %c, %c : (tensor<?x3x?xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x?xf32>
  %6 = kiln.reduce_prod %x {axes = array<i64: 1>, keepdims = false} : (tensor<?x?xf32>) -> tensor<?xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?x1xi64>, tensor<?xi64>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x3x?xf32>, tensor<?xf32>
}

// -----

// A scale whose dynamic length is another symbol than x's normalized dim
// could not be indexed safely.
func.func @layer_norm_symbols(%x: tensor<?x?xf32> {kiln.name = "x", kiln.dims = ["N", "S"]},
                              %g: tensor<?xf32> {kiln.name = "g", kiln.dims = ["T"]}) -> tensor<?x?xf32> {
  // expected-error @+1 {{cannot broadcast dimension T against S (shapes [T] and [S]); symbolic dimensions broadcast only against themselves or 1}}
  %0 = kiln.layer_norm %x, %g, %g : (tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
