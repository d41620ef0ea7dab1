// RUN: kiln-opt %s -split-input-file -convert-kiln-to-linalg -canonicalize | FileCheck %s

// Concat: one destination, each input inserted at its running offset.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<?x2xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[A]]
// CHECK: %[[E:.*]] = tensor.empty(%[[N]]) : tensor<?x5xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [%{{.*}}, 3] [1, 1]
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][0, 3] [%{{.*}}, 2] [1, 1]
// CHECK: return %[[I1]]
// CHECK-NOT: kiln.
func.func @concat(%a: tensor<?x3xf32>, %b: tensor<?x2xf32>) -> tensor<?x5xf32> {
  %0 = kiln.concat %a, %b {axis = 1} : (tensor<?x3xf32>, tensor<?x2xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// Split: one extract_slice per result.
// CHECK-LABEL: func.func @split
// CHECK: %[[S0:.*]] = tensor.extract_slice %{{.*}}[0, 0] [2, 4] [1, 1] : tensor<6x4xi32> to tensor<2x4xi32>
// CHECK: %[[S1:.*]] = tensor.extract_slice %{{.*}}[2, 0] [4, 4] [1, 1] : tensor<6x4xi32> to tensor<4x4xi32>
// CHECK: return %[[S0]], %[[S1]]
// CHECK-NOT: kiln.
func.func @split(%x: tensor<6x4xi32>) -> (tensor<2x4xi32>, tensor<4x4xi32>) {
  %0:2 = kiln.split %x {sizes = array<i64: 2, 4>} : (tensor<6x4xi32>) -> (tensor<2x4xi32>, tensor<4x4xi32>)
  return %0#0, %0#1 : tensor<2x4xi32>, tensor<4x4xi32>
}

// -----

// Positive steps: a strided extract_slice; the untouched dynamic dim keeps
// its (clamped) full range.
// CHECK-LABEL: func.func @slice_pos
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 1] [%{{.*}}, 2] [1, 2] : tensor<?x6xf32> to tensor<?x2xf32>
// CHECK-NOT: linalg.generic
// CHECK-NOT: kiln.
func.func @slice_pos(%x: tensor<?x6xf32>) -> tensor<?x2xf32> {
  %0 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 5>, axes = array<i64: 1>, steps = array<i64: 2>} : (tensor<?x6xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// A negative step reads elements: x[5 - i].
// CHECK-LABEL: func.func @slice_neg
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = arith.subi %[[C5]], %[[I]]
// CHECK: tensor.extract %{{.*}}[%[[J]]]
// CHECK-NOT: kiln.
func.func @slice_neg(%x: tensor<6xf32>) -> tensor<6xf32> {
  %0 = kiln.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775807>, steps = array<i64: -1>} : (tensor<6xf32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// Gather: the indices are an input of the generic; each index is made
// non-negative and clamped into [0, 4] before the read.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gather
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<3xi64>) outs(%{{.*}} : tensor<4x3xf32>)
// CHECK: %[[R:.*]] = linalg.index 0
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: arith.maxsi
// CHECK: %[[K:.*]] = arith.minsi
// CHECK: tensor.extract %{{.*}}[%[[R]], %[[K]]]
// CHECK-NOT: kiln.
func.func @gather(%x: tensor<4x5xf32>, %i: tensor<3xi64>) -> tensor<4x3xf32> {
  %0 = kiln.gather %x, %i {axis = 1} : (tensor<4x5xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Constant pad: no read at all outside the input (scf.if yields the value).
// CHECK-LABEL: func.func @pad
// CHECK-DAG: %[[V:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: linalg.generic
// CHECK: %[[OUT:.*]] = arith.ori
// CHECK: scf.if %[[OUT]] -> (f32) {
// CHECK-NEXT: scf.yield %[[V]]
// CHECK-NEXT: } else {
// CHECK-NEXT: tensor.extract
// CHECK-NOT: kiln.
func.func @pad(%x: tensor<3xf32>) -> tensor<6xf32> {
  %0 = kiln.pad %x {pads = array<i64: 1, 2>, value = 2.0} : (tensor<3xf32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

// Tile: the result is d * repeats; elements read at index mod d.
// CHECK-LABEL: func.func @tile
// CHECK: %[[D:.*]] = tensor.dim
// CHECK: %[[N:.*]] = arith.muli %[[D]], %{{.*}}
// CHECK: tensor.empty(%[[N]]) : tensor<?x6xf32>
// CHECK: arith.remui %{{.*}}, %[[D]]
// CHECK: tensor.extract
// CHECK-NOT: kiln.
func.func @tile(%x: tensor<?x2xf32>) -> tensor<?x6xf32> {
  %0 = kiln.tile %x {repeats = array<i64: 2, 3>} : (tensor<?x2xf32>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// Squeeze: a reshape to the remaining dims.
// CHECK-LABEL: func.func @squeeze
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<?x1x3xf32>, tensor<2xindex>) -> tensor<?x3xf32>
// CHECK-NOT: kiln.
func.func @squeeze(%x: tensor<?x1x3xf32>) -> tensor<?x3xf32> {
  %0 = kiln.squeeze %x : (tensor<?x1x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Linear resize in f64: half_pixel coordinate, two clamped taps.
// CHECK-LABEL: func.func @resize
// CHECK: linalg.generic
// CHECK: arith.addf %{{.*}}, %{{.*}} : f64
// CHECK: arith.divf
// CHECK: arith.subf
// CHECK: math.floor
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: arith.extf %{{.*}} : f32 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK-NOT: kiln.
func.func @resize(%x: tensor<4xf32>) -> tensor<8xf32> {
  %0 = kiln.resize %x {scales = array<f64: 2.0>, mode = "linear"} : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Cubic resize of one dim of two: 4 taps (16 would be two dims), weights
// in f64 renormalised with exclude_outside; bf16 goes through f32.
// CHECK-LABEL: func.func @resize_cubic
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK: arith.cmpf oeq
// CHECK-COUNT-4: arith.cmpi sle
// CHECK-COUNT-4: arith.divf %{{.*}}, %{{.*}} : f64
// CHECK-COUNT-4: tensor.extract
// CHECK-NOT: tensor.extract
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK-NOT: kiln.
func.func @resize_cubic(%x: tensor<2x4xbf16>) -> tensor<2x6xbf16> {
  %0 = kiln.resize %x {sizes = array<i64: 2, 6>, mode = "cubic", exclude_outside = true} : (tensor<2x4xbf16>) -> tensor<2x6xbf16>
  return %0 : tensor<2x6xbf16>
}

// -----

// tf_crop_and_resize: positions outside the input take the extrapolation
// value, selected in the element type.
// CHECK-LABEL: func.func @resize_crop
// CHECK: linalg.generic
// CHECK-DAG: arith.cmpf olt
// CHECK-DAG: arith.cmpf ogt
// CHECK: %[[V:.*]] = tensor.extract
// CHECK: arith.select %{{.*}}, %{{.*}}, %[[V]] : f32
// CHECK-NOT: kiln.
func.func @resize_crop(%x: tensor<4xf32>) -> tensor<3xf32> {
  %0 = kiln.resize %x {sizes = array<i64: 3>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.5, 1.5>, extrapolation_value = 10.0 : f64} : (tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
