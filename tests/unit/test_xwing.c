/*
 * test_xwing.c: X-Wing against the draft-connolly-cfrg-xwing-kem-08 vectors
 * (tests/vectors/xwing), HPKE against a known answer taken from the C2SP age vector `hybrid`
 * (its identity opens its mlkem768x25519 stanza to the file key the vector states), round trips,
 * tampered ciphertexts (implicit rejection: a different key, not an error) and hostile keys.
 */
#include "helpers.h"

#include <stdio.h>

#include "common/core/base64.h"
#include "common/core/bech32.h"
#include "common/core/file.h"
#include "common/crypto/hpke.h"
#include "common/crypto/mlkem.h"
#include "common/crypto/xwing.h"

static const char age_info[] = "age-encryption.org/mlkem768x25519";

typedef struct xvec {
    uint8_t sk[AS_XWING_SK_LEN], pk[AS_XWING_PK_LEN], eseed[AS_XWING_ESEED_LEN];
    uint8_t ct[AS_XWING_CT_LEN], ss[AS_XWING_SS_LEN];
} xvec;

static void xwing_draft_vectors(void **state)
{
    (void)state;
    char *t = vector_text("xwing/draft-08.txt");
    xvec *v = malloc(sizeof *v);
    uint8_t *pk = malloc(AS_XWING_PK_LEN), *ct = malloc(AS_XWING_CT_LEN), ss[32];
    as_error err = {0};
    unsigned n = 0;
    assert_true(v && pk && ct);
    for (; vector_kv(t, "sk", n, v->sk, sizeof v->sk) == 0; n++) {
        assert_int_equal(vector_kv(t, "pk", n, v->pk, sizeof v->pk), 0);
        assert_int_equal(vector_kv(t, "eseed", n, v->eseed, sizeof v->eseed), 0);
        assert_int_equal(vector_kv(t, "ct", n, v->ct, sizeof v->ct), 0);
        assert_int_equal(vector_kv(t, "ss", n, v->ss, sizeof v->ss), 0);
        assert_int_equal(as_xwing_public_key(pk, v->sk, &err), 0);
        assert_memory_equal(pk, v->pk, AS_XWING_PK_LEN);
        assert_int_equal(as_xwing_encaps_derand(ct, ss, pk, v->eseed, &err), 0);
        assert_memory_equal(ct, v->ct, AS_XWING_CT_LEN);
        assert_memory_equal(ss, v->ss, 32);
        assert_int_equal(as_xwing_decaps(ss, v->sk, ct, &err), 0);
        assert_memory_equal(ss, v->ss, 32);
    }
    assert_int_equal(n, 2);
    free(v), free(pk), free(ct), free(t);
}

/* The text of the line after `prefix` (up to the newline), or NULL. */
static const char *line_after(const char *text, const char *prefix, size_t *len)
{
    const char *p = strstr(text, prefix);
    if (p == NULL)
        return NULL;
    p += strlen(prefix);
    *len = strcspn(p, "\n");
    return p;
}

/* HPKE known answer: the age vector's identity opens its stanza to "YELLOW SUBMARINE". */
static void hpke_age_known_answer(void **state)
{
    (void)state;
    char *t = vector_text("age/hybrid");
    char hrp[32];
    uint8_t sk[64], *enc = malloc(AS_HPKE_ENC_LEN), body[32], fk[16], want[16];
    size_t n;
    as_error err = {0};
    const char *id = line_after(t, "identity: ", &n);
    assert_non_null(id);
    assert_int_equal(as_bech32_decode(hrp, sizeof hrp, sk, sizeof sk, id, n), 32);
    assert_string_equal(hrp, "AGE-SECRET-KEY-PQ-");
    const char *fkhex = line_after(t, "file key: ", &n);
    assert_int_equal(sodium_hex2bin(want, 16, fkhex, n, NULL, NULL, NULL), 0);
    const char *arg = line_after(t, "\n-> mlkem768x25519 ", &n);
    assert_non_null(arg);
    assert_int_equal(as_b64_decode_exact(enc, AS_HPKE_ENC_LEN, arg, n, AS_B64_UNPADDED), 0);
    const char *b = line_after(arg, "\n", &n);
    assert_int_equal(as_b64_decode_exact(body, 32, b, n, AS_B64_UNPADDED), 0);
    assert_int_equal(as_hpke_open(fk, sk, enc, (const uint8_t *)age_info, strlen(age_info), NULL, 0,
                                  body, sizeof body, &err),
                     0);
    assert_memory_equal(fk, want, 16);
    /* a different info (another protocol's label) does not open it */
    assert_int_equal(
        as_hpke_open(fk, sk, enc, (const uint8_t *)"age", 3, NULL, 0, body, sizeof body, &err), -1);
    assert_int_equal(err.code, AS_ERR_KEY);
    assert_string_equal(err.msg, "HPKE ciphertext does not open with this key");
    assert_true(sodium_is_zero(fk, sizeof fk));
    free(enc), free(t);
}

/* Fresh keys round-trip through X-Wing and HPKE; flipping any part of the KEM ciphertext gives
 * another key without an error (implicit rejection), which HPKE then reports as not opening. */
static void roundtrip_and_tamper(void **state)
{
    (void)state;
    uint8_t sk[32], *pk = malloc(AS_XWING_PK_LEN), *ct = malloc(AS_XWING_CT_LEN);
    uint8_t ss[32], ss2[32], pt[40], box[40 + AS_HPKE_TAG_LEN], out[40];
    const uint8_t aad[] = "header";
    as_error err = {0};
    assert_true(pk && ct);
    for (uint32_t s = 1; s <= 4; s++) {
        fill_seeded(sk, sizeof sk, s);
        fill_seeded(pt, sizeof pt, 100 + s);
        assert_int_equal(as_xwing_public_key(pk, sk, &err), 0);
        assert_int_equal(as_xwing_encaps(ct, ss, pk, &err), 0);
        assert_int_equal(as_xwing_decaps(ss2, sk, ct, &err), 0);
        assert_memory_equal(ss, ss2, 32);
        const size_t flips[2] = {s * 101 % AS_MLKEM768_CT_LEN, AS_MLKEM768_CT_LEN + s};
        for (int f = 0; f < 2; f++) {
            ct[flips[f]] ^= 0x04;
            assert_int_equal(as_xwing_decaps(ss2, sk, ct, &err), 0);
            assert_memory_not_equal(ss, ss2, 32);
            ct[flips[f]] ^= 0x04;
        }
        assert_int_equal(as_hpke_seal(ct, box, pk, (const uint8_t *)age_info, strlen(age_info), aad,
                                      sizeof aad, pt, sizeof pt, &err),
                         0);
        assert_int_equal(as_hpke_open(out, sk, ct, (const uint8_t *)age_info, strlen(age_info), aad,
                                      sizeof aad, box, sizeof box, &err),
                         0);
        assert_memory_equal(out, pt, sizeof pt);
    }
    free(pk), free(ct);
}

/* One hostile input: a mutation of an honest (sk, pk, enc, box) and the one refusal it must get. */
typedef struct hostile {
    const char *name;
    enum {
        MUT_PK_X_ZERO,
        MUT_PK_M_MODULUS,
        MUT_ENC_X_ZERO,
        MUT_ENC_M_FLIP,
        MUT_BOX_FLIP,
        MUT_BOX_SHORT,
        MUT_AAD,
        MUT_OTHER_KEY
    } mut;
    int op; /* 0: seal to the mutated pk, 1: open the mutated stanza */
    as_errcode code;
    const char *msg;
} hostile;

static const hostile hostile_cases[] = {
    {"recipient X25519 part of low order", MUT_PK_X_ZERO, 0, AS_ERR_KEY,
     "X-Wing encapsulation key is invalid: its X25519 part has low order"},
    {"recipient ML-KEM coefficient >= q", MUT_PK_M_MODULUS, 0, AS_ERR_KEY,
     "ML-KEM-768 encapsulation key is invalid: coefficient 1 of polynomial 2 is 4095, not below q "
     "= 3329"},
    {"enc X25519 share is the identity", MUT_ENC_X_ZERO, 1, AS_ERR_FORMAT,
     "X-Wing ciphertext is invalid: its X25519 share has low order"},
    {"enc ML-KEM part flipped", MUT_ENC_M_FLIP, 1, AS_ERR_KEY,
     "HPKE ciphertext does not open with this key"},
    {"sealed file key flipped", MUT_BOX_FLIP, 1, AS_ERR_KEY,
     "HPKE ciphertext does not open with this key"},
    {"sealed file key shorter than its tag", MUT_BOX_SHORT, 1, AS_ERR_FORMAT,
     "HPKE ciphertext is 15 bytes, shorter than its 16-byte tag"},
    {"other associated data", MUT_AAD, 1, AS_ERR_KEY,
     "HPKE ciphertext does not open with this key"},
    {"another recipient's key", MUT_OTHER_KEY, 1, AS_ERR_KEY,
     "HPKE ciphertext does not open with this key"},
};

static void hostile_table(void **state)
{
    (void)state;
    const uint8_t *info = (const uint8_t *)age_info;
    for (size_t i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
        const hostile *h = &hostile_cases[i];
        uint8_t sk[32], *pk = malloc(AS_XWING_PK_LEN), *enc = malloc(AS_HPKE_ENC_LEN);
        uint8_t fk[16], box[32], out[16], aad[1] = {0};
        size_t box_len = sizeof box;
        as_error err = {0};
        assert_true(pk && enc);
        fill_seeded(sk, sizeof sk, 7);
        fill_seeded(fk, sizeof fk, 8);
        assert_int_equal(as_xwing_public_key(pk, sk, &err), 0);
        assert_int_equal(as_hpke_seal(enc, box, pk, info, strlen(age_info), aad, 1, fk, 16, &err),
                         0);
        switch (h->mut) {
        case MUT_PK_X_ZERO:
            memset(pk + AS_MLKEM768_EK_LEN, 0, 32);
            break;
        case MUT_PK_M_MODULUS: /* coefficient 1 of polynomial 2: high nibble of byte 769, byte 770 */
            pk[2 * 384 + 1] |= 0xf0, pk[2 * 384 + 2] = 0xff;
            break;
        case MUT_ENC_X_ZERO:
            memset(enc + AS_MLKEM768_CT_LEN, 0, 32);
            break;
        case MUT_ENC_M_FLIP:
            enc[500] ^= 0x80;
            break;
        case MUT_BOX_FLIP:
            box[3] ^= 1;
            break;
        case MUT_BOX_SHORT:
            box_len = 15;
            break;
        case MUT_AAD:
            aad[0] = 1;
            break;
        case MUT_OTHER_KEY:
            sk[0] ^= 1;
            break;
        }
        int rc =
            h->op == 0
                ? as_hpke_seal(enc, box, pk, info, strlen(age_info), aad, 1, fk, 16, &err)
                : as_hpke_open(out, sk, enc, info, strlen(age_info), aad, 1, box, box_len, &err);
        printf("# %s: %s\n", h->name, err.msg);
        assert_int_equal(rc, -1);
        assert_int_equal(err.code, h->code);
        assert_string_equal(err.msg, h->msg);
        free(pk), free(enc);
    }
}

int main(void)
{
    as_error err = {0};
    if (as_crypto_init(&err) != 0)
        return 3;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xwing_draft_vectors),
        cmocka_unit_test(hpke_age_known_answer),
        cmocka_unit_test(roundtrip_and_tamper),
        cmocka_unit_test(hostile_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
