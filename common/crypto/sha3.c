/* sha3.c: FIPS 202 hashes on OpenSSL 3.0's libcrypto; see sha3.h for why this library. */
#include "sha3.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const EVP_MD *alg_md(as_sha3_alg alg)
{
    switch (alg) {
    case AS_SHA3_256:
        return EVP_sha3_256();
    case AS_SHA3_512:
        return EVP_sha3_512();
    case AS_SHAKE128:
        return EVP_shake128();
    case AS_SHAKE256:
        return EVP_shake256();
    }
    return NULL;
}

int as_sha3_init(as_sha3_ctx *c, as_sha3_alg alg, as_error *err)
{
    const EVP_MD *md = alg_md(alg);
    c->alg = alg;
    c->md = EVP_MD_CTX_new();
    if (c->md == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory for a SHA-3 context");
    if (md == NULL || EVP_DigestInit_ex(c->md, md, NULL) != 1) {
        as_sha3_free(c);
        return as_fail(err, AS_ERR_INTERNAL, "libcrypto refused to start a SHA-3 hash");
    }
    return 0;
}

int as_sha3_update(as_sha3_ctx *c, const void *p, size_t n, as_error *err)
{
    if (n > 0 && EVP_DigestUpdate(c->md, p, n) != 1)
        return as_fail(err, AS_ERR_INTERNAL, "libcrypto refused SHA-3 input");
    return 0;
}

int as_sha3_final(as_sha3_ctx *c, uint8_t *out, size_t out_len, as_error *err)
{
    int ok;
    if (c->alg == AS_SHAKE128 || c->alg == AS_SHAKE256) {
        ok = EVP_DigestFinalXOF(c->md, out, out_len) == 1;
    } else {
        size_t want = c->alg == AS_SHA3_256 ? 32 : 64;
        ok = out_len == want && EVP_DigestFinal_ex(c->md, out, NULL) == 1;
    }
    as_sha3_free(c);
    if (!ok)
        return as_fail(err, AS_ERR_INTERNAL, "libcrypto could not finish a SHA-3 hash");
    return 0;
}

void as_sha3_free(as_sha3_ctx *c)
{
    EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

int as_sha3(as_sha3_alg alg, uint8_t *out, size_t out_len, const void *a, size_t a_len,
            const void *b, size_t b_len, as_error *err)
{
    as_sha3_ctx c;
    if (as_sha3_init(&c, alg, err) != 0)
        return -1;
    if (as_sha3_update(&c, a, a_len, err) != 0 || as_sha3_update(&c, b, b_len, err) != 0) {
        as_sha3_free(&c);
        return -1;
    }
    return as_sha3_final(&c, out, out_len, err);
}

/* Recomputes the first `len` bytes of the stream: the price of libcrypto 3.0 having no
 * incremental squeeze, paid only when a reader outgrows the hint. */
static int xof_extend(as_shake128_xof *x, size_t len, as_error *err)
{
    uint8_t *nb = malloc(len);
    if (nb == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory for a SHAKE-128 stream");
    if (as_sha3(AS_SHAKE128, nb, len, x->in, x->in_len, NULL, 0, err) != 0) {
        free(nb);
        return -1;
    }
    free(x->buf);
    x->buf = nb;
    x->len = len;
    return 0;
}

int as_shake128_xof_init(as_shake128_xof *x, const void *in, size_t in_len, size_t hint,
                         as_error *err)
{
    memset(x, 0, sizeof *x);
    if (in_len > sizeof x->in)
        return as_fail(err, AS_ERR_INTERNAL, "SHAKE-128 stream input too long");
    if (in_len > 0)
        memcpy(x->in, in, in_len);
    x->in_len = in_len;
    return xof_extend(x, hint > 0 ? hint : 168, err);
}

int as_shake128_xof_read(as_shake128_xof *x, uint8_t *out, size_t n, as_error *err)
{
    if (n > x->len - x->pos) {
        size_t want = x->len;
        while (want - x->pos < n) {
            if (want > SIZE_MAX / 2)
                return as_fail(err, AS_ERR_NOMEM, "SHAKE-128 stream too long");
            want *= 2;
        }
        if (xof_extend(x, want, err) != 0)
            return -1;
    }
    memcpy(out, x->buf + x->pos, n);
    x->pos += n;
    return 0;
}

void as_shake128_xof_free(as_shake128_xof *x)
{
    free(x->buf);
    x->buf = NULL;
    x->len = x->pos = 0;
}
