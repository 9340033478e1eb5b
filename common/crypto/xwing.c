/* xwing.c: X-Wing on ML-KEM-768 (mlkem.c) and libsodium's X25519; see xwing.h. */
#include "xwing.h"

#include <sodium.h>
#include <string.h>

#include "../core/secret.h"
#include "mlkem.h"
#include "sha3.h"

/* The 6-byte label "\./" "/^\" that ends the combiner input. */
static const uint8_t xwing_label[6] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

/* The expanded decapsulation key, in secure memory. */
typedef struct xwing_keys {
    uint8_t expanded[96]; /* SHAKE-256(sk, 96): d || z || X25519 scalar */
    uint8_t dk_m[AS_MLKEM768_DK_LEN];
    uint8_t pk[AS_XWING_PK_LEN]; /* ek_M || pk_X */
    uint8_t ss_m[32], ss_x[32];
} xwing_keys;

static xwing_keys *expand_key(const uint8_t sk[AS_XWING_SK_LEN], as_error *err)
{
    xwing_keys *k = as_secret_alloc(sizeof *k, err);
    if (k == NULL)
        return NULL;
    if (as_sha3(AS_SHAKE256, k->expanded, sizeof k->expanded, sk, AS_XWING_SK_LEN, NULL, 0, err) !=
            0 ||
        as_mlkem768_keygen(k->pk, k->dk_m, k->expanded, err) != 0) {
        as_secret_free(k);
        return NULL;
    }
    crypto_scalarmult_base(k->pk + AS_MLKEM768_EK_LEN, k->expanded + 64);
    return k;
}

/* ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || label). */
static int combine(uint8_t ss[AS_XWING_SS_LEN], const uint8_t ss_m[32], const uint8_t ss_x[32],
                   const uint8_t ct_x[32], const uint8_t pk_x[32], as_error *err)
{
    as_sha3_ctx c;
    if (as_sha3_init(&c, AS_SHA3_256, err) != 0)
        return -1;
    if (as_sha3_update(&c, ss_m, 32, err) != 0 || as_sha3_update(&c, ss_x, 32, err) != 0 ||
        as_sha3_update(&c, ct_x, 32, err) != 0 || as_sha3_update(&c, pk_x, 32, err) != 0 ||
        as_sha3_update(&c, xwing_label, sizeof xwing_label, err) != 0) {
        as_sha3_free(&c);
        return -1;
    }
    return as_sha3_final(&c, ss, AS_XWING_SS_LEN, err);
}

int as_xwing_public_key(uint8_t pk[AS_XWING_PK_LEN], const uint8_t sk[AS_XWING_SK_LEN],
                        as_error *err)
{
    xwing_keys *k = expand_key(sk, err);
    if (k == NULL)
        return -1;
    memcpy(pk, k->pk, AS_XWING_PK_LEN);
    as_secret_free(k);
    return 0;
}

int as_xwing_encaps_derand(uint8_t ct[AS_XWING_CT_LEN], uint8_t ss[AS_XWING_SS_LEN],
                           const uint8_t pk[AS_XWING_PK_LEN],
                           const uint8_t eseed[AS_XWING_ESEED_LEN], as_error *err)
{
    const uint8_t *pk_x = pk + AS_MLKEM768_EK_LEN;
    uint8_t *ct_x = ct + AS_MLKEM768_CT_LEN;
    uint8_t *s = as_secret_alloc(64, err); /* ss_M || ss_X */
    int rc = -1;
    if (s == NULL)
        goto out;
    if (as_mlkem768_encaps_derand(ct, s, pk, eseed, err) != 0)
        goto out;
    crypto_scalarmult_base(ct_x, eseed + 32);
    if (crypto_scalarmult(s + 32, eseed + 32, pk_x) != 0) {
        as_fail(err, AS_ERR_KEY,
                "X-Wing encapsulation key is invalid: its X25519 part has low "
                "order");
        goto out;
    }
    rc = combine(ss, s, s + 32, ct_x, pk_x, err);
out:
    if (rc != 0) {
        sodium_memzero(ct, AS_XWING_CT_LEN);
        sodium_memzero(ss, AS_XWING_SS_LEN);
    }
    as_secret_free(s);
    return rc;
}

int as_xwing_encaps(uint8_t ct[AS_XWING_CT_LEN], uint8_t ss[AS_XWING_SS_LEN],
                    const uint8_t pk[AS_XWING_PK_LEN], as_error *err)
{
    uint8_t *eseed = as_secret_alloc(AS_XWING_ESEED_LEN, err);
    if (eseed == NULL)
        return -1;
    randombytes_buf(eseed, AS_XWING_ESEED_LEN);
    int rc = as_xwing_encaps_derand(ct, ss, pk, eseed, err);
    as_secret_free(eseed);
    return rc;
}

int as_xwing_decaps(uint8_t ss[AS_XWING_SS_LEN], const uint8_t sk[AS_XWING_SK_LEN],
                    const uint8_t ct[AS_XWING_CT_LEN], as_error *err)
{
    const uint8_t *ct_x = ct + AS_MLKEM768_CT_LEN;
    xwing_keys *k = expand_key(sk, err);
    int rc = -1;
    if (k == NULL)
        goto out;
    if (as_mlkem768_decaps(k->ss_m, k->dk_m, ct, err) != 0)
        goto out;
    if (crypto_scalarmult(k->ss_x, k->expanded + 64, ct_x) != 0) {
        as_fail(err, AS_ERR_FORMAT,
                "X-Wing ciphertext is invalid: its X25519 share has low "
                "order");
        goto out;
    }
    rc = combine(ss, k->ss_m, k->ss_x, ct_x, k->pk + AS_MLKEM768_EK_LEN, err);
out:
    if (rc != 0)
        sodium_memzero(ss, AS_XWING_SS_LEN);
    as_secret_free(k);
    return rc;
}
