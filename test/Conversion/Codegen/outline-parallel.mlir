// RUN: kiln-opt %s -kiln-plan-memory -kiln-outline-parallel | FileCheck %s

// The 2-D parallel loop becomes a body function over a range of its
// linearized iterations (4 x 2 = 8), called through a dispatch function that
// gets the executor; constants are rematerialized in the body, other values
// from above are passed; per-iteration scratch is allocated once per call.
// CHECK-LABEL: func.func @graph(
// CHECK-SAME: %[[X:[^:]*]]: memref<64x32xf32>, %[[Y:[^:]*]]: memref<64x32xf32>, %{{.*}}: memref<0xi8>, %[[EXEC:[^:]*]]: !llvm.ptr)
// CHECK: %[[N:.*]] = arith.constant 8 : index
// CHECK: call @graph.par0.kiln_dispatch(%[[EXEC]], %[[N]], %[[X]], %[[Y]]) : (!llvm.ptr, index, memref<64x32xf32>, memref<64x32xf32>) -> ()
// CHECK-NOT: scf.forall
// CHECK: return

// CHECK-LABEL: func.func private @graph.par0(
// CHECK-SAME: %[[B:[^:]*]]: index, %[[E:[^:]*]]: index, %[[PX:[^:]*]]: memref<64x32xf32>, %[[PY:[^:]*]]: memref<64x32xf32>)
// CHECK: %[[S:.*]] = memref.alloca() : memref<16x16xf32>
// CHECK: scf.for %[[I:.*]] = %[[B]] to %[[E]]
// CHECK:   affine.delinearize_index %[[I]] into (4, 2)
// CHECK:   memref.subview %[[PX]]
// CHECK:   linalg.copy {{.*}} outs(%[[S]]
// CHECK: return

// CHECK: func.func private @graph.par0.kiln_dispatch(!llvm.ptr, index, memref<64x32xf32>, memref<64x32xf32>)
func.func @graph(%x: memref<64x32xf32>, %y: memref<64x32xf32>) {
  scf.forall (%i, %j) = (0, 0) to (64, 32) step (16, 16) {
    %s = memref.alloc() : memref<16x16xf32>
    %xs = memref.subview %x[%i, %j] [16, 16] [1, 1] : memref<64x32xf32> to memref<16x16xf32, strided<[32, 1], offset: ?>>
    %ys = memref.subview %y[%i, %j] [16, 16] [1, 1] : memref<64x32xf32> to memref<16x16xf32, strided<[32, 1], offset: ?>>
    linalg.copy ins(%xs : memref<16x16xf32, strided<[32, 1], offset: ?>>) outs(%s : memref<16x16xf32>)
    linalg.copy ins(%s : memref<16x16xf32>) outs(%ys : memref<16x16xf32, strided<[32, 1], offset: ?>>)
  }
  return
}
