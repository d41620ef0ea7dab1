// RUN: kiln-opt %s -split-input-file -kiln-widen-element-types | FileCheck %s

// f16 and bf16 nn ops compute in f32; the results are cast back.
// CHECK-LABEL: func.func @pool_f16
// CHECK: %[[W:.*]] = kiln.cast %{{.*}} {to = f32} : (tensor<1x1x4x4xf16>) -> tensor<1x1x4x4xf32>
// CHECK: %[[P:.*]] = kiln.max_pool %[[W]]
// CHECK-SAME: -> tensor<1x1x2x2xf32>
// CHECK: %[[R:.*]] = kiln.cast %[[P]] {to = f16} : (tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf16>
// CHECK: return %[[R]]
func.func @pool_f16(%x: tensor<1x1x4x4xf16>) -> tensor<1x1x2x2xf16> {
  %0 = kiln.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf16>) -> tensor<1x1x2x2xf16>
  return %0 : tensor<1x1x2x2xf16>
}

// -----

// CHECK-LABEL: func.func @matmul_bf16
// CHECK-COUNT-2: kiln.cast %{{.*}} {to = f32}
// CHECK: kiln.matmul %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
// CHECK: kiln.cast %{{.*}} {to = bf16}
func.func @matmul_bf16(%a: tensor<2x3xbf16>, %b: tensor<3x4xbf16>) -> tensor<2x4xbf16> {
  %0 = kiln.matmul %a, %b : (tensor<2x3xbf16>, tensor<3x4xbf16>) -> tensor<2x4xbf16>
  return %0 : tensor<2x4xbf16>
}

// -----

// u8 computes in i32 (wrapping back to u8 is u8 arithmetic); an i64 result
// (argmax) is left alone.
// CHECK-LABEL: func.func @u8
// CHECK: %[[W:.*]] = kiln.cast %{{.*}} {to = i32} : (tensor<4x5xui8>) -> tensor<4x5xi32>
// CHECK: kiln.reduce_sum %[[W]] {{.*}} -> tensor<4x1xi32>
// CHECK: kiln.cast %{{.*}} {to = ui8} : (tensor<4x1xi32>) -> tensor<4x1xui8>
// CHECK: kiln.argmax %{{.*}} -> tensor<1x5xi64>
// CHECK-NOT: kiln.cast {{.*}}tensor<1x5xi64>
func.func @u8(%x: tensor<4x5xui8>) -> (tensor<4x1xui8>, tensor<1x5xi64>) {
  %0 = kiln.reduce_sum %x {axes = array<i64: 1>} : (tensor<4x5xui8>) -> tensor<4x1xui8>
  %1 = kiln.argmax %x : (tensor<4x5xui8>) -> tensor<1x5xi64>
  return %0, %1 : tensor<4x1xui8>, tensor<1x5xi64>
}

// -----

// f32 and other lowered dtypes are untouched; so are elementwise ops on f16.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: kiln.cast
func.func @untouched(%x: tensor<4xf32>, %h: tensor<4xf16>) -> (tensor<1xf32>, tensor<4xf16>) {
  %0 = kiln.reduce_max %x : (tensor<4xf32>) -> tensor<1xf32>
  %1 = kiln.exp %h : tensor<4xf16>
  return %0, %1 : tensor<1xf32>, tensor<4xf16>
}

// -----

// Indexing ops that compute on elements widen too: topk (its i64 indices
// stay), cumsum, and scatters with a reduction (the i64 indices operand is
// left alone). Gathers and plain scatters only move elements: untouched.
// CHECK-LABEL: func.func @indexing
// CHECK: %[[X:.*]] = kiln.cast %{{.*}} {to = f32} : (tensor<4x5xbf16>) -> tensor<4x5xf32>
// CHECK: %[[V:.*]], %[[I:.*]] = kiln.topk %[[X]] {k = 2 : i64} : (tensor<4x5xf32>) -> (tensor<4x2xf32>, tensor<4x2xi64>)
// CHECK: kiln.cast %[[V]] {to = bf16}
// CHECK: kiln.cumsum %{{.*}} : tensor<4x5xf32>
// CHECK: kiln.cast %{{.*}} {to = i32} : (tensor<4x5xui8>) -> tensor<4x5xi32>
// CHECK: kiln.cast %{{.*}} {to = i32} : (tensor<4x2xui8>) -> tensor<4x2xi32>
// CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, reduction = "max"} : (tensor<4x5xi32>, tensor<4x2xi64>, tensor<4x2xi32>) -> tensor<4x5xi32>
// CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x5xui8>, tensor<4x2xi64>, tensor<4x2xui8>) -> tensor<4x5xui8>
// CHECK: kiln.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x5xbf16>, tensor<4x2xi64>) -> tensor<4x2xbf16>
func.func @indexing(%x: tensor<4x5xbf16>, %u8: tensor<4x5xui8>, %i: tensor<4x2xi64>, %u: tensor<4x2xui8>) -> (tensor<4x2xbf16>, tensor<4x2xi64>, tensor<4x5xbf16>, tensor<4x5xui8>, tensor<4x5xui8>, tensor<4x2xbf16>) {
  %0:2 = kiln.topk %x {k = 2} : (tensor<4x5xbf16>) -> (tensor<4x2xbf16>, tensor<4x2xi64>)
  %1 = kiln.cumsum %x : tensor<4x5xbf16>
  %2 = kiln.scatter_elements %u8, %i, %u {axis = 1, reduction = "max"} : (tensor<4x5xui8>, tensor<4x2xi64>, tensor<4x2xui8>) -> tensor<4x5xui8>
  %3 = kiln.scatter_elements %u8, %i, %u {axis = 1} : (tensor<4x5xui8>, tensor<4x2xi64>, tensor<4x2xui8>) -> tensor<4x5xui8>
  %4 = kiln.gather_elements %x, %i {axis = 1} : (tensor<4x5xbf16>, tensor<4x2xi64>) -> tensor<4x2xbf16>
  return %0#0, %0#1, %1, %2, %3, %4 : tensor<4x2xbf16>, tensor<4x2xi64>, tensor<4x5xbf16>, tensor<4x5xui8>, tensor<4x5xui8>, tensor<4x2xbf16>
}
