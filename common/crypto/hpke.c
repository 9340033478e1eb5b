/* hpke.c: RFC 9180 base mode for X-Wing / HKDF-SHA256 / ChaCha20-Poly1305; see hpke.h. */
#include "hpke.h"

#include <sodium.h>
#include <string.h>

#include "../core/secret.h"
#include "hkdf.h"

/* suite_id = "HPKE" || kem_id || kdf_id || aead_id (RFC 9180 section 5.1) */
static const uint8_t suite_id[10] = {'H', 'P', 'K', 'E', 0x64, 0x7a, 0x00, 0x01, 0x00, 0x03};
static const char version_label[] = "HPKE-v1";

/* The key schedule's outputs, in secure memory. */
typedef struct hpke_ctx {
    uint8_t ss[AS_XWING_SS_LEN];
    uint8_t psk_id_hash[32], info_hash[32], secret[32];
    uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
    uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
} hpke_ctx;

/* LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm) */
static void labeled_extract(uint8_t prk[32], const uint8_t *salt, size_t salt_len,
                            const char *label, const uint8_t *ikm, size_t ikm_len)
{
    const as_hkdf_part parts[4] = {{version_label, sizeof version_label - 1},
                                   {suite_id, sizeof suite_id},
                                   {label, strlen(label)},
                                   {ikm, ikm_len}};
    as_hkdf_sha256_extract(prk, salt, salt_len, parts, 4);
}

/* LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id ||
 * label || info, L), L <= 32 */
static void labeled_expand(uint8_t *out, size_t len, const uint8_t prk[32], const char *label,
                           const uint8_t *info, size_t info_len)
{
    const uint8_t l2[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    const as_hkdf_part parts[5] = {{l2, 2},
                                   {version_label, sizeof version_label - 1},
                                   {suite_id, sizeof suite_id},
                                   {label, strlen(label)},
                                   {info, info_len}};
    as_hkdf_sha256_expand(out, len, prk, parts, 5);
}

/* KeySchedule(mode_base, ss, info, psk = "", psk_id = ""): fills c->key and c->nonce. */
static void key_schedule(hpke_ctx *c, const uint8_t *info, size_t info_len)
{
    uint8_t ksc[65]; /* mode || psk_id_hash || info_hash */
    labeled_extract(c->psk_id_hash, NULL, 0, "psk_id_hash", NULL, 0);
    labeled_extract(c->info_hash, NULL, 0, "info_hash", info, info_len);
    ksc[0] = 0x00;
    memcpy(ksc + 1, c->psk_id_hash, 32);
    memcpy(ksc + 33, c->info_hash, 32);
    labeled_extract(c->secret, c->ss, sizeof c->ss, "secret", NULL, 0);
    labeled_expand(c->key, sizeof c->key, c->secret, "key", ksc, sizeof ksc);
    labeled_expand(c->nonce, sizeof c->nonce, c->secret, "base_nonce", ksc, sizeof ksc);
}

int as_hpke_seal_derand(uint8_t enc[AS_HPKE_ENC_LEN], uint8_t *ct,
                        const uint8_t pk[AS_XWING_PK_LEN], const uint8_t *info, size_t info_len,
                        const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t pt_len,
                        const uint8_t eseed[AS_XWING_ESEED_LEN], as_error *err)
{
    hpke_ctx *c = as_secret_alloc(sizeof *c, err);
    int rc = -1;
    if (c == NULL || as_xwing_encaps_derand(enc, c->ss, pk, eseed, err) != 0)
        goto out;
    key_schedule(c, info, info_len);
    crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, pt_len, aad, aad_len, NULL, c->nonce,
                                              c->key);
    rc = 0;
out:
    as_secret_free(c);
    return rc;
}

int as_hpke_seal(uint8_t enc[AS_HPKE_ENC_LEN], uint8_t *ct, const uint8_t pk[AS_XWING_PK_LEN],
                 const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *pt, size_t pt_len, as_error *err)
{
    uint8_t *eseed = as_secret_alloc(AS_XWING_ESEED_LEN, err);
    if (eseed == NULL)
        return -1;
    randombytes_buf(eseed, AS_XWING_ESEED_LEN);
    int rc = as_hpke_seal_derand(enc, ct, pk, info, info_len, aad, aad_len, pt, pt_len, eseed, err);
    as_secret_free(eseed);
    return rc;
}

int as_hpke_open(uint8_t *pt, const uint8_t sk[AS_XWING_SK_LEN], const uint8_t enc[AS_HPKE_ENC_LEN],
                 const uint8_t *info, size_t info_len, const uint8_t *aad, size_t aad_len,
                 const uint8_t *ct, size_t ct_len, as_error *err)
{
    if (ct_len < AS_HPKE_TAG_LEN)
        return as_fail(err, AS_ERR_FORMAT,
                       "HPKE ciphertext is %zu bytes, shorter than its "
                       "16-byte tag",
                       ct_len);
    hpke_ctx *c = as_secret_alloc(sizeof *c, err);
    int rc = -1;
    if (c == NULL || as_xwing_decaps(c->ss, sk, enc, err) != 0)
        goto out;
    key_schedule(c, info, info_len);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ct_len, aad, aad_len,
                                                  c->nonce, c->key) != 0) {
        as_fail(err, AS_ERR_KEY, "HPKE ciphertext does not open with this key");
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        sodium_memzero(pt, ct_len - AS_HPKE_TAG_LEN);
    as_secret_free(c);
    return rc;
}
