// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --kiln-infer-symbolic-dims | FileCheck %s --check-prefix=SYM

// CHECK-LABEL: func.func @gather_scatter_elements
// SYM-LABEL: func.func @gather_scatter_elements
// SYM-SAME: -> (tensor<?x2xf32> {kiln.dims = ["N", 2]}, tensor<?x5xf32> {kiln.dims = ["N", 5]})
func.func @gather_scatter_elements(%x: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?x2xi64> {kiln.dims = ["N", 2]}, %u: tensor<?x2xf32> {kiln.dims = ["N", 2]}) -> (tensor<?x2xf32>, tensor<?x5xf32>) {
  // CHECK: kiln.gather_elements %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?x2xf32>
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?x2xf32>
  // CHECK: kiln.scatter_elements %{{.*}}, %{{.*}}, %{{.*}} {axis = -1 : i64, reduction = "max"} : (tensor<?x5xf32>, tensor<?x2xi64>, tensor<?x2xf32>) -> tensor<?x5xf32>
  %1 = kiln.scatter_elements %x, %i, %u {axis = -1, reduction = "max"} : (tensor<?x5xf32>, tensor<?x2xi64>, tensor<?x2xf32>) -> tensor<?x5xf32>
  return %0, %1 : tensor<?x2xf32>, tensor<?x5xf32>
}

// CHECK-LABEL: func.func @gather_scatter_nd
// SYM-LABEL: func.func @gather_scatter_nd
// SYM-SAME: -> (tensor<?x3xi32> {kiln.dims = ["K", 3]}, tensor<4x5x3xi32> {kiln.dims = [4, 5, 3]}, tensor<?x?xi32> {kiln.dims = ["B", "K"]})
func.func @gather_scatter_nd(%d: tensor<4x5x3xi32>, %i: tensor<?x2xi32> {kiln.dims = ["K", 2]}, %u: tensor<?x3xi32> {kiln.dims = ["K", 3]}, %bd: tensor<?x4xi32> {kiln.dims = ["B", 4]}, %bi: tensor<?x?x1xi64> {kiln.dims = ["B", "K", 1]}) -> (tensor<?x3xi32>, tensor<4x5x3xi32>, tensor<?x?xi32>) {
  // CHECK: kiln.gather_nd %{{.*}}, %{{.*}} : (tensor<4x5x3xi32>, tensor<?x2xi32>) -> tensor<?x3xi32>
  %0 = kiln.gather_nd %d, %i : (tensor<4x5x3xi32>, tensor<?x2xi32>) -> tensor<?x3xi32>
  // CHECK: kiln.scatter_nd %{{.*}}, %{{.*}}, %{{.*}} {reduction = "add"} : (tensor<4x5x3xi32>, tensor<?x2xi32>, tensor<?x3xi32>) -> tensor<4x5x3xi32>
  %1 = kiln.scatter_nd %d, %i, %u {reduction = "add"} : (tensor<4x5x3xi32>, tensor<?x2xi32>, tensor<?x3xi32>) -> tensor<4x5x3xi32>
  // CHECK: kiln.gather_nd %{{.*}}, %{{.*}} {batch_dims = 1 : i64} : (tensor<?x4xi32>, tensor<?x?x1xi64>) -> tensor<?x?xi32>
  %2 = kiln.gather_nd %bd, %bi {batch_dims = 1} : (tensor<?x4xi32>, tensor<?x?x1xi64>) -> tensor<?x?xi32>
  return %0, %1, %2 : tensor<?x3xi32>, tensor<4x5x3xi32>, tensor<?x?xi32>
}

// CHECK-LABEL: func.func @cumsum_topk
// SYM-LABEL: func.func @cumsum_topk
// SYM-SAME: -> (tensor<?x8xf16> {kiln.dims = ["N", 8]}, tensor<?x3xf16> {kiln.dims = ["N", 3]}, tensor<?x3xi64> {kiln.dims = ["N", 3]}, tensor<2x8xf16> {kiln.dims = [2, 8]}, tensor<2x8xi64> {kiln.dims = [2, 8]})
func.func @cumsum_topk(%x: tensor<?x8xf16> {kiln.dims = ["N", 8]}) -> (tensor<?x8xf16>, tensor<?x3xf16>, tensor<?x3xi64>, tensor<2x8xf16>, tensor<2x8xi64>) {
  // CHECK: kiln.cumsum %{{.*}} {axis = 1 : i64, exclusive = true, reverse = true} : tensor<?x8xf16>
  %0 = kiln.cumsum %x {axis = 1, exclusive = true, reverse = true} : tensor<?x8xf16>
  // CHECK: kiln.topk %{{.*}} {k = 3 : i64} : (tensor<?x8xf16>) -> (tensor<?x3xf16>, tensor<?x3xi64>)
  %1:2 = kiln.topk %x {k = 3} : (tensor<?x8xf16>) -> (tensor<?x3xf16>, tensor<?x3xi64>)
  // CHECK: kiln.topk %{{.*}} {axis = 0 : i64, k = 2 : i64, largest = false, sorted = false} : (tensor<?x8xf16>) -> (tensor<2x8xf16>, tensor<2x8xi64>)
  %2:2 = kiln.topk %x {axis = 0, k = 2, largest = false, sorted = false} : (tensor<?x8xf16>) -> (tensor<2x8xf16>, tensor<2x8xi64>)
  return %0, %1#0, %1#1, %2#0, %2#1 : tensor<?x8xf16>, tensor<?x3xf16>, tensor<?x3xi64>, tensor<2x8xf16>, tensor<2x8xi64>
}
