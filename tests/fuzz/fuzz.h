/*
 * fuzz.h: shared by the libFuzzer harnesses in tests/fuzz. Each harness feeds one parser of
 * untrusted input and checks the invariants that must hold whatever the bytes: no crash, no
 * leak, no undefined behaviour (the sanitizers), and a result that is either a clean success
 * or an error with a one-line message. The same files build with libFuzzer (make fuzz) and
 * with tests/fuzz/replay.c, which replays the corpora in make check.
 */
#ifndef AIRSEAL_TESTS_FUZZ_H
#define AIRSEAL_TESTS_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/core/error.h"
#include "common/core/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libsodium once per process; aborts if it cannot start (then nothing can be tested). */
static inline void fuzz_init(void)
{
    static int done;
    if (!done) {
        as_error e = {0};
        if (as_crypto_init(&e) != 0)
            abort();
        done = 1;
    }
}

/* A failed call must leave exactly one line of message: no newline, not empty. */
static inline void fuzz_check_error(int rc, const as_error *e)
{
    if (rc == 0)
        return;
    if (e->code == AS_OK || e->msg[0] == '\0' || strchr(e->msg, '\n') != NULL)
        abort();
}

/* A NUL-terminated copy, for parsers that take text. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
