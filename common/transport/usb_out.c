/* usb_out.c: writing a USB bundle directory, the sender's side; see usb_out.h. */
#include "usb_out.h"

#include <stdlib.h>
#include <string.h>

#include "../core/faults.h"
#include "usb_object.h"

/* Closes the digest of the block being written and keeps its first AS_BLOCK_HASH bytes. */
static int push_block_digest(as_usb_out *u, as_error *err)
{
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
    return 0;
}

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
        if (u->in_block == u->block && push_block_digest(u, err) != 0)
            return -1;
    }
    return as_usb_object_append(u->age, u->dir, p, n, err);
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
    as_usb_object_free(u->age);
    u->age = NULL;
    free(u->data_hash);
    u->data_hash = NULL;
    free(u->dir);
    u->dir = NULL;
}

/* ---------------------------------------------------------------- parity */

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
    return valid ? as_usb_object_io(c->u->age, (uint64_t)i * c->l->block + off, buf, valid, false,
                                    err)
                 : 0;
}

static int enc_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                            as_error *err)
{
    encode_ctx *c = ctx;
    return as_usb_object_io(c->parity, (uint64_t)p * c->l->block + off, (uint8_t *)buf, len, true,
                            err);
}

static void enc_progress(void *ctx, uint32_t done)
{
    encode_ctx *c = ctx;
    as_progress_set(c->pg, done);
}

/* The parity object, empty: bundle.parity is always a part file ("part 1 of 1" unsplit). */
static as_usb_object_out *parity_new(const as_usb_out *u, const as_ec_layout *l, as_error *err)
{
    as_usb_object_out *parity = calloc(1, sizeof *parity);
    if (parity == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    uint64_t psize = (uint64_t)l->m_total * l->block;
    parity->name = AS_USB_PARITY;
    parity->parted = true;
    parity->suffix = u->split != 0;
    parity->payload = u->split ? u->age->payload : (psize ? psize : 1);
    return parity;
}

/* Each parity block's digest, read back from what was written, into ix->parity_hash. */
static int hash_parity_blocks(as_usb_object_out *parity, as_usb_index *ix, as_error *err)
{
    const as_ec_layout *l = &ix->layout;
    uint8_t *blk = malloc(l->block);
    if (blk == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    int rc = 0;
    for (uint32_t p = 0; rc == 0 && p < l->m_total; p++) {
        uint8_t d[32];
        rc = as_usb_object_io(parity, (uint64_t)p * l->block, blk, l->block, false, err);
        as_sha256(d, blk, l->block);
        memcpy(ix->parity_hash[p], d, AS_BLOCK_HASH);
    }
    free(blk);
    return rc;
}

/* Computes the parity of what u wrote into *parity (new), with the digests the index lists. */
static int write_parity(as_usb_out *u, as_usb_index *ix, as_usb_object_out **parity,
                        const as_progress_sink *progress, as_error *err)
{
    const as_ec_layout *l = &ix->layout;
    *parity = parity_new(u, l, err);
    ix->parity_hash = calloc(l->m_total ? l->m_total : 1, AS_BLOCK_HASH);
    if (*parity == NULL || ix->parity_hash == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (l->m_total == 0)
        return 0;
    as_progress pg;
    as_progress_start_unit(&pg, progress, "Parity", "stripes", l->stripes);
    encode_ctx ec = {u, *parity, l, &pg};
    as_ec_io io = {.ctx = &ec,
                   .read_data = enc_read_data,
                   .write_parity = enc_write_parity,
                   .progress = enc_progress};
    int rc = as_usb_object_preallocate(*parity, u->dir, (uint64_t)l->m_total * l->block, err) ||
             as_ec_encode_threads(l, &io, 2, err); /* pread/pwrite: safe on two threads */
    as_progress_finish(&pg);
    if (rc != 0)
        return -1;
    return hash_parity_blocks(*parity, ix, err) || as_usb_object_hash_parts(*parity, err) ? -1 : 0;
}

/* ---------------------------------------------------------------- finish */

/* The index's layout and data digests, once the sealed bytes are all written. */
static int plan_index(as_usb_out *u, const as_seal_result *sr, unsigned redundancy,
                      as_usb_index *ix, as_error *err)
{
    if (u->age->nfiles == 0 || u->age->size != sr->sealed_size)
        return as_fail(err, AS_ERR_INTERNAL, "sealed size mismatch");
    as_usb_object_end_parts(u->age);
    if (u->in_block > 0 && push_block_digest(u, err) != 0) /* the last, short block */
        return -1;
    memcpy(ix->bundle_id, sr->comment.bundle_id, sizeof ix->bundle_id);
    memcpy(ix->sealed_sha256, sr->sealed_sha256, 32);
    if (as_ec_plan(&ix->layout, sr->sealed_size, u->block, redundancy, err) != 0)
        return -1;
    if (ix->layout.k_total != u->nhash)
        return as_fail(err, AS_ERR_INTERNAL, "block count mismatch");
    ix->data_hash = u->data_hash;
    return 0;
}

/* Writes path in u's folder atomically. */
static int write_file(const as_usb_out *u, const char *name, const void *p, size_t n, as_error *err)
{
    char *path = as_path_join(u->dir, name, err);
    int rc = path != NULL ? as_file_write_atomic(path, p, n, 0644, err) : -1;
    free(path);
    return rc;
}

/* The part headers, then the signature, the index and the README; then every file into
 * place and the folder synced. */
static int write_rest(as_usb_out *u, as_usb_object_out *parity, as_usb_index *ix, const as_buf *sig,
                      const as_usb_out_opts *o, as_error *err)
{
    as_buf idx;
    as_buf_init(&idx, AS_USB_INDEX_MAX);
    ix->signature = sig->data;
    ix->signature_len = sig->len;
    int rc = as_usb_object_seal(u->age, u->dir, ix->bundle_id, ix, err) != 0 ||
                     (parity->nfiles > 0 &&
                      as_usb_object_seal(parity, u->dir, ix->bundle_id, ix, err) != 0) ||
                     as_usb_index_format(ix, &idx, err) != 0 ||
                     write_file(u, AS_USB_SIG, sig->data, sig->len, err) != 0 ||
                     write_file(u, AS_USB_INDEX, idx.data, idx.len, err) != 0 ||
                     (o->readme != NULL &&
                      write_file(u, AS_USB_README, o->readme, o->readme_len, err) != 0) ||
                     as_usb_object_commit(u->age, err) != 0 ||
                     as_usb_object_commit(parity, err) != 0 || as_fsync_dir(u->dir, err) != 0
                 ? -1
                 : 0;
    as_buf_free(&idx);
    return rc;
}

int as_usb_out_finish(as_usb_out *u, const as_seal_result *sr, const as_usb_out_opts *o,
                      as_error *err)
{
    as_usb_index ix;
    as_buf sig;
    as_usb_object_out *parity = NULL;
    memset(&ix, 0, sizeof ix);
    as_buf_init(&sig, AS_USB_SIG_MAX);
    int rc = plan_index(u, sr, o->redundancy, &ix, err);
    if (rc == 0)
        rc = write_parity(u, &ix, &parity, o->progress, err);
    if (rc == 0) {
        as_fault_point("pack:parity-written");
        rc = as_mini_sig_format(&sig, &sr->signature, err);
    }
    if (rc == 0)
        rc = write_rest(u, parity, &ix, &sig, o, err);
    ix.data_hash = NULL; /* owned by u */
    ix.signature = NULL; /* owned by sig */
    as_usb_index_free(&ix);
    as_usb_object_free(parity);
    as_buf_free(&sig);
    return rc;
}
