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

#endif /* KILN_RUNTIME_INTERNAL_H */
