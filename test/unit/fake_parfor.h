/*===- fake_parfor.h - what the fake artifact "parfor" reports -----------===*
 *
 * Shared by fake_parfor.c (C) and runtime_test.cpp (C++): the entries of
 * parfor's `stats` output and of its `cfg` input.
 *===----------------------------------------------------------------------===*/
#ifndef KILN_FAKE_PARFOR_H
#define KILN_FAKE_PARFOR_H

enum {
  /* cfg: i64 [FAKE_CFG_COUNT] */
  FAKE_CFG_INNER_N = 0,   /* each iteration runs a nested loop of this size */
  FAKE_CFG_WORK = 1,      /* busy-loop steps per iteration */
  FAKE_CFG_RENDEZVOUS = 2, /* nonzero: the run's first chunk waits (up to
                              10 s) until a second thread runs a chunk */
  FAKE_CFG_COUNT = 3,

  /* stats: i64 [FAKE_STAT_COUNT] */
  FAKE_STAT_CALLS = 0,        /* calls of the loop body (chunks) */
  FAKE_STAT_MAX_ACTIVE = 1,   /* most chunks of this run running at once */
  FAKE_STAT_THREADS = 2,      /* distinct threads that ran a chunk */
  FAKE_STAT_FOREIGN = 3,      /* chunks run on a thread other than the caller */
  FAKE_STAT_INNER = 4,        /* nested-loop iterations run */
  FAKE_STAT_INNER_FOREIGN = 5, /* nested chunks not on their outer chunk's thread */
  FAKE_STAT_GLOBAL_MAX_FOREIGN = 6, /* most chunks on non-caller threads running
                                       at once, over all runs so far */
  FAKE_STAT_EXEC_THREADS = 7, /* exec->num_threads (0 without exec) */
  FAKE_STAT_MIN_STACK = 8,    /* smallest stack of a non-caller thread that
                                 ran a chunk, in bytes (0 if none) */
  FAKE_STAT_COUNT = 9,
};

#endif /* KILN_FAKE_PARFOR_H */
