/* A plain C program that uses a compiled Kiln graph: it links mlp.o (made by
 * `kiln compile ../mlp.json --shape x=3,8 -o mlp.o`), includes the generated
 * mlp.h, and needs nothing else from Kiln: no runtime, no Python, no
 * framework. mlp_run runs on this thread; the graph's intermediates live in
 * `workspace` (MLP_WORKSPACE_SIZE bytes), so the run allocates nothing. */
#include "mlp.h"

#include <stdio.h>

static const char *kClasses[3] = {"flat", "rising", "falling"};

static _Alignas(64) unsigned char workspace[MLP_WORKSPACE_SIZE + 1];

int main(void) {
  /* Three 8-sample sensor traces, one per row: batch N = 3. */
  float x[3][8] = {
      {0.1f, -0.2f, 0.0f, 0.2f, -0.1f, 0.1f, 0.0f, -0.1f},
      {-1.0f, -0.7f, -0.4f, -0.1f, 0.2f, 0.5f, 0.8f, 1.1f},
      {0.9f, 0.7f, 0.4f, 0.1f, -0.2f, -0.4f, -0.7f, -1.0f},
  };
  float probs[3][3];
  int64_t x_shape[2] = {3, 8}, probs_shape[2] = {3, 3};
  kiln_tensor in = {x, x_shape, 2, KILN_DTYPE_F32};
  kiln_tensor out = {probs, probs_shape, 2, KILN_DTYPE_F32};

  int32_t status =
      mlp_run(&in, MLP_NUM_INPUTS, &out, MLP_NUM_OUTPUTS, workspace);
  if (status != KILN_RUN_OK) {
    fprintf(stderr, "mlp_run failed with status %d\n", (int)status);
    return 1;
  }
  printf("graph '%s' (ABI v%u)\n", mlp_describe()->name,
         (unsigned)mlp_describe()->abi_version);
  for (int i = 0; i < 3; ++i) {
    int best = 0;
    for (int c = 1; c < 3; ++c)
      if (probs[i][c] > probs[i][best])
        best = c;
    printf("trace %d: %-7s  p(flat)=%.3f p(rising)=%.3f p(falling)=%.3f\n", i,
           kClasses[best], probs[i][0], probs[i][1], probs[i][2]);
  }
  return 0;
}
