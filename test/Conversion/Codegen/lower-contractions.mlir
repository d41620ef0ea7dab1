// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=x86_64-unknown-linux-gnu target-cpu=znver4" | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=x86_64-unknown-linux-gnu target-cpu=haswell" | FileCheck %s --check-prefix=AVX2
// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=x86_64-unknown-linux-gnu target-cpu=haswell target-features=+avx512f" | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=aarch64-unknown-linux-gnu" | FileCheck %s --check-prefix=NEON

#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>

// A large-enough matmul: A and B packed into workspace buffers (allocated
// at the top of the function) by parallel loops, then parallel tiles whose
// micro-kernel keeps the C block in vectors: 8x2 zmm-sized vectors on
// AVX-512, 6x2 ymm on AVX2, 8x3 q registers on AArch64.
// AVX512-LABEL: func.func @matmul
// AVX512-DAG:     memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xf32>
// AVX512-DAG:     memref.alloc() {alignment = 64 : i64} : memref<{{[0-9]+}}xf32>
// AVX512:         scf.forall
// AVX512:           vector.maskedload %arg1
// AVX512:           vector.store
// AVX512:         scf.forall
// AVX512:           memref.load %arg0
// AVX512:           memref.store
// AVX512:         scf.forall
// AVX512:           scf.for
// AVX512:             scf.for
// AVX512:               scf.for
// AVX512:                 vector.load %arg2{{.*}} vector<16xf32>
// AVX512:                 scf.for {{.*}} iter_args
// AVX512-COUNT-16:          vector.fma {{.*}} : vector<16xf32>
// AVX512:                 vector.store {{.*}} %arg2
// AVX512:                 vector.maskedstore %arg2
// AVX512-NOT:     linalg.generic
// AVX512:         return

// AVX2-LABEL: func.func @matmul
// AVX2:         scf.for {{.*}} iter_args
// AVX2-COUNT-12:  vector.fma {{.*}} : vector<8xf32>
// AVX2-NOT:     linalg.generic
// AVX2:         return

// NEON-LABEL: func.func @matmul
// NEON:         scf.for {{.*}} iter_args
// NEON-COUNT-24:  vector.fma {{.*}} : vector<4xf32>
// NEON-NOT:     linalg.generic
// NEON:         return
func.func @matmul(%a: memref<128x256xf32>, %b: memref<256x70xf32>, %c: memref<128x70xf32>) {
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x256xf32>, memref<256x70xf32>) outs(%c : memref<128x70xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>

// Constant weights: packed at compile time into a new constant global (the
// original one goes away); M = 1 reads A in place with a 1-row kernel that
// spans 8 vectors. Too little work for parallel loops.
// AVX512:       memref.global "private" constant @w_packed : memref<6144xf32>
// AVX512-NOT:   @w :
// AVX512-LABEL: func.func @gemv_constant
// AVX512:         memref.get_global @w_packed
// AVX512-NOT:     scf.forall
// AVX512:           scf.for {{.*}} iter_args
// AVX512-COUNT-8:     vector.fma {{.*}} : vector<16xf32>
// AVX512-NOT:     linalg.generic
// AVX512:         return
memref.global "private" constant @w : memref<24x256xf32> = dense<0.5>
func.func @gemv_constant(%a: memref<1x24xf32>, %c: memref<1x256xf32>) {
  %w = memref.get_global @w : memref<24x256xf32>
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<1x24xf32>, memref<24x256xf32>) outs(%c : memref<1x256xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Batch matmul with B shared by the batch and transposed: B packed once
// (columns gathered along k), A per batch element; tiles over (batch, M, N),
// N split in two so that there are enough tiles.
// AVX512-LABEL: func.func @batch_transposed_b
// AVX512:         scf.forall (%{{.*}}) in (4)
// AVX512:           memref.load %arg1
// AVX512:         scf.forall (%{{.*}}, %{{.*}}) in (3, 5)
// AVX512:           memref.load %arg0
// AVX512:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}) in (3, 1, 2)
// AVX512:           vector.fma
// AVX512-NOT:     linalg.generic
// AVX512:         return
func.func @batch_transposed_b(%a: memref<3x40x300xf32>, %b: memref<100x300xf32>, %c: memref<3x40x100xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<3x40x300xf32>, memref<100x300xf32>) outs(%c : memref<3x40x100xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>

// Inside a kernel's tile (an scf.forall of several iterations): sequential
// loops, operands read in place (strided subviews), no new parallel loop
// and no workspace buffer.
// AVX512-LABEL: func.func @in_kernel
// AVX512:         scf.forall (%{{.*}}) = (0) to (64) step (8)
// AVX512-NOT:       scf.forall
// AVX512-NOT:       memref.alloc
// AVX512:           vector.fma
// AVX512-NOT:     linalg.generic
// AVX512:         return
func.func @in_kernel(%a: memref<64x100xf32>, %b: memref<100x70xf32>, %c: memref<64x70xf32>) {
  scf.forall (%i) = (0) to (64) step (8) {
    %sa = memref.subview %a[%i, 0] [8, 100] [1, 1] : memref<64x100xf32> to memref<8x100xf32, strided<[100, 1], offset: ?>>
    %sc = memref.subview %c[%i, 0] [8, 70] [1, 1] : memref<64x70xf32> to memref<8x70xf32, strided<[70, 1], offset: ?>>
    linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
        ins(%sa, %b : memref<8x100xf32, strided<[100, 1], offset: ?>>, memref<100x70xf32>) outs(%sc : memref<8x70xf32, strided<[70, 1], offset: ?>>) {
    ^bb0(%x: f32, %y: f32, %acc: f32):
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %p, %acc : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

#mA = affine_map<(d0, d1, d2) -> (d0, d2)>
#mB = affine_map<(d0, d1, d2) -> (d2, d1)>
#mC = affine_map<(d0, d1, d2) -> (d0, d1)>
#mCt = affine_map<(d0, d1, d2) -> (d1, d0)>

// What the kernels do not cover stays as it is: f64, a body that is not
// a*b+c, and an output that is not contiguous along its innermost dim.
// AVX512-LABEL: func.func @unsupported
// AVX512-COUNT-3: linalg.generic
// AVX512-NOT:     vector.fma
// AVX512:         return
func.func @unsupported(%a: memref<8x16xf64>, %b: memref<16x8xf64>, %c: memref<8x8xf64>,
                       %x: memref<8x16xf32>, %y: memref<16x8xf32>, %z: memref<8x8xf32>,
                       %zs: memref<8x8xf32, strided<[1, 8]>>) {
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<8x16xf64>, memref<16x8xf64>) outs(%c : memref<8x8xf64>) {
  ^bb0(%p: f64, %q: f64, %acc: f64):
    %m = arith.mulf %p, %q : f64
    %s = arith.addf %m, %acc : f64
    linalg.yield %s : f64
  }
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<8x16xf32>, memref<16x8xf32>) outs(%z : memref<8x8xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.maximumf %p, %q : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#mA, #mB, #mC], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<8x16xf32>, memref<16x8xf32>) outs(%zs : memref<8x8xf32, strided<[1, 8]>>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %m, %acc : f32
    linalg.yield %s : f32
  }
  return
}
