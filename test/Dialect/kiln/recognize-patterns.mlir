// RUN: kiln-opt %s -split-input-file -kiln-recognize-patterns | FileCheck %s

// Layer norm as PyTorch writes it: x - mean, (d * d) averaged, div by
// sqrt(var + eps), then * gamma + beta (not constants).
// CHECK-LABEL: func.func @ln_div_affine
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[G:.*]]: tensor<16xf32>, %[[B:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[Y:.*]] = kiln.layer_norm %[[X]], %[[G]], %[[B]] : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @ln_div_affine(%x: tensor<2x8x16xf32>, %gamma: tensor<16xf32>, %beta: tensor<16xf32>) -> tensor<2x8x16xf32> {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %d = kiln.sub %x, %m : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %s = kiln.mul %d, %d : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<2x8x16xf32>) -> tensor<2x8x1xf32>
  %e = kiln.add %v, %eps : (tensor<2x8x1xf32>, tensor<f32>) -> tensor<2x8x1xf32>
  %r = kiln.sqrt %e : tensor<2x8x1xf32>
  %n = kiln.div %d, %r : (tensor<2x8x16xf32>, tensor<2x8x1xf32>) -> tensor<2x8x16xf32>
  %g = kiln.mul %n, %gamma : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %y = kiln.add %g, %beta : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return %y : tensor<2x8x16xf32>
}

// -----

// pow(d, 2), eps + var (commuted), rsqrt; no gamma/beta: scale 1, bias 0.
// Symbolic leading dimension.
// CHECK-LABEL: func.func @ln_pow_rsqrt
// CHECK-DAG: %[[ONE:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG: %[[ZERO:.*]] = kiln.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[Y:.*]] = kiln.layer_norm %arg0, %[[ONE]], %[[ZERO]] {epsilon = 1.000000e-03 : f64} : (tensor<?x16xf32>, tensor<f32>, tensor<f32>) -> tensor<?x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @ln_pow_rsqrt(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %eps = kiln.constant dense<1.0e-3> : tensor<1xf32>
  %two = kiln.constant dense<2.0> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: 1>} : (tensor<?x16xf32>) -> tensor<?x1xf32>
  %d = kiln.sub %x, %m : (tensor<?x16xf32>, tensor<?x1xf32>) -> tensor<?x16xf32>
  %s = kiln.pow %d, %two : (tensor<?x16xf32>, tensor<f32>) -> tensor<?x16xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<?x16xf32>) -> tensor<?x1xf32>
  %e = kiln.add %eps, %v : (tensor<1xf32>, tensor<?x1xf32>) -> tensor<?x1xf32>
  %r = kiln.rsqrt %e : tensor<?x1xf32>
  %y = kiln.mul %r, %d : (tensor<?x1xf32>, tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Two trailing axes, reciprocal(sqrt(...)), gamma * n and beta + g (operands
// commuted), gamma with a leading 1 (squeezed to the normalized dims).
// CHECK-LABEL: func.func @ln_two_axes
// CHECK-SAME: (%[[X:.*]]: tensor<3x4x5xf32>, %[[G:.*]]: tensor<1x4x5xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: %[[SG:.*]] = kiln.squeeze %[[G]] {axes = array<i64: 0>} : (tensor<1x4x5xf32>) -> tensor<4x5xf32>
// CHECK-NEXT: %[[Y:.*]] = kiln.layer_norm %[[X]], %[[SG]], %[[B]] {axis = -2 : i64, epsilon = 9.9999999999999995E-7 : f64} : (tensor<3x4x5xf32>, tensor<4x5xf32>, tensor<5xf32>) -> tensor<3x4x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @ln_two_axes(%x: tensor<3x4x5xf32>, %gamma: tensor<1x4x5xf32>, %beta: tensor<5xf32>) -> tensor<3x4x5xf32> {
  %eps = kiln.constant dense<1.0e-6> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: 1, 2>} : (tensor<3x4x5xf32>) -> tensor<3x1x1xf32>
  %d = kiln.sub %x, %m : (tensor<3x4x5xf32>, tensor<3x1x1xf32>) -> tensor<3x4x5xf32>
  %s = kiln.mul %d, %d : (tensor<3x4x5xf32>, tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -2, -1>} : (tensor<3x4x5xf32>) -> tensor<3x1x1xf32>
  %e = kiln.add %v, %eps : (tensor<3x1x1xf32>, tensor<f32>) -> tensor<3x1x1xf32>
  %q = kiln.sqrt %e : tensor<3x1x1xf32>
  %r = kiln.reciprocal %q : tensor<3x1x1xf32>
  %n = kiln.mul %d, %r : (tensor<3x4x5xf32>, tensor<3x1x1xf32>) -> tensor<3x4x5xf32>
  %g = kiln.mul %gamma, %n : (tensor<1x4x5xf32>, tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  %y = kiln.add %beta, %g : (tensor<5xf32>, tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// x - mean written twice (as an exporter without CSE does): both copies are
// part of the match. Only beta: scale stays 1.
// CHECK-LABEL: func.func @ln_copies
// CHECK: %[[ONE:.*]] = kiln.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[Y:.*]] = kiln.layer_norm %arg0, %[[ONE]], %arg1
// CHECK-NOT: kiln.reduce_mean
// CHECK: return %[[Y]]
func.func @ln_copies(%x: tensor<4x6xf32>, %beta: tensor<6xf32>) -> tensor<4x6xf32> {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %d = kiln.sub %x, %m : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %m2 = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %d2 = kiln.sub %x, %m2 : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %s = kiln.mul %d2, %d2 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %e = kiln.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = kiln.sqrt %e : tensor<4x1xf32>
  %n = kiln.div %d, %r : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %y = kiln.add %n, %beta : (tensor<4x6xf32>, tensor<6xf32>) -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

// A gamma varying along a dimension that is not normalized stays a mul (the
// core is still a layer norm).
// CHECK-LABEL: func.func @ln_gamma_per_row
// CHECK: %[[LN:.*]] = kiln.layer_norm %arg0
// CHECK-NEXT: %[[Y:.*]] = kiln.mul %[[LN]], %arg1
// CHECK-NEXT: return %[[Y]]
func.func @ln_gamma_per_row(%x: tensor<4x6xf32>, %gamma: tensor<4x1xf32>) -> tensor<4x6xf32> {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %d = kiln.sub %x, %m : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %s = kiln.mul %d, %d : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %e = kiln.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = kiln.sqrt %e : tensor<4x1xf32>
  %n = kiln.div %d, %r : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %y = kiln.mul %n, %gamma : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

// -----

// Not layer norms: the variance also returned (an intermediate used
// elsewhere), the variance over another axis than the mean, a reduction over
// a leading axis, eps not a constant.
// CHECK-LABEL: func.func @ln_extra_use
// CHECK-NOT: kiln.layer_norm
// CHECK: kiln.div
func.func @ln_extra_use(%x: tensor<4x6xf32>) -> (tensor<4x6xf32>, tensor<4x1xf32>) {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %d = kiln.sub %x, %m : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %s = kiln.mul %d, %d : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %e = kiln.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = kiln.sqrt %e : tensor<4x1xf32>
  %n = kiln.div %d, %r : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  return %n, %v : tensor<4x6xf32>, tensor<4x1xf32>
}

// CHECK-LABEL: func.func @ln_axis_mismatch
// CHECK-NOT: kiln.layer_norm
// CHECK: kiln.div
func.func @ln_axis_mismatch(%x: tensor<3x4x5xf32>) -> tensor<3x4x5xf32> {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<3x4x5xf32>) -> tensor<3x4x1xf32>
  %d = kiln.sub %x, %m : (tensor<3x4x5xf32>, tensor<3x4x1xf32>) -> tensor<3x4x5xf32>
  %s = kiln.mul %d, %d : (tensor<3x4x5xf32>, tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -2>} : (tensor<3x4x5xf32>) -> tensor<3x1x5xf32>
  %e = kiln.add %v, %eps : (tensor<3x1x5xf32>, tensor<f32>) -> tensor<3x1x5xf32>
  %r = kiln.sqrt %e : tensor<3x1x5xf32>
  %n = kiln.div %d, %r : (tensor<3x4x5xf32>, tensor<3x1x5xf32>) -> tensor<3x4x5xf32>
  return %n : tensor<3x4x5xf32>
}

// CHECK-LABEL: func.func @ln_leading_axis
// CHECK-NOT: kiln.layer_norm
// CHECK: kiln.div
func.func @ln_leading_axis(%x: tensor<3x4x5xf32>) -> tensor<3x4x5xf32> {
  %eps = kiln.constant dense<1.0e-5> : tensor<f32>
  %m = kiln.reduce_mean %x {axes = array<i64: 1>} : (tensor<3x4x5xf32>) -> tensor<3x1x5xf32>
  %d = kiln.sub %x, %m : (tensor<3x4x5xf32>, tensor<3x1x5xf32>) -> tensor<3x4x5xf32>
  %s = kiln.mul %d, %d : (tensor<3x4x5xf32>, tensor<3x4x5xf32>) -> tensor<3x4x5xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: 1>} : (tensor<3x4x5xf32>) -> tensor<3x1x5xf32>
  %e = kiln.add %v, %eps : (tensor<3x1x5xf32>, tensor<f32>) -> tensor<3x1x5xf32>
  %r = kiln.sqrt %e : tensor<3x1x5xf32>
  %n = kiln.div %d, %r : (tensor<3x4x5xf32>, tensor<3x1x5xf32>) -> tensor<3x4x5xf32>
  return %n : tensor<3x4x5xf32>
}

// CHECK-LABEL: func.func @ln_eps_input
// CHECK-NOT: kiln.layer_norm
// CHECK: kiln.div
func.func @ln_eps_input(%x: tensor<4x6xf32>, %eps: tensor<f32>) -> tensor<4x6xf32> {
  %m = kiln.reduce_mean %x {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %d = kiln.sub %x, %m : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  %s = kiln.mul %d, %d : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %v = kiln.reduce_mean %s {axes = array<i64: -1>} : (tensor<4x6xf32>) -> tensor<4x1xf32>
  %e = kiln.add %v, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %r = kiln.sqrt %e : tensor<4x1xf32>
  %n = kiln.div %d, %r : (tensor<4x6xf32>, tensor<4x1xf32>) -> tensor<4x6xf32>
  return %n : tensor<4x6xf32>
}

// -----

// Softmax, max-subtracted, over the last axis.
// CHECK-LABEL: func.func @softmax_max
// CHECK-NEXT: %[[Y:.*]] = kiln.softmax %arg0 : tensor<?x10xf32>
// CHECK-NEXT: return %[[Y]]
func.func @softmax_max(%x: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %m = kiln.reduce_max %x {axes = array<i64: -1>} : (tensor<?x10xf32>) -> tensor<?x1xf32>
  %t = kiln.sub %x, %m : (tensor<?x10xf32>, tensor<?x1xf32>) -> tensor<?x10xf32>
  %e = kiln.exp %t : tensor<?x10xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: 1>} : (tensor<?x10xf32>) -> tensor<?x1xf32>
  %y = kiln.div %e, %s : (tensor<?x10xf32>, tensor<?x1xf32>) -> tensor<?x10xf32>
  return %y : tensor<?x10xf32>
}

// -----

// exp(x) / sum(exp(x)) over axis 0 (shift invariance: the same softmax), the
// exp written twice.
// CHECK-LABEL: func.func @softmax_plain
// CHECK-NEXT: %[[Y:.*]] = kiln.softmax %arg0 {axis = -3 : i64} : tensor<3x4x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @softmax_plain(%x: tensor<3x4x5xf32>) -> tensor<3x4x5xf32> {
  %e = kiln.exp %x : tensor<3x4x5xf32>
  %e2 = kiln.exp %x : tensor<3x4x5xf32>
  %s = kiln.reduce_sum %e2 {axes = array<i64: 0>} : (tensor<3x4x5xf32>) -> tensor<1x4x5xf32>
  %y = kiln.div %e, %s : (tensor<3x4x5xf32>, tensor<1x4x5xf32>) -> tensor<3x4x5xf32>
  return %y : tensor<3x4x5xf32>
}

// -----

// e * reciprocal(sum(e)), the product commuted.
// CHECK-LABEL: func.func @softmax_reciprocal
// CHECK-NEXT: %[[Y:.*]] = kiln.softmax %arg0 {axis = -2 : i64} : tensor<4x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @softmax_reciprocal(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %m = kiln.reduce_max %x {axes = array<i64: 0>} : (tensor<4x5xf32>) -> tensor<1x5xf32>
  %t = kiln.sub %x, %m : (tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  %e = kiln.exp %t : tensor<4x5xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: -2>} : (tensor<4x5xf32>) -> tensor<1x5xf32>
  %r = kiln.reciprocal %s : tensor<1x5xf32>
  %y = kiln.mul %r, %e : (tensor<1x5xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// The maximum taken over another axis than the sum: x - max is still
// shifted per column, so the result is the softmax of x - max (still exact).
// CHECK-LABEL: func.func @softmax_other_max
// CHECK: %[[M:.*]] = kiln.reduce_max %arg0 {axes = array<i64: 0>}
// CHECK-NEXT: %[[T:.*]] = kiln.sub %arg0, %[[M]]
// CHECK-NEXT: %[[Y:.*]] = kiln.softmax %[[T]] : tensor<4x5xf32>
// CHECK-NEXT: return %[[Y]]
func.func @softmax_other_max(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  %m = kiln.reduce_max %x {axes = array<i64: 0>} : (tensor<4x5xf32>) -> tensor<1x5xf32>
  %t = kiln.sub %x, %m : (tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  %e = kiln.exp %t : tensor<4x5xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: 1>} : (tensor<4x5xf32>) -> tensor<4x1xf32>
  %y = kiln.div %e, %s : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// Not softmaxes: exp also returned, a sum without keepdims (it broadcasts
// along the wrong axis), a sum over two axes.
// CHECK-LABEL: func.func @softmax_extra_use
// CHECK-NOT: kiln.softmax
// CHECK: kiln.div
func.func @softmax_extra_use(%x: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<4x5xf32>) {
  %e = kiln.exp %x : tensor<4x5xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: 1>} : (tensor<4x5xf32>) -> tensor<4x1xf32>
  %y = kiln.div %e, %s : (tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  return %y, %e : tensor<4x5xf32>, tensor<4x5xf32>
}

// CHECK-LABEL: func.func @softmax_no_keepdims
// CHECK-NOT: kiln.softmax
// CHECK: kiln.div
func.func @softmax_no_keepdims(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = kiln.exp %x : tensor<4x4xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: 1>, keepdims = false} : (tensor<4x4xf32>) -> tensor<4xf32>
  %y = kiln.div %e, %s : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// CHECK-LABEL: func.func @softmax_two_axes
// CHECK-NOT: kiln.softmax
// CHECK: kiln.div
func.func @softmax_two_axes(%x: tensor<2x4x4xf32>) -> tensor<2x4x4xf32> {
  %e = kiln.exp %x : tensor<2x4x4xf32>
  %s = kiln.reduce_sum %e {axes = array<i64: 1, 2>} : (tensor<2x4x4xf32>) -> tensor<2x1x1xf32>
  %y = kiln.div %e, %s : (tensor<2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<2x4x4xf32>
  return %y : tensor<2x4x4xf32>
}

// -----

// GELU, erf form, as PyTorch writes it: (0.5 * x) * (1 + erf(x / sqrt(2))).
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT: %[[Y:.*]] = kiln.gelu %arg0 : tensor<?x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %a = kiln.div %x, %sqrt2 : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  %b = kiln.erf %a : tensor<?x8xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = kiln.mul %h, %c : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// x * 0.5 * (1 + erf(x * 0.7071...)), operands commuted; the constants are
// splat tensors of rank 1.
// CHECK-LABEL: func.func @gelu_erf_mul
// CHECK-NEXT: %[[Y:.*]] = kiln.gelu %arg0 : tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_erf_mul(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = kiln.constant dense<0.5> : tensor<1xf32>
  %one = kiln.constant dense<1.0> : tensor<8xf32>
  %c = kiln.constant dense<0.707106769> : tensor<f32>
  %a = kiln.mul %c, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = kiln.erf %a : tensor<4x8xf32>
  %p = kiln.add %b, %one : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %h = kiln.mul %x, %half : (tensor<4x8xf32>, tensor<1xf32>) -> tensor<4x8xf32>
  %y = kiln.mul %p, %h : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// (x * (1 + erf(x / 1.41421))) * 0.5, and x * (1 + erf(...)) / 2 with
// sqrt(2) computed from a constant; x is itself an arithmetic result.
// CHECK-LABEL: func.func @gelu_erf_tail
// CHECK: %[[X:.*]] = kiln.add %arg0, %arg1
// CHECK-NEXT: %[[Y:.*]] = kiln.gelu %[[X]] : tensor<6xf32>
// CHECK-NEXT: %[[Z:.*]] = kiln.gelu %arg0 : tensor<6xf32>
// CHECK-NEXT: return %[[Y]], %[[Z]]
func.func @gelu_erf_tail(%x0: tensor<6xf32>, %x1: tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %two = kiln.constant dense<2.0> : tensor<f32>
  %r2 = kiln.constant dense<1.41421> : tensor<f32>
  %x = kiln.add %x0, %x1 : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  %a = kiln.div %x, %r2 : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
  %b = kiln.erf %a : tensor<6xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<6xf32>) -> tensor<6xf32>
  %d = kiln.mul %x, %c : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  %y = kiln.mul %d, %half : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
  %s2 = kiln.sqrt %two : tensor<f32>
  %a2 = kiln.div %x0, %s2 : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
  %b2 = kiln.erf %a2 : tensor<6xf32>
  %c2 = kiln.add %b2, %one : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
  %d2 = kiln.mul %c2, %x0 : (tensor<6xf32>, tensor<6xf32>) -> tensor<6xf32>
  %z = kiln.div %d2, %two : (tensor<6xf32>, tensor<f32>) -> tensor<6xf32>
  return %y, %z : tensor<6xf32>, tensor<6xf32>
}

// -----

// Not GELUs: 0.6 instead of 0.5, the erf also returned, x / sqrt(2) taken of
// another value than the one multiplied, and a broadcast hidden in the chain.
// CHECK-LABEL: func.func @gelu_wrong_half
// CHECK-NOT: kiln.gelu
// CHECK: kiln.erf
func.func @gelu_wrong_half(%x: tensor<8xf32>) -> tensor<8xf32> {
  %half = kiln.constant dense<0.6> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %a = kiln.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = kiln.erf %a : tensor<8xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = kiln.mul %h, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// CHECK-LABEL: func.func @gelu_extra_use
// CHECK-NOT: kiln.gelu
// CHECK: kiln.erf
func.func @gelu_extra_use(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %a = kiln.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = kiln.erf %a : tensor<8xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = kiln.mul %h, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y, %b : tensor<8xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @gelu_two_inputs
// CHECK-NOT: kiln.gelu
// CHECK: kiln.erf
func.func @gelu_two_inputs(%x: tensor<8xf32>, %z: tensor<8xf32>) -> tensor<8xf32> {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %a = kiln.div %z, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = kiln.erf %a : tensor<8xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = kiln.mul %h, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// CHECK-LABEL: func.func @gelu_broadcast
// CHECK-NOT: kiln.gelu
// CHECK: kiln.erf
func.func @gelu_broadcast(%x: tensor<8xf32>) -> tensor<2x8xf32> {
  %half = kiln.constant dense<0.5> : tensor<2x1xf32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %sqrt2 = kiln.constant dense<1.41421354> : tensor<f32>
  %a = kiln.div %x, %sqrt2 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = kiln.erf %a : tensor<8xf32>
  %c = kiln.add %one, %b : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %h = kiln.mul %half, %x : (tensor<2x1xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  %y = kiln.mul %h, %c : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// GELU, tanh form: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * pow(x, 3)))).
// CHECK-LABEL: func.func @gelu_tanh_pow
// CHECK-NEXT: %[[Y:.*]] = kiln.gelu %arg0 {approximate = "tanh"} : tensor<2x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @gelu_tanh_pow(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %three = kiln.constant dense<3.0> : tensor<f32>
  %k = kiln.constant dense<0.044715> : tensor<f32>
  %s = kiln.constant dense<0.797884583> : tensor<f32>
  %p = kiln.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %q = kiln.mul %k, %p : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = kiln.add %x, %q : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %u = kiln.mul %s, %r : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t = kiln.tanh %u : tensor<2x8xf32>
  %v = kiln.add %one, %t : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = kiln.mul %h, %v : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// x^3 as products and the inner sum distributed (TF); and the "fast" form
// x * 0.7978845608 * (1 + 0.044715 * x * x).
// CHECK-LABEL: func.func @gelu_tanh_products
// CHECK-NEXT: %[[Y:.*]] = kiln.gelu %arg0 {approximate = "tanh"} : tensor<8xf32>
// CHECK-NEXT: %[[Z:.*]] = kiln.gelu %arg1 {approximate = "tanh"} : tensor<8xf32>
// CHECK-NEXT: return %[[Y]], %[[Z]]
func.func @gelu_tanh_products(%x: tensor<8xf32>, %w: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %c1 = kiln.constant dense<0.797884583> : tensor<f32>
  %c3 = kiln.constant dense<0.0356774069> : tensor<f32>
  %k = kiln.constant dense<0.044715> : tensor<f32>
  %xx = kiln.mul %x, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %xxx = kiln.mul %x, %xx : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %a = kiln.mul %x, %c1 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b = kiln.mul %xxx, %c3 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %u = kiln.add %a, %b : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t = kiln.tanh %u : tensor<8xf32>
  %v = kiln.add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %h = kiln.mul %x, %v : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = kiln.mul %half, %h : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %w1 = kiln.mul %w, %c1 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %w2 = kiln.mul %k, %w : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %w3 = kiln.mul %w2, %w : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %w4 = kiln.add %one, %w3 : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %w5 = kiln.mul %w1, %w4 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %wt = kiln.tanh %w5 : tensor<8xf32>
  %w6 = kiln.add %wt, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %w7 = kiln.mul %w, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %z = kiln.mul %w7, %w6 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y, %z : tensor<8xf32>, tensor<8xf32>
}

// -----

// Not a tanh GELU: 0.04 instead of 0.044715.
// CHECK-LABEL: func.func @gelu_tanh_wrong
// CHECK-NOT: kiln.gelu
// CHECK: kiln.tanh
func.func @gelu_tanh_wrong(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %half = kiln.constant dense<0.5> : tensor<f32>
  %one = kiln.constant dense<1.0> : tensor<f32>
  %three = kiln.constant dense<3.0> : tensor<f32>
  %k = kiln.constant dense<0.04> : tensor<f32>
  %s = kiln.constant dense<0.797884583> : tensor<f32>
  %p = kiln.pow %x, %three : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %q = kiln.mul %k, %p : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %r = kiln.add %x, %q : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %u = kiln.mul %s, %r : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %t = kiln.tanh %u : tensor<2x8xf32>
  %v = kiln.add %one, %t : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = kiln.mul %half, %x : (tensor<f32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = kiln.mul %h, %v : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
