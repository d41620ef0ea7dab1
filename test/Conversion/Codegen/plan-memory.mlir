// RUN: kiln-opt %s -split-input-file -kiln-plan-memory | FileCheck %s

// A chain a -> b -> c: c is allocated after a's last use, so it takes a's
// bytes; b overlaps both. The graph gets the workspace and executor
// arguments; the module records the size.
// CHECK: module attributes {kiln.workspace_size = 8192 : i64}
// CHECK-LABEL: func.func @chain(
// CHECK-SAME: %{{.*}}: memref<1024xf32>, %{{.*}}: memref<1024xf32>, %[[WS:.*]]: memref<8192xi8>, %{{.*}}: !llvm.ptr)
// CHECK-SAME: kiln.memory_plan = [array<i64: 0, 4096, 0, 3>, array<i64: 4096, 4096, 2, 5>, array<i64: 0, 4096, 4, 6>]
// CHECK-NOT: memref.alloc
// CHECK: %[[A:.*]] = memref.view %[[WS]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: %[[B:.*]] = memref.view %[[WS]][%c4096{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK: %[[C:.*]] = memref.view %[[WS]][%c0{{.*}}][] : memref<8192xi8> to memref<1024xf32>
// CHECK-NOT: memref.alloc
func.func @chain(%x: memref<1024xf32>, %y: memref<1024xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%x : memref<1024xf32>) outs(%a : memref<1024xf32>)
  %b = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%a : memref<1024xf32>) outs(%b : memref<1024xf32>)
  %c = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%b : memref<1024xf32>) outs(%c : memref<1024xf32>)
  linalg.copy ins(%c : memref<1024xf32>) outs(%y : memref<1024xf32>)
  return
}

// -----

// A use through a view extends the lifetime: %a is read (through its
// reshape) after %b is written, so they cannot share.
// CHECK-LABEL: func.func @views(
// CHECK-SAME: memref<8192xi8>
// CHECK-SAME: kiln.memory_plan = [array<i64: 0, 4096, 0, 5>, array<i64: 4096, 4096, 2, 5>]
func.func @views(%x: memref<1024xf32>, %y: memref<32x32xf32>) {
  %a = memref.alloc() : memref<1024xf32>
  linalg.copy ins(%x : memref<1024xf32>) outs(%a : memref<1024xf32>)
  %b = memref.alloc() : memref<32x32xf32>
  %r = memref.expand_shape %a [[0, 1]] output_shape [32, 32] : memref<1024xf32> into memref<32x32xf32>
  linalg.copy ins(%r : memref<32x32xf32>) outs(%b : memref<32x32xf32>)
  linalg.add ins(%r, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%y : memref<32x32xf32>)
  return
}

// -----

// Scratch of a parallel loop body goes on each thread's stack; a buffer with
// a dynamic shape is left to run-time allocation.
// CHECK-LABEL: func.func @scratch(
// CHECK-SAME: memref<0xi8>
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: scf.forall
// CHECK:   memref.alloca() : memref<16xf32>
// CHECK-NOT: memref.alloc()
func.func @scratch(%x: memref<64xf32>, %n: index, %y: memref<64xf32>) {
  %d = memref.alloc(%n) : memref<?xf32>
  scf.forall (%i) = (0) to (64) step (16) {
    %t = memref.alloca() : memref<16xf32>
    %s = memref.alloc() : memref<16xf32>
    %xs = memref.subview %x[%i] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
    %ys = memref.subview %y[%i] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
    linalg.copy ins(%xs : memref<16xf32, strided<[1], offset: ?>>) outs(%s : memref<16xf32>)
    linalg.copy ins(%s : memref<16xf32>) outs(%ys : memref<16xf32, strided<[1], offset: ?>>)
  }
  memref.dealloc %d : memref<?xf32>
  return
}
