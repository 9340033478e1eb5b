/* frame.c: QR frame format, encoder and collector; see frame.h. */
#include "frame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- CRC-32 */

uint32_t as_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        /* Building the table twice from two threads writes the same values: harmless. */
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int b = 0; b < 8; b++)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* ---------------------------------------------------------------- header */

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

void as_frame_format(uint8_t *out, const as_frame_header *h, const uint8_t *block)
{
    memcpy(out, AS_FRAME_MAGIC, 3);
    out[3] = AS_FRAME_VERSION;
    memcpy(out + 4, h->bundle, AS_FRAME_ID_LEN);
    put_be(out + 12, h->sealed_size, 8);
    put_be(out + 20, h->sig_size, 2);
    put_be(out + 22, h->block, 2);
    out[24] = (uint8_t)h->pct;
    put_be(out + 25, h->k, 4);
    put_be(out + 29, h->m, 4);
    put_be(out + 33, h->index, 4);
    memcpy(out + AS_FRAME_HEADER, block, h->block);
    uint32_t crc = as_crc32(0, out, 37);
    crc = as_crc32(crc, out + AS_FRAME_HEADER, h->block);
    put_be(out + 37, crc, 4);
}

void as_frame_layout(const as_frame_header *h, as_ec_layout *l)
{
    memset(l, 0, sizeof *l);
    as_error e = {0};
    (void)as_ec_plan(l, h->sealed_size + h->sig_size, h->block, h->pct, &e);
}

int as_frame_parse(as_frame_header *h, const uint8_t **block, const uint8_t *data, size_t len,
                   as_error *err)
{
    memset(h, 0, sizeof *h);
    if (len < AS_FRAME_HEADER || memcmp(data, AS_FRAME_MAGIC, 3) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not an airseal frame");
    if (data[3] != AS_FRAME_VERSION)
        return as_fail(err, AS_ERR_FORMAT, "frame format version %u is not supported", data[3]);
    memcpy(h->bundle, data + 4, AS_FRAME_ID_LEN);
    h->sealed_size = get_be(data + 12, 8);
    h->sig_size = (uint32_t)get_be(data + 20, 2);
    h->block = (uint32_t)get_be(data + 22, 2);
    h->pct = data[24];
    h->k = (uint32_t)get_be(data + 25, 4);
    h->m = (uint32_t)get_be(data + 29, 4);
    h->index = (uint32_t)get_be(data + 33, 4);
    if (len - AS_FRAME_HEADER != h->block)
        return as_fail(err, AS_ERR_FORMAT, "frame holds %zu bytes, its header says %u",
                       len - AS_FRAME_HEADER, h->block);
    uint32_t crc = as_crc32(0, data, 37);
    crc = as_crc32(crc, data + AS_FRAME_HEADER, h->block);
    if (crc != (uint32_t)get_be(data + 37, 4))
        return as_fail(err, AS_ERR_FORMAT, "frame CRC mismatch (damaged)");
    /* Only now is the header worth believing enough to check it against the caps. */
    if (h->block < AS_FRAME_MIN_BLOCK || h->pct > 100 || h->sig_size == 0 ||
        h->sig_size > AS_FRAME_MAX_SIG || h->sealed_size == 0)
        return as_fail(err, AS_ERR_FORMAT, "frame header out of range");
    if (h->sealed_size > AS_FRAME_MAX_OBJECT)
        return as_fail(err, AS_ERR_LIMIT, "frame declares a %llu-byte bundle, more than %u MiB",
                       (unsigned long long)h->sealed_size, AS_FRAME_MAX_OBJECT >> 20);
    as_ec_layout want;
    as_error e = {0};
    if (as_ec_plan(&want, h->sealed_size + h->sig_size, h->block, h->pct, &e) != 0 ||
        want.k_total != h->k || want.m_total != h->m)
        return as_fail(err, AS_ERR_FORMAT,
                       "frame declares %llu data and %llu parity blocks, inconsistent with its "
                       "sizes",
                       (unsigned long long)h->k, (unsigned long long)h->m);
    if (h->index >= h->k + h->m)
        return as_fail(err, AS_ERR_FORMAT, "frame index %u beyond its %u blocks", h->index,
                       h->k + h->m);
    *block = data + AS_FRAME_HEADER;
    return 0;
}

/* ---------------------------------------------------------------- memory-backed coding */

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

static int mem_write_data(void *ctx, uint32_t i, uint32_t off, const uint8_t *buf, uint32_t len,
                          as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(o->blocks + (uint64_t)i * o->l->block + off, buf, len);
    return 0;
}

static int mem_read_parity(void *ctx, uint32_t p, uint32_t off, uint8_t *buf, uint32_t len,
                           as_error *err)
{
    (void)err;
    mem_object *o = ctx;
    memcpy(buf, o->blocks + ((uint64_t)o->l->k_total + p) * o->l->block + off, len);
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
    as_ec_io io = {.ctx = o,
                   .read_data = mem_read_data,
                   .write_data = mem_write_data,
                   .read_parity = mem_read_parity,
                   .write_parity = mem_write_parity,
                   .progress = NULL};
    return io;
}

/* ---------------------------------------------------------------- encoder */

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

/* ---------------------------------------------------------------- collector */

void as_frame_set_init(as_frame_set *s)
{
    memset(s, 0, sizeof *s);
}

void as_frame_set_free(as_frame_set *s)
{
    for (size_t i = 0; i < s->nbundles; i++) {
        free(s->bundles[i].blocks);
        free(s->bundles[i].state);
    }
    memset(s, 0, sizeof *s);
}

static bool same_bundle(const as_frame_header *a, const as_frame_header *b)
{
    return memcmp(a->bundle, b->bundle, AS_FRAME_ID_LEN) == 0 && a->sealed_size == b->sealed_size &&
           a->sig_size == b->sig_size && a->block == b->block && a->pct == b->pct;
}

as_frame_result as_frame_set_add(as_frame_set *s, const uint8_t *data, size_t len)
{
    as_frame_header h;
    const uint8_t *block;
    as_error e = {0};
    s->seen++;
    if (as_frame_parse(&h, &block, data, len, &e) != 0) {
        if (s->corrupt++ == 0)
            snprintf(s->first_corrupt, sizeof s->first_corrupt, "%s", e.msg);
        return AS_FRAME_CORRUPT;
    }
    as_frame_bundle *b = NULL;
    for (size_t i = 0; i < s->nbundles && b == NULL; i++)
        if (same_bundle(&s->bundles[i].h, &h))
            b = &s->bundles[i];
    if (b == NULL) {
        if (s->nbundles == AS_FRAME_MAX_BUNDLES) {
            s->other_bundles++;
            return AS_FRAME_FOREIGN;
        }
        b = &s->bundles[s->nbundles];
        memset(b, 0, sizeof *b);
        b->h = h;
        as_frame_layout(&h, &b->l);
        uint64_t n = (uint64_t)h.k + h.m;
        b->blocks = calloc(n, h.block);
        b->state = calloc(n, 1);
        if (b->blocks == NULL || b->state == NULL) {
            free(b->blocks);
            free(b->state);
            if (s->corrupt++ == 0)
                snprintf(s->first_corrupt, sizeof s->first_corrupt, "out of memory");
            return AS_FRAME_CORRUPT;
        }
        s->nbundles++;
    }
    uint8_t *dst = b->blocks + (uint64_t)h.index * h.block;
    switch (b->state[h.index]) {
    case 1:
        if (memcmp(dst, block, h.block) == 0) {
            s->duplicates++;
            return AS_FRAME_DUPLICATE;
        }
        /* Two different blocks claim the same place: trust neither; parity fills it. */
        b->state[h.index] = 2;
        b->held--;
        memset(dst, 0, h.block);
        s->conflicts++;
        return AS_FRAME_CONFLICT;
    case 2:
        s->conflicts++;
        return AS_FRAME_CONFLICT;
    default:
        break;
    }
    memcpy(dst, block, h.block);
    if (h.index < h.k) {
        /* bytes past the object's end are zeros for the code, whatever a frame says */
        uint32_t valid = as_ec_data_len(&b->l, h.index);
        memset(dst + valid, 0, h.block - valid);
    }
    b->state[h.index] = 1;
    b->held++;
    s->added++;
    return AS_FRAME_ADDED;
}

as_frame_bundle *as_frame_set_main(as_frame_set *s, uint64_t *others)
{
    as_frame_bundle *best = NULL;
    uint64_t total = 0;
    for (size_t i = 0; i < s->nbundles; i++) {
        total += s->bundles[i].held;
        if (best == NULL || s->bundles[i].held > best->held)
            best = &s->bundles[i];
    }
    if (others != NULL)
        *others = s->other_bundles + (best ? total - best->held : 0);
    return best;
}

static void ok_flags(const as_frame_bundle *b, bool *data_ok, bool *parity_ok)
{
    for (uint32_t i = 0; i < b->l.k_total; i++)
        data_ok[i] = b->state[i] == 1;
    for (uint32_t p = 0; p < b->l.m_total; p++)
        parity_ok[p] = b->state[b->l.k_total + p] == 1;
}

uint32_t as_frame_bundle_needed(const as_frame_bundle *b)
{
    bool *data_ok = calloc(b->l.k_total, 1), *parity_ok = calloc(b->l.m_total + 1, 1);
    uint32_t need = 0;
    if (data_ok == NULL || parity_ok == NULL) {
        need = b->l.k_total;
    } else {
        ok_flags(b, data_ok, parity_ok);
        for (uint32_t st = 0; st < b->l.stripes; st++)
            need += as_ec_stripe_shortfall(&b->l, st, data_ok, parity_ok);
    }
    free(data_ok);
    free(parity_ok);
    return need;
}

int as_frame_bundle_rebuild(as_frame_bundle *b, uint32_t *repaired, as_error *err)
{
    bool *data_ok = calloc(b->l.k_total, 1), *parity_ok = calloc(b->l.m_total + 1, 1);
    int rc = -1;
    *repaired = 0;
    if (data_ok == NULL || parity_ok == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
    } else {
        ok_flags(b, data_ok, parity_ok);
        mem_object o = {.l = &b->l, .blocks = b->blocks};
        as_ec_io io = mem_io(&o);
        rc = as_ec_repair(&b->l, &io, data_ok, parity_ok, repaired, err);
    }
    free(data_ok);
    free(parity_ok);
    return rc;
}

/* Appends "a" or "a-b" to out, with a separator; keeps out NUL-terminated and bounded. */
static void add_range(char *out, size_t cap, size_t *used, uint32_t a, uint32_t b, bool *full)
{
    if (*full)
        return;
    char item[32];
    int n = a == b ? snprintf(item, sizeof item, "%s%u", *used ? ", " : "", a)
                   : snprintf(item, sizeof item, "%s%u-%u", *used ? ", " : "", a, b);
    if (*used + (size_t)n + 5 >= cap) {
        snprintf(out + *used, cap - *used, ", ...");
        *full = true;
        return;
    }
    memcpy(out + *used, item, (size_t)n + 1);
    *used += (size_t)n;
}

uint32_t as_frame_bundle_missing(const as_frame_bundle *b, char *out, size_t cap)
{
    const as_ec_layout *l = &b->l;
    uint32_t n = l->k_total + l->m_total, count = 0;
    bool *data_ok = calloc(l->k_total, 1), *parity_ok = calloc(l->m_total + 1, 1);
    bool *want = calloc(n, 1);
    if (cap > 0)
        out[0] = '\0';
    if (data_ok == NULL || parity_ok == NULL || want == NULL)
        goto out;
    ok_flags(b, data_ok, parity_ok);
    for (uint32_t s = 0; s < l->stripes; s++) {
        if (as_ec_stripe_shortfall(l, s, data_ok, parity_ok) == 0)
            continue;
        for (uint32_t r = 0; r < as_ec_stripe_k(l, s); r++) {
            uint32_t i = as_ec_data_index(l, s, r);
            want[i] = !data_ok[i];
        }
        for (uint32_t j = 0; j < as_ec_stripe_m(l, s); j++) {
            uint32_t p = as_ec_parity_index(l, s, j);
            want[l->k_total + p] = !parity_ok[p];
        }
    }
    size_t used = 0;
    bool full = false;
    for (uint32_t i = 0; i < n;) {
        if (!want[i]) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j + 1 < n && want[j + 1])
            j++;
        count += j - i + 1;
        if (cap > 0)
            add_range(out, cap, &used, i + 1, j + 1, &full);
        i = j + 1;
    }
out:
    free(data_ok);
    free(parity_ok);
    free(want);
    return count;
}
