/*===- fake_parfor.c - a fake artifact whose loop runs through parallel_for ===*
 *
 * Graph "parfor":
 *   inputs   x: i32 [N]     cfg: i64 [3]   (see fake_parfor.h)
 *   outputs  y: i32 [N]        y[i] = x[i] + 1
 *            visits: i32 [N]   how many times iteration i ran
 *            stats: i64 [9]    what the loop saw (see fake_parfor.h)
 *
 * parfor_run_ex runs its loop over [0, N) with exec->parallel_for whenever
 * there is one, for every N and thread count (a compiled graph would run
 * loops of fewer than 2 iterations itself), so that the runtime's pool meets
 * all of them; without it, it runs the loop on the calling thread. The loop
 * body counts its calls, the chunks running at once, the threads it runs on,
 * and those threads' stack sizes; with cfg[FAKE_CFG_INNER_N] > 0 each
 * iteration runs a nested parallel loop, which must stay on its thread.
 *===----------------------------------------------------------------------===*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include "fake_parfor.h"
#include "kiln/abi.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_THREADS 256

static const int64_t x_dims[] = {-1};
static const char *const x_exprs[] = {"N"};
static const int64_t cfg_dims[] = {FAKE_CFG_COUNT};
static const char *const cfg_exprs[] = {NULL};
static const int64_t stats_dims[] = {FAKE_STAT_COUNT};

static const kiln_tensor_desc inputs_desc[] = {
    {"x", KILN_DTYPE_I32, 1, x_dims, x_exprs},
    {"cfg", KILN_DTYPE_I64, 1, cfg_dims, cfg_exprs},
};
static const kiln_tensor_desc outputs_desc[] = {
    {"y", KILN_DTYPE_I32, 1, x_dims, x_exprs},
    {"visits", KILN_DTYPE_I32, 1, x_dims, x_exprs},
    {"stats", KILN_DTYPE_I64, 1, stats_dims, cfg_exprs},
};

/* Over all runs in the process: chunks running on non-caller threads. */
static atomic_long global_foreign_active;
static atomic_long global_foreign_max;

typedef struct run_ctx {
  const kiln_exec *exec;
  pthread_t caller;
  const int32_t *x;
  int32_t *y;
  int32_t *visits;
  int64_t inner_n, work;
  int rendezvous;
  atomic_long calls, active, max_active, foreign, inner, inner_foreign;
  atomic_long distinct; /* num_threads, readable without mu */
  atomic_int first_waited;
  pthread_mutex_t mu; /* guards threads[], num_threads, min_stack */
  pthread_t threads[MAX_THREADS];
  int64_t num_threads;
  int64_t min_stack;
} run_ctx;

typedef struct inner_ctx {
  run_ctx *run;
  pthread_t outer;
} inner_ctx;

static void raise_max(atomic_long *max, long v) {
  long cur = atomic_load(max);
  while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
    ;
}

static void inner_body(void *p, int64_t begin, int64_t end) {
  inner_ctx *c = p;
  atomic_fetch_add(&c->run->inner, end - begin);
  if (!pthread_equal(pthread_self(), c->outer))
    atomic_fetch_add(&c->run->inner_foreign, 1);
}

static void note_thread(run_ctx *c, pthread_t self, int foreign) {
  pthread_mutex_lock(&c->mu);
  int64_t known = c->num_threads < MAX_THREADS ? c->num_threads : MAX_THREADS;
  int seen = 0;
  for (int64_t i = 0; i < known && !seen; ++i)
    seen = pthread_equal(c->threads[i], self);
  if (!seen) {
    if (c->num_threads < MAX_THREADS)
      c->threads[c->num_threads] = self;
    ++c->num_threads;
    atomic_fetch_add(&c->distinct, 1);
    pthread_attr_t attr;
    size_t stack = 0;
    if (foreign && pthread_getattr_np(self, &attr) == 0) {
      pthread_attr_getstacksize(&attr, &stack);
      pthread_attr_destroy(&attr);
      if (c->min_stack == 0 || (int64_t)stack < c->min_stack)
        c->min_stack = (int64_t)stack;
    }
  }
  pthread_mutex_unlock(&c->mu);
}

static void body(void *p, int64_t begin, int64_t end) {
  run_ctx *c = p;
  pthread_t self = pthread_self();
  int foreign = !pthread_equal(self, c->caller);
  atomic_fetch_add(&c->calls, 1);
  raise_max(&c->max_active, atomic_fetch_add(&c->active, 1) + 1);
  if (foreign) {
    atomic_fetch_add(&c->foreign, 1);
    raise_max(&global_foreign_max,
              atomic_fetch_add(&global_foreign_active, 1) + 1);
  }
  note_thread(c, self, foreign);

  if (c->rendezvous && !atomic_exchange(&c->first_waited, 1)) {
    struct timespec step = {0, 100000}; /* 100 us, up to 10 s */
    for (int i = 0; i < 100000 && atomic_load(&c->distinct) < 2; ++i)
      nanosleep(&step, NULL);
  }

  for (int64_t i = begin; i < end; ++i) {
    __atomic_fetch_add(&c->visits[i], 1, __ATOMIC_RELAXED);
    c->y[i] = c->x[i] + 1;
    volatile int64_t sink = 0;
    for (int64_t k = 0; k < c->work; ++k)
      sink += k;
    if (c->inner_n > 0) {
      inner_ctx ic = {c, self};
      if (c->exec && c->exec->parallel_for)
        c->exec->parallel_for(c->exec->user, c->exec->num_threads, inner_body,
                              &ic, c->inner_n);
      else
        inner_body(&ic, 0, c->inner_n);
    }
  }

  if (foreign)
    atomic_fetch_sub(&global_foreign_active, 1);
  atomic_fetch_sub(&c->active, 1);
}

EXPORT int32_t parfor_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                             const kiln_tensor *outputs, int32_t num_outputs,
                             void *workspace, const kiln_exec *exec);
EXPORT int32_t parfor_run(const kiln_tensor *inputs, int32_t num_inputs,
                          const kiln_tensor *outputs, int32_t num_outputs,
                          void *workspace);

int32_t parfor_run_ex(const kiln_tensor *inputs, int32_t num_inputs,
                      const kiln_tensor *outputs, int32_t num_outputs,
                      void *workspace, const kiln_exec *exec) {
  (void)workspace;
  if (num_inputs != 2 || num_outputs != 3)
    return KILN_RUN_BAD_COUNT;
  if (exec && exec->abi_version != KILN_ABI_VERSION)
    return 92;
  const int64_t n = inputs[0].shape[0];
  const int64_t *cfg = (const int64_t *)inputs[1].data;
  int64_t *stats = (int64_t *)outputs[2].data;

  static run_ctx zero;
  run_ctx c = zero;
  c.exec = exec;
  c.caller = pthread_self();
  c.x = (const int32_t *)inputs[0].data;
  c.y = (int32_t *)outputs[0].data;
  c.visits = (int32_t *)outputs[1].data;
  c.inner_n = cfg[FAKE_CFG_INNER_N];
  c.work = cfg[FAKE_CFG_WORK];
  c.rendezvous = cfg[FAKE_CFG_RENDEZVOUS] != 0;
  pthread_mutex_init(&c.mu, NULL);
  for (int64_t i = 0; i < n; ++i)
    c.visits[i] = 0;

  if (exec && exec->parallel_for)
    exec->parallel_for(exec->user, exec->num_threads, body, &c, n);
  else if (n > 0)
    body(&c, 0, n);
  pthread_mutex_destroy(&c.mu);

  stats[FAKE_STAT_CALLS] = atomic_load(&c.calls);
  stats[FAKE_STAT_MAX_ACTIVE] = atomic_load(&c.max_active);
  stats[FAKE_STAT_THREADS] = c.num_threads;
  stats[FAKE_STAT_FOREIGN] = atomic_load(&c.foreign);
  stats[FAKE_STAT_INNER] = atomic_load(&c.inner);
  stats[FAKE_STAT_INNER_FOREIGN] = atomic_load(&c.inner_foreign);
  stats[FAKE_STAT_GLOBAL_MAX_FOREIGN] = atomic_load(&global_foreign_max);
  stats[FAKE_STAT_EXEC_THREADS] = exec ? exec->num_threads : 0;
  stats[FAKE_STAT_MIN_STACK] = c.min_stack;
  return KILN_RUN_OK;
}

int32_t parfor_run(const kiln_tensor *inputs, int32_t num_inputs,
                   const kiln_tensor *outputs, int32_t num_outputs,
                   void *workspace) {
  return parfor_run_ex(inputs, num_inputs, outputs, num_outputs, workspace,
                       NULL);
}

static const kiln_graph_desc desc = {
    KILN_ABI_VERSION, "parfor", 2, 3, inputs_desc, outputs_desc, 0,
    parfor_run,       parfor_run_ex};

EXPORT const kiln_graph_desc *parfor_describe(void);
EXPORT const kiln_graph_desc *kiln_artifact_describe(void);

const kiln_graph_desc *parfor_describe(void) { return &desc; }
const kiln_graph_desc *kiln_artifact_describe(void) { return &desc; }
