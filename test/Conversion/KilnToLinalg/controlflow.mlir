// RUN: kiln-opt %s -split-input-file -convert-kiln-to-linalg | FileCheck %s

// kiln.if becomes scf.if on the extracted condition; the passed value
// replaces the branch argument, captures stay plain uses, the kiln ops inside
// are lowered too.
// CHECK-LABEL: func.func @if_lowering
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[FLAG:.*]] = tensor.extract %[[C]][] : tensor<i1>
// CHECK: %[[R:.*]] = scf.if %[[FLAG]] -> (tensor<4xf32>) {
// CHECK: %[[T:.*]] = linalg.generic
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: arith.addf
// CHECK: scf.yield %[[T]] : tensor<4xf32>
// CHECK: } else {
// CHECK: scf.yield %[[A]] : tensor<4xf32>
// CHECK: }
// CHECK: return %[[R]]
// CHECK-NOT: kiln.
func.func @if_lowering(%c: tensor<i1>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = kiln.if %c, %a : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
  ^bb0(%x: tensor<4xf32>):
    %s = kiln.add %x, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %s : tensor<4xf32>
  } else {
  ^bb0(%x: tensor<4xf32>):
    kiln.yield %x : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// kiln.while becomes scf.while: the cond region is the "before" region,
// ending in scf.condition of the extracted flag with the carried values.
// CHECK-LABEL: func.func @while_lowering
// CHECK-SAME: (%[[N:.*]]: tensor<i32>, %[[X:.*]]: tensor<3xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant dense<0> : tensor<i32>
// CHECK: %[[W:.*]]:2 = scf.while (%[[I:.*]] = %[[ZERO]], %[[ACC:.*]] = %[[X]]) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) {
// CHECK: %[[LT:.*]] = linalg.generic
// CHECK-SAME: ins(%[[I]], %[[N]] : tensor<i32>, tensor<i32>)
// CHECK: arith.cmpi slt
// CHECK: %[[FLAG:.*]] = tensor.extract %[[LT]][] : tensor<i1>
// CHECK: scf.condition(%[[FLAG]]) %[[I]], %[[ACC]] : tensor<i32>, tensor<3xf32>
// CHECK: } do {
// CHECK: ^bb0(%[[J:.*]]: tensor<i32>, %[[ACC2:.*]]: tensor<3xf32>):
// CHECK: %[[NEXT:.*]] = linalg.generic
// CHECK: arith.addi
// CHECK: %[[MUL:.*]] = linalg.generic
// CHECK-SAME: ins(%[[ACC2]], %[[X]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: arith.mulf
// CHECK: scf.yield %[[NEXT]], %[[MUL]] : tensor<i32>, tensor<3xf32>
// CHECK: }
// CHECK: return %[[W]]#0, %[[W]]#1
// CHECK-NOT: kiln.
func.func @while_lowering(%n: tensor<i32>, %x: tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) {
  %zero = kiln.constant dense<0> : tensor<i32>
  %one = kiln.constant dense<1> : tensor<i32>
  %w:2 = kiln.while (%zero, %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
  ^bb0(%i: tensor<i32>, %acc: tensor<3xf32>):
    %lt = kiln.lt %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    kiln.yield %lt : tensor<i1>
  } body {
  ^bb0(%j: tensor<i32>, %acc2: tensor<3xf32>):
    %next = kiln.add %j, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %m = kiln.mul %acc2, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    kiln.yield %next, %m : tensor<i32>, tensor<3xf32>
  }
  return %w#0, %w#1 : tensor<i32>, tensor<3xf32>
}

// -----

// Nesting: an if inside a while body becomes an scf.if inside the scf.while.
// CHECK-LABEL: func.func @nested_lowering
// CHECK: scf.while
// CHECK: scf.condition
// CHECK: } do {
// CHECK: scf.if
// CHECK: scf.yield
// CHECK: } else {
// CHECK: scf.yield
// CHECK: }
// CHECK: scf.yield
// CHECK-NOT: kiln.
func.func @nested_lowering(%x: tensor<2xf32>, %c: tensor<i1>) -> tensor<2xf32> {
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
