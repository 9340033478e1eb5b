/* vault.c: the evidence vault; see vault.h. */
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../bundle/unseal.h"
#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/sha256.h"

/* %-encodes case_id into out (room for 3 bytes per input byte + 1). */
static size_t pct_encode(const char *case_id, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)case_id[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '-' || (c == '.' && i > 0);
        if (plain) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = digits[c >> 4];
            out[o++] = digits[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

char *as_vault_case_dir(const char *case_id, as_error *err)
{
    size_t n = strlen(case_id);
    char *out = malloc(3 * n + 1);
    if (out == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (pct_encode(case_id, n, out) <= AS_VAULT_CASE_DIR_MAX)
        return out;
    /*
     * Too long for one folder name: the encoding of the longest prefix of whole UTF-8
     * characters that fits, "~" (never in an encoding, so no clash with a short name), and
     * the digest of the whole case id. The case id itself stays in the entry and the log.
     */
    size_t room = AS_VAULT_CASE_DIR_MAX - 1 - AS_VAULT_CASE_DIGEST_HEX, take = 0, used = 0;
    while (take < n) {
        size_t ch = 1;
        while (take + ch < n && ((unsigned char)case_id[take + ch] & 0xC0) == 0x80)
            ch++;
        char tmp[3 * 8 + 1];
        size_t w = ch <= 8 ? pct_encode(case_id + take, ch, tmp) : room + 1;
        if (take > 0 && case_id[take] == '.')
            w = 1; /* a '.' after the start stays plain */
        if (used + w > room)
            break;
        used += w;
        take += ch;
    }
    used = pct_encode(case_id, take, out);
    uint8_t d[32];
    as_sha256(d, case_id, n);
    out[used++] = '~';
    as_hex_encode(out + used, d, AS_VAULT_CASE_DIGEST_HEX / 2);
    out[used + AS_VAULT_CASE_DIGEST_HEX] = '\0';
    return out;
}

char *as_vault_entry_path(const as_station *st, const char *case_id, const char *bundle_id,
                          as_error *err)
{
    char *c = as_vault_case_dir(case_id, err);
    if (c == NULL)
        return NULL;
    char *p = as_path_fmt(err, "%s/%s/%s/%s", st->dir, AS_STATION_VAULT, c, bundle_id);
    free(c);
    return p;
}

/* chmod a-w everything below dirfd (files 0444, folders 0555), fsyncing files. */
static int freeze(int dfd, const char *path, int depth, as_error *err)
{
    /* depth 0 is the entry, 1 evidence/; manifest paths keep folders at most this deep */
    if (depth > AS_PATH_MAX_DEPTH)
        return as_fail(err, AS_ERR_LIMIT, "folders nested too deeply");
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", path);
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot stat %s/%s", path, e->d_name);
        } else if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0)
                rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s/%s", path, e->d_name);
            else if (freeze(sub, e->d_name, depth + 1, err) != 0)
                rc = -1;
            else if (fchmodat(dirfd(d), e->d_name, 0555, 0) != 0)
                rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot protect %s", e->d_name);
        } else if (S_ISREG(st.st_mode)) {
            int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 || fchmod(fd, 0444) != 0 || fsync(fd) != 0)
                rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot protect %s", e->d_name);
            if (fd >= 0)
                close(fd);
        } else {
            rc = as_fail(err, AS_ERR_INTERNAL, "unexpected file type in staging: %s", e->d_name);
        }
    }
    if (rc == 0 && fsync(dirfd(d)) != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot sync %s", path);
    closedir(d);
    return rc;
}

int as_vault_commit(const char *staged, const char *final, as_error *err)
{
    int fd = open(staged, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s", staged);
    if (freeze(fd, staged, 0, err) != 0 || chmod(staged, 0555) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot protect %s", staged);
    as_fault_point("import:staging-frozen");
    char *parent = strdup(final);
    if (parent == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    *strrchr(parent, '/') = '\0';
    int rc = as_mkdir_p(parent, 0700, err);
    if (rc == 0) {
        as_fault_point("import:before-commit");
        /* rename(2) fails on an existing non-empty directory: never replaces an entry */
        if (rename(staged, final) != 0)
            rc = as_fail_errno(err,
                               errno == ENOTEMPTY || errno == EEXIST ? AS_ERR_EXISTS : AS_ERR_IO,
                               errno, "cannot move the bundle into the vault (%s)", final);
    }
    if (rc == 0) {
        as_fault_point("import:after-commit");
        rc = as_fsync_dir(parent, err);
        /* The rename may not be durable: undo it, so the import fails whole (staging is
         * cleared by the caller) rather than leave an entry the custody log never names. */
        if (rc != 0 && rename(final, staged) == 0)
            (void)rmdir(parent); /* the case folder, if this entry was its first */
    }
    free(parent);
    return rc;
}

int as_vault_signer(const char *entry, uint8_t keynum[AS_MINI_KEYNUM_LEN], as_error *err)
{
    char *path = as_path_join(entry, "bundle.age.minisig", err);
    uint8_t *data = NULL;
    size_t len;
    as_mini_sig *s = malloc(sizeof *s);
    int rc = -1;
    if (path != NULL && s != NULL &&
        as_file_read_all_flags(path, 16384, AS_FILE_NOFOLLOW, &data, &len, err) == 0 &&
        as_mini_sig_parse(s, data, len, err) == 0) {
        memcpy(keynum, s->keynum, AS_MINI_KEYNUM_LEN);
        rc = 0;
    }
    free(s);
    free(data);
    free(path);
    return rc;
}

/* Counts regular files below dir (relative names must all be in the manifest). */
static int check_tree(const char *root, const char *rel, const as_manifest *m, uint64_t *count,
                      int depth, as_error *err)
{
    char *path = rel[0] ? as_path_join(root, rel, err) : strdup(root);
    if (path == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    /* depth 0 is evidence/ itself: a valid path has at most AS_PATH_MAX_DEPTH - 1 folders */
    DIR *d = depth >= AS_PATH_MAX_DEPTH ? NULL : opendir(path);
    if (d == NULL) {
        as_fail_errno(err, AS_ERR_REJECTED, errno, "cannot read %s", path);
        free(path);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *sub = rel[0] ? as_path_join(rel, e->d_name, err) : strdup(e->d_name);
        struct stat st;
        char *full = sub ? as_path_join(root, sub, err) : NULL;
        if (full == NULL || lstat(full, &st) != 0)
            rc = as_fail(err, AS_ERR_IO, "cannot read %s", full ? full : e->d_name);
        else if (S_ISDIR(st.st_mode))
            rc = check_tree(root, sub, m, count, depth + 1, err);
        else if (!S_ISREG(st.st_mode) || as_manifest_find(m, sub) == NULL)
            rc = as_fail(err, AS_ERR_REJECTED, "evidence/%s is not listed in the manifest", sub);
        else
            (*count)++;
        free(full);
        free(sub);
    }
    closedir(d);
    free(path);
    return rc;
}

/* The sealed file: its signature by signer (read from entry/bundle.age.minisig) and the
 * trusted comment it carries, into rep. */
static int verify_sealed(const char *entry, const as_mini_pubkey *signer, as_vault_report *rep,
                         as_error *err)
{
    uint8_t *sig = NULL;
    size_t siglen;
    as_mini_sig *s = malloc(sizeof *s);
    char *p_age = as_path_join(entry, "bundle.age", err);
    char *p_sig = as_path_join(entry, "bundle.age.minisig", err);
    int rc = -1;
    if (s == NULL || p_age == NULL || p_sig == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (as_file_read_all_flags(p_sig, 16384, AS_FILE_NOFOLLOW, &sig, &siglen, err) != 0 ||
        as_mini_sig_parse(s, sig, siglen, err) != 0 ||
        as_mini_verify_file(signer, s, p_age, false, err) != 0 ||
        as_bundle_comment_parse(&rep->comment, s->trusted, err) != 0) {
        as_error_prefix(err, "bundle.age: ");
        goto out;
    }
    as_mini_keyid(s->keynum, rep->signer);
    rc = 0;
out:
    free(s);
    free(sig);
    free(p_age);
    free(p_sig);
    return rc;
}

/* The manifest: signed by signer and agreeing with the sealed file's comment; parsed into m. */
static int verify_manifest(const char *entry, const as_mini_pubkey *signer,
                           const as_vault_report *rep, as_manifest *m, as_error *err)
{
    uint8_t *mtext = NULL, *msig = NULL;
    size_t mlen, mslen;
    char *p_man = as_path_join(entry, AS_TAR_MANIFEST, err);
    char *p_msig = as_path_join(entry, AS_TAR_MANIFEST_SIG, err);
    int rc = -1;
    if (p_man != NULL && p_msig != NULL &&
        as_file_read_all_flags(p_man, AS_MANIFEST_MAX_BYTES, AS_FILE_NOFOLLOW, &mtext, &mlen,
                               err) == 0 &&
        as_file_read_all_flags(p_msig, 16384, AS_FILE_NOFOLLOW, &msig, &mslen, err) == 0)
        rc =
            as_manifest_verify(mtext, mlen, msig, mslen, signer, &rep->comment, NULL, NULL, m, err);
    free(mtext);
    free(msig);
    free(p_man);
    free(p_msig);
    return rc;
}

/* One evidence file against its manifest line: present, same size and SHA-256. buf is a
 * 1 MiB scratch buffer. Adds its size to *bytes. */
static int check_file(const char *evidence, const as_manifest_file *f, uint8_t *buf,
                      uint64_t *bytes, as_error *err)
{
    char *path = as_path_fmt(err, "%s/%s", evidence, f->path);
    uint64_t size;
    int fd = path ? as_file_open_read(path, AS_FILE_NOFOLLOW, &size, err) : -1;
    free(path);
    if (fd < 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_REJECTED, "evidence/%s is missing from the vault entry",
                       f->path);
    }
    as_sha256_ctx h;
    ssize_t n;
    uint64_t got = 0;
    uint8_t d[32];
    as_sha256_init(&h);
    while ((n = read(fd, buf, 1 << 20)) > 0) {
        as_sha256_update(&h, buf, (size_t)n);
        got += (uint64_t)n;
    }
    close(fd);
    as_sha256_final(&h, d);
    if (n < 0 || got != f->size || !as_equal_ct(d, f->sha256, 32))
        return as_fail(err, AS_ERR_REJECTED, "evidence/%s does not match the manifest (%s)",
                       f->path, got != f->size ? "size" : "SHA-256");
    *bytes += got;
    return 0;
}

int as_vault_verify(const char *entry, const as_mini_pubkey *signer, as_vault_report *rep,
                    as_error *err)
{
    as_manifest m;
    uint8_t *buf = NULL;
    uint64_t count = 0;
    int rc = -1;
    char *p_ev = as_path_join(entry, "evidence", err);
    memset(rep, 0, sizeof *rep);
    memset(&m, 0, sizeof m);
    if (p_ev == NULL || verify_sealed(entry, signer, rep, err) != 0 ||
        verify_manifest(entry, signer, rep, &m, err) != 0)
        goto out;
    buf = malloc(1 << 20);
    if (buf == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < m.nfiles; i++)
        if (check_file(p_ev, &m.files[i], buf, &rep->bytes_checked, err) != 0)
            goto out;
    /* and evidence/ holds nothing the manifest does not list */
    if (m.nfiles > 0 && check_tree(p_ev, "", &m, &count, 0, err) != 0)
        goto out;
    rep->files_checked = m.nfiles;
    rc = 0;
out:
    as_manifest_free(&m);
    free(buf);
    free(p_ev);
    return rc;
}
