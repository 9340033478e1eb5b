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
#include "../core/text.h"
#include "../crypto/age.h"
#include "../crypto/sha256.h"
#include "../core/progress.h"

#define READ_CHUNK 65536
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

typedef struct source {
    as_reader *plain;
    uint8_t buf[READ_CHUNK];
    as_error *err;
    as_progress *pg;
} source;

static la_ssize_t source_read(struct archive *a, void *ctx, const void **out)
{
    source *s = ctx;
    ssize_t n = as_read(s->plain, s->buf, sizeof s->buf, s->err);
    if (n < 0) {
        archive_set_error(a, EIO, "%s", s->err->msg);
        return -1;
    }
    *out = s->buf;
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
        as_fail(err, AS_ERR_REJECTED, "archive entry without a name");
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
        return as_fail(err, AS_ERR_REJECTED,
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
        return as_fail(err, err->code ? err->code : AS_ERR_REJECTED,
                       "%s is truncated in the archive%s%s", want, got < 0 ? ": " : "",
                       got < 0 ? archive_error_string(a) : "");
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

static int extract_file(struct archive *a, struct archive_entry *e, int root, const char *rel,
                        const as_manifest_file *f, uint8_t *buf, as_progress *pg, as_error *err)
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
    as_sha256_ctx h;
    as_sha256_init(&h);
    uint64_t got = 0;
    int rc = 0;
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, READ_CHUNK);
        if (n < 0) {
            rc = as_fail(err, err->code ? err->code : AS_ERR_REJECTED, "%s: %s", rel,
                         archive_error_string(a) ? archive_error_string(a) : "read error");
            break;
        }
        if (n == 0)
            break;
        got += (uint64_t)n;
        if (got > f->size) {
            rc = as_fail(err, AS_ERR_REJECTED, "%s: more data than declared", rel);
            break;
        }
        as_sha256_update(&h, buf, (size_t)n);
        if (as_write_fd_all(fd, buf, (size_t)n, path, err) != 0) {
            rc = -1;
            break;
        }
        as_progress_add(pg, (uint64_t)n);
    }
    if (rc == 0 && got != f->size)
        rc = as_fail(err, AS_ERR_REJECTED, "%s: truncated (%llu of %llu bytes)", rel,
                     (unsigned long long)got, (unsigned long long)f->size);
    if (rc == 0) {
        uint8_t d[32];
        as_sha256_final(&h, d);
        if (!as_equal_ct(d, f->sha256, 32))
            rc =
                as_fail(err, AS_ERR_REJECTED, "%s does not match its SHA-256 in the manifest", rel);
    }
    if (rc == 0) {
        /* keep the file's recorded modification time: it can matter as evidence */
        struct timespec ts[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(e), 0}};
        if (archive_entry_mtime_is_set(e) && archive_entry_mtime(e) >= 0)
            futimens(fd, ts);
        if (fsync(fd) != 0)
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", path);
    }
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

static int unseal_in_utf8(const as_unseal_opts *o, as_manifest *m, as_error *err)
{
    int fd = -1, root = -1, rc = -1;
    as_age_decryptor *d = NULL;
    struct archive *a = NULL;
    uint8_t *mtext = NULL, *msig = NULL, *buf = NULL;
    bool *seen = NULL;
    size_t mlen = 0, slen = 0;
    source *src = NULL;
    as_progress pg;
    memset(m, 0, sizeof *m);
    as_progress_start(&pg, NULL, "Extracting", 0);

    fd = as_file_open_read(o->sealed_path, AS_FILE_NOFOLLOW, NULL, err);
    root = open(o->dest, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    src = malloc(sizeof *src);
    buf = malloc(READ_CHUNK);
    if (fd < 0 || src == NULL || buf == NULL) {
        if (fd >= 0)
            as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (root < 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s", o->dest);
        goto out;
    }
    as_fd_reader r;
    as_fd_reader_init(&r, fd, "bundle.age");
    as_age_identity *ids[1] = {o->identity};
    as_age_pq_identity *pq_ids[1] = {o->pq_identity};
    as_age_keyring keys = {.identities = ids,
                           .nidentities = o->identity != NULL,
                           .pq_identities = pq_ids,
                           .npq_identities = o->pq_identity != NULL};
    d = as_age_decrypt_open(&r.base, &keys, AS_AGE_ARMOR_NEVER, err);
    if (d == NULL) {
        if (err->code == AS_ERR_NO_MATCH) {
            as_error_clear(err);
            no_match(fd, o->pq_identity != NULL, err);
        } else {
            as_error_prefix(err, "bundle.age: ");
        }
        goto out;
    }
    as_fault_point("import:header-opened");
    src->plain = as_age_decryptor_reader(d);
    src->err = err;
    src->pg = &pg;
    a = archive_read_new();
    if (a == NULL || archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_open2(a, src, NULL, source_read, NULL, NULL) != ARCHIVE_OK) {
        as_fail(err, err->code ? err->code : AS_ERR_REJECTED,
                "bundle.age does not hold a tar archive%s%s", a ? ": " : "",
                a && archive_error_string(a) ? archive_error_string(a) : "");
        goto out;
    }

    /* manifest.txt and its signature come first */
    struct archive_entry *e;
    if (archive_read_next_header(a, &e) != ARCHIVE_OK ||
        read_small(a, e, AS_TAR_MANIFEST, AS_MANIFEST_MAX_BYTES, &mtext, &mlen, err) != 0 ||
        archive_read_next_header(a, &e) != ARCHIVE_OK ||
        read_small(a, e, AS_TAR_MANIFEST_SIG, SIG_MAX, &msig, &slen, err) != 0) {
        as_fail(err, AS_ERR_REJECTED,
                "the archive does not start with manifest.txt and its "
                "signature");
        goto out;
    }
    as_age_recipient me;
    as_age_pq_recipient me_pq;
    if (o->identity != NULL)
        as_age_identity_recipient(o->identity, &me);
    if (o->pq_identity != NULL)
        as_age_pq_identity_recipient(o->pq_identity, &me_pq);
    if (as_manifest_verify(mtext, mlen, msig, slen, o->signer, o->comment, o->identity ? &me : NULL,
                           o->pq_identity ? &me_pq : NULL, m, err) != 0 ||
        check_path_room(m, o->entry_path_max ? o->entry_path_max : strlen(o->dest), err) != 0 ||
        check_space(o->dest, m->total_bytes + (1u << 20), err) != 0 ||
        write_small(root, AS_TAR_MANIFEST, mtext, mlen, err) != 0 ||
        write_small(root, AS_TAR_MANIFEST_SIG, msig, slen, err) != 0 ||
        mkdirat(root, "evidence", 0700) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create the evidence folder");
        goto out;
    }
    as_fault_point("import:manifest-verified");
    seen = calloc(m->nfiles ? m->nfiles : 1, sizeof *seen);
    if (seen == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    as_progress_start(&pg, o->progress, "Extracting", m->total_bytes);

    size_t entries = 2, dirs = 0;
    for (;;) {
        int h = archive_read_next_header(a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h != ARCHIVE_OK) {
            as_fail(err, err->code ? err->code : AS_ERR_REJECTED, "damaged archive: %s",
                    archive_error_string(a) ? archive_error_string(a) : "bad header");
            goto out;
        }
        if (++entries > m->nfiles + 2 + AS_MANIFEST_MAX_FILES) {
            as_fail(err, AS_ERR_LIMIT, "the archive has too many entries");
            goto out;
        }
        const char *name = entry_name(e, err);
        if (name == NULL)
            goto out;
        size_t nlen = strlen(name);
        if (strncmp(name, AS_TAR_EVIDENCE, strlen(AS_TAR_EVIDENCE)) != 0) {
            as_fail(err, AS_ERR_REJECTED, "unexpected archive entry outside evidence/: %.200s",
                    name);
            goto out;
        }
        const char *rel = name + strlen(AS_TAR_EVIDENCE);
        size_t rlen = nlen - strlen(AS_TAR_EVIDENCE);
        unsigned type = archive_entry_filetype(e);
        if (archive_entry_hardlink(e) != NULL) {
            as_fail(err, AS_ERR_REJECTED, "hard link in the archive: %.200s", name);
            goto out;
        }
        if (type == AE_IFDIR) {
            /* folders are only accepted as parents of listed files */
            char dir[AS_PATH_MAX_BYTES + 1];
            if (rlen > 0 && rel[rlen - 1] == '/')
                rlen--;
            if (rlen == 0)
                continue; /* "evidence/" itself */
            if (rlen > AS_PATH_MAX_BYTES || as_evidence_path_check(rel, rlen, err) != 0)
                goto out;
            memcpy(dir, rel, rlen);
            dir[rlen] = '\0';
            if (!is_manifest_dir(m, dir)) {
                as_fail(err, AS_ERR_REJECTED, "folder %s in the archive holds no listed file", dir);
                goto out;
            }
            if (++dirs > AS_MANIFEST_MAX_FILES) {
                as_fail(err, AS_ERR_LIMIT, "too many folders in the archive");
                goto out;
            }
            continue;
        }
        if (type != AE_IFREG) {
            as_fail(err, AS_ERR_REJECTED, "%s in the archive: %.200s",
                    type == AE_IFLNK                       ? "symbolic link"
                    : type == AE_IFCHR || type == AE_IFBLK ? "device file"
                    : type == AE_IFIFO                     ? "FIFO"
                                                           : "special file",
                    name);
            goto out;
        }
        if (as_evidence_path_check(rel, rlen, err) != 0)
            goto out;
        const as_manifest_file *f = as_manifest_find(m, rel);
        if (f == NULL) {
            as_fail(err, AS_ERR_REJECTED,
                    "the archive holds %.200s, which the manifest does not "
                    "list",
                    rel);
            goto out;
        }
        if (seen[f - m->files]) {
            as_fail(err, AS_ERR_REJECTED, "%.200s appears twice in the archive", rel);
            goto out;
        }
        seen[f - m->files] = true;
        if (extract_file(a, e, root, rel, f, buf, &pg, err) != 0)
            goto out;
        as_fault_point("import:file-extracted");
    }
    for (size_t i = 0; i < m->nfiles; i++) {
        if (!seen[i]) {
            as_fail(err, AS_ERR_REJECTED, "the manifest lists %.200s, which the archive lacks",
                    m->files[i].path);
            goto out;
        }
    }
    /* Whatever follows the archive must be zeros, and the age stream must end properly. */
    for (;;) {
        ssize_t n = as_read(src->plain, buf, READ_CHUNK, err);
        if (n < 0) {
            as_error_prefix(err, "bundle.age: ");
            goto out;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != 0) {
                as_fail(err, AS_ERR_REJECTED, "data after the end of the archive");
                goto out;
            }
        }
    }
    as_progress_finish(&pg);
    if (fsync(root) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", o->dest);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        as_manifest_free(m);
    if (a != NULL)
        archive_read_free(a);
    as_age_decryptor_free(d);
    if (fd >= 0)
        close(fd);
    if (root >= 0)
        close(root);
    free(src);
    free(buf);
    free(mtext);
    free(msig);
    free(seen);
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
