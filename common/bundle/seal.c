/* seal.c: evidence -> manifest -> pax tar -> age -> minisign; see bundle.h. */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/text.h"
#include "../crypto/age.h"
#include "../crypto/sha256.h"
#include "../core/progress.h"

#define IO_CHUNK (1u << 20)

/* ---------------------------------------------------------------- hash pass */

static int open_evidence(const as_evidence_item *it, as_error *err)
{
    int fd = open(it->source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_REJECTED, errno, "cannot read %s", it->source);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != it->size) {
        close(fd);
        return as_fail(err, AS_ERR_REJECTED,
                       "%s changed while being sealed (size or type); seal again when it is "
                       "complete",
                       it->source);
    }
    return fd;
}

/* Reads a whole evidence file, hashing it; optionally forwards the bytes. */
static int read_evidence(const as_evidence_item *it, uint8_t *buf, uint8_t digest[32],
                         struct archive *a, as_progress *pg, as_error *err)
{
    int fd = open_evidence(it, err);
    if (fd < 0)
        return -1;
    as_sha256_ctx h;
    as_sha256_init(&h);
    uint64_t got = 0;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, IO_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", it->source);
            break;
        }
        if (n == 0)
            break;
        got += (uint64_t)n;
        if (got > it->size)
            break;
        as_sha256_update(&h, buf, (size_t)n);
        if (a != NULL && archive_write_data(a, buf, (size_t)n) != n) {
            rc = as_fail(err, AS_ERR_IO, "writing the archive failed: %s",
                         archive_error_string(a) ? archive_error_string(a) : "?");
            break;
        }
        as_progress_add(pg, (uint64_t)n);
    }
    close(fd);
    if (rc == 0 && got != it->size)
        rc = as_fail(err, AS_ERR_REJECTED,
                     "%s changed while being sealed (now %llu bytes, was %llu)", it->source,
                     (unsigned long long)got, (unsigned long long)it->size);
    if (rc == 0)
        as_sha256_final(&h, digest);
    return rc;
}

/* ---------------------------------------------------------------- archive -> age */

typedef struct sealed_tee {
    as_writer base;
    as_writer *next;
    as_sha256_ctx sha;
    as_mini_prehash pre;
    uint64_t n;
} sealed_tee;

static int tee_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    sealed_tee *t = (sealed_tee *)self;
    as_sha256_update(&t->sha, p, n);
    as_mini_prehash_update(&t->pre, p, n);
    t->n += n;
    return as_write(t->next, p, n, err);
}

typedef struct archive_sink {
    as_writer *plain; /* the age encryptor's input */
    as_error *err;
} archive_sink;

static la_ssize_t archive_write_cb(struct archive *a, void *ctx, const void *buf, size_t n)
{
    archive_sink *s = ctx;
    if (as_write(s->plain, buf, n, s->err) != 0) {
        archive_set_error(a, EIO, "%s", s->err->msg);
        return -1;
    }
    return (la_ssize_t)n;
}

static int add_entry(struct archive *a, struct archive_entry *e, const char *name, uint64_t size,
                     time_t mtime, as_error *err)
{
    archive_entry_clear(e);
    archive_entry_set_pathname_utf8(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)size);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    if (archive_write_header(a, e) != ARCHIVE_OK)
        return as_fail(err, err->code ? err->code : AS_ERR_IO, "cannot write %s to the archive: %s",
                       name, archive_error_string(a) ? archive_error_string(a) : "?");
    return 0;
}

static int add_memory(struct archive *a, struct archive_entry *e, const char *name,
                      const uint8_t *data, size_t len, time_t mtime, as_error *err)
{
    if (add_entry(a, e, name, len, mtime, err) != 0)
        return -1;
    if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
        return as_fail(err, AS_ERR_IO, "cannot write %s to the archive", name);
    return 0;
}

static int seal_in_utf8(const as_seal_opts *o, as_seal_result *r, as_error *err)
{
    as_manifest m;
    as_buf mtext, msig;
    as_progress pg;
    struct archive *a = NULL;
    struct archive_entry *e = NULL;
    as_age_encryptor *enc = NULL;
    uint8_t *buf = malloc(IO_CHUNK);
    int rc = -1;
    memset(&m, 0, sizeof m);
    memset(r, 0, sizeof *r);
    as_buf_init(&mtext, AS_MANIFEST_MAX_BYTES);
    as_buf_init(&msig, 16384);
    if (buf == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }

    /* 1. The manifest: names first, so a refused name costs no hashing. */
    uint8_t id[AS_BUNDLE_ID_LEN];
    randombytes_buf(id, sizeof id);
    as_hex_encode(m.bundle_id, id, sizeof id);
    if (as_manifest_text_check(AS_FIELD_CASE, o->case_id, err) != 0 ||
        (o->collector && as_manifest_text_check(AS_FIELD_COLLECTOR, o->collector, err)) ||
        (o->note && as_manifest_text_check(AS_FIELD_NOTE, o->note, err)))
        goto out;
    if (o->case_id[0] == '\0') {
        as_fail(err, AS_ERR_USAGE, "the case id must not be empty");
        goto out;
    }
    snprintf(m.case_id, sizeof m.case_id, "%s", o->case_id);
    snprintf(m.collector, sizeof m.collector, "%s", o->collector ? o->collector : "");
    snprintf(m.note, sizeof m.note, "%s", o->note ? o->note : "");
    snprintf(m.tool, sizeof m.tool, "airseal %s", AS_VERSION);
    m.created = time(NULL);
    memcpy(m.sender, o->signer->keynum, AS_MINI_KEYNUM_LEN);
    if (o->nrecipients + o->npq_recipients == 0 || o->nrecipients > AS_MANIFEST_MAX_RECIPIENTS ||
        o->npq_recipients > AS_MANIFEST_MAX_PQ_RECIPIENTS) {
        as_fail(err, AS_ERR_USAGE, "give 1 to %d age1... and at most %d age1pq1... recipients",
                AS_MANIFEST_MAX_RECIPIENTS, AS_MANIFEST_MAX_PQ_RECIPIENTS);
        goto out;
    }
    if (o->nrecipients > 0)
        memcpy(m.recipients, o->recipients, o->nrecipients * sizeof *o->recipients);
    m.nrecipients = o->nrecipients;
    if (o->npq_recipients > 0)
        memcpy(m.pq_recipients, o->pq_recipients, o->npq_recipients * sizeof *o->pq_recipients);
    m.npq_recipients = o->npq_recipients;
    m.files = calloc(o->evidence->n ? o->evidence->n : 1, sizeof *m.files);
    if (m.files == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->evidence->n; i++) {
        m.files[i].path = strdup(o->evidence->v[i].name);
        m.files[i].size = o->evidence->v[i].size;
        m.nfiles++;
        if (m.files[i].path == NULL) {
            as_fail(err, AS_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    if (as_manifest_check(&m, err) != 0) {
        as_error_prefix(err, "cannot seal: ");
        goto out;
    }
    /* The evidence in manifest order, so both passes read files in the same order. */
    const as_evidence_item **order = calloc(m.nfiles, sizeof *order);
    if (order == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->evidence->n; i++) {
        const as_manifest_file *f = as_manifest_find(&m, o->evidence->v[i].name);
        order[f - m.files] = &o->evidence->v[i];
    }

    /* 2. Hash pass. */
    as_progress_start(&pg, o->progress, "Hashing", m.total_bytes);
    for (size_t i = 0; i < m.nfiles; i++)
        if (read_evidence(order[i], buf, m.files[i].sha256, NULL, &pg, err) != 0)
            goto out_order;
    as_progress_finish(&pg);

    /* 3. Manifest text and its signature. */
    uint8_t h[AS_MINI_PREHASH_LEN];
    char tc[128];
    as_mini_prehash ph;
    if (as_manifest_format(&m, &mtext, err) != 0)
        goto out_order;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, mtext.data, mtext.len);
    as_mini_prehash_final(&ph, h);
    snprintf(tc, sizeof tc, "airseal-manifest v1 bundle:%s", m.bundle_id);
    if (as_mini_sign(&r->signature, o->signer, h, tc, "airseal manifest signature", err) != 0 ||
        as_mini_sig_format(&msig, &r->signature, err) != 0)
        goto out_order;

    /* 4. tar -> age -> (hash, prehash) -> sink */
    sealed_tee t = {.base.write = tee_write, .next = o->sink};
    as_sha256_init(&t.sha);
    as_mini_prehash_init(&t.pre);
    as_age_encrypt_opts eo = {.recipients = o->recipients,
                              .nrecipients = o->nrecipients,
                              .pq_recipients = o->pq_recipients,
                              .npq_recipients = o->npq_recipients};
    enc = as_age_encrypt_begin(&eo, &t.base, err);
    if (enc == NULL)
        goto out_order;
    archive_sink sink = {as_age_encryptor_writer(enc), err};
    a = archive_write_new();
    e = archive_entry_new();
    if (a == NULL || e == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out_order;
    }
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open2(a, &sink, NULL, archive_write_cb, NULL, NULL) != ARCHIVE_OK) {
        as_fail(err, AS_ERR_INTERNAL, "cannot start the archive: %s", archive_error_string(a));
        goto out_order;
    }
    if (add_memory(a, e, AS_TAR_MANIFEST, mtext.data, mtext.len, m.created, err) != 0 ||
        add_memory(a, e, AS_TAR_MANIFEST_SIG, msig.data, msig.len, m.created, err) != 0)
        goto out_order;
    as_progress_start(&pg, o->progress, "Sealing", m.total_bytes);
    for (size_t i = 0; i < m.nfiles; i++) {
        char name[AS_PATH_MAX_BYTES + 16];
        uint8_t again[32];
        snprintf(name, sizeof name, AS_TAR_EVIDENCE "%s", m.files[i].path);
        if (add_entry(a, e, name, m.files[i].size, order[i]->mtime, err) != 0 ||
            read_evidence(order[i], buf, again, a, &pg, err) != 0)
            goto out_order;
        if (!as_equal_ct(again, m.files[i].sha256, 32)) {
            as_fail(err, AS_ERR_REJECTED,
                    "%s changed while being sealed (its content differs from the first read)",
                    order[i]->source);
            goto out_order;
        }
        as_fault_point("pack:file-sealed");
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
        as_fail(err, AS_ERR_IO, "cannot finish the archive: %s", archive_error_string(a));
        goto out_order;
    }
    if (as_age_encrypt_finish(enc, err) != 0)
        goto out_order;
    as_progress_finish(&pg);

    /* 5. The outer signature over the sealed bytes. */
    memcpy(r->comment.bundle_id, m.bundle_id, sizeof m.bundle_id);
    memcpy(r->comment.case_id, m.case_id, sizeof m.case_id);
    r->comment.files = m.nfiles;
    r->comment.bytes = m.total_bytes;
    as_sha256(r->comment.manifest_sha256, mtext.data, mtext.len);
    as_sha256_final(&t.sha, r->sealed_sha256);
    as_mini_prehash_final(&t.pre, h);
    r->sealed_size = t.n;
    if (as_bundle_comment_format(r->trusted_comment, sizeof r->trusted_comment, &r->comment, err) !=
            0 ||
        as_mini_sign(&r->signature, o->signer, h, r->trusted_comment,
                     "airseal bundle signature (verify: minisign -V -p NGO.pub -m bundle.age)",
                     err) != 0)
        goto out_order;
    rc = 0;
out_order:
    free(order);
out:
    if (a != NULL)
        archive_write_free(a);
    if (e != NULL)
        archive_entry_free(e);
    as_age_encryptor_free(enc);
    as_manifest_free(&m);
    as_buf_free(&mtext);
    as_buf_free(&msig);
    free(buf);
    return rc;
}

int as_seal(const as_seal_opts *o, as_seal_result *r, as_error *err)
{
    /* libarchive converts entry names through the locale's character set; in the "C" locale
     * libarchive 3.6 fails (and its pax writer crashes) on non-ASCII names. Work in C.UTF-8
     * for this thread, whatever the caller's locale. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 != (locale_t)0 ? uselocale(utf8) : (locale_t)0;
    int rc = seal_in_utf8(o, r, err);
    if (utf8 != (locale_t)0) {
        uselocale(old);
        freelocale(utf8);
    }
    return rc;
}
