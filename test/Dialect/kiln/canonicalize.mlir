// RUN: kiln-opt %s -canonicalize -split-input-file | FileCheck %s

// Folders and canonicalization patterns of the kiln ops. A rewrite never
// changes a value's type: an identity that would drop a broadcast stays.

// x + 0, 0 + x, x - 0 on integers.
// CHECK-LABEL: func.func @add_sub_zero_int
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xi32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]]
func.func @add_sub_zero_int(%x: tensor<?x4xi32>) -> (tensor<?x4xi32>, tensor<?x4xi32>, tensor<?x4xi32>) {
  %z = kiln.constant dense<0> : tensor<i32>
  %z4 = kiln.constant dense<0> : tensor<1x4xi32>
  %a = kiln.add %x, %z : (tensor<?x4xi32>, tensor<i32>) -> tensor<?x4xi32>
  %b = kiln.add %z4, %x : (tensor<1x4xi32>, tensor<?x4xi32>) -> tensor<?x4xi32>
  %c = kiln.sub %x, %z4 : (tensor<?x4xi32>, tensor<1x4xi32>) -> tensor<?x4xi32>
  return %a, %b, %c : tensor<?x4xi32>, tensor<?x4xi32>, tensor<?x4xi32>
}

// -----

// Floats: x + (-0.0) and x - (+0.0) are x for every x. x + (+0.0) is not
// (-0.0 + 0.0 is +0.0), nor is x - (-0.0): both stay.
// CHECK-LABEL: func.func @add_sub_zero_float
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[P:.*]] = kiln.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[N:.*]] = kiln.constant dense<-0.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[A:.*]] = kiln.add %[[X]], %[[P]]
// CHECK-NEXT: %[[S:.*]] = kiln.sub %[[X]], %[[N]]
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[A]], %[[S]]
func.func @add_sub_zero_float(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %p = kiln.constant dense<0.0> : tensor<f32>
  %n = kiln.constant dense<-0.0> : tensor<f32>
  %0 = kiln.add %x, %n : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = kiln.add %n, %x : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = kiln.sub %x, %p : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = kiln.add %x, %p : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %4 = kiln.sub %x, %n : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// x * 1, 1 * x, x / 1, x ** 1 for floats (f32, f16, bf16) and integers.
// CHECK-LABEL: func.func @mul_div_pow_one
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[H:.*]]: tensor<3xf16>, %[[B:.*]]: tensor<3xbf16>, %[[I:.*]]: tensor<3xi64>, %[[U:.*]]: tensor<3xui8>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[X]], %[[H]], %[[B]], %[[I]], %[[I]], %[[I]], %[[U]]
func.func @mul_div_pow_one(%x: tensor<2x3xf32>, %h: tensor<3xf16>, %b: tensor<3xbf16>, %i: tensor<3xi64>, %u: tensor<3xui8>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xui8>) {
  %one = kiln.constant dense<1.0> : tensor<3xf32>
  %oneh = kiln.constant dense<1.0> : tensor<f16>
  %oneb = kiln.constant dense<1.0> : tensor<1xbf16>
  %onei = kiln.constant dense<1> : tensor<i64>
  %oneu = kiln.constant dense<1> : tensor<ui8>
  %0 = kiln.mul %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = kiln.mul %one, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = kiln.div %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = kiln.pow %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = kiln.mul %h, %oneh : (tensor<3xf16>, tensor<f16>) -> tensor<3xf16>
  %5 = kiln.div %b, %oneb : (tensor<3xbf16>, tensor<1xbf16>) -> tensor<3xbf16>
  %6 = kiln.mul %onei, %i : (tensor<i64>, tensor<3xi64>) -> tensor<3xi64>
  %7 = kiln.div %i, %onei : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %8 = kiln.pow %i, %onei : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %9 = kiln.div %u, %oneu : (tensor<3xui8>, tensor<ui8>) -> tensor<3xui8>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<3xf16>, tensor<3xbf16>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xui8>
}

// -----

// Integer x * 0 is a zero constant; a float x * 0 is NaN for x = NaN or Inf
// (and -0 for negative x), so it stays. 1 / x and 0 - x are not identities.
// CHECK-LABEL: func.func @mul_zero
// CHECK-SAME: (%[[I:.*]]: tensor<3xi32>, %[[F:.*]]: tensor<3xf32>)
// CHECK-DAG: %[[ZI:.*]] = kiln.constant dense<0> : tensor<3xi32>
// CHECK-DAG: %[[ZF:.*]] = kiln.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[OF:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[M:.*]] = kiln.mul %[[F]], %[[ZF]]
// CHECK-NEXT: %[[D:.*]] = kiln.div %[[OF]], %[[F]]
// CHECK-NEXT: %[[S:.*]] = kiln.sub %[[ZF]], %[[F]]
// CHECK-NEXT: return %[[ZI]], %[[M]], %[[D]], %[[S]]
func.func @mul_zero(%i: tensor<3xi32>, %f: tensor<3xf32>) -> (tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %zi = kiln.constant dense<0> : tensor<i32>
  %zf = kiln.constant dense<0.0> : tensor<f32>
  %of = kiln.constant dense<1.0> : tensor<f32>
  %0 = kiln.mul %i, %zi : (tensor<3xi32>, tensor<i32>) -> tensor<3xi32>
  %1 = kiln.mul %f, %zf : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %2 = kiln.div %of, %f : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = kiln.sub %zf, %f : (tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %2, %3 : tensor<3xi32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// An identity operand that broadcasts `x` to a bigger shape keeps the op:
// the result is not `x`'s type.
// CHECK-LABEL: func.func @broadcasting_identity_kept
// CHECK-SAME: (%[[X:.*]]: tensor<4xi32>, %[[Y:.*]]: tensor<1xf32>)
// CHECK-DAG: %[[Z:.*]] = kiln.constant dense<0> : tensor<3x4xi32>
// CHECK-DAG: %[[O:.*]] = kiln.constant dense<1.000000e+00> : tensor<5xf32>
// CHECK-NEXT: %[[A:.*]] = kiln.add %[[X]], %[[Z]] : (tensor<4xi32>, tensor<3x4xi32>) -> tensor<3x4xi32>
// CHECK-NEXT: %[[M:.*]] = kiln.mul %[[O]], %[[Y]] : (tensor<5xf32>, tensor<1xf32>) -> tensor<5xf32>
// CHECK-NEXT: return %[[A]], %[[M]]
func.func @broadcasting_identity_kept(%x: tensor<4xi32>, %y: tensor<1xf32>) -> (tensor<3x4xi32>, tensor<5xf32>) {
  %z = kiln.constant dense<0> : tensor<3x4xi32>
  %o = kiln.constant dense<1.0> : tensor<5xf32>
  %0 = kiln.add %x, %z : (tensor<4xi32>, tensor<3x4xi32>) -> tensor<3x4xi32>
  %1 = kiln.mul %o, %y : (tensor<5xf32>, tensor<1xf32>) -> tensor<5xf32>
  return %0, %1 : tensor<3x4xi32>, tensor<5xf32>
}

// -----

// A constant that is not a splat is not an identity.
// CHECK-LABEL: func.func @non_splat_kept
// CHECK: kiln.mul
func.func @non_splat_kept(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = kiln.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = kiln.mul %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// max(x, x), min(x, x); and/or/xor with their identities; select.
// CHECK-LABEL: func.func @logic_select
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>, %[[P:.*]]: tensor<3xi1>, %[[Q:.*]]: tensor<3xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[P]], %[[P]], %[[P]], %[[P]], %[[P]], %[[X]], %[[X]], %[[Q]]
func.func @logic_select(%x: tensor<3xf32>, %p: tensor<3xi1>, %q: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %t = kiln.constant dense<true> : tensor<i1>
  %f = kiln.constant dense<false> : tensor<i1>
  %0 = kiln.max %x, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %1 = kiln.min %x, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = kiln.and %p, %t : (tensor<3xi1>, tensor<i1>) -> tensor<3xi1>
  %3 = kiln.or %f, %p : (tensor<i1>, tensor<3xi1>) -> tensor<3xi1>
  %4 = kiln.xor %p, %f : (tensor<3xi1>, tensor<i1>) -> tensor<3xi1>
  %5 = kiln.and %p, %p : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %6 = kiln.or %p, %p : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %7 = kiln.select %p, %x, %x : (tensor<3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %8 = kiln.select %t, %x, %q : (tensor<i1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %9 = kiln.select %f, %x, %q : (tensor<i1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<3xf32>, tensor<3xf32>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// A select whose branches broadcast to a bigger shape stays.
// CHECK-LABEL: func.func @select_broadcast_kept
// CHECK: kiln.select
func.func @select_broadcast_kept(%c: tensor<2x3xi1>, %x: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = kiln.select %c, %x, %x : (tensor<2x3xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// neg and not are involutions; relu, abs, floor, ceil, round, sign are
// idempotent.
// CHECK-LABEL: func.func @involution_idempotent
// CHECK-SAME: (%[[X:.*]]: tensor<3xf32>, %[[P:.*]]: tensor<3xi1>)
// CHECK-NEXT: %[[R:.*]] = kiln.relu %[[X]]
// CHECK-NEXT: %[[A:.*]] = kiln.abs %[[X]]
// CHECK-NEXT: %[[F:.*]] = kiln.floor %[[X]]
// CHECK-NEXT: %[[S:.*]] = kiln.sign %[[X]]
// CHECK-NEXT: return %[[X]], %[[P]], %[[R]], %[[A]], %[[F]], %[[S]]
func.func @involution_idempotent(%x: tensor<3xf32>, %p: tensor<3xi1>) -> (tensor<3xf32>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %n = kiln.neg %x : tensor<3xf32>
  %0 = kiln.neg %n : tensor<3xf32>
  %np = kiln.not %p : tensor<3xi1>
  %1 = kiln.not %np : tensor<3xi1>
  %r = kiln.relu %x : tensor<3xf32>
  %2 = kiln.relu %r : tensor<3xf32>
  %a = kiln.abs %x : tensor<3xf32>
  %3 = kiln.abs %a : tensor<3xf32>
  %f = kiln.floor %x : tensor<3xf32>
  %4 = kiln.floor %f : tensor<3xf32>
  %s = kiln.sign %x : tensor<3xf32>
  %5 = kiln.sign %s : tensor<3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3xf32>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

// A cast to the same dtype is the input; a round trip through a wider type
// that holds every value is the input.
// CHECK-LABEL: func.func @cast_round_trip
// CHECK-SAME: (%[[F:.*]]: tensor<?x2xf32>, %[[I:.*]]: tensor<2xi32>, %[[U:.*]]: tensor<2xui8>, %[[B:.*]]: tensor<2xi1>)
// CHECK-NEXT: return %[[F]], %[[F]], %[[I]], %[[I]], %[[U]], %[[B]]
func.func @cast_round_trip(%f: tensor<?x2xf32>, %i: tensor<2xi32>, %u: tensor<2xui8>, %b: tensor<2xi1>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xui8>, tensor<2xi1>) {
  %0 = kiln.cast %f {to = f32} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %d = kiln.cast %f {to = f64} : (tensor<?x2xf32>) -> tensor<?x2xf64>
  %1 = kiln.cast %d {to = f32} : (tensor<?x2xf64>) -> tensor<?x2xf32>
  %l = kiln.cast %i {to = i64} : (tensor<2xi32>) -> tensor<2xi64>
  %2 = kiln.cast %l {to = i32} : (tensor<2xi64>) -> tensor<2xi32>
  %g = kiln.cast %i {to = f64} : (tensor<2xi32>) -> tensor<2xf64>
  %3 = kiln.cast %g {to = i32} : (tensor<2xf64>) -> tensor<2xi32>
  %s = kiln.cast %u {to = i16} : (tensor<2xui8>) -> tensor<2xi16>
  %4 = kiln.cast %s {to = ui8} : (tensor<2xi16>) -> tensor<2xui8>
  %h = kiln.cast %b {to = bf16} : (tensor<2xi1>) -> tensor<2xbf16>
  %5 = kiln.cast %h {to = i1} : (tensor<2xbf16>) -> tensor<2xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<?x2xf32>, tensor<?x2xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xui8>, tensor<2xi1>
}

// -----

// After a lossless first cast, two casts are one.
// CHECK-LABEL: func.func @cast_chain
// CHECK-SAME: (%[[H:.*]]: tensor<2xf16>, %[[I:.*]]: tensor<2xi8>, %[[U:.*]]: tensor<2xui8>)
// CHECK-NEXT: %[[A:.*]] = kiln.cast %[[H]] {to = f64} : (tensor<2xf16>) -> tensor<2xf64>
// CHECK-NEXT: %[[B:.*]] = kiln.cast %[[I]] {to = i64} : (tensor<2xi8>) -> tensor<2xi64>
// CHECK-NEXT: %[[C:.*]] = kiln.cast %[[I]] {to = i16} : (tensor<2xi8>) -> tensor<2xi16>
// CHECK-NEXT: %[[D:.*]] = kiln.cast %[[U]] {to = i8} : (tensor<2xui8>) -> tensor<2xi8>
// CHECK-NEXT: %[[E:.*]] = kiln.cast %[[H]] {to = i32} : (tensor<2xf16>) -> tensor<2xi32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]]
func.func @cast_chain(%h: tensor<2xf16>, %i: tensor<2xi8>, %u: tensor<2xui8>) -> (tensor<2xf64>, tensor<2xi64>, tensor<2xi16>, tensor<2xi8>, tensor<2xi32>) {
  %h32 = kiln.cast %h {to = f32} : (tensor<2xf16>) -> tensor<2xf32>
  %0 = kiln.cast %h32 {to = f64} : (tensor<2xf32>) -> tensor<2xf64>
  %i32 = kiln.cast %i {to = i32} : (tensor<2xi8>) -> tensor<2xi32>
  %1 = kiln.cast %i32 {to = i64} : (tensor<2xi32>) -> tensor<2xi64>
  %if = kiln.cast %i {to = f32} : (tensor<2xi8>) -> tensor<2xf32>
  %2 = kiln.cast %if {to = i16} : (tensor<2xf32>) -> tensor<2xi16>
  %u16 = kiln.cast %u {to = i16} : (tensor<2xui8>) -> tensor<2xi16>
  %3 = kiln.cast %u16 {to = i8} : (tensor<2xi16>) -> tensor<2xi8>
  %h64 = kiln.cast %h {to = f64} : (tensor<2xf16>) -> tensor<2xf64>
  %4 = kiln.cast %h64 {to = i32} : (tensor<2xf64>) -> tensor<2xi32>
  return %0, %1, %2, %3, %4 : tensor<2xf64>, tensor<2xi64>, tensor<2xi16>, tensor<2xi8>, tensor<2xi32>
}

// -----

// A lossy first cast stays: f64 -> f32 -> f64 rounds, i64 -> i32 -> i64
// wraps, i32 -> f32 rounds, i8 -> ui8 wraps negatives, f32 -> i32
// truncates, f16 and bf16 do not hold each other's values, i16 does not
// fit f16's significand.
// CHECK-LABEL: func.func @cast_lossy_kept
// CHECK-COUNT-14: kiln.cast
// CHECK-NOT: kiln.cast
func.func @cast_lossy_kept(%d: tensor<2xf64>, %l: tensor<2xi64>, %i: tensor<2xi32>, %b: tensor<2xi8>, %f: tensor<2xf32>, %h: tensor<2xf16>, %s: tensor<2xi16>) -> (tensor<2xf64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi8>, tensor<2xf32>, tensor<2xf16>, tensor<2xi16>) {
  %0 = kiln.cast %d {to = f32} : (tensor<2xf64>) -> tensor<2xf32>
  %1 = kiln.cast %0 {to = f64} : (tensor<2xf32>) -> tensor<2xf64>
  %2 = kiln.cast %l {to = i32} : (tensor<2xi64>) -> tensor<2xi32>
  %3 = kiln.cast %2 {to = i64} : (tensor<2xi32>) -> tensor<2xi64>
  %4 = kiln.cast %i {to = f32} : (tensor<2xi32>) -> tensor<2xf32>
  %5 = kiln.cast %4 {to = i64} : (tensor<2xf32>) -> tensor<2xi64>
  %6 = kiln.cast %b {to = ui8} : (tensor<2xi8>) -> tensor<2xui8>
  %7 = kiln.cast %6 {to = i8} : (tensor<2xui8>) -> tensor<2xi8>
  %8 = kiln.cast %f {to = i32} : (tensor<2xf32>) -> tensor<2xi32>
  %9 = kiln.cast %8 {to = f32} : (tensor<2xi32>) -> tensor<2xf32>
  %10 = kiln.cast %h {to = bf16} : (tensor<2xf16>) -> tensor<2xbf16>
  %11 = kiln.cast %10 {to = f16} : (tensor<2xbf16>) -> tensor<2xf16>
  %12 = kiln.cast %s {to = f16} : (tensor<2xi16>) -> tensor<2xf16>
  %13 = kiln.cast %12 {to = i16} : (tensor<2xf16>) -> tensor<2xi16>
  return %1, %3, %5, %7, %9, %11, %13 : tensor<2xf64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi8>, tensor<2xf32>, tensor<2xf16>, tensor<2xi16>
}

// -----

// Identity transposes go; two transposes are one, or none when they undo
// each other.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %[[V:.*]]: tensor<5xf32>)
// CHECK-NEXT: %[[T:.*]] = kiln.transpose %[[X]] {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
// CHECK-NEXT: return %[[X]], %[[V]], %[[X]], %[[X]], %[[T]]
func.func @transpose(%x: tensor<2x3x4xf32>, %v: tensor<5xf32>) -> (tensor<2x3x4xf32>, tensor<5xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3x2x4xf32>) {
  %0 = kiln.transpose %x {perm = array<i64: 0, 1, 2>} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = kiln.transpose %v : (tensor<5xf32>) -> tensor<5xf32>
  %a = kiln.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %2 = kiln.transpose %a {perm = array<i64: 2, 0, 1>} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  %r = kiln.transpose %x : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %3 = kiln.transpose %r : (tensor<4x3x2xf32>) -> tensor<2x3x4xf32>
  // Not inverses: perm[i] = [1, 2, 0][[2, 1, 0][i]].
  %b = kiln.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %4 = kiln.transpose %b {perm = array<i64: 0, 2, 1>} : (tensor<3x4x2xf32>) -> tensor<3x2x4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x3x4xf32>, tensor<5xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<3x2x4xf32>
}

// -----

// Transposes with dynamic dimensions compose the same way.
// CHECK-LABEL: func.func @transpose_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x?xf32>)
// CHECK-NEXT: %[[T:.*]] = kiln.transpose %[[X]] {perm = array<i64: 2, 0, 1>} : (tensor<?x3x?xf32>) -> tensor<?x?x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_dynamic(%x: tensor<?x3x?xf32>) -> tensor<?x?x3xf32> {
  %a = kiln.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<?x3x?xf32>) -> tensor<3x?x?xf32>
  %b = kiln.transpose %a {perm = array<i64: 2, 1, 0>} : (tensor<3x?x?xf32>) -> tensor<?x?x3xf32>
  return %b : tensor<?x?x3xf32>
}

// -----

// Reshapes to the same type are the input, also with dynamic dimensions
// (0 copies, the one -1 is fixed by the element count).
// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[S:.*]]: tensor<2x6xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[S]]
func.func @reshape_same_type(%x: tensor<?x4xf32>, %s: tensor<2x6xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<2x6xf32>) {
  %0 = kiln.reshape %x {shape = array<i64: 0, 4>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %1 = kiln.reshape %x {shape = array<i64: -1, 4>} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = kiln.reshape %s {shape = array<i64: 2, -1>} : (tensor<2x6xf32>) -> tensor<2x6xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x4xf32>, tensor<2x6xf32>
}

// -----

// Two reshapes are one; back to the input's type, none.
// CHECK-LABEL: func.func @reshape_reshape
// CHECK-SAME: (%[[S:.*]]: tensor<2x3x4xf32>, %[[X:.*]]: tensor<?x3x4xf32>, %[[Y:.*]]: tensor<?x?x4xf32>)
// CHECK-NEXT: %[[A:.*]] = kiln.reshape %[[S]] {shape = array<i64: 4, 6>} : (tensor<2x3x4xf32>) -> tensor<4x6xf32>
// CHECK-NEXT: %[[B:.*]] = kiln.reshape %[[X]] {shape = array<i64: -1, 2, 6>} : (tensor<?x3x4xf32>) -> tensor<?x2x6xf32>
// CHECK-NEXT: %[[C:.*]] = kiln.reshape %[[Y]] {shape = array<i64: 0, 0, 4, 1>} : (tensor<?x?x4xf32>) -> tensor<?x?x4x1xf32>
// CHECK-NEXT: return %[[A]], %[[S]], %[[B]], %[[C]], %[[Y]]
func.func @reshape_reshape(%s: tensor<2x3x4xf32>, %x: tensor<?x3x4xf32>, %y: tensor<?x?x4xf32>) -> (tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x6xf32>, tensor<?x?x4x1xf32>, tensor<?x?x4xf32>) {
  %a = kiln.reshape %s {shape = array<i64: 24>} : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %0 = kiln.reshape %a {shape = array<i64: 4, -1>} : (tensor<24xf32>) -> tensor<4x6xf32>
  %1 = kiln.reshape %a {shape = array<i64: 2, 3, 4>} : (tensor<24xf32>) -> tensor<2x3x4xf32>
  %b = kiln.reshape %x {shape = array<i64: 0, 12>} : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  %2 = kiln.reshape %b {shape = array<i64: 0, 2, 6>} : (tensor<?x12xf32>) -> tensor<?x2x6xf32>
  %c = kiln.reshape %y {shape = array<i64: 0, 0, 2, 2>} : (tensor<?x?x4xf32>) -> tensor<?x?x2x2xf32>
  %3 = kiln.reshape %c {shape = array<i64: 0, 0, 4, 1>} : (tensor<?x?x2x2xf32>) -> tensor<?x?x4x1xf32>
  %4 = kiln.reshape %c {shape = array<i64: 0, 0, 4>} : (tensor<?x?x2x2xf32>) -> tensor<?x?x4xf32>
  return %0, %1, %2, %3, %4 : tensor<4x6xf32>, tensor<2x3x4xf32>, tensor<?x2x6xf32>, tensor<?x?x4x1xf32>, tensor<?x?x4xf32>
}

// -----

// The outer reshape copies (0) a dimension the inner one computed (-1) and
// there are two dynamic dimensions: no single reshape of the input says
// that, so both stay.
// CHECK-LABEL: func.func @reshape_reshape_kept
// CHECK: kiln.reshape
// CHECK-NEXT: kiln.reshape
func.func @reshape_reshape_kept(%x: tensor<?x?x4xf32>) -> tensor<?x?x1xf32> {
  %a = kiln.reshape %x {shape = array<i64: 0, -1>} : (tensor<?x?x4xf32>) -> tensor<?x?xf32>
  %0 = kiln.reshape %a {shape = array<i64: 0, 0, 1>} : (tensor<?x?xf32>) -> tensor<?x?x1xf32>
  return %0 : tensor<?x?x1xf32>
}

// -----

// squeeze, unsqueeze and flatten to the same type are the input; next to
// another reshape-like op they become one reshape.
// CHECK-LABEL: func.func @squeeze_unsqueeze_flatten
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[S:.*]]: tensor<1x12xf32>, %[[T:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: %[[A:.*]] = kiln.reshape %[[S]] {shape = array<i64: 3, 4>} : (tensor<1x12xf32>) -> tensor<3x4xf32>
// CHECK-NEXT: %[[B:.*]] = kiln.reshape %[[X]] {shape = array<i64: 1, -1>} : (tensor<?x3xf32>) -> tensor<1x?xf32>
// CHECK-NEXT: %[[C:.*]] = kiln.reshape %[[T]] {shape = array<i64: 2, 6>} : (tensor<3x4xf32>) -> tensor<2x6xf32>
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[T]], %[[A]], %[[B]], %[[C]]
func.func @squeeze_unsqueeze_flatten(%x: tensor<?x3xf32>, %s: tensor<1x12xf32>, %t: tensor<3x4xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<1x?xf32>, tensor<2x6xf32>) {
  %0 = kiln.squeeze %x : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %1 = kiln.unsqueeze %x {axes = array<i64>} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %2 = kiln.flatten %x : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %u = kiln.unsqueeze %t {axes = array<i64: 0>} : (tensor<3x4xf32>) -> tensor<1x3x4xf32>
  %3 = kiln.squeeze %u {axes = array<i64: 0>} : (tensor<1x3x4xf32>) -> tensor<3x4xf32>
  %q = kiln.squeeze %s : (tensor<1x12xf32>) -> tensor<12xf32>
  %4 = kiln.reshape %q {shape = array<i64: 3, 4>} : (tensor<12xf32>) -> tensor<3x4xf32>
  %r = kiln.reshape %x {shape = array<i64: -1>} : (tensor<?x3xf32>) -> tensor<?xf32>
  %5 = kiln.unsqueeze %r {axes = array<i64: 0>} : (tensor<?xf32>) -> tensor<1x?xf32>
  %f = kiln.flatten %t {axis = 0} : (tensor<3x4xf32>) -> tensor<1x12xf32>
  %6 = kiln.reshape %f {shape = array<i64: 2, 6>} : (tensor<1x12xf32>) -> tensor<2x6xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?x3xf32>, tensor<?x3xf32>, tensor<?x3xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<1x?xf32>, tensor<2x6xf32>
}

// -----

// broadcast_to the input's type is the input; of a splat constant, a splat
// constant; two in a row, one.
// CHECK-LABEL: func.func @broadcast_to
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[V:.*]]: tensor<3xf32>)
// CHECK-DAG: %[[C:.*]] = kiln.constant dense<2.500000e+00> : tensor<2x3xf32>
// CHECK-NEXT: %[[B:.*]] = kiln.broadcast_to %[[V]] {shape = array<i64: 4, 2, 3>} : (tensor<3xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: %[[D:.*]] = kiln.broadcast_to %[[X]] {shape = array<i64: 2, -1, 3>} : (tensor<?x3xf32>) -> tensor<2x?x3xf32>
// CHECK-NEXT: return %[[X]], %[[C]], %[[B]], %[[D]]
func.func @broadcast_to(%x: tensor<?x3xf32>, %v: tensor<3xf32>) -> (tensor<?x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>, tensor<2x?x3xf32>) {
  %0 = kiln.broadcast_to %x {shape = array<i64: -1, 3>} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %c = kiln.constant dense<2.5> : tensor<1xf32>
  %1 = kiln.broadcast_to %c {shape = array<i64: 2, 3>} : (tensor<1xf32>) -> tensor<2x3xf32>
  %a = kiln.broadcast_to %v {shape = array<i64: 2, 3>} : (tensor<3xf32>) -> tensor<2x3xf32>
  %2 = kiln.broadcast_to %a {shape = array<i64: 4, -1, -1>} : (tensor<2x3xf32>) -> tensor<4x2x3xf32>
  %b = kiln.broadcast_to %x {shape = array<i64: 1, -1, 3>} : (tensor<?x3xf32>) -> tensor<1x?x3xf32>
  %3 = kiln.broadcast_to %b {shape = array<i64: 2, -1, -1>} : (tensor<1x?x3xf32>) -> tensor<2x?x3xf32>
  return %0, %1, %2, %3 : tensor<?x3xf32>, tensor<2x3xf32>, tensor<4x2x3xf32>, tensor<2x?x3xf32>
}

// -----

// concat of one input, split into one part, a slice taking everything, pad
// by nothing, tile once: the input.
// CHECK-LABEL: func.func @data_movement_identities
// CHECK-SAME: (%[[X:.*]]: tensor<?x5xf32>, %[[S:.*]]: tensor<2x1xf32>)
// CHECK-NEXT: return %[[X]], %[[X]], %[[X]], %[[S]], %[[S]], %[[X]], %[[X]]
func.func @data_movement_identities(%x: tensor<?x5xf32>, %s: tensor<2x1xf32>) -> (tensor<?x5xf32>, tensor<?x5xf32>, tensor<?x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<?x5xf32>, tensor<?x5xf32>) {
  %0 = kiln.concat %x {axis = 1} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %1 = kiln.split %x {axis = 1, num_outputs = 1} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %2 = kiln.slice %x {starts = array<i64: 0, -9223372036854775807>, ends = array<i64: 9223372036854775807, 5>} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %3 = kiln.slice %s {starts = array<i64: -5, 0>, ends = array<i64: 10, -9223372036854775807>, steps = array<i64: 1, -1>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = kiln.slice %s {starts = array<i64: 0>, ends = array<i64: 2>, axes = array<i64: 0>} : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %5 = kiln.pad %x {pads = array<i64: 0, 0, 0, 0>, mode = "edge"} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %6 = kiln.tile %x {repeats = array<i64: 1, 1>} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?x5xf32>, tensor<?x5xf32>, tensor<?x5xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<?x5xf32>, tensor<?x5xf32>
}

// -----

// Slices that reverse, skip or cut stay, as do real pads and tiles.
// CHECK-LABEL: func.func @data_movement_kept
// CHECK: kiln.slice
// CHECK: kiln.slice
// CHECK: kiln.slice
// CHECK: kiln.pad
// CHECK: kiln.tile
func.func @data_movement_kept(%x: tensor<?x5xf32>) -> (tensor<?x5xf32>, tensor<?x3xf32>, tensor<?x4xf32>, tensor<?x6xf32>, tensor<?x10xf32>) {
  %0 = kiln.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775807>, axes = array<i64: 1>, steps = array<i64: -1>} : (tensor<?x5xf32>) -> tensor<?x5xf32>
  %1 = kiln.slice %x {starts = array<i64: 0>, ends = array<i64: 5>, axes = array<i64: 1>, steps = array<i64: 2>} : (tensor<?x5xf32>) -> tensor<?x3xf32>
  %2 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 9223372036854775807>, axes = array<i64: 1>} : (tensor<?x5xf32>) -> tensor<?x4xf32>
  %3 = kiln.pad %x {pads = array<i64: 0, 1, 0, 0>} : (tensor<?x5xf32>) -> tensor<?x6xf32>
  %4 = kiln.tile %x {repeats = array<i64: 1, 2>} : (tensor<?x5xf32>) -> tensor<?x10xf32>
  return %0, %1, %2, %3, %4 : tensor<?x5xf32>, tensor<?x3xf32>, tensor<?x4xf32>, tensor<?x6xf32>, tensor<?x10xf32>
}

// -----

// A kiln.if on a constant condition is the branch it takes.
// CHECK-LABEL: func.func @if_constant_condition
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[N:.*]] = kiln.neg %[[X]] : tensor<4xf32>
// CHECK-NEXT: %[[E:.*]] = kiln.exp %[[X]] : tensor<4xf32>
// CHECK-NEXT: return %[[N]], %[[E]]
func.func @if_constant_condition(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %t = kiln.constant dense<true> : tensor<i1>
  %f = kiln.constant dense<false> : tensor<i1>
  %0 = kiln.if %t, %x : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
  ^bb0(%a: tensor<4xf32>):
    %n = kiln.neg %a : tensor<4xf32>
    kiln.yield %n : tensor<4xf32>
  } else {
  ^bb0(%a: tensor<4xf32>):
    kiln.yield %a : tensor<4xf32>
  }
  %1 = kiln.if %f : (tensor<i1>) -> tensor<4xf32> then {
    kiln.yield %x : tensor<4xf32>
  } else {
    %e = kiln.exp %x : tensor<4xf32>
    kiln.yield %e : tensor<4xf32>
  }
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Results both branches yield from the same value are that value; unused
// results and values passed in that no branch uses are dropped.
// CHECK-LABEL: func.func @if_simplify
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[X:.*]]: tensor<4xf32>, %[[Y:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[R:.*]] = kiln.if %[[C]], %[[X]] : (tensor<i1>, tensor<4xf32>) -> tensor<4xf32> then {
// CHECK-NEXT: ^bb0(%[[A:.*]]: tensor<4xf32>):
// CHECK-NEXT:   %[[N:.*]] = kiln.neg %[[A]]
// CHECK-NEXT:   kiln.yield %[[N]] : tensor<4xf32>
// CHECK-NEXT: } else {
// CHECK-NEXT: ^bb0(%[[B:.*]]: tensor<4xf32>):
// CHECK-NEXT:   kiln.yield %[[B]] : tensor<4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: return %[[R]], %[[Y]], %[[X]]
func.func @if_simplify(%c: tensor<i1>, %x: tensor<4xf32>, %y: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %r:4 = kiln.if %c, %x, %y : (tensor<i1>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) then {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>):
    %n = kiln.neg %a : tensor<4xf32>
    %e = kiln.exp %a : tensor<4xf32>
    kiln.yield %n, %y, %a, %e : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  } else {
  ^bb0(%a: tensor<4xf32>, %b: tensor<4xf32>):
    kiln.yield %a, %y, %a, %a : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
  }
  return %r#0, %r#1, %r#2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
