// RUN: kiln-opt %s -split-input-file -kiln-infer-symbolic-dims -verify-diagnostics | FileCheck %s

// Branch arguments take the passed values' shapes, captures keep theirs, and
// the results get the (equal) shapes the branches yield.
// CHECK-LABEL: func.func @if_shapes
// CHECK-SAME: -> (tensor<?x3xf32> {kiln.dims = ["N", 3]}, tensor<?xf32> {kiln.dims = ["3*N"]})
func.func @if_shapes(%c: tensor<i1>, %x: tensor<?x3xf32> {kiln.name = "x", kiln.dims = ["N", 3]})
    -> (tensor<?x3xf32>, tensor<?xf32>) {
  %r:2 = kiln.if %c, %x : (tensor<i1>, tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?xf32>) then {
  ^bb0(%a: tensor<?x3xf32>):
    %f = kiln.reshape %a {shape = array<i64: -1>} : (tensor<?x3xf32>) -> tensor<?xf32>
    kiln.yield %a, %f : tensor<?x3xf32>, tensor<?xf32>
  } else {
  ^bb0(%a: tensor<?x3xf32>):
    %n = kiln.neg %x : tensor<?x3xf32>
    %f = kiln.reshape %n {shape = array<i64: -1>} : (tensor<?x3xf32>) -> tensor<?xf32>
    kiln.yield %n, %f : tensor<?x3xf32>, tensor<?xf32>
  }
  return %r#0, %r#1 : tensor<?x3xf32>, tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @while_shapes
// CHECK-SAME: -> (tensor<?x2xf32> {kiln.dims = ["N", 2]})
func.func @while_shapes(%c: tensor<i1>, %x: tensor<?x2xf32> {kiln.name = "x", kiln.dims = ["N", 2]})
    -> tensor<?x2xf32> {
  %w = kiln.while (%x) : (tensor<?x2xf32>) -> tensor<?x2xf32> cond {
  ^bb0(%v: tensor<?x2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<?x2xf32>):
    // Reshaped away and back: still N.
    %f = kiln.reshape %v {shape = array<i64: -1>} : (tensor<?x2xf32>) -> tensor<?xf32>
    %b = kiln.reshape %f {shape = array<i64: -1, 2>} : (tensor<?xf32>) -> tensor<?x2xf32>
    %s = kiln.add %b, %x : (tensor<?x2xf32>, tensor<?x2xf32>) -> tensor<?x2xf32>
    kiln.yield %s : tensor<?x2xf32>
  }
  return %w : tensor<?x2xf32>
}

// -----

func.func @branches_differ(%c: tensor<i1>, %x: tensor<?xf32> {kiln.name = "x", kiln.dims = ["N"]},
                           %y: tensor<?xf32> {kiln.name = "y", kiln.dims = ["M"]}) -> tensor<?xf32> {
  // expected-error @+1 {{result #0: the branches yield different shapes, [N] ('then') and [M] ('else')}}
  %r = kiln.if %c : (tensor<i1>) -> tensor<?xf32> then {
    kiln.yield %x : tensor<?xf32>
  } else {
    kiln.yield %y : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

// -----

func.func @carried_shape_changes(%c: tensor<i1>, %x: tensor<?x2xf32> {kiln.name = "x", kiln.dims = ["N", 2]})
    -> tensor<?x2xf32> {
  // expected-error @+1 {{loop-carried value #0 changes shape in the body, from [N, 2] to [2*N, 2]; carried values must keep their shapes}}
  %w = kiln.while (%x) : (tensor<?x2xf32>) -> tensor<?x2xf32> cond {
  ^bb0(%v: tensor<?x2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<?x2xf32>):
    %f = kiln.reshape %v {shape = array<i64: -1>} : (tensor<?x2xf32>) -> tensor<?xf32>
    %b = kiln.reshape %f {shape = array<i64: -1, 1>} : (tensor<?xf32>) -> tensor<?x1xf32>
    %t = kiln.broadcast_to %b {shape = array<i64: -1, 2>} : (tensor<?x1xf32>) -> tensor<?x2xf32>
    kiln.yield %t : tensor<?x2xf32>
  }
  return %w : tensor<?x2xf32>
}
