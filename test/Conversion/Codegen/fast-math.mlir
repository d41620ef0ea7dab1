// RUN: kiln-opt %s -split-input-file -kiln-fast-math | FileCheck %s

// exp, tanh, erf, log, log1p, expm1, sin and cos on f32 become straight-line
// arithmetic: no math op that would be a libm call is left (fma, roundeven,
// absf and friends are single instructions).
// CHECK-LABEL: func.func @f32_scalars
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.erf
// CHECK-NOT:     math.log
// CHECK-NOT:     math.expm1
// CHECK:         return
func.func @f32_scalars(%x: f32) -> (f32, f32, f32, f32, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.tanh %x : f32
  %2 = math.erf %x : f32
  %3 = math.log %x : f32
  %4 = math.log1p %x : f32
  %5 = math.expm1 %x : f32
  return %0, %1, %2, %3, %4, %5 : f32, f32, f32, f32, f32, f32
}

// -----

// Kiln's exp: clamp to [-104, 89] (unordered compare and select: NaN goes
// through), n = round(x log2 e) by an FMA with 1.5 2^23, two FMA steps of
// range reduction, the polynomial, and 2^n applied as two powers of two made
// from the bits of n.
// CHECK-LABEL: func.func @exp
// CHECK-SAME:    (%[[X:.*]]: f32)
// CHECK-DAG:     %[[LO:.*]] = arith.constant -1.040000e+02 : f32
// CHECK-DAG:     %[[HI:.*]] = arith.constant 8.900000e+01 : f32
// CHECK-DAG:     %[[MAGIC:.*]] = arith.constant 0x4B400000 : f32
// CHECK:         %[[GT:.*]] = arith.cmpf ugt, %[[X]], %[[LO]] : f32
// CHECK:         %[[C1:.*]] = arith.select %[[GT]], %[[X]], %[[LO]] : f32
// CHECK:         %[[LT:.*]] = arith.cmpf ult, %[[C1]], %[[HI]] : f32
// CHECK:         %[[C2:.*]] = arith.select %[[LT]], %[[C1]], %[[HI]] : f32
// CHECK:         %[[K:.*]] = math.fma %[[C2]], %{{.*}}, %[[MAGIC]] : f32
// CHECK:         %[[N:.*]] = arith.subf %[[K]], %[[MAGIC]] : f32
// CHECK:         math.fma %[[N]]
// CHECK:         math.fma %[[N]]
// CHECK:         %[[KI:.*]] = arith.bitcast %[[K]] : f32 to i32
// CHECK:         %[[NI:.*]] = arith.subi %[[KI]]
// CHECK:         arith.shrsi %[[NI]]
// CHECK-COUNT-2: arith.bitcast {{.*}} : i32 to f32
// CHECK:         %[[S:.*]] = arith.mulf
// CHECK-NEXT:    %[[R:.*]] = arith.mulf %[[S]]
// CHECK-NEXT:    return %[[R]]
func.func @exp(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}

// -----

// Subnormal operands of log are scaled by 2^23 and 23 ln 2 subtracted.
// CHECK-LABEL: func.func @log
// CHECK-SAME:    (%[[X:.*]]: f32)
// CHECK:         %[[TINY:.*]] = arith.cmpf olt, %[[X]], %{{.*}} : f32
// CHECK:         arith.select %[[TINY]]
// CHECK-NOT:     math.log
// CHECK:         arith.select %[[TINY]], %{{.*}}, %{{.*}} : f32
// CHECK:         arith.subf
// CHECK-NOT:     kiln.fast_math_prepared
// CHECK:         return
func.func @log(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// -----

// erf's result takes the sign of x (upstream's gives erf(-0) = +0).
// CHECK-LABEL: func.func @erf
// CHECK-SAME:    (%[[X:.*]]: f32)
// CHECK-NOT:     math.erf
// CHECK:         %[[R:.*]] = math.copysign %{{.*}}, %[[X]] : f32
// CHECK-NOT:     kiln.fast_math_prepared
// CHECK:         return %[[R]]
func.func @erf(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  return %0 : f32
}

// -----

// Vectors get the same expansion, element by element.
// CHECK-LABEL: func.func @vectors
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK:         arith.bitcast {{.*}} : vector<16xf32> to vector<16xi32>
// CHECK:         return
func.func @vectors(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %0 = math.exp %x : vector<16xf32>
  %1 = math.tanh %x : vector<16xf32>
  return %0, %1 : vector<16xf32>, vector<16xf32>
}

// -----

// f16 and bf16 compute in f32.
// CHECK-LABEL: func.func @narrow
// CHECK:         arith.extf {{.*}} : f16 to f32
// CHECK:         arith.truncf {{.*}} : f32 to f16
// CHECK:         arith.extf {{.*}} : bf16 to f32
// CHECK:         arith.truncf {{.*}} : f32 to bf16
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK:         return
func.func @narrow(%x: f16, %y: bf16) -> (f16, bf16) {
  %0 = math.exp %x : f16
  %1 = math.tanh %y : bf16
  return %0, %1 : f16, bf16
}

// -----

// sin and cos: the argument is reduced in f64 (n from an FMA with 1.5 2^52,
// three FMA steps with pi/2 in three parts), the polynomials are f32, and the
// quadrant comes from the low bits of n.
// CHECK-LABEL: func.func @sincos
// CHECK-SAME:    (%[[X:.*]]: f32)
// CHECK-NOT:     math.sin
// CHECK-NOT:     math.cos
// CHECK:         %[[XD:.*]] = arith.extf %[[X]] : f32 to f64
// CHECK:         %[[K:.*]] = math.fma %[[XD]], %{{.*}}, %{{.*}} : f64
// CHECK:         %[[N:.*]] = arith.subf %[[K]]
// CHECK-COUNT-3: math.fma %[[N]], %{{.*}}, %{{.*}} : f64
// CHECK:         arith.truncf {{.*}} : f64 to f32
// CHECK:         arith.bitcast %[[K]] : f64 to i64
// CHECK:         return
func.func @sincos(%x: f32) -> (f32, f32) {
  %0 = math.sin %x : f32
  %1 = math.cos %x : f32
  return %0, %1 : f32, f32
}

// -----

// f64 and the functions without an approximation are left alone (libm).
// CHECK-LABEL: func.func @untouched
// CHECK:         math.exp {{.*}} : f64
// CHECK:         math.sin {{.*}} : f64
// CHECK:         math.atan {{.*}} : f32
// CHECK:         math.powf {{.*}} : f32
// CHECK:         return
func.func @untouched(%x: f64, %y: f32) -> (f64, f64, f32, f32) {
  %0 = math.exp %x : f64
  %1 = math.sin %x : f64
  %2 = math.atan %y : f32
  %3 = math.powf %y, %y : f32
  return %0, %1, %2, %3 : f64, f64, f32, f32
}
