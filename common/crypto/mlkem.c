/*
 * mlkem.c: ML-KEM-768 (FIPS 203); see mlkem.h. Algorithm numbers below are FIPS 203's.
 *
 * Coefficients are kept fully reduced in [0, q) as uint16_t. Reductions are Barrett
 * multiplications by constants and one masked subtraction, never `%` or `/` on a variable and
 * never a branch, so they take the same time for every secret value.
 */
#include "mlkem.h"

#include <sodium.h>
#include <string.h>

#include "../core/secret.h"
#include "ct.h"
#include "sha3.h"

#define N 256
#define Q 3329
#define K 3
#define ETA 2 /* eta1 = eta2 = 2 for ML-KEM-768 */
#define DU 10
#define DV 4
#define POLY_BYTES 384             /* ByteEncode12 of one polynomial */
#define PKE_BYTES (K * POLY_BYTES) /* ByteEncode12 of a vector: t in ek, s in dk */
#define C1_BYTES (K * N * DU / 8)  /* 960 */
#define SAMPLE_AHEAD (4 * 168)     /* SHAKE-128 bytes read ahead by SampleNTT */

typedef struct poly {
    uint16_t c[N];
} poly;

/* zetas[i] = 17^BitRev7(i) mod q (NTT, Algorithms 9 and 10). */
static const uint16_t zetas[128] = {
    1,    1729, 2580, 3289, 2642, 630,  1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746,
    296,  2447, 1339, 1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,
    289,  331,  3253, 1756, 1197, 2304, 2277, 2055, 650,  1977, 2513, 632,  2865, 33,   1320, 1915,
    2319, 1435, 807,  452,  1438, 2868, 1534, 2402, 2647, 2617, 1481, 648,  2474, 3110, 1227, 910,
    17,   2761, 583,  2649, 1637, 723,  2288, 1100, 1409, 2662, 3281, 233,  756,  2156, 3015, 3050,
    1703, 1651, 2789, 1789, 1847, 952,  1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,  641,
    1584, 2298, 2037, 3220, 375,  2549, 2090, 1645, 1063, 319,  2773, 757,  2099, 561,  2466, 2594,
    2804, 1092, 403,  1026, 1143, 2150, 2775, 886,  1722, 1212, 1874, 1029, 2110, 2935, 885,  2154};

/* gammas[i] = 17^(2 BitRev7(i) + 1) mod q (MultiplyNTTs, Algorithm 11). */
static const uint16_t gammas[128] = {
    17,   3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100, 2229,
    1409, 1920, 2662, 667,  3281, 48,   233,  3096, 756,  2573, 2156, 1173, 3015, 314,  3050, 279,
    1703, 1626, 1651, 1678, 2789, 540,  1789, 1540, 1847, 1482, 952,  2377, 1461, 1868, 2687, 642,
    939,  2390, 2308, 1021, 2437, 892,  2388, 941,  733,  2596, 2337, 992,  268,  3061, 641,  2688,
    1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549, 780,  2090, 1239, 1645, 1684,
    1063, 2266, 319,  3010, 2773, 556,  757,  2572, 2099, 1230, 561,  2768, 2466, 863,  2594, 735,
    2804, 525,  1092, 2237, 403,  2926, 1026, 2303, 1143, 2186, 2150, 1179, 2775, 554,  886,  2443,
    1722, 1607, 1212, 2117, 1874, 1455, 1029, 2300, 2110, 1219, 2935, 394,  885,  2444, 2154, 1175};

/* Everything one operation computes, secret or not, in one sodium_malloc block so that a
 * single as_secret_free wipes it on every path. */
typedef struct mlkem_ws {
    poly a[K][K]; /* A-hat, a[i][j] = SampleNTT(rho || j || i) */
    poly t[K], s[K], e[K], y[K], e1[K], u[K];
    poly e2, v, mu, w;
    uint8_t prf[64 * ETA];
    uint8_t g_in[64], g[64]; /* input and output of G */
    uint8_t m[32];
    uint8_t ct2[AS_MLKEM768_CT_LEN]; /* the re-encryption in Decaps */
    uint8_t kbar[32];
} mlkem_ws;

/* x mod q for x < 2q: subtract q, add it back under a mask made from the borrow. */
static uint16_t reduce_once(uint32_t x)
{
    uint32_t t = x - Q;
    t += (0u - (t >> 31)) & Q;
    return (uint16_t)t;
}

/* x mod q for any 32-bit x: floor(x * floor(2^40 / q) / 2^40) is floor(x / q) or one less. */
static uint16_t barrett(uint32_t x)
{
    uint32_t quot = (uint32_t)(((uint64_t)x * 330282856u) >> 40);
    return reduce_once(x - quot * Q);
}

/* Algorithm 9: in place, coefficients stay in [0, q). */
static void ntt(poly *f)
{
    unsigned i = 1;
    for (unsigned len = 128; len >= 2; len /= 2) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            uint32_t zeta = zetas[i++];
            for (unsigned j = start; j < start + len; j++) {
                uint16_t t = barrett(zeta * f->c[j + len]);
                f->c[j + len] = reduce_once((uint32_t)f->c[j] + Q - t);
                f->c[j] = reduce_once((uint32_t)f->c[j] + t);
            }
        }
    }
}

/* Algorithm 10, including the final multiplication by 128^-1 = 3303 mod q. */
static void ntt_inv(poly *f)
{
    unsigned i = 127;
    for (unsigned len = 2; len <= 128; len *= 2) {
        for (unsigned start = 0; start < N; start += 2 * len) {
            uint32_t zeta = zetas[i--];
            for (unsigned j = start; j < start + len; j++) {
                uint16_t t = f->c[j];
                f->c[j] = reduce_once((uint32_t)t + f->c[j + len]);
                f->c[j + len] = barrett(zeta * reduce_once((uint32_t)f->c[j + len] + Q - t));
            }
        }
    }
    for (unsigned j = 0; j < N; j++)
        f->c[j] = barrett(3303u * f->c[j]);
}

/* h += f * g in the NTT domain (Algorithms 11 and 12). */
static void poly_mul_acc(poly *h, const poly *f, const poly *g)
{
    for (unsigned i = 0; i < N / 2; i++) {
        uint32_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1];
        uint32_t b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
        uint16_t c0 = barrett(a0 * b0 + (uint32_t)barrett(a1 * b1) * gammas[i]);
        uint16_t c1 = barrett(a0 * b1 + a1 * b0);
        h->c[2 * i] = reduce_once((uint32_t)h->c[2 * i] + c0);
        h->c[2 * i + 1] = reduce_once((uint32_t)h->c[2 * i + 1] + c1);
    }
}

static void poly_add(poly *h, const poly *f)
{
    for (unsigned i = 0; i < N; i++)
        h->c[i] = reduce_once((uint32_t)h->c[i] + f->c[i]);
}

/* ByteEncode_d (Algorithm 5): little-endian bit packing, d bits per coefficient. */
static void poly_encode(uint8_t *out, const poly *f, unsigned d)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (unsigned i = 0; i < N; i++) {
        acc |= (uint32_t)f->c[i] << bits;
        for (bits += d; bits >= 8; bits -= 8) {
            out[o++] = (uint8_t)acc;
            acc >>= 8;
        }
    }
}

/* ByteDecode_d (Algorithm 6) without the reduction mod q that d = 12 needs: callers either
 * reject out-of-range values (ek) or reduce them (dk). */
static void poly_decode(poly *f, const uint8_t *in, unsigned d)
{
    uint32_t acc = 0, mask = (1u << d) - 1;
    unsigned bits = 0;
    size_t o = 0;
    for (unsigned i = 0; i < N; i++) {
        for (; bits < d; bits += 8)
            acc |= (uint32_t)in[o++] << bits;
        f->c[i] = (uint16_t)(acc & mask);
        acc >>= d;
        bits -= d;
    }
}

/* Compress_d then ByteEncode_d. round(2^d x / q) = floor((2^d x + 1664) / q) for odd q; the
 * division is a multiplication by ceil(2^40 / q), exact for every numerator below 2^23. */
static void poly_compress(uint8_t *out, poly *f, unsigned d)
{
    for (unsigned i = 0; i < N; i++) {
        uint64_t num = ((uint64_t)f->c[i] << d) + (Q - 1) / 2;
        f->c[i] = (uint16_t)(((num * 330282857u) >> 40) & ((1u << d) - 1));
    }
    poly_encode(out, f, d);
}

/* ByteDecode_d then Decompress_d: round(q y / 2^d). */
static void poly_decompress(poly *f, const uint8_t *in, unsigned d)
{
    poly_decode(f, in, d);
    for (unsigned i = 0; i < N; i++)
        f->c[i] = (uint16_t)(((uint32_t)f->c[i] * Q + (1u << (d - 1))) >> d);
}

/* SampleNTT (Algorithm 7): rejection sampling from SHAKE-128(rho || x || y). Branches here
 * depend only on rho, which is public. */
static int sample_ntt(poly *a, const uint8_t rho[32], uint8_t x, uint8_t y, as_error *err)
{
    uint8_t in[34], b[3];
    as_shake128_xof xof;
    memcpy(in, rho, 32);
    in[32] = x;
    in[33] = y;
    if (as_shake128_xof_init(&xof, in, sizeof in, SAMPLE_AHEAD, err) != 0)
        return -1;
    for (unsigned j = 0; j < N;) {
        if (as_shake128_xof_read(&xof, b, sizeof b, err) != 0) {
            as_shake128_xof_free(&xof);
            return -1;
        }
        uint16_t d1 = (uint16_t)(b[0] | ((b[1] & 15u) << 8));
        uint16_t d2 = (uint16_t)((b[1] >> 4) | ((unsigned)b[2] << 4));
        if (d1 < Q)
            a->c[j++] = d1;
        if (d2 < Q && j < N)
            a->c[j++] = d2;
    }
    as_shake128_xof_free(&xof);
    return 0;
}

/* A-hat from rho: a[i][j] = SampleNTT(rho || j || i) (Algorithm 13 step 6 / 14 step 6). */
static int gen_matrix(mlkem_ws *w, const uint8_t rho[32], as_error *err)
{
    for (unsigned i = 0; i < K; i++)
        for (unsigned j = 0; j < K; j++)
            if (sample_ntt(&w->a[i][j], rho, (uint8_t)j, (uint8_t)i, err) != 0)
                return -1;
    return 0;
}

/* SamplePolyCBD_2(PRF_2(seed, nonce)) (Algorithms 8 and 4.3): each coefficient is
 * (b0 + b1) - (b2 + b3) mod q from four bits, computed without a branch. */
static int sample_cbd(mlkem_ws *w, poly *f, const uint8_t seed[32], uint8_t nonce, as_error *err)
{
    if (as_sha3(AS_SHAKE256, w->prf, sizeof w->prf, seed, 32, &nonce, 1, err) != 0)
        return -1;
    for (unsigned i = 0; i < N; i++) {
        unsigned nib = (unsigned)(w->prf[i / 2] >> (4 * (i % 2)));
        unsigned x = (nib & 1) + ((nib >> 1) & 1), y = ((nib >> 2) & 1) + ((nib >> 3) & 1);
        f->c[i] = reduce_once(x + Q - y);
    }
    return 0;
}

/* K-PKE.KeyGen (Algorithm 13): ek = ByteEncode12(t) || rho, dk_pke = ByteEncode12(s).
 * (rho, sigma) = G(d || k) hashes g_len = 33 bytes; the FIPS 203 draft hashed d alone (32). */
static int pke_keygen(mlkem_ws *w, uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk_pke[PKE_BYTES],
                      const uint8_t d[32], size_t g_len, as_error *err)
{
    const uint8_t *rho = w->g, *sigma = w->g + 32;
    uint8_t nonce = 0;
    memcpy(w->g_in, d, 32);
    w->g_in[32] = K;
    if (as_sha3(AS_SHA3_512, w->g, 64, w->g_in, g_len, NULL, 0, err) != 0)
        return -1;
    AS_CT_PUBLIC(w->g, 32); /* rho is published in ek */
    if (gen_matrix(w, rho, err) != 0)
        return -1;
    for (unsigned i = 0; i < K; i++)
        if (sample_cbd(w, &w->s[i], sigma, nonce++, err) != 0)
            return -1;
    for (unsigned i = 0; i < K; i++)
        if (sample_cbd(w, &w->e[i], sigma, nonce++, err) != 0)
            return -1;
    for (unsigned i = 0; i < K; i++) {
        ntt(&w->s[i]);
        ntt(&w->e[i]);
    }
    for (unsigned i = 0; i < K; i++) {
        w->t[i] = w->e[i];
        for (unsigned j = 0; j < K; j++)
            poly_mul_acc(&w->t[i], &w->a[i][j], &w->s[j]);
        poly_encode(ek + i * POLY_BYTES, &w->t[i], 12);
        poly_encode(dk_pke + i * POLY_BYTES, &w->s[i], 12);
    }
    memcpy(ek + PKE_BYTES, rho, 32);
    return 0;
}

/* K-PKE.Encrypt (Algorithm 14) of m with randomness r under a checked ek. */
static int pke_encrypt(mlkem_ws *w, uint8_t ct[AS_MLKEM768_CT_LEN],
                       const uint8_t ek[AS_MLKEM768_EK_LEN], const uint8_t m[32],
                       const uint8_t r[32], as_error *err)
{
    uint8_t nonce = 0;
    for (unsigned i = 0; i < K; i++)
        poly_decode(&w->t[i], ek + i * POLY_BYTES, 12);
    if (gen_matrix(w, ek + PKE_BYTES, err) != 0)
        return -1;
    for (unsigned i = 0; i < K; i++)
        if (sample_cbd(w, &w->y[i], r, nonce++, err) != 0)
            return -1;
    for (unsigned i = 0; i < K; i++)
        if (sample_cbd(w, &w->e1[i], r, nonce++, err) != 0)
            return -1;
    if (sample_cbd(w, &w->e2, r, nonce, err) != 0)
        return -1;
    for (unsigned i = 0; i < K; i++)
        ntt(&w->y[i]);
    memset(&w->v, 0, sizeof w->v);
    for (unsigned i = 0; i < K; i++) {
        memset(&w->u[i], 0, sizeof w->u[i]);
        for (unsigned j = 0; j < K; j++)
            poly_mul_acc(&w->u[i], &w->a[j][i], &w->y[j]); /* A-hat transposed */
        ntt_inv(&w->u[i]);
        poly_add(&w->u[i], &w->e1[i]);
        poly_compress(ct + i * (N * DU / 8), &w->u[i], DU);
        poly_mul_acc(&w->v, &w->t[i], &w->y[i]);
    }
    ntt_inv(&w->v);
    for (unsigned i = 0; i < N; i++) /* Decompress_1(bit) = bit * round(q / 2) */
        w->mu.c[i] = (uint16_t)(((m[i / 8] >> (i % 8)) & 1) * ((Q + 1) / 2));
    poly_add(&w->v, &w->e2);
    poly_add(&w->v, &w->mu);
    poly_compress(ct + C1_BYTES, &w->v, DV);
    return 0;
}

/* K-PKE.Decrypt (Algorithm 15): w->m = ByteEncode1(Compress1(v - NTT^-1(s * NTT(u)))). */
static void pke_decrypt(mlkem_ws *w, const uint8_t dk_pke[PKE_BYTES],
                        const uint8_t ct[AS_MLKEM768_CT_LEN])
{
    memset(&w->w, 0, sizeof w->w);
    for (unsigned i = 0; i < K; i++) {
        poly_decompress(&w->u[i], ct + i * (N * DU / 8), DU);
        ntt(&w->u[i]);
        poly_decode(&w->s[i], dk_pke + i * POLY_BYTES, 12);
        for (unsigned j = 0; j < N; j++)
            w->s[i].c[j] = barrett(w->s[i].c[j]); /* ByteDecode12 is mod q */
        poly_mul_acc(&w->w, &w->s[i], &w->u[i]);
    }
    ntt_inv(&w->w);
    poly_decompress(&w->v, ct + C1_BYTES, DV);
    for (unsigned j = 0; j < N; j++)
        w->w.c[j] = reduce_once((uint32_t)w->v.c[j] + Q - w->w.c[j]);
    memset(w->m, 0, sizeof w->m);
    poly_compress(w->m, &w->w, 1);
}

static int keygen(uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk[AS_MLKEM768_DK_LEN],
                  const uint8_t seed[AS_MLKEM768_SEED_LEN], size_t g_len, as_error *err)
{
    mlkem_ws *w = as_secret_alloc(sizeof *w, err);
    int rc = -1;
    if (w == NULL)
        goto out;
    /* dk = dk_pke || ek || H(ek) || z (Algorithm 16) */
    if (pke_keygen(w, ek, dk, seed, g_len, err) != 0)
        goto out;
    memcpy(dk + PKE_BYTES, ek, AS_MLKEM768_EK_LEN);
    if (as_sha3(AS_SHA3_256, dk + PKE_BYTES + AS_MLKEM768_EK_LEN, 32, ek, AS_MLKEM768_EK_LEN, NULL,
                0, err) != 0)
        goto out;
    memcpy(dk + AS_MLKEM768_DK_LEN - 32, seed + 32, 32);
    rc = 0;
out:
    if (rc != 0)
        sodium_memzero(dk, AS_MLKEM768_DK_LEN);
    as_secret_free(w);
    return rc;
}

int as_mlkem768_keygen(uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk[AS_MLKEM768_DK_LEN],
                       const uint8_t seed[AS_MLKEM768_SEED_LEN], as_error *err)
{
    return keygen(ek, dk, seed, 33, err);
}

#ifdef AS_TEST_HOOKS
int as_mlkem768_keygen_draft(uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk[AS_MLKEM768_DK_LEN],
                             const uint8_t seed[AS_MLKEM768_SEED_LEN], as_error *err)
{
    return keygen(ek, dk, seed, 32, err);
}
#endif

int as_mlkem768_check_ek(const uint8_t ek[AS_MLKEM768_EK_LEN], as_error *err)
{
    poly t;
    for (unsigned i = 0; i < K; i++) {
        poly_decode(&t, ek + i * POLY_BYTES, 12);
        for (unsigned j = 0; j < N; j++)
            if (t.c[j] >= Q)
                return as_fail(err, AS_ERR_KEY,
                               "ML-KEM-768 encapsulation key is invalid: coefficient %u of "
                               "polynomial %u is %u, not below q = 3329",
                               j, i, t.c[j]);
    }
    return 0;
}

int as_mlkem768_encaps_derand(uint8_t ct[AS_MLKEM768_CT_LEN], uint8_t ss[AS_MLKEM768_SS_LEN],
                              const uint8_t ek[AS_MLKEM768_EK_LEN],
                              const uint8_t m[AS_MLKEM768_MSG_LEN], as_error *err)
{
    mlkem_ws *w = NULL;
    int rc = -1;
    if (as_mlkem768_check_ek(ek, err) != 0 || (w = as_secret_alloc(sizeof *w, err)) == NULL)
        goto out;
    /* (K, r) = G(m || H(ek)) (Algorithm 17) */
    memcpy(w->g_in, m, 32);
    if (as_sha3(AS_SHA3_256, w->g_in + 32, 32, ek, AS_MLKEM768_EK_LEN, NULL, 0, err) != 0 ||
        as_sha3(AS_SHA3_512, w->g, 64, w->g_in, 64, NULL, 0, err) != 0 ||
        pke_encrypt(w, ct, ek, m, w->g + 32, err) != 0)
        goto out;
    memcpy(ss, w->g, 32);
    rc = 0;
out:
    if (rc != 0) {
        sodium_memzero(ct, AS_MLKEM768_CT_LEN);
        sodium_memzero(ss, AS_MLKEM768_SS_LEN);
    }
    as_secret_free(w);
    return rc;
}

int as_mlkem768_encaps(uint8_t ct[AS_MLKEM768_CT_LEN], uint8_t ss[AS_MLKEM768_SS_LEN],
                       const uint8_t ek[AS_MLKEM768_EK_LEN], as_error *err)
{
    uint8_t *m = as_secret_alloc(AS_MLKEM768_MSG_LEN, err);
    if (m == NULL)
        return -1;
    randombytes_buf(m, AS_MLKEM768_MSG_LEN);
    int rc = as_mlkem768_encaps_derand(ct, ss, ek, m, err);
    as_secret_free(m);
    return rc;
}

/* ss = equal ? k : kbar, chosen by a mask computed from all bytes of both ciphertexts, so
 * neither the time nor the memory access pattern tells which (implicit rejection). */
static void select_key(uint8_t ss[32], const uint8_t *k, const uint8_t *kbar, const uint8_t *c1,
                       const uint8_t *c2)
{
    uint32_t diff = 0;
    for (size_t i = 0; i < AS_MLKEM768_CT_LEN; i++)
        diff |= (uint32_t)(c1[i] ^ c2[i]);
    uint8_t keep = (uint8_t)(0u - ((diff - 1) >> 31)); /* 0xff when diff == 0 */
    for (size_t i = 0; i < 32; i++)
        ss[i] = (uint8_t)((k[i] & keep) | (kbar[i] & (uint8_t)~keep));
}

int as_mlkem768_decaps(uint8_t ss[AS_MLKEM768_SS_LEN], const uint8_t dk[AS_MLKEM768_DK_LEN],
                       const uint8_t ct[AS_MLKEM768_CT_LEN], as_error *err)
{
    const uint8_t *ek = dk + PKE_BYTES, *h = ek + AS_MLKEM768_EK_LEN, *z = h + 32;
    mlkem_ws *w = as_secret_alloc(sizeof *w, err);
    int rc = -1;
    if (w == NULL)
        goto out;
    /* FIPS 203 section 7.3 hash check: H(ek) and ek are public parts of dk */
    if (as_sha3(AS_SHA3_256, w->g_in, 32, ek, AS_MLKEM768_EK_LEN, NULL, 0, err) != 0)
        goto out;
    if (sodium_memcmp(w->g_in, h, 32) != 0) {
        as_fail(err, AS_ERR_KEY, "ML-KEM-768 decapsulation key is damaged: H(ek) does not match");
        goto out;
    }
    /* Algorithm 18: m' = Decrypt(dk_pke, c); (K', r') = G(m' || h); K-bar = J(z || c) */
    pke_decrypt(w, dk, ct);
    memcpy(w->g_in, w->m, 32);
    memcpy(w->g_in + 32, h, 32);
    if (as_sha3(AS_SHA3_512, w->g, 64, w->g_in, 64, NULL, 0, err) != 0 ||
        as_sha3(AS_SHAKE256, w->kbar, 32, z, 32, ct, AS_MLKEM768_CT_LEN, err) != 0 ||
        pke_encrypt(w, w->ct2, ek, w->m, w->g + 32, err) != 0)
        goto out;
    select_key(ss, w->g, w->kbar, ct, w->ct2);
    rc = 0;
out:
    if (rc != 0)
        sodium_memzero(ss, AS_MLKEM768_SS_LEN);
    as_secret_free(w);
    return rc;
}
