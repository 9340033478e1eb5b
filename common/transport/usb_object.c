/* usb_object.c: a bundle object written as one file or as part files; see usb_object.h. */
#include "usb_object.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Opens the object's next file (a part file starts with a blank header, written at seal). */
static int object_new_file(as_usb_object_out *o, const char *dir, as_error *err)
{
    as_outfile *f = realloc(o->files, (o->nfiles + 1) * sizeof *f);
    uint8_t(*h)[32] = realloc(o->part_sha, (o->nfiles + 1) * sizeof *h);
    if (f != NULL)
        o->files = f;
    if (h != NULL)
        o->part_sha = h;
    if (f == NULL || h == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    char *path = as_path_fmt(err, "%s/%s%s", dir, o->name, o->parted ? ".part" : "");
    if (path == NULL)
        return -1;
    int rc = as_outfile_open(&o->files[o->nfiles], path, 0644, err);
    free(path);
    if (rc != 0)
        return -1;
    o->nfiles++;
    if (o->parted) {
        uint8_t blank[AS_PART_HEADER];
        memset(blank, ' ', sizeof blank);
        if (as_write(&o->files[o->nfiles - 1].w.base, blank, sizeof blank, err) != 0)
            return -1;
        as_sha256_init(&o->cur);
    }
    return 0;
}

int as_usb_object_append(as_usb_object_out *o, const char *dir, const uint8_t *p, size_t n,
                         as_error *err)
{
    while (n > 0) {
        uint64_t in_part = o->parted ? o->size % o->payload : o->size;
        if (o->nfiles == 0 || (o->parted && in_part == 0 && o->size > 0)) {
            if (o->nfiles > 0)
                as_sha256_final(&o->cur, o->part_sha[o->nfiles - 1]);
            if (object_new_file(o, dir, err) != 0)
                return -1;
        }
        size_t take = n;
        if (o->parted && take > o->payload - in_part)
            take = (size_t)(o->payload - in_part);
        if (as_write(&o->files[o->nfiles - 1].w.base, p, take, err) != 0)
            return -1;
        if (o->parted)
            as_sha256_update(&o->cur, p, take);
        o->size += take;
        p += take;
        n -= take;
    }
    return 0;
}

int as_usb_object_preallocate(as_usb_object_out *o, const char *dir, uint64_t size, as_error *err)
{
    uint64_t count = o->parted ? (size + o->payload - 1) / o->payload : 1;
    for (uint64_t i = 0; i < count; i++) {
        if (object_new_file(o, dir, err) != 0)
            return -1;
        uint64_t len = o->parted ? (i + 1 < count ? o->payload : size - i * o->payload) : size;
        if (ftruncate(o->files[i].fd, (off_t)((o->parted ? AS_PART_HEADER : 0) + len)) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot size %s", o->files[i].path);
    }
    o->size = size;
    return 0;
}

int as_usb_object_io(as_usb_object_out *o, uint64_t off, uint8_t *buf, size_t n, bool write,
                     as_error *err)
{
    while (n > 0) {
        uint64_t idx = o->parted ? off / o->payload : 0;
        uint64_t in = o->parted ? off % o->payload : off;
        uint64_t room = o->parted ? o->payload - in : n;
        size_t take = n < room ? n : (size_t)room;
        if (idx >= o->nfiles)
            return as_fail(err, AS_ERR_INTERNAL, "object offset out of range");
        as_outfile *f = &o->files[idx];
        off_t at = (off_t)(in + (o->parted ? AS_PART_HEADER : 0));
        ssize_t k = take;
        if (write ? as_pwrite_all(f->fd, buf, take, at) != 0
                  : (k = pread(f->fd, buf, take, at)) < 0)
            k = -1;
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return as_fail_errno(err, AS_ERR_IO, k < 0 ? errno : EIO, "cannot %s %s",
                                 write ? "write" : "read", f->path);
        off += (uint64_t)k;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

void as_usb_object_free(as_usb_object_out *o)
{
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->nfiles; i++)
        as_outfile_abort(&o->files[i]);
    free(o->files);
    free(o->part_sha);
    free(o);
}

int as_usb_object_seal(as_usb_object_out *o, const char *dir, const char *bundle_id,
                       as_usb_index *ix, as_error *err)
{
    if (!o->parted) {
        char *path = as_path_join(dir, o->name, err);
        if (path == NULL)
            return -1;
        free(o->files[0].path);
        o->files[0].path = path;
        return 0;
    }
    int width = 3;
    for (size_t c = o->nfiles; c >= 1000; c /= 10)
        width++;
    for (size_t i = 0; i < o->nfiles; i++) {
        uint64_t off = (uint64_t)i * o->payload;
        uint64_t len = i + 1 < o->nfiles ? o->payload : o->size - off;
        if (o->part_sha == NULL)
            return as_fail(err, AS_ERR_INTERNAL, "no part digests");
        as_part_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.bundle_id, bundle_id, 32);
        snprintf(h.object, sizeof h.object, "%s", o->name);
        h.index = (uint32_t)i + 1;
        h.count = (uint32_t)o->nfiles;
        h.offset = off;
        h.length = len;
        h.object_size = o->size;
        memcpy(h.sha256, o->part_sha[i], 32);
        uint8_t hdr[AS_PART_HEADER];
        as_part_header_format(hdr, &h);
        if (as_pwrite_all(o->files[i].fd, hdr, sizeof hdr, 0) != 0)
            return as_fail_errno(err, AS_ERR_IO, errno, "cannot write %s", o->files[i].path);
        char *path = o->suffix ? as_path_fmt(err, "%s/%s.part%0*zu", dir, o->name, width, i + 1)
                               : as_path_join(dir, o->name, err);
        if (path == NULL)
            return -1;
        free(o->files[i].path);
        o->files[i].path = path;
        as_usb_part_ref *pr = realloc(ix->parts, (ix->nparts + 1) * sizeof *pr);
        if (pr == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        ix->parts = pr;
        as_usb_part_ref *p = &pr[ix->nparts++];
        memset(p, 0, sizeof *p);
        snprintf(p->object, sizeof p->object, "%s", o->name);
        p->index = h.index;
        p->count = h.count;
        p->offset = off;
        p->length = len;
        memcpy(p->sha256, h.sha256, 32);
    }
    return 0;
}

int as_usb_object_hash_parts(as_usb_object_out *o, as_error *err)
{
    uint8_t *buf = malloc(1 << 20);
    if (buf == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    free(o->part_sha);
    o->part_sha = calloc(o->nfiles, 32);
    int rc = o->part_sha ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < o->nfiles; i++) {
        uint64_t off = (uint64_t)i * o->payload;
        uint64_t len =
            o->parted ? (o->size - off < o->payload ? o->size - off : o->payload) : o->size;
        as_sha256_ctx h;
        as_sha256_init(&h);
        for (uint64_t done = 0; rc == 0 && done < len;) {
            size_t take = len - done < (1 << 20) ? (size_t)(len - done) : (1 << 20);
            rc = as_usb_object_io(o, off + done, buf, take, false, err);
            as_sha256_update(&h, buf, take);
            done += take;
        }
        as_sha256_final(&h, o->part_sha[i]);
    }
    free(buf);
    return rc;
}

void as_usb_object_end_parts(as_usb_object_out *o)
{
    if (o->parted && o->nfiles > 0)
        as_sha256_final(&o->cur, o->part_sha[o->nfiles - 1]);
}

int as_usb_object_commit(as_usb_object_out *o, as_error *err)
{
    for (size_t i = 0; i < o->nfiles; i++)
        if (as_outfile_commit(&o->files[i], false, err) != 0)
            return -1;
    return 0;
}
