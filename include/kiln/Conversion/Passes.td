//===- Passes.td - Kiln conversion passes ------------------*- tablegen -*-===//
#ifndef KILN_CONVERSION_PASSES_TD
#define KILN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertKilnToLinalg : Pass<"convert-kiln-to-linalg", "func::FuncOp"> {
  let summary = "Lowers kiln ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Every kiln op becomes destination-passing linalg on tensors: elementwise
    ops and broadcasts become `linalg.generic` with broadcasting indexing maps,
    `matmul` a contraction `linalg.generic` (batch broadcasting and transposes
    folded into its maps), reductions `linalg.generic` with reduction
    iterators, `transpose` `linalg.transpose`, `reshape` `tensor.reshape` or
    `tensor.collapse_shape`/`expand_shape`, constants `arith.constant`.
    Dynamic sizes are read with `tensor.dim`; two dynamic dimensions that
    broadcast against each other are equal (kiln-infer-symbolic-dims proved
    it), so no broadcast is emitted between them.

    ```mlir
    %c = kiln.add %a, %b : (tensor<?x10xf32>, tensor<10xf32>) -> tensor<?x10xf32>
    ```
    becomes
    ```mlir
    %d = tensor.dim %a, %c0 : tensor<?x10xf32>
    %e = tensor.empty(%d) : tensor<?x10xf32>
    %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                          affine_map<(i, j) -> (j)>,
                                          affine_map<(i, j) -> (i, j)>], ...}
        ins(%a, %b : ...) outs(%e : ...) { arith.addf ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def KilnFuse : Pass<"kiln-fuse", "func::FuncOp"> {
  let summary = "Fuses linalg ops into kernels";
  let description = [{
    Runs on linalg-on-tensors, after `convert-kiln-to-linalg`, and decides
    which ops become one kernel (a loop nest that reads its inputs and
    writes its outputs once, intermediates staying in registers or in
    tile-sized buffers).

    1. *Elementwise fusion.* Transposes, broadcasts and elementwise named
       ops become `linalg.generic`; a parallel generic is merged into the
       generic that consumes it when the consumer reads each element once
       (through a permutation, not a broadcast, which would repeat the
       producer's work per copy) and the producer has no other user or is
       cheap (at most four arithmetic ops, no transcendental function), in
       which case it is recomputed rather than stored. A chain of
       elementwise ops with broadcasting becomes one generic.
    2. *Kernel formation.* From each consumer backwards, a producer joins
       the consumer's group when all its users are in the group: a
       reduction with its elementwise neighbours (softmax, layer norm), a
       contraction or convolution with its epilogue (bias, activation,
       residual add), the fills that initialize them. The inputs of a
       contraction or convolution never pull their producers in (every tile
       would recompute them). The consumer is tiled, as an `scf.forall`, along
       the parallel loops that every member indexes (a row-wise reduction
       keeps its rows whole), about `tile-elements` result elements per
       tile, and the group's members are fused into the loop: one kernel.
       Members reached along two paths are computed once per tile.

    Before (relu of a bias add of a matmul, after lowering):
    ```mlir
    %mm = linalg.generic {... ["parallel", "parallel", "reduction"]}
            ins(%x, %w) outs(%fill)
    %b = linalg.generic {... ["parallel", "parallel"]} ins(%mm, %bias) ...
    %r = linalg.generic {... ["parallel", "parallel"]} ins(%b) ...
    ```
    After:
    ```mlir
    %r = scf.forall (%i, %j) = (0, 0) to (64, 256) step (16, 256)
           shared_outs(%o = %empty) {
      %f = linalg.fill ... -> tensor<16x256xf32>
      %mm = linalg.generic {...} ins(%x_tile, %w_tile) outs(%f)
      %e = linalg.generic {...} ins(%mm, %bias_tile)   // add + max fused
      scf.forall.in_parallel { tensor.parallel_insert_slice %e into %o ... }
    }
    ```
  }];
  let options = [
    Option<"tileElements", "tile-elements", "int64_t", /*default=*/"4096",
           "Result elements per tile of a fused kernel">,
  ];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::affine::AffineDialect"
  ];
}

def KilnInsertNumericsChecks
    : Pass<"kiln-insert-numerics-checks", "::mlir::ModuleOp"> {
  let summary = "Counts the NaN and Inf that each kernel writes and reports them";
  let description = [{
    Runs on linalg-on-tensors after `kiln-fuse`, for `--check-numerics`
    builds only. Right after each kernel of a graph function (see
    `kiln/Conversion/Kernels.h`; numbered in program order, as `kiln
    inspect` numbers them), each floating-point tensor result of the kernel
    is scanned by a reduction `linalg.generic` that counts its NaN and its
    +-Inf elements into two 0-d `i64` tensors; when either count is not
    zero, an `scf.if` calls

    ```mlir
    func.func private @kiln.numerics_report(%kernel: i64, %result: i64,
        %num_results: i64, %dtype: i64, %nan: i64, %inf: i64,
        %elements: i64)
    ```

    (`dtype` is a `kiln_dtype`). The module gets `kiln.numerics_kernels`,
    the graph nodes of every kernel (an array of arrays of names, indexed by
    kernel). Neither is resolved in MLIR: the CPU target defines the report
    function in the artifact, where it forwards each report to a handler
    the host installs (`kiln_model_set_numerics_handler`).

    A kernel result that is only the destination of further
    `tensor.insert_slice`/`tensor.insert` ops (a concatenation written part
    by part) is not checked: it is not whole yet.

    ```mlir
    %r = linalg.generic ... -> tensor<4xf32>          // kernel 1
    %counts:2 = linalg.generic {iterator_types = ["reduction"]}
        ins(%r : tensor<4xf32>) outs(%z0, %z1 : tensor<i64>, tensor<i64>)
    %nan = tensor.extract %counts#0[] : tensor<i64>
    %inf = tensor.extract %counts#1[] : tensor<i64>
    %any = arith.cmpi ne, (%nan + %inf), 0
    scf.if %any {
      func.call @kiln.numerics_report(%c1, %c0, %c1, %c3, %nan, %inf, %c4)
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect"
  ];
}


//===----------------------------------------------------------------------===//
// CPU code generation (on memrefs, after kiln-bufferize)
//===----------------------------------------------------------------------===//

def KilnLowerContractions
    : Pass<"kiln-lower-contractions", "::mlir::ModuleOp"> {
  let summary = "Lowers f32 matmul, batch matmul and conv to packed, "
                "register-blocked vector kernels";
  let description = [{
    Runs on bufferized IR. Each `linalg.generic` that is an f32 contraction
    (matmul, batch matmul with any transposes, and convolutions) becomes a
    cache-tiled loop nest whose innermost kernel keeps an MR x NR block of C
    in vector registers (`vector.fma` over `vector.load`/`vector.broadcast`),
    reading packed panels of A and B. The vector width and the register
    block follow the target CPU (`target-cpu`/`target-features`: AVX-512 or
    AVX2). Constant operands are packed at compile time.
  }];
  let options = [
    Option<"targetTriple", "target-triple", "std::string", "\"\"",
           "The target triple (empty: the host)">,
    Option<"targetCpu", "target-cpu", "std::string", "\"\"",
           "The CPU to generate for (empty: the host's, or generic when "
           "cross-compiling)">,
    Option<"targetFeatures", "target-features", "std::string", "\"\"",
           "Extra target features (e.g. +avx512f)">,
  ];
  let dependentDialects = [
    "::mlir::vector::VectorDialect", "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
    "::mlir::affine::AffineDialect"
  ];
}

def KilnPlanMemory : Pass<"kiln-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Places every intermediate buffer in one planned workspace";
  let description = [{
    Runs right after bufferization. The graph function gets two trailing
    arguments, the workspace (`memref<Sxi8>`) and the executor
    (`!llvm.ptr`, a `kiln_exec *`). Every statically shaped `memref.alloc`
    in the graph function's body gets an offset in the workspace from a
    liveness-based plan: buffers whose lifetimes (from the allocation to the
    last use of the buffer or of any view of it, in program order) do not
    overlap may share bytes. Allocations inside `scf.forall` bodies become
    `memref.alloca`s (one per thread). The module gets `kiln.workspace_size`.
  }];
  let dependentDialects = [
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def KilnOutlineParallel : Pass<"kiln-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Runs the outermost parallel loops through the executor";
  let description = [{
    Each outermost `scf.forall` of a graph function (after
    `kiln-plan-memory`) is outlined into a function that runs a range of its
    (linearized) iterations, and replaced by a call of a dispatch function
    that the CPU target defines: it calls the `kiln_exec` hook, or runs all
    iterations on the calling thread when there is none.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect", "::mlir::affine::AffineDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def KilnFastMath : Pass<"kiln-fast-math", "::mlir::ModuleOp"> {
  let summary = "Replaces exp, tanh, erf (and friends) on f32 with "
                "polynomial approximations";
  let description = [{
    f32 `math.exp`, `math.tanh`, `math.erf`, `math.log`, ... become inline
    polynomial approximations (the upstream ones), which vectorize, instead
    of libm calls. Error bounds are documented in docs/codegen.md and tested
    against NumPy.
  }];
  let dependentDialects = [
    "::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // KILN_CONVERSION_PASSES_TD
