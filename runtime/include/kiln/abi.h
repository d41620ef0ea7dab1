/*===- kiln/abi.h - the C ABI of a compiled Kiln graph --------------------===*
 *
 * Every artifact that `kiln compile` produces exports, for a graph NAME:
 *
 *   int32_t NAME_run(const kiln_tensor *inputs, int32_t num_inputs,
 *                    const kiln_tensor *outputs, int32_t num_outputs,
 *                    void *workspace);
 *   const kiln_graph_desc *NAME_describe(void);
 *
 * A shared library (`--emit shared`) also exports `kiln_artifact_describe`,
 * the same function under a fixed name, so that a loader need not know NAME.
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
#define KILN_ABI_VERSION 1

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
} kiln_graph_desc;

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
