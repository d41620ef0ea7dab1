/*===- kiln/abi.h - the C ABI of a compiled Kiln graph --------------------===*
 *
 * Every artifact that `kiln compile` produces exports, for a graph NAME:
 *
 *   int32_t NAME_run(const kiln_tensor *inputs, int32_t num_inputs,
 *                    const kiln_tensor *outputs, int32_t num_outputs,
 *                    void *workspace);
 *   int32_t NAME_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
 *                       const kiln_tensor *outputs, int32_t num_outputs,
 *                       void *workspace, const kiln_exec *exec);
 *   const kiln_graph_desc *NAME_describe(void);
 *
 * NAME_run is NAME_run_ex with no `exec`: it runs on the calling thread.
 * `workspace` holds desc->workspace_size bytes, 64-byte aligned (NULL when
 * that size is 0); the graph keeps all its intermediate tensors there and
 * allocates no memory when its shapes are static. One workspace serves one
 * run at a time.
 *
 * A shared library (`--emit shared`) also exports `kiln_artifact_describe`,
 * the same function under a fixed name, so that a loader need not know NAME.
 * An artifact compiled with `--check-numerics` also exports
 *
 *   kiln_numerics_hook *NAME_numerics(void);
 *
 * (and `kiln_artifact_numerics`, in a shared library), through which a host
 * learns of the NaN and Inf that the graph's kernels produce.
 * This file is copied verbatim into every generated header, so that a program
 * can use a compiled graph with no Kiln headers installed. See docs/abi.md.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever any struct below or the entry-point signature changes. */
#define KILN_ABI_VERSION 2

typedef enum kiln_dtype {
  KILN_DTYPE_F16 = 1,
  KILN_DTYPE_BF16 = 2,
  KILN_DTYPE_F32 = 3,
  KILN_DTYPE_F64 = 4,
  KILN_DTYPE_I8 = 5,
  KILN_DTYPE_I16 = 6,
  KILN_DTYPE_I32 = 7,
  KILN_DTYPE_I64 = 8,
  KILN_DTYPE_U8 = 9,
  KILN_DTYPE_BOOL = 10
} kiln_dtype;

/* Status codes returned by NAME_run. */
typedef enum kiln_run_status {
  KILN_RUN_OK = 0,
  KILN_RUN_BAD_COUNT = 1, /* num_inputs / num_outputs differ from the graph */
  KILN_RUN_BAD_DTYPE = 2, /* a tensor's dtype differs from the graph's */
  KILN_RUN_BAD_RANK = 3,  /* a tensor's rank differs from the graph's */
  KILN_RUN_BAD_SHAPE = 4, /* a dimension differs, or symbolic dims disagree */
  KILN_RUN_NULL_DATA = 5  /* a tensor with elements has a NULL data pointer */
} kiln_run_status;

/* A tensor passed to NAME_run: dense, row-major, caller-owned. */
typedef struct kiln_tensor {
  void *data;
  const int64_t *shape; /* `rank` entries */
  int32_t rank;
  int32_t dtype; /* a kiln_dtype */
} kiln_tensor;

/* A range of a parallel loop: runs iterations [begin, end) of the loop whose
 * state is `ctx`. */
typedef void (*kiln_task_fn)(void *ctx, int64_t begin, int64_t end);

/* How NAME_run_ex runs its parallel loops. For each parallel loop of n
 * iterations (n > 1) the graph calls
 *     exec->parallel_for(exec->user, exec->num_threads, fn, ctx, n)
 * which must call fn on disjoint ranges that cover [0, n), on at most
 * num_threads threads at once (the calling one included), and return when
 * all have returned. With exec == NULL, parallel_for == NULL or
 * num_threads <= 1, the graph runs the loop itself on the calling thread. */
typedef struct kiln_exec {
  uint32_t abi_version; /* KILN_ABI_VERSION */
  int32_t num_threads;
  void (*parallel_for)(void *user, int32_t num_threads, kiln_task_fn fn,
                       void *ctx, int64_t n);
  void *user;
} kiln_exec;

/* The static description of one input or output. */
typedef struct kiln_tensor_desc {
  const char *name;
  int32_t dtype; /* a kiln_dtype */
  int32_t rank;
  /* `rank` entries: the size, or -1 for a symbolic dimension. */
  const int64_t *dims;
  /* `rank` entries: NULL for a static dimension, else the symbolic size as a
   * product of integers and symbol names, e.g. "N" or "N*4". Symbols are
   * bound by the inputs' dimensions. */
  const char *const *dim_exprs;
} kiln_tensor_desc;

/* The self-description of a compiled graph. */
typedef struct kiln_graph_desc {
  uint32_t abi_version; /* KILN_ABI_VERSION of the compiler that made it */
  const char *name;
  int32_t num_inputs;
  int32_t num_outputs;
  const kiln_tensor_desc *inputs;
  const kiln_tensor_desc *outputs;
  uint64_t workspace_size; /* bytes NAME_run needs in `workspace` (may be 0) */
  int32_t (*run)(const kiln_tensor *inputs, int32_t num_inputs,
                 const kiln_tensor *outputs, int32_t num_outputs,
                 void *workspace);
  int32_t (*run_ex)(const kiln_tensor *inputs, int32_t num_inputs,
                    const kiln_tensor *outputs, int32_t num_outputs,
                    void *workspace, const kiln_exec *exec);
} kiln_graph_desc;

/* One kernel's result that holds NaN or Inf (artifacts compiled with
 * --check-numerics). Valid during the handler's call only; `nodes` is static. */
typedef struct kiln_numerics_event {
  int32_t kernel;      /* the kernel, numbered in program order from 0 */
  int32_t result;      /* which of its results */
  int32_t num_results; /* how many results the kernel has */
  int32_t dtype;       /* a kiln_dtype (floating) */
  /* The graph nodes whose work the kernel does, in program order. */
  const char *const *nodes;
  int32_t num_nodes;
  int64_t nan;      /* NaN elements */
  int64_t inf;      /* +Inf and -Inf elements */
  int64_t elements; /* elements of the result */
} kiln_numerics_event;

/* Called, on the thread that runs the graph, right after a kernel whose
 * result holds NaN or Inf; the run then goes on. */
typedef void (*kiln_numerics_handler)(const kiln_numerics_event *event,
                                      void *user);

/* The artifact's numerics hook: one per loaded artifact. While `handler` is
 * NULL the checks still run but report nothing. Set it before running. */
typedef struct kiln_numerics_hook {
  uint32_t abi_version; /* KILN_ABI_VERSION */
  int32_t num_kernels;
  kiln_numerics_handler handler;
  void *user;
} kiln_numerics_hook;

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
