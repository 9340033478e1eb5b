/* usb.c: USB bundle directories, part files, index, parity and repair; see usb.h. */
#include "usb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/base64.h"
#include "../core/faults.h"
#include "../core/text.h"
#include "../core/progress.h"

#define INDEX_HEADER "airseal-index v1"
#define PART_MAGIC "airseal-part v1\n"
#define INDEX_MAX (64u << 20)
#define SIG_MAX 16384
#define MAX_SOURCE_FILES 4096

/* ================================================================ part headers */

void as_part_header_format(uint8_t out[AS_PART_HEADER], const as_part_header *h)
{
    char hex[65];
    as_hex_encode(hex, h->sha256, 32);
    memset(out, ' ', AS_PART_HEADER);
    int n = snprintf((char *)out, AS_PART_HEADER,
                     PART_MAGIC "bundle: %s\nobject: %s\npart: %u of %u\noffset: %llu\n"
                                "length: %llu\nobject-size: %llu\nsha256: %s\n",
                     h->bundle_id, h->object, h->index, h->count, (unsigned long long)h->offset,
                     (unsigned long long)h->length, (unsigned long long)h->object_size, hex);
    /* snprintf's NUL becomes padding: spaces up to the last byte, which is a newline */
    if (n > 0 && n < AS_PART_HEADER)
        out[n] = ' ';
    out[AS_PART_HEADER - 1] = '\n';
}

static int kv(as_cursor *c, const char *key, const char **v, size_t *n)
{
    const char *line;
    size_t len, k = strlen(key);
    if (as_cursor_line(c, &line, &len, 4 * SIG_MAX) != 0 || len < k + 2 ||
        memcmp(line, key, k) != 0 || line[k] != ':' || line[k + 1] != ' ')
        return -1;
    *v = line + k + 2;
    *n = len - k - 2;
    return 0;
}

static bool valid_object(const char *s, size_t n)
{
    return (n == strlen(AS_USB_AGE) && memcmp(s, AS_USB_AGE, n) == 0) ||
           (n == strlen(AS_USB_PARITY) && memcmp(s, AS_USB_PARITY, n) == 0);
}

int as_part_header_parse(as_part_header *h, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *v;
    size_t n;
    uint64_t idx, cnt;
    uint8_t id[AS_BUNDLE_ID_LEN];
    memset(h, 0, sizeof *h);
    if (len < AS_PART_HEADER)
        return as_fail(err, AS_ERR_FORMAT, "part header truncated");
    as_cursor_init(&c, data, AS_PART_HEADER);
#define BAD(what) as_fail(err, AS_ERR_FORMAT, "malformed part header: %s", what)
    if (as_cursor_expect(&c, PART_MAGIC, strlen(PART_MAGIC)) != 0)
        return BAD("magic");
    if (kv(&c, "bundle", &v, &n) != 0 || n != 32 || as_hex_decode(id, sizeof id, v, n) != 0)
        return BAD("bundle");
    as_hex_encode(h->bundle_id, id, sizeof id);
    if (kv(&c, "object", &v, &n) != 0 || !valid_object(v, n))
        return BAD("object");
    memcpy(h->object, v, n);
    if (kv(&c, "part", &v, &n) != 0)
        return BAD("part");
    const char *of = memmem(v, n, " of ", 4);
    if (of == NULL || as_parse_u64(v, (size_t)(of - v), 1u << 20, false, &idx) != 0 ||
        as_parse_u64(of + 4, n - (size_t)(of + 4 - v), 1u << 20, false, &cnt) != 0 || idx > cnt)
        return BAD("part number");
    h->index = (uint32_t)idx;
    h->count = (uint32_t)cnt;
    if (kv(&c, "offset", &v, &n) != 0 || as_parse_u64(v, n, 1ULL << 50, true, &h->offset) != 0 ||
        kv(&c, "length", &v, &n) != 0 || as_parse_u64(v, n, 1ULL << 50, true, &h->length) != 0 ||
        kv(&c, "object-size", &v, &n) != 0 ||
        as_parse_u64(v, n, 1ULL << 50, false, &h->object_size) != 0)
        return BAD("offsets");
    if (h->offset > h->object_size || h->length > h->object_size - h->offset)
        return BAD("part lies outside the object");
    if (kv(&c, "sha256", &v, &n) != 0 || as_hex_decode(h->sha256, 32, v, n) != 0)
        return BAD("sha256");
    /* the rest: spaces, then the final newline */
    size_t rest = as_cursor_left(&c);
    const uint8_t *p;
    as_cursor_ref(&c, &p, rest);
    for (size_t i = 0; i + 1 < rest; i++)
        if (p[i] != ' ')
            return BAD("padding");
    if (rest == 0 || p[rest - 1] != '\n')
        return BAD("padding");
#undef BAD
    return 0;
}

/* ================================================================ index */

void as_usb_index_free(as_usb_index *ix)
{
    free(ix->signature);
    free(ix->parts);
    free(ix->data_hash);
    free(ix->parity_hash);
    memset(ix, 0, sizeof *ix);
}

int as_usb_index_format(const as_usb_index *ix, as_buf *out, as_error *err)
{
    char hex[65];
    const as_ec_layout *l = &ix->layout;
    size_t start = out->len;
    as_hex_encode(hex, ix->sealed_sha256, 32);
    if (as_buf_printf(out, err,
                      INDEX_HEADER "\nbundle: %s\nsealed-size: %llu\nsealed-sha256: %s\n"
                                   "block-size: %u\nredundancy: %u\ndata-blocks: %u\nstripes: %u\n"
                                   "parity-blocks: %u\nsignature: ",
                      ix->bundle_id, (unsigned long long)l->size, hex, l->block, l->pct, l->k_total,
                      l->stripes, l->m_total) != 0)
        return -1;
    size_t b64len = as_b64_encoded_len(ix->signature_len, AS_B64_PADDED);
    char *b64 = malloc(b64len + 1);
    if (b64 == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_b64_encode(b64, ix->signature, ix->signature_len, AS_B64_PADDED);
    int rc = as_buf_printf(out, err, "%s\n", b64);
    free(b64);
    for (size_t i = 0; rc == 0 && i < ix->nparts; i++) {
        const as_usb_part_ref *p = &ix->parts[i];
        as_hex_encode(hex, p->sha256, 32);
        rc = as_buf_printf(out, err, "part: %s %u %u %llu %llu %s\n", p->object, p->index, p->count,
                           (unsigned long long)p->offset, (unsigned long long)p->length, hex);
    }
    for (uint32_t i = 0; rc == 0 && i < l->k_total; i++) {
        as_hex_encode(hex, ix->data_hash[i], AS_BLOCK_HASH);
        rc = as_buf_printf(out, err, "d %s\n", hex);
    }
    for (uint32_t i = 0; rc == 0 && i < l->m_total; i++) {
        as_hex_encode(hex, ix->parity_hash[i], AS_BLOCK_HASH);
        rc = as_buf_printf(out, err, "p %s\n", hex);
    }
    if (rc != 0)
        return -1;
    char end[65];
    as_sha256_hex(end, out->data + start, out->len - start);
    return as_buf_printf(out, err, "end: %s\n", end);
}

static int index_u64(as_cursor *c, const char *key, uint64_t max, uint64_t *v)
{
    const char *s;
    size_t n;
    return kv(c, key, &s, &n) == 0 && as_parse_u64(s, n, max, true, v) == 0 ? 0 : -1;
}

int as_usb_index_parse(as_usb_index *ix, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *v, *line;
    size_t n;
    uint64_t size, block, pct, k, s, m;
    uint8_t id[AS_BUNDLE_ID_LEN];
    memset(ix, 0, sizeof *ix);
#define BAD(...)                                                                                   \
    (as_fail(err, AS_ERR_FORMAT, "damaged bundle.index: " __VA_ARGS__), as_usb_index_free(ix), -1)
    if (len > INDEX_MAX)
        return BAD("larger than %u bytes", INDEX_MAX);
    /* The closing digest first: a damaged index is set aside before any field is trusted. */
    if (len < 72 || data[len - 1] != '\n')
        return BAD("truncated");
    size_t last = len - 1;
    while (last > 0 && data[last - 1] != '\n')
        last--;
    uint8_t want[32], got[32];
    if (len - 1 - last != 5 + 64 || memcmp(data + last, "end: ", 5) != 0 ||
        as_hex_decode(want, 32, (const char *)data + last + 5, 64) != 0)
        return BAD("no closing digest");
    as_sha256(got, data, last);
    if (!as_equal_ct(want, got, 32))
        return BAD("closing digest does not match (the file was modified or damaged)");
    as_cursor_init(&c, data, last);
    if (as_cursor_line(&c, &line, &n, 64) != 0 || n != strlen(INDEX_HEADER) ||
        memcmp(line, INDEX_HEADER, n) != 0)
        return BAD("not an airseal index");
    if (kv(&c, "bundle", &v, &n) != 0 || n != 32 || as_hex_decode(id, sizeof id, v, n) != 0)
        return BAD("bundle id");
    as_hex_encode(ix->bundle_id, id, sizeof id);
    if (index_u64(&c, "sealed-size", 1ULL << 50, &size) != 0 || size == 0 ||
        kv(&c, "sealed-sha256", &v, &n) != 0 || as_hex_decode(ix->sealed_sha256, 32, v, n) != 0 ||
        index_u64(&c, "block-size", 16u << 20, &block) != 0 ||
        index_u64(&c, "redundancy", 100, &pct) != 0 ||
        index_u64(&c, "data-blocks", AS_EC_MAX_BLOCKS, &k) != 0 ||
        index_u64(&c, "stripes", AS_EC_MAX_BLOCKS, &s) != 0 ||
        index_u64(&c, "parity-blocks", AS_EC_MAX_BLOCKS, &m) != 0)
        return BAD("header fields");
    ix->layout = (as_ec_layout){.size = size,
                                .block = (uint32_t)block,
                                .k_total = (uint32_t)k,
                                .stripes = (uint32_t)s,
                                .m_total = (uint32_t)m,
                                .pct = (uint32_t)pct};
    if (as_ec_layout_check(&ix->layout, err) != 0) {
        as_error_prefix(err, "damaged bundle.index: ");
        as_usb_index_free(ix);
        return -1;
    }
    if (kv(&c, "signature", &v, &n) != 0 || n > SIG_MAX * 2)
        return BAD("signature");
    ix->signature = malloc(n);
    long sl = ix->signature ? as_b64_decode(ix->signature, n, v, n, AS_B64_PADDED) : -1;
    if (sl <= 0)
        return BAD("signature");
    ix->signature_len = (size_t)sl;
    ix->data_hash = calloc(k, AS_BLOCK_HASH);
    ix->parity_hash = calloc(m ? m : 1, AS_BLOCK_HASH);
    if (ix->data_hash == NULL || ix->parity_hash == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory"), as_usb_index_free(ix), -1;
    uint64_t nd = 0, np = 0;
    while (as_cursor_left(&c) > 0) {
        if (as_cursor_line(&c, &line, &n, 300) != 0)
            return BAD("line too long");
        if (n == 2 + 2 * AS_BLOCK_HASH && line[1] == ' ' && (line[0] == 'd' || line[0] == 'p')) {
            if (line[0] == 'd' && (np > 0 || nd == k))
                return BAD("too many or misplaced data digests");
            if (line[0] == 'p' && np == m)
                return BAD("too many parity digests");
            uint8_t *dst = line[0] == 'd' ? ix->data_hash[nd++] : ix->parity_hash[np++];
            if (as_hex_decode(dst, AS_BLOCK_HASH, line + 2, n - 2) != 0)
                return BAD("block digest");
            continue;
        }
        if (nd > 0 || n < 6 || memcmp(line, "part: ", 6) != 0)
            return BAD("unexpected line");
        if (ix->nparts == 1u << 16)
            return BAD("too many parts");
        as_usb_part_ref *pr = realloc(ix->parts, (ix->nparts + 1) * sizeof *pr);
        if (pr == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory"), as_usb_index_free(ix), -1;
        ix->parts = pr;
        as_usb_part_ref *p = &pr[ix->nparts++];
        memset(p, 0, sizeof *p);
        /* part: <object> <i> <n> <offset> <length> <sha256> */
        const char *f[6];
        size_t fl[6], nf = 0;
        const char *q = line + 6, *end = line + n;
        while (q < end && nf < 6) {
            const char *sp = memchr(q, ' ', (size_t)(end - q));
            f[nf] = q;
            fl[nf] = (size_t)((sp ? sp : end) - q);
            nf++;
            q = sp ? sp + 1 : end;
        }
        uint64_t pi, pn;
        if (nf != 6 || q != end || !valid_object(f[0], fl[0]) ||
            as_parse_u64(f[1], fl[1], 1u << 20, false, &pi) != 0 ||
            as_parse_u64(f[2], fl[2], 1u << 20, false, &pn) != 0 || pi > pn ||
            as_parse_u64(f[3], fl[3], 1ULL << 50, true, &p->offset) != 0 ||
            as_parse_u64(f[4], fl[4], 1ULL << 50, true, &p->length) != 0 ||
            as_hex_decode(p->sha256, 32, f[5], fl[5]) != 0)
            return BAD("part line");
        memcpy(p->object, f[0], fl[0]);
        p->index = (uint32_t)pi;
        p->count = (uint32_t)pn;
    }
    if (nd != k || np != m)
        return BAD("%llu data and %llu parity digests, expected %llu and %llu",
                   (unsigned long long)nd, (unsigned long long)np, (unsigned long long)k,
                   (unsigned long long)m);
#undef BAD
    return 0;
}

/* ================================================================ objects on disk */

/* An object (bundle.age or bundle.parity) written as one file or as part files. */
struct as_usb_object_out {
    const char *name;
    bool parted;
    bool suffix;      /* parted and named NAME.partNNN (else one part file named NAME) */
    uint64_t payload; /* per part */
    as_outfile *files;
    size_t nfiles;
    uint64_t size;
    uint8_t (*part_sha)[32];
    as_sha256_ctx cur; /* digest of the part being written sequentially */
};

static int object_new_file(as_usb_object_out *o, const char *dir, as_error *err)
{
    as_outfile *f = realloc(o->files, (o->nfiles + 1) * sizeof *f);
    uint8_t(*h)[32] = realloc(o->part_sha, (o->nfiles + 1) * sizeof *h);
    if (f != NULL)
        o->files = f;
    if (h != NULL)
        o->part_sha = h;
    if (f == NULL || h == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    char *path = as_path_fmt(err, "%s/%s%s", dir, o->name, o->parted ? ".part" : "");
    if (path == NULL)
        return -1;
    int rc = as_outfile_open(&o->files[o->nfiles], path, 0644, err);
    free(path);
    if (rc != 0)
        return -1;
    o->nfiles++;
    if (o->parted) {
        uint8_t blank[AS_PART_HEADER];
        memset(blank, ' ', sizeof blank);
        if (as_write(&o->files[o->nfiles - 1].w.base, blank, sizeof blank, err) != 0)
            return -1;
        as_sha256_init(&o->cur);
    }
    return 0;
}

static int object_append(as_usb_object_out *o, const char *dir, const uint8_t *p, size_t n,
                         as_error *err)
{
    while (n > 0) {
        uint64_t in_part = o->parted ? o->size % o->payload : o->size;
        if (o->nfiles == 0 || (o->parted && in_part == 0 && o->size > 0)) {
            if (o->nfiles > 0)
                as_sha256_final(&o->cur, o->part_sha[o->nfiles - 1]);
            if (object_new_file(o, dir, err) != 0)
                return -1;
        }
        size_t take = n;
        if (o->parted && take > o->payload - in_part)
            take = (size_t)(o->payload - in_part);
        if (as_write(&o->files[o->nfiles - 1].w.base, p, take, err) != 0)
            return -1;
        if (o->parted)
            as_sha256_update(&o->cur, p, take);
        o->size += take;
        p += take;
        n -= take;
    }
    return 0;
}

/* Creates all files of an object of known size (for random-access writes). */
static int object_preallocate(as_usb_object_out *o, const char *dir, uint64_t size, as_error *err)
{
    uint64_t count = o->parted ? (size + o->payload - 1) / o->payload : 1;
    for (uint64_t i = 0; i < count; i++) {
        if (object_new_file(o, dir, err) != 0)
            return -1;
        uint64_t len = o->parted ? (i + 1 < count ? o->payload : size - i * o->payload) : size;
        if (ftruncate(o->files[i].fd, (off_t)((o->parted ? AS_PART_HEADER : 0) + len)) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot size %s", o->files[i].path);
    }
    o->size = size;
    return 0;
}

/* pread/pwrite over the object's files; ranges may cross part boundaries. */
static int object_io(as_usb_object_out *o, uint64_t off, uint8_t *buf, size_t n, bool write,
                     as_error *err)
{
    while (n > 0) {
        uint64_t idx = o->parted ? off / o->payload : 0;
        uint64_t in = o->parted ? off % o->payload : off;
        uint64_t room = o->parted ? o->payload - in : n;
        size_t take = n < room ? n : (size_t)room;
        if (idx >= o->nfiles)
            return as_fail(err, AS_ERR_INTERNAL, "object offset out of range");
        as_outfile *f = &o->files[idx];
        off_t at = (off_t)(in + (o->parted ? AS_PART_HEADER : 0));
        ssize_t k = take;
        if (write ? as_pwrite_all(f->fd, buf, take, at) != 0
                  : (k = pread(f->fd, buf, take, at)) < 0)
            k = -1;
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return as_fail_errno(err, AS_ERR_IO, k < 0 ? errno : EIO, "cannot %s %s",
                                 write ? "write" : "read", f->path);
        off += (uint64_t)k;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

static void object_free(as_usb_object_out *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->nfiles; i++)
        as_outfile_abort(&o->files[i]);
    free(o->files);
    free(o->part_sha);
    free(o);
}

/* Writes part headers (computing digests of randomly written parts) and sets final names. */
static int object_seal(as_usb_object_out *o, const char *dir, const char *bundle_id,
                       as_usb_index *ix, as_error *err)
{
    if (!o->parted) {
        char *path = as_path_join(dir, o->name, err);
        if (path == NULL)
            return -1;
        free(o->files[0].path);
        o->files[0].path = path;
        return 0;
    }
    int width = 3;
    for (size_t c = o->nfiles; c >= 1000; c /= 10)
        width++;
    for (size_t i = 0; i < o->nfiles; i++) {
        uint64_t off = (uint64_t)i * o->payload;
        uint64_t len = i + 1 < o->nfiles ? o->payload : o->size - off;
        if (o->part_sha == NULL)
            return as_fail(err, AS_ERR_INTERNAL, "no part digests");
        as_part_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.bundle_id, bundle_id, 32);
        snprintf(h.object, sizeof h.object, "%s", o->name);
        h.index = (uint32_t)i + 1;
        h.count = (uint32_t)o->nfiles;
        h.offset = off;
        h.length = len;
        h.object_size = o->size;
        memcpy(h.sha256, o->part_sha[i], 32);
        uint8_t hdr[AS_PART_HEADER];
        as_part_header_format(hdr, &h);
        if (as_pwrite_all(o->files[i].fd, hdr, sizeof hdr, 0) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->files[i].path);
        char *path = o->suffix ? as_path_fmt(err, "%s/%s.part%0*zu", dir, o->name, width, i + 1)
                               : as_path_join(dir, o->name, err);
        if (path == NULL)
            return -1;
        free(o->files[i].path);
        o->files[i].path = path;
        as_usb_part_ref *pr = realloc(ix->parts, (ix->nparts + 1) * sizeof *pr);
        if (pr == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        ix->parts = pr;
        as_usb_part_ref *p = &pr[ix->nparts++];
        memset(p, 0, sizeof *p);
        snprintf(p->object, sizeof p->object, "%s", o->name);
        p->index = h.index;
        p->count = h.count;
        p->offset = off;
        p->length = len;
        memcpy(p->sha256, h.sha256, 32);
    }
    return 0;
}

/* Digests of the payload of each part of an object written at random. */
static int object_hash_parts(as_usb_object_out *o, as_error *err)
{
    uint8_t *buf = malloc(1 << 20);
    if (buf == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    free(o->part_sha);
    o->part_sha = calloc(o->nfiles, 32);
    int rc = o->part_sha ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < o->nfiles; i++) {
        uint64_t off = (uint64_t)i * o->payload;
        uint64_t len =
            o->parted ? (o->size - off < o->payload ? o->size - off : o->payload) : o->size;
        as_sha256_ctx h;
        as_sha256_init(&h);
        for (uint64_t done = 0; rc == 0 && done < len;) {
            size_t take = len - done < (1 << 20) ? (size_t)(len - done) : (1 << 20);
            rc = object_io(o, off + done, buf, take, false, err);
            as_sha256_update(&h, buf, take);
            done += take;
        }
        as_sha256_final(&h, o->part_sha[i]);
    }
    free(buf);
    return rc;
}

/* ================================================================ sender */

static int usb_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    as_usb_out *u = (as_usb_out *)self;
    /* Per-block digests for the index, on the way through. */
    for (size_t left = n, off = 0; left > 0;) {
        size_t take = u->block - u->in_block;
        if (take > left)
            take = left;
        as_sha256_update(&u->block_sha, p + off, take);
        u->in_block += (uint32_t)take;
        off += take;
        left -= take;
        if (u->in_block == u->block) {
            if (u->nhash == u->caphash) {
                size_t cap = u->caphash ? u->caphash * 2 : 1024;
                uint8_t(*v)[AS_BLOCK_HASH] = realloc(u->data_hash, cap * AS_BLOCK_HASH);
                if (v == NULL)
                    return as_fail(err, AS_ERR_NOMEM, "out of memory");
                u->data_hash = v;
                u->caphash = cap;
            }
            uint8_t d[32];
            as_sha256_final(&u->block_sha, d);
            memcpy(u->data_hash[u->nhash++], d, AS_BLOCK_HASH);
            as_sha256_init(&u->block_sha);
            u->in_block = 0;
        }
    }
    return object_append(u->age, u->dir, p, n, err);
}

int as_usb_out_open(as_usb_out *u, const char *dir, uint64_t split, uint64_t expected,
                    as_error *err)
{
    memset(u, 0, sizeof *u);
    u->base.write = usb_write;
    if (split != 0 && split < AS_USB_MIN_SPLIT)
        return as_fail(err, AS_ERR_USAGE, "--split must be at least %u MiB",
                       AS_USB_MIN_SPLIT >> 20);
    u->dir = strdup(dir);
    u->age = calloc(1, sizeof *u->age);
    if (u->dir == NULL || u->age == NULL) {
        as_usb_out_abort(u);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    u->split = split;
    u->block = as_ec_block_for_file(expected);
    u->age->name = AS_USB_AGE;
    u->age->parted = u->age->suffix = split != 0;
    /* Every part strictly smaller than SIZE (so "4G" fits FAT32's 4 GiB - 1 limit), the
     * payload a multiple of 4 KiB. */
    u->age->payload = split ? ((split - 1 - AS_PART_HEADER) / 4096) * 4096 : 0;
    as_sha256_init(&u->block_sha);
    return 0;
}

void as_usb_out_abort(as_usb_out *u)
{
    object_free(u->age);
    u->age = NULL;
    free(u->data_hash);
    u->data_hash = NULL;
    free(u->dir);
    u->dir = NULL;
}

typedef struct encode_ctx {
    as_usb_out *u;
    as_usb_object_out *parity;
    const as_ec_layout *l;
    as_progress *pg;
} encode_ctx;

static int enc_read_data(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                         as_error *err)
{
    encode_ctx *c = ctx;
    uint32_t have = as_ec_data_len(c->l, i);
    uint32_t valid = off >= have ? 0 : (have - off < len ? have - off : len);
    if (valid < len)
        memset(buf + valid, 0, len - valid);
    return valid ? object_io(c->u->age, (uint64_t)i * c->l->block + off, buf, valid, false, err)
                 : 0;
}

static int enc_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                            as_error *err)
{
    encode_ctx *c = ctx;
    return object_io(c->parity, (uint64_t)p * c->l->block + off, (uint8_t *)buf, len, true, err);
}

static void enc_progress(void *ctx, uint32_t done)
{
    encode_ctx *c = ctx;
    as_progress_set(c->pg, done);
}

static const char readme_fmt[] =
    "EVIDENCE BUNDLE sealed with airseal %s\n"
    "=====================================\n"
    "\n"
    "Bundle:  %s\n"
    "Case:    %s\n"
    "Files:   %llu (%llu bytes of evidence)\n"
    "Signed:  NGO key %s, fingerprint %s\n"
    "\n"
    "The evidence is encrypted (age) to the court intake station and signed (minisign) by\n"
    "the NGO. Nothing here can be read without the station's secret key.\n"
    "\n"
    "AT THE COURT INTAKE STATION\n"
    "\n"
    "    airseal-recv import STATION <this folder>%s\n"
    "\n"
    "CHECKING WITH STOCK TOOLS (no airseal needed), from inside this folder:\n"
    "%s"
    "  1. The NGO's signature (NGO.pub is the NGO's public key file; check its fingerprint\n"
    "     with the NGO first). This needs no secret:\n"
    "\n"
    "    minisign -V -p NGO.pub -m bundle.age\n"
    "\n"
    "  2. The contents (STATION/identity.txt is the station's age identity; for a\n"
    "     passphrase-protected station use STATION/identity.age and type the passphrase).\n"
    "     A post-quantum station (recipient age1pq1..., what airseal-recv init makes by\n"
    "     default) needs age 1.3 or later, or typage (npm age-encryption): Debian 12's\n"
    "     age 1.1.1 cannot read its identity (\"unknown identity type\"):\n"
    "\n"
    "    age -d -i STATION/identity.txt bundle.age | tar -t\n"
    "\n"
    "  3. Extract, then check every file against the signed manifest:\n"
    "\n"
    "    mkdir out && age -d -i STATION/identity.txt bundle.age | tar -x -C out\n"
    "    minisign -V -p NGO.pub -m out/manifest.txt -x out/manifest.txt.minisig\n"
    "    sed -n '/^$/,${/^$/d;s/^\\([0-9a-f]\\{64\\}\\) [0-9]* /\\1  out\\/evidence\\//p}' "
    "out/manifest.txt | sha256sum -c\n"
    "\n"
    "OTHER FILES\n"
    "\n"
    "    bundle.parity   Reed-Solomon parity (%u%%): repairs damage to bundle.age on import\n"
    "    bundle.index    block digests and layout used for the repair\n"
    "%s"
    "\n"
    "The format is specified in airseal's docs/FORMAT.md.\n";

static const char split_note[] =
    "  0. This bundle is split into parts. Put bundle.age back together first:\n"
    "\n"
    "    for f in bundle.age.part*; do tail -c +513 \"$f\"; done > bundle.age\n"
    "\n";

static int write_readme(as_usb_out *u, const as_seal_result *sr, unsigned pct,
                        const char *signer_id, const char *signer_fp, as_error *err)
{
    as_buf b;
    as_buf_init(&b, 65536);
    char *path = as_path_join(u->dir, AS_USB_README, err);
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)]; /* the README is read in any editor or terminal */
    int rc = path == NULL
                 ? -1
                 : as_buf_printf(&b, err, readme_fmt, AS_VERSION, sr->comment.bundle_id,
                                 as_text_shown(sc, sizeof sc, sr->comment.case_id),
                                 (unsigned long long)sr->comment.files,
                                 (unsigned long long)sr->comment.bytes, signer_id, signer_fp,
                                 u->split ? " [<more folders with parts>...]" : "",
                                 u->split ? split_note : "", pct,
                                 u->split ? "    *.partNNN       the parts: each starts "
                                            "with a 512-byte text header\n"
                                          : "");
    if (rc == 0)
        rc = as_file_write_atomic(path, b.data, b.len, 0644, err);
    free(path);
    as_buf_free(&b);
    return rc;
}

int as_usb_out_finish(as_usb_out *u, const as_seal_result *sr, unsigned redundancy,
                      const char *signer_id, const char *signer_fp, const as_progress_sink *progress, as_error *err)
{
    as_usb_index ix;
    as_buf sig, idx;
    as_usb_object_out *parity = NULL;
    int rc = -1;
    memset(&ix, 0, sizeof ix);
    as_buf_init(&sig, SIG_MAX);
    as_buf_init(&idx, INDEX_MAX);
    if (u->age->nfiles == 0 || u->age->size != sr->sealed_size) {
        as_fail(err, AS_ERR_INTERNAL, "sealed size mismatch");
        goto out;
    }
    if (u->age->parted)
        as_sha256_final(&u->age->cur, u->age->part_sha[u->age->nfiles - 1]);
    /* the last, short block's digest */
    if (u->in_block > 0) {
        uint8_t d[32];
        as_sha256_final(&u->block_sha, d);
        if (u->nhash == u->caphash) {
            uint8_t(*v)[AS_BLOCK_HASH] = realloc(u->data_hash, (u->caphash + 1) * AS_BLOCK_HASH);
            if (v == NULL) {
                as_fail(err, AS_ERR_NOMEM, "out of memory");
                goto out;
            }
            u->data_hash = v;
            u->caphash++;
        }
        memcpy(u->data_hash[u->nhash++], d, AS_BLOCK_HASH);
        u->in_block = 0;
    }
    memcpy(ix.bundle_id, sr->comment.bundle_id, sizeof ix.bundle_id);
    memcpy(ix.sealed_sha256, sr->sealed_sha256, 32);
    if (as_ec_plan(&ix.layout, sr->sealed_size, u->block, redundancy, err) != 0)
        goto out;
    if (ix.layout.k_total != u->nhash) {
        as_fail(err, AS_ERR_INTERNAL, "block count mismatch");
        goto out;
    }
    ix.data_hash = u->data_hash;

    /* parity */
    parity = calloc(1, sizeof *parity);
    if (parity == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    parity->name = AS_USB_PARITY;
    parity->parted = true; /* bundle.parity is always a part file, "part 1 of 1" unsplit */
    parity->suffix = u->split != 0;
    uint64_t psize = (uint64_t)ix.layout.m_total * ix.layout.block;
    parity->payload = u->split ? u->age->payload : (psize ? psize : 1);
    ix.parity_hash = calloc(ix.layout.m_total ? ix.layout.m_total : 1, AS_BLOCK_HASH);
    if (ix.parity_hash == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (ix.layout.m_total > 0) {
        as_progress pg;
        as_progress_start_unit(&pg, progress, "Parity", "stripes", ix.layout.stripes);
        encode_ctx ec = {u, parity, &ix.layout, &pg};
        as_ec_io io = {.ctx = &ec,
                       .read_data = enc_read_data,
                       .write_parity = enc_write_parity,
                       .progress = enc_progress};
        if (object_preallocate(parity, u->dir, psize, err) != 0 ||
            as_ec_encode(&ix.layout, &io, err) != 0)
            goto out;
        as_progress_finish(&pg);
        uint8_t *blk = malloc(ix.layout.block);
        if (blk == NULL) {
            as_fail(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (uint32_t p = 0; p < ix.layout.m_total; p++) {
            uint8_t d[32];
            if (object_io(parity, (uint64_t)p * ix.layout.block, blk, ix.layout.block, false,
                          err) != 0) {
                free(blk);
                goto out;
            }
            as_sha256(d, blk, ix.layout.block);
            memcpy(ix.parity_hash[p], d, AS_BLOCK_HASH);
        }
        free(blk);
        if (object_hash_parts(parity, err) != 0)
            goto out;
    }
    as_fault_point("pack:parity-written");

    /* signature, index, README; then every file into place */
    if (as_mini_sig_format(&sig, &sr->signature, err) != 0)
        goto out;
    ix.signature = sig.data;
    ix.signature_len = sig.len;
    if (object_seal(u->age, u->dir, ix.bundle_id, &ix, err) != 0 ||
        (parity->nfiles > 0 && object_seal(parity, u->dir, ix.bundle_id, &ix, err) != 0))
        goto out;
    if (as_usb_index_format(&ix, &idx, err) != 0)
        goto out;
    char *sigpath = as_path_join(u->dir, AS_USB_SIG, err);
    char *idxpath = as_path_join(u->dir, AS_USB_INDEX, err);
    rc = sigpath && idxpath && as_file_write_atomic(sigpath, sig.data, sig.len, 0644, err) == 0 &&
                 as_file_write_atomic(idxpath, idx.data, idx.len, 0644, err) == 0 &&
                 write_readme(u, sr, redundancy, signer_id, signer_fp, err) == 0
             ? 0
             : -1;
    free(sigpath);
    free(idxpath);
    for (size_t i = 0; rc == 0 && i < u->age->nfiles; i++)
        rc = as_outfile_commit(&u->age->files[i], false, err);
    for (size_t i = 0; rc == 0 && i < parity->nfiles; i++)
        rc = as_outfile_commit(&parity->files[i], false, err);
    if (rc == 0)
        rc = as_fsync_dir(u->dir, err);
out:
    ix.data_hash = NULL; /* owned by u */
    ix.signature = NULL; /* owned by sig */
    as_usb_index_free(&ix);
    object_free(parity);
    as_buf_free(&sig);
    as_buf_free(&idx);
    return rc;
}

/* ================================================================ receiver */

typedef struct in_file {
    char *path;
    int fd;
    uint64_t size;
    as_part_header part; /* for parts */
} in_file;

struct as_usb_in {
    char bundle_id[AS_BUNDLE_ID_HEX];
    as_usb_index ix;
    bool have_index;
    in_file *raw;
    size_t nraw;
    in_file *parts;
    size_t nparts;
    uint8_t **sigs;
    size_t *siglens;
    size_t nsigs;
    as_error sig_problem; /* what is wrong with the first unusable *.minisig file */
};

void as_usb_in_free(as_usb_in *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < in->nraw; i++) {
        close(in->raw[i].fd);
        free(in->raw[i].path);
    }
    for (size_t i = 0; i < in->nparts; i++) {
        close(in->parts[i].fd);
        free(in->parts[i].path);
    }
    for (size_t i = 0; i < in->nsigs; i++)
        free(in->sigs[i]);
    free(in->raw);
    free(in->parts);
    free(in->sigs);
    free(in->siglens);
    as_usb_index_free(&in->ix);
    free(in);
}

const char *as_usb_bundle_id(const as_usb_in *in)
{
    return in->bundle_id;
}

size_t as_usb_signatures(const as_usb_in *in, const uint8_t *const **sigs, const size_t **lens)
{
    *sigs = (const uint8_t *const *)in->sigs;
    *lens = in->siglens;
    return in->nsigs;
}

/* Records the bundle a file belongs to; fails when the sources mix two bundles. */
static int claim(as_usb_in *in, const char *id, const char *path, as_error *err)
{
    if (in->bundle_id[0] == '\0') {
        memcpy(in->bundle_id, id, AS_BUNDLE_ID_HEX);
        return 0;
    }
    if (strcmp(in->bundle_id, id) != 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "the sources hold more than one bundle (%s, and %s in %s); import one "
                       "bundle at a time",
                       in->bundle_id, id, path);
    return 0;
}

/* Keeps a signature (0), or returns 1 with why it does not parse in *why, or -1 on error. */
static int add_sig(as_usb_in *in, const uint8_t *data, size_t len, const char *path, as_error *why,
                   as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    as_bundle_comment bc;
    as_error ignore = {0};
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    int parsed = as_mini_sig_parse(s, data, len, why) == 0;
    int ours = parsed && as_bundle_comment_parse(&bc, s->trusted, &ignore) == 0;
    free(s);
    if (!parsed)
        return 1; /* some other text file */
    if (ours && claim(in, bc.bundle_id, path, err) != 0)
        return -1;
    for (size_t i = 0; i < in->nsigs; i++)
        if (in->siglens[i] == len && memcmp(in->sigs[i], data, len) == 0)
            return 0;
    uint8_t **v = realloc(in->sigs, (in->nsigs + 1) * sizeof *v);
    size_t *l = v ? realloc(in->siglens, (in->nsigs + 1) * sizeof *l) : NULL;
    if (v != NULL)
        in->sigs = v;
    if (l != NULL)
        in->siglens = l;
    uint8_t *copy = malloc(len);
    if (v == NULL || l == NULL || copy == NULL) {
        free(copy);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    memcpy(copy, data, len);
    in->sigs[in->nsigs] = copy;
    in->siglens[in->nsigs++] = len;
    return 0;
}

static int add_file(in_file **v, size_t *n, const char *path, int fd, uint64_t size,
                    const as_part_header *h, as_error *err)
{
    in_file *nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (nv == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    *v = nv;
    memset(&nv[*n], 0, sizeof nv[*n]);
    nv[*n].path = strdup(path);
    if (nv[*n].path == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    nv[*n].fd = fd;
    nv[*n].size = size;
    if (h != NULL)
        nv[*n].part = *h;
    (*n)++;
    return 0;
}

/* True for a file named like a signature ("*.minisig"): what is wrong with it is worth telling. */
static bool named_sig(const char *path)
{
    const char *base = as_path_base(path);
    size_t n = strlen(base), k = strlen(".minisig");
    return n > k && strcmp(base + n - k, ".minisig") == 0;
}

/*
 * A candidate signature file: kept when it parses (0), else ignored (1). For a file named
 * *.minisig the first problem is remembered: when the sources hold no usable signature, that
 * is the answer ("bundle.age.minisig: not a minisign signature ..."), not "no signature".
 */
static int consider_sig(as_usb_in *in, const char *path, uint64_t size, as_error *err)
{
    uint8_t *data = NULL;
    size_t len;
    as_error why = {0};
    int rc = 1;
    if (size == 0)
        as_fail(&why, AS_ERR_FORMAT, "empty file, not a minisign signature");
    else if (as_file_read_all_flags(path, SIG_MAX, AS_FILE_NOFOLLOW, &data, &len, &why) == 0)
        rc = add_sig(in, data, len, path, &why, err);
    free(data);
    if (rc > 0 && named_sig(path) && in->sig_problem.code == AS_OK) {
        in->sig_problem = why;
        /* the size error already names the file */
        if (strncmp(why.msg, path, strlen(path)) != 0)
            as_error_prefix(&in->sig_problem, "%s: ", path);
    }
    return rc;
}

/* Looks at one file: keeps it (returns 0), ignores it (1), or fails (-1). */
static int consider(as_usb_in *in, const char *path, as_usb_report *rep, as_error *err)
{
    uint64_t size;
    as_error e = {0};
    int fd = as_file_open_read(path, AS_FILE_NOFOLLOW, &size, &e);
    if (fd < 0) {
        /* Links, FIFOs, sockets, devices and unreadable files are not bundle files: refused by
         * type without being opened, skipped. A signature is named if none other is found. */
        if (named_sig(path) && in->sig_problem.code == AS_OK)
            in->sig_problem = e;
        return 1;
    }
    rep->files_seen++;
    uint8_t head[AS_PART_HEADER];
    ssize_t n = pread(fd, head, sizeof head, 0);
    if (n < 0) {
        close(fd);
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", path);
    }
    int rc = 1;
    if ((size_t)n >= strlen(PART_MAGIC) && memcmp(head, PART_MAGIC, strlen(PART_MAGIC)) == 0) {
        as_part_header h;
        if (as_part_header_parse(&h, head, (size_t)n, &e) == 0 && size >= AS_PART_HEADER) {
            if (claim(in, h.bundle_id, path, err) != 0) {
                close(fd);
                return -1;
            }
            rep->parts++;
            if (add_file(&in->parts, &in->nparts, path, fd, size - AS_PART_HEADER, &h, err) != 0) {
                close(fd);
                return -1;
            }
            return 0;
        }
        rep->ignored++;
    } else if (((size_t)n >= 22 && memcmp(head, "age-encryption.org/v1\n", 22) == 0) ||
               strcmp(as_path_base(path), AS_USB_AGE) == 0) {
        /* A file named bundle.age whose first bytes are damaged is still our best copy: its
         * blocks are checked one by one against the index and repaired like any other. */
        if (add_file(&in->raw, &in->nraw, path, fd, size, NULL, err) != 0) {
            close(fd);
            return -1;
        }
        return 0;
    } else if ((size_t)n >= strlen(INDEX_HEADER) + 1 &&
               memcmp(head, INDEX_HEADER "\n", strlen(INDEX_HEADER) + 1) == 0) {
        uint8_t *data = NULL;
        size_t len;
        as_usb_index ix;
        if (size <= INDEX_MAX &&
            as_file_read_all_flags(path, INDEX_MAX, AS_FILE_NOFOLLOW, &data, &len, &e) == 0 &&
            as_usb_index_parse(&ix, data, len, &e) == 0) {
            rc = claim(in, ix.bundle_id, path, err);
            if (rc == 0 && !in->have_index) {
                in->ix = ix;
                in->have_index = true;
            } else {
                as_usb_index_free(&ix);
            }
            as_error why = {0};
            if (rc == 0)
                rc = add_sig(in, in->ix.signature, in->ix.signature_len, path, &why, err) < 0 ? -1
                                                                                              : 0;
        } else {
            rep->bad_indexes++;
        }
        free(data);
    } else if (named_sig(path) ||
               ((size_t)n >= 19 && memcmp(head, "untrusted comment: ", 19) == 0 &&
                size <= SIG_MAX)) {
        rc = consider_sig(in, path, size, err);
        if (rc > 0)
            rep->ignored++;
    } else {
        rep->ignored++;
    }
    close(fd);
    return rc < 0 ? -1 : 1;
}

typedef struct gather_ctx {
    as_usb_in *in;
    as_usb_report *rep;
} gather_ctx;

static int consider_entry(const char *path, void *ctx, as_error *err)
{
    gather_ctx *g = ctx;
    return consider(g->in, path, g->rep, err);
}

as_usb_in *as_usb_gather(char *const *sources, size_t n, as_usb_report *rep, as_error *err)
{
    as_usb_in *in = calloc(1, sizeof *in);
    memset(rep, 0, sizeof *rep);
    if (in == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t budget = MAX_SOURCE_FILES;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (lstat(sources[i], &st) != 0) {
            as_fail_errno(err, AS_ERR_USAGE, errno, "cannot read %s", sources[i]);
            goto fail;
        }
        if (S_ISDIR(st.st_mode)) {
            gather_ctx g = {.in = in, .rep = rep};
            if (as_dir_each(sources[i], &budget, MAX_SOURCE_FILES, consider_entry, &g, err) != 0)
                goto fail;
        } else if (S_ISREG(st.st_mode)) {
            if (consider(in, sources[i], rep, err) < 0)
                goto fail;
            /* a lone bundle.age: its signature beside it */
            char *sig = as_path_fmt(err, "%s.minisig", sources[i]);
            int rc = 1;
            if (sig != NULL && as_path_exists(sig, err) == 1)
                rc = consider(in, sig, rep, err);
            free(sig);
            if (rc < 0)
                goto fail;
        } else {
            as_fail(err, AS_ERR_REJECTED, "%s is not a file or a folder", sources[i]);
            goto fail;
        }
    }
    rep->had_index = in->have_index;
    /* Parts must agree with the index; parts of the other bundle objects are dropped. */
    if (in->have_index) {
        size_t keep = 0;
        for (size_t i = 0; i < in->nparts; i++) {
            const as_part_header *h = &in->parts[i].part;
            bool ok = false;
            uint64_t osize = strcmp(h->object, AS_USB_AGE) == 0
                                 ? in->ix.layout.size
                                 : (uint64_t)in->ix.layout.m_total * in->ix.layout.block;
            for (size_t j = 0; j < in->ix.nparts && !ok; j++) {
                const as_usb_part_ref *r = &in->ix.parts[j];
                ok = strcmp(r->object, h->object) == 0 && r->index == h->index &&
                     r->count == h->count && r->offset == h->offset && r->length == h->length;
            }
            /* an unsplit bundle.parity is not listed when there is no parity */
            if (!ok && strcmp(h->object, AS_USB_PARITY) == 0 && h->count == 1 && h->offset == 0 &&
                h->length == osize && h->object_size == osize)
                ok = true;
            ok = ok && h->object_size == osize;
            if (ok) {
                in->parts[keep++] = in->parts[i];
            } else {
                rep->ignored++;
                close(in->parts[i].fd);
                free(in->parts[i].path);
            }
        }
        in->nparts = keep;
    }
    bool have_age_parts = false;
    for (size_t i = 0; i < in->nparts; i++)
        have_age_parts |= strcmp(in->parts[i].part.object, AS_USB_AGE) == 0;
    if (in->nraw == 0 && !have_age_parts) {
        as_fail(err, AS_ERR_INCOMPLETE,
                "no bundle.age and no part of it in the sources (%zu files looked at)",
                rep->files_seen);
        goto fail;
    }
    if (in->nsigs == 0 && in->sig_problem.code != AS_OK) {
        *err = in->sig_problem;
        goto fail;
    }
    if (in->nsigs == 0) {
        as_fail(err, AS_ERR_INCOMPLETE,
                "no signature (bundle.age.minisig or bundle.index) in the sources");
        goto fail;
    }
    return in;
fail:
    as_usb_in_free(in);
    return NULL;
}

/* Reads len bytes at off of an object from its parts, trying copies of each part. depth 0
 * covers [off, off+len) possibly from two parts. Returns 1 on a candidate that hashes to
 * want (or any candidate if want is NULL), 0 if none does, -1 on error. */
static int parts_read(as_usb_in *in, const char *object, uint64_t off, uint8_t *buf, size_t len,
                      const uint8_t *want, size_t filled, uint8_t *start, size_t total)
{
    if (len == 0) {
        if (want == NULL)
            return 1;
        uint8_t d[32];
        as_sha256(d, start, total);
        return memcmp(d, want, AS_BLOCK_HASH) == 0;
    }
    for (size_t i = 0; i < in->nparts; i++) {
        const as_part_header *h = &in->parts[i].part;
        if (strcmp(h->object, object) != 0 || off < h->offset || off >= h->offset + h->length)
            continue;
        uint64_t in_part = off - h->offset;
        size_t take = len;
        if (take > h->length - in_part)
            take = (size_t)(h->length - in_part);
        if (in_part + take > in->parts[i].size)
            continue; /* this copy is truncated there */
        ssize_t k = pread(in->parts[i].fd, buf, take, (off_t)(AS_PART_HEADER + in_part));
        if (k != (ssize_t)take)
            continue;
        int r = parts_read(in, object, off + take, buf + take, len - take, want, filled + take,
                           start, total);
        if (r != 0)
            return r;
    }
    return 0;
}

typedef struct repair_ctx {
    as_usb_in *in;
    int out;
    const as_ec_layout *l;
} repair_ctx;

static int rep_read_data(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                         as_error *err)
{
    repair_ctx *c = ctx;
    uint32_t have = as_ec_data_len(c->l, i);
    uint32_t valid = off >= have ? 0 : (have - off < len ? have - off : len);
    memset(buf + valid, 0, len - valid);
    if (valid &&
        pread(c->out, buf, valid, (off_t)((uint64_t)i * c->l->block + off)) != (ssize_t)valid)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read back the bundle being repaired");
    return 0;
}

static int rep_write_data(void *ctx, uint32_t i, uint32_t off, const uint8_t *buf, uint32_t len,
                          as_error *err)
{
    repair_ctx *c = ctx;
    uint32_t have = as_ec_data_len(c->l, i);
    uint32_t valid = off >= have ? 0 : (have - off < len ? have - off : len);
    if (valid && as_pwrite_all(c->out, buf, valid, (off_t)((uint64_t)i * c->l->block + off)) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot write the repaired bundle");
    return 0;
}

static int rep_read_parity(void *ctx, uint32_t p, uint32_t off, uint8_t *buf, uint32_t len,
                           as_error *err)
{
    repair_ctx *c = ctx;
    uint8_t *block = malloc(c->l->block);
    if (block == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    /* whole block with its digest, then the column */
    int r = parts_read(c->in, AS_USB_PARITY, (uint64_t)p * c->l->block, block, c->l->block,
                       c->in->ix.parity_hash[p], 0, block, c->l->block);
    if (r == 1)
        memcpy(buf, block + off, len);
    free(block);
    return r == 1 ? 0 : as_fail(err, AS_ERR_IO, "parity block %u became unreadable", p);
}

/* Copies a complete object from one source, hashing it. */
static int copy_all(as_usb_in *in, as_outfile *o, uint8_t sha[32], uint8_t pre[64], uint64_t *size,
                    as_error *err)
{
    uint8_t *buf = malloc(1 << 20);
    as_sha256_ctx h;
    as_mini_prehash ph;
    int rc = 0;
    if (buf == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_sha256_init(&h);
    as_mini_prehash_init(&ph);
    *size = 0;
    if (in->nraw > 0) {
        if (in->nraw > 1) {
            free(buf);
            return as_fail(err, AS_ERR_REJECTED,
                           "several bundle.age files (%s, %s) and no index to tell which is "
                           "whole",
                           in->raw[0].path, in->raw[1].path);
        }
        for (off_t at = 0;;) {
            ssize_t k = pread(in->raw[0].fd, buf, 1 << 20, at);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", in->raw[0].path);
                break;
            }
            if (k == 0)
                break;
            as_sha256_update(&h, buf, (size_t)k);
            as_mini_prehash_update(&ph, buf, (size_t)k);
            if (as_write(&o->w.base, buf, (size_t)k, err) != 0) {
                rc = -1;
                break;
            }
            at += k;
            *size += (uint64_t)k;
        }
    } else {
        /* parts only: every part must be present and whole */
        uint32_t count = 0;
        for (size_t i = 0; i < in->nparts; i++)
            if (strcmp(in->parts[i].part.object, AS_USB_AGE) == 0)
                count = in->parts[i].part.count;
        for (uint32_t p = 1; rc == 0 && p <= count; p++) {
            bool done = false;
            for (size_t i = 0; i < in->nparts && !done && rc == 0; i++) {
                in_file *f = &in->parts[i];
                if (strcmp(f->part.object, AS_USB_AGE) != 0 || f->part.index != p ||
                    f->size < f->part.length)
                    continue;
                as_sha256_ctx ph2;
                as_sha256_init(&ph2);
                uint64_t left = f->part.length;
                for (off_t at = AS_PART_HEADER; left > 0 && rc == 0;) {
                    size_t take = left < (1 << 20) ? (size_t)left : (1 << 20);
                    ssize_t k = pread(f->fd, buf, take, at);
                    if (k != (ssize_t)take) {
                        rc = as_fail(err, AS_ERR_IO, "cannot read %s", f->path);
                        break;
                    }
                    as_sha256_update(&ph2, buf, take);
                    as_sha256_update(&h, buf, take);
                    as_mini_prehash_update(&ph, buf, take);
                    rc = as_write(&o->w.base, buf, take, err);
                    at += k;
                    left -= take;
                }
                uint8_t d[32];
                as_sha256_final(&ph2, d);
                if (rc == 0 && !as_equal_ct(d, f->part.sha256, 32)) {
                    free(buf);
                    return as_fail(err, AS_ERR_INCOMPLETE,
                                   "%s is damaged and there is no bundle.index to repair it",
                                   f->path);
                }
                *size += f->part.length;
                done = true;
            }
            if (rc == 0 && !done) {
                free(buf);
                return as_fail(err, AS_ERR_INCOMPLETE,
                               "part %u of %u of bundle.age is missing (no bundle.index to "
                               "repair from parity)",
                               p, count);
            }
        }
    }
    free(buf);
    if (rc == 0) {
        as_sha256_final(&h, sha);
        as_mini_prehash_final(&ph, pre);
    }
    return rc;
}

int as_usb_assemble(as_usb_in *in, as_outfile *o, as_usb_report *rep, uint8_t sha256[32],
                    uint8_t prehash[64], uint64_t *size, const as_progress_sink *progress, as_error *err)
{
    if (!in->have_index)
        return copy_all(in, o, sha256, prehash, size, err);
    const as_ec_layout *l = &in->ix.layout;
    bool *data_ok = calloc(l->k_total, sizeof *data_ok);
    bool *parity_ok = calloc(l->m_total ? l->m_total : 1, sizeof *parity_ok);
    uint8_t *buf = malloc(l->block);
    int rc = -1;
    as_progress pg = {0};
    if (data_ok == NULL || parity_ok == NULL || buf == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (ftruncate(o->fd, (off_t)l->size) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", o->path);
        goto out;
    }
    as_progress_start_unit(&pg, progress, "Checking", "blocks", l->k_total);
    for (uint32_t i = 0; i < l->k_total; i++) {
        uint32_t len = as_ec_data_len(l, i);
        uint64_t off = (uint64_t)i * l->block;
        for (size_t r = 0; r < in->nraw && !data_ok[i]; r++) {
            if (pread(in->raw[r].fd, buf, len, (off_t)off) != (ssize_t)len)
                continue;
            uint8_t d[32];
            as_sha256(d, buf, len);
            data_ok[i] = memcmp(d, in->ix.data_hash[i], AS_BLOCK_HASH) == 0;
        }
        if (!data_ok[i])
            data_ok[i] =
                parts_read(in, AS_USB_AGE, off, buf, len, in->ix.data_hash[i], 0, buf, len) == 1;
        if (data_ok[i] && as_pwrite_all(o->fd, buf, len, (off_t)off) != 0) {
            as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->path);
            goto out;
        }
        rep->blocks_damaged += !data_ok[i];
        as_progress_set(&pg, i + 1);
    }
    as_progress_finish(&pg);
    if (rep->blocks_damaged > 0) {
        for (uint32_t p = 0; p < l->m_total; p++)
            parity_ok[p] = parts_read(in, AS_USB_PARITY, (uint64_t)p * l->block, buf, l->block,
                                      in->ix.parity_hash[p], 0, buf, l->block) == 1;
        repair_ctx rc_ctx = {in, o->fd, l};
        as_ec_io io = {.ctx = &rc_ctx,
                       .read_data = rep_read_data,
                       .write_data = rep_write_data,
                       .read_parity = rep_read_parity};
        if (as_ec_repair(l, &io, data_ok, parity_ok, &rep->blocks_repaired, err) != 0) {
            uint32_t good_parity = 0;
            for (uint32_t p = 0; p < l->m_total; p++)
                good_parity += parity_ok[p];
            as_error_prefix(err,
                            "bundle.age: %u of %u blocks damaged or missing, %u of %u parity "
                            "blocks usable; ",
                            rep->blocks_damaged, l->k_total, good_parity, l->m_total);
            goto out;
        }
    }
    /* The whole file again: its SHA-256 against the index, and the signature's prehash. */
    as_sha256_ctx h;
    as_mini_prehash ph;
    as_sha256_init(&h);
    as_mini_prehash_init(&ph);
    for (uint64_t at = 0; at < l->size;) {
        size_t take = l->size - at < l->block ? (size_t)(l->size - at) : l->block;
        if (pread(o->fd, buf, take, (off_t)at) != (ssize_t)take) {
            as_fail_errno(err, AS_ERR_IO, errno, "cannot read back %s", o->path);
            goto out;
        }
        as_sha256_update(&h, buf, take);
        as_mini_prehash_update(&ph, buf, take);
        at += take;
    }
    as_sha256_final(&h, sha256);
    as_mini_prehash_final(&ph, prehash);
    if (!as_equal_ct(sha256, in->ix.sealed_sha256, 32)) {
        as_fail(err, AS_ERR_REJECTED,
                "the rebuilt bundle.age does not match the SHA-256 in bundle.index");
        goto out;
    }
    *size = l->size;
    rc = 0;
out:
    free(data_ok);
    free(parity_ok);
    free(buf);
    return rc;
}
