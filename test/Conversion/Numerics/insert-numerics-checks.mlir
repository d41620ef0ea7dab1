// RUN: kiln-opt %s -kiln-widen-element-types -convert-kiln-to-linalg -canonicalize -kiln-fuse -kiln-insert-numerics-checks | FileCheck %s

// After each kernel (here: the fused log+mul generic, then the matmul,
// which does not pull its input's producer in), its float result is scanned for NaN and Inf and, when either
// count is not zero, the report function is called with the kernel's number;
// the module lists each kernel's graph nodes.
// CHECK:       module attributes {kiln.numerics_kernels = {{\[}}["lg", "scale"], ["mm"]]}
// CHECK-LABEL: func.func @g
// CHECK:         %[[K0:.*]] = linalg.generic
// CHECK:           math.log
// CHECK:         %[[C:.*]]:2 = linalg.generic {{.*}} ins(%[[K0]] : tensor<8x4xf32>) outs({{.*}} : tensor<i64>, tensor<i64>)
// CHECK:           arith.cmpf uno
// CHECK:           math.absf
// CHECK:         %[[NAN:.*]] = tensor.extract %[[C]]#0[]
// CHECK:         %[[INF:.*]] = tensor.extract %[[C]]#1[]
// CHECK:         scf.if
// CHECK:           %[[KERNEL0:.*]] = arith.constant 0 : i64
// CHECK:           func.call @kiln.numerics_report(%[[KERNEL0]], {{.*}}, %[[NAN]], %[[INF]], {{.*}})
// CHECK:         %[[K1:.*]] = linalg.generic {{.*}}"reduction"
// CHECK:         linalg.generic {{.*}} ins(%[[K1]] : tensor<8x4xf32>)
// CHECK:         scf.if
// CHECK:           %[[KERNEL1:.*]] = arith.constant 1 : i64
// CHECK:           func.call @kiln.numerics_report(%[[KERNEL1]],
// CHECK:         return %[[K1]]
// CHECK:       func.func private @kiln.numerics_report(i64, i64, i64, i64, i64, i64, i64)
func.func @g(%x: tensor<8x4xf32> {kiln.name = "x"}, %w: tensor<4x4xf32> {kiln.name = "w"}) -> (tensor<8x4xf32> {kiln.name = "y"}) {
  %0 = kiln.log %x : tensor<8x4xf32> loc("lg")
  %1 = kiln.mul %0, %x : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32> loc("scale")
  %2 = kiln.matmul %1, %w : (tensor<8x4xf32>, tensor<4x4xf32>) -> tensor<8x4xf32> loc("mm")
  return %2 : tensor<8x4xf32>
}
