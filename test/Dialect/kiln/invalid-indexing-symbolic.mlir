// RUN: kiln-opt %s -split-input-file -kiln-infer-symbolic-dims -verify-diagnostics

// Index tensors must provably fit the data they address: a dimension of
// another symbol (or a static one against a symbol) could be larger at run
// time.

func.func @gather_elements_other_symbol(%x: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?x2xi64> {kiln.dims = ["M", 2]}) -> tensor<?x2xf32> {
  // expected-error @+1 {{indices dimension 0 (M) is not provably at most that of x (N)}}
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<?x5xf32>, tensor<?x2xi64>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

func.func @scatter_elements_static_vs_symbol(%d: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<2x2xi64>, %u: tensor<2x2xf32>) -> tensor<?x5xf32> {
  // expected-error @+1 {{indices dimension 0 (2) is not provably at most that of data (N)}}
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1} : (tensor<?x5xf32>, tensor<2x2xi64>, tensor<2x2xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

func.func @scatter_elements_updates(%d: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?x2xi64> {kiln.dims = ["N", 2]}, %u: tensor<?x2xf32> {kiln.dims = ["M", 2]}) -> tensor<?x5xf32> {
  // expected-error @+1 {{updates has shape [M, 2], expected [N, 2]}}
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1} : (tensor<?x5xf32>, tensor<?x2xi64>, tensor<?x2xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

func.func @gather_nd_batch(%d: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?x1xi64> {kiln.dims = ["M", 1]}) -> tensor<?xf32> {
  // expected-error @+1 {{the batch of indices has shape [M], expected [N]}}
  %0 = kiln.gather_nd %d, %i {batch_dims = 1} : (tensor<?x5xf32>, tensor<?x1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @scatter_nd_updates(%d: tensor<?x5xf32> {kiln.dims = ["N", 5]}, %i: tensor<?x1xi64> {kiln.dims = ["K", 1]}, %u: tensor<?x5xf32> {kiln.dims = ["N", 5]}) -> tensor<?x5xf32> {
  // expected-error @+1 {{updates has shape [N, 5], expected [K, 5]}}
  %0 = kiln.scatter_nd %d, %i, %u : (tensor<?x5xf32>, tensor<?x1xi64>, tensor<?x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}
