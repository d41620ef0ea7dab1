/*===- fake_artifact.c - a hand-written Kiln artifact for runtime tests ---===*
 *
 * Implements the ABI of kiln/abi.h the way `kiln compile --emit shared` does,
 * for the graph "addone":  x: f32 [N, 3]  ->  y: f32 [N, 3],  y = x + 1.
 *
 * Variants are built from this file with compile definitions:
 *   FAKE_ABI_VERSION=99  an artifact from an incompatible compiler
 *   FAKE_RUN_RESULT=4    the graph's run function always fails with that code
 *   FAKE_BAD_DESC        the output uses a symbol ("M") no input binds
 *   FAKE_NO_RUN_EX       the description has no run_ex (required by ABI 2)
 *===----------------------------------------------------------------------===*/
#include "kiln/abi.h"

#include <stddef.h>

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION KILN_ABI_VERSION
#endif
#ifndef FAKE_RUN_RESULT
#define FAKE_RUN_RESULT 0
#endif

#define EXPORT __attribute__((visibility("default")))

static const int64_t x_dims[] = {-1, 3};
static const char *const x_exprs[] = {"N", NULL};
static const int64_t y_dims[] = {-1, 3};
#ifdef FAKE_BAD_DESC
static const char *const y_exprs[] = {"M", NULL};
#else
static const char *const y_exprs[] = {"N", NULL};
#endif

static const kiln_tensor_desc inputs_desc[] = {
    {"x", KILN_DTYPE_F32, 2, x_dims, x_exprs}};
static const kiln_tensor_desc outputs_desc[] = {
    {"y", KILN_DTYPE_F32, 2, y_dims, y_exprs}};

EXPORT int32_t addone_run(const kiln_tensor *inputs, int32_t num_inputs,
                          const kiln_tensor *outputs, int32_t num_outputs,
                          void *workspace);
EXPORT int32_t addone_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                             const kiln_tensor *outputs, int32_t num_outputs,
                             void *workspace, const kiln_exec *exec);

int32_t addone_run(const kiln_tensor *inputs, int32_t num_inputs,
                   const kiln_tensor *outputs, int32_t num_outputs,
                   void *workspace) {
  return addone_run_ex(inputs, num_inputs, outputs, num_outputs, workspace,
                       NULL);
}

/* A graph with no parallel loop: exec is not used. */
int32_t addone_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                      const kiln_tensor *outputs, int32_t num_outputs,
                      void *workspace, const kiln_exec *exec) {
  (void)workspace;
  (void)exec;
  if (FAKE_RUN_RESULT != 0)
    return FAKE_RUN_RESULT;
  /* The same checks that compiled code makes. */
  if (num_inputs != 1 || num_outputs != 1)
    return KILN_RUN_BAD_COUNT;
  const kiln_tensor *x = &inputs[0], *y = &outputs[0];
  if (x->dtype != KILN_DTYPE_F32 || y->dtype != KILN_DTYPE_F32)
    return KILN_RUN_BAD_DTYPE;
  if (x->rank != 2 || y->rank != 2)
    return KILN_RUN_BAD_RANK;
  int64_t n = x->shape[0];
  if (x->shape[1] != 3 || y->shape[0] != n || y->shape[1] != 3)
    return KILN_RUN_BAD_SHAPE;
  if (n > 0 && (!x->data || !y->data))
    return KILN_RUN_NULL_DATA;
  const float *in = (const float *)x->data;
  float *out = (float *)y->data;
  for (int64_t i = 0; i < n * 3; ++i)
    out[i] = in[i] + 1.0f;
  return KILN_RUN_OK;
}

#ifdef FAKE_NO_RUN_EX
#define FAKE_RUN_EX NULL
#else
#define FAKE_RUN_EX addone_run_ex
#endif

static const kiln_graph_desc desc = {
    FAKE_ABI_VERSION, "addone",   1, 1, inputs_desc, outputs_desc, 0,
    addone_run,       FAKE_RUN_EX};

EXPORT const kiln_graph_desc *addone_describe(void);
EXPORT const kiln_graph_desc *kiln_artifact_describe(void);

const kiln_graph_desc *addone_describe(void) { return &desc; }
const kiln_graph_desc *kiln_artifact_describe(void) { return &desc; }
