/*===- kiln/runtime.h - the Kiln runtime C API ----------------------------===*
 *
 * A small C11 library (no LLVM/MLIR dependency) that loads compiled Kiln
 * artifacts (shared objects made by `kiln compile --emit shared`), checks
 * their ABI version, validates tensors against the graph's self-description
 * with precise error messages, and runs them, their parallel loops on a
 * process-wide thread pool. It also reads and writes NumPy `.npy` files, the
 * tensor interchange format of `kiln run`.
 *
 * Conventions
 *   - Every fallible function returns a kiln_status; on failure,
 *     kiln_last_error() returns a sentence that names the input, output or
 *     file involved and what was expected versus what was found.
 *   - Nothing here aborts or crashes on bad input (files, tensors, artifacts
 *     that are not Kiln artifacts); it returns an error instead.
 *
 * Thread safety
 *   - kiln_last_error() is per thread (thread-local storage).
 *   - kiln_dtype_*, kiln_npy_* are thread-safe (no shared state) as long as
 *     two threads do not use the same kiln_npy or output file concurrently.
 *   - kiln_model_open() may be called from several threads at once.
 *   - A kiln_model may be shared between threads: kiln_model_describe(),
 *     kiln_model_resolve_output_shape(), kiln_model_run() and
 *     kiln_model_run_threads() can be called concurrently on one model (the
 *     cached workspace is claimed with an atomic flag; a caller that finds it
 *     busy uses a private workspace for that call). Concurrent runs must use
 *     distinct output buffers.
 *   - All runs share one thread pool of (online CPUs - 1) workers, created on
 *     first use. A run takes only idle workers and runs the rest of its work
 *     on its own thread, so concurrent runs (of any models, from any threads)
 *     never wait for one another, never deadlock, and never put more than
 *     CPUs - 1 pool threads to work in all. A run started from inside a
 *     graph's parallel loop runs on that thread alone.
 *   - The workers are never joined; they sleep when idle. A child created by
 *     fork() gets a pool of its own on first use.
 *   - kiln_model_close() must not race with any other use of that model.
 *
 * See docs/runtime.md for a guide, and kiln/abi.h for the artifact ABI.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define KILN_RUNTIME_API
#else
#define KILN_RUNTIME_API __attribute__((visibility("default")))
#endif

/*===------------------------------------------------------------------===*
 * Status and errors
 *===------------------------------------------------------------------===*/

typedef enum kiln_status {
  KILN_OK = 0,
  KILN_ERROR_IO,               /* a file could not be opened, read or written */
  KILN_ERROR_FORMAT,           /* a file is malformed / not a Kiln artifact   */
  KILN_ERROR_ABI,              /* artifact built for another ABI version      */
  KILN_ERROR_INVALID_ARGUMENT, /* NULL pointer, bad count or index, ...       */
  KILN_ERROR_SHAPE,            /* rank or dimension mismatch                  */
  KILN_ERROR_DTYPE,            /* element type mismatch or unknown dtype      */
  KILN_ERROR_OUT_OF_MEMORY,    /* an allocation failed                        */
  KILN_ERROR_RUN               /* the compiled graph returned a nonzero code  */
} kiln_status;

/* The message of the last failing call made on this thread, e.g.
 * "input 'x' dim 1: expected 784, got 785". Never NULL; "" before any error.
 * Successful calls leave it unchanged. The string stays valid until the next
 * failing call on this thread. */
KILN_RUNTIME_API const char *kiln_last_error(void);

/* A short name for a status ("KILN_ERROR_SHAPE", ...); "unknown status" for
 * values outside the enum. */
KILN_RUNTIME_API const char *kiln_status_name(kiln_status status);

/*===------------------------------------------------------------------===*
 * Element types
 *===------------------------------------------------------------------===*/

/* "f16", "bf16", "f32", "f64", "i8", "i16", "i32", "i64", "u8", "bool";
 * "unknown" for a value that is not a kiln_dtype. */
KILN_RUNTIME_API const char *kiln_dtype_name(int32_t dtype);

/* Bytes per element (bool is 1 byte); 0 for an unknown dtype. */
KILN_RUNTIME_API size_t kiln_dtype_size(int32_t dtype);

/* The inverse of kiln_dtype_name (exact, case-sensitive); 0 if unknown or
 * NULL. */
KILN_RUNTIME_API int32_t kiln_dtype_from_name(const char *name);

/*===------------------------------------------------------------------===*
 * Models (compiled artifacts loaded from shared objects)
 *===------------------------------------------------------------------===*/

typedef struct kiln_model kiln_model;

/* Loads the artifact at `path` with dlopen(RTLD_NOW | RTLD_LOCAL) (a path
 * without '/' is taken relative to the current directory, not searched on
 * the library path), finds `kiln_artifact_describe`, and checks that the
 * description is well formed and that its abi_version is KILN_ABI_VERSION.
 * Errors: KILN_ERROR_IO (missing or unreadable file), KILN_ERROR_FORMAT (not
 * a loadable shared object, not a Kiln artifact, malformed description),
 * KILN_ERROR_ABI (version mismatch), KILN_ERROR_INVALID_ARGUMENT (NULL
 * arguments), KILN_ERROR_OUT_OF_MEMORY. On failure *out is set to NULL. */
KILN_RUNTIME_API kiln_status kiln_model_open(const char *path, kiln_model **out);

/* Unloads the model and frees its workspace. NULL is a no-op. */
KILN_RUNTIME_API void kiln_model_close(kiln_model *model);

/* The artifact's self-description (owned by the artifact; valid until
 * kiln_model_close). NULL only if `model` is NULL. */
KILN_RUNTIME_API const kiln_graph_desc *
kiln_model_describe(const kiln_model *model);

/* Validates `inputs` against the graph (count, dtypes, ranks, static dims,
 * consistency of symbolic dims), binds the symbols (an input dimension that
 * is -1 in the description names a symbol, e.g. "N"; its first occurrence
 * fixes the value, later ones must agree) and evaluates the dim_exprs of
 * output `output_index` (products of integers and symbols separated by '*',
 * e.g. "N", "N*4", "2*N*S") into `shape_out`, which must hold the output's
 * rank entries (it may be NULL for a rank-0 output). Input data pointers are
 * not dereferenced and may be NULL. */
KILN_RUNTIME_API kiln_status kiln_model_resolve_output_shape(
    const kiln_model *model, const kiln_tensor *inputs, int32_t num_inputs,
    int32_t output_index, int64_t *shape_out);

/* Validates inputs (as above) and outputs (count, dtype, rank, shape equal to
 * the resolved shape, non-NULL data when the tensor has elements), provides
 * a workspace of desc->workspace_size bytes (64-byte aligned; cached in the
 * model and reused, see "Thread safety"), then calls desc->run_ex with the
 * runtime's thread pool and one thread per online CPU (see
 * kiln_model_run_threads). A nonzero return code from the graph becomes
 * KILN_ERROR_RUN with a message naming the code (see kiln_run_status in
 * kiln/abi.h). */
KILN_RUNTIME_API kiln_status kiln_model_run(kiln_model *model,
                                            const kiln_tensor *inputs,
                                            int32_t num_inputs,
                                            const kiln_tensor *outputs,
                                            int32_t num_outputs);

/* kiln_model_run with a thread count: the graph's parallel loops run on at
 * most `num_threads` threads at once (the calling thread and idle workers of
 * the runtime's process-wide pool; fewer when workers are busy with other
 * runs); 0 means one per online CPU, a count above the number of online CPUs
 * means that number, 1 runs everything on the calling thread. The graph gets
 * the resolved count in kiln_exec.num_threads. kiln_model_run(...) is
 * kiln_model_run_threads(..., 0). A negative count is
 * KILN_ERROR_INVALID_ARGUMENT. */
KILN_RUNTIME_API kiln_status kiln_model_run_threads(
    kiln_model *model, const kiln_tensor *inputs, int32_t num_inputs,
    const kiln_tensor *outputs, int32_t num_outputs, int32_t num_threads);

/* Installs `handler` (with `user`) as the numerics handler of the model's
 * artifact, which must have been compiled with --check-numerics: after each
 * kernel whose result holds NaN or Inf, kiln_model_run's call of the graph
 * calls it (see kiln_numerics_event in kiln/abi.h) and goes on. NULL removes
 * it. The handler belongs to the loaded artifact, so models opened from the
 * same file share it; kiln_model_close removes the handler that model set.
 * Set it while no run of that artifact is in progress.
 * Errors: KILN_ERROR_INVALID_ARGUMENT (NULL model; an artifact compiled
 * without --check-numerics, or whose hook has another ABI version). */
KILN_RUNTIME_API kiln_status kiln_model_set_numerics_handler(
    kiln_model *model, kiln_numerics_handler handler, void *user);

/*===------------------------------------------------------------------===*
 * NumPy .npy files
 *===------------------------------------------------------------------===*/

#define KILN_NPY_MAX_RANK 16

/* An array read from a .npy file: dense, row-major (C order), owned by the
 * struct (release with kiln_npy_free). */
typedef struct kiln_npy {
  int32_t dtype; /* a kiln_dtype */
  int32_t rank;  /* 0 for a scalar */
  int64_t shape[KILN_NPY_MAX_RANK];
  void *data;    /* 64-byte aligned, never NULL after a successful read */
  size_t nbytes; /* product(shape) * kiln_dtype_size(dtype) */
} kiln_npy;

/* Reads a .npy file (format versions 1.0, 2.0 and 3.0; little-endian descrs
 * <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 |b1, and <u2 read as bf16 bit patterns).
 * Errors: KILN_ERROR_IO (cannot open/read), KILN_ERROR_FORMAT (bad magic,
 * unsupported version, truncated header or data, unparsable header,
 * unsupported descr, big-endian data, fortran_order True, rank > 16),
 * KILN_ERROR_OUT_OF_MEMORY, KILN_ERROR_INVALID_ARGUMENT (NULL arguments).
 * On failure `*out` is zeroed and owns nothing. */
KILN_RUNTIME_API kiln_status kiln_npy_read(const char *path, kiln_npy *out);

/* Writes a C-order .npy file (version 1.0 header, or 2.0 if the header would
 * exceed 65535 bytes). bf16 is written as <u2. `shape` may be NULL when rank
 * is 0; `data` may be NULL when the array has no elements.
 * Errors: KILN_ERROR_DTYPE, KILN_ERROR_SHAPE (rank outside [0, 16], negative
 * dims, size overflow), KILN_ERROR_INVALID_ARGUMENT, KILN_ERROR_IO. */
KILN_RUNTIME_API kiln_status kiln_npy_write(const char *path, int32_t dtype,
                                            int32_t rank, const int64_t *shape,
                                            const void *data);

/* Frees the data of an array read by kiln_npy_read and zeroes the struct.
 * NULL, and a zeroed struct, are no-ops. */
KILN_RUNTIME_API void kiln_npy_free(kiln_npy *npy);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
