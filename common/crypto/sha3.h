/*
 * sha3.h: SHA3-256, SHA3-512, SHAKE-128 and SHAKE-256 (FIPS 202) for ML-KEM and X-Wing.
 *
 * The Keccak permutation comes from OpenSSL 3.0's libcrypto, the only Debian 12 library with all
 * four functions: nettle 3.8 has no SHAKE-128 and libsodium has no SHA-3 at all. libcrypto 3.0
 * cannot squeeze a XOF incrementally (EVP_DigestSqueeze is 3.3+), so as_shake128_xof reads a
 * prefix and, when more is needed, recomputes a longer one: a XOF's shorter outputs are
 * prefixes of its longer ones, so the stream is the same as an incremental squeeze. Every use
 * of libcrypto is in sha3.c, so changing library touches one file.
 */
#ifndef AIRSEAL_CRYPTO_SHA3_H
#define AIRSEAL_CRYPTO_SHA3_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

typedef enum {
    AS_SHA3_256, /* 32-byte digest */
    AS_SHA3_512, /* 64-byte digest */
    AS_SHAKE128, /* any output length */
    AS_SHAKE256, /* any output length */
} as_sha3_alg;

/* An incremental hash. Its state can hold secret input: as_sha3_final and as_sha3_free wipe
 * it (libcrypto clears its Keccak state when the context is freed). */
typedef struct as_sha3_ctx {
    void *md; /* EVP_MD_CTX, owned */
    as_sha3_alg alg;
} as_sha3_ctx;

/* Starts a hash of kind alg. Returns 0, or -1 with AS_ERR_NOMEM/AS_ERR_INTERNAL (c is then
 * safe to pass to as_sha3_free). */
int as_sha3_init(as_sha3_ctx *c, as_sha3_alg alg, as_error *err);

/* Absorbs n bytes. Returns 0, or -1 with AS_ERR_INTERNAL. */
int as_sha3_update(as_sha3_ctx *c, const void *p, size_t n, as_error *err);

/* Writes the digest (out_len must be 32 for SHA3-256 and 64 for SHA3-512; any length for
 * SHAKE) and frees the context. Returns 0, or -1 with AS_ERR_INTERNAL. */
int as_sha3_final(as_sha3_ctx *c, uint8_t *out, size_t out_len, as_error *err);

/* Frees an unfinished context (for error paths). Accepts a freed or zeroed one. */
void as_sha3_free(as_sha3_ctx *c);

/* One shot over the concatenation a || b (b may be NULL when b_len is 0). Same contract as
 * as_sha3_final. */
int as_sha3(as_sha3_alg alg, uint8_t *out, size_t out_len, const void *a, size_t a_len,
            const void *b, size_t b_len, as_error *err);

#define AS_SHAKE128_XOF_IN_MAX 64

/* A SHAKE-128 output stream read piece by piece (ML-KEM's SampleNTT, test RNGs). Its input
 * is public: the prefix it holds is ordinary heap memory. */
typedef struct as_shake128_xof {
    uint8_t in[AS_SHAKE128_XOF_IN_MAX];
    size_t in_len;
    uint8_t *buf; /* the first len bytes of the stream, owned */
    size_t len, pos;
} as_shake128_xof;

/* Starts the stream SHAKE-128(in), in_len <= AS_SHAKE128_XOF_IN_MAX, computing `hint` bytes
 * ahead (more are computed when read). Returns 0, or -1 with err set. */
int as_shake128_xof_init(as_shake128_xof *x, const void *in, size_t in_len, size_t hint,
                         as_error *err);

/* Reads the next n bytes of the stream. Returns 0, or -1 with AS_ERR_NOMEM/AS_ERR_INTERNAL. */
int as_shake128_xof_read(as_shake128_xof *x, uint8_t *out, size_t n, as_error *err);

/* Frees the stream. Accepts a zeroed one. */
void as_shake128_xof_free(as_shake128_xof *x);

#endif
