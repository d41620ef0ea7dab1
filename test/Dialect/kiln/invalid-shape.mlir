// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @squeeze_axis_range(%x: tensor<1x3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.squeeze %x {axes = array<i64: 2>} : (tensor<1x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @squeeze_not_one(%x: tensor<1x3xf32>) -> tensor<1xf32> {
  // expected-error @+2 {{cannot squeeze dimension 1 of [1, 3]: its size is 3, not 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.squeeze %x {axes = array<i64: -1>} : (tensor<1x3xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

func.func @squeeze_dynamic(%x: tensor<?x3xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot squeeze dimension 0 of [?, 3]: its size is dynamic, not 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.squeeze %x {axes = array<i64: 0>} : (tensor<?x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @unsqueeze_repeated(%x: tensor<3xf32>) -> tensor<1x1x3xf32> {
  // expected-error @+2 {{axis -3 is repeated}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.unsqueeze %x {axes = array<i64: 0, -3>} : (tensor<3xf32>) -> tensor<1x1x3xf32>
  return %0 : tensor<1x1x3xf32>
}

// -----

func.func @unsqueeze_range(%x: tensor<3xf32>) -> tensor<3x1xf32> {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.unsqueeze %x {axes = array<i64: 2>} : (tensor<3xf32>) -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) -> tensor<1x6xf32> {
  // expected-error @+2 {{axis 3 is out of range [-2, 2]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.flatten %x {axis = 3} : (tensor<2x3xf32>) -> tensor<1x6xf32>
  return %0 : tensor<1x6xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{input 1 has rank 1, input 0 has 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 0} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{input 1 has shape [2, 4], input 0 has [2, 3]; only dimension 0 may differ}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a, %b {axis = 0} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.concat %a {axis = -3} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @split_sum(%x: tensor<5x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // expected-error @+2 {{split sizes sum to 4 but the dimension is 5}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = kiln.split %x {sizes = array<i64: 2, 2>} : (tensor<5x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

func.func @split_equal(%x: tensor<5x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  // expected-error @+2 {{dimension of size 5 does not split into 2 equal parts}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = kiln.split %x {num_outputs = 2} : (tensor<5x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

func.func @split_no_count(%x: tensor<4x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{needs sizes or num_outputs >= 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.split %x : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @slice_lengths(%x: tensor<5xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{starts has 1 entries, ends 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 3, 4>} : (tensor<5xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_step_zero(%x: tensor<5xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{steps must not be 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 0>} : (tensor<5xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @slice_axis(%x: tensor<5xf32>) -> tensor<2xf32> {
  // expected-error @+2 {{axis 1 is out of range for rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.slice %x {starts = array<i64: 1>, ends = array<i64: 3>, axes = array<i64: 1>} : (tensor<5xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_axis(%x: tensor<5xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{axis 1 is out of range for rank 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.gather %x, %i {axis = 1} : (tensor<5xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_float_indices(%x: tensor<5xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = kiln.gather %x, %i : (tensor<5xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @pad_length(%x: tensor<2x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+2 {{pads has 3 entries; rank 2 needs 4 (begins, then ends)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 1, 0, 0>} : (tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @pad_mode(%x: tensor<2x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+2 {{unknown mode 'wrap' (expected constant, reflect or edge)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 1, 0, 0, 0>, mode = "wrap"} : (tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @pad_reflect_too_far(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{reflect pads of dimension 0 (2, 0) must be smaller than its size 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: 2, 0, 0, 0>, mode = "reflect"} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @pad_negative(%x: tensor<2x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+2 {{pads must not be negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pad %x {pads = array<i64: -1, 0, 0, 0>} : (tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @tile_length(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error @+2 {{repeats has 1 entries for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.tile %x {repeats = array<i64: 2>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @tile_negative(%x: tensor<2x3xf32>) -> tensor<0x3xf32> {
  // expected-error @+2 {{repeats must not be negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.tile %x {repeats = array<i64: -1, 1>} : (tensor<2x3xf32>) -> tensor<0x3xf32>
  return %0 : tensor<0x3xf32>
}

// -----

func.func @resize_both(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{needs exactly one of scales and sizes}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, sizes = array<i64: 4, 6>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_count(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{scales has 1 entries for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_mode(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{unknown mode 'bicubic' (expected nearest, linear or cubic)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, mode = "bicubic"} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_linear_int(%x: tensor<2x3xi32>) -> tensor<4x6xi32> {
  // expected-error @+2 {{linear mode needs a floating-point input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, mode = "linear"} : (tensor<2x3xi32>) -> tensor<4x6xi32>
  return %0 : tensor<4x6xi32>
}

// -----

func.func @resize_coordinate_mode(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{unknown coordinate_transformation_mode 'half_pixel_symmetric'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, coordinate_transformation_mode = "half_pixel_symmetric"} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_cubic_int(%x: tensor<2x3xi8>) -> tensor<4x6xi8> {
  // expected-error @+2 {{cubic mode needs a floating-point input}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, mode = "cubic"} : (tensor<2x3xi8>) -> tensor<4x6xi8>
  return %0 : tensor<4x6xi8>
}

// -----

func.func @resize_cubic_coeff(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{cubic_coeff_a must be finite}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, mode = "cubic", cubic_coeff_a = 0x7FF8000000000000 : f64} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_roi_mode(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{roi is only used by coordinate_transformation_mode tf_crop_and_resize}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, roi = array<f64: 0.0, 0.0, 1.0, 1.0>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_roi_count(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{roi has 3 entries; rank 2 needs 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 0.0, 1.0>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_roi_reversed(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{roi of dimension 1 ends before it starts}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, coordinate_transformation_mode = "tf_crop_and_resize", roi = array<f64: 0.0, 1.0, 1.0, 0.0>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_nearest_mode(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{unknown nearest_mode 'round'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 2.0>, nearest_mode = "round"} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

func.func @resize_scale(%x: tensor<2x3xf32>) -> tensor<4x6xf32> {
  // expected-error @+2 {{scales must be positive}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.resize %x {scales = array<f64: 2.0, 0.0>} : (tensor<2x3xf32>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}
