/* evidence.c: collecting the files to seal; see evidence.h. */
#include "evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/file.h"
#include "manifest.h"

void as_evidence_free(as_evidence *ev)
{
    for (size_t i = 0; i < ev->n; i++) {
        free(ev->v[i].source);
        free(ev->v[i].name);
    }
    free(ev->v);
    memset(ev, 0, sizeof *ev);
}

static int refuse_type(const char *path, mode_t mode, as_error *err)
{
    if (S_ISLNK(mode))
        return as_fail(err, AS_ERR_REJECTED,
                       "%s is a symbolic link; airseal never follows links: give the file or "
                       "folder it points to",
                       path);
    return as_fail(err, AS_ERR_REJECTED,
                   "%s is a special file (FIFO, device or socket); only regular files can be "
                   "sealed",
                   path);
}

static int add_file(as_evidence *ev, const char *source, const char *name, const struct stat *st,
                    as_error *err)
{
    if (as_evidence_path_check(name, strlen(name), err) != 0) {
        as_error_prefix(err, "%s: cannot be carried: ", source);
        return -1;
    }
    if (ev->n >= AS_MANIFEST_MAX_FILES)
        return as_fail(err, AS_ERR_LIMIT,
                       "more than %d files; seal the evidence in several bundles",
                       AS_MANIFEST_MAX_FILES);
    /* Open it now so an unreadable file is reported before anything is written. */
    int fd = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_REJECTED, errno, "cannot read %s", source);
    close(fd);
    if ((uint64_t)st->st_size > AS_MANIFEST_MAX_TOTAL - ev->total)
        return as_fail(err, AS_ERR_LIMIT, "the evidence exceeds %llu bytes",
                       (unsigned long long)AS_MANIFEST_MAX_TOTAL);
    if ((ev->n & (ev->n - 1)) == 0) { /* grow at powers of two */
        as_evidence_item *v = realloc(ev->v, (ev->n ? ev->n * 2 : 16) * sizeof *v);
        if (v == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        ev->v = v;
    }
    as_evidence_item *it = &ev->v[ev->n];
    it->source = strdup(source);
    it->name = strdup(name);
    if (it->source == NULL || it->name == NULL) {
        free(it->source);
        free(it->name);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    it->size = (uint64_t)st->st_size;
    it->mtime = st->st_mtime;
    ev->total += it->size;
    ev->n++;
    return 0;
}

static int walk(as_evidence *ev, const char *source, const char *name, int depth, as_error *err)
{
    /* name has depth + 1 names; a file in it one more, which must stay within the limit */
    if (depth + 2 > AS_PATH_MAX_DEPTH)
        return as_fail(err, AS_ERR_LIMIT,
                       "%s: cannot be carried: folders nested more than %d deep (a path in a "
                       "bundle has at most %d names)",
                       source, AS_PATH_MAX_DEPTH - 1, AS_PATH_MAX_DEPTH);
    DIR *d = opendir(source);
    if (d == NULL)
        return as_fail_errno(err, AS_ERR_REJECTED, errno, "cannot read folder %s", source);
    size_t before = ev->n;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *src = as_path_join(source, e->d_name, err);
        char *sub = src ? as_path_join(name, e->d_name, err) : NULL;
        struct stat st;
        if (sub == NULL)
            rc = -1;
        else if (lstat(src, &st) != 0)
            rc = as_fail_errno(err, AS_ERR_REJECTED, errno, "cannot read %s", src);
        else if (S_ISDIR(st.st_mode))
            rc = walk(ev, src, sub, depth + 1, err);
        else if (S_ISREG(st.st_mode))
            rc = add_file(ev, src, sub, &st, err);
        else
            rc = refuse_type(src, st.st_mode, err);
        free(src);
        free(sub);
    }
    if (rc == 0 && errno != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot read folder %s", source);
    closedir(d);
    if (rc == 0 && ev->n == before)
        ev->empty_dirs++;
    return rc;
}

int as_evidence_collect(as_evidence *ev, char *const *paths, size_t n, as_error *err)
{
    memset(ev, 0, sizeof *ev);
    if (n == 0)
        return as_fail(err, AS_ERR_USAGE, "no evidence given: name the files or folders to seal");
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (lstat(paths[i], &st) != 0) {
            as_fail_errno(err, errno == ENOENT ? AS_ERR_USAGE : AS_ERR_REJECTED, errno,
                          "cannot read %s", paths[i]);
            goto fail;
        }
        /* The name inside the bundle: the last component, after resolving "." and "..". */
        char real[PATH_MAX];
        const char *base = as_path_base(paths[i]);
        size_t blen = strlen(paths[i]);
        while (blen > 1 && paths[i][blen - 1] == '/')
            blen--;
        char trimmed[PATH_MAX];
        if (blen >= sizeof trimmed) {
            as_fail(err, AS_ERR_USAGE, "path too long: %s", paths[i]);
            goto fail;
        }
        memcpy(trimmed, paths[i], blen);
        trimmed[blen] = '\0';
        base = as_path_base(trimmed);
        if (S_ISDIR(st.st_mode) &&
            (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0')) {
            if (realpath(trimmed, real) == NULL) {
                as_fail_errno(err, AS_ERR_USAGE, errno, "cannot resolve %s", paths[i]);
                goto fail;
            }
            base = as_path_base(real);
            if (base[0] == '\0') {
                as_fail(err, AS_ERR_USAGE, "refusing to seal the root folder; name a folder");
                goto fail;
            }
        }
        int rc;
        if (S_ISDIR(st.st_mode))
            rc = walk(ev, trimmed, base, 0, err);
        else if (S_ISREG(st.st_mode))
            rc = add_file(ev, trimmed, base, &st, err);
        else
            rc = refuse_type(paths[i], st.st_mode, err);
        if (rc != 0)
            goto fail;
    }
    if (ev->n == 0) {
        as_fail(err, AS_ERR_USAGE, "no files to seal: the folders given are empty");
        goto fail;
    }
    return 0;
fail:
    as_evidence_free(ev);
    return -1;
}
