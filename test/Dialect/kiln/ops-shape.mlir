// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --kiln-infer-symbolic-dims | FileCheck %s --check-prefix=SYM

// CHECK-LABEL: func.func @squeeze_unsqueeze_flatten
// SYM-LABEL: func.func @squeeze_unsqueeze_flatten
// SYM-SAME: kiln.dims = ["N", 1, 3, 1]
// SYM-SAME: -> (tensor<?x3xf32> {kiln.dims = ["N", 3]}, tensor<1x?x1x3xf32> {kiln.dims = [1, "N", 1, 3]}, tensor<?x3xf32> {kiln.dims = ["N", 3]}, tensor<1x?xf32> {kiln.dims = [1, "3*N"]})
func.func @squeeze_unsqueeze_flatten(%x: tensor<?x1x3x1xf32> {kiln.dims = ["N", 1, 3, 1]}) -> (tensor<?x3xf32>, tensor<1x?x1x3xf32>, tensor<?x3xf32>, tensor<1x?xf32>) {
  // CHECK: kiln.squeeze %{{.*}} : (tensor<?x1x3x1xf32>) -> tensor<?x3xf32>
  %0 = kiln.squeeze %x : (tensor<?x1x3x1xf32>) -> tensor<?x3xf32>
  // CHECK: kiln.unsqueeze %{{.*}} {axes = array<i64: 0, -2>} : (tensor<?x3xf32>) -> tensor<1x?x1x3xf32>
  %1 = kiln.unsqueeze %0 {axes = array<i64: 0, -2>} : (tensor<?x3xf32>) -> tensor<1x?x1x3xf32>
  // CHECK: kiln.squeeze %{{.*}} {axes = array<i64: 1, -1>} : (tensor<?x1x3x1xf32>) -> tensor<?x3xf32>
  %2 = kiln.squeeze %x {axes = array<i64: 1, -1>} : (tensor<?x1x3x1xf32>) -> tensor<?x3xf32>
  // CHECK: kiln.flatten %{{.*}} {axis = 0 : i64} : (tensor<?x1x3x1xf32>) -> tensor<1x?xf32>
  %3 = kiln.flatten %x {axis = 0} : (tensor<?x1x3x1xf32>) -> tensor<1x?xf32>
  return %0, %1, %2, %3 : tensor<?x3xf32>, tensor<1x?x1x3xf32>, tensor<?x3xf32>, tensor<1x?xf32>
}

// CHECK-LABEL: func.func @concat_split
// SYM-LABEL: func.func @concat_split
// SYM-SAME: -> (tensor<?x3xi32> {kiln.dims = ["3*N", 3]}, tensor<?x1xi32> {kiln.dims = ["N", 1]}, tensor<?x2xi32> {kiln.dims = ["N", 2]}, tensor<?x3xi32> {kiln.dims = ["N", 3]})
func.func @concat_split(%a: tensor<?x3xi32> {kiln.dims = ["N", 3]}, %b: tensor<?x3xi32> {kiln.dims = ["N", 3]}) -> (tensor<?x3xi32>, tensor<?x1xi32>, tensor<?x2xi32>, tensor<?x3xi32>) {
  // CHECK: kiln.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<?x3xi32>, tensor<?x3xi32>, tensor<?x3xi32>) -> tensor<?x3xi32>
  %0 = kiln.concat %a, %b, %a {axis = 0} : (tensor<?x3xi32>, tensor<?x3xi32>, tensor<?x3xi32>) -> tensor<?x3xi32>
  // CHECK: %{{.*}}:2 = kiln.split %{{.*}} {axis = -1 : i64, sizes = array<i64: 1, 2>} : (tensor<?x3xi32>) -> (tensor<?x1xi32>, tensor<?x2xi32>)
  %1:2 = kiln.split %a {axis = -1, sizes = array<i64: 1, 2>} : (tensor<?x3xi32>) -> (tensor<?x1xi32>, tensor<?x2xi32>)
  // CHECK: kiln.split %{{.*}} {num_outputs = 3 : i64} : (tensor<?x3xi32>) -> (tensor<?x3xi32>, tensor<?x3xi32>, tensor<?x3xi32>)
  %2:3 = kiln.split %0 {num_outputs = 3} : (tensor<?x3xi32>) -> (tensor<?x3xi32>, tensor<?x3xi32>, tensor<?x3xi32>)
  return %0, %1#0, %1#1, %2#2 : tensor<?x3xi32>, tensor<?x1xi32>, tensor<?x2xi32>, tensor<?x3xi32>
}

// CHECK-LABEL: func.func @slice_gather
// SYM-LABEL: func.func @slice_gather
// SYM-SAME: -> (tensor<?x2xf32> {kiln.dims = ["N", 2]}, tensor<?x0xf32> {kiln.dims = ["N", 0]}, tensor<?x?x3xf32> {kiln.dims = ["N", "K", 3]})
func.func @slice_gather(%x: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?xi64> {kiln.dims = ["K"]}) -> (tensor<?x2xf32>, tensor<?x0xf32>, tensor<?x?x3xf32>) {
  // CHECK: kiln.slice %{{.*}} {axes = array<i64: 1>, ends = array<i64: -9223372036854775807>, starts = array<i64: -2>, steps = array<i64: -3>} : (tensor<?x5xf32>) -> tensor<?x2xf32>
  %0 = kiln.slice %x {starts = array<i64: -2>, ends = array<i64: -9223372036854775807>, axes = array<i64: 1>, steps = array<i64: -3>} : (tensor<?x5xf32>) -> tensor<?x2xf32>
  // CHECK: kiln.slice %{{.*}} -> tensor<?x0xf32>
  %1 = kiln.slice %x {starts = array<i64: 0, 10>, ends = array<i64: 9223372036854775807, 20>} : (tensor<?x5xf32>) -> tensor<?x0xf32>
  %s = kiln.slice %x {starts = array<i64: 0>, ends = array<i64: 3>, axes = array<i64: 1>} : (tensor<?x5xf32>) -> tensor<?x3xf32>
  // CHECK: kiln.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  %2 = kiln.gather %s, %i {axis = 1} : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  // CHECK: kiln.gather %{{.*}}, %{{.*}} : (tensor<?x5xf32>, tensor<2x3xi32>) -> tensor<2x3x5xf32>
  %c = kiln.constant dense<0> : tensor<2x3xi32>
  %3 = kiln.gather %x, %c : (tensor<?x5xf32>, tensor<2x3xi32>) -> tensor<2x3x5xf32>
  %r = kiln.reshape %2 {shape = array<i64: 0, 0, 1>} : (tensor<?x?xf32>) -> tensor<?x?x1xf32>
  %t = kiln.tile %r {repeats = array<i64: 1, 1, 3>} : (tensor<?x?x1xf32>) -> tensor<?x?x3xf32>
  return %0, %1, %t : tensor<?x2xf32>, tensor<?x0xf32>, tensor<?x?x3xf32>
}

// CHECK-LABEL: func.func @pad_tile_resize
// SYM-LABEL: func.func @pad_tile_resize
// SYM-SAME: -> (tensor<?x7xf32> {kiln.dims = ["N", 7]}, tensor<?x8xf32> {kiln.dims = ["2*N", 8]}, tensor<?x8xf32> {kiln.dims = ["N", 8]}, tensor<3x6xf32> {kiln.dims = [3, 6]})
func.func @pad_tile_resize(%x: tensor<?x4xf32> {kiln.dims = ["N", 4]}) -> (tensor<?x7xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<3x6xf32>) {
  // CHECK: kiln.pad %{{.*}} {mode = "reflect", pads = array<i64: 0, 1, 0, 2>} : (tensor<?x4xf32>) -> tensor<?x7xf32>
  %0 = kiln.pad %x {pads = array<i64: 0, 1, 0, 2>, mode = "reflect"} : (tensor<?x4xf32>) -> tensor<?x7xf32>
  // CHECK: kiln.pad %{{.*}} {pads = array<i64: 0, 0, 0, 0>, value = 1.500000e+00 : f64}
  %p = kiln.pad %x {pads = array<i64: 0, 0, 0, 0>, value = 1.5} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  // CHECK: kiln.tile %{{.*}} {repeats = array<i64: 2, 2>} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  %1 = kiln.tile %p {repeats = array<i64: 2, 2>} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  // CHECK: kiln.resize %{{.*}} {mode = "linear", scales = array<f64: 1.000000e+00, 2.000000e+00>} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  %2 = kiln.resize %x {scales = array<f64: 1.0, 2.0>, mode = "linear"} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  // CHECK: kiln.resize %{{.*}} {coordinate_transformation_mode = "align_corners", nearest_mode = "ceil", sizes = array<i64: 3, 6>} : (tensor<?x4xf32>) -> tensor<3x6xf32>
  %3 = kiln.resize %x {sizes = array<i64: 3, 6>, coordinate_transformation_mode = "align_corners", nearest_mode = "ceil"} : (tensor<?x4xf32>) -> tensor<3x6xf32>
  return %0, %1, %2, %3 : tensor<?x7xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<3x6xf32>
}

// Cubic, and tf_crop_and_resize with an roi (the output size scales the
// roi's extent: 4 * 0.5 * 2 = 4).
// CHECK-LABEL: func.func @resize_cubic_crop
// SYM-LABEL: func.func @resize_cubic_crop
// SYM-SAME: -> (tensor<?x8xf32> {kiln.dims = ["N", 8]}, tensor<?x4xf32> {kiln.dims = ["N", 4]})
func.func @resize_cubic_crop(%x: tensor<?x4xf32> {kiln.dims = ["N", 4]}) -> (tensor<?x8xf32>, tensor<?x4xf32>) {
  // CHECK: kiln.resize %{{.*}} {cubic_coeff_a = -5.000000e-01 : f64, exclude_outside = true, mode = "cubic", scales = array<f64: 1.000000e+00, 2.000000e+00>} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  %0 = kiln.resize %x {scales = array<f64: 1.0, 2.0>, mode = "cubic", cubic_coeff_a = -0.5 : f64, exclude_outside = true} : (tensor<?x4xf32>) -> tensor<?x8xf32>
  // CHECK: kiln.resize %{{.*}} {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f64, mode = "linear", roi = array<f64: 0.000000e+00, 2.500000e-01, 1.000000e+00, 7.500000e-01>, scales = array<f64: 1.000000e+00, 2.000000e+00>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = kiln.resize %x {scales = array<f64: 1.0, 2.0>, mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.25, 1.0, 0.75>, extrapolation_value = 10.0 : f64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x4xf32>
}
