/* faults.c: test-only fault injection; see faults.h. Empty in release builds. */
#include "faults.h"

#ifdef AS_TEST_HOOKS
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Steps are few and named by literals, so counting visits per step name is a short table. */
#define MAX_STEPS 64

void as_fault_point(const char *step)
{
    static struct {
        const char *name;
        unsigned long visits;
    } seen[MAX_STEPS];
    static int stopped;
    const char *stop = getenv("AIRSEAL_TEST_STOP_AT");
    /* Stopped, not killed, and only the first time: a test looks at the live process (its
     * /proc files) and lets it run to the end with SIGCONT. */
    if (stop != NULL && !stopped && strcmp(stop, step) == 0) {
        stopped = 1;
        raise(SIGSTOP);
    }
    const char *want = getenv("AIRSEAL_TEST_KILL_AT");
    if (want == NULL)
        return;
    const char *at = strchr(want, '@');
    size_t len = at != NULL ? (size_t)(at - want) : strlen(want);
    if (strlen(step) != len || strncmp(want, step, len) != 0)
        return;
    unsigned long target = at != NULL ? strtoul(at + 1, NULL, 10) : 1;
    for (size_t i = 0; i < MAX_STEPS; i++) {
        if (seen[i].name == NULL || strcmp(seen[i].name, step) == 0) {
            seen[i].name = step;
            if (++seen[i].visits == target)
                kill(getpid(), SIGKILL);
            return;
        }
    }
}

int as_fault_check(const char *point)
{
    /* "<point>" fails every check of that point; "<point>@N" only the N-th, so a test can
     * walk a failure through every step of an operation. */
    static atomic_ulong checks;
    const char *want = getenv("AIRSEAL_TEST_FAIL");
    if (want == NULL)
        return 0;
    const char *at = strchr(want, '@');
    size_t len = at != NULL ? (size_t)(at - want) : strlen(want);
    if (strlen(point) != len || strncmp(want, point, len) != 0)
        return 0;
    if (at != NULL && atomic_fetch_add(&checks, 1) + 1 != strtoul(at + 1, NULL, 10))
        return 0;
    errno = EIO;
    return -1;
}

/* Atomic: the parity of a pack is written from two threads at once. */
static _Atomic uint64_t written;

/* At exit, the total written, for a test that picks its ENOSPC offsets from a clean run. */
static void report_written(void)
{
    const char *path = getenv("AIRSEAL_TEST_WRITTEN_TO");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        char line[32];
        int len = snprintf(line, sizeof line, "%llu\n", (unsigned long long)atomic_load(&written));
        if (len > 0 && write(fd, line, (size_t)len) < 0)
            len = 0;
        close(fd);
    }
}

size_t as_fault_write_allow(size_t n)
{
    static atomic_int reporting;
    if (getenv("AIRSEAL_TEST_WRITTEN_TO") != NULL && atomic_exchange(&reporting, 1) == 0)
        atexit(report_written);
    const char *lim = getenv("AIRSEAL_TEST_ENOSPC_AT");
    if (lim == NULL) {
        atomic_fetch_add(&written, (uint64_t)n);
        return n;
    }
    uint64_t limit = strtoull(lim, NULL, 10), was = atomic_load(&written), take;
    do {
        if (was >= limit) {
            errno = ENOSPC;
            return 0;
        }
        take = (uint64_t)n > limit - was ? limit - was : (uint64_t)n;
    } while (!atomic_compare_exchange_weak(&written, &was, was + take));
    return (size_t)take;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int as_faults_unused;
#endif
