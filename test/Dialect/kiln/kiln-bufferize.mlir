// RUN: kiln-opt %s -kiln-results-to-destinations -eliminate-empty-tensors -kiln-bufferize | FileCheck %s

// The kernel producing an output writes straight into the caller's buffer,
// and copies (here: an input returned as an output) are linalg.copy, not
// memref.copy.
// CHECK-LABEL: func.func @g
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[Y:.*]]: memref<?x4xf32>, %[[Z:.*]]: memref<?x4xf32>)
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[X]] : memref<?x4xf32>, memref<?x4xf32>) outs(%[[Y]] : memref<?x4xf32>)
// CHECK: linalg.copy ins(%[[X]] : memref<?x4xf32>) outs(%[[Z]] : memref<?x4xf32>)
// CHECK-NOT: memref.copy
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @g(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %0 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %x : tensor<?x4xf32>, tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %0, %x : tensor<?x4xf32>, tensor<?x4xf32>
}
