/*===- internal.h - private helpers shared by the runtime sources ---------===*/
#ifndef KILN_RUNTIME_INTERNAL_H
#define KILN_RUNTIME_INTERNAL_H

#include "kiln/runtime.h"

#if defined(__GNUC__) || defined(__clang__)
#define KILN_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define KILN_HIDDEN __attribute__((visibility("hidden")))
#else
#define KILN_PRINTF(fmt, args)
#define KILN_HIDDEN
#endif

/* Formats the thread-local error message and returns `status`. */
KILN_HIDDEN kiln_status kiln_fail(kiln_status status, const char *fmt, ...)
    KILN_PRINTF(2, 3);

/* 64-byte aligned allocation released with free(); NULL on failure. Never
 * returns NULL for size 0 (allocates a minimal block instead). */
KILN_HIDDEN void *kiln_aligned_alloc(size_t size);

/*===------------------------------------------------------------------===*
 * The process-wide thread pool (pool.c)
 *===------------------------------------------------------------------===*/

typedef struct kiln_pool kiln_pool;

/* The number of online CPUs (at least 1), read once. */
KILN_HIDDEN int32_t kiln_pool_cpus(void);

/* The pool, created (with kiln_pool_cpus() - 1 workers) on first call. NULL
 * only if it could not be allocated; parallel_for then runs inline. */
KILN_HIDDEN kiln_pool *kiln_pool_get(void);

/* kiln_exec.parallel_for with `user` a kiln_pool (or NULL: run inline):
 * calls fn on disjoint chunks covering [0, n) on at most num_threads threads
 * at once (the caller and idle workers), and returns when all are done.
 * n <= 0 calls nothing; n == 1, num_threads <= 1, no idle worker, or a call
 * from inside a loop body run fn(ctx, 0, n) on the calling thread. */
KILN_HIDDEN void kiln_pool_parallel_for(void *user, int32_t num_threads,
                                        kiln_task_fn fn, void *ctx, int64_t n);

#endif /* KILN_RUNTIME_INTERNAL_H */
