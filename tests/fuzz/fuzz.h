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
#include "common/core/io.h"
#include "common/crypto/age.h"
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

/* Decrypts data (binary or armored) with keys to the end, discarding the plaintext: every
 * failure, at the header or in the payload, must be one clean line. */
static inline void fuzz_decrypt_all(const uint8_t *data, size_t size, const as_age_keyring *keys)
{
    as_error e = {0};
    as_mem_reader src;
    as_mem_reader_init(&src, data, size);
    as_age_decryptor *d = as_age_decrypt_open(&src.base, keys, AS_AGE_ARMOR_AUTO, &e);
    if (d == NULL) {
        fuzz_check_error(-1, &e);
        return;
    }
    uint8_t buf[16384];
    ssize_t n;
    while ((n = as_read(as_age_decryptor_reader(d), buf, sizeof buf, &e)) > 0)
        ;
    fuzz_check_error(n < 0 ? -1 : 0, &e);
    as_age_decryptor_free(d);
}

#endif
