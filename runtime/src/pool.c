/*===- pool.c - the runtime's process-wide thread pool ---------------------===*
 *
 * Implements kiln_exec's parallel_for (kiln/abi.h) by work sharing.
 *
 * The pool is created on first use: one worker pthread per online CPU but
 * one (the thread that calls parallel_for is the last participant), each
 * with a 16 MiB stack (compiled kernels keep per-iteration scratch buffers
 * on the stack) and every signal blocked. A call of parallel_for
 *
 *   1. takes up to num_threads - 1 workers from the idle stack (never a
 *      worker that is busy with another call's loop, and never more than
 *      n - 1), cuts [0, n) into about 4 chunks per participating thread and
 *      hands each taken worker the job;
 *   2. claims chunks itself from the job's atomic counter, as the workers
 *      do, until none is left;
 *   3. takes back the job from any worker that has not picked it up yet (a
 *      worker that was slow to wake has nothing left to do), waits for the
 *      workers that did pick it up to finish their last chunk, and returns.
 *
 * So each loop runs on at most num_threads threads, the pool never runs more
 * than CPUs - 1 threads of its own however many threads call it, and
 * concurrent calls never wait for one another: a call that finds no idle
 * worker runs its loop alone. A parallel_for called from inside a loop body
 * (on a worker, or on the calling thread, whether it shares the loop or runs
 * it alone) runs inline, so nested loops never add threads.
 *
 * Idle workers spin for a new job for up to KILN_POOL_WORKER_SPIN_NS (a
 * graph's parallel loops come in quick succession, with serial work between
 * them; waking a sleeping thread costs tens of microseconds, more in a
 * virtual machine), then sleep on a condition variable. The job lives on the caller's stack; a worker touches it only
 * between taking it and the atomic decrement of job->active, which the
 * caller waits for.
 *
 * Lifetime: workers are detached and never joined; the pool is never freed,
 * so a worker never touches freed memory, even while the process exits.
 * The shared library is linked with -z nodelete so that dlclose cannot unmap
 * the code the workers are parked in. In a child process created by fork()
 * the workers do not exist: the child forgets the parent's pool and creates
 * its own on first use.
 *===----------------------------------------------------------------------===*/
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum {
  KILN_POOL_CHUNKS_PER_THREAD = 4,
  KILN_POOL_WORKER_SPIN_NS = 500000, /* an idle worker's spin before sleeping */
  KILN_POOL_CALLER_SPIN_NS = 1000000, /* a caller's spin for its helpers */
  KILN_POOL_MAX_CPUS = 4096,
};
#define KILN_POOL_STACK_BYTES ((size_t)16 << 20)

typedef struct pool_job {
  kiln_task_fn fn;
  void *ctx;
  int64_t n;
  int64_t chunk;      /* iterations per chunk (the last may be shorter) */
  int64_t num_chunks;
  atomic_int_fast64_t next; /* the next chunk to claim */
  atomic_int active;        /* workers handed the job that still hold it */
} pool_job;

typedef struct pool_worker {
  struct kiln_pool *pool;
  _Atomic(pool_job *) job; /* handed over, not yet picked up */
  pthread_cond_t wake;     /* signalled (with pool->mu) when job is set */
} pool_worker;

struct kiln_pool {
  pthread_mutex_t mu;   /* guards idle[] and num_idle */
  pthread_cond_t done;  /* broadcast when a job's last worker lets go */
  int32_t num_workers;  /* started */
  int32_t num_idle;
  pool_worker **idle;   /* a stack: the most recently idle on top */
  pool_worker *workers;
};

/* Set on workers, and on a caller while it runs its own chunks: a
 * parallel_for called there runs inline. */
static _Thread_local bool in_parallel_loop;

static pthread_mutex_t pool_init_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(kiln_pool *) the_pool;
static bool atfork_registered; /* under pool_init_mu */
static atomic_int online_cpus;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("pause");
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

int32_t kiln_pool_cpus(void) {
  int n = atomic_load_explicit(&online_cpus, memory_order_relaxed);
  if (n > 0)
    return n;
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  n = c < 1 ? 1 : c > KILN_POOL_MAX_CPUS ? KILN_POOL_MAX_CPUS : (int)c;
  atomic_store_explicit(&online_cpus, n, memory_order_relaxed);
  return n;
}

static void run_chunks(pool_job *job) {
  for (;;) {
    int64_t c = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
    if (c >= job->num_chunks)
      return;
    int64_t begin = c * job->chunk;
    int64_t end = job->n - begin <= job->chunk ? job->n : begin + job->chunk;
    job->fn(job->ctx, begin, end);
  }
}

/* Runs a whole loop on the calling thread; loops its body starts run inline
 * too, as they would on a worker. */
static void run_alone(kiln_task_fn fn, void *ctx, int64_t n) {
  in_parallel_loop = true;
  fn(ctx, 0, n);
  in_parallel_loop = false;
}

/* Hands `w` back to the idle stack and lets go of `job`. Called with mu. */
static void release_job(kiln_pool *p, pool_worker *w, pool_job *job) {
  p->idle[p->num_idle++] = w;
  /* The last access to *job: after it the caller may return. */
  if (atomic_fetch_sub_explicit(&job->active, 1, memory_order_acq_rel) == 1)
    pthread_cond_broadcast(&p->done);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *worker_main(void *arg) {
  pool_worker *w = arg;
  kiln_pool *p = w->pool;
  in_parallel_loop = true;
  for (;;) {
    pool_job *job = NULL;
    int64_t deadline = now_ns() + KILN_POOL_WORKER_SPIN_NS;
    for (int i = 1; !job; ++i) {
      if (atomic_load_explicit(&w->job, memory_order_relaxed))
        job = atomic_exchange_explicit(&w->job, NULL, memory_order_acquire);
      else
        cpu_relax();
      if (i % 256 == 0 && now_ns() > deadline)
        break;
    }
    if (!job) {
      pthread_mutex_lock(&p->mu);
      while (!(job = atomic_exchange_explicit(&w->job, NULL,
                                              memory_order_acquire)))
        pthread_cond_wait(&w->wake, &p->mu);
      pthread_mutex_unlock(&p->mu);
    }
    run_chunks(job);
    pthread_mutex_lock(&p->mu);
    release_job(p, w, job);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

static void pool_atfork_prepare(void) { pthread_mutex_lock(&pool_init_mu); }
static void pool_atfork_parent(void) { pthread_mutex_unlock(&pool_init_mu); }
static void pool_atfork_child(void) {
  /* The parent's workers do not exist here; its pool is abandoned (leaked:
   * its mutex may have been held by one of them). */
  atomic_store_explicit(&the_pool, NULL, memory_order_relaxed);
  pthread_mutex_unlock(&pool_init_mu);
}

/* Creates the pool and starts its workers. Called with pool_init_mu. A pool
 * whose workers could not all be started runs with those that were. */
static kiln_pool *pool_create(void) {
  int32_t want = kiln_pool_cpus() - 1;
  kiln_pool *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  if (want > 0) {
    p->workers = calloc((size_t)want, sizeof *p->workers);
    p->idle = calloc((size_t)want, sizeof *p->idle);
    if (!p->workers || !p->idle) {
      free(p->workers);
      free(p->idle);
      free(p);
      return NULL;
    }
  }
  if (pthread_mutex_init(&p->mu, NULL) != 0) {
    free(p->workers);
    free(p->idle);
    free(p);
    return NULL;
  }
  if (pthread_cond_init(&p->done, NULL) != 0) {
    pthread_mutex_destroy(&p->mu);
    free(p->workers);
    free(p->idle);
    free(p);
    return NULL;
  }

  pthread_attr_t attr;
  bool have_attr = pthread_attr_init(&attr) == 0;
  if (have_attr) {
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    size_t stack = 0;
    if (pthread_attr_getstacksize(&attr, &stack) != 0 ||
        stack < KILN_POOL_STACK_BYTES)
      pthread_attr_setstacksize(&attr, KILN_POOL_STACK_BYTES);
  }
  /* Workers start with every signal blocked, so that signals go to the
   * application's own threads. */
  sigset_t all, old;
  sigfillset(&all);
  bool masked = pthread_sigmask(SIG_SETMASK, &all, &old) == 0;

  pthread_mutex_lock(&p->mu);
  for (int32_t i = 0; have_attr && i < want; ++i) {
    pool_worker *w = &p->workers[i];
    w->pool = p;
    atomic_init(&w->job, NULL);
    if (pthread_cond_init(&w->wake, NULL) != 0)
      break;
    pthread_t tid;
    if (pthread_create(&tid, &attr, worker_main, w) != 0) {
      pthread_cond_destroy(&w->wake);
      break;
    }
    p->idle[p->num_idle++] = w;
    p->num_workers = i + 1;
  }
  pthread_mutex_unlock(&p->mu);

  if (masked)
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (have_attr)
    pthread_attr_destroy(&attr);
  return p;
}

kiln_pool *kiln_pool_get(void) {
  kiln_pool *p = atomic_load_explicit(&the_pool, memory_order_acquire);
  if (p)
    return p;
  pthread_mutex_lock(&pool_init_mu);
  p = atomic_load_explicit(&the_pool, memory_order_relaxed);
  if (!p) {
    if (!atfork_registered)
      atfork_registered = pthread_atfork(pool_atfork_prepare,
                                         pool_atfork_parent,
                                         pool_atfork_child) == 0;
    p = pool_create();
    if (p)
      atomic_store_explicit(&the_pool, p, memory_order_release);
  }
  pthread_mutex_unlock(&pool_init_mu);
  return p;
}

void kiln_pool_parallel_for(void *user, int32_t num_threads, kiln_task_fn fn,
                            void *ctx, int64_t n) {
  if (n <= 0 || !fn)
    return;
  if (in_parallel_loop) { /* nested: this thread is in a loop body already */
    fn(ctx, 0, n);
    return;
  }
  kiln_pool *p = user;
  if (n == 1 || num_threads <= 1 || !p || p->num_workers == 0) {
    run_alone(fn, ctx, n);
    return;
  }

  int64_t want = (int64_t)num_threads - 1;
  if (want > n - 1)
    want = n - 1;
  pool_job job;
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  atomic_init(&job.next, 0);

  pthread_mutex_lock(&p->mu);
  int32_t k = p->num_idle < want ? p->num_idle : (int32_t)want;
  if (k == 0) {
    pthread_mutex_unlock(&p->mu);
    run_alone(fn, ctx, n);
    return;
  }
  int64_t chunks = (int64_t)(k + 1) * KILN_POOL_CHUNKS_PER_THREAD;
  if (chunks > n)
    chunks = n;
  job.chunk = n / chunks + (n % chunks != 0);
  job.num_chunks = n / job.chunk + (n % job.chunk != 0);
  atomic_init(&job.active, k);
  for (int32_t i = 0; i < k; ++i) {
    pool_worker *w = p->idle[--p->num_idle];
    atomic_store_explicit(&w->job, &job, memory_order_release);
    pthread_cond_signal(&w->wake);
  }
  pthread_mutex_unlock(&p->mu);

  in_parallel_loop = true;
  run_chunks(&job);
  in_parallel_loop = false;

  /* Every chunk is claimed. Wait for the workers that hold the job. */
  int64_t deadline = now_ns() + KILN_POOL_CALLER_SPIN_NS;
  for (int i = 1;
       atomic_load_explicit(&job.active, memory_order_acquire) != 0; ++i) {
    cpu_relax();
    if (i % 256 == 0 && now_ns() > deadline)
      break;
  }
  if (atomic_load_explicit(&job.active, memory_order_acquire) == 0)
    return;
  pthread_mutex_lock(&p->mu);
  /* A worker that has not picked the job up yet has nothing left to do. */
  for (int32_t i = 0; i < p->num_workers; ++i) {
    pool_worker *w = &p->workers[i];
    pool_job *expected = &job;
    if (atomic_compare_exchange_strong_explicit(&w->job, &expected, NULL,
                                                memory_order_relaxed,
                                                memory_order_relaxed))
      release_job(p, w, &job);
  }
  while (atomic_load_explicit(&job.active, memory_order_acquire) != 0)
    pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
