// RUN: kiln-opt %s -split-input-file -convert-kiln-to-linalg | FileCheck %s

// Grouped conv: zero padding, w split into [G, M/G, C/G, K...], the bias
// broadcast into a grouped [N, G, M/G, O...] accumulator, one generic whose
// input map reads channel g*C/G + c at o*s + k*d, then the groups collapse.
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d5, d3 * 2 + d6, d4 + d7 * 2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @conv_groups
// CHECK-SAME: (%[[XA:.*]]: tensor<?x4x5x5xf32>, %[[WA:.*]]: tensor<6x2x3x3xf32>, %[[BA:.*]]: tensor<6xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %[[XA]] low[0, 0, 1, 0] high[0, 0, 1, 2]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: } : tensor<?x4x5x5xf32> to tensor<?x4x7x7xf32>
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[WA]] {{\[}}[0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3]
// CHECK: %[[BG:.*]] = tensor.expand_shape %[[BA]] {{\[}}[0, 1]] output_shape [2, 3]
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[BIAS]], {{.*}}]{{.*}} ins(%[[BG]] : tensor<2x3xf32>) outs({{.*}} : tensor<?x2x3x3x3xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[PAD]], %[[WG]] : tensor<?x4x7x7xf32>, tensor<2x3x2x3x3xf32>) outs(%[[INIT]] : tensor<?x2x3x3x3xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape %[[ACC]] {{\[}}[0], [1, 2], [3], [4]] : tensor<?x2x3x3x3xf32> into tensor<?x6x3x3xf32>
// CHECK-NOT: kiln.
func.func @conv_groups(%x: tensor<?x4x5x5xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x3x3xf32> {
  %0 = kiln.conv %x, %w, %b {strides = array<i64: 2, 1>, pads = array<i64: 1, 0, 1, 2>, dilations = array<i64: 1, 2>, groups = 2 : i64} : (tensor<?x4x5x5xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x3x3xf32>
  return %0 : tensor<?x6x3x3xf32>
}

// -----

// auto_pad is resolved at compile time: SAME_LOWER puts the odd unit first.
// CHECK-LABEL: func.func @conv_same_lower
// CHECK: tensor.pad %{{.*}} low[0, 0, 2] high[0, 0, 1]
// CHECK: linalg.fill
// CHECK: linalg.generic
// CHECK-NOT: kiln.
func.func @conv_same_lower(%x: tensor<1x1x6xf32>, %w: tensor<1x1x4xf32>) -> tensor<1x1x6xf32> {
  %0 = kiln.conv %x, %w {auto_pad = "SAME_LOWER"} : (tensor<1x1x6xf32>, tensor<1x1x4xf32>) -> tensor<1x1x6xf32>
  return %0 : tensor<1x1x6xf32>
}

// -----

// conv_transpose gathers: for each (output, tap) the input index
// (o + pb - k*d) / s is used only when exact and in range.
// CHECK-LABEL: func.func @conv_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x3xf32>, %[[W:.*]]: tensor<2x1x2xf32>)
// CHECK: %[[WG:.*]] = tensor.expand_shape %[[W]] {{\[}}[0, 1], [2], [3]] output_shape [1, 2, 1, 2]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[WG]] : tensor<1x2x1x2xf32>) outs(%{{.*}} : tensor<1x1x1x6xf32>)
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: %[[OK:.*]] = arith.andi %true,
// CHECK: tensor.extract %[[X]]
// CHECK: arith.select %[[OK]]
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x1x6xf32>
func.func @conv_transpose(%x: tensor<1x2x3xf32>, %w: tensor<2x1x2xf32>) -> tensor<1x1x6xf32> {
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 2>} : (tensor<1x2x3xf32>, tensor<2x1x2xf32>) -> tensor<1x1x6xf32>
  return %0 : tensor<1x1x6xf32>
}

// -----

// max_pool pads with -inf (never selected) and reduces windows o*s + k*d;
// the kernel-shaped empty tensor gives the window loops their extent. End
// padding that no window reaches is left out.
// CHECK-DAG: #[[XW:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2 + d3 * 2)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @max_pool
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.*]] = tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 0]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<?x3x3xf32>)
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<2xf32>
// CHECK: linalg.generic {indexing_maps = [#[[XW]], #[[K]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[PAD]], %[[WIN]] : tensor<?x3x7xf32>, tensor<2xf32>) outs(%[[INIT]] : tensor<?x3x3xf32>)
// CHECK: arith.maximumf
func.func @max_pool(%x: tensor<?x3x6xf32>) -> tensor<?x3x3xf32> {
  %0 = kiln.max_pool %x {kernel = array<i64: 2>, strides = array<i64: 2>, dilations = array<i64: 2>, pads = array<i64: 1, 1>} : (tensor<?x3x6xf32>) -> tensor<?x3x3xf32>
  return %0 : tensor<?x3x3xf32>
}

// -----

// Integer max_pool pads with the dtype's minimum.
// CHECK-LABEL: func.func @max_pool_i32
// CHECK: %[[MIN:.*]] = arith.constant -2147483648 : i32
// CHECK: tensor.pad
// CHECK: tensor.yield %[[MIN]]
// CHECK: arith.maxsi
func.func @max_pool_i32(%x: tensor<1x1x4xi32>) -> tensor<1x1x5xi32> {
  %0 = kiln.max_pool %x {kernel = array<i64: 2>, pads = array<i64: 1, 1>} : (tensor<1x1x4xi32>) -> tensor<1x1x5xi32>
  return %0 : tensor<1x1x5xi32>
}

// -----

// avg_pool sums zero-padded windows and divides by counts fixed at compile
// time: window elements inside x (2, 3, 3, 2), or with count_include_pad
// those inside the padded input.
// CHECK-LABEL: func.func @avg_pool
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 1]
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.constant dense<[2.000000e+00, 3.000000e+00, 3.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-LABEL: func.func @avg_pool_include_pad
// CHECK: arith.constant dense<3.000000e+00> : tensor<4xf32>
func.func @avg_pool(%x: tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  %0 = kiln.avg_pool %x {kernel = array<i64: 3>, pads = array<i64: 1, 1>} : (tensor<1x1x4xf32>) -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}
func.func @avg_pool_include_pad(%x: tensor<1x1x4xf32>) -> tensor<1x1x4xf32> {
  %0 = kiln.avg_pool %x {kernel = array<i64: 3>, pads = array<i64: 1, 1>, count_include_pad = true} : (tensor<1x1x4xf32>) -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

// argmax carries (value, index) through one reduction; the index result is
// returned.
// CHECK-LABEL: func.func @argmax
// CHECK: %[[NOIDX:.*]] = arith.constant 9223372036854775807 : i64
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<?x4xf32>) outs(%{{.*}}, %{{.*}} : tensor<?xf32>, tensor<?xi64>)
// CHECK: linalg.index 1
// CHECK: arith.cmpf uno
// CHECK: arith.cmpf ogt
// CHECK: linalg.yield
// CHECK: return %[[R]]#1 : tensor<?xi64>
func.func @argmax(%x: tensor<?x4xf32>) -> tensor<?xi64> {
  %0 = kiln.argmax %x {axis = 1 : i64, keepdims = false} : (tensor<?x4xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// Global pooling is a reduction over the spatial dims, expanded back.
// CHECK-LABEL: func.func @global_avg_pool
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.divf
// CHECK: tensor.expand_shape {{.*}} into tensor<?x3x1x1xf32>
func.func @global_avg_pool(%x: tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32> {
  %0 = kiln.global_avg_pool %x : (tensor<?x3x4x5xf32>) -> tensor<?x3x1x1xf32>
  return %0 : tensor<?x3x1x1xf32>
}
