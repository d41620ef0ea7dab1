// RUN: kiln-opt %s -split-input-file -verify-diagnostics

func.func @cond_not_bool(%c: tensor<i32>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{condition must be a bool scalar (tensor<i1>), got 'tensor<i32>'}}
  %r = kiln.if %c : (tensor<i32>) -> tensor<2xf32> then {
    kiln.yield %a : tensor<2xf32>
  } else {
    kiln.yield %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @cond_not_scalar(%c: tensor<2xi1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{condition must be a bool scalar (tensor<i1>), got 'tensor<2xi1>'}}
  %r = kiln.if %c : (tensor<2xi1>) -> tensor<2xf32> then {
    kiln.yield %a : tensor<2xf32>
  } else {
    kiln.yield %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @branch_mismatch(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'else' branch yields (tensor<3xf32>) but the results are (tensor<2xf32>)}}
  %r = kiln.if %c : (tensor<i1>) -> tensor<2xf32> then {
    kiln.yield %a : tensor<2xf32>
  } else {
    kiln.yield %b : tensor<3xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @branch_count(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'then' branch yields (tensor<2xf32>, tensor<2xf32>) but the results are (tensor<2xf32>)}}
  %r = kiln.if %c : (tensor<i1>) -> tensor<2xf32> then {
    kiln.yield %a, %a : tensor<2xf32>, tensor<2xf32>
  } else {
    kiln.yield %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @branch_args(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'then' region takes (tensor<2xi32>) but must take the values passed in (tensor<2xf32>)}}
  %r = kiln.if %c, %a : (tensor<i1>, tensor<2xf32>) -> tensor<2xf32> then {
  ^bb0(%x: tensor<2xi32>):
    kiln.yield %a : tensor<2xf32>
  } else {
  ^bb0(%x: tensor<2xf32>):
    kiln.yield %x : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @missing_yield(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  %r = kiln.if %c : (tensor<i1>) -> tensor<2xf32> then {
    kiln.yield %a : tensor<2xf32>
  } else {
    // expected-error @+1 {{block with no terminator}}
    %n = kiln.neg %a : tensor<2xf32>
  }
  return %r : tensor<2xf32>
}

// -----

func.func @body_types(%x: tensor<2xf32>, %c: tensor<i1>) -> tensor<2xf32> {
  // expected-error @+1 {{'body' region yields (tensor<2xf32>, tensor<2xf32>) but the carried values are (tensor<2xf32>)}}
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<2xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %v, %v : tensor<2xf32>, tensor<2xf32>
  }
  return %w : tensor<2xf32>
}

// -----

func.func @body_dtype(%x: tensor<2xf32>, %y: tensor<2xf64>, %c: tensor<i1>) -> tensor<2xf32> {
  // expected-error @+1 {{'body' region yields (tensor<2xf64>) but the carried values are (tensor<2xf32>)}}
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<2xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %y : tensor<2xf64>
  }
  return %w : tensor<2xf32>
}

// -----

func.func @while_cond_not_bool(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{'cond' region must yield one bool scalar (tensor<i1>), got (tensor<2xf32>)}}
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<2xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %v : tensor<2xf32>
  } body {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %v : tensor<2xf32>
  }
  return %w : tensor<2xf32>
}

// -----

func.func @while_region_args(%x: tensor<2xf32>, %c: tensor<i1>) -> tensor<2xf32> {
  // expected-error @+1 {{'body' region takes () but must take the carried values (tensor<2xf32>)}}
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<2xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
    kiln.yield %x : tensor<2xf32>
  }
  return %w : tensor<2xf32>
}

// -----

func.func @while_result_types(%x: tensor<2xf32>, %c: tensor<i1>) -> tensor<3xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %w = kiln.while (%x) : (tensor<2xf32>) -> tensor<3xf32> cond {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %c : tensor<i1>
  } body {
  ^bb0(%v: tensor<2xf32>):
    kiln.yield %v : tensor<2xf32>
  }
  return %w : tensor<3xf32>
}

// -----

func.func @yield_outside(%x: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{expects parent op to be one of 'kiln.if, kiln.while'}}
  kiln.yield %x : tensor<2xf32>
}
