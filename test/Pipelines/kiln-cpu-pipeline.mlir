// RUN: kiln-opt %s -kiln-cpu-pipeline | FileCheck %s

// The whole CPU pipeline, as `kiln compile` runs it, ends in the LLVM dialect
// with the graph taking exploded memref descriptors: inputs, then outputs,
// then the workspace (1-D bytes) and the executor (a kiln_exec pointer).
// CHECK-LABEL: llvm.func @mlp(
// CHECK-SAME: %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64,
// CHECK-SAME: %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64,
// CHECK-SAME: %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: !llvm.ptr, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64, %arg{{[0-9]+}}: i64,
// CHECK-SAME: %arg{{[0-9]+}}: !llvm.ptr)
// CHECK-NOT: {{(= |^ *)kiln\.[a-z_]+ }}
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: builtin.unrealized_conversion_cast
func.func @mlp(%x: tensor<?x4xf32> {kiln.name = "x", kiln.dims = ["N", 4]}) -> (tensor<?x3xf32> {kiln.name = "y"}) {
  %w = kiln.constant dense<1.0> : tensor<4x3xf32>
  %0 = kiln.matmul %x, %w : (tensor<?x4xf32>, tensor<4x3xf32>) -> tensor<?x3xf32>
  %1 = kiln.tanh %0 : tensor<?x3xf32>
  %2 = kiln.softmax %1 : tensor<?x3xf32>
  return %2 : tensor<?x3xf32>
}
