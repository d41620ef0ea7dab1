// RUN: kiln-opt %s -split-input-file -kiln-infer-symbolic-dims -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @propagate
// CHECK-SAME: kiln.dims = ["N", 4]
// CHECK-SAME: -> (tensor<?x3xf32> {kiln.dims = ["N", 3], kiln.name = "y"}, tensor<?xf32> {kiln.dims = ["4*N"], kiln.name = "flat"}, tensor<?x2xf32> {kiln.dims = ["2*N", 2], kiln.name = "r"})
func.func @propagate(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = ["N", 4]}, %w: tensor<4x3xf32> {kiln.name = "w"})
    -> (tensor<?x3xf32> {kiln.name = "y"}, tensor<?xf32> {kiln.name = "flat"}, tensor<?x2xf32> {kiln.name = "r"}) {
  %0 = kiln.matmul %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  %1 = kiln.reshape %x {shape = array<i64: -1>} : (tensor<?x4xf32>) -> tensor<?xf32>
  %2 = kiln.reshape %x {shape = array<i64: -1, 2>} : (tensor<?x4xf32>) -> tensor<?x2xf32>
  return %0, %1, %2 : tensor<?x3xf32>, tensor<?xf32>, tensor<?x2xf32>
}

// -----

// Reshape back: the symbols cancel, so the -1 dimension is N again.
// CHECK-LABEL: func.func @cancel
// CHECK-SAME: -> (tensor<?x4xf32> {kiln.dims = ["N", 4]})
func.func @cancel(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = ["N", 4]}) -> tensor<?x4xf32> {
  %0 = kiln.reshape %x {shape = array<i64: -1>} : (tensor<?x4xf32>) -> tensor<?xf32>
  %1 = kiln.reshape %0 {shape = array<i64: -1, 4>} : (tensor<?xf32>) -> tensor<?x4xf32>
  return %1 : tensor<?x4xf32>
}

// -----

// Unnamed dynamic dims get a symbol from the input's name.
// CHECK-LABEL: func.func @default_names
// CHECK-SAME: kiln.dims = ["x_0", 3]
// CHECK-SAME: -> (tensor<3x?xf32> {kiln.dims = [3, "x_0"]})
func.func @default_names(%x: tensor<?x3xf32> {kiln.name = "x"}) -> tensor<3x?xf32> {
  %0 = kiln.transpose %x : (tensor<?x3xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

func.func @distinct_symbols(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = ["N", 4]},
                            %y: tensor<?x4xf32> {kiln.name = "y", kiln.dims = ["M", 4]}) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot broadcast dimension N against M}}
  %0 = kiln.add %x, %y : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @contraction(%x: tensor<?x?xf32> {kiln.name = "x", kiln.dims = ["N", "K"]},
                       %w: tensor<?x3xf32> {kiln.name = "w", kiln.dims = ["J", 3]}) -> tensor<?x3xf32> {
  // expected-error @+1 {{contraction dimensions K and J are not provably equal}}
  %0 = kiln.matmul %x, %w : (tensor<?x?xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @reshape_unprovable(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = ["N", 4]}) -> tensor<?x3xf32> {
  // expected-error @+1 {{cannot infer the -1 dimension: 4*N elements are not divisible by 3}}
  %0 = kiln.reshape %x {shape = array<i64: -1, 3>} : (tensor<?x4xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// expected-error @+1 {{input 'x': kiln.dims entry 0 must be a symbol name for a dynamic dimension}}
func.func @bad_dims(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = [3, 4]}) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}
