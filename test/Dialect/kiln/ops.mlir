// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<?x10xf32>, %b: tensor<10xf32>) -> tensor<?x10xf32> {
  // CHECK: kiln.add %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  %0 = kiln.add %a, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.sub
  %1 = kiln.sub %0, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.mul
  %2 = kiln.mul %1, %0 : (tensor<?x10xf32>, tensor<?x10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.div
  %3 = kiln.div %2, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.max
  %4 = kiln.max %3, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.min
  %5 = kiln.min %4, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
  // CHECK: kiln.neg %{{.*}} : tensor<?x10xf32>
  %6 = kiln.neg %5 : tensor<?x10xf32>
  // CHECK: kiln.exp
  %7 = kiln.exp %6 : tensor<?x10xf32>
  // CHECK: kiln.tanh
  %8 = kiln.tanh %7 : tensor<?x10xf32>
  // CHECK: kiln.sigmoid
  %9 = kiln.sigmoid %8 : tensor<?x10xf32>
  // CHECK: kiln.relu
  %10 = kiln.relu %9 : tensor<?x10xf32>
  return %10 : tensor<?x10xf32>
}

// CHECK-LABEL: func.func @structured
func.func @structured(%x: tensor<2x3x4xf32>, %w: tensor<5x4xf32>, %v: tensor<4xf32>) -> (tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<1x1x1xf32>, tensor<3xf32>) {
  // CHECK: kiln.matmul %{{.*}}, %{{.*}} {transpose_b = true} : (tensor<2x3x4xf32>, tensor<5x4xf32>) -> tensor<2x3x5xf32>
  %0 = kiln.matmul %x, %w {transpose_b = true} : (tensor<2x3x4xf32>, tensor<5x4xf32>) -> tensor<2x3x5xf32>
  // CHECK: kiln.matmul {{.*}} -> tensor<2x3xf32>
  %1 = kiln.matmul %x, %v : (tensor<2x3x4xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  // CHECK: kiln.reduce_sum %{{.*}} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  %2 = kiln.reduce_sum %x : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
  // CHECK: kiln.reduce_mean %{{.*}} {axes = array<i64: 0, -1>, keepdims = false}
  %3 = kiln.reduce_mean %x {axes = array<i64: 0, -1>, keepdims = false} : (tensor<2x3x4xf32>) -> tensor<3xf32>
  // CHECK: kiln.reduce_max
  %4 = kiln.reduce_max %x {axes = array<i64: 1>} : (tensor<2x3x4xf32>) -> tensor<2x1x4xf32>
  // CHECK: kiln.softmax %{{.*}} {axis = 1 : i64} : tensor<2x3x4xf32>
  %5 = kiln.softmax %x {axis = 1 : i64} : tensor<2x3x4xf32>
  return %0, %1, %2, %3 : tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<1x1x1xf32>, tensor<3xf32>
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x4x5xf32>) -> (tensor<?x20xf32>, tensor<5x4x?xf32>, tensor<3x?x4x5xf32>) {
  // CHECK: kiln.constant dense<1.000000e+00> : tensor<2xf32>
  %c = kiln.constant dense<1.0> : tensor<2xf32>
  // CHECK: kiln.reshape %{{.*}} {shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  %0 = kiln.reshape %x {shape = array<i64: 0, -1>} : (tensor<?x4x5xf32>) -> tensor<?x20xf32>
  // CHECK: kiln.transpose %{{.*}} : (tensor<?x4x5xf32>) -> tensor<5x4x?xf32>
  %1 = kiln.transpose %x : (tensor<?x4x5xf32>) -> tensor<5x4x?xf32>
  // CHECK: kiln.broadcast_to %{{.*}} {shape = array<i64: 3, -1, 4, 5>}
  %2 = kiln.broadcast_to %x {shape = array<i64: 3, -1, 4, 5>} : (tensor<?x4x5xf32>) -> tensor<3x?x4x5xf32>
  return %0, %1, %2 : tensor<?x20xf32>, tensor<5x4x?xf32>, tensor<3x?x4x5xf32>
}
