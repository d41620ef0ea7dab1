// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @conv_channel_mismatch(%x: tensor<1x4x8x8xf32>, %w: tensor<2x3x3x3xf32>) {
  // expected-error @+2 {{channel mismatch: x has 4 channels, w [2, 3, 3, 3] expects 3 x 1 groups}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x4x8x8xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_groups_not_dividing(%x: tensor<1x4x8x8xf32>, %w: tensor<3x1x3x3xf32>) {
  // expected-error @+2 {{groups (3) does not divide the 4 input channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {groups = 3 : i64} : (tensor<1x4x8x8xf32>, tensor<3x1x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @conv_groups_output(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+2 {{groups (2) does not divide the 3 output channels}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @conv_groups_zero(%x: tensor<1x4x8x8xf32>, %w: tensor<3x4x3x3xf32>) {
  // expected-error @+2 {{'groups' must be >= 1, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {groups = 0 : i64} : (tensor<1x4x8x8xf32>, tensor<3x4x3x3xf32>) -> tensor<1x3x6x6xf32>
  return
}

// -----

func.func @conv_kernel_rank(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3xf32>) {
  // expected-error @+2 {{kernel rank mismatch: w [2, 4, 3] must have the rank of x [1, 4, 8, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x4x8x8xf32>, tensor<2x4x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_bad_auto_pad(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'auto_pad' must be one of "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"; got "SAME"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {auto_pad = "SAME"} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @conv_pads_with_auto_pad(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'pads' cannot be combined with auto_pad "VALID"}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {auto_pad = "VALID", pads = array<i64: 0, 0, 0, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_pads_length(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'pads' must have 4 entries, got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @conv_negative_pads(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'pads' entries must be >= 0, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {pads = array<i64: 1, -1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x8x8xf32>
  return
}

// -----

func.func @conv_negative_strides(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'strides' entries must be >= 1, got -1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: -1, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_strides_length(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'strides' must have 2 entries, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {strides = array<i64: 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_zero_dilation(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{'dilations' entries must be >= 1, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {dilations = array<i64: 0, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_window_too_big(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x5x5xf32>) {
  // expected-error @+2 {{the window (9 with dilation) is larger than the padded input (8) in spatial dimension 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w {dilations = array<i64: 2, 1>} : (tensor<1x4x8x8xf32>, tensor<2x4x5x5xf32>) -> tensor<1x2x1x4xf32>
  return
}

// -----

func.func @conv_bias_shape(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{bias must be [2], got [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w, %b : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>, tensor<3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_bias_dtype(%x: tensor<1x4x8x8xf32>, %w: tensor<2x4x3x3xf32>, %b: tensor<2xf64>) {
  // expected-error @+2 {{bias must have the element type of x}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w, %b : (tensor<1x4x8x8xf32>, tensor<2x4x3x3xf32>, tensor<2xf64>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_rank2(%x: tensor<4x8xf32>, %w: tensor<2x4xf32>) {
  // expected-error @+2 {{x must be [N, C, D...] with 1 to 3 spatial dimensions, got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<4x8xf32>, tensor<2x4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @conv_dynamic_spatial(%x: tensor<1x4x?x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{spatial dimensions of x must be static, got [1, 4, ?, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x4x?x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x?x6xf32>
  return
}

// -----

func.func @conv_dynamic_channels(%x: tensor<1x?x8x8xf32>, %w: tensor<2x4x3x3xf32>) {
  // expected-error @+2 {{the channel dimensions of x must be static, got [1, ?, 8, 8]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv %x, %w : (tensor<1x?x8x8xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x6x6xf32>
  return
}

// -----

func.func @conv_transpose_channels(%x: tensor<1x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+2 {{channel mismatch: x has 4 channels, w [3, 2, 3, 3] has 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv_transpose %x, %w : (tensor<1x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x2x10x10xf32>
  return
}

// -----

func.func @conv_transpose_output_padding(%x: tensor<1x4x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{'output_padding' entry 0 (2) must be smaller than the stride or the dilation}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv_transpose %x, %w {strides = array<i64: 2, 2>, output_padding = array<i64: 2, 0>} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x19x17xf32>
  return
}

// -----

func.func @conv_transpose_no_output(%x: tensor<1x1x1xf32>, %w: tensor<1x1x1xf32>) {
  // expected-error @+2 {{pads 1 + 0 leave no output in spatial dimension 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.conv_transpose %x, %w {pads = array<i64: 1, 0>} : (tensor<1x1x1xf32>, tensor<1x1x1xf32>) -> tensor<1x1x1xf32>
  return
}

// -----

func.func @max_pool_kernel_rank(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{kernel rank mismatch: 'kernel' has 1 entries, x [1, 4, 8, 8] has 2 spatial dimensions}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel = array<i64: 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @max_pool_kernel_zero(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{'kernel' entries must be >= 1, got 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel = array<i64: 2, 0>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @avg_pool_pads_length(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{'pads' must have 4 entries, got 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.avg_pool %x {kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @max_pool_negative_stride(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{'strides' entries must be >= 1, got -2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, -2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  return
}

// -----

func.func @max_pool_window_too_big(%x: tensor<1x4x8x8xf32>) {
  // expected-error @+2 {{the window (9 with dilation) is larger than the padded input (8) in spatial dimension 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.max_pool %x {kernel = array<i64: 9, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x7xf32>
  return
}

// -----

func.func @avg_pool_integer(%x: tensor<1x2x4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = kiln.avg_pool %x {kernel = array<i64: 2>} : (tensor<1x2x4xi32>) -> tensor<1x2x3xi32>
  return
}

// -----

func.func @global_pool_rank(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{x must be [N, C, D...] with at least one spatial dimension, got rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.global_avg_pool %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @argmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.argmax %x {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return
}

// -----

func.func @argmin_axis_negative(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.argmin %x {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<1x3xi64>
  return
}

// -----

func.func @argmax_empty(%x: tensor<2x0xf32>) {
  // expected-error @+2 {{the reduced axis 1 is empty: there is no index to return}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.argmax %x {axis = 1 : i64} : (tensor<2x0xf32>) -> tensor<2x1xi64>
  return
}

// -----

func.func @argmax_result_dtype(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 64-bit signless integer values}}
  %0 = kiln.argmax %x : (tensor<2x3xf32>) -> tensor<1x3xi32>
  return
}

// -----

func.func @reduce_min_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 5 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce_min %x {axes = array<i64: 5>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_prod_repeated(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis -1 is repeated}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce_prod %x {axes = array<i64: 1, -1>} : (tensor<2x3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'kiln.log_softmax' op axis -3 is out of range for rank 2}}
  %0 = kiln.log_softmax %x {axis = -3 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %s {axis = 2 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_scale(%x: tensor<2x3xf32>, %s: tensor<2xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{scale [2] does not broadcast to the normalized dimensions [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %b : (tensor<2x3xf32>, tensor<2xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_bias_rank(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %b: tensor<2x3xf32>) {
  // expected-error @+2 {{bias [2, 3] does not broadcast to the normalized dimensions [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %b : (tensor<2x3xf32>, tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%x: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+2 {{epsilon must be >= 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.layer_norm %x, %s, %s {epsilon = -1.0 : f64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @batch_norm_param(%x: tensor<2x3x4xf32>, %c: tensor<3xf32>, %v: tensor<4xf32>) {
  // expected-error @+2 {{var must be [C] with C = 3 (dimension 1 of x), got [4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %c, %c, %c, %v : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x3x4xf32>
  return
}

// -----

func.func @batch_norm_rank(%x: tensor<3xf32>, %c: tensor<3xf32>) {
  // expected-error @+2 {{x must be [N, C, ...] (rank >= 2), got [3]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %c, %c, %c, %c : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @batch_norm_dtype(%x: tensor<2x3xf32>, %c: tensor<3xf32>, %d: tensor<3xf64>) {
  // expected-error @+1 {{all of {x, scale, bias, mean, var, result} have same element type}}
  %0 = kiln.batch_norm %x, %c, %d, %c, %c : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf64>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @batch_norm_dynamic_channels(%x: tensor<2x?xf32>, %c: tensor<3xf32>) {
  // expected-error @+2 {{the channel dimension of x must be static, got [2, ?]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.batch_norm %x, %c, %c, %c, %c : (tensor<2x?xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x?xf32>
  return
}

// -----

func.func @reduce_min_empty_axis(%x: tensor<2x0xf32>) {
  // expected-error @+2 {{reduce_min over an empty axis of [2, 0] has no identity}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce_min %x {axes = array<i64: 1>} : (tensor<2x0xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_max_empty_all(%x: tensor<0x3xf32>) {
  // expected-error @+2 {{reduce_max over an empty axis of [0, 3] has no identity}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.reduce_max %x {keepdims = false} : (tensor<0x3xf32>) -> tensor<f32>
  return
}
