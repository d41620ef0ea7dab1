// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// RUN: kiln-opt %s -canonicalize | FileCheck %s --check-prefix=FOLD

// Every op of the elementwise family prints and parses back.

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<?x4xf32>, %h: tensor<3xf16>, %b: tensor<3xbf16>,
                 %i: tensor<2xi32>, %u: tensor<2xui8>, %p: tensor<2xi1>) {
  // CHECK: kiln.abs %{{.*}} : tensor<?x4xf32>
  %0 = kiln.abs %x : tensor<?x4xf32>
  // CHECK: kiln.abs %{{.*}} : tensor<2xi32>
  %1 = kiln.abs %i : tensor<2xi32>
  // CHECK: kiln.log %{{.*}} : tensor<3xf16>
  %2 = kiln.log %h : tensor<3xf16>
  // CHECK: kiln.sqrt %{{.*}} : tensor<3xbf16>
  %3 = kiln.sqrt %b : tensor<3xbf16>
  // CHECK: kiln.rsqrt
  %4 = kiln.rsqrt %x : tensor<?x4xf32>
  // CHECK: kiln.reciprocal
  %5 = kiln.reciprocal %x : tensor<?x4xf32>
  // CHECK: kiln.erf
  %6 = kiln.erf %x : tensor<?x4xf32>
  // CHECK: kiln.sin
  %7 = kiln.sin %x : tensor<?x4xf32>
  // CHECK: kiln.cos
  %8 = kiln.cos %x : tensor<?x4xf32>
  // CHECK: kiln.floor
  %9 = kiln.floor %x : tensor<?x4xf32>
  // CHECK: kiln.ceil
  %10 = kiln.ceil %x : tensor<?x4xf32>
  // CHECK: kiln.round
  %11 = kiln.round %x : tensor<?x4xf32>
  // CHECK: kiln.sign %{{.*}} : tensor<2xui8>
  %12 = kiln.sign %u : tensor<2xui8>
  // CHECK: kiln.not %{{.*}} : tensor<2xi1>
  %13 = kiln.not %p : tensor<2xi1>
  // CHECK: kiln.identity %{{.*}} : tensor<2xi1>
  %14 = kiln.identity %p : tensor<2xi1>
  // CHECK: kiln.gelu %{{.*}} : tensor<?x4xf32>
  %15 = kiln.gelu %x : tensor<?x4xf32>
  // CHECK: kiln.gelu %{{.*}} {approximate = "tanh"} : tensor<?x4xf32>
  %16 = kiln.gelu %x {approximate = "tanh"} : tensor<?x4xf32>
  // CHECK: kiln.leaky_relu %{{.*}} {alpha = 2.000000e-01 : f64} : tensor<?x4xf32>
  %17 = kiln.leaky_relu %x {alpha = 0.2 : f64} : tensor<?x4xf32>
  // CHECK: kiln.elu %{{.*}} : tensor<3xf16>
  %18 = kiln.elu %h : tensor<3xf16>
  // CHECK: kiln.hard_sigmoid %{{.*}} {alpha = 1.000000e-01 : f64, beta = 2.500000e-01 : f64}
  %19 = kiln.hard_sigmoid %x {alpha = 0.1 : f64, beta = 0.25 : f64} : tensor<?x4xf32>
  // CHECK: kiln.hard_swish
  %20 = kiln.hard_swish %x : tensor<?x4xf32>
  // CHECK: kiln.softplus
  %21 = kiln.softplus %x : tensor<?x4xf32>
  // CHECK: kiln.silu
  %22 = kiln.silu %x : tensor<?x4xf32>
  // CHECK: kiln.clip %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64} : tensor<?x4xf32>
  %23 = kiln.clip %x {min = 0.0 : f64, max = 6.0 : f64} : tensor<?x4xf32>
  // CHECK: kiln.clip %{{.*}} {max = 1.000000e+02 : f64} : tensor<2xi32>
  %24 = kiln.clip %i {max = 100.0 : f64} : tensor<2xi32>
  // CHECK: kiln.neg %{{.*}} : tensor<2xui8>
  %25 = kiln.neg %u : tensor<2xui8>
  // CHECK: kiln.relu %{{.*}} : tensor<3xbf16>
  %26 = kiln.relu %b : tensor<3xbf16>
  // CHECK: kiln.asin %{{.*}} : tensor<?x4xf32>
  %27 = kiln.asin %x : tensor<?x4xf32>
  // CHECK: kiln.acos %{{.*}} : tensor<3xf16>
  %28 = kiln.acos %h : tensor<3xf16>
  // CHECK: kiln.atan %{{.*}} : tensor<3xbf16>
  %29 = kiln.atan %b : tensor<3xbf16>
  return
}

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %i: tensor<3xi64>,
                  %u: tensor<3xui8>, %p: tensor<2x1xi1>, %q: tensor<3xi1>) {
  // CHECK: kiln.pow %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %0 = kiln.pow %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: kiln.mod %{{.*}}, %{{.*}} : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %1 = kiln.mod %i, %i : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  // CHECK: kiln.mod %{{.*}}, %{{.*}} {fmod = true} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  %2 = kiln.mod %u, %u {fmod = true} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  // CHECK: kiln.eq %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  %3 = kiln.eq %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: kiln.ne
  %4 = kiln.ne %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: kiln.lt
  %5 = kiln.lt %u, %u : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xi1>
  // CHECK: kiln.le
  %6 = kiln.le %i, %i : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  // CHECK: kiln.gt
  %7 = kiln.gt %p, %q : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.ge
  %8 = kiln.ge %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: kiln.and %{{.*}}, %{{.*}} : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  %9 = kiln.and %p, %q : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.or
  %10 = kiln.or %p, %q : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.xor
  %11 = kiln.xor %p, %q : (tensor<2x1xi1>, tensor<3xi1>) -> tensor<2x3xi1>
  // CHECK: kiln.max %{{.*}}, %{{.*}} : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  %12 = kiln.max %u, %u : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xui8>
  return
}

// CHECK-LABEL: func.func @select_cast
func.func @select_cast(%c: tensor<?x1xi1>, %a: tensor<4xbf16>, %b: tensor<bf16>,
                       %x: tensor<?x4xf32>) {
  // CHECK: kiln.select %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x1xi1>, tensor<4xbf16>, tensor<bf16>) -> tensor<?x4xbf16>
  %0 = kiln.select %c, %a, %b : (tensor<?x1xi1>, tensor<4xbf16>, tensor<bf16>) -> tensor<?x4xbf16>
  // CHECK: kiln.cast %{{.*}} {to = i32} : (tensor<?x4xf32>) -> tensor<?x4xi32>
  %1 = kiln.cast %x {to = i32} : (tensor<?x4xf32>) -> tensor<?x4xi32>
  // CHECK: kiln.cast %{{.*}} {to = ui8} : (tensor<4xbf16>) -> tensor<4xui8>
  %2 = kiln.cast %a {to = ui8} : (tensor<4xbf16>) -> tensor<4xui8>
  // CHECK: kiln.cast %{{.*}} {to = i1} : (tensor<?x4xf32>) -> tensor<?x4xi1>
  %3 = kiln.cast %x {to = i1} : (tensor<?x4xf32>) -> tensor<?x4xi1>
  return
}

// Folders: identity and a cast to the same dtype are their operand.
// FOLD-LABEL: func.func @folds
// FOLD-SAME: (%[[X:.*]]: tensor<3xf32>)
// FOLD-NOT: kiln.identity
// FOLD-NOT: kiln.cast
// FOLD: return %[[X]], %[[X]]
func.func @folds(%x: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = kiln.identity %x : tensor<3xf32>
  %1 = kiln.cast %x {to = f32} : (tensor<3xf32>) -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}
