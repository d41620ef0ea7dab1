// RUN: kiln-opt %s -split-input-file -kiln-fold-batch-norm | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fold-batch-norm -kiln-fold-constants -canonicalize | FileCheck %s --check-prefix=FOLD

// Parameters chosen so that sqrt(var + eps) = [2, 3] and k = scale / that =
// [2, 1]: w' = w * k per output channel, bias' = (0 - mean) * k + beta.
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[S:.*]] = kiln.constant dense<[4.000000e+00, 3.000000e+00]>
// CHECK-DAG: %[[B:.*]] = kiln.constant dense<[1.000000e+00, -1.000000e+00]>
// CHECK-DAG: %[[M:.*]] = kiln.constant dense<[5.000000e-01, 1.000000e+00]>
// CHECK-DAG: %[[V:.*]] = kiln.constant dense<[3.000000e+00, 8.000000e+00]>
// CHECK: %[[EPS:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[VE:.*]] = kiln.add %[[V]], %[[EPS]] : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
// CHECK-NEXT: %[[R:.*]] = kiln.sqrt %[[VE]] : tensor<2xf32>
// CHECK-NEXT: %[[K:.*]] = kiln.div %[[S]], %[[R]] : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: %[[KW:.*]] = kiln.reshape %[[K]] {shape = array<i64: 2, 1, 1, 1>} : (tensor<2xf32>) -> tensor<2x1x1x1xf32>
// CHECK-NEXT: %[[W2:.*]] = kiln.mul %[[W]], %[[KW]] : (tensor<2x1x1x1xf32>, tensor<2x1x1x1xf32>) -> tensor<2x1x1x1xf32>
// CHECK-NEXT: %[[NM:.*]] = kiln.neg %[[M]] : tensor<2xf32>
// CHECK-NEXT: %[[SC:.*]] = kiln.mul %[[NM]], %[[K]]
// CHECK-NEXT: %[[B2:.*]] = kiln.add %[[SC]], %[[B]]
// CHECK-NEXT: %[[Y:.*]] = kiln.conv %arg0, %[[W2]], %[[B2]] {pads = array<i64: 0, 1, 0, 1>} : (tensor<?x1x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<?x2x3x5xf32>
// CHECK-NEXT: return %[[Y]]
// FOLD-LABEL: func.func @conv
// FOLD-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// FOLD-DAG: %[[B:.*]] = kiln.constant dense<[0.000000e+00, -2.000000e+00]> : tensor<2xf32>
// FOLD: %[[Y:.*]] = kiln.conv %arg0, %[[W]], %[[B]] {pads = array<i64: 0, 1, 0, 1>}
// FOLD-NEXT: return %[[Y]]
func.func @conv(%x: tensor<?x1x3x3xf32>) -> tensor<?x2x3x5xf32> {
  %w = kiln.constant dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %s = kiln.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %b = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %m = kiln.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = kiln.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %y = kiln.conv %x, %w {pads = array<i64: 0, 1, 0, 1>} : (tensor<?x1x3x3xf32>, tensor<2x1x1x1xf32>) -> tensor<?x2x3x5xf32>
  %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<?x2x3x5xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2x3x5xf32>
  return %z : tensor<?x2x3x5xf32>
}

// -----

// A conv with a bias: bias' = (bias - mean) * k + beta = [2, -2]. The
// weights are a constant expression (a transpose of a constant), grouped.
// CHECK-LABEL: func.func @conv_bias
// CHECK: kiln.sub %{{.*}}, %{{.*}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK: kiln.conv %arg0, %{{.*}}, %{{.*}} {groups = 2 : i64}
// CHECK-NOT: kiln.batch_norm
// FOLD-LABEL: func.func @conv_bias
// FOLD-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[{{\[}}[2.000000e+00]]], [{{\[}}[3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// FOLD-DAG: %[[B:.*]] = kiln.constant dense<[2.000000e+00, -2.000000e+00]> : tensor<2xf32>
// FOLD: %[[Y:.*]] = kiln.conv %arg0, %[[W]], %[[B]] {groups = 2 : i64}
// FOLD-NEXT: return %[[Y]]
func.func @conv_bias(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w0 = kiln.constant dense<[[[[1.0]], [[3.0]]]]> : tensor<1x2x1x1xf32>
  %w = kiln.transpose %w0 {perm = array<i64: 1, 0, 2, 3>} : (tensor<1x2x1x1xf32>) -> tensor<2x1x1x1xf32>
  %cb = kiln.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %s = kiln.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %b = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %m = kiln.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = kiln.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %y = kiln.conv %x, %w, %cb {groups = 2 : i64} : (tensor<1x2x3x3xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}

// -----

// matmul [N, 2] then batch_norm over its columns: b' = b * k (columns),
// then + (beta - mean * k) = [0, -2].
// CHECK-LABEL: func.func @matmul
// CHECK: %[[B2:.*]] = kiln.mul %{{.*}}, %{{.*}} : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK: %[[MK:.*]] = kiln.mul %{{.*}}, %{{.*}} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
// CHECK-NEXT: %[[SH:.*]] = kiln.sub %{{.*}}, %[[MK]]
// CHECK-NEXT: %[[P:.*]] = kiln.matmul %arg0, %[[B2]] : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
// CHECK-NEXT: %[[Y:.*]] = kiln.add %[[P]], %[[SH]] : (tensor<?x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
// CHECK-NEXT: return %[[Y]]
// FOLD-LABEL: func.func @matmul
// FOLD-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[2.000000e+00, 1.000000e+00], [4.000000e+00, 3.000000e+00], [6.000000e+00, 5.000000e+00]]> : tensor<3x2xf32>
// FOLD-DAG: %[[B:.*]] = kiln.constant dense<[0.000000e+00, -2.000000e+00]> : tensor<2xf32>
// FOLD: %[[P:.*]] = kiln.matmul %arg0, %[[W]]
// FOLD-NEXT: %[[Y:.*]] = kiln.add %[[P]], %[[B]]
// FOLD-NEXT: return %[[Y]]
func.func @matmul(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %w = kiln.constant dense<[[1.0, 1.0], [2.0, 3.0], [3.0, 5.0]]> : tensor<3x2xf32>
  %s = kiln.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %b = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %m = kiln.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = kiln.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %y = kiln.matmul %x, %w : (tensor<?x3xf32>, tensor<3x2xf32>) -> tensor<?x2xf32>
  %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %z : tensor<?x2xf32>
}

// -----

// transpose_b: the weights' rows are the output channels.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: %[[KB:.*]] = kiln.reshape %{{.*}} {shape = array<i64: 2, 1>} : (tensor<2xf32>) -> tensor<2x1xf32>
// CHECK-NEXT: kiln.mul %{{.*}}, %[[KB]] : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
// CHECK: kiln.matmul %arg0, %{{.*}} {transpose_b = true}
// FOLD-LABEL: func.func @matmul_transpose_b
// FOLD-DAG: %[[W:.*]] = kiln.constant dense<{{\[}}[2.000000e+00, 4.000000e+00, 6.000000e+00], [1.000000e+00, 3.000000e+00, 5.000000e+00]]> : tensor<2x3xf32>
// FOLD-DAG: %[[B:.*]] = kiln.constant dense<[0.000000e+00, -2.000000e+00]> : tensor<2xf32>
// FOLD: %[[P:.*]] = kiln.matmul %arg0, %[[W]] {transpose_b = true}
// FOLD-NEXT: %[[Y:.*]] = kiln.add %[[P]], %[[B]]
// FOLD-NEXT: return %[[Y]]
func.func @matmul_transpose_b(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = kiln.constant dense<[[1.0, 2.0, 3.0], [1.0, 3.0, 5.0]]> : tensor<2x3xf32>
  %s = kiln.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %b = kiln.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %m = kiln.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = kiln.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %y = kiln.matmul %x, %w {transpose_b = true} : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<4x2xf32>
  %z = kiln.batch_norm %y, %s, %b, %m, %v {epsilon = 1.0 : f64} : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %z : tensor<4x2xf32>
}

// -----

// Left alone: weights that are an input, parameters that are an input, a
// conv result also returned, a 3-D matmul (channel dim 1 is not the output
// dimension).
// CHECK-LABEL: func.func @weights_input
// CHECK: kiln.batch_norm
// CHECK-LABEL: func.func @params_input
// CHECK: kiln.batch_norm
// CHECK-LABEL: func.func @extra_use
// CHECK: kiln.batch_norm
// CHECK-LABEL: func.func @matmul_3d
// CHECK: kiln.batch_norm
func.func @weights_input(%x: tensor<1x2x3x3xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32> {
  %p = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = kiln.conv %x, %w : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = kiln.batch_norm %y, %p, %p, %p, %p : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}
func.func @params_input(%x: tensor<1x2x3x3xf32>, %m: tensor<2xf32>) -> tensor<1x2x3x3xf32> {
  %w = kiln.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = kiln.conv %x, %w : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = kiln.batch_norm %y, %p, %p, %m, %p : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z : tensor<1x2x3x3xf32>
}
func.func @extra_use(%x: tensor<1x2x3x3xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) {
  %w = kiln.constant dense<1.0> : tensor<2x2x1x1xf32>
  %p = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = kiln.conv %x, %w : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %z = kiln.batch_norm %y, %p, %p, %p, %p : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %z, %y : tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>
}
func.func @matmul_3d(%x: tensor<2x3x4xf32>) -> tensor<2x3x2xf32> {
  %w = kiln.constant dense<1.0> : tensor<4x2xf32>
  %p = kiln.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = kiln.matmul %x, %w : (tensor<2x3x4xf32>, tensor<4x2xf32>) -> tensor<2x3x2xf32>
  %z = kiln.batch_norm %y, %p, %p, %p, %p : (tensor<2x3x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x2xf32>
  return %z : tensor<2x3x2xf32>
}
