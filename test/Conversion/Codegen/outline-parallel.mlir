// RUN: kiln-opt %s -split-input-file -kiln-plan-memory -kiln-outline-parallel | FileCheck %s

// The 2-D parallel loop becomes a body function over a range of its
// linearized iterations (8 x 2 = 16), called through a dispatch function that
// gets the executor; constants are rematerialized in the body, other values
// from above are passed; per-iteration scratch is allocated once per call.
// CHECK-LABEL: func.func @graph(
// CHECK-SAME: %[[X:[^:]*]]: memref<512x128xf32>, %[[Y:[^:]*]]: memref<512x128xf32>, %{{.*}}: memref<0xi8>, %[[EXEC:[^:]*]]: !llvm.ptr)
// CHECK: %[[N:.*]] = arith.constant 16 : index
// CHECK: call @graph.par0.kiln_dispatch(%[[EXEC]], %[[N]], %[[X]], %[[Y]]) : (!llvm.ptr, index, memref<512x128xf32>, memref<512x128xf32>) -> ()
// CHECK-NOT: scf.forall
// CHECK: return

// CHECK-LABEL: func.func private @graph.par0(
// CHECK-SAME: %[[B:[^:]*]]: index, %[[E:[^:]*]]: index, %[[PX:[^:]*]]: memref<512x128xf32>, %[[PY:[^:]*]]: memref<512x128xf32>)
// CHECK: %[[S:.*]] = memref.alloca() : memref<64x64xf32>
// CHECK: scf.for %[[I:.*]] = %[[B]] to %[[E]]
// CHECK:   affine.delinearize_index %[[I]] into (8, 2)
// CHECK:   memref.subview %[[PX]]
// CHECK:   linalg.copy {{.*}} outs(%[[S]]
// CHECK: return

// CHECK: func.func private @graph.par0.kiln_dispatch(!llvm.ptr, index, memref<512x128xf32>, memref<512x128xf32>)
func.func @graph(%x: memref<512x128xf32>, %y: memref<512x128xf32>) {
  scf.forall (%i, %j) = (0, 0) to (512, 128) step (64, 64) {
    %s = memref.alloc() : memref<64x64xf32>
    %xs = memref.subview %x[%i, %j] [64, 64] [1, 1] : memref<512x128xf32> to memref<64x64xf32, strided<[128, 1], offset: ?>>
    %ys = memref.subview %y[%i, %j] [64, 64] [1, 1] : memref<512x128xf32> to memref<64x64xf32, strided<[128, 1], offset: ?>>
    linalg.copy ins(%xs : memref<64x64xf32, strided<[128, 1], offset: ?>>) outs(%s : memref<64x64xf32>)
    linalg.copy ins(%s : memref<64x64xf32>) outs(%ys : memref<64x64xf32, strided<[128, 1], offset: ?>>)
  }
  return
}

// -----

// A loop with little work stays in the graph (it runs serially, after
// forall-to-for); its scratch moves to the function's entry.
// CHECK-LABEL: func.func @small(
// CHECK-NEXT: memref.alloca() : memref<4xf32>
// CHECK: scf.forall
// CHECK-NOT: kiln_dispatch
func.func @small(%x: memref<16xf32>, %y: memref<16xf32>) {
  scf.forall (%i) = (0) to (16) step (4) {
    %s = memref.alloc() : memref<4xf32>
    %xs = memref.subview %x[%i] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%i] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1], offset: ?>>
    linalg.copy ins(%xs : memref<4xf32, strided<[1], offset: ?>>) outs(%s : memref<4xf32>)
    linalg.copy ins(%s : memref<4xf32>) outs(%ys : memref<4xf32, strided<[1], offset: ?>>)
  }
  return
}
