// RUN: kiln-opt %s -split-input-file -kiln-infer-symbolic-dims -verify-diagnostics

// Symbolic dimensions are products of input symbols: shape rules whose
// result would be a sum or a floor are rejected with a clear error.

func.func @concat_symbolic_sum(%a: tensor<?x3xf32> {kiln.dims = ["N", 3]}, %b: tensor<2x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+1 {{the concatenated dimension is the sum N + 2; symbolic dimensions can only be products of input symbols}}
  %0 = kiln.concat %a, %b {axis = 0} : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

func.func @split_symbolic(%x: tensor<?x3xf32> {kiln.dims = ["N", 3]}) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  // expected-error @+1 {{dimension N does not provably split into 2 equal parts}}
  %0:2 = kiln.split %x {num_outputs = 2} : (tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>)
  return %0#0, %0#1 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

func.func @slice_symbolic(%x: tensor<?xf32> {kiln.dims = ["N"]}) -> tensor<?xf32> {
  // expected-error @+1 {{slicing dimension 0 of size N from 1 to 9223372036854775807 by 1 gives a size that depends on N}}
  %0 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 9223372036854775807>} : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @pad_symbolic(%x: tensor<?xf32> {kiln.dims = ["N"]}) -> tensor<?xf32> {
  // expected-error @+1 {{padding dimension 0 of size N by 2 gives a sum}}
  %0 = kiln.pad %x {pads = array<i64: 1, 1>} : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @resize_symbolic_fraction(%x: tensor<?xf32> {kiln.dims = ["N"]}) -> tensor<?xf32> {
  // expected-error @+1 {{scaling dimension 0 of size N by 1.500000 needs a floor}}
  %0 = kiln.resize %x {scales = array<f64: 1.5>} : (tensor<?xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
