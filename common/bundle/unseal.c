/* unseal.c: hostile-archive extraction; see unseal.h. */
#include "unseal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "../core/pipe.h"
#include "../core/text.h"
#include "../crypto/age.h"
#include "../crypto/sha256.h"
#include "../core/progress.h"

#define READ_CHUNK 65536
/* The read-ahead: 4 buffers of 256 KiB (1 MiB), enough to keep both cores busy. */
#define AHEAD_SLOTS 4
#define AHEAD_SLOT (256u << 10)
#define SIG_MAX 16384

int as_manifest_verify(const uint8_t *text, size_t len, const uint8_t *sig, size_t siglen,
                       const as_mini_pubkey *signer, const as_bundle_comment *comment,
                       const as_age_recipient *station, const as_age_pq_recipient *station_pq,
                       as_manifest *m, as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    uint8_t h[AS_MINI_PREHASH_LEN], digest[32];
    as_mini_prehash ph;
    int rc = -1;
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (as_mini_sig_parse(s, sig, siglen, err) != 0) {
        as_error_prefix(err, "manifest.txt.minisig: ");
        goto out;
    }
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, text, len);
    as_mini_prehash_final(&ph, h);
    if (as_mini_verify(signer, s, h, NULL, 0, false, err) != 0) {
        as_error_prefix(err, "manifest signature (must be by the bundle's signer): ");
        if (err->code == AS_ERR_KEY)
            err->code = AS_ERR_SIGNATURE;
        goto out;
    }
    if (as_manifest_parse(m, text, len, err) != 0)
        goto out;
    as_sha256(digest, text, len);
#define MISMATCH(what)                                                                             \
    do {                                                                                           \
        as_fail(err, AS_ERR_REJECTED, "the manifest does not match the bundle signature: %s",      \
                what);                                                                             \
        as_manifest_free(m);                                                                       \
        goto out;                                                                                  \
    } while (0)
    if (!as_equal_ct(digest, comment->manifest_sha256, 32))
        MISMATCH("manifest digest");
    if (strcmp(m->bundle_id, comment->bundle_id) != 0)
        MISMATCH("bundle id");
    if (strcmp(m->case_id, comment->case_id) != 0)
        MISMATCH("case id");
    if (m->nfiles != comment->files || m->total_bytes != comment->bytes)
        MISMATCH("file count or size");
    if (memcmp(m->sender, signer->keynum, AS_MINI_KEYNUM_LEN) != 0)
        MISMATCH("sender key id");
#undef MISMATCH
    if ((station != NULL && !as_manifest_has_recipient(m, station)) ||
        (station_pq != NULL && !as_manifest_has_pq_recipient(m, station_pq))) {
        as_fail(err, AS_ERR_REJECTED,
                "this station is not among the bundle's recipients in its signed manifest");
        as_manifest_free(m);
        goto out;
    }
    rc = 0;
out:
    free(s);
    return rc;
}

/* ---------------------------------------------------------------- archive source */

/* libarchive's read callback state: the decrypted stream, read ahead on a thread of its own
 * (decryption on one core, extraction and hashing on the other). */
typedef struct source {
    as_async_reader *plain;
    as_error *err;
} source;

/* Hands libarchive the decrypted bytes in place, in the read-ahead's own buffer: valid until
 * the next call, which is all libarchive asks of a read callback. */
static la_ssize_t source_read(struct archive *a, void *ctx, const void **out)
{
    source *s = ctx;
    const uint8_t *p = NULL;
    ssize_t n = as_async_reader_chunk(s->plain, &p, s->err);
    if (n < 0) {
        archive_set_error(a, EIO, "%s", s->err->msg);
        return -1;
    }
    *out = p;
    return n;
}

/* ---------------------------------------------------------------- safe creation */

/* Opens (creating when asked) the directory path below root without following links. */
static int open_dir_below(int root, const char *path, bool create, as_error *err)
{
    int fd = dup(root);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "dup");
    const char *p = path;
    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char name[AS_NAME_MAX_BYTES + 1];
        if (n == 0 || n > AS_NAME_MAX_BYTES) {
            close(fd);
            return as_fail(err, AS_ERR_REJECTED, "bad path %s", path);
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (create && mkdirat(fd, name, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            close(fd);
            return as_fail_errno(err, AS_ERR_IO, e, "cannot create folder %s", path);
        }
        int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        if (sub < 0)
            return as_fail_errno(err, AS_ERR_IO, e, "cannot open folder %s", path);
        fd = sub;
        p += n;
        if (*p == '/')
            p++;
    }
    return fd;
}

/* Creates a new file at rel below root (parents created), never following links. */
static int create_below(int root, const char *rel, as_error *err)
{
    const char *slash = strrchr(rel, '/');
    int dir;
    const char *base = rel;
    if (slash != NULL) {
        char *parent = strndup(rel, (size_t)(slash - rel));
        if (parent == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        dir = open_dir_below(root, parent, true, err);
        free(parent);
        base = slash + 1;
    } else {
        dir = dup(root);
    }
    if (dir < 0)
        return -1;
    int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int e = errno;
    close(dir);
    if (fd < 0)
        return as_fail_errno(err, e == EEXIST ? AS_ERR_REJECTED : AS_ERR_IO, e, "cannot create %s",
                             rel);
    return fd;
}

static int write_small(int root, const char *name, const uint8_t *data, size_t len, as_error *err)
{
    int fd = create_below(root, name, err);
    if (fd < 0)
        return -1;
    int rc = as_write_fd_all(fd, data, len, name, err);
    if (rc == 0 && fsync(fd) != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", name);
    close(fd);
    return rc;
}

/* ---------------------------------------------------------------- entries */

static const char *entry_name(struct archive_entry *e, as_error *err)
{
    const char *name = archive_entry_pathname_utf8(e);
    if (name == NULL)
        name = archive_entry_pathname(e);
    if (name == NULL) {
        as_fail(err, AS_ERR_FORMAT, "archive entry without a name");
        return NULL;
    }
    if (!as_utf8_valid(name, strlen(name))) {
        as_fail(err, AS_ERR_REJECTED, "archive entry name is not valid UTF-8");
        return NULL;
    }
    return name;
}

/* Reads a small entry completely into a malloc'd buffer. */
static int read_small(struct archive *a, struct archive_entry *e, const char *want, size_t max,
                      uint8_t **out, size_t *len, as_error *err)
{
    const char *name = entry_name(e, err);
    if (name == NULL)
        return -1;
    if (strcmp(name, want) != 0)
        return as_fail(err, AS_ERR_FORMAT,
                       "the archive must start with manifest.txt and manifest.txt.minisig, found "
                       "\"%s\"",
                       name);
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL ||
        archive_entry_sparse_count(e) > 0 || !archive_entry_size_is_set(e))
        return as_fail(err, AS_ERR_REJECTED, "%s is not a plain file in the archive", want);
    la_int64_t size = archive_entry_size(e);
    if (size < 0 || (uint64_t)size > max)
        return as_fail(err, AS_ERR_LIMIT, "%s is larger than %zu bytes", want, max);
    *out = malloc((size_t)size + 1);
    if (*out == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    la_ssize_t got = archive_read_data(a, *out, (size_t)size);
    if (got != size) {
        free(*out);
        *out = NULL;
        return as_fail(err, AS_ERR_FORMAT, "%s is truncated in the archive%s%s", want,
                       got < 0 ? ": " : "", got < 0 ? archive_error_string(a) : "");
    }
    *len = (size_t)size;
    return 0;
}

/* True if dir (without trailing '/') is a parent folder of some manifest path. */
static bool is_manifest_dir(const as_manifest *m, const char *dir)
{
    size_t n = strlen(dir);
    /* Paths are sorted: the first path >= "dir/" tells. */
    size_t lo = 0, hi = m->nfiles;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(m->files[mid].path, dir, n);
        if (c < 0 || (c == 0 && m->files[mid].path[n] < '/'))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nfiles && strncmp(m->files[lo].path, dir, n) == 0 && m->files[lo].path[n] == '/';
}

/*
 * Where an evidence file's bytes go: its SHA-256 and its writes. A large file's go through
 * out, on a thread of its own (the extracting thread parses the archive meanwhile); a small
 * one's are not worth the hand-off and stay on the calling thread. fd, path and sha are set
 * and read by the extracting thread only while out is drained (as_async_writer_sync).
 */
typedef struct file_sink {
    as_writer base;
    int fd;
    const char *path;
    as_sha256_ctx sha;
} file_sink;

typedef struct extract_io {
    file_sink sink;
    as_async_writer out; /* sink on its own thread; started by open_archive */
} extract_io;

#define SINK_THREAD_MIN (1u << 20)

static int file_sink_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    file_sink *s = (file_sink *)self;
    as_sha256_update(&s->sha, p, n);
    return as_write_fd_all(s->fd, p, n, s->path, err);
}

/* The entry's data into to, counted in *got; never more than the manifest's size. */
static int copy_data(struct archive *a, const char *rel, const as_manifest_file *f, uint8_t *buf,
                     as_writer *to, uint64_t *got, as_progress *pg, as_error *err)
{
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, READ_CHUNK);
        if (n < 0)
            return as_fail(err, AS_ERR_FORMAT, "%s: %s", rel,
                           archive_error_string(a) ? archive_error_string(a) : "read error");
        if (n == 0)
            return 0;
        *got += (uint64_t)n;
        if (*got > f->size)
            return as_fail(err, AS_ERR_FORMAT, "%s: more data than declared", rel);
        if (as_write(to, buf, (size_t)n, err) != 0)
            return -1;
        as_progress_add(pg, (uint64_t)n);
    }
}

/* The file's size, its SHA-256 against the manifest, its modification time, and fsync. */
static int finish_file(struct archive_entry *e, int fd, const char *path, const char *rel,
                       const as_manifest_file *f, uint64_t got, as_sha256_ctx *sha, as_error *err)
{
    uint8_t d[32];
    if (got != f->size)
        return as_fail(err, AS_ERR_FORMAT, "%s: truncated (%llu of %llu bytes)", rel,
                       (unsigned long long)got, (unsigned long long)f->size);
    as_sha256_final(sha, d);
    if (!as_equal_ct(d, f->sha256, 32))
        return as_fail(err, AS_ERR_REJECTED, "%s does not match its SHA-256 in the manifest", rel);
    /* keep the file's recorded modification time: it can matter as evidence */
    struct timespec ts[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(e), 0}};
    if (archive_entry_mtime_is_set(e) && archive_entry_mtime(e) >= 0)
        futimens(fd, ts);
    if (fsync(fd) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", path);
    return 0;
}

static int extract_file(struct archive *a, struct archive_entry *e, int root, const char *rel,
                        const as_manifest_file *f, uint8_t *buf, extract_io *x, as_progress *pg,
                        as_error *err)
{
    if (!archive_entry_size_is_set(e) || archive_entry_sparse_count(e) > 0)
        return as_fail(err, AS_ERR_REJECTED, "%s: sparse or sizeless entry", rel);
    la_int64_t size = archive_entry_size(e);
    if (size < 0 || (uint64_t)size != f->size)
        return as_fail(err, AS_ERR_REJECTED,
                       "%s: the archive declares %lld bytes, the manifest %llu", rel,
                       (long long)size, (unsigned long long)f->size);
    char path[AS_PATH_MAX_BYTES + 16];
    snprintf(path, sizeof path, "evidence/%s", rel);
    int fd = create_below(root, path, err);
    if (fd < 0)
        return -1;
    x->sink.fd = fd;
    x->sink.path = path;
    as_sha256_init(&x->sink.sha);
    bool threaded = f->size >= SINK_THREAD_MIN && x->out.running;
    uint64_t got = 0;
    int rc = copy_data(a, rel, f, buf, threaded ? &x->out.base : &x->sink.base, &got, pg, err);
    /* out's thread is done with fd and sha before anything else touches them */
    if (threaded && as_async_writer_sync(&x->out, err) != 0)
        rc = -1;
    if (rc == 0)
        rc = finish_file(e, fd, path, rel, f, got, &x->sink.sha, err);
    close(fd);
    return rc;
}

static int check_space(const char *dest, uint64_t need, as_error *err)
{
    struct statvfs sv;
    if (statvfs(dest, &sv) != 0)
        return 0; /* cannot tell; the writes themselves will report a full disk */
    uint64_t have = (uint64_t)sv.f_bavail * sv.f_frsize;
    if (need > have)
        return as_fail(err, AS_ERR_IO,
                       "not enough disk space for the evidence: %llu bytes needed, %llu free",
                       (unsigned long long)need, (unsigned long long)have);
    return 0;
}

/*
 * Refuses a manifest path that would be longer than PATH_MAX once put below the entry folder
 * (entry_len bytes) as "/evidence/<path>": extraction works below descriptors and would
 * manage, but the vault, its audit and every tool an auditor uses need the whole path.
 */
static int check_path_room(const as_manifest *m, size_t entry_len, as_error *err)
{
    size_t prefix = entry_len + strlen("/" AS_TAR_EVIDENCE);
    for (size_t i = 0; i < m->nfiles; i++) {
        size_t n = prefix + strlen(m->files[i].path);
        if (n >= PATH_MAX)
            return as_fail(err, AS_ERR_LIMIT,
                           "evidence/%.60s...: would be a path of %zu bytes in this station, "
                           "more than the system's limit of %d; use a station folder with a "
                           "shorter name",
                           m->files[i].path, n, PATH_MAX - 1);
    }
    return 0;
}

/*
 * The refusal of a bundle.age no stanza of which opens with the station's key. When the file
 * names only recipients of the other type (a hybrid bundle at a classical station, or the
 * reverse) the line says so: the header's first 32 KiB are looked at again for the stanza
 * types. That look only chooses the wording; the refusal stands either way.
 */
static void no_match(int fd, bool station_pq, as_error *err)
{
    char head[32 * 1024 + 1];
    ssize_t n = pread(fd, head, sizeof head - 1, 0);
    head[n > 0 ? n : 0] = '\0';
    bool has_pq = strstr(head, "\n-> mlkem768x25519 ") != NULL;
    bool has_x = strstr(head, "\n-> X25519 ") != NULL;
    if (station_pq && has_x && !has_pq)
        as_fail(err, AS_ERR_REJECTED,
                "bundle.age is not encrypted to this station: it is sealed to classical "
                "(X25519) recipients only, and this station's key is post-quantum (age1pq1...)");
    else if (!station_pq && has_pq && !has_x)
        as_fail(err, AS_ERR_REJECTED,
                "bundle.age is not encrypted to this station: it is sealed to post-quantum "
                "(age1pq1...) recipients only, and this station's key is classical (X25519)");
    else
        as_fail(err, AS_ERR_REJECTED,
                "bundle.age is not encrypted to this station (no recipient stanza opens "
                "with its key)");
}

/*
 * One unseal, in stages. The job owns every descriptor and buffer and unseal_job_free()
 * releases them; each stage reads what the stages before it set up:
 *
 *   open_sealed      bundle.age, dest    -> fd, root, dec (the age header authenticated)
 *   open_archive     dec                 -> ahead (a thread decrypting dec), a reading it
 *   read_manifest    the first two entries -> mtext, msig -> m, verified against the comment
 *   stage_manifest   m: every limit checked -> manifest files written, evidence/ made, seen
 *   extract_entries  each further entry checked against m -> evidence files, hashed
 *   finish_archive   nothing missing, zeros only after the archive, the age stream's end
 *
 * Nothing is written below dest before read_manifest verified the manifest and
 * stage_manifest checked every limit on it. Buffers: ahead's slots are filled by its thread and
 * read in place by libarchive (one at a time, handed back at the next read); buf is the
 * extraction's, copied into x.out's slots for a large file, which x.out's thread hashes and
 * writes (x.sink) until extract_file drains it. dec belongs to ahead's thread from open_archive until unseal_job_free stops it.
 */
typedef struct unseal_job {
    const as_unseal_opts *o;
    int fd;   /* bundle.age */
    int root; /* dest: everything is created below this descriptor */
    as_fd_reader in;
    as_age_decryptor *dec;
    as_async_reader ahead; /* decrypts dec ahead on its own thread; owns dec while it runs */
    extract_io x;          /* large files' hashing and writes, on their own thread */
    struct archive *a;
    source src;
    uint8_t *buf; /* READ_CHUNK bytes */
    uint8_t *mtext, *msig;
    size_t mlen, slen;
    bool *seen; /* seen[i]: m->files[i] was met in the archive */
    size_t entries, dirs;
    as_progress pg;
} unseal_job;

/* Stage 1: bundle.age opened for this station's key (the header MAC verified) and dest. */
static int open_sealed(unseal_job *j, as_error *err)
{
    const as_unseal_opts *o = j->o;
    j->fd = as_file_open_read(o->sealed_path, AS_FILE_NOFOLLOW, NULL, err);
    if (j->fd < 0)
        return -1;
    j->root = open(o->dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (j->root < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s", o->dest);
    as_fd_reader_init(&j->in, j->fd, "bundle.age");
    as_age_identity *ids[1] = {o->identity};
    as_age_pq_identity *pq_ids[1] = {o->pq_identity};
    as_age_keyring keys = {.identities = ids,
                           .nidentities = o->identity != NULL,
                           .pq_identities = pq_ids,
                           .npq_identities = o->pq_identity != NULL};
    j->dec = as_age_decrypt_open(&j->in.base, &keys, AS_AGE_ARMOR_NEVER, err);
    if (j->dec == NULL) {
        if (err->code == AS_ERR_NO_MATCH) {
            as_error_clear(err);
            no_match(j->fd, o->pq_identity != NULL, err);
        } else {
            as_error_prefix(err, "bundle.age: ");
        }
        return -1;
    }
    as_fault_point("import:header-opened");
    return 0;
}

/* Stage 2: a tar reader over the decrypted stream (no other archive format is accepted). */
static int open_archive(unseal_job *j, as_error *err)
{
    if (as_async_reader_start(&j->ahead, as_age_decryptor_reader(j->dec), AHEAD_SLOTS, AHEAD_SLOT,
                              err) != 0)
        return -1;
    j->x.sink.base.write = file_sink_write;
    if (as_async_writer_start(&j->x.out, &j->x.sink.base, AHEAD_SLOTS, AHEAD_SLOT, err) != 0)
        return -1;
    j->src.plain = &j->ahead;
    j->src.err = err;
    j->a = archive_read_new();
    if (j->a == NULL || archive_read_support_format_tar(j->a) != ARCHIVE_OK ||
        archive_read_open2(j->a, &j->src, NULL, source_read, NULL, NULL) != ARCHIVE_OK)
        return as_fail(err, AS_ERR_FORMAT, "bundle.age does not hold a tar archive%s%s",
                       j->a ? ": " : "",
                       j->a && archive_error_string(j->a) ? archive_error_string(j->a) : "");
    return 0;
}

/*
 * Stage 3: manifest.txt and its signature, which must come first, read into memory and
 * verified: signed by the outer signer, matching the outer comment, naming this station.
 */
static int read_manifest(unseal_job *j, as_manifest *m, as_error *err)
{
    const as_unseal_opts *o = j->o;
    struct archive_entry *e;
    if (archive_read_next_header(j->a, &e) != ARCHIVE_OK ||
        read_small(j->a, e, AS_TAR_MANIFEST, AS_MANIFEST_MAX_BYTES, &j->mtext, &j->mlen, err) !=
            0 ||
        archive_read_next_header(j->a, &e) != ARCHIVE_OK ||
        read_small(j->a, e, AS_TAR_MANIFEST_SIG, SIG_MAX, &j->msig, &j->slen, err) != 0)
        return as_fail(err, AS_ERR_FORMAT,
                       "the archive does not start with manifest.txt and its signature");
    as_age_recipient me;
    as_age_pq_recipient me_pq;
    if (o->identity != NULL)
        as_age_identity_recipient(o->identity, &me);
    if (o->pq_identity != NULL)
        as_age_pq_identity_recipient(o->pq_identity, &me_pq);
    return as_manifest_verify(j->mtext, j->mlen, j->msig, j->slen, o->signer, o->comment,
                              o->identity ? &me : NULL, o->pq_identity ? &me_pq : NULL, m, err);
}

/*
 * Stage 4: every limit a later step applies, checked on the verified manifest (path lengths
 * below the entry, free space), then the manifest and its signature written to dest and
 * evidence/ made. The first byte written below dest is written here.
 */
static int stage_manifest(unseal_job *j, const as_manifest *m, as_error *err)
{
    const as_unseal_opts *o = j->o;
    if (check_path_room(m, o->entry_path_max ? o->entry_path_max : strlen(o->dest), err) != 0 ||
        check_space(o->dest, m->total_bytes + (1u << 20), err) != 0 ||
        write_small(j->root, AS_TAR_MANIFEST, j->mtext, j->mlen, err) != 0 ||
        write_small(j->root, AS_TAR_MANIFEST_SIG, j->msig, j->slen, err) != 0)
        return -1;
    if (mkdirat(j->root, "evidence", 0700) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot create the evidence folder");
    as_fault_point("import:manifest-verified");
    j->seen = calloc(m->nfiles ? m->nfiles : 1, sizeof *j->seen);
    if (j->seen == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    return 0;
}

/* A folder entry (rel, rlen bytes, below evidence/): accepted only as the parent of a listed
 * file, and never more folders than a manifest may list files. */
static int take_dir(unseal_job *j, const as_manifest *m, const char *rel, size_t rlen,
                    as_error *err)
{
    char dir[AS_PATH_MAX_BYTES + 1];
    if (rlen > 0 && rel[rlen - 1] == '/')
        rlen--;
    if (rlen == 0)
        return 0; /* "evidence/" itself */
    if (rlen > AS_PATH_MAX_BYTES || as_evidence_path_check(rel, rlen, err) != 0)
        return -1;
    memcpy(dir, rel, rlen);
    dir[rlen] = '\0';
    if (!is_manifest_dir(m, dir))
        return as_fail(err, AS_ERR_REJECTED, "folder %s in the archive holds no listed file", dir);
    if (++j->dirs > AS_MANIFEST_MAX_FILES)
        return as_fail(err, AS_ERR_LIMIT, "too many folders in the archive");
    return 0;
}

/* A file entry: a path the manifest lists, met once, extracted and checked (extract_file). */
static int take_file(unseal_job *j, const as_manifest *m, struct archive_entry *e, const char *rel,
                     size_t rlen, as_error *err)
{
    if (as_evidence_path_check(rel, rlen, err) != 0)
        return -1;
    const as_manifest_file *f = as_manifest_find(m, rel);
    if (f == NULL)
        return as_fail(err, AS_ERR_REJECTED,
                       "the archive holds %.200s, which the manifest does not list", rel);
    if (j->seen[f - m->files])
        return as_fail(err, AS_ERR_REJECTED, "%.200s appears twice in the archive", rel);
    j->seen[f - m->files] = true;
    if (extract_file(j->a, e, j->root, rel, f, j->buf, &j->x, &j->pg, err) != 0)
        return -1;
    as_fault_point("import:file-extracted");
    return 0;
}

/* One entry after the manifest's two: a folder or regular file under evidence/, nothing else. */
static int take_entry(unseal_job *j, const as_manifest *m, struct archive_entry *e, as_error *err)
{
    const char *name = entry_name(e, err);
    if (name == NULL)
        return -1;
    if (strncmp(name, AS_TAR_EVIDENCE, strlen(AS_TAR_EVIDENCE)) != 0)
        return as_fail(err, AS_ERR_REJECTED, "unexpected archive entry outside evidence/: %.200s",
                       name);
    const char *rel = name + strlen(AS_TAR_EVIDENCE);
    size_t rlen = strlen(rel);
    unsigned type = archive_entry_filetype(e);
    if (archive_entry_hardlink(e) != NULL)
        return as_fail(err, AS_ERR_REJECTED, "hard link in the archive: %.200s", name);
    if (type == AE_IFDIR)
        return take_dir(j, m, rel, rlen, err);
    if (type != AE_IFREG)
        return as_fail(err, AS_ERR_REJECTED, "%s in the archive: %.200s",
                       type == AE_IFLNK                       ? "symbolic link"
                       : type == AE_IFCHR || type == AE_IFBLK ? "device file"
                       : type == AE_IFIFO                     ? "FIFO"
                                                              : "special file",
                       name);
    return take_file(j, m, e, rel, rlen, err);
}

/* Stage 5: every further entry, to the archive's end, within the manifest's entry budget. */
static int extract_entries(unseal_job *j, const as_manifest *m, as_error *err)
{
    struct archive_entry *e;
    as_progress_start(&j->pg, j->o->progress, "Extracting", m->total_bytes);
    j->entries = 2;
    for (;;) {
        int h = archive_read_next_header(j->a, &e);
        if (h == ARCHIVE_EOF)
            return 0;
        if (h != ARCHIVE_OK)
            return as_fail(err, AS_ERR_FORMAT, "damaged archive: %s",
                           archive_error_string(j->a) ? archive_error_string(j->a) : "bad header");
        if (++j->entries > m->nfiles + 2 + AS_MANIFEST_MAX_FILES)
            return as_fail(err, AS_ERR_LIMIT, "the archive has too many entries");
        if (take_entry(j, m, e, err) != 0)
            return -1;
    }
}

/*
 * Stage 6: nothing the manifest lists is missing, whatever follows the archive is zeros, the
 * age stream ends properly (its last chunk authenticated), and dest's entries are on disk.
 */
static int finish_archive(unseal_job *j, const as_manifest *m, as_error *err)
{
    for (size_t i = 0; i < m->nfiles; i++)
        if (!j->seen[i])
            return as_fail(err, AS_ERR_REJECTED,
                           "the manifest lists %.200s, which the archive lacks", m->files[i].path);
    for (;;) {
        ssize_t n = as_read(&j->ahead.base, j->buf, READ_CHUNK, err);
        if (n < 0) {
            as_error_prefix(err, "bundle.age: ");
            return -1;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (j->buf[i] != 0)
                return as_fail(err, AS_ERR_FORMAT, "data after the end of the archive");
    }
    as_progress_finish(&j->pg);
    if (fsync(j->root) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", j->o->dest);
    return 0;
}

static void unseal_job_free(unseal_job *j)
{
    as_async_reader_stop(&j->ahead); /* the threads first: one may be inside dec */
    as_async_writer_abort(&j->x.out);
    if (j->a != NULL)
        archive_read_free(j->a);
    as_age_decryptor_free(j->dec);
    if (j->fd >= 0)
        close(j->fd);
    if (j->root >= 0)
        close(j->root);
    free(j->buf);
    free(j->mtext);
    free(j->msig);
    free(j->seen);
    free(j);
}

/* The stages in order; the first failure ends the unseal with its message. */
static int unseal_in_utf8(const as_unseal_opts *o, as_manifest *m, as_error *err)
{
    unseal_job *j = calloc(1, sizeof *j);
    int rc = -1;
    memset(m, 0, sizeof *m);
    if (j == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    j->o = o;
    j->fd = j->root = -1;
    as_progress_start(&j->pg, NULL, "Extracting", 0); /* silent until the manifest is known */
    j->buf = malloc(READ_CHUNK);
    if (j->buf == NULL)
        as_fail(err, AS_ERR_NOMEM, "out of memory");
    else if (open_sealed(j, err) == 0 && open_archive(j, err) == 0 &&
             read_manifest(j, m, err) == 0 && stage_manifest(j, m, err) == 0 &&
             extract_entries(j, m, err) == 0 && finish_archive(j, m, err) == 0)
        rc = 0;
    if (rc != 0)
        as_manifest_free(m);
    unseal_job_free(j);
    return rc;
}

int as_unseal(const as_unseal_opts *o, as_manifest *m, as_error *err)
{
    /* Entry names are read as UTF-8 (see as_seal() in seal.c for why the locale matters). */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 != (locale_t)0 ? uselocale(utf8) : (locale_t)0;
    int rc = unseal_in_utf8(o, m, err);
    if (utf8 != (locale_t)0) {
        uselocale(old);
        freelocale(utf8);
    }
    return rc;
}
