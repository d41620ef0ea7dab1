// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<?x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>, %w1: tensor<4x4x1x1xf32>) -> (tensor<?x6x4x8xf32>, tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32>) {
  // CHECK: kiln.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 2>, groups = 2 : i64, pads = array<i64: 1, 2, 1, 2>, strides = array<i64: 2, 1>} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x4x8xf32>
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 2, 1>, pads = array<i64: 1, 2, 1, 2>, dilations = array<i64: 1, 2>, groups = 2 : i64} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x4x8xf32>
  // CHECK: kiln.conv %{{.*}}, %{{.*}} : (tensor<?x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x8x8xf32>
  %1 = kiln.conv %x, %w1 : (tensor<?x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x8x8xf32>
  // CHECK: kiln.conv %{{.*}}, %{{.*}} {auto_pad = "SAME_LOWER", strides = array<i64: 2, 2>}
  %2 = kiln.conv %x, %w1 {auto_pad = "SAME_LOWER", strides = array<i64: 2, 2>} : (tensor<?x4x8x8xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x4x4xf32>
  return %0, %1, %2 : tensor<?x6x4x8xf32>, tensor<?x4x8x8xf32>, tensor<?x4x4x4xf32>
}

// CHECK-LABEL: func.func @conv_1d_3d
func.func @conv_1d_3d(%x: tensor<2x3x10xf64>, %w: tensor<5x3x4xf64>, %y: tensor<1x2x4x4x4xf32>, %v: tensor<2x2x2x2x2xf32>) -> (tensor<2x5x4xf64>, tensor<1x2x3x3x3xf32>) {
  // CHECK: kiln.conv {{.*}} {auto_pad = "VALID", strides = array<i64: 2>} : (tensor<2x3x10xf64>, tensor<5x3x4xf64>) -> tensor<2x5x4xf64>
  %0 = kiln.conv %x, %w {auto_pad = "VALID", strides = array<i64: 2>} : (tensor<2x3x10xf64>, tensor<5x3x4xf64>) -> tensor<2x5x4xf64>
  // CHECK: kiln.conv {{.*}} -> tensor<1x2x3x3x3xf32>
  %1 = kiln.conv %y, %v : (tensor<1x2x4x4x4xf32>, tensor<2x2x2x2x2xf32>) -> tensor<1x2x3x3x3xf32>
  return %0, %1 : tensor<2x5x4xf64>, tensor<1x2x3x3x3xf32>
}

// CHECK-LABEL: func.func @conv_transpose
func.func @conv_transpose(%x: tensor<?x4x5x5xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<6xf32>) -> (tensor<?x6x11x12xf32>, tensor<?x3x10x10xf32>) {
  // CHECK: kiln.conv_transpose %{{.*}}, %{{.*}}, %{{.*}} {groups = 2 : i64, output_padding = array<i64: 1, 1>, pads = array<i64: 1, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<?x4x5x5xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<?x6x11x12xf32>
  %0 = kiln.conv_transpose %x, %w, %b {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 0>, output_padding = array<i64: 1, 1>, groups = 2 : i64} : (tensor<?x4x5x5xf32>, tensor<4x3x3x3xf32>, tensor<6xf32>) -> tensor<?x6x11x12xf32>
  // CHECK: kiln.conv_transpose {{.*}} {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>}
  %1 = kiln.conv_transpose %x, %w {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<?x4x5x5xf32>, tensor<4x3x3x3xf32>) -> tensor<?x3x10x10xf32>
  return %0, %1 : tensor<?x6x11x12xf32>, tensor<?x3x10x10xf32>
}

// CHECK-LABEL: func.func @pools
func.func @pools(%x: tensor<?x?x7x7xf32>, %i: tensor<2x3x9xi32>) -> (tensor<?x?x4x4xf32>, tensor<?x?x3x3xf32>, tensor<2x3x4xi32>, tensor<?x?x1x1xf32>, tensor<2x3x1xi32>) {
  // CHECK: kiln.max_pool %{{.*}} {ceil_mode = true, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<?x?x7x7xf32>) -> tensor<?x?x4x4xf32>
  %0 = kiln.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = true} : (tensor<?x?x7x7xf32>) -> tensor<?x?x4x4xf32>
  // CHECK: kiln.avg_pool %{{.*}} {count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 3, 3>} : (tensor<?x?x7x7xf32>) -> tensor<?x?x3x3xf32>
  %1 = kiln.avg_pool %x {kernel = array<i64: 3, 3>, strides = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<?x?x7x7xf32>) -> tensor<?x?x3x3xf32>
  // CHECK: kiln.max_pool %{{.*}} {kernel = array<i64: 3>, strides = array<i64: 2>} : (tensor<2x3x9xi32>) -> tensor<2x3x4xi32>
  %2 = kiln.max_pool %i {kernel = array<i64: 3>, strides = array<i64: 2>} : (tensor<2x3x9xi32>) -> tensor<2x3x4xi32>
  // CHECK: kiln.global_avg_pool %{{.*}} : (tensor<?x?x7x7xf32>) -> tensor<?x?x1x1xf32>
  %3 = kiln.global_avg_pool %x : (tensor<?x?x7x7xf32>) -> tensor<?x?x1x1xf32>
  // CHECK: kiln.global_max_pool %{{.*}} : (tensor<2x3x9xi32>) -> tensor<2x3x1xi32>
  %4 = kiln.global_max_pool %i : (tensor<2x3x9xi32>) -> tensor<2x3x1xi32>
  return %0, %1, %2, %3, %4 : tensor<?x?x4x4xf32>, tensor<?x?x3x3xf32>, tensor<2x3x4xi32>, tensor<?x?x1x1xf32>, tensor<2x3x1xi32>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<?x3x4xf32>, %i: tensor<5x6xi64>) -> (tensor<?x3x1xf32>, tensor<i64>, tensor<?x1x4xi64>, tensor<5xi64>) {
  // CHECK: kiln.reduce_min %{{.*}} {axes = array<i64: -1>} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
  %0 = kiln.reduce_min %x {axes = array<i64: -1>} : (tensor<?x3x4xf32>) -> tensor<?x3x1xf32>
  // CHECK: kiln.reduce_prod %{{.*}} {keepdims = false} : (tensor<5x6xi64>) -> tensor<i64>
  %1 = kiln.reduce_prod %i {keepdims = false} : (tensor<5x6xi64>) -> tensor<i64>
  // CHECK: kiln.argmax %{{.*}} {axis = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<?x1x4xi64>
  %2 = kiln.argmax %x {axis = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<?x1x4xi64>
  // CHECK: kiln.argmin %{{.*}} {axis = -1 : i64, keepdims = false} : (tensor<5x6xi64>) -> tensor<5xi64>
  %3 = kiln.argmin %i {axis = -1 : i64, keepdims = false} : (tensor<5x6xi64>) -> tensor<5xi64>
  return %0, %1, %2, %3 : tensor<?x3x1xf32>, tensor<i64>, tensor<?x1x4xi64>, tensor<5xi64>
}

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<?x3x4xf32>, %s: tensor<4xf32>, %t: tensor<3x1xf32>, %c: tensor<3xf32>) -> (tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x4xf32>) {
  // CHECK: kiln.log_softmax %{{.*}} {axis = 1 : i64} : tensor<?x3x4xf32>
  %0 = kiln.log_softmax %x {axis = 1 : i64} : tensor<?x3x4xf32>
  // CHECK: kiln.layer_norm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %1 = kiln.layer_norm %x, %s, %s : (tensor<?x3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  // CHECK: kiln.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {axis = -2 : i64, epsilon = 1.000000e-03 : f64} : (tensor<?x3x4xf32>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  %2 = kiln.layer_norm %x, %t, %s {axis = -2 : i64, epsilon = 1.0e-3 : f64} : (tensor<?x3x4xf32>, tensor<3x1xf32>, tensor<4xf32>) -> tensor<?x3x4xf32>
  // CHECK: kiln.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-01 : f64} : (tensor<?x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4xf32>
  %3 = kiln.batch_norm %x, %c, %c, %c, %c {epsilon = 0.1 : f64} : (tensor<?x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3x4xf32>
  return %0, %1, %2, %3 : tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x4xf32>, tensor<?x3x4xf32>
}
