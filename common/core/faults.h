/*
 * faults.h: test-only fault injection, compiled in only when AS_TEST_HOOKS is defined (the
 * sanitizer build that `make check` tests). Release binaries contain none of it and ignore
 * the environment variables below.
 *
 *   AIRSEAL_TEST_KILL_AT=<step>[@N] as_fault_point(step) sends SIGKILL to the process the N-th
 *                                  time (default the first) it reaches that step, to prove that
 *                                  a crash there loses nothing.
 *   AIRSEAL_TEST_STOP_AT=<step>    as_fault_point(step) stops the process (SIGSTOP) the first
 *                                  time it reaches that step, so a test can read its /proc files
 *                                  while it holds its secrets, then resume it (SIGCONT).
 *   AIRSEAL_TEST_ENOSPC_AT=<n>     writes through as_write_fd_all() fail with ENOSPC once n
 *                                  bytes in total have been written by the process.
 *   AIRSEAL_TEST_WRITTEN_TO=<file> at exit, writes the number of bytes the process wrote
 *                                  through those functions into <file>.
 *   AIRSEAL_TEST_FAIL=<point>[@N]  as_fault_check(point) fails with EIO (every time, or only
 *                                  the N-th time it is checked).
 */
#ifndef AIRSEAL_CORE_FAULTS_H
#define AIRSEAL_CORE_FAULTS_H

#include <stddef.h>

#ifdef AS_TEST_HOOKS
void as_fault_point(const char *step);
int as_fault_check(const char *point);
size_t as_fault_write_allow(size_t n);
#else
static inline void as_fault_point(const char *step)
{
    (void)step;
}
static inline int as_fault_check(const char *point)
{
    (void)point;
    return 0;
}
static inline size_t as_fault_write_allow(size_t n)
{
    return n;
}
#endif

#endif
