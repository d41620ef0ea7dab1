// RUN: kiln-opt %s -split-input-file -kiln-results-to-destinations | FileCheck %s

// Each result becomes a trailing memref argument with the result's
// attributes, written with materialize_in_destination.
// CHECK-LABEL: func.func @two_results
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x4xf32> {kiln.name = "x"}, %[[S:[^:]*]]: tensor<f32>, %[[O0:[^:]*]]: memref<?x4xf32> {kiln.dims = ["N", 4], kiln.name = "y"}, %[[O1:[^:]*]]: memref<f32> {kiln.name = "s"})
// CHECK-NOT: ->
// CHECK: bufferization.materialize_in_destination %[[X]] in restrict writable %[[O0]] : (tensor<?x4xf32>, memref<?x4xf32>) -> ()
// CHECK: bufferization.materialize_in_destination %[[S]] in restrict writable %[[O1]] : (tensor<f32>, memref<f32>) -> ()
// CHECK: return{{$}}
func.func @two_results(%x: tensor<?x4xf32> {kiln.name = "x"}, %s: tensor<f32>)
    -> (tensor<?x4xf32> {kiln.name = "y", kiln.dims = ["N", 4]}, tensor<f32> {kiln.name = "s"}) {
  return %x, %s : tensor<?x4xf32>, tensor<f32>
}

// -----

// Private functions keep their signature.
// CHECK-LABEL: func.func private @helper(%{{.*}}: tensor<2xf32>) -> tensor<2xf32>
func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
