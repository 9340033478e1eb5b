/* frame_encode.c: cutting an object into QR frames, with its parity; see frame_encode.h. */
#include "frame_encode.h"

#include <stdlib.h>
#include <string.h>

/* The object and its parity in memory, K data blocks then M parity blocks of B bytes each,
 * as the erasure coder reads the data and writes the parity. */
typedef struct mem_object {
    const as_ec_layout *l;
    uint8_t *blocks; /* K data blocks then M parity blocks, B bytes each */
} mem_object;

static int mem_read_data(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                         as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(buf, o->blocks + (uint64_t)i * o->l->block + off, len);
    return 0;
}

static int mem_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                            as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(o->blocks + ((uint64_t)o->l->k_total + p) * o->l->block + off, buf, len);
    return 0;
}

static as_ec_io mem_io(mem_object *o)
{
    as_ec_io io = {
        .ctx = o, .read_data = mem_read_data, .write_parity = mem_write_parity, .progress = NULL};
    return io;
}

int as_frame_encoder_init(as_frame_encoder *e, const uint8_t bundle_id[16], const uint8_t *sealed,
                          size_t sealed_len, const uint8_t *sig, size_t sig_len, uint32_t block,
                          unsigned pct, as_error *err)
{
    memset(e, 0, sizeof *e);
    if (sealed_len == 0 || sealed_len > AS_FRAME_MAX_OBJECT)
        return as_fail(err, AS_ERR_LIMIT,
                       "QR frames carry bundles of at most %u MiB; use a USB stick",
                       AS_FRAME_MAX_OBJECT >> 20);
    if (sig_len == 0 || sig_len > AS_FRAME_MAX_SIG)
        return as_fail(err, AS_ERR_FORMAT, "signature file of %zu bytes", sig_len);
    if (block < AS_FRAME_MIN_BLOCK || block > 65535)
        return as_fail(err, AS_ERR_USAGE, "block size %u out of range", block);
    if (as_ec_plan(&e->l, sealed_len + sig_len, block, pct, err) != 0)
        return -1;
    uint64_t n = (uint64_t)e->l.k_total + e->l.m_total;
    e->blocks = calloc(n, block);
    if (e->blocks == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(e->blocks, sealed, sealed_len);
    memcpy(e->blocks + sealed_len, sig, sig_len);
    mem_object o = {.l = &e->l, .blocks = e->blocks};
    as_ec_io io = mem_io(&o);
    if (as_ec_encode(&e->l, &io, err) != 0) {
        as_frame_encoder_free(e);
        return -1;
    }
    memcpy(e->h.bundle, bundle_id, AS_FRAME_ID_LEN);
    e->h.sealed_size = sealed_len;
    e->h.sig_size = (uint32_t)sig_len;
    e->h.block = block;
    e->h.pct = pct;
    e->h.k = e->l.k_total;
    e->h.m = e->l.m_total;
    return 0;
}

void as_frame_encoder_frame(const as_frame_encoder *e, uint32_t i, uint8_t *out)
{
    as_frame_header h = e->h;
    h.index = i;
    as_frame_format(out, &h, e->blocks + (uint64_t)i * e->l.block);
}

void as_frame_encoder_free(as_frame_encoder *e)
{
    free(e->blocks);
    memset(e, 0, sizeof *e);
}
