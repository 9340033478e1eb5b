/* seal.c: evidence -> manifest -> pax tar -> age -> minisign; see bundle.h. */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/pipe.h"
#include "../core/text.h"
#include "../crypto/age.h"
#include "../crypto/sha256.h"
#include "../core/progress.h"

#define IO_CHUNK (1u << 20)
/* Each hand-over between the seal pass's threads: 4 buffers of 256 KiB (1 MiB per pipe). */
#define PIPE_SLOTS 4
#define PIPE_SLOT (256u << 10)

/* ---------------------------------------------------------------- hash pass */

/* The progress tracker, shared by the threads that read evidence: mu (NULL with one thread)
 * is held around every report, so the sink is never called from two threads at once. */
typedef struct shared_progress {
    as_progress pg;
    pthread_mutex_t *mu;
} shared_progress;

static void progress_add(shared_progress *sp, uint64_t n)
{
    if (sp->mu != NULL)
        pthread_mutex_lock(sp->mu);
    as_progress_add(&sp->pg, n);
    if (sp->mu != NULL)
        pthread_mutex_unlock(sp->mu);
}

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
                         struct archive *a, shared_progress *sp, as_error *err)
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
        progress_add(sp, (uint64_t)n);
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

/* The sealed bytes as they leave the encryptor: counted and hashed (the index's SHA-256). */
typedef struct sealed_tee {
    as_writer base;
    as_writer *next;
    as_sha256_ctx sha;
    uint64_t n;
} sealed_tee;

static int tee_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    sealed_tee *t = (sealed_tee *)self;
    as_sha256_update(&t->sha, p, n);
    t->n += n;
    return as_write(t->next, p, n, err);
}

/* ... and prehashed for the outer signature, on another thread, on their way to o->sink. */
typedef struct prehash_tee {
    as_writer base;
    as_writer *next;
    as_mini_prehash pre;
} prehash_tee;

static int prehash_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    prehash_tee *t = (prehash_tee *)self;
    as_mini_prehash_update(&t->pre, p, n);
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
        return as_fail(err, AS_ERR_IO, "cannot write %s to the archive: %s", name,
                       archive_error_string(a) ? archive_error_string(a) : "?");
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

/*
 * One seal, in stages. The job owns everything below and seal_job_free() releases it; each
 * stage reads what the stages before it filled in and fills in its own part:
 *
 *   plan_manifest  the options       -> m (names, sizes, recipients), order
 *   hash_pass      the files         -> m.files[i].sha256
 *   sign_manifest  m                 -> mtext, msig
 *   seal_pass      mtext, msig, files -> tar -> age -> tee -> pre -> o->sink, each file
 *                  hashed again
 *   sign_sealed    tee, pre, mtext   -> the result: trusted comment and outer signature
 *
 * Threads: hash_pass runs two workers over the files, each with a buffer of its own (buf and
 * a helper's), each writing only the digests of the files it took. seal_pass runs three:
 * this one reads, re-hashes and archives the evidence through buf; to_enc's thread owns the
 * encryptor and tee (ChaCha20-Poly1305, the sealed SHA-256); to_out's thread owns pre and
 * o->sink (the prehash, the sink's block digests and writes). The pipes' buffers pass from
 * thread to thread under their locks (core/pipe.h); every thread is joined before seal_pass
 * returns, and the digests are read only after that. The bytes are those of one thread in
 * order: the bundle does not depend on the timing.
 */
typedef struct seal_job {
    const as_seal_opts *o;
    as_manifest m;
    const as_evidence_item **order; /* order[i]: the evidence m.files[i] was made from */
    as_buf mtext;                   /* manifest.txt */
    as_buf msig;                    /* manifest.txt.minisig */
    as_mini_sig sig;                /* the manifest's signature, parsed */
    uint8_t *buf;                   /* IO_CHUNK bytes */
    sealed_tee tee;                 /* what leaves the encryptor: counted, hashed */
    prehash_tee pre;                /* ... then prehashed, on to o->sink */
    as_async_writer to_enc;         /* the archive into the encryptor, on its own thread */
    as_async_writer to_out;         /* tee into pre and o->sink, on its own thread */
    shared_progress sp;
} seal_job;

/* The caller's fields and recipients, checked before any work (AS_ERR_USAGE). */
static int check_opts(const as_seal_opts *o, as_error *err)
{
    if (as_manifest_text_check(AS_FIELD_CASE, o->case_id, err) != 0 ||
        (o->collector && as_manifest_text_check(AS_FIELD_COLLECTOR, o->collector, err)) ||
        (o->note && as_manifest_text_check(AS_FIELD_NOTE, o->note, err)))
        return -1;
    if (o->case_id[0] == '\0')
        return as_fail(err, AS_ERR_USAGE, "the case id must not be empty");
    if (o->nrecipients + o->npq_recipients == 0 || o->nrecipients > AS_MANIFEST_MAX_RECIPIENTS ||
        o->npq_recipients > AS_MANIFEST_MAX_PQ_RECIPIENTS)
        return as_fail(err, AS_ERR_USAGE,
                       "give 1 to %d age1... and at most %d age1pq1... recipients",
                       AS_MANIFEST_MAX_RECIPIENTS, AS_MANIFEST_MAX_PQ_RECIPIENTS);
    return 0;
}

/* The manifest's header fields from the options: a fresh random bundle id, the time now. */
static void plan_header(as_manifest *m, const as_seal_opts *o)
{
    uint8_t id[AS_BUNDLE_ID_LEN];
    randombytes_buf(id, sizeof id);
    as_hex_encode(m->bundle_id, id, sizeof id);
    snprintf(m->case_id, sizeof m->case_id, "%s", o->case_id);
    snprintf(m->collector, sizeof m->collector, "%s", o->collector ? o->collector : "");
    snprintf(m->note, sizeof m->note, "%s", o->note ? o->note : "");
    snprintf(m->tool, sizeof m->tool, "airseal %s", AS_VERSION);
    m->created = time(NULL);
    memcpy(m->sender, o->signer->keynum, AS_MINI_KEYNUM_LEN);
    if (o->nrecipients > 0)
        memcpy(m->recipients, o->recipients, o->nrecipients * sizeof *o->recipients);
    m->nrecipients = o->nrecipients;
    if (o->npq_recipients > 0)
        memcpy(m->pq_recipients, o->pq_recipients, o->npq_recipients * sizeof *o->pq_recipients);
    m->npq_recipients = o->npq_recipients;
}

/*
 * Stage 1: the manifest without digests, checked as a receiver would check it (names first, so
 * a refused name costs no hashing), and the evidence in manifest order, so that both passes
 * read the files in the order the archive lists them.
 */
static int plan_manifest(seal_job *j, as_error *err)
{
    const as_evidence *ev = j->o->evidence;
    if (check_opts(j->o, err) != 0)
        return -1;
    plan_header(&j->m, j->o);
    j->m.files = calloc(ev->n ? ev->n : 1, sizeof *j->m.files);
    if (j->m.files == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ev->n; i++) {
        j->m.files[i].path = strdup(ev->v[i].name);
        j->m.files[i].size = ev->v[i].size;
        j->m.nfiles++;
        if (j->m.files[i].path == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    if (as_manifest_check(&j->m, err) != 0) {
        as_error_prefix(err, "cannot seal: ");
        return -1;
    }
    j->order = calloc(j->m.nfiles ? j->m.nfiles : 1, sizeof *j->order);
    if (j->order == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < ev->n; i++) {
        const as_manifest_file *f = as_manifest_find(&j->m, ev->v[i].name);
        j->order[f - j->m.files] = &ev->v[i];
    }
    return 0;
}

/* The hash pass's shared state: the next file to take and the first failure, under mu. */
typedef struct hash_crew {
    seal_job *j;
    pthread_mutex_t mu;
    size_t next;   /* the next file index nobody took yet */
    size_t failed; /* the lowest index that failed (m.nfiles: none) */
    as_error err;  /* its error */
    uint8_t *buf;  /* the helper thread's own IO_CHUNK buffer */
} hash_crew;

/* One worker: takes files in order until none is left or one failed; writes only the
 * m.files[i].sha256 of the files it took. */
static void hash_files(hash_crew *c, uint8_t *buf)
{
    seal_job *j = c->j;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        size_t i = c->next++;
        bool stop = i >= j->m.nfiles || c->failed < j->m.nfiles;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            return;
        as_error e = {0};
        if (read_evidence(j->order[i], buf, j->m.files[i].sha256, NULL, &j->sp, &e) != 0) {
            pthread_mutex_lock(&c->mu);
            if (i < c->failed) {
                c->failed = i;
                c->err = e;
            }
            pthread_mutex_unlock(&c->mu);
            return;
        }
    }
}

static void *hash_helper(void *arg)
{
    hash_crew *c = arg;
    hash_files(c, c->buf);
    return NULL;
}

/*
 * Stage 2: every file's SHA-256 into the manifest, on two threads taking files in turn (one
 * file is one thread's: a single large file is hashed on one core). The failure of the first
 * file in manifest order that failed is reported, whatever the timing.
 */
static int hash_pass(seal_job *j, as_error *err)
{
    hash_crew c = {.j = j, .failed = j->m.nfiles};
    pthread_t helper;
    bool two = false;
    if (pthread_mutex_init(&c.mu, NULL) != 0)
        return as_fail(err, AS_ERR_INTERNAL, "cannot create a lock");
    j->sp.mu = &c.mu;
    as_progress_start(&j->sp.pg, j->o->progress, "Hashing", j->m.total_bytes);
    if (j->m.nfiles > 1 && (c.buf = malloc(IO_CHUNK)) != NULL)
        two = pthread_create(&helper, NULL, hash_helper, &c) == 0;
    hash_files(&c, j->buf);
    if (two)
        pthread_join(helper, NULL);
    j->sp.mu = NULL;
    pthread_mutex_destroy(&c.mu);
    free(c.buf);
    if (c.failed < j->m.nfiles) {
        if (err != NULL && err->code == AS_OK)
            *err = c.err;
        return -1;
    }
    as_progress_finish(&j->sp.pg);
    return 0;
}

/* Stage 3: manifest.txt and its signature, whose trusted comment names the bundle. */
static int sign_manifest(seal_job *j, as_error *err)
{
    uint8_t h[AS_MINI_PREHASH_LEN];
    char tc[128];
    as_mini_prehash ph;
    if (as_manifest_format(&j->m, &j->mtext, err) != 0)
        return -1;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, j->mtext.data, j->mtext.len);
    as_mini_prehash_final(&ph, h);
    snprintf(tc, sizeof tc, "airseal-manifest v1 bundle:%s", j->m.bundle_id);
    if (as_mini_sign(&j->sig, j->o->signer, h, tc, "airseal manifest signature", err) != 0 ||
        as_mini_sig_format(&j->msig, &j->sig, err) != 0)
        return -1;
    return 0;
}

/* A pax archive writing into sink; *a and *e are set (or NULL) for the caller to free. */
static int open_archive(struct archive **a, struct archive_entry **e, archive_sink *sink,
                        as_error *err)
{
    *a = archive_write_new();
    *e = archive_entry_new();
    if (*a == NULL || *e == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (archive_write_set_format_pax_restricted(*a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(*a, 1) != ARCHIVE_OK ||
        archive_write_open2(*a, sink, NULL, archive_write_cb, NULL, NULL) != ARCHIVE_OK)
        return as_fail(err, AS_ERR_INTERNAL, "cannot start the archive: %s",
                       archive_error_string(*a) ? archive_error_string(*a) : "?");
    return 0;
}

/*
 * Evidence file i into the archive, read a second time: a file whose size, type or content
 * differs from the hash pass fails the seal (AS_ERR_REJECTED, naming it).
 */
static int seal_file(seal_job *j, struct archive *a, struct archive_entry *e, size_t i,
                     as_error *err)
{
    const as_manifest_file *f = &j->m.files[i];
    char name[AS_PATH_MAX_BYTES + 16];
    uint8_t again[32];
    snprintf(name, sizeof name, AS_TAR_EVIDENCE "%s", f->path);
    if (add_entry(a, e, name, f->size, j->order[i]->mtime, err) != 0 ||
        read_evidence(j->order[i], j->buf, again, a, &j->sp, err) != 0)
        return -1;
    if (!as_equal_ct(again, f->sha256, 32))
        return as_fail(err, AS_ERR_REJECTED,
                       "%s changed while being sealed (its content differs from the first read)",
                       j->order[i]->source);
    as_fault_point("pack:file-sealed");
    return 0;
}

/* The encryptor writing through tee, to_out's thread taking it from there; the caller
 * starts to_enc once the header is out. Returns the encryptor or NULL. */
static as_age_encryptor *start_output(seal_job *j, as_error *err)
{
    const as_seal_opts *o = j->o;
    j->pre = (prehash_tee){.base.write = prehash_write, .next = o->sink};
    as_mini_prehash_init(&j->pre.pre);
    j->tee = (sealed_tee){.base.write = tee_write, .next = &j->to_out.base};
    as_sha256_init(&j->tee.sha);
    if (as_async_writer_start(&j->to_out, &j->pre.base, PIPE_SLOTS, PIPE_SLOT, err) != 0)
        return NULL;
    as_age_encrypt_opts eo = {.recipients = o->recipients,
                              .nrecipients = o->nrecipients,
                              .pq_recipients = o->pq_recipients,
                              .npq_recipients = o->npq_recipients};
    return as_age_encrypt_begin(&eo, &j->tee.base, err);
}

/* Stage 4: tar (manifest, signature, evidence) -> age -> tee -> pre -> o->sink, finished. */
static int seal_pass(seal_job *j, as_error *err)
{
    struct archive *a = NULL;
    struct archive_entry *e = NULL;
    archive_sink sink = {&j->to_enc.base, err};
    int rc = -1;
    as_age_encryptor *enc = start_output(j, err);
    if (enc == NULL || as_async_writer_start(&j->to_enc, as_age_encryptor_writer(enc), PIPE_SLOTS,
                                             PIPE_SLOT, err) != 0)
        goto out;
    if (open_archive(&a, &e, &sink, err) != 0 ||
        add_memory(a, e, AS_TAR_MANIFEST, j->mtext.data, j->mtext.len, j->m.created, err) != 0 ||
        add_memory(a, e, AS_TAR_MANIFEST_SIG, j->msig.data, j->msig.len, j->m.created, err) != 0)
        goto out;
    as_progress_start(&j->sp.pg, j->o->progress, "Sealing", j->m.total_bytes);
    for (size_t i = 0; i < j->m.nfiles; i++)
        if (seal_file(j, a, e, i, err) != 0)
            goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        as_fail(err, AS_ERR_IO, "cannot finish the archive: %s", archive_error_string(a));
        goto out;
    }
    /* the encryptor is this thread's again once to_enc is finished; its last chunk goes out
     * through to_out, finished last */
    if (as_async_writer_finish(&j->to_enc, err) != 0 || as_age_encrypt_finish(enc, err) != 0 ||
        as_async_writer_finish(&j->to_out, err) != 0)
        goto out;
    as_progress_finish(&j->sp.pg);
    rc = 0;
out:
    /* to_enc's thread first, as it may be inside the encryptor; then the archive: freeing an
     * unfinished one still writes, into the stopped pipe, which refuses */
    as_async_writer_abort(&j->to_enc);
    if (a != NULL)
        archive_write_free(a);
    if (e != NULL)
        archive_entry_free(e);
    as_async_writer_abort(&j->to_out);
    as_age_encryptor_free(enc);
    return rc;
}

/* Stage 5: the trusted comment and the outer signature over the sealed bytes, into r. */
static int sign_sealed(seal_job *j, as_seal_result *r, as_error *err)
{
    uint8_t h[AS_MINI_PREHASH_LEN];
    memcpy(r->comment.bundle_id, j->m.bundle_id, sizeof j->m.bundle_id);
    memcpy(r->comment.case_id, j->m.case_id, sizeof j->m.case_id);
    r->comment.files = j->m.nfiles;
    r->comment.bytes = j->m.total_bytes;
    as_sha256(r->comment.manifest_sha256, j->mtext.data, j->mtext.len);
    as_sha256_final(&j->tee.sha, r->sealed_sha256);
    as_mini_prehash_final(&j->pre.pre, h);
    r->sealed_size = j->tee.n;
    if (as_bundle_comment_format(r->trusted_comment, sizeof r->trusted_comment, &r->comment, err) !=
            0 ||
        as_mini_sign(&r->signature, j->o->signer, h, r->trusted_comment,
                     "airseal bundle signature (verify: minisign -V -p NGO.pub -m bundle.age)",
                     err) != 0)
        return -1;
    return 0;
}

static void seal_job_free(seal_job *j)
{
    free(j->order);
    as_manifest_free(&j->m);
    as_buf_free(&j->mtext);
    as_buf_free(&j->msig);
    free(j->buf);
    free(j);
}

/* The stages in order; the first failure ends the seal with its message. */
static int seal_in_utf8(const as_seal_opts *o, as_seal_result *r, as_error *err)
{
    seal_job *j = calloc(1, sizeof *j);
    int rc = -1;
    memset(r, 0, sizeof *r);
    if (j == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    j->o = o;
    as_buf_init(&j->mtext, AS_MANIFEST_MAX_BYTES);
    as_buf_init(&j->msig, 16384);
    j->buf = malloc(IO_CHUNK);
    if (j->buf == NULL)
        as_fail(err, AS_ERR_NOMEM, "out of memory");
    else if (plan_manifest(j, err) == 0 && hash_pass(j, err) == 0 && sign_manifest(j, err) == 0 &&
             seal_pass(j, err) == 0 && sign_sealed(j, r, err) == 0)
        rc = 0;
    seal_job_free(j);
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
