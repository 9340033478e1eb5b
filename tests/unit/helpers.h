/*
 * helpers.h: shared by the cmocka unit tests. Header-only (static functions) so each test
 * program stays one file plus this.
 */
#ifndef AIRSEAL_TESTS_HELPERS_H
#define AIRSEAL_TESTS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "common/core/bytes.h"
#include "common/core/file.h"
#include "common/core/io.h"
#include "common/core/secret.h"
#include "common/crypto/age.h"

/* Deterministic pseudo-random bytes from a seed (fixed seeds: failures reproduce). */
static inline void fill_seeded(uint8_t *p, size_t n, uint32_t seed)
{
    uint8_t key[randombytes_SEEDBYTES] = {0};
    memcpy(key, &seed, sizeof seed);
    randombytes_buf_deterministic(p, n, key);
}

static inline uint8_t *seeded_alloc(size_t n, uint32_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    fill_seeded(p, n, seed);
    return p;
}

/* Encrypts pt to the recipients into *out (caller frees with as_buf_free), writing in
 * pieces of `step` bytes to exercise the streaming path. */
static inline void age_seal(as_buf *out, const uint8_t *pt, size_t n, const as_age_encrypt_opts *o,
                            size_t step)
{
    as_error err = {0};
    as_buf_writer w;
    as_buf_init(out, (size_t)1 << 30);
    as_buf_writer_init(&w, out);
    as_age_encryptor *e = as_age_encrypt_begin(o, &w.base, &err);
    assert_non_null(e);
    for (size_t off = 0; off < n; off += step) {
        size_t take = n - off < step ? n - off : step;
        assert_int_equal(as_write(as_age_encryptor_writer(e), pt + off, take, &err), 0);
    }
    assert_int_equal(as_age_encrypt_finish(e, &err), 0);
    as_age_encryptor_free(e);
}

/* Decrypts ct with the keyring; returns the error code (AS_OK on success) and the plaintext
 * released (in *out, caller frees). */
static inline as_errcode age_open(as_buf *out, const uint8_t *ct, size_t n, const as_age_keyring *k,
                                  as_error *err)
{
    as_mem_reader r;
    as_buf_init(out, (size_t)1 << 30);
    as_mem_reader_init(&r, ct, n);
    as_error_clear(err);
    as_age_decryptor *d = as_age_decrypt_open(&r.base, k, AS_AGE_ARMOR_AUTO, err);
    if (d != NULL) {
        uint8_t buf[65536];
        ssize_t got;
        while ((got = as_read(as_age_decryptor_reader(d), buf, sizeof buf, err)) > 0)
            as_buf_append(out, buf, (size_t)got, NULL);
        as_age_decryptor_free(d);
    }
    return err->code;
}

static inline int crypto_setup(void **state)
{
    (void)state;
    as_error err = {0};
    return as_crypto_init(&err);
}

/* The text of $AIRSEAL_VECTORS/rel (tests/vectors when unset), NUL-terminated; free it. */
static inline char *vector_text(const char *rel)
{
    const char *dir = getenv("AIRSEAL_VECTORS");
    char path[4096];
    uint8_t *data;
    size_t len;
    as_error err = {0};
    int n = snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", rel);
    assert_true(n > 0 && (size_t)n < sizeof path);
    assert_int_equal(as_file_read_all(path, 1 << 20, &data, &len, &err), 0);
    char *t = malloc(len + 1);
    assert_non_null(t);
    memcpy(t, data, len);
    t[len] = '\0';
    free(data);
    return t;
}

/* The hex value of the n-th (0-based) line "name = HEX" of a vector file's text, into out
 * (exactly len bytes). Returns 0, or -1 when there is no such line or it is not len bytes. */
static inline int vector_kv(const char *text, const char *name, unsigned n, uint8_t *out,
                            size_t len)
{
    size_t nl = strlen(name);
    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        size_t ll = end ? (size_t)(end - p) : strlen(p);
        if (ll > nl + 3 && memcmp(p, name, nl) == 0 && memcmp(p + nl, " = ", 3) == 0 && n-- == 0) {
            size_t got = 0;
            return sodium_hex2bin(out, len, p + nl + 3, ll - nl - 3, NULL, &got, NULL) == 0 &&
                           got == len
                       ? 0
                       : -1;
        }
        p = end ? end + 1 : NULL;
    }
    return -1;
}

#endif
