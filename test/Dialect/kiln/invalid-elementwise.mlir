// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @and_on_f32(%a: tensor<2xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = kiln.and %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @not_on_f32(%a: tensor<2xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = kiln.not %a : tensor<2xf32>
  return
}

// -----

func.func @add_on_bool(%a: tensor<2xi1>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = kiln.add %a, %a : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return
}

// -----

func.func @exp_on_int(%a: tensor<2xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = kiln.exp %a : tensor<2xi32>
  return
}

// -----

func.func @select_cond_not_bool(%c: tensor<2xf32>, %a: tensor<2xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = kiln.select %c, %a, %a : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @select_dtypes_differ(%c: tensor<2xi1>, %a: tensor<2xf32>, %b: tensor<2xf64>) {
  // expected-error @+1 {{all of {a, b, result} have same element type}}
  %0 = kiln.select %c, %a, %b : (tensor<2xi1>, tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>
  return
}

// -----

func.func @select_shapes(%c: tensor<3xi1>, %a: tensor<2xf32>) {
  // expected-error @+2 {{shapes [3], [2] and [2] cannot be broadcast together}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.select %c, %a, %a : (tensor<3xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @compare_result_not_bool(%a: tensor<2xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = kiln.lt %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @compare_dtypes_differ(%a: tensor<2xf32>, %b: tensor<2xi32>) {
  // expected-error @+1 {{all of {lhs, rhs} have same element type}}
  %0 = kiln.eq %a, %b : (tensor<2xf32>, tensor<2xi32>) -> tensor<2xi1>
  return
}

// -----

func.func @cast_without_to(%a: tensor<2xf32>) {
  // expected-error @+1 {{requires attribute 'to'}}
  %0 = kiln.cast %a : (tensor<2xf32>) -> tensor<2xi32>
  return
}

// -----

func.func @cast_to_unknown_dtype(%a: tensor<2xf32>) {
  // expected-error @+1 {{attribute 'to' failed to satisfy constraint}}
  %0 = kiln.cast %a {to = f128} : (tensor<2xf32>) -> tensor<2xf128>
  return
}

// -----

func.func @cast_wrong_result(%a: tensor<2xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2xi32>' are incompatible with return type(s) of operation 'tensor<2xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.cast %a {to = i32} : (tensor<2xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @gelu_mode(%a: tensor<2xf32>) {
  // expected-error @+1 {{approximate must be "none" or "tanh", got "fast"}}
  %0 = kiln.gelu %a {approximate = "fast"} : tensor<2xf32>
  return
}

// -----

func.func @clip_fractional_int_bound(%a: tensor<2xi32>) {
  // expected-error @+1 {{min must be a whole number for an integer tensor, got 2.5}}
  %0 = kiln.clip %a {min = 2.5 : f64} : tensor<2xi32>
  return
}

// -----

func.func @mod_on_bool(%a: tensor<2xi1>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of}}
  %0 = kiln.mod %a, %a : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return
}

// -----

func.func @pow_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+2 {{shapes [2, 3] and [2] cannot be broadcast together}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = kiln.pow %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}
