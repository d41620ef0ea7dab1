// RUN: kiln-opt %s -split-input-file -kiln-fold-constants -canonicalize | FileCheck %s
// RUN: kiln-opt %s -split-input-file -kiln-fold-constants="max-elements=2" -canonicalize | FileCheck %s --check-prefix=LIMIT
// RUN: kiln-opt %s -split-input-file -kiln-fold-constants | FileCheck %s --check-prefix=NOCANON

// A constant subgraph collapses to one constant computed by the reference
// kernels; only the op reading the input stays.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<[2.000000e+00, 4.000000e+00, 6.000000e+00]> : tensor<3xf32>
// CHECK-NEXT: %[[Y:.*]] = kiln.mul %arg0, %[[C]]
// CHECK-NEXT: return %[[Y]]
// LIMIT-LABEL: func.func @chain
// LIMIT: kiln.sqrt
func.func @chain(%x: tensor<3xf32>) -> tensor<3xf32> {
  %a = kiln.constant dense<[1.0, 4.0, 9.0]> : tensor<3xf32>
  %s = kiln.sqrt %a : tensor<3xf32>
  %t = kiln.add %s, %s : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %y = kiln.mul %x, %t : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// Shape-like integer computations and multi-result ops fold too.
// CHECK-LABEL: func.func @ints
// CHECK-NEXT: %[[A:.*]] = kiln.constant dense<[1, 2]> : tensor<2xi64>
// CHECK-NEXT: %[[B:.*]] = kiln.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @ints() -> (tensor<2xi64>, tensor<2xi64>) {
  %c = kiln.constant dense<[2, 4, 6, 8]> : tensor<4xi64>
  %two = kiln.constant dense<2> : tensor<i64>
  %h = kiln.div %c, %two : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  %p:2 = kiln.split %h {num_outputs = 2 : i64} : (tensor<4xi64>) -> (tensor<2xi64>, tensor<2xi64>)
  return %p#0, %p#1 : tensor<2xi64>, tensor<2xi64>
}

// -----

// Large results become dense_resource blobs.
// CHECK-LABEL: func.func @large
// CHECK: kiln.constant dense_resource<kiln_folded> : tensor<300xf32>
func.func @large() -> tensor<300xf32> {
  %c = kiln.constant dense<2.0> : tensor<300xf32>
  %e = kiln.exp %c : tensor<300xf32>
  return %e : tensor<300xf32>
}

// -----

// Ops with regions and ops on non-constants stay (NOCANON); the
// canonicalizer then takes the branch of the constant condition, which
// yields the constant passed in.
// NOCANON-LABEL: func.func @kept
// NOCANON: kiln.if
// NOCANON: kiln.neg %arg0
// CHECK-LABEL: func.func @kept
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[M:.*]] = kiln.neg %arg0
// CHECK-NEXT: return %[[C]], %[[M]]
func.func @kept(%x: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %t = kiln.constant dense<true> : tensor<i1>
  %c = kiln.constant dense<1.0> : tensor<f32>
  %r = kiln.if %t, %c : (tensor<i1>, tensor<f32>) -> tensor<f32> then {
  ^bb0(%a: tensor<f32>):
    kiln.yield %a : tensor<f32>
  } else {
  ^bb0(%a: tensor<f32>):
    %n = kiln.neg %a : tensor<f32>
    kiln.yield %n : tensor<f32>
  }
  %m = kiln.neg %x : tensor<f32>
  return %r, %m : tensor<f32>, tensor<f32>
}
