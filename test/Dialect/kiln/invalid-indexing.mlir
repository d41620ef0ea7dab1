// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @gather_elements_rank(%x: tensor<4x5xf32>, %i: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{indices must have the rank of x (2), got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i : (tensor<4x5xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_elements_axis(%x: tensor<4x5xf32>, %i: tensor<4x5xi64>) -> tensor<4x5xf32> {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = -3} : (tensor<4x5xf32>, tensor<4x5xi64>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @gather_elements_too_large(%x: tensor<4x5xf32>, %i: tensor<5x9xi32>) -> tensor<5x9xf32> {
  // expected-error @+2 {{indices dimension 0 (5) exceeds that of x (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_elements %x, %i {axis = 1} : (tensor<4x5xf32>, tensor<5x9xi32>) -> tensor<5x9xf32>
  return %0 : tensor<5x9xf32>
}

// -----

func.func @gather_elements_float_indices(%x: tensor<4xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = kiln.gather_elements %x, %i : (tensor<4xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @scatter_elements_updates_shape(%d: tensor<4x5xf32>, %i: tensor<4x2xi64>, %u: tensor<4x3xf32>) -> tensor<4x5xf32> {
  // expected-error @+2 {{updates [4, 3] must have the shape of indices [4, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_elements %d, %i, %u {axis = 1} : (tensor<4x5xf32>, tensor<4x2xi64>, tensor<4x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @scatter_elements_reduction(%d: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{unknown reduction 'sum' (expected none, add, mul, max or min)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_elements %d, %i, %u {reduction = "sum"} : (tensor<4xf32>, tensor<2xi64>, tensor<2xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @scatter_elements_dtype(%d: tensor<4xf32>, %i: tensor<2xi64>, %u: tensor<2xi32>) -> tensor<4xf32> {
  // expected-error @+1 {{all of {data, updates, result} have same element type}}
  %0 = kiln.scatter_elements %d, %i, %u : (tensor<4xf32>, tensor<2xi64>, tensor<2xi32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gather_nd_dynamic_tuple(%d: tensor<4x5xf32>, %i: tensor<3x?xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{the last dimension of indices (the index tuples' length) must be static}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_nd %d, %i : (tensor<4x5xf32>, tensor<3x?xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_tuple_too_long(%d: tensor<4x5xf32>, %i: tensor<3x3xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{index tuples of length 3 must have 1 to rank(data) - batch_dims = 2 entries}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_nd %d, %i : (tensor<4x5xf32>, tensor<3x3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_batch_dims(%d: tensor<4x5xf32>, %i: tensor<3x1xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{batch_dims 2 must be in [0, rank(indices) - 1] = [0, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_nd %d, %i {batch_dims = 2} : (tensor<4x5xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @gather_nd_batch_mismatch(%d: tensor<4x5xf32>, %i: tensor<3x1xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{batch dimension 0 of indices (3) differs from data's (4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather_nd %d, %i {batch_dims = 1} : (tensor<4x5xf32>, tensor<3x1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @scatter_nd_updates_shape(%d: tensor<4x5xf32>, %i: tensor<3x1xi64>, %u: tensor<3x4xf32>) -> tensor<4x5xf32> {
  // expected-error @+2 {{updates [3, 4] must have the shape indices.shape[:-1] + data.shape[k:] = [3, 5]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_nd %d, %i, %u : (tensor<4x5xf32>, tensor<3x1xi64>, tensor<3x4xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @scatter_nd_empty_tuple(%d: tensor<4x5xf32>, %i: tensor<3x0xi64>, %u: tensor<3x4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+2 {{index tuples of length 0 must have 1 to rank(data) = 2 entries}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.scatter_nd %d, %i, %u : (tensor<4x5xf32>, tensor<3x0xi64>, tensor<3x4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @cumsum_axis(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = kiln.cumsum %x {axis = 2} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

func.func @cumsum_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = kiln.cumsum %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @topk_k_too_large(%x: tensor<4x5xf32>) -> (tensor<4x6xf32>, tensor<4x6xi64>) {
  // expected-error @+2 {{k = 6 exceeds the size of axis 1 (5)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = kiln.topk %x {k = 6} : (tensor<4x5xf32>) -> (tensor<4x6xf32>, tensor<4x6xi64>)
  return %0#0, %0#1 : tensor<4x6xf32>, tensor<4x6xi64>
}

// -----

func.func @topk_negative_k(%x: tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<4x5xi64>) {
  // expected-error @+2 {{k must not be negative, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = kiln.topk %x {k = -1} : (tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<4x5xi64>)
  return %0#0, %0#1 : tensor<4x5xf32>, tensor<4x5xi64>
}

// -----

func.func @topk_result_type(%x: tensor<4x5xf32>) -> (tensor<4x2xf32>, tensor<4x3xi64>) {
  // expected-error @+2 {{'kiln.topk' op inferred type(s) 'tensor<4x2xf32>', 'tensor<4x2xi64>' are incompatible with return type(s) of operation 'tensor<4x2xf32>', 'tensor<4x3xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = kiln.topk %x {k = 2} : (tensor<4x5xf32>) -> (tensor<4x2xf32>, tensor<4x3xi64>)
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x3xi64>
}
