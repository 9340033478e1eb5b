/* faults.c: test-only fault injection; see faults.h. Empty in release builds. */
#include "faults.h"

#ifdef AS_TEST_HOOKS
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void as_fault_point(const char *step)
{
    const char *want = getenv("AIRSEAL_TEST_KILL_AT");
    if (want != NULL && strcmp(want, step) == 0)
        kill(getpid(), SIGKILL);
}

int as_fault_check(const char *point)
{
    const char *want = getenv("AIRSEAL_TEST_FAIL");
    if (want != NULL && strcmp(want, point) == 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

size_t as_fault_write_allow(size_t n)
{
    static uint64_t written;
    const char *lim = getenv("AIRSEAL_TEST_ENOSPC_AT");
    if (lim == NULL)
        return n;
    uint64_t limit = strtoull(lim, NULL, 10);
    if (written >= limit) {
        errno = ENOSPC;
        return 0;
    }
    if ((uint64_t)n > limit - written)
        n = (size_t)(limit - written);
    written += n;
    return n;
}
#else
/* ISO C forbids an empty translation unit. */
typedef int as_faults_unused;
#endif
