/*===- fake_pairsum.c - a fake artifact with shared symbols and a workspace ===*
 *
 * Graph "pairsum":
 *   inputs   a: f32 [N, S]   b: f32 [N, 2]   c: i32 [N*S]
 *   outputs  rowsum: f32 [N]       rowsum[n] = sum_j a[n, j] + b[n, 0] + b[n, 1]
 *            tiled:  f32 [2*N*S]   tiled[k] = a.flat[k % (N*S)] + c[k % (N*S)]
 *            count:  i64 []        count = N * S
 *   workspace: 256 bytes. The run function fills it with a pattern unique to
 *   the call, computes, and checks that the pattern survived; a workspace
 *   shared by two concurrent calls shows up as run status 90, a NULL or
 *   misaligned one as 91.
 *===----------------------------------------------------------------------===*/
#include "kiln/abi.h"

#include <stddef.h>

#define EXPORT __attribute__((visibility("default")))
#define WORKSPACE_BYTES 256

static const int64_t a_dims[] = {-1, -1};
static const char *const a_exprs[] = {"N", "S"};
static const int64_t b_dims[] = {-1, 2};
static const char *const b_exprs[] = {"N", NULL};
static const int64_t c_dims[] = {-1};
static const char *const c_exprs[] = {"N*S"};
static const int64_t rowsum_dims[] = {-1};
static const char *const rowsum_exprs[] = {"N"};
static const int64_t tiled_dims[] = {-1};
static const char *const tiled_exprs[] = {"2*N*S"};

static const kiln_tensor_desc inputs_desc[] = {
    {"a", KILN_DTYPE_F32, 2, a_dims, a_exprs},
    {"b", KILN_DTYPE_F32, 2, b_dims, b_exprs},
    {"c", KILN_DTYPE_I32, 1, c_dims, c_exprs},
};
static const kiln_tensor_desc outputs_desc[] = {
    {"rowsum", KILN_DTYPE_F32, 1, rowsum_dims, rowsum_exprs},
    {"tiled", KILN_DTYPE_F32, 1, tiled_dims, tiled_exprs},
    {"count", KILN_DTYPE_I64, 0, NULL, NULL},
};

EXPORT int32_t pairsum_run(const kiln_tensor *inputs, int32_t num_inputs,
                           const kiln_tensor *outputs, int32_t num_outputs,
                           void *workspace);
EXPORT int32_t pairsum_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                              const kiln_tensor *outputs, int32_t num_outputs,
                              void *workspace, const kiln_exec *exec);

int32_t pairsum_run(const kiln_tensor *inputs, int32_t num_inputs,
                    const kiln_tensor *outputs, int32_t num_outputs,
                    void *workspace) {
  return pairsum_run_ex(inputs, num_inputs, outputs, num_outputs, workspace,
                        NULL);
}

/* A graph with no parallel loop: exec is not used. */
int32_t pairsum_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                       const kiln_tensor *outputs, int32_t num_outputs,
                       void *workspace, const kiln_exec *exec) {
  (void)exec;
  if (num_inputs != 3 || num_outputs != 3)
    return KILN_RUN_BAD_COUNT;
  if (!workspace || ((uintptr_t)workspace % 64) != 0)
    return 91;
  const int64_t n = inputs[0].shape[0], s = inputs[0].shape[1];
  const float *a = (const float *)inputs[0].data;
  const float *b = (const float *)inputs[1].data;
  const int32_t *c = (const int32_t *)inputs[2].data;
  float *rowsum = (float *)outputs[0].data;
  float *tiled = (float *)outputs[1].data;
  int64_t *count = (int64_t *)outputs[2].data;

  /* A pattern that identifies this call: its inputs' addresses. */
  volatile uintptr_t *ws = (volatile uintptr_t *)workspace;
  const size_t words = WORKSPACE_BYTES / sizeof(uintptr_t);
  for (size_t i = 0; i < words; ++i)
    ws[i] = (uintptr_t)a ^ (uintptr_t)i;

  for (int64_t i = 0; i < n; ++i) {
    float acc = b[2 * i] + b[2 * i + 1];
    for (int64_t j = 0; j < s; ++j)
      acc += a[i * s + j];
    rowsum[i] = acc;
  }
  for (int64_t k = 0; k < 2 * n * s; ++k)
    tiled[k] = a[k % (n * s)] + (float)c[k % (n * s)];
  *count = n * s;

  for (size_t i = 0; i < words; ++i)
    if (ws[i] != ((uintptr_t)a ^ (uintptr_t)i))
      return 90;
  return KILN_RUN_OK;
}

static const kiln_graph_desc desc = {KILN_ABI_VERSION, "pairsum", 3, 3,
                                     inputs_desc, outputs_desc,
                                     WORKSPACE_BYTES, pairsum_run,
                                     pairsum_run_ex};

EXPORT const kiln_graph_desc *pairsum_describe(void);
EXPORT const kiln_graph_desc *kiln_artifact_describe(void);

const kiln_graph_desc *pairsum_describe(void) { return &desc; }
const kiln_graph_desc *kiln_artifact_describe(void) { return &desc; }
