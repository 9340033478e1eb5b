/* intake.c: verify, decrypt, extract, vault, receipt, log; see intake.h. */
#include "intake.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../bundle/unseal.h"
#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/checkpoint.h"
#include "../crypto/sha256.h"
#include "../image/qr.h"
#include "custody.h"
#include "receipt_sign.h"
#include "station_lock.h"
#include "trust_ops.h"
#include "vault.h"

/*
 * Removes the temporary files ("." name ".tmp-" suffix, see as_outfile_open) that a process
 * killed between creating and renaming them left in dir. Only called under the station lock,
 * so no live writer owns them.
 */
static int sweep_temp_files(const char *dir, as_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", dir);
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-") != NULL &&
            unlinkat(dirfd(d), e->d_name, 0) != 0 && errno != ENOENT)
            rc = as_fail_errno(err, AS_ERR_IO, errno, "cannot remove %s/%s", dir, e->d_name);
    }
    closedir(d);
    return rc;
}

/*
 * Empties STATION/staging of what interrupted imports left, except the work folders of
 * imports still reading their sources (their flock is held: see as_intake_workdir). Only
 * under the station lock: no other process can be committing from staging.
 */
static int sweep_staging(const as_station *st, as_error *err)
{
    char *receipts = as_station_path(st, AS_STATION_RECEIPTS, err);
    int swept = receipts != NULL && sweep_temp_files(st->dir, err) == 0 &&
                sweep_temp_files(receipts, err) == 0;
    free(receipts);
    char *staging = swept ? as_station_path(st, AS_STATION_STAGING, err) : NULL;
    if (staging == NULL)
        return -1;
    DIR *d = opendir(staging);
    if (d == NULL) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", staging);
        free(staging);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        bool live = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        if (fd >= 0)
            close(fd);
        if (live)
            continue; /* another import is still reading its sources into it */
        char *p = as_path_join(staging, e->d_name, err);
        rc = p ? as_remove_tree(p, err) : -1;
        free(p);
    }
    closedir(d);
    free(staging);
    return rc;
}

char *as_intake_workdir(as_station *st, as_error *err)
{
    char *staging = as_station_path(st, AS_STATION_STAGING, err);
    for (int tries = 0; staging != NULL && tries < 8; tries++) {
        char *work = as_path_fmt(err, "%s/import-XXXXXX", staging);
        if (work == NULL)
            break;
        if (mkdtemp(work) == NULL) {
            as_fail_errno(err, AS_ERR_IO, errno, "cannot create a work folder in %s/staging",
                          st->dir);
            free(work);
            break;
        }
        int fd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat a, b;
        /* A sweep may remove the folder between mkdtemp and flock: then it is not ours. */
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &a) == 0 &&
            stat(work, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            as_station_set_work_lock(st, fd);
            free(staging);
            return work;
        }
        if (fd >= 0)
            close(fd);
        free(work);
    }
    if (staging != NULL && err->code == AS_OK)
        as_fail(err, AS_ERR_IO, "cannot hold a work folder in %s/staging", st->dir);
    free(staging);
    return NULL;
}

/* ---------------------------------------------------------------- signature and trust */

typedef struct signer_pick {
    as_mini_sig sig;
    const uint8_t *text;
    size_t len;
    const as_trust_entry *entry;
} signer_pick;

static int pick_signature(const as_trust_store *ts, const as_intake_input *in, signer_pick *out,
                          as_error *err)
{
    as_error first = {0};
    char unknown[AS_MINI_KEYID_STR] = "";
    for (size_t i = 0; i < in->nsigs; i++) {
        as_error e = {0};
        if (as_mini_sig_parse(&out->sig, in->sigs[i], in->siglens[i], &e) != 0) {
            if (first.code == AS_OK)
                first = e;
            continue;
        }
        const as_trust_entry *t = as_trust_find(ts, out->sig.keynum);
        if (t == NULL) {
            as_mini_keyid(out->sig.keynum, unknown);
            continue;
        }
        if (as_mini_verify(&t->key, &out->sig, in->prehash, NULL, 0, false, &e) == 0) {
            out->text = in->sigs[i];
            out->len = in->siglens[i];
            out->entry = t;
            return 0;
        }
        if (first.code == AS_OK || first.code == AS_ERR_FORMAT)
            first = e;
    }
    if (first.code == AS_ERR_SIGNATURE) {
        *err = first;
        as_error_prefix(err, "bundle.age: ");
        return -1;
    }
    if (unknown[0] != '\0')
        return as_fail(err, AS_ERR_KEY,
                       "bundle is signed by key %s, which this station does not trust (add it "
                       "with 'airseal-recv trust' after checking its fingerprint)",
                       unknown);
    if (first.code != AS_OK) {
        *err = first;
        as_error_prefix(err, "bundle.age.minisig: ");
        return -1;
    }
    return as_fail(err, AS_ERR_INCOMPLETE, "no signature for bundle.age");
}

int as_intake_signer_precheck(as_station *st, const uint8_t *const *sigs, const size_t *lens,
                              size_t n, as_error *err)
{
    as_trust_store ts = {0};
    /* Advisory only (no lock, no log check): a store that cannot be read is reported by
     * as_intake under the lock, with the whole check. */
    if (as_station_trust_peek(st, &ts, err) != 0) {
        as_error_clear(err);
        return 0;
    }
    char unknown[AS_MINI_KEYID_STR] = "";
    bool trusted = false, parsed = false;
    as_mini_sig sig;
    for (size_t i = 0; i < n && !trusted; i++) {
        as_error e = {0};
        if (as_mini_sig_parse(&sig, sigs[i], lens[i], &e) != 0)
            continue;
        parsed = true;
        if (as_trust_find(&ts, sig.keynum) != NULL)
            trusted = true;
        else
            as_mini_keyid(sig.keynum, unknown);
    }
    as_trust_free(&ts);
    if (parsed && !trusted)
        return as_fail(err, AS_ERR_KEY,
                       "bundle is signed by key %s, which this station does not trust (add it "
                       "with 'airseal-recv trust' after checking its fingerprint)",
                       unknown);
    return 0;
}

/* ---------------------------------------------------------------- log lookups */

/* The first import entry of a bundle id, whatever its case and signer. */
typedef struct find_import {
    const char *bundle;
    uint64_t seq;
    char sha[65];
    char case_id[AS_CASE_MAX + 1];
} find_import;

static int find_visit(const as_log_entry *e, void *ctx, as_error *err)
{
    (void)err;
    find_import *f = ctx;
    const char *b = as_log_get(e, "bundle");
    if (f->seq == 0 && strcmp(e->event, "import") == 0 && b != NULL && strcmp(b, f->bundle) == 0) {
        const char *sha = as_log_get(e, "sealed-sha256"), *c = as_log_get(e, "case");
        f->seq = e->seq;
        snprintf(f->sha, sizeof f->sha, "%s", sha ? sha : "");
        snprintf(f->case_id, sizeof f->case_id, "%s", c ? c : "");
    }
    return 0;
}

/* ---------------------------------------------------------------- receipt and log */

/* The receipt of this import; seq is the custody log entry that will record it. */
static void fill_receipt(as_receipt *rc, const as_station *st, const as_intake_input *in,
                         const signer_pick *sp, const as_bundle_comment *c, uint64_t seq)
{
    memset(rc, 0, sizeof *rc);
    memcpy(rc->station, st->id, sizeof rc->station);
    memcpy(rc->bundle_id, c->bundle_id, sizeof rc->bundle_id);
    memcpy(rc->case_id, c->case_id, sizeof rc->case_id);
    as_mini_keyid(sp->sig.keynum, rc->signer);
    rc->sealed_size = in->size;
    memcpy(rc->sealed_sha256, in->sha256, 32);
    memcpy(rc->manifest_sha256, c->manifest_sha256, 32);
    rc->files = c->files;
    rc->bytes = c->bytes;
    rc->imported = time(NULL);
    rc->custody_entry = seq;
}

/* Signs the receipt text and writes receipts/<id>.receipt, its .minisig and its QR code
 * (.png: text then signature), each atomically. */
static int write_receipt(const as_station *st, const as_receipt *rc, const as_buf *text,
                         as_import_result *r, as_error *err)
{
    as_buf sig, qr;
    as_qr code = {0};
    int ok = -1;
    as_buf_init(&sig, 8192);
    as_buf_init(&qr, 16384);
    char *base = as_path_fmt(err, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, rc->bundle_id);
    char *sigpath = base ? as_path_fmt(err, "%s.minisig", base) : NULL;
    char *pngpath = base ? as_path_fmt(err, "%s.png", base) : NULL;
    if (sigpath == NULL || pngpath == NULL ||
        as_receipt_sign(rc, text->data, text->len, st->signer, &sig, err) != 0 ||
        as_buf_append(&qr, text->data, text->len, err) != 0 ||
        as_buf_append(&qr, sig.data, sig.len, err) != 0 ||
        as_qr_encode(&code, qr.data, qr.len, 0, AS_ECC_M, err) != 0)
        goto out;
    if (as_file_write_atomic(base, text->data, text->len, 0644, err) != 0)
        goto out;
    as_fault_point("import:receipt-text-written");
    if (as_file_write_atomic(sigpath, sig.data, sig.len, 0644, err) != 0)
        goto out;
    as_fault_point("import:receipt-signature-written");
    if (as_qr_save_png(&code, 6, 4, pngpath, err) != 0)
        goto out;
    as_fault_point("import:receipt-written");
    snprintf(r->receipt_path, sizeof r->receipt_path, "%s", base);
    ok = 0;
out:
    as_qr_free(&code);
    as_buf_free(&sig);
    as_buf_free(&qr);
    free(base);
    free(sigpath);
    free(pngpath);
    return ok;
}

/* Where the proof of an import entry goes: beside its receipt. */
typedef struct proof_dest {
    const as_station *st;
    const char *bundle_id;
    const uint8_t *text; /* the receipt text */
    size_t text_len;
} proof_dest;

/*
 * The import entry landed (as_custody_landed_fn): writes receipts/<id>.receipt.tlog, then
 * the receipt's QR code again, now holding the receipt text and this proof (which stands in
 * for the signature file: the entry is signed and commits to the text). When the two do not
 * fit one QR code the code written before (text and signature) stays.
 */
static int store_proof(void *ctx, uint64_t seq, const uint8_t *proof, size_t len, as_error *err)
{
    (void)seq;
    proof_dest *d = ctx;
    as_buf qr;
    as_qr code = {0};
    as_buf_init(&qr, 16384);
    char *base =
        as_path_fmt(err, "%s/%s/%s.receipt", d->st->dir, AS_STATION_RECEIPTS, d->bundle_id);
    char *tlog = base ? as_path_fmt(err, "%s.tlog", base) : NULL;
    char *png = base ? as_path_fmt(err, "%s.png", base) : NULL;
    int rc = tlog != NULL && png != NULL && as_file_write_atomic(tlog, proof, len, 0644, err) == 0
                 ? 0
                 : -1;
    if (rc == 0) {
        as_fault_point("import:proof-written");
        as_error why = {0};
        if (as_buf_append(&qr, d->text, d->text_len, err) == 0 &&
            as_buf_append(&qr, proof, len, err) == 0 &&
            as_qr_encode(&code, qr.data, qr.len, 0, AS_ECC_L, &why) == 0)
            rc = as_qr_save_png(&code, 6, 4, png, err);
    }
    as_qr_free(&code);
    as_buf_free(&qr);
    free(base);
    free(tlog);
    free(png);
    return rc;
}

/* Appends the import entry, which commits to the exact receipt text, to the open log; the
 * entry's proof is stored beside the receipt before its checkpoint is published. */
static int log_import(const as_station *st, as_custody *log, const as_intake_input *in,
                      const signer_pick *sp, const as_receipt *rc, const as_buf *text,
                      as_import_result *r, as_error *err)
{
    char rhex[65], shex[65], mhex[65], size[24], files[24], bytes[24], rep[16];
    as_sha256_hex(rhex, text->data, text->len);
    as_hex_encode(shex, in->sha256, 32);
    as_hex_encode(mhex, rc->manifest_sha256, 32);
    snprintf(size, sizeof size, "%llu", (unsigned long long)in->size);
    snprintf(files, sizeof files, "%llu", (unsigned long long)rc->files);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)rc->bytes);
    snprintf(rep, sizeof rep, "%u", in->repaired);
    as_log_field f[] = {{"bundle", rc->bundle_id},
                        {"case", rc->case_id},
                        {"signer", rc->signer},
                        {"signer-label", sp->entry->label},
                        {"transport", in->transport},
                        {"sealed-size", size},
                        {"sealed-sha256", shex},
                        {"manifest-sha256", mhex},
                        {"files", files},
                        {"bytes", bytes},
                        {"repaired-blocks", rep},
                        {"receipt-sha256", rhex}};
    proof_dest d = {st, rc->bundle_id, text->data, text->len};
    return as_custody_append_proven(log, st->signer, "import", f, sizeof f / sizeof f[0],
                                    rc->imported, store_proof, &d, &r->custody_entry, err);
}

/*
 * Writes receipts/<id>.receipt.tlog and the QR code with it (store_proof) for an import entry
 * already in the log whose proof a crash kept from being written, signing a checkpoint first
 * if the crash left it behind. Nothing for a log from before the tree.
 */
static int write_proof(const as_station *st, as_custody *log, uint64_t seq, const char *id,
                       as_error *err)
{
    if (!as_custody_is_tree(log))
        return 0;
    as_buf b;
    uint8_t *text = NULL;
    size_t tlen = 0;
    as_buf_init(&b, AS_TLOG_PROOF_MAX);
    char *path = as_path_fmt(err, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, id);
    int rc = path != NULL && as_custody_sync(log, st->signer, err) == 0 &&
                     as_custody_prove(log, seq, &b, err) == 0 &&
                     as_file_read_all_flags(path, 65536, AS_FILE_NOFOLLOW, &text, &tlen, err) == 0
                 ? 0
                 : -1;
    proof_dest d = {st, id, text, tlen};
    if (rc == 0)
        rc = store_proof(&d, seq, b.data, b.len, err);
    free(text);
    free(path);
    as_buf_free(&b);
    return rc;
}

/* Step 5: the signed receipt, then the log entry (on the log verified under this lock). */
static int issue_receipt(as_station *st, as_custody *log, const as_intake_input *in,
                         const signer_pick *sp, const as_bundle_comment *c, as_import_result *r,
                         as_error *err)
{
    as_receipt rc;
    as_buf text;
    as_buf_init(&text, 8192);
    fill_receipt(&rc, st, in, sp, c, as_custody_count(log) + 1);
    int ok = as_receipt_format(&rc, &text, err) == 0 &&
                     write_receipt(st, &rc, &text, r, err) == 0 &&
                     log_import(st, log, in, sp, &rc, &text, r, err) == 0
                 ? 0
                 : -1;
    as_buf_free(&text);
    return ok;
}

/*
 * Undoes a vault commit whose receipt or log entry could not be written (a full disk, an I/O
 * error), so a failed import leaves the station as it was: the entry goes back to staging
 * (removed there), its receipt files are deleted, and an empty case folder is removed. Only
 * when the open log still holds the entries it held before (logged): if the import entry
 * landed, or the log cannot tell (as_custody_count 0), nothing is undone. Returns 0 when
 * rolled back, -1 when the bundle stays in the vault (a later import finishes the receipt
 * and log).
 */
static int roll_back(const as_station *st, const as_custody *log, uint64_t logged,
                     const char *vault, const char *staged, const char *bundle_id)
{
    as_error e = {0};
    if (as_custody_count(log) != logged)
        return -1;
    if (chmod(vault, 0700) != 0 || rename(vault, staged) != 0)
        return -1;
    char *base = as_path_fmt(&e, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, bundle_id);
    const char *suffix[] = {"", ".minisig", ".png", ".tlog"};
    for (size_t i = 0; base != NULL && i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = as_path_fmt(&e, "%s%s", base, suffix[i]);
        if (p != NULL)
            unlink(p);
        free(p);
    }
    free(base);
    char *parent = strdup(vault);
    if (parent != NULL) {
        *strrchr(parent, '/') = '\0';
        if (rmdir(parent) == 0 || errno == ENOTEMPTY || errno == EEXIST) {
            *strrchr(parent, '/') = '\0';
            as_fsync_dir(parent, &e);
        }
        free(parent);
    }
    return 0;
}

/*
 * The longest form of the folder paths an entry lives at: in staging and in the vault, as the
 * station was named and as an absolute path (what an auditor's tools see).
 */
static size_t entry_path_max(const as_station *st, const char *entry, const char *vault)
{
    size_t n = strlen(entry) > strlen(vault) ? strlen(entry) : strlen(vault);
    char *abs = realpath(st->dir, NULL);
    if (abs != NULL) {
        size_t grow = strlen(abs) > strlen(st->dir) ? strlen(abs) - strlen(st->dir) : 0;
        n += grow;
        free(abs);
    }
    return n;
}

static int file_sha256(const char *path, uint8_t out[32], as_error *err)
{
    uint64_t size;
    int fd = as_file_open_read(path, AS_FILE_NOFOLLOW, &size, err);
    if (fd < 0)
        return -1;
    uint8_t *buf = malloc(1 << 20);
    as_sha256_ctx h;
    ssize_t n = 0;
    as_sha256_init(&h);
    while (buf != NULL && (n = read(fd, buf, 1 << 20)) > 0)
        as_sha256_update(&h, buf, (size_t)n);
    close(fd);
    free(buf);
    if (buf == NULL || n < 0)
        return as_fail(err, AS_ERR_IO, "cannot read %s", path);
    as_sha256_final(&h, out);
    return 0;
}

/* The import entries of the bundle ids the candidate signatures claim, found in one pass. */
typedef struct find_imports {
    find_import *v;
    size_t n;
} find_imports;

static int finds_visit(const as_log_entry *e, void *ctx, as_error *err)
{
    find_imports *f = ctx;
    for (size_t i = 0; i < f->n; i++)
        find_visit(e, &f->v[i], err);
    return 0;
}

/*
 * One slot per candidate signature, keyed by the bundle id its trusted comment claims (not yet
 * verified: the slots only collect; the verified signature picks its slot afterwards).
 */
static int claimed_ids(const as_intake_input *in, find_imports *f, char (*ids)[AS_BUNDLE_ID_HEX],
                       as_error *err)
{
    as_mini_sig *s = malloc(sizeof *s);
    as_bundle_comment *c = malloc(sizeof *c);
    if (s == NULL || c == NULL) {
        free(s);
        free(c);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < in->nsigs; i++) {
        as_error e = {0};
        ids[i][0] = '\0';
        if (as_mini_sig_parse(s, in->sigs[i], in->siglens[i], &e) == 0 &&
            as_bundle_comment_parse(c, s->trusted, &e) == 0)
            memcpy(ids[i], c->bundle_id, sizeof ids[i]);
        f->v[i].bundle = ids[i];
    }
    f->n = in->nsigs;
    free(s);
    free(c);
    return 0;
}

/* The folder of vault/<any case>/<bundle_id> into *found (malloc'd), or *found NULL. */
static int vault_find(const as_station *st, const char *bundle_id, char **found, as_error *err)
{
    char *root = as_station_path(st, AS_STATION_VAULT, err);
    DIR *d = root ? opendir(root) : NULL;
    *found = NULL;
    if (d == NULL) {
        if (root != NULL)
            as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", root);
        free(root);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && *found == NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = as_path_fmt(err, "%s/%s/%s", root, e->d_name, bundle_id);
        struct stat sb;
        if (p == NULL)
            rc = -1;
        else if (lstat(p, &sb) == 0)
            *found = p;
        else
            free(p);
    }
    closedir(d);
    free(root);
    return rc;
}

/*
 * Step 2: one identity per bundle id per station. Returns 1 when the id is new here, 0 when
 * the import is settled (already imported, or an interrupted one completed now), -1 refused.
 */
static int known_id(as_station *st, as_custody *log, const as_intake_input *in,
                    const signer_pick *sp, const find_import *fi, as_import_result *r,
                    as_error *err)
{
    const char *id = r->comment.bundle_id;
    char hex[65], *found = NULL;
    as_hex_encode(hex, in->sha256, 32);
    if (fi->seq != 0) {
        if (strcmp(hex, fi->sha) != 0)
            return as_fail(err, AS_ERR_REJECTED,
                           "bundle id %s is already used at this station by a different bundle "
                           "(custody log entry %llu, case %s); refusing it",
                           id, (unsigned long long)fi->seq, fi->case_id);
        if (vault_find(st, id, &found, err) != 0)
            return -1;
        if (found != NULL)
            snprintf(r->vault_path, sizeof r->vault_path, "%s", found);
        free(found);
        r->status = AS_IMPORT_ALREADY;
        r->custody_entry = fi->seq;
        snprintf(r->receipt_path, sizeof r->receipt_path, "%s/%s/%s.receipt", st->dir,
                 AS_STATION_RECEIPTS, id);
        /* A crash after the entry landed may have left its proof unwritten: write it now. */
        char *tlog = as_path_fmt(err, "%s.tlog", r->receipt_path);
        int have = tlog ? as_path_exists(tlog, err) : -1;
        free(tlog);
        return have < 0 ? -1 : have ? 0 : write_proof(st, log, fi->seq, id, err);
    }
    if (vault_find(st, id, &found, err) != 0)
        return -1;
    if (found != NULL) {
        char *vage = as_path_join(found, "bundle.age", err);
        uint8_t have[32];
        int same =
            vage != NULL && file_sha256(vage, have, err) == 0 && as_equal_ct(have, in->sha256, 32);
        free(vage);
        snprintf(r->vault_path, sizeof r->vault_path, "%s", found);
        free(found);
        if (!same) {
            as_error_clear(err);
            return as_fail(err, AS_ERR_REJECTED,
                           "the vault already holds a different bundle with id %s; refusing to "
                           "replace it",
                           id);
        }
        /* In the vault but not in the log: an import was interrupted after its commit. */
        if (issue_receipt(st, log, in, sp, &r->comment, r, err) != 0)
            return -1;
        r->status = AS_IMPORT_COMPLETED;
        return 0;
    }
    char *receipt = as_path_fmt(err, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, id);
    int there = receipt ? as_path_exists(receipt, err) : -1;
    free(receipt);
    if (there > 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "receipts/%s.receipt exists but the custody log has no import of bundle "
                       "%s; refusing to overwrite it",
                       id, id);
    return there < 0 ? -1 : 1;
}

/* Steps 3 to 5 for a bundle id new to this station. */
static int intake_new(as_station *st, as_custody *log, const as_intake_input *in,
                      const signer_pick *sp, const as_progress_sink *progress, as_import_result *r,
                      as_error *err)
{
    as_manifest m;
    uint64_t logged = as_custody_count(log);
    char *entry = as_path_join(in->work, "entry", err);
    char *staged_age = NULL, *staged_sig = NULL;
    int rc = -1;
    memset(&m, 0, sizeof m);
    if (entry == NULL || mkdir(entry, 0700) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create the staging folder");
        goto out;
    }
    as_fault_point("import:staging-created");
    as_unseal_opts uo = {.sealed_path = in->sealed,
                         .identity = st->identity,
                         .pq_identity = st->pq_identity,
                         .signer = &sp->entry->key,
                         .comment = &r->comment,
                         .dest = entry,
                         .entry_path_max = entry_path_max(st, entry, r->vault_path),
                         .progress = progress};
    if (as_unseal(&uo, &m, err) != 0)
        goto out;
    as_fault_point("import:extracted");
    staged_age = as_path_join(entry, "bundle.age", err);
    staged_sig = as_path_join(entry, "bundle.age.minisig", err);
    if (staged_age == NULL || staged_sig == NULL || rename(in->sealed, staged_age) != 0 ||
        as_file_create_excl(staged_sig, sp->text, sp->len, 0444, err) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot stage the sealed file");
        goto out;
    }
    as_fault_point("import:sealed-staged");
    /* 4. into the vault, 5. receipt and log (the log was verified under this same lock) */
    if (as_vault_commit(entry, r->vault_path, err) != 0)
        goto out;
    as_fault_point("import:committed");
    if (issue_receipt(st, log, in, sp, &r->comment, r, err) != 0) {
        if (roll_back(st, log, logged, r->vault_path, entry, r->comment.bundle_id) != 0)
            as_error_prefix(err, "the bundle is in the vault but its receipt or log entry failed "
                                 "(run the import again to finish): ");
        goto out;
    }
    as_fault_point("import:logged");
    r->status = AS_IMPORT_NEW;
    rc = 0;
out:
    as_manifest_free(&m);
    free(entry);
    free(staged_age);
    free(staged_sig);
    return rc;
}

/* as_intake under the station lock. */
static int intake_locked(as_station *st, const as_intake_input *in,
                         const as_progress_sink *progress, as_import_result *r, as_error *err)
{
    as_trust_store ts = {0};
    signer_pick *sp = calloc(1, sizeof *sp);
    find_imports fi = {.v = calloc(in->nsigs + 1, sizeof *fi.v)};
    char(*ids)[AS_BUNDLE_ID_HEX] = calloc(in->nsigs + 1, sizeof *ids);
    as_custody *log = NULL;
    int rc = -1;
    if (sp == NULL || fi.v == NULL || ids == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* The log is opened and verified once: trust replay and the bundle ids' earlier imports
     * together; the same open log takes the import entry. */
    if (sweep_staging(st, err) != 0 || claimed_ids(in, &fi, ids, err) != 0)
        goto out;
    if (as_station_trust_checked(st, &ts, finds_visit, &fi, &log, err) != 0)
        goto out;
    as_fault_point("import:log-checked");
    /* 1. who signed it, and do we trust them */
    if (pick_signature(&ts, in, sp, err) != 0)
        goto out;
    as_fault_point("import:signature-verified");
    as_mini_keyid(sp->sig.keynum, r->signer);
    snprintf(r->signer_label, sizeof r->signer_label, "%s", sp->entry->label);
    as_fingerprint_minisign(&sp->entry->key, r->signer_fingerprint);
    /* 2. what it claims to be; is its id known here already */
    if (as_bundle_comment_parse(&r->comment, sp->sig.trusted, err) != 0)
        goto out;
    char *vault = as_vault_entry_path(st, r->comment.case_id, r->comment.bundle_id, err);
    if (vault == NULL)
        goto out;
    snprintf(r->vault_path, sizeof r->vault_path, "%s", vault);
    free(vault);
    size_t k = 0;
    while (k < fi.n && strcmp(fi.v[k].bundle, r->comment.bundle_id) != 0)
        k++;
    int fresh = k < fi.n ? known_id(st, log, in, sp, &fi.v[k], r, err)
                         : as_fail(err, AS_ERR_INTERNAL, "bundle id lookup lost its signature");
    rc = fresh == 1 ? intake_new(st, log, in, sp, progress, r, err) : fresh;
out:
    as_custody_close(log);
    as_trust_free(&ts);
    free(sp);
    free(fi.v);
    free(ids);
    return rc;
}

int as_intake(as_station *st, const as_intake_input *in, const as_progress_sink *progress,
              as_import_result *r, as_error *err)
{
    r->sealed_size = in->size;
    memcpy(r->sealed_sha256, in->sha256, 32);
    r->repaired = in->repaired;
    /* A transport that read its sources without the lock: take it now, for the intake only. */
    bool took = !as_station_locked(st);
    if (took && as_station_lock(st, err) != 0)
        return -1;
    int rc = intake_locked(st, in, progress, r, err);
    if (took)
        as_station_release(st);
    return rc;
}

int as_import_usb(as_station *st, char *const *sources, size_t n, const as_progress_sink *progress,
                  as_import_result *r, as_error *err)
{
    memset(r, 0, sizeof *r);
    /* The sources (a slow or stalling stick) are read into the work folder without the
     * station lock; as_intake takes it for the intake itself. */
    char *work = as_intake_workdir(st, err);
    if (work == NULL)
        return -1;
    int rc = -1;
    as_fault_point("import:work-created");
    as_usb_in *in = as_usb_gather(sources, n, &r->usb, err);
    char *sealed = as_path_join(work, "bundle.age", err);
    as_outfile o = {.fd = -1};
    as_intake_input ii = {.work = work, .sealed = sealed, .transport = "usb"};
    if (in == NULL || sealed == NULL)
        goto out;
    /* An unknown signer is told before any repair work; the full check follows assembly. */
    ii.nsigs = as_usb_signatures(in, &ii.sigs, &ii.siglens);
    if (as_intake_signer_precheck(st, ii.sigs, ii.siglens, ii.nsigs, err) != 0 ||
        as_outfile_open(&o, sealed, 0600, err) != 0)
        goto out;
    as_fault_point("import:gathered");
    if (as_usb_assemble(in, &o, &r->usb, ii.sha256, ii.prehash, &ii.size, progress, err) != 0 ||
        as_outfile_commit(&o, true, err) != 0)
        goto out;
    as_fault_point("import:assembled");
    ii.repaired = r->usb.blocks_repaired;
    rc = as_intake(st, &ii, progress, r, err);
    as_fault_point("import:finished");
out:
    as_outfile_abort(&o);
    as_usb_in_free(in);
    free(sealed);
    as_remove_tree(work, NULL);
    as_station_set_work_lock(st, -1);
    free(work);
    return rc;
}
