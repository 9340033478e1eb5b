/* intake_qr.c: importing a bundle from QR frames; see intake.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/minisign.h"
#include "../crypto/sha256.h"
#include "intake.h"

/* STATION/scan-cache/<first 8 bytes of the bundle id, hex>-<sealed size>-<signature size> */
static char *cache_dir(const as_station *st, const as_frame_bundle *b, bool create, as_error *err)
{
    char *root = as_station_path(st, AS_STATION_SCAN_CACHE, err);
    char hex[2 * AS_FRAME_ID_LEN + 1];
    as_hex_encode(hex, b->h.bundle, AS_FRAME_ID_LEN);
    char *dir = root ? as_path_fmt(err, "%s/%s-%llu-%u-%u-%u", root, hex,
                                   (unsigned long long)b->h.sealed_size, b->h.sig_size, b->h.block,
                                   b->h.pct)
                     : NULL;
    if (dir != NULL && create &&
        ((mkdir(root, 0700) != 0 && errno != EEXIST) ||
         (mkdir(dir, 0700) != 0 && errno != EEXIST))) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create the scan cache %s", dir);
        free(dir);
        dir = NULL;
    }
    free(root);
    return dir;
}

/* Adds every frame kept from earlier scans of b's bundle; they are as untrusted as new ones. */
static void cache_load(const as_station *st, as_frame_set *set, const as_frame_bundle *b,
                       uint64_t *loaded)
{
    as_error e = {0};
    char *dir = cache_dir(st, b, false, &e);
    DIR *d = dir ? opendir(dir) : NULL;
    size_t max = AS_FRAME_HEADER + b->h.block;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        /* Only the frames cache_save wrote: missing.txt is for the operator, not a frame. */
        size_t nl = strlen(de->d_name);
        if (de->d_name[0] == '.' || nl < 7 || strcmp(de->d_name + nl - 6, ".frame") != 0)
            continue;
        char *p = as_path_join(dir, de->d_name, &e);
        uint8_t *data = NULL;
        size_t len;
        if (p != NULL && as_file_read_all_flags(p, max, AS_FILE_NOFOLLOW, &data, &len, &e) == 0 &&
            as_frame_set_add(set, data, len) == AS_FRAME_ADDED)
            (*loaded)++;
        as_error_clear(&e);
        free(data);
        free(p);
    }
    if (d != NULL)
        closedir(d);
    free(dir);
}

/* Keeps every held block of b in the cache, one frame per file, written atomically. */
static int cache_save(const as_station *st, const as_frame_bundle *b, char *where, size_t cap,
                      as_error *err)
{
    char *dir = cache_dir(st, b, true, err);
    if (dir == NULL)
        return -1;
    snprintf(where, cap, "%s", dir);
    size_t flen = AS_FRAME_HEADER + b->h.block;
    uint8_t *frame = malloc(flen);
    int rc = frame ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; rc == 0 && i < b->l.k_total + b->l.m_total; i++) {
        if (b->state[i] != 1)
            continue;
        char *p = as_path_fmt(err, "%s/%08u.frame", dir, i + 1);
        if (p == NULL) {
            rc = -1;
            break;
        }
        if (as_path_exists(p, NULL) != 1) {
            as_frame_header h = b->h;
            h.index = i;
            as_frame_format(frame, &h, b->blocks + (uint64_t)i * b->h.block);
            rc = as_file_write_atomic(p, frame, flen, 0600, err);
        }
        free(p);
    }
    free(frame);
    free(dir);
    return rc;
}

static void cache_drop(const as_station *st, const as_frame_bundle *b)
{
    as_error e = {0};
    char *dir = cache_dir(st, b, false, &e);
    if (dir != NULL)
        as_remove_tree(dir, NULL);
    free(dir);
}

/* Writes the sealed part of the rebuilt object into the work folder, hashing it. */
static int write_sealed(const char *path, const uint8_t *data, size_t len, as_intake_input *ii,
                        as_error *err)
{
    as_outfile o;
    if (as_outfile_open(&o, path, 0600, err) != 0)
        return -1;
    as_sha256(ii->sha256, data, len);
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, data, len);
    as_mini_prehash_final(&ph, ii->prehash);
    ii->size = len;
    if (as_write(&o.w.base, data, len, err) != 0 || as_outfile_commit(&o, true, err) != 0) {
        as_outfile_abort(&o);
        return -1;
    }
    return 0;
}

int as_import_qr(as_station *st, char *const *sources, size_t n, const char *camera, bool progress,
                 as_import_result *r, as_error *err)
{
    memset(r, 0, sizeof *r);
    as_frame_set set;
    as_frame_set_init(&set);
    char **paths = NULL;
    long npaths = 0;
    char *work = NULL, *sealed = NULL;
    int rc = -1;

    if (camera != NULL) {
        if (as_scan_camera(camera, &set, &r->qr.scan, 30, progress, err) != 0)
            goto out;
    } else {
        npaths = as_scan_list_images(sources, n, &paths, err);
        if (npaths < 0)
            goto out;
        if (npaths == 0) {
            as_fail(err, AS_ERR_USAGE, "no PNG or JPEG images in the sources");
            goto out;
        }
        if (as_scan_images(paths, (size_t)npaths, 0, &set, &r->qr.scan, progress, err) != 0)
            goto out;
    }
    r->qr.frames = set.seen;
    uint64_t others = 0;
    as_frame_bundle *b = as_frame_set_main(&set, &others);
    if (b == NULL) {
        as_fail(err, AS_ERR_INCOMPLETE,
                "no airseal frame among %llu image%s (%llu without a QR code, %llu other or "
                "damaged codes%s%s)",
                (unsigned long long)r->qr.scan.images, r->qr.scan.images == 1 ? "" : "s",
                (unsigned long long)r->qr.scan.no_code, (unsigned long long)set.corrupt,
                set.corrupt ? ": " : "", set.corrupt ? set.first_corrupt : "");
        goto out;
    }
    uint64_t fresh = set.added;
    cache_load(st, &set, b, &r->qr.from_cache);
    b = as_frame_set_main(&set, &others);
    r->qr.added = fresh;
    r->qr.duplicates = set.duplicates;
    r->qr.conflicts = set.conflicts;
    r->qr.corrupt = set.corrupt;
    r->qr.other_bundles = others;
    r->qr.data_blocks = b->l.k_total;
    r->qr.total_blocks = b->l.k_total + b->l.m_total;

    uint32_t need = as_frame_bundle_needed(b);
    if (need > 0) {
        uint32_t count = as_frame_bundle_missing(b, r->qr.missing, sizeof r->qr.missing);
        if (cache_save(st, b, r->qr.cache, sizeof r->qr.cache, err) != 0)
            goto out;
        /* the whole list, for when the message has to shorten it */
        size_t cap = (size_t)(b->l.k_total + b->l.m_total) * 24 + 2;
        char *all = malloc(cap), *mpath = as_path_join(r->qr.cache, "missing.txt", err);
        if (all != NULL && mpath != NULL) {
            as_frame_bundle_missing(b, all, cap - 1);
            size_t len = strlen(all);
            all[len++] = '\n';
            as_file_write_atomic(mpath, all, len, 0600, NULL);
        }
        free(all);
        free(mpath);
        as_fail(err, AS_ERR_INCOMPLETE,
                "not enough frames: %u more needed; rescan any %u of these %u frames: %s; the %u "
                "frames held are kept in %s (list in missing.txt there)",
                need, need, count, r->qr.missing, b->held, r->qr.cache);
        goto out;
    }
    uint32_t repaired = 0;
    if (as_frame_bundle_rebuild(b, &repaired, err) != 0)
        goto out;
    as_fault_point("import:assembled");
    work = as_intake_workdir(st, err);
    sealed = work ? as_path_join(work, "bundle.age", err) : NULL;
    as_intake_input ii = {.work = work, .sealed = sealed, .transport = "qr"};
    if (sealed == NULL || write_sealed(sealed, b->blocks, b->h.sealed_size, &ii, err) != 0)
        goto out;
    const uint8_t *sig = b->blocks + b->h.sealed_size;
    size_t siglen = b->h.sig_size;
    ii.sigs = &sig;
    ii.siglens = &siglen;
    ii.nsigs = 1;
    ii.repaired = repaired;
    rc = as_intake(st, &ii, progress, r, err);
    if (rc == 0)
        cache_drop(st, b);
out:
    if (work != NULL)
        as_remove_tree(work, NULL);
    free(work);
    free(sealed);
    as_scan_free_list(paths, npaths > 0 ? (size_t)npaths : 0);
    as_frame_set_free(&set);
    return rc;
}
