// RUN: kiln-opt %s -split-input-file -kiln-widen-element-types -convert-kiln-to-linalg -canonicalize -kiln-fuse | FileCheck %s

// Sixteen elementwise ops with broadcasting: one generic, reading %x and %b
// and writing the result once.
// CHECK-LABEL: func.func @chain16
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     scf.forall
// CHECK:         return
func.func @chain16(%x: tensor<4x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %v0 = kiln.add %x, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %v1 = kiln.relu %v0 : tensor<4x16xf32>
  %v2 = kiln.mul %v1, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %v3 = kiln.exp %v2 : tensor<4x16xf32>
  %v4 = kiln.sub %v3, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %v5 = kiln.tanh %v4 : tensor<4x16xf32>
  %v6 = kiln.abs %v5 : tensor<4x16xf32>
  %v7 = kiln.add %v6, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %v8 = kiln.sigmoid %v7 : tensor<4x16xf32>
  %v9 = kiln.neg %v8 : tensor<4x16xf32>
  %v10 = kiln.mul %v9, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %v11 = kiln.sqrt %v10 : tensor<4x16xf32>
  %v12 = kiln.add %v11, %b : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %v13 = kiln.relu %v12 : tensor<4x16xf32>
  %v14 = kiln.mul %v13, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %v15 = kiln.sin %v14 : tensor<4x16xf32>
  return %v15 : tensor<4x16xf32>
}

// -----

// A producer with two users is not merged into either: its work would be
// repeated (or the fused op would need a second result).
// CHECK-LABEL: func.func @two_users
// CHECK:         %[[E:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} ins(%[[E]], %{{.*}})
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[E]], %{{.*}})
// CHECK:           arith.mulf
func.func @two_users(%x: tensor<4x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = kiln.exp %x : tensor<4x16xf32>
  %1 = kiln.add %0, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %2 = kiln.mul %0, %x : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1, %2 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// A matmul takes its epilogue (bias add and relu, merged into one generic)
// into one tiled kernel; the relu feeding its input stays a kernel of its
// own (every output tile would recompute it).
// CHECK-LABEL: func.func @epilogue
// CHECK:         %[[IN:.*]] = linalg.generic
// CHECK:           arith.maximumf
// CHECK:         scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (8, 32)
// CHECK:           tensor.extract_slice %[[IN]]
// CHECK:           linalg.fill
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:           linalg.generic
// CHECK:             arith.addf
// CHECK:             arith.maximumf
// CHECK:           tensor.parallel_insert_slice
// CHECK-NOT:     linalg.
// CHECK:         return
func.func @epilogue(%x: tensor<8x64xf32>, %w: tensor<64x32xf32>, %b: tensor<32xf32>) -> tensor<8x32xf32> {
  %r = kiln.relu %x : tensor<8x64xf32>
  %0 = kiln.matmul %r, %w : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
  %1 = kiln.add %0, %b : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %2 = kiln.relu %1 : tensor<8x32xf32>
  return %2 : tensor<8x32xf32>
}

// -----

// Softmax: two row reductions and their elementwise neighbours in one kernel
// tiled over rows only (each tile holds whole rows); the intermediates are
// tile-sized.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT:     linalg.
// CHECK:         scf.forall (%{{.*}}) = (0) to (64) step (32)
// CHECK:           tensor.empty() : tensor<32xf32>
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:             arith.maximumf
// CHECK:           linalg.generic
// CHECK:             math.exp
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:             arith.addf
// CHECK:           linalg.generic
// CHECK:             arith.divf
// CHECK:           tensor.parallel_insert_slice
// CHECK-NOT:     linalg.
// CHECK:         return
func.func @softmax(%x: tensor<64x128xf32>) -> tensor<64x128xf32> {
  %0 = kiln.softmax %x {axis = -1 : i64} : tensor<64x128xf32>
  return %0 : tensor<64x128xf32>
}

// -----

// Layer norm: mean and variance reductions, the normalization: one kernel.
// CHECK-LABEL: func.func @layer_norm
// CHECK-NOT:     linalg.
// CHECK:         scf.forall
// CHECK-COUNT-2:   iterator_types = ["parallel", "reduction"]
// CHECK:           math.rsqrt
// CHECK:           tensor.parallel_insert_slice
// CHECK-NOT:     linalg.
// CHECK:         return
func.func @layer_norm(%x: tensor<16x256xf32>, %s: tensor<256xf32>, %b: tensor<256xf32>) -> tensor<16x256xf32> {
  %0 = kiln.layer_norm %x, %s, %b {axis = -1 : i64, epsilon = 1.0e-5 : f64} : (tensor<16x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<16x256xf32>
  return %0 : tensor<16x256xf32>
}

// -----

// Dynamic rows: the kernel's loop bound is read from the input, and no
// member is left outside the kernel to keep a size alive.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:     linalg.
// CHECK:         tensor.dim %arg0
// CHECK-NOT:     linalg.
// CHECK:         scf.forall (%{{.*}}) = (0) to (%{{.*}}) step (128)
func.func @dynamic(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = kiln.softmax %x {axis = -1 : i64} : tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
