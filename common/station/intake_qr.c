/* intake_qr.c: importing a bundle from QR frames; see intake.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/minisign.h"
#include "../crypto/sha256.h"
#include "intake.h"
#include "station_lock.h"

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

/* A cache file's name: the frame number and the first 8 bytes of the frame's SHA-256, so that
 * conflicting blocks for one number are kept side by side. */
static void cand_name(uint32_t index, const uint8_t *frame, size_t flen, char name[32])
{
    uint8_t d[32];
    char hex[17];
    as_sha256(d, frame, flen);
    as_hex_encode(hex, d, 8);
    snprintf(name, 32, "%08u-%s.frame", index + 1, hex);
}

/* True for the names cache_save writes (and the NNNNNNNN.frame of earlier versions). */
static bool is_frame_name(const char *n)
{
    size_t nl = strlen(n);
    return n[0] != '.' && nl >= 7 && strcmp(n + nl - 6, ".frame") == 0;
}

/* Adds every frame kept from earlier scans of b's bundle; they are as untrusted as new ones,
 * and marked as cached: a block read now is preferred to one only the cache holds. */
static void cache_load(const as_station *st, as_frame_set *set, const as_frame_bundle *b,
                       uint64_t *loaded)
{
    as_error e = {0};
    char *dir = cache_dir(st, b, false, &e);
    DIR *d = dir ? opendir(dir) : NULL;
    size_t max = AS_FRAME_HEADER + b->h.block;
    struct dirent *de;
    set->cached = true;
    while (d != NULL && (de = readdir(d)) != NULL) {
        /* Only the frames cache_save wrote: missing.txt is for the operator, not a frame. */
        if (!is_frame_name(de->d_name))
            continue;
        char *p = as_path_join(dir, de->d_name, &e);
        uint8_t *data = NULL;
        size_t len;
        if (p != NULL && as_file_read_all_flags(p, max, AS_FILE_NOFOLLOW, &data, &len, &e) == 0) {
            as_frame_result fr = as_frame_set_add(set, data, len);
            *loaded += fr == AS_FRAME_ADDED || fr == AS_FRAME_CONFLICT;
        }
        as_error_clear(&e);
        free(data);
        free(p);
    }
    set->cached = false;
    if (d != NULL)
        closedir(d);
    free(dir);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Removes the cache files that hold no candidate any more (replaced by fresher blocks). */
static void cache_prune(const char *dir, char (*names)[32], size_t n)
{
    qsort(names, n, sizeof *names, cmp_name);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (!is_frame_name(de->d_name) || strlen(de->d_name) >= 32 ||
            bsearch(de->d_name, names, n, sizeof *names, cmp_name) != NULL)
            continue;
        as_error e = {0};
        char *p = as_path_join(dir, de->d_name, &e);
        if (p != NULL)
            unlink(p);
        free(p);
    }
    if (d != NULL)
        closedir(d);
}

/* Keeps every block held for b in the cache, one frame per file, written atomically: at most
 * AS_FRAME_MAX_CANDIDATES per frame number, so the cache stays bounded. */
static int cache_save(const as_station *st, const as_frame_bundle *b, char *where, size_t cap,
                      as_error *err)
{
    char *dir = cache_dir(st, b, true, err);
    if (dir == NULL)
        return -1;
    snprintf(where, cap, "%s", dir);
    size_t flen = AS_FRAME_HEADER + b->h.block, n = 0;
    uint8_t *frame = malloc(flen);
    char(*names)[32] = malloc((b->npos * AS_FRAME_MAX_CANDIDATES + 1) * sizeof *names);
    int rc = frame && names ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < b->npos; i++) {
        for (uint32_t c = 0; rc == 0 && c < b->pos[i].n; c++) {
            as_frame_header h = b->h;
            h.index = b->pos[i].index;
            as_frame_format(frame, &h, b->pos[i].c[c].block);
            cand_name(h.index, frame, flen, names[n]);
            char *p = as_path_join(dir, names[n++], err);
            if (p == NULL)
                rc = -1;
            else if (as_path_exists(p, NULL) != 1)
                rc = as_file_write_atomic(p, frame, flen, 0600, err);
            free(p);
        }
    }
    if (rc == 0)
        cache_prune(dir, names, n);
    free(names);
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

/* Reads every frame the sources (or the camera) show into set. No station state is touched:
 * this runs before the lock is taken, as a camera or a slow disk can take minutes. */
static int scan_sources(char *const *sources, size_t n, const char *camera,
                        const as_progress_sink *progress, as_frame_set *set, as_import_result *r,
                        as_error *err)
{
    if (camera != NULL)
        return as_scan_camera(camera, set, &r->qr.scan, 30, progress, err);
    char **paths = NULL;
    long npaths = as_scan_list_images(sources, n, &paths, err);
    int rc = -1;
    if (npaths == 0)
        as_fail(err, AS_ERR_USAGE, "no PNG or JPEG images in the sources");
    else if (npaths > 0)
        rc = as_scan_images(paths, (size_t)npaths, 0, set, &r->qr.scan, progress, err);
    as_scan_free_list(paths, npaths > 0 ? (size_t)npaths : 0);
    return rc;
}

/*
 * The frames held cannot make the bundle (some missing, or what they rebuild is refused):
 * keeps them in the scan cache, writes the frames to rescan to missing.txt there and fails
 * with one line saying why, which frames, and where. why is NULL when frames are missing.
 */
static int keep_and_fail(as_station *st, as_frame_bundle *b, const as_error *why,
                         as_import_result *r, as_error *err)
{
    uint32_t need = as_frame_bundle_needed(b);
    uint32_t count = as_frame_bundle_missing(b, r->qr.missing, sizeof r->qr.missing);
    if (cache_save(st, b, r->qr.cache, sizeof r->qr.cache, err) != 0)
        return -1;
    /* the whole list, for when the message has to shorten it: at most one range per gap
     * between settled indices, of which there are at most twice as many as held (its size
     * never follows the count, which a frame's claimed layout sets) */
    size_t cap = ((size_t)b->npos * 2 + 2 * AS_EC_MAX_SHARDS + 2) * 24 + 2;
    char *all = malloc(cap), *mpath = as_path_join(r->qr.cache, "missing.txt", err);
    if (all != NULL && mpath != NULL) {
        as_frame_bundle_missing(b, all, cap - 1);
        size_t len = strlen(all);
        all[len++] = '\n';
        as_file_write_atomic(mpath, all, len, 0600, NULL);
    }
    free(all);
    free(mpath);
    if (why == NULL)
        return as_fail(err, AS_ERR_INCOMPLETE,
                       "not enough frames: %u more needed; rescan any %u of these %u frames: %s; "
                       "the %u frames held are kept in %s (list in missing.txt there)",
                       need, need, count, r->qr.missing, b->held, r->qr.cache);
    if (why->code == AS_ERR_KEY) { /* the one refusal no rescan changes */
        *err = *why;
        return -1;
    }
    /* A refused object may come from forged blocks shown in front of the camera: the frames
     * named complete the bundle when rescanned, as a fresh block outranks a cached one. */
    return as_fail(err, why->code, "%s; rescan these %u frames: %s; the frames held are kept in %s",
                   why->msg, count, r->qr.missing, r->qr.cache);
}

typedef struct qr_verify {
    as_trust_store ts;
    uint8_t prefix[AS_FRAME_ID_LEN]; /* the bundle id prefix the frames carry */
    uint64_t sealed;
    size_t siglen;
} qr_verify;

/* Accepts a rebuilt object only when its signature is by a trusted key and verifies over the
 * sealed bytes: checked before anything is written or decrypted. */
static int verify_object(void *ctx, const uint8_t *object, as_error *err)
{
    qr_verify *q = ctx;
    as_mini_sig sig;
    if (as_mini_sig_parse(&sig, object + q->sealed, q->siglen, err) != 0) {
        as_error_prefix(err, "bundle.age.minisig: ");
        return -1;
    }
    const as_trust_entry *t = as_trust_find(&q->ts, sig.keynum);
    if (t == NULL) {
        char id[AS_MINI_KEYID_STR];
        as_mini_keyid(sig.keynum, id);
        return as_fail(err, AS_ERR_KEY,
                       "bundle is signed by key %s, which this station does not trust (add it "
                       "with 'airseal-recv trust' after checking its fingerprint)",
                       id);
    }
    /* Another bundle's blocks under this id prefix may verify: they are not this bundle. */
    as_bundle_comment bc;
    char hex[2 * AS_FRAME_ID_LEN + 1];
    as_hex_encode(hex, q->prefix, AS_FRAME_ID_LEN);
    if (as_bundle_comment_parse(&bc, sig.trusted, err) != 0 ||
        strncmp(bc.bundle_id, hex, 2 * AS_FRAME_ID_LEN) != 0)
        return as_fail(err, AS_ERR_SIGNATURE,
                       "bundle.age: signature verification failed (signed for another bundle "
                       "than the frames name)");
    uint8_t prehash[AS_MINI_PREHASH_LEN];
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, object, q->sealed);
    as_mini_prehash_final(&ph, prehash);
    if (as_mini_verify(&t->key, &sig, prehash, NULL, 0, false, err) != 0) {
        as_error_prefix(err, "bundle.age: ");
        return -1;
    }
    return 0;
}

/* Rebuilds b, trying combinations of conflicting blocks until the signature verifies. */
static int rebuild_verified(as_station *st, as_frame_bundle *b, uint32_t *repaired, as_error *err)
{
    qr_verify q = {.sealed = b->h.sealed_size, .siglen = b->h.sig_size};
    memcpy(q.prefix, b->h.bundle, AS_FRAME_ID_LEN);
    char *trust = as_station_path(st, AS_STATION_TRUST, err);
    if (trust == NULL || as_trust_load(&q.ts, trust, err) != 0) {
        free(trust);
        return -1;
    }
    free(trust);
    int rc = as_frame_bundle_solve(b, verify_object, &q, repaired, err);
    as_trust_free(&q.ts);
    return rc;
}

/* With the station locked: merges the scan cache, rebuilds, and hands over to as_intake. */
static int import_locked(as_station *st, as_frame_set *set, const as_progress_sink *progress,
                         as_import_result *r, as_error *err)
{
    uint64_t others = 0, fresh = set->added;
    as_frame_bundle *b = as_frame_set_main(set, &others);
    cache_load(st, set, b, &r->qr.from_cache);
    b = as_frame_set_main(set, &others);
    r->qr.added = fresh;
    r->qr.duplicates = set->duplicates;
    r->qr.conflicts = set->conflicts;
    r->qr.corrupt = set->corrupt;
    r->qr.other_bundles = others;
    r->qr.data_blocks = b->l.k_total;
    r->qr.total_blocks = b->l.k_total + b->l.m_total;
    if (as_frame_bundle_needed(b) > 0)
        return keep_and_fail(st, b, NULL, r, err);
    uint32_t repaired = 0;
    as_error why = {0};
    if (rebuild_verified(st, b, &repaired, &why) != 0)
        return why.code == AS_ERR_NOMEM || why.code == AS_ERR_IO
                   ? (*err = why, -1)
                   : keep_and_fail(st, b, &why, r, err);
    as_fault_point("import:assembled");
    char *work = as_intake_workdir(st, err);
    char *sealed = work ? as_path_join(work, "bundle.age", err) : NULL;
    as_intake_input ii = {.work = work, .sealed = sealed, .transport = "qr"};
    int rc = -1;
    if (sealed != NULL && write_sealed(sealed, b->blocks, b->h.sealed_size, &ii, err) == 0) {
        const uint8_t *sig = b->blocks + b->h.sealed_size;
        size_t siglen = b->h.sig_size;
        ii.sigs = &sig;
        ii.siglens = &siglen;
        ii.nsigs = 1;
        ii.repaired = repaired;
        rc = as_intake(st, &ii, progress, r, err);
    }
    if (rc == 0)
        cache_drop(st, b);
    if (work != NULL)
        as_remove_tree(work, NULL);
    free(work);
    free(sealed);
    return rc;
}

/* Not one frame was read: says how many images there were and why each kind gave nothing. */
static void no_frame(const as_scan_stats *sc, const as_frame_set *set, as_error *err)
{
    as_fail(err, AS_ERR_INCOMPLETE,
            "no airseal frame among %llu image%s (%llu unreadable%s%s, %llu without a QR code, "
            "%llu other or damaged codes%s%s)",
            (unsigned long long)sc->images, sc->images == 1 ? "" : "s",
            (unsigned long long)sc->unreadable, sc->unreadable ? ": " : "",
            sc->unreadable ? sc->first_unreadable : "", (unsigned long long)sc->no_code,
            (unsigned long long)set->corrupt, set->corrupt ? ": " : "",
            set->corrupt ? set->first_corrupt : "");
}

int as_import_qr(as_station *st, char *const *sources, size_t n, const char *camera,
                 const as_progress_sink *progress, as_import_result *r, as_error *err)
{
    memset(r, 0, sizeof *r);
    as_frame_set set;
    as_frame_set_init(&set);
    int rc = -1;
    if (scan_sources(sources, n, camera, progress, &set, r, err) != 0)
        goto out;
    r->qr.frames = set.seen;
    if (as_frame_set_main(&set, NULL) == NULL) {
        no_frame(&r->qr.scan, &set, err);
        goto out;
    }
    /* Only now, with every frame read, is the station locked (a caller that already holds
     * the lock keeps it). */
    bool locked_here = !as_station_locked(st);
    if (locked_here && as_station_lock(st, err) != 0)
        goto out;
    rc = import_locked(st, &set, progress, r, err);
    if (locked_here)
        as_station_release(st);
out:
    as_frame_set_free(&set);
    return rc;
}
