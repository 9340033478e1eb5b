/*
 * test_age_pq.c: age's post-quantum hybrid recipients (mlkem768x25519) in airseal's age layer:
 * `age1pq1...` / `AGE-SECRET-KEY-PQ-1...` keys round-trip, files sealed to hybrid recipients
 * (alone or with X25519 ones) open with the right identity only, and hostile keys are refused
 * with one exact line each (one table). The stanza's hostile forms are the 19 C2SP hybrid
 * vectors run by test_age_vectors.
 */
#include "helpers.h"

#include <stdio.h>
#include <time.h>

#include "common/core/bech32.h"
#include "common/crypto/age_keys.h"
#include "common/crypto/mlkem.h"

static void keys_roundtrip(void **state)
{
    (void)state;
    as_error err = {0};
    as_age_pq_identity *id = as_age_pq_identity_generate(&err), *back;
    char *s = malloc(AS_AGE_PQ_RECIPIENT_STR_MAX);
    as_age_pq_recipient *r = malloc(sizeof *r), *r2 = malloc(sizeof *r2);
    assert_true(id && s && r && r2);
    as_age_pq_identity_format(id, s);
    assert_int_equal(strlen(s), 77);
    assert_memory_equal(s, "AGE-SECRET-KEY-PQ-1", 19);
    back = as_age_pq_identity_parse(s, strlen(s), &err);
    assert_non_null(back);
    assert_memory_equal(back->seed, id->seed, 32);
    assert_memory_equal(back->pk, id->pk, AS_XWING_PK_LEN);
    as_age_pq_identity_recipient(id, r);
    as_age_pq_recipient_format(r, s);
    assert_int_equal(strlen(s), 1959);
    assert_memory_equal(s, "age1pq1", 7);
    assert_int_equal(as_age_pq_recipient_parse(r2, s, strlen(s), &err), 0);
    assert_memory_equal(r2->pk, r->pk, AS_XWING_PK_LEN);
    as_age_pq_identity_free(id);
    as_age_pq_identity_free(back);
    free(s), free(r), free(r2);
}

/* A file sealed to a hybrid recipient and an X25519 one opens with either identity, not with
 * another hybrid identity; the header carries one mlkem768x25519 stanza with a 1120-byte enc. */
static void seal_open(void **state)
{
    (void)state;
    as_error err = {0};
    as_age_pq_identity *pq = as_age_pq_identity_generate(&err);
    as_age_pq_identity *other = as_age_pq_identity_generate(&err);
    as_age_identity *x = as_age_identity_generate(&err);
    as_age_pq_recipient *pr = malloc(sizeof *pr);
    as_age_recipient xr;
    uint8_t *pt = seeded_alloc(200000, 42);
    as_buf ct, out;
    assert_true(pq && other && x && pr);
    as_age_pq_identity_recipient(pq, pr);
    as_age_identity_recipient(x, &xr);
    for (int mixed = 0; mixed < 2; mixed++) {
        as_age_encrypt_opts o = {.recipients = &xr,
                                 .nrecipients = (size_t)mixed,
                                 .pq_recipients = pr,
                                 .npq_recipients = 1};
        age_seal(&ct, pt, 200000, &o, 7000);
        const char *st = memmem(ct.data, ct.len, "\n-> mlkem768x25519 ", 19);
        assert_non_null(st);
        assert_int_equal(strcspn(st + 19, "\n"), 1494); /* base64 of 1120 bytes */
        as_age_keyring k = {.pq_identities = &pq, .npq_identities = 1};
        assert_int_equal(age_open(&out, ct.data, ct.len, &k, &err), AS_OK);
        assert_int_equal(out.len, 200000);
        assert_memory_equal(out.data, pt, 200000);
        as_buf_free(&out);
        as_age_keyring wrong = {.pq_identities = &other, .npq_identities = 1};
        assert_int_equal(age_open(&out, ct.data, ct.len, &wrong, &err), AS_ERR_NO_MATCH);
        assert_int_equal(out.len, 0);
        as_buf_free(&out);
        as_age_keyring classical = {.identities = &x, .nidentities = 1};
        assert_int_equal(age_open(&out, ct.data, ct.len, &classical, &err),
                         mixed ? AS_OK : AS_ERR_NO_MATCH);
        as_buf_free(&out);
        as_buf_free(&ct);
    }
    as_age_pq_identity_free(pq);
    as_age_pq_identity_free(other);
    as_age_identity_free(x);
    free(pr), free(pt);
}

/* ---- hostile keys: one table, one exact line each ---- */

/* A valid hybrid public key (from a fixed seed), for makers to spoil. */
static void good_pk(uint8_t pk[AS_XWING_PK_LEN])
{
    uint8_t seed[32];
    as_error err = {0};
    fill_seeded(seed, sizeof seed, 5);
    assert_int_equal(as_xwing_public_key(pk, seed, &err), 0);
}

static void enc_pk(char *out, const uint8_t *pk, size_t n)
{
    assert_true(as_bech32_encode(out, 4096, "age1pq", pk, n, 0) > 0);
}

static void mk_bad_checksum(char *out)
{
    uint8_t pk[AS_XWING_PK_LEN];
    good_pk(pk);
    enc_pk(out, pk, sizeof pk);
    size_t n = strlen(out);
    out[n - 1] = out[n - 1] == 'q' ? 'p' : 'q';
}

static void mk_short_key(char *out)
{
    uint8_t pk[AS_XWING_PK_LEN];
    good_pk(pk);
    enc_pk(out, pk, sizeof pk - 1);
}

static void mk_low_order_x25519(char *out)
{
    uint8_t pk[AS_XWING_PK_LEN];
    good_pk(pk);
    memset(pk + AS_MLKEM768_EK_LEN, 0, 32);
    enc_pk(out, pk, sizeof pk);
}

static void mk_mlkem_modulus(char *out)
{
    uint8_t pk[AS_XWING_PK_LEN];
    good_pk(pk);
    pk[0] = 0xff, pk[1] |= 0x0f; /* coefficient 0 = 4095 */
    enc_pk(out, pk, sizeof pk);
}

static void mk_upper_case(char *out)
{
    uint8_t pk[AS_XWING_PK_LEN];
    good_pk(pk);
    enc_pk(out, pk, sizeof pk);
    for (char *p = out; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
}

static void mk_classical(char *out)
{
    uint8_t pk[32];
    fill_seeded(pk, sizeof pk, 9);
    assert_true(as_bech32_encode(out, 4096, "age", pk, sizeof pk, 0) > 0);
}

static void mk_too_long(char *out)
{
    memset(out, 'q', 2100);
    memcpy(out, "age1pq1", 7);
    out[2100] = '\0';
}

static void mk_identity_lower(char *out)
{
    uint8_t seed[32];
    fill_seeded(seed, sizeof seed, 11);
    assert_true(as_bech32_encode(out, 4096, "AGE-SECRET-KEY-PQ-", seed, 32, 0) > 0);
}

static void mk_identity_classical(char *out)
{
    uint8_t seed[32];
    fill_seeded(seed, sizeof seed, 12);
    assert_true(as_bech32_encode(out, 4096, "AGE-SECRET-KEY-", seed, 32, 1) > 0);
}

static void mk_identity_short(char *out)
{
    uint8_t seed[32];
    fill_seeded(seed, sizeof seed, 13);
    assert_true(as_bech32_encode(out, 4096, "AGE-SECRET-KEY-PQ-", seed, 31, 1) > 0);
}

typedef struct hostile_key {
    const char *name;
    int identity; /* 0: parse as a recipient, 1: as an identity */
    void (*make)(char *out);
    const char *msg; /* every one is AS_ERR_FORMAT */
} hostile_key;

#define NOT_RECIPIENT "not a valid age hybrid recipient (expected age1pq1...)"
#define NOT_IDENTITY "not a valid age hybrid identity (expected AGE-SECRET-KEY-PQ-1...)"

static const hostile_key hostile_keys[] = {
    {"recipient with a wrong checksum", 0, mk_bad_checksum, NOT_RECIPIENT},
    {"recipient one byte short", 0, mk_short_key,
     "age hybrid recipient has 1215 bytes, expected 1216"},
    {"recipient with a low-order X25519 part", 0, mk_low_order_x25519,
     "age hybrid recipient cannot be used: X-Wing encapsulation key is invalid: its X25519 part "
     "has low order"},
    {"recipient with an ML-KEM coefficient >= q", 0, mk_mlkem_modulus,
     "age hybrid recipient cannot be used: ML-KEM-768 encapsulation key is invalid: coefficient 0 "
     "of polynomial 0 is 4095, not below q = 3329"},
    {"recipient in upper case", 0, mk_upper_case, NOT_RECIPIENT},
    {"classical age1 recipient", 0, mk_classical, NOT_RECIPIENT},
    {"recipient of 2,100 characters", 0, mk_too_long,
     "recipient is too long to be an age1pq1... key"},
    {"identity in lower case", 1, mk_identity_lower, NOT_IDENTITY},
    {"classical identity", 1, mk_identity_classical, NOT_IDENTITY},
    {"identity of 31 bytes", 1, mk_identity_short, NOT_IDENTITY},
};

static void hostile_key_table(void **state)
{
    (void)state;
    char *in = malloc(4096);
    as_age_pq_recipient *r = malloc(sizeof *r);
    assert_true(in && r);
    for (size_t i = 0; i < sizeof hostile_keys / sizeof hostile_keys[0]; i++) {
        const hostile_key *h = &hostile_keys[i];
        as_error err = {0};
        struct timespec t0, t1;
        int rc;
        h->make(in);
        memset(r, 0x5a, sizeof *r);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (h->identity) {
            as_age_pq_identity *id = as_age_pq_identity_parse(in, strlen(in), &err);
            rc = id == NULL ? -1 : 0;
            as_age_pq_identity_free(id);
        } else {
            rc = as_age_pq_recipient_parse(r, in, strlen(in), &err);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("# %s: %s (%.3f ms)\n", h->name, err.msg,
               (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        assert_int_equal(rc, -1);
        assert_int_equal(err.code, AS_ERR_FORMAT);
        assert_string_equal(err.msg, h->msg);
        if (!h->identity) /* nothing written on refusal */
            for (size_t j = 0; j < sizeof r->pk; j++)
                assert_int_equal(r->pk[j], 0x5a);
    }
    free(in), free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_roundtrip),
        cmocka_unit_test(seal_open),
        cmocka_unit_test(hostile_key_table),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
