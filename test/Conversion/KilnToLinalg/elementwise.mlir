// RUN: kiln-opt %s -convert-kiln-to-linalg -split-input-file | FileCheck %s

// u8 is held as i8 everywhere (signature, constants), with unsigned ops
// where signedness matters.
// CHECK-LABEL: func.func @u8_max_div
// CHECK-SAME: (%[[A:.*]]: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi8>)
// CHECK-NOT: ui8
// CHECK: arith.constant dense<[0, 1, -56, -1]> : tensor<4xi8>
// CHECK: linalg.generic
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i8
// CHECK: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.cmpi eq
// CHECK: %[[Q:.*]] = arith.divui
// CHECK: arith.select %[[ZERO]], %{{.*}}, %[[Q]] : i8
// CHECK-NOT: unrealized_conversion_cast
func.func @u8_max_div(%a: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xui8>) {
  %c = kiln.constant dense<[0, 1, 200, 255]> : tensor<4xui8>
  %0 = kiln.max %a, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = kiln.div %a, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0, %1 : tensor<4xui8>, tensor<4xui8>
}

// -----

// f16 is computed in f32 and rounded back.
// CHECK-LABEL: func.func @f16_add
// CHECK: ^bb0(%[[X:.*]]: f16, %[[Y:.*]]: f16, %{{.*}}: f16):
// CHECK: %[[EX:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[EY:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[S:.*]] = arith.addf %[[EX]], %[[EY]] : f32
// CHECK: %[[R:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK: linalg.yield %[[R]] : f16
func.func @f16_add(%h: tensor<4xf16>) -> tensor<4xf16> {
  %0 = kiln.add %h, %h : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// bf16 <-> f32 conversions are bit operations (no __truncsfbf2 later).
// CHECK-LABEL: func.func @bf16_exp
// CHECK: arith.bitcast %{{.*}} : bf16 to i16
// CHECK: math.exp %{{.*}} : f32
// CHECK: arith.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT: arith.extf
// CHECK-NOT: arith.truncf
func.func @bf16_exp(%b: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = kiln.exp %b : tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// Comparisons: ordered predicates, except ne (NaN != x); u8 and bool compare
// unsigned.
// CHECK-LABEL: func.func @compare
// CHECK: arith.cmpf une
// CHECK: arith.cmpf olt
// CHECK: arith.cmpi ult
// CHECK: arith.cmpi ugt, %{{.*}}, %{{.*}} : i1
// CHECK: arith.cmpi sle, %{{.*}}, %{{.*}} : i32
func.func @compare(%x: tensor<?x4xf32>, %y: tensor<4xf32>, %u: tensor<4xui8>,
                   %p: tensor<4xi1>, %i: tensor<4xi32>)
    -> (tensor<?x4xi1>, tensor<?x4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>) {
  %0 = kiln.ne %x, %y : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  %1 = kiln.lt %x, %y : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  %2 = kiln.lt %u, %u : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %3 = kiln.gt %p, %p : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %4 = kiln.le %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi1>
  return %0, %1, %2, %3, %4 : tensor<?x4xi1>, tensor<?x4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>
}

// -----

// float -> int saturates and maps NaN to 0.
// CHECK-LABEL: func.func @cast_f32_i32
// CHECK: %[[T:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf uno
func.func @cast_f32_i32(%x: tensor<?x4xf32>) -> tensor<?x4xi32> {
  %0 = kiln.cast %x {to = i32} : (tensor<?x4xf32>) -> tensor<?x4xi32>
  return %0 : tensor<?x4xi32>
}

// -----

// f64 -> f16 rounds to odd in f32 first, then once to f16.
// CHECK-LABEL: func.func @cast_f64_f16
// CHECK: %[[T:.*]] = arith.truncf %{{.*}} : f64 to f32
// CHECK: arith.ori %{{.*}}, %{{.*}} : i32
// CHECK: %[[O:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: arith.truncf %[[O]] : f32 to f16
func.func @cast_f64_f16(%x: tensor<3xf64>) -> tensor<3xf16> {
  %0 = kiln.cast %x {to = f16} : (tensor<3xf64>) -> tensor<3xf16>
  return %0 : tensor<3xf16>
}

// -----

// Integer division and remainder never trap: x / 0 = 0, MIN / -1 wraps.
// CHECK-LABEL: func.func @int_div_mod
// CHECK: arith.cmpi eq, %{{.*}}, %c-1_i32
// CHECK: arith.divsi
// CHECK: arith.remsi
// CHECK: arith.xori
// CHECK: arith.cmpi slt
func.func @int_div_mod(%i: tensor<4xi32>) -> (tensor<4xi32>, tensor<4xi32>) {
  %0 = kiln.div %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = kiln.mod %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0, %1 : tensor<4xi32>, tensor<4xi32>
}

// -----

// select broadcasts its three operands; not is xor with true.
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @select_not
// CHECK: linalg.generic {indexing_maps = [#[[C]], #[[A]], #[[B]], #{{.*}}]
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : bf16
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[TRUE]] : i1
func.func @select_not(%c: tensor<?x1xi1>, %a: tensor<4xbf16>, %b: tensor<bf16>)
    -> (tensor<?x4xbf16>, tensor<?x1xi1>) {
  %0 = kiln.select %c, %a, %b : (tensor<?x1xi1>, tensor<4xbf16>, tensor<bf16>) -> tensor<?x4xbf16>
  %1 = kiln.not %c : tensor<?x1xi1>
  return %0, %1 : tensor<?x4xbf16>, tensor<?x1xi1>
}

// -----

// A u8 dense_resource constant keeps its blob under the i8 type.
// CHECK-LABEL: func.func @u8_resource
// CHECK: arith.constant dense_resource<u8blob> : tensor<4xi8>
// CHECK: arith.maxui
func.func @u8_resource(%a: tensor<4xui8>) -> tensor<4xui8> {
  %c = kiln.constant dense_resource<u8blob> : tensor<4xui8>
  %0 = kiln.max %a, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

{-#
  dialect_resources: {
    builtin: {
      u8blob: "0x0100000000017FFF"
    }
  }
#-}
