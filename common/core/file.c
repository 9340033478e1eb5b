/* file.c: defensive files; see file.h. */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "faults.h"

/* What a non-regular file is, for the refusal line. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a folder"
           : S_ISFIFO(m) ? "a FIFO (named pipe)"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISLNK(m)  ? "a symbolic link"
                         : "not a regular file";
}

int as_file_open_read(const char *path, int flags, uint64_t *size, as_error *err)
{
    /*
     * The type is checked before open(2) touches the file: opening a FIFO blocks until a
     * writer comes, and opening some devices has effects (a tape rewinds). O_NONBLOCK covers
     * the window between the check and the open (a FIFO swapped in then opens without
     * waiting and is refused by fstat); it is cleared before any read.
     */
    struct stat pre;
    int (*statf)(const char *, struct stat *) = (flags & AS_FILE_NOFOLLOW) ? lstat : stat;
    if (statf(path, &pre) != 0)
        return as_fail_errno(err, errno == ENOENT ? AS_ERR_USAGE : AS_ERR_IO, errno,
                             "cannot open %s", path);
    if (S_ISLNK(pre.st_mode))
        return as_fail(err, AS_ERR_REJECTED, "%s: is a symbolic link; refusing to follow it", path);
    if (!S_ISREG(pre.st_mode))
        return as_fail(err, AS_ERR_REJECTED, "%s: is %s, not a regular file; refusing to read it",
                       path, file_kind(pre.st_mode));
    int oflags = ((flags & AS_FILE_RDWR) ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    if (flags & AS_FILE_NOFOLLOW)
        oflags |= O_NOFOLLOW;
    int fd = open(path, oflags);
    if (fd < 0) {
        if (errno == ELOOP && (flags & AS_FILE_NOFOLLOW))
            return as_fail(err, AS_ERR_REJECTED, "%s: is a symbolic link; refusing to follow it",
                           path);
        return as_fail_errno(err, errno == ENOENT ? AS_ERR_USAGE : AS_ERR_IO, errno,
                             "cannot open %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot stat %s", path);
    }
    if (!S_ISREG(st.st_mode) || st.st_dev != pre.st_dev || st.st_ino != pre.st_ino) {
        close(fd);
        return as_fail(err, AS_ERR_REJECTED,
                       "%s: changed while being opened (now %s); refusing to read it", path,
                       S_ISREG(st.st_mode) ? "another file" : file_kind(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot read %s", path);
    }
    if (size != NULL)
        *size = (uint64_t)st.st_size;
    return fd;
}

static int read_fd_into(int fd, uint64_t size, size_t max, const char *path, uint8_t *dst,
                        size_t *len, as_error *err)
{
    size_t got = 0;
    /* Read one byte past the expected size, so a file that grows while we read is noticed
     * and capped rather than silently truncated. */
    while (got <= max) {
        ssize_t k = read(fd, dst + got, max + 1 - got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", path);
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    (void)size;
    if (got > max)
        return as_fail(err, AS_ERR_LIMIT, "%s: larger than the %zu-byte limit", path, max);
    *len = got;
    return 0;
}

int as_file_read_all_flags(const char *path, size_t max, int flags, uint8_t **out, size_t *len,
                           as_error *err)
{
    uint64_t size;
    int fd = as_file_open_read(path, flags, &size, err);
    if (fd < 0)
        return -1;
    if (size > max) {
        close(fd);
        return as_fail(err, AS_ERR_LIMIT, "%s: %llu bytes, larger than the %zu-byte limit", path,
                       (unsigned long long)size, max);
    }
    uint8_t *buf = malloc(max + 2);
    if (buf == NULL) {
        close(fd);
        return as_fail(err, AS_ERR_NOMEM, "out of memory reading %s", path);
    }
    int rc = read_fd_into(fd, size, max, path, buf, len, err);
    close(fd);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    buf[*len] = '\0';
    *out = buf;
    return 0;
}

int as_file_read_all(const char *path, size_t max, uint8_t **out, size_t *len, as_error *err)
{
    return as_file_read_all_flags(path, max, 0, out, len, err);
}

int as_file_read_secret(const char *path, size_t max, as_buf *out, as_error *err)
{
    as_buf_init_secret(out, max + 2);
    uint64_t size;
    int fd = as_file_open_read(path, 0, &size, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot stat %s", path);
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        return as_fail(err, AS_ERR_KEY,
                       "%s: secret file is accessible to group or others (mode %04o); run: "
                       "chmod 600 %s",
                       path, (unsigned)(st.st_mode & 07777), path);
    }
    if (size > max) {
        close(fd);
        return as_fail(err, AS_ERR_LIMIT, "%s: larger than the %zu-byte limit", path, max);
    }
    if (as_buf_append(out, "", 0, err) != 0 || as_buf_terminate(out, err) != 0) {
        close(fd);
        return -1;
    }
    /* grow the secret buffer to max+2 once, then read in place */
    uint8_t zero[1] = {0};
    while (out->cap < max + 2)
        if (as_buf_append(out, zero, 1, err) != 0) {
            close(fd);
            return -1;
        }
    out->len = 0;
    size_t len;
    int rc = read_fd_into(fd, size, max, path, out->data, &len, err);
    close(fd);
    if (rc != 0) {
        as_buf_free(out);
        return -1;
    }
    out->len = len;
    out->data[len] = '\0';
    return 0;
}

int as_fsync_dir(const char *dir, as_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open directory %s", dir);
    /* Some file systems (FAT on USB sticks, some network mounts) refuse fsync on a directory;
     * the data itself was fsynced, so EINVAL is not an error. */
    if ((as_fault_check("fsync") != 0 || fsync(fd) != 0) && errno != EINVAL && errno != EROFS) {
        int e = errno;
        close(fd);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot sync directory %s", dir);
    }
    close(fd);
    return 0;
}

int as_fsync_parent(const char *path, as_error *err)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return as_fsync_dir(".", err);
    if (slash == path)
        return as_fsync_dir("/", err);
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(dir, path, n);
    dir[n] = '\0';
    int rc = as_fsync_dir(dir, err);
    free(dir);
    return rc;
}

static int write_and_sync(int fd, const void *data, size_t len, const char *path, as_error *err)
{
    if (as_write_fd_all(fd, data, len, path, err) != 0)
        return -1;
    if (as_fault_check("fsync") != 0 || fsync(fd) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno ? errno : EIO, "cannot sync %s", path);
    return 0;
}

int as_file_create_excl(const char *path, const void *data, size_t len, mode_t mode, as_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return as_fail(err, AS_ERR_EXISTS, "%s already exists; refusing to overwrite it", path);
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", path);
    }
    /* The umask may have removed bits, never added: enforce the exact mode. */
    if (fchmod(fd, mode) != 0 || write_and_sync(fd, data, len, path, err) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", path);
        close(fd);
        unlink(path);
        return -1;
    }
    if (close(fd) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", path);
        unlink(path);
        return -1;
    }
    return as_fsync_parent(path, err);
}

char *as_path_fmt(as_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= PATH_MAX) {
        as_fail(err, AS_ERR_LIMIT, "path too long");
        return NULL;
    }
    char *p = malloc((size_t)n + 1);
    if (p == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *as_path_join(const char *a, const char *b, as_error *err)
{
    size_t la = strlen(a);
    if (la > 0 && a[la - 1] == '/')
        return as_path_fmt(err, "%s%s", a, b);
    return as_path_fmt(err, "%s/%s", a, b);
}

const char *as_path_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s == NULL ? path : s + 1;
}

/* A temporary name beside path: "<dir>/.<base>.tmp-XXXXXX". */
static char *temp_name(const char *path, as_error *err)
{
    const char *base = as_path_base(path);
    int dirlen = (int)(base - path);
    return as_path_fmt(err, "%.*s.%s.tmp-XXXXXX", dirlen, path, base);
}

int as_outfile_open(as_outfile *o, const char *path, mode_t mode, as_error *err)
{
    memset(o, 0, sizeof *o);
    o->fd = -1;
    o->path = strdup(path);
    o->tmp = temp_name(path, err);
    if (o->path == NULL || o->tmp == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd < 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create a file beside %s", path);
        goto fail;
    }
    if (fchmod(o->fd, mode) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot set the mode of %s", o->tmp);
        goto fail;
    }
    as_fd_writer_init(&o->w, o->fd, o->path);
    return 0;
fail:
    as_outfile_abort(o);
    return -1;
}

int as_outfile_commit(as_outfile *o, bool no_replace, as_error *err)
{
    if (as_fault_check("fsync") != 0 || fsync(o->fd) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno ? errno : EIO, "cannot sync %s", o->path);
        goto fail;
    }
    if (close(o->fd) != 0) {
        o->fd = -1;
        as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->path);
        goto fail;
    }
    o->fd = -1;
    as_fault_point("file:synced");
    if (no_replace) {
        /* link() fails if the target exists; it is atomic where rename(2) would replace. */
        if (link(o->tmp, o->path) != 0) {
            if (errno == EEXIST)
                as_fail(err, AS_ERR_EXISTS, "%s already exists; refusing to overwrite it", o->path);
            else
                as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", o->path);
            goto fail;
        }
        unlink(o->tmp);
    } else if (rename(o->tmp, o->path) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot move %s into place", o->path);
        goto fail;
    }
    o->committed = true;
    as_fault_point("file:renamed");
    if (as_fsync_parent(o->path, err) != 0)
        goto fail;
    as_outfile_abort(o);
    return 0;
fail:
    as_outfile_abort(o);
    return -1;
}

void as_outfile_abort(as_outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp != NULL && !o->committed)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    o->tmp = o->path = NULL;
}

int as_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode, as_error *err)
{
    as_outfile o;
    if (as_outfile_open(&o, path, mode, err) != 0)
        return -1;
    if (as_write(&o.w.base, data, len, err) != 0) {
        as_outfile_abort(&o);
        return -1;
    }
    return as_outfile_commit(&o, false, err);
}

int as_mkdir_p(const char *dir, mode_t mode, as_error *err)
{
    char *p = strdup(dir);
    if (p == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    for (char *s = p + 1;; s++) {
        int last = (*s == '\0');
        if (*s == '/' || last) {
            *s = '\0';
            if (mkdir(p, mode) != 0 && errno != EEXIST) {
                as_fail_errno(err, AS_ERR_IO, errno, "cannot create directory %s", p);
                free(p);
                return -1;
            }
            if (last)
                break;
            *s = '/';
        }
    }
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
        as_fail(err, AS_ERR_IO, "%s exists and is not a directory", p);
        free(p);
        return -1;
    }
    free(p);
    return 0;
}

/*
 * One folder on the way down: its name in its parent, and the parent's identity, so the way
 * back up through ".." is checked to land where it came from.
 */
typedef struct rm_level {
    char name[NAME_MAX + 1];
    dev_t pdev;
    ino_t pino;
} rm_level;

/* Deeper than any tree airseal writes by far; bounds the stack (about 17 MiB) all the same. */
#define RM_MAX_DEPTH 65536

/*
 * Unlinks every entry of the folder open as dfd that is not a folder, never following links.
 * Returns 1 with the name of a subfolder in sub (made writable so it can be emptied), 0 when
 * the folder is empty, -1 on error. The descriptor's offset is rewound first: it is shared
 * with every earlier pass over the same folder.
 */
static int unlink_files(int dfd, char sub[NAME_MAX + 1], const char *path, as_error *err)
{
    int dup_fd = dup(dfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (dup_fd >= 0)
            close(dup_fd);
        return as_fail_errno(err, AS_ERR_IO, e, "cannot read a folder below %s", path);
    }
    rewinddir(d);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot stat %s below %s", e->d_name, path);
        } else if (S_ISDIR(st.st_mode)) {
            /* A read-only folder cannot lose entries; if the chmod fails, the removal says why. */
            if ((st.st_mode & 0700) != 0700 && fchmodat(dfd, e->d_name, 0700, 0) != 0) {
                /* nothing to do here: the removal below it fails and names the folder */
            }
            snprintf(sub, NAME_MAX + 1, "%s", e->d_name);
            rc = 1;
        } else if (unlinkat(dfd, e->d_name, 0) != 0) {
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot remove %s below %s", e->d_name, path);
        }
    }
    if (rc == 0 && errno != 0)
        rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot read a folder below %s", path);
    closedir(d);
    return rc;
}

/*
 * Removes everything inside the folder open as fd (taken over and closed), at any depth and
 * whatever the length of the paths below it: one descriptor at a time, names relative to it
 * (openat, unlinkat), an explicit stack instead of recursion, and the way back up through ".."
 * checked against the recorded parent. No path longer than one name is ever built.
 */
static int remove_inside(int fd, const char *path, as_error *err)
{
    rm_level *stack = NULL;
    size_t depth = 0, cap = 0;
    int rc = 0;
    for (;;) {
        char sub[NAME_MAX + 1];
        int found = unlink_files(fd, sub, path, err);
        if (found < 0) {
            rc = -1;
            break;
        }
        if (found == 1) {
            struct stat pst;
            if (depth == RM_MAX_DEPTH) {
                rc = as_fail(err, AS_ERR_LIMIT, "%s: folders nested more than %d deep", path,
                             RM_MAX_DEPTH);
                break;
            }
            if (depth == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                rm_level *ns = realloc(stack, ncap * sizeof *ns);
                if (ns == NULL) {
                    rc = as_fail(err, AS_ERR_NOMEM, "out of memory");
                    break;
                }
                stack = ns;
                cap = ncap;
            }
            int child = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0 || fstat(fd, &pst) != 0) {
                rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s below %s", sub, path);
                if (child >= 0)
                    close(child);
                break;
            }
            memcpy(stack[depth].name, sub, sizeof sub);
            stack[depth].pdev = pst.st_dev;
            stack[depth].pino = pst.st_ino;
            depth++;
            close(fd);
            fd = child;
            continue;
        }
        if (depth == 0)
            break;
        int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat ust;
        depth--;
        if (up < 0 || fstat(up, &ust) != 0 || ust.st_dev != stack[depth].pdev ||
            ust.st_ino != stack[depth].pino) {
            rc = as_fail(err, AS_ERR_IO, "%s: a folder below it moved while it was being removed",
                         path);
            if (up >= 0)
                close(up);
            break;
        }
        close(fd);
        fd = up;
        if (unlinkat(fd, stack[depth].name, AT_REMOVEDIR) != 0) {
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot remove %s below %s",
                               stack[depth].name, path);
            break;
        }
    }
    close(fd);
    free(stack);
    return rc;
}

int as_remove_tree(const char *path, as_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot stat %s", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot remove %s", path);
        return 0;
    }
    if (chmod(path, 0700) != 0)
        errno = 0; /* reported by the removal if it matters */
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open %s", path);
    if (remove_inside(fd, path, err) != 0)
        return -1;
    if (rmdir(path) != 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot remove %s", path);
    return 0;
}

int as_path_exists(const char *path, as_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return 1;
    if (errno == ENOENT)
        return 0;
    return as_fail_errno(err, AS_ERR_IO, errno, "cannot stat %s", path);
}

int as_dir_is_empty(const char *dir, as_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot open directory %s", dir);
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

int as_outdir_prepare(const char *dir, bool *created, as_error *err)
{
    *created = false;
    int ex = as_path_exists(dir, err);
    if (ex < 0)
        return -1;
    if (!ex) {
        if (mkdir(dir, 0755) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot create %s", dir);
        *created = true;
        return 0;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return as_fail(err, AS_ERR_USAGE, "%s exists and is not a folder", dir);
    as_error e = {0};
    if (as_dir_is_empty(dir, &e) != 1)
        return as_fail(err, AS_ERR_EXISTS, "%s exists and is not empty; give a new or empty folder",
                       dir);
    return 0;
}

void as_outdir_discard(const char *dir, bool created)
{
    if (created) {
        as_remove_tree(dir, NULL);
        return;
    }
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = as_path_join(dir, e->d_name, NULL);
        if (p != NULL)
            as_remove_tree(p, NULL);
        free(p);
    }
    closedir(d);
}

int as_dir_each(const char *dir, size_t *budget, size_t max_files, as_dir_visit visit, void *ctx,
                as_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read folder %s", dir);
    struct dirent *e;
    int rc = 0;
    while (rc >= 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (*budget == 0) {
            rc = as_fail(err, AS_ERR_LIMIT, "more than %zu files in the sources", max_files);
            break;
        }
        --*budget;
        char *p = as_path_join(dir, e->d_name, err);
        rc = p != NULL ? visit(p, ctx, err) : -1;
        free(p);
    }
    closedir(d);
    return rc < 0 ? -1 : 0;
}
