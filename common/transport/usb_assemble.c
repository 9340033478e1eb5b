/* usb_assemble.c: rebuilding bundle.age from the files gathered, checking every block against
 * the index and repairing from parity, the receiving side; see usb_in.h. */
#include "usb_in_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/pipe.h"
#include "../core/text.h"
#include "../crypto/minisign.h"
#include "../crypto/sha256.h"

#define CHUNK (1u << 20)

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

/* ---------------------------------------------------------------- without an index */

/* The whole file's SHA-256 (checked against the index or shown) and the signature's prehash,
 * computed as the bytes go by. base takes bytes for the prehash alone, so that it can run on
 * a thread of its own while the caller hashes. */
typedef struct whole_hash {
    as_writer base;
    as_sha256_ctx sha;
    as_mini_prehash pre;
    uint64_t size;
} whole_hash;

static void whole_update(whole_hash *w, const uint8_t *p, size_t n)
{
    as_sha256_update(&w->sha, p, n);
    as_mini_prehash_update(&w->pre, p, n);
    w->size += n;
}

static int prehash_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    (void)err;
    as_mini_prehash_update(&((whole_hash *)self)->pre, p, n);
    return 0;
}

static void whole_init(whole_hash *w)
{
    w->base.write = prehash_write;
    as_sha256_init(&w->sha);
    as_mini_prehash_init(&w->pre);
    w->size = 0;
}

/* Copies the one plain bundle.age into o. */
static int copy_raw(const in_file *f, as_outfile *o, whole_hash *w, uint8_t *buf, as_error *err)
{
    for (off_t at = 0;;) {
        ssize_t k = pread(f->fd, buf, CHUNK, at);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", f->path);
        if (k == 0)
            return 0;
        whole_update(w, buf, (size_t)k);
        if (as_write(&o->w.base, buf, (size_t)k, err) != 0)
            return -1;
        at += k;
    }
}

/* Copies one part's payload into o; fails (AS_ERR_INCOMPLETE) when it does not match the
 * digest in its header, as there is nothing to repair it from. */
static int copy_part(const in_file *f, as_outfile *o, whole_hash *w, uint8_t *buf, as_error *err)
{
    as_sha256_ctx ph;
    as_sha256_init(&ph);
    uint64_t left = f->part.length;
    for (off_t at = AS_PART_HEADER; left > 0;) {
        size_t take = left < CHUNK ? (size_t)left : CHUNK;
        if (pread(f->fd, buf, take, at) != (ssize_t)take)
            return as_fail(err, AS_ERR_IO, "cannot read %s", f->path);
        as_sha256_update(&ph, buf, take);
        whole_update(w, buf, take);
        if (as_write(&o->w.base, buf, take, err) != 0)
            return -1;
        at += (off_t)take;
        left -= take;
    }
    uint8_t d[32];
    as_sha256_final(&ph, d);
    if (!as_equal_ct(d, f->part.sha256, 32))
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "%s is damaged and there is no bundle.index to repair it", f->path);
    return 0;
}

/* Copies the parts of bundle.age in order: every one must be present and whole. */
static int copy_parts(const as_usb_in *in, as_outfile *o, whole_hash *w, uint8_t *buf,
                      as_error *err)
{
    uint32_t count = 0;
    for (size_t i = 0; i < in->nparts; i++)
        if (strcmp(in->parts[i].part.object, AS_USB_AGE) == 0)
            count = in->parts[i].part.count;
    for (uint32_t p = 1; p <= count; p++) {
        const in_file *f = NULL;
        for (size_t i = 0; i < in->nparts && f == NULL; i++)
            if (strcmp(in->parts[i].part.object, AS_USB_AGE) == 0 && in->parts[i].part.index == p &&
                in->parts[i].size >= in->parts[i].part.length)
                f = &in->parts[i];
        if (f == NULL)
            return as_fail(err, AS_ERR_INCOMPLETE,
                           "part %u of %u of bundle.age is missing (no bundle.index to "
                           "repair from parity)",
                           p, count);
        if (copy_part(f, o, w, buf, err) != 0)
            return -1;
    }
    return 0;
}

/* Without an index: the one plain bundle.age, or all of its parts, copied as they are. */
static int copy_all(as_usb_in *in, as_outfile *o, uint8_t sha[32], uint8_t pre[64], uint64_t *size,
                    as_error *err)
{
    if (in->nraw > 1)
        return as_fail(err, AS_ERR_REJECTED,
                       "several bundle.age files (%s, %s) and no index to tell which is whole",
                       in->raw[0].path, in->raw[1].path);
    uint8_t *buf = malloc(CHUNK);
    if (buf == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    whole_hash w;
    whole_init(&w);
    int rc =
        in->nraw == 1 ? copy_raw(&in->raw[0], o, &w, buf, err) : copy_parts(in, o, &w, buf, err);
    free(buf);
    *size = w.size;
    if (rc == 0) {
        as_sha256_final(&w.sha, sha);
        as_mini_prehash_final(&w.pre, pre);
    }
    return rc;
}

/* ---------------------------------------------------------------- with an index */

/* Writes every data block that some copy or part holds intact into o, at its place; marks
 * which in data_ok and counts the others in rep. */
static int place_good_blocks(as_usb_in *in, as_outfile *o, bool *data_ok, uint8_t *buf,
                             as_usb_report *rep, const as_progress_sink *progress, as_error *err)
{
    const as_ec_layout *l = &in->ix.layout;
    as_progress pg;
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
        if (data_ok[i] && as_pwrite_all(o->fd, buf, len, (off_t)off) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->path);
        rep->blocks_damaged += !data_ok[i];
        as_progress_set(&pg, i + 1);
    }
    as_progress_finish(&pg);
    return 0;
}

/* Rebuilds the damaged data blocks in o from the parity blocks that are intact; on failure
 * says how much was damaged and how much parity was usable. */
static int repair(as_usb_in *in, as_outfile *o, const bool *data_ok, uint8_t *buf,
                  as_usb_report *rep, as_error *err)
{
    const as_ec_layout *l = &in->ix.layout;
    bool *parity_ok = calloc(l->m_total ? l->m_total : 1, sizeof *parity_ok);
    if (parity_ok == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    uint32_t good_parity = 0;
    for (uint32_t p = 0; p < l->m_total; p++) {
        parity_ok[p] = parts_read(in, AS_USB_PARITY, (uint64_t)p * l->block, buf, l->block,
                                  in->ix.parity_hash[p], 0, buf, l->block) == 1;
        good_parity += parity_ok[p];
    }
    repair_ctx rc_ctx = {in, o->fd, l};
    as_ec_io io = {.ctx = &rc_ctx,
                   .read_data = rep_read_data,
                   .write_data = rep_write_data,
                   .read_parity = rep_read_parity};
    int rc = as_ec_repair(l, &io, data_ok, parity_ok, &rep->blocks_repaired, err);
    if (rc != 0)
        as_error_prefix(err,
                        "bundle.age: %u of %u blocks damaged or missing, %u of %u parity "
                        "blocks usable; ",
                        rep->blocks_damaged, l->k_total, good_parity, l->m_total);
    free(parity_ok);
    return rc;
}

/* The whole file's digests out of w (the prehash's thread done): its SHA-256 must be the
 * index's. */
static int check_whole(const as_usb_in *in, whole_hash *w, uint8_t sha256[32], uint8_t prehash[64],
                       as_error *err)
{
    as_sha256_final(&w->sha, sha256);
    as_mini_prehash_final(&w->pre, prehash);
    if (w->size != in->ix.layout.size || !as_equal_ct(sha256, in->ix.sealed_sha256, 32))
        return as_fail(err, AS_ERR_REJECTED,
                       "the rebuilt bundle.age does not match the SHA-256 in bundle.index");
    return 0;
}

/* Reads the repaired file back whole: its SHA-256 must be the index's; the signature's
 * prehash comes with it. */
static int hash_rebuilt(const as_usb_in *in, as_outfile *o, uint8_t *buf, uint8_t sha256[32],
                        uint8_t prehash[64], as_error *err)
{
    const as_ec_layout *l = &in->ix.layout;
    whole_hash w;
    whole_init(&w);
    for (uint64_t at = 0; at < l->size;) {
        size_t take = l->size - at < l->block ? (size_t)(l->size - at) : l->block;
        if (pread(o->fd, buf, take, (off_t)at) != (ssize_t)take)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot read back %s", o->path);
        whole_update(&w, buf, take);
        at += take;
    }
    return check_whole(in, &w, sha256, prehash, err);
}

/*
 * The common case first: each data block from its first readable copy, unchecked, into o,
 * into w's SHA-256 here and into pre (w's prehash, on a thread of its own). Returns 1 when
 * every block was read, 0 when some copy was short (the careful path decides), -1 when
 * writing failed.
 */
static int place_first_copies(as_usb_in *in, as_outfile *o, uint8_t *buf, whole_hash *w,
                              as_writer *pre, const as_progress_sink *progress, as_error *err)
{
    const as_ec_layout *l = &in->ix.layout;
    as_progress pg;
    as_progress_start_unit(&pg, progress, "Checking", "blocks", l->k_total);
    int rc = 1;
    for (uint32_t i = 0; rc == 1 && i < l->k_total; i++) {
        uint32_t len = as_ec_data_len(l, i);
        uint64_t off = (uint64_t)i * l->block;
        bool got = in->nraw > 0 && pread(in->raw[0].fd, buf, len, (off_t)off) == (ssize_t)len;
        if (!got)
            got = parts_read(in, AS_USB_AGE, off, buf, len, NULL, 0, buf, len) == 1;
        if (!got)
            rc = 0;
        else if (as_pwrite_all(o->fd, buf, len, (off_t)off) != 0)
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->path);
        else if (as_write(pre, buf, len, err) != 0)
            rc = -1;
        else
            as_sha256_update(&w->sha, buf, len);
        w->size += len;
        as_progress_set(&pg, i + 1);
    }
    as_progress_finish(&pg);
    return rc;
}

/*
 * bundle.age into o with its SHA-256 (the index's) and the signature's prehash. An undamaged
 * bundle is read once: when the first copies of the blocks hash, whole, to the index's
 * SHA-256, every block is intact and the block digests need not be computed (they are for
 * finding damage). Otherwise every block is checked against its digest, the damaged ones
 * repaired from parity, and the result read back and hashed.
 */
static int place_and_hash(as_usb_in *in, as_outfile *o, bool *data_ok, uint8_t *buf,
                          as_usb_report *rep, uint8_t sha256[32], uint8_t prehash[64],
                          const as_progress_sink *progress, as_error *err)
{
    whole_hash w;
    as_async_writer aw;
    whole_init(&w);
    if (as_async_writer_start(&aw, &w.base, 4, 256u << 10, err) != 0)
        return -1;
    int rc = place_first_copies(in, o, buf, &w, &aw.base, progress, err);
    if (rc == 1 && as_async_writer_finish(&aw, err) != 0)
        rc = -1;
    as_async_writer_abort(&aw);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        as_error quiet = {0};
        if (check_whole(in, &w, sha256, prehash, &quiet) == 0)
            return 0;
    }
    rc = place_good_blocks(in, o, data_ok, buf, rep, progress, err);
    if (rc == 0 && rep->blocks_damaged > 0)
        rc = repair(in, o, data_ok, buf, rep, err);
    return rc != 0 ? -1 : hash_rebuilt(in, o, buf, sha256, prehash, err);
}

int as_usb_assemble(as_usb_in *in, as_outfile *o, as_usb_report *rep, uint8_t sha256[32],
                    uint8_t prehash[64], uint64_t *size, const as_progress_sink *progress,
                    as_error *err)
{
    if (!in->have_index)
        return copy_all(in, o, sha256, prehash, size, err);
    const as_ec_layout *l = &in->ix.layout;
    bool *data_ok = calloc(l->k_total, sizeof *data_ok);
    uint8_t *buf = malloc(l->block);
    int rc = data_ok != NULL && buf != NULL ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (rc == 0 && ftruncate(o->fd, (off_t)l->size) != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", o->path);
    if (rc == 0)
        rc = place_and_hash(in, o, data_ok, buf, rep, sha256, prehash, progress, err);
    if (rc == 0)
        *size = l->size;
    free(data_ok);
    free(buf);
    return rc;
}
