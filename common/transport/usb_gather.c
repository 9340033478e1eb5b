/* usb_gather.c: finding the files of one bundle among folders and files, the receiving side;
 * see usb_in.h. */
#include "usb_in_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../crypto/minisign.h"
#include "../crypto/sha256.h"

/* Files looked at in all the folders given, at most. */
#define MAX_SOURCE_FILES 4096

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
    else if (as_file_read_all_flags(path, AS_USB_SIG_MAX, AS_FILE_NOFOLLOW, &data, &len, &why) == 0)
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

/* What a file is, from its first bytes (and its name for a damaged bundle.age or a
 * signature). */
typedef enum {
    FILE_PART,
    FILE_AGE,
    FILE_INDEX,
    FILE_SIG,
    FILE_OTHER
} file_kind;

static bool starts_with(const uint8_t *head, size_t n, const char *lit)
{
    return n >= strlen(lit) && memcmp(head, lit, strlen(lit)) == 0;
}

static file_kind classify(const char *path, const uint8_t *head, size_t n, uint64_t size)
{
    if (starts_with(head, n, AS_PART_MAGIC))
        return FILE_PART;
    /* A file named bundle.age whose first bytes are damaged is still our best copy: its
     * blocks are checked one by one against the index and repaired like any other. */
    if (starts_with(head, n, "age-encryption.org/v1\n") ||
        strcmp(as_path_base(path), AS_USB_AGE) == 0)
        return FILE_AGE;
    if (starts_with(head, n, AS_USB_INDEX_MAGIC "\n"))
        return FILE_INDEX;
    if (named_sig(path) || (starts_with(head, n, "untrusted comment: ") && size <= AS_USB_SIG_MAX))
        return FILE_SIG;
    return FILE_OTHER;
}

/* A part file with a valid header is kept, fd with it (0); a damaged header is ignored (1). */
static int consider_part(as_usb_in *in, const char *path, int fd, uint64_t size,
                         const uint8_t *head, size_t n, as_usb_report *rep, as_error *err)
{
    as_part_header h;
    as_error e = {0};
    if (as_part_header_parse(&h, head, n, &e) != 0 || size < AS_PART_HEADER) {
        rep->ignored++;
        return 1;
    }
    if (claim(in, h.bundle_id, path, err) != 0)
        return -1;
    rep->parts++;
    return add_file(&in->parts, &in->nparts, path, fd, size - AS_PART_HEADER, &h, err);
}

/* An index: the first valid one is kept, and its copy of the signature is a candidate; a
 * damaged one is counted. Returns 1 (the file itself is not kept open) or -1. */
static int consider_index(as_usb_in *in, const char *path, uint64_t size, as_usb_report *rep,
                          as_error *err)
{
    uint8_t *data = NULL;
    size_t len;
    as_usb_index ix;
    as_error e = {0};
    if (size > AS_USB_INDEX_MAX ||
        as_file_read_all_flags(path, AS_USB_INDEX_MAX, AS_FILE_NOFOLLOW, &data, &len, &e) != 0 ||
        as_usb_index_parse(&ix, data, len, &e) != 0) {
        rep->bad_indexes++;
        free(data);
        return 1;
    }
    free(data);
    int rc = claim(in, ix.bundle_id, path, err);
    if (rc == 0 && !in->have_index) {
        in->ix = ix;
        in->have_index = true;
    } else {
        as_usb_index_free(&ix);
    }
    as_error why = {0};
    if (rc == 0 && add_sig(in, in->ix.signature, in->ix.signature_len, path, &why, err) < 0)
        rc = -1;
    return rc < 0 ? -1 : 1;
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
    switch (classify(path, head, (size_t)n, size)) {
    case FILE_PART:
        rc = consider_part(in, path, fd, size, head, (size_t)n, rep, err);
        break;
    case FILE_AGE:
        rc = add_file(&in->raw, &in->nraw, path, fd, size, NULL, err);
        break;
    case FILE_INDEX:
        rc = consider_index(in, path, size, rep, err);
        break;
    case FILE_SIG:
        rc = consider_sig(in, path, size, err);
        rep->ignored += rc > 0;
        rc = rc < 0 ? -1 : 1;
        break;
    case FILE_OTHER:
        rep->ignored++;
        break;
    }
    if (rc != 0)
        close(fd); /* kept files own their descriptor */
    return rc;
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

/* One source: a folder (one level deep, within the budget of files), or a file and the
 * signature beside it. */
static int gather_source(as_usb_in *in, const char *src, size_t *budget, as_usb_report *rep,
                         as_error *err)
{
    struct stat st;
    if (lstat(src, &st) != 0)
        return as_fail_errno(err, AS_ERR_USAGE, errno, "cannot read %s", src);
    if (S_ISDIR(st.st_mode)) {
        gather_ctx g = {.in = in, .rep = rep};
        return as_dir_each(src, budget, MAX_SOURCE_FILES, consider_entry, &g, err);
    }
    if (!S_ISREG(st.st_mode))
        return as_fail(err, AS_ERR_REJECTED, "%s is not a file or a folder", src);
    if (consider(in, src, rep, err) < 0)
        return -1;
    /* a lone bundle.age: its signature beside it */
    char *sig = as_path_fmt(err, "%s.minisig", src);
    int rc = 1;
    if (sig != NULL && as_path_exists(sig, err) == 1)
        rc = consider(in, sig, rep, err);
    free(sig);
    return rc < 0 ? -1 : 0;
}

/* The size the index gives an object. */
static uint64_t object_size(const as_usb_index *ix, const char *object)
{
    return strcmp(object, AS_USB_AGE) == 0 ? ix->layout.size
                                           : (uint64_t)ix->layout.m_total * ix->layout.block;
}

/* True when the index lists part h (or h is the whole, unsplit bundle.parity, which is not
 * listed when there is no parity), with the object size the index gives. */
static bool part_listed(const as_usb_index *ix, const as_part_header *h)
{
    uint64_t osize = object_size(ix, h->object);
    bool ok = false;
    for (size_t j = 0; j < ix->nparts && !ok; j++) {
        const as_usb_part_ref *r = &ix->parts[j];
        ok = strcmp(r->object, h->object) == 0 && r->index == h->index && r->count == h->count &&
             r->offset == h->offset && r->length == h->length;
    }
    if (!ok && strcmp(h->object, AS_USB_PARITY) == 0 && h->count == 1 && h->offset == 0 &&
        h->length == osize && h->object_size == osize)
        ok = true;
    return ok && h->object_size == osize;
}

/* With an index, parts must agree with it: the others are dropped (and counted ignored). */
static void keep_listed_parts(as_usb_in *in, as_usb_report *rep)
{
    size_t keep = 0;
    for (size_t i = 0; i < in->nparts; i++) {
        if (part_listed(&in->ix, &in->parts[i].part)) {
            in->parts[keep++] = in->parts[i];
            continue;
        }
        rep->ignored++;
        close(in->parts[i].fd);
        free(in->parts[i].path);
    }
    in->nparts = keep;
}

/* Something to rebuild bundle.age from, and a signature to check it with. */
static int check_usable(const as_usb_in *in, const as_usb_report *rep, as_error *err)
{
    bool have_age_parts = false;
    for (size_t i = 0; i < in->nparts; i++)
        have_age_parts |= strcmp(in->parts[i].part.object, AS_USB_AGE) == 0;
    if (in->nraw == 0 && !have_age_parts)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "no bundle.age and no part of it in the sources (%zu files looked at)",
                       rep->files_seen);
    if (in->nsigs == 0 && in->sig_problem.code != AS_OK) {
        *err = in->sig_problem;
        return -1;
    }
    if (in->nsigs == 0)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "no signature (bundle.age.minisig or bundle.index) in the sources");
    return 0;
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
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = gather_source(in, sources[i], &budget, rep, err);
    if (rc == 0) {
        rep->had_index = in->have_index;
        if (in->have_index)
            keep_listed_parts(in, rep);
        rc = check_usable(in, rep, err);
    }
    if (rc == 0)
        return in;
    as_usb_in_free(in);
    return NULL;
}
