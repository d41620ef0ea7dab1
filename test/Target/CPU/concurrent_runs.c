/* Runs one compiled model from several threads at once, each run itself on
 * the runtime's pool (2 threads per run), and checks every result against a
 * run on one thread: parallel loops and the shared workspace must not mix
 * concurrent runs. usage: concurrent_runs MODEL.so */
#include "kiln/runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kThreads = 4, kRuns = 40, kRows = 64, kCols = 512 };

static kiln_model *model;
static float input[kRows * kCols], expected[kRows * kCols];
static const int64_t shape[2] = {kRows, kCols};
static int failures;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static int run(float *out, int32_t threads) {
  kiln_tensor in = {input, shape, 2, KILN_DTYPE_F32};
  kiln_tensor o = {out, shape, 2, KILN_DTYPE_F32};
  if (kiln_model_run_threads(model, &in, 1, &o, 1, threads) != KILN_OK) {
    fprintf(stderr, "run failed: %s\n", kiln_last_error());
    return 1;
  }
  return 0;
}

static void *worker(void *arg) {
  float *out = malloc(sizeof(expected));
  for (int r = 0; r < kRuns; ++r) {
    memset(out, 0, sizeof(expected));
    int bad = run(out, 2) || memcmp(out, expected, sizeof(expected)) != 0;
    if (bad) {
      pthread_mutex_lock(&mu);
      ++failures;
      pthread_mutex_unlock(&mu);
    }
  }
  free(out);
  (void)arg;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2 || kiln_model_open(argv[1], &model) != KILN_OK) {
    fprintf(stderr, "cannot open model: %s\n", kiln_last_error());
    return 1;
  }
  for (int i = 0; i < kRows * kCols; ++i)
    input[i] = (float)((i * 7919) % 2001 - 1000) / 250.0f;
  if (run(expected, 1))
    return 1;
  pthread_t threads[kThreads];
  for (int t = 0; t < kThreads; ++t)
    pthread_create(&threads[t], NULL, worker, NULL);
  for (int t = 0; t < kThreads; ++t)
    pthread_join(threads[t], NULL);
  kiln_model_close(model);
  printf("%d of %d concurrent runs differ from the single-thread run\n",
         failures, kThreads * kRuns);
  return failures != 0;
}
