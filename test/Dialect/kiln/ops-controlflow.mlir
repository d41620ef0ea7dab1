// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s --mlir-print-op-generic | kiln-opt | FileCheck %s

// CHECK-LABEL: func.func @if_passed_and_captured
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[R:.*]]:2 = kiln.if %[[C]], %[[A]] : (tensor<i1>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) then {
// CHECK-NEXT: ^bb0(%[[X:.*]]: tensor<4xf32>):
// CHECK-NEXT: %[[N:.*]] = kiln.neg %[[X]] : tensor<4xf32>
// CHECK-NEXT: kiln.yield %[[N]], %[[B]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT: ^bb0(%[[Y:.*]]: tensor<4xf32>):
// CHECK-NEXT: kiln.yield %[[B]], %[[Y]] : tensor<4xf32>, tensor<4xf32>
// CHECK-NEXT: }
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @if_passed_and_captured(%c: tensor<i1>, %a: tensor<4xf32>, %b: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  %r:2 = kiln.if %c, %a : (tensor<i1>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) then {
  ^bb0(%x: tensor<4xf32>):
    %n = kiln.neg %x : tensor<4xf32>
    kiln.yield %n, %b : tensor<4xf32>, tensor<4xf32>
  } else {
  ^bb0(%y: tensor<4xf32>):
    kiln.yield %b, %y : tensor<4xf32>, tensor<4xf32>
  }
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// No values passed in: the branches take no arguments.
// CHECK-LABEL: func.func @if_no_inputs
// CHECK: kiln.if %{{.*}} : (tensor<i1>) -> tensor<?xf32> then {
// CHECK-NEXT: kiln.yield %{{.*}} : tensor<?xf32>
// CHECK-NEXT: } else {
func.func @if_no_inputs(%c: tensor<i1>, %a: tensor<?xf32>) -> tensor<?xf32> {
  %r = kiln.if %c : (tensor<i1>) -> tensor<?xf32> then {
    kiln.yield %a : tensor<?xf32>
  } else {
    %n = kiln.neg %a : tensor<?xf32>
    kiln.yield %n : tensor<?xf32>
  }
  return %r : tensor<?xf32>
}

// CHECK-LABEL: func.func @while_counter
// CHECK: %[[W:.*]]:2 = kiln.while (%{{.*}}, %{{.*}}) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
// CHECK-NEXT: ^bb0(%[[I:.*]]: tensor<i32>, %{{.*}}: tensor<3xf32>):
// CHECK-NEXT: %[[LT:.*]] = kiln.lt %[[I]], %{{.*}}
// CHECK-NEXT: kiln.yield %[[LT]] : tensor<i1>
// CHECK-NEXT: } body {
// CHECK-NEXT: ^bb0(%[[J:.*]]: tensor<i32>, %[[ACC:.*]]: tensor<3xf32>):
// CHECK: kiln.yield %{{.*}}, %{{.*}} : tensor<i32>, tensor<3xf32>
// CHECK-NEXT: }
func.func @while_counter(%n: tensor<i32>, %x: tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) {
  %zero = kiln.constant dense<0> : tensor<i32>
  %one = kiln.constant dense<1> : tensor<i32>
  %w:2 = kiln.while (%zero, %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
  ^bb0(%i: tensor<i32>, %acc: tensor<3xf32>):
    %lt = kiln.lt %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    kiln.yield %lt : tensor<i1>
  } body {
  ^bb0(%j: tensor<i32>, %acc2: tensor<3xf32>):
    %next = kiln.add %j, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %sq = kiln.mul %acc2, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    kiln.yield %next, %sq : tensor<i32>, tensor<3xf32>
  }
  return %w#0, %w#1 : tensor<i32>, tensor<3xf32>
}

// An if nested in a while body.
// CHECK-LABEL: func.func @nested
// CHECK: kiln.while
// CHECK: kiln.if
// CHECK: kiln.yield
// CHECK: kiln.yield
func.func @nested(%x: tensor<2xf32>, %c: tensor<i1>) -> tensor<2xf32> {
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<2xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<2xf32>):
    %r = kiln.if %c, %v : (tensor<i1>, tensor<2xf32>) -> tensor<2xf32> then {
    ^bb0(%u: tensor<2xf32>):
      %n = kiln.neg %u : tensor<2xf32>
      kiln.yield %n : tensor<2xf32>
    } else {
    ^bb0(%u: tensor<2xf32>):
      kiln.yield %u : tensor<2xf32>
    }
    kiln.yield %r : tensor<2xf32>
  }
  return %w : tensor<2xf32>
}
