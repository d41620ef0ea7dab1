// RUN: kiln-opt %s -split-input-file --kiln-graph-pipeline | FileCheck %s

// The graph pipeline (symbolic dims, constant folding, canonicalization,
// CSE) merges identical nodes (same op, operands and attributes) and removes
// nodes and constants that reach no output, inside `if` and `while` regions
// too.

// Identical nodes are one; nodes that differ in an attribute or an operand
// are not merged. Equal constants are one constant.
// CHECK-LABEL: func.func @merge
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-NEXT: %[[C:.*]] = kiln.constant dense<2.000000e+00> : tensor<4xf32>
// CHECK-NEXT: %[[E:.*]] = kiln.exp %[[X]]
// CHECK-NEXT: %[[S0:.*]] = kiln.softmax %[[E]] {axis = 0 : i64}
// CHECK-NEXT: %[[S1:.*]] = kiln.softmax %[[E]] {axis = 1 : i64}
// CHECK-NEXT: %[[M0:.*]] = kiln.mul %[[S0]], %[[C]]
// CHECK-NEXT: %[[M1:.*]] = kiln.mul %[[S1]], %[[C]]
// CHECK-NEXT: %[[A:.*]] = kiln.add %[[M0]], %[[M1]]
// CHECK-NEXT: return %[[A]], %[[M0]], %[[E]]
func.func @merge(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %c1 = kiln.constant dense<2.0> : tensor<4xf32>
  %c2 = kiln.constant dense<2.0> : tensor<4xf32>
  %e1 = kiln.exp %x : tensor<?x4xf32>
  %e2 = kiln.exp %x : tensor<?x4xf32>
  %s1 = kiln.softmax %e1 {axis = 0} : tensor<?x4xf32>
  %s2 = kiln.softmax %e2 {axis = 0} : tensor<?x4xf32>
  %s3 = kiln.softmax %e2 {axis = 1} : tensor<?x4xf32>
  %m1 = kiln.mul %s1, %c1 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %m2 = kiln.mul %s2, %c2 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %m3 = kiln.mul %s3, %c2 : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %a = kiln.add %m1, %m3 : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  return %a, %m2, %e1 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// Nodes and constants that reach no output go, chains of them included;
// merging can make further nodes identical (the two adds).
// CHECK-LABEL: func.func @dead
// CHECK-SAME: (%[[X:[^:]*]]: tensor<3xf32>
// CHECK-NEXT: %[[T:.*]] = kiln.tanh %[[X]]
// CHECK-NEXT: %[[A:.*]] = kiln.add %[[T]], %[[T]]
// CHECK-NEXT: return %[[A]], %[[A]]
func.func @dead(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %c = kiln.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %d0 = kiln.mul %x, %c : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %d1 = kiln.exp %d0 : tensor<3xf32>
  %d2 = kiln.reduce_sum %d1 : (tensor<3xf32>) -> tensor<1xf32>
  %t1 = kiln.tanh %x : tensor<3xf32>
  %t2 = kiln.tanh %x : tensor<3xf32>
  %a1 = kiln.add %t1, %t2 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %a2 = kiln.add %t2, %t2 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %a1, %a2 : tensor<3xf32>, tensor<3xf32>
}

// -----

// Inside `if` branches: dead nodes go, duplicates merge, and a node that
// repeats one of the enclosing graph is replaced by it. An `if` whose
// results nobody uses goes as a whole.
// CHECK-LABEL: func.func @if_regions
// CHECK-SAME: (%[[C:[^:]*]]: tensor<i1>{{[^,]*}}, %[[X:[^:]*]]: tensor<4xf32>
// CHECK-NEXT: %[[E:.*]] = kiln.exp %[[X]]
// CHECK-NEXT: %[[R:.*]] = kiln.if %[[C]], %[[X]] : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<4xf32>):
// CHECK-NEXT:   %[[N:.*]] = kiln.neg %[[A]]
// CHECK-NEXT:   %[[M:.*]] = kiln.mul %[[N]], %[[N]]
// CHECK-NEXT:   %[[S:.*]] = kiln.add %[[M]], %[[E]]
// CHECK-NEXT:   kiln.yield %[[S]]
// CHECK-NEXT: } else {
// CHECK-NEXT: ^bb0(%[[B:.*]]: tensor<4xf32>):
// CHECK-NEXT:   kiln.yield %[[B]]
// CHECK-NEXT: }
// CHECK-NEXT: return %[[R]], %[[E]]
// CHECK-NOT: kiln.if
func.func @if_regions(%c: tensor<i1>, %x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = kiln.exp %x : tensor<4xf32>
  %r = kiln.if %c, %x : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
  ^bb0(%a: tensor<4xf32>):
    %dead = kiln.sqrt %a : tensor<4xf32>
    %n1 = kiln.neg %a : tensor<4xf32>
    %n2 = kiln.neg %a : tensor<4xf32>
    %m = kiln.mul %n1, %n2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %e2 = kiln.exp %x : tensor<4xf32>
    %s = kiln.add %m, %e2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %s : tensor<4xf32>
  } else {
  ^bb0(%a: tensor<4xf32>):
    %k = kiln.constant dense<3.0> : tensor<4xf32>
    %dead = kiln.mul %a, %k : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    kiln.yield %a : tensor<4xf32>
  }
  %unused = kiln.if %c, %x : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
  ^bb0(%a: tensor<4xf32>):
    %l = kiln.log %a : tensor<4xf32>
    kiln.yield %l : tensor<4xf32>
  } else {
  ^bb0(%a: tensor<4xf32>):
    kiln.yield %a : tensor<4xf32>
  }
  return %r, %e : tensor<4xf32>, tensor<4xf32>
}

// -----

// Inside `while` regions the same holds; a loop whose results nobody uses
// goes.
// CHECK-LABEL: func.func @while_regions
// CHECK-SAME: (%[[N:[^:]*]]: tensor<i32>{{[^,]*}}, %[[X:[^:]*]]: tensor<3xf32>
// CHECK-DAG: %[[ONE:.*]] = kiln.constant dense<1> : tensor<i32>
// CHECK-DAG: %[[ZERO:.*]] = kiln.constant dense<0> : tensor<i32>
// CHECK-NEXT: %[[W:.*]]:2 = kiln.while (%[[ZERO]], %[[X]]) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
// CHECK-NEXT: ^bb0(%[[I:[^:]*]]: tensor<i32>, %[[V:[^:]*]]: tensor<3xf32>):
// CHECK-NEXT:   %[[LT:.*]] = kiln.lt %[[I]], %[[N]]
// CHECK-NEXT:   kiln.yield %[[LT]]
// CHECK-NEXT: } body {
// CHECK-NEXT: ^bb0(%[[I2:[^:]*]]: tensor<i32>, %[[V2:[^:]*]]: tensor<3xf32>):
// CHECK-NEXT:   %[[I3:.*]] = kiln.add %[[I2]], %[[ONE]]
// CHECK-NEXT:   %[[T:.*]] = kiln.tanh %[[V2]]
// CHECK-NEXT:   %[[V3:.*]] = kiln.add %[[T]], %[[T]]
// CHECK-NEXT:   kiln.yield %[[I3]], %[[V3]]
// CHECK-NEXT: }
// CHECK-NEXT: return %[[W]]#1
// CHECK-NOT: kiln.while
func.func @while_regions(%n: tensor<i32>, %x: tensor<3xf32>) -> tensor<3xf32> {
  %zero = kiln.constant dense<0> : tensor<i32>
  %one = kiln.constant dense<1> : tensor<i32>
  %r:2 = kiln.while (%zero, %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>):
    %dead = kiln.exp %v : tensor<3xf32>
    %lt = kiln.lt %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    kiln.yield %lt : tensor<i1>
  } body {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>):
    %one2 = kiln.constant dense<1> : tensor<i32>
    %i1 = kiln.add %i, %one2 : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %t1 = kiln.tanh %v : tensor<3xf32>
    %t2 = kiln.tanh %v : tensor<3xf32>
    %dead = kiln.sigmoid %t1 : tensor<3xf32>
    %v1 = kiln.add %t1, %t2 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
    kiln.yield %i1, %v1 : tensor<i32>, tensor<3xf32>
  }
  %unused:2 = kiln.while (%zero, %x) : (tensor<i32>, tensor<3xf32>) -> (tensor<i32>, tensor<3xf32>) cond {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>):
    %lt = kiln.lt %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>
    kiln.yield %lt : tensor<i1>
  } body {
  ^bb0(%i: tensor<i32>, %v: tensor<3xf32>):
    %i1 = kiln.add %i, %one : (tensor<i32>, tensor<i32>) -> tensor<i32>
    kiln.yield %i1, %v : tensor<i32>, tensor<3xf32>
  }
  return %r#1 : tensor<3xf32>
}
