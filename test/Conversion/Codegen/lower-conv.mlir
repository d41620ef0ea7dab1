// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=x86_64-unknown-linux-gnu target-cpu=znver4" | FileCheck %s --check-prefix=AVX512
// RUN: kiln-opt %s -split-input-file -kiln-lower-contractions="target-triple=x86_64-unknown-linux-gnu target-cpu=haswell" | FileCheck %s --check-prefix=AVX2

// Convolutions (kiln.conv's generic: loops n, g, m, oh, ow, c, kh, kw) are
// lowered directly: MR output channels x RB rows x VB vectors along ow in
// registers, the kernel taps (kh, kw) unrolled inside a loop over c, input
// rows read as vectors, weights broadcast.

#xm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 32 + d5, d3 + d6, d4 + d7)>
#wm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#om = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>

// The example CNN's second conv (32 -> 64 channels, 32x32, padded input) at
// the top level: parallel tiles over (n, g, 32-channel blocks, 8-row
// blocks); per c, 9 taps of 2 input vectors and 8 broadcasts feeding 16
// FMAs (8 channels x 32 columns with AVX-512, 6 channels x 2 ymm with AVX2).
// AVX512-LABEL: func.func @conv3x3
// AVX512:         scf.forall (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) in (1, 1, 2, 4)
// AVX512:           vector.load %arg2{{.*}} vector<16xf32>
// AVX512:           scf.for {{.*}} iter_args
// AVX512-COUNT-2:     vector.load %arg0{{.*}} vector<16xf32>
// AVX512-COUNT-16:    vector.fma {{.*}} : vector<16xf32>
// AVX512-COUNT-2:     vector.load %arg0{{.*}} vector<16xf32>
// AVX512:           vector.maskedload %arg0
// AVX512:           vector.store {{.*}} %arg2
// AVX512:           vector.maskedstore %arg2
// AVX512-NOT:     linalg.generic
// AVX512:         return

// AVX2-LABEL: func.func @conv3x3
// AVX2:         scf.for {{.*}} iter_args
// AVX2-COUNT-12:  vector.fma {{.*}} : vector<8xf32>
// AVX2-NOT:     linalg.generic
// AVX2:         return
func.func @conv3x3(%x: memref<1x32x34x34xf32>, %w: memref<1x64x32x3x3xf32>, %o: memref<1x1x64x32x32xf32>) {
  linalg.generic {indexing_maps = [#xm, #wm, #om], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x32x34x34xf32>, memref<1x64x32x3x3xf32>) outs(%o : memref<1x1x64x32x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Stride 2 along ow: the input elements of a vector are a gather. Too
// little work for parallel tiles. 3 output channels (below MR): the kernel
// is 3 channels wide and spans more vectors (here 2 rows x 1 vector: a row
// is 9 columns).
#xm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 4 + d5, d3 * 2 + d6, d4 * 2 + d7)>
#wm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#om = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// AVX512-LABEL: func.func @stride2
// AVX512-NOT:     scf.forall
// AVX512:           scf.for {{.*}} iter_args
// AVX512:             vector.gather %arg0
// AVX512:             vector.gather %arg0
// AVX512-COUNT-6:     vector.fma {{.*}} : vector<16xf32>
// AVX512-NOT:     linalg.generic
// AVX512:         return
func.func @stride2(%x: memref<2x4x19x19xf32>, %w: memref<1x3x4x3x3xf32>, %o: memref<2x1x3x9x9xf32>) {
  linalg.generic {indexing_maps = [#xm, #wm, #om], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<2x4x19x19xf32>, memref<1x3x4x3x3xf32>) outs(%o : memref<2x1x3x9x9xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A 1x1 conv with many input channels: one tap per c, so the c loop is
// unrolled by 4 (then the rest). (Up to 32 taps are unrolled completely.)
// 40 channels: 8-channel blocks; rows of 9: 2 rows x 1 vector.
#xm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 64 + d5, d3 + d6, d4 + d7)>
#wm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#om = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// AVX512-LABEL: func.func @pointwise
// AVX512:           scf.for {{.*}} step %c4{{.*}} iter_args
// AVX512-COUNT-64:    vector.fma {{.*}} : vector<16xf32>
// AVX512:           scf.for {{.*}} iter_args
// AVX512-COUNT-16:    vector.fma {{.*}} : vector<16xf32>
// AVX512-NOT:     linalg.generic
// AVX512:         return
func.func @pointwise(%x: memref<1x64x9x9xf32>, %w: memref<1x40x64x1x1xf32>, %o: memref<1x1x40x9x9xf32>) {
  linalg.generic {indexing_maps = [#xm, #wm, #om], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x64x9x9xf32>, memref<1x40x64x1x1xf32>) outs(%o : memref<1x1x40x9x9xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Inside a kernel's tile (as kiln-fuse makes them: subviews with strided
// layouts, the bias written first): sequential loops, no allocation.
#xm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 8 + d5, d3 + d6, d4 + d7)>
#wm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
#om = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// AVX512-LABEL: func.func @in_kernel
// AVX512:         scf.forall (%{{.*}}, %{{.*}}) = (0, 0) to (16, 20) step (8, 10)
// AVX512-NOT:       scf.forall
// AVX512-NOT:       memref.alloc
// AVX512:           scf.for {{.*}} iter_args
// AVX512-COUNT-16:    vector.fma {{.*}} : vector<16xf32>
// AVX512-NOT:     linalg.generic
// AVX512:         return
func.func @in_kernel(%x: memref<1x8x22x22xf32>, %w: memref<1x16x8x3x3xf32>, %o: memref<1x1x16x20x20xf32>) {
  scf.forall (%m, %r) = (0, 0) to (16, 20) step (8, 10) {
    %xs = memref.subview %x[0, 0, %r, 0] [1, 8, 12, 22] [1, 1, 1, 1] : memref<1x8x22x22xf32> to memref<1x8x12x22xf32, strided<[3872, 484, 22, 1], offset: ?>>
    %ws = memref.subview %w[0, %m, 0, 0, 0] [1, 8, 8, 3, 3] [1, 1, 1, 1, 1] : memref<1x16x8x3x3xf32> to memref<1x8x8x3x3xf32, strided<[1152, 72, 9, 3, 1], offset: ?>>
    %os = memref.subview %o[0, 0, %m, %r, 0] [1, 1, 8, 10, 20] [1, 1, 1, 1, 1] : memref<1x1x16x20x20xf32> to memref<1x1x8x10x20xf32, strided<[6400, 6400, 400, 20, 1], offset: ?>>
    linalg.generic {indexing_maps = [#xm, #wm, #om], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
        ins(%xs, %ws : memref<1x8x12x22xf32, strided<[3872, 484, 22, 1], offset: ?>>, memref<1x8x8x3x3xf32, strided<[1152, 72, 9, 3, 1], offset: ?>>) outs(%os : memref<1x1x8x10x20xf32, strided<[6400, 6400, 400, 20, 1], offset: ?>>) {
    ^bb0(%a: f32, %b: f32, %acc: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      linalg.yield %s : f32
    }
  }
  return
}
