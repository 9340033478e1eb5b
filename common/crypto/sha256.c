/* sha256.c: nettle SHA-256; see sha256.h. */
#include "sha256.h"

#include "../core/text.h"

void as_sha256_init(as_sha256_ctx *h)
{
    sha256_init(&h->ctx);
}

void as_sha256_update(as_sha256_ctx *h, const void *data, size_t n)
{
    if (n > 0)
        sha256_update(&h->ctx, n, data);
}

void as_sha256_final(as_sha256_ctx *h, uint8_t out[AS_SHA256_LEN])
{
    sha256_digest(&h->ctx, AS_SHA256_LEN, out);
}

void as_sha256(uint8_t out[AS_SHA256_LEN], const void *data, size_t n)
{
    as_sha256_ctx h;
    as_sha256_init(&h);
    as_sha256_update(&h, data, n);
    as_sha256_final(&h, out);
}

void as_sha256_hex(char out[AS_SHA256_HEX_LEN + 1], const void *data, size_t n)
{
    uint8_t d[AS_SHA256_LEN];
    as_sha256(d, data, n);
    as_hex_encode(out, d, sizeof d);
}

static int sha_write(as_writer *self, const uint8_t *buf, size_t n, as_error *err)
{
    as_sha256_writer *w = (as_sha256_writer *)self;
    as_sha256_update(&w->h, buf, n);
    w->total += n;
    return w->next == NULL ? 0 : as_write(w->next, buf, n, err);
}

void as_sha256_writer_init(as_sha256_writer *w, as_writer *next)
{
    w->base.write = sha_write;
    w->next = next;
    w->total = 0;
    as_sha256_init(&w->h);
}
