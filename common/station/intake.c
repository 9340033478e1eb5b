/* intake.c: verify, decrypt, extract, vault, receipt, log; see intake.h. */
#include "intake.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../bundle/unseal.h"
#include "../core/faults.h"
#include "../core/file.h"
#include "../core/text.h"
#include "../crypto/sha256.h"
#include "../transport/qr.h"
#include "custody.h"
#include "receipt.h"
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

char *as_intake_workdir(const as_station *st, as_error *err)
{
    char *receipts = as_station_path(st, AS_STATION_RECEIPTS, err);
    int swept = receipts != NULL && sweep_temp_files(st->dir, err) == 0 &&
                sweep_temp_files(receipts, err) == 0;
    free(receipts);
    if (!swept)
        return NULL;
    char *staging = as_station_path(st, AS_STATION_STAGING, err);
    if (staging == NULL)
        return NULL;
    /* Whatever is here was left by an interrupted import: it never reached the vault. */
    DIR *d = opendir(staging);
    if (d == NULL) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", staging);
        free(staging);
        return NULL;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = as_path_join(staging, e->d_name, err);
        rc = p ? as_remove_tree(p, err) : -1;
        free(p);
    }
    closedir(d);
    char *work = rc == 0 ? as_path_fmt(err, "%s/import-XXXXXX", staging) : NULL;
    free(staging);
    if (work != NULL && mkdtemp(work) == NULL) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create a work folder in %s/staging", st->dir);
        free(work);
        return NULL;
    }
    return work;
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
    char *trust = as_station_path(st, AS_STATION_TRUST, err);
    if (trust == NULL || as_trust_load(&ts, trust, err) != 0) {
        free(trust);
        return -1;
    }
    free(trust);
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

typedef struct find_import {
    const char *bundle;
    uint64_t seq;
    char time[21];
} find_import;

static int find_visit(const as_log_entry *e, void *ctx, as_error *err)
{
    (void)err;
    find_import *f = ctx;
    const char *b = as_log_get(e, "bundle");
    if (strcmp(e->event, "import") == 0 && b != NULL && strcmp(b, f->bundle) == 0) {
        f->seq = e->seq;
        memcpy(f->time, e->time, sizeof f->time);
    }
    return 0;
}

/* ---------------------------------------------------------------- receipt and log */

static int issue_receipt(as_station *st, const as_intake_input *in, const signer_pick *sp,
                         const as_bundle_comment *c, uint64_t seq, as_import_result *r,
                         as_error *err)
{
    as_receipt rc;
    as_buf text, sig, qr;
    as_qr code = {0};
    int ok = -1;
    memset(&rc, 0, sizeof rc);
    as_buf_init(&text, 8192);
    as_buf_init(&sig, 8192);
    as_buf_init(&qr, 16384);
    memcpy(rc.station, st->id, sizeof rc.station);
    memcpy(rc.bundle_id, c->bundle_id, sizeof rc.bundle_id);
    memcpy(rc.case_id, c->case_id, sizeof rc.case_id);
    as_mini_keyid(sp->sig.keynum, rc.signer);
    rc.sealed_size = in->size;
    memcpy(rc.sealed_sha256, in->sha256, 32);
    memcpy(rc.manifest_sha256, c->manifest_sha256, 32);
    rc.files = c->files;
    rc.bytes = c->bytes;
    rc.imported = time(NULL);
    rc.custody_entry = seq;
    char *base = as_path_fmt(err, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, c->bundle_id);
    char *sigpath = base ? as_path_fmt(err, "%s.minisig", base) : NULL;
    char *pngpath = base ? as_path_fmt(err, "%s.png", base) : NULL;
    if (sigpath == NULL || pngpath == NULL || as_receipt_format(&rc, &text, err) != 0 ||
        as_receipt_sign(&rc, text.data, text.len, st->signer, &sig, err) != 0 ||
        as_buf_append(&qr, text.data, text.len, err) != 0 ||
        as_buf_append(&qr, sig.data, sig.len, err) != 0 ||
        as_qr_encode(&code, qr.data, qr.len, 0, AS_ECC_M, err) != 0)
        goto out;
    if (as_file_write_atomic(base, text.data, text.len, 0644, err) != 0)
        goto out;
    as_fault_point("import:receipt-text-written");
    if (as_file_write_atomic(sigpath, sig.data, sig.len, 0644, err) != 0)
        goto out;
    as_fault_point("import:receipt-signature-written");
    if (as_qr_save_png(&code, 6, 4, pngpath, err) != 0)
        goto out;
    as_fault_point("import:receipt-written");
    snprintf(r->receipt_path, sizeof r->receipt_path, "%s", base);
    /* the log entry commits to the exact receipt text */
    char rhex[65], shex[65], mhex[65], size[24], files[24], bytes[24], rep[16];
    as_sha256_hex(rhex, text.data, text.len);
    as_hex_encode(shex, in->sha256, 32);
    as_hex_encode(mhex, c->manifest_sha256, 32);
    snprintf(size, sizeof size, "%llu", (unsigned long long)in->size);
    snprintf(files, sizeof files, "%llu", (unsigned long long)c->files);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)c->bytes);
    snprintf(rep, sizeof rep, "%u", in->repaired);
    char *log = as_station_path(st, AS_STATION_LOG, err);
    as_log_field f[] = {{"bundle", c->bundle_id},
                        {"case", c->case_id},
                        {"signer", rc.signer},
                        {"signer-label", sp->entry->label},
                        {"transport", in->transport},
                        {"sealed-size", size},
                        {"sealed-sha256", shex},
                        {"manifest-sha256", mhex},
                        {"files", files},
                        {"bytes", bytes},
                        {"repaired-blocks", rep},
                        {"receipt-sha256", rhex}};
    if (log == NULL || as_custody_append(log, st->signer, "import", f, sizeof f / sizeof f[0],
                                         rc.imported, 0, &r->custody_entry, err) != 0) {
        free(log);
        goto out;
    }
    free(log);
    ok = 0;
out:
    as_qr_free(&code);
    as_buf_free(&text);
    as_buf_free(&sig);
    as_buf_free(&qr);
    free(base);
    free(sigpath);
    free(pngpath);
    return ok;
}

/*
 * Undoes a vault commit whose receipt or log entry could not be written (a full disk, an I/O
 * error), so a failed import leaves the station as it was: the entry goes back to staging
 * (removed there), its receipt files are deleted, and an empty case folder is removed. Only
 * when the log does not name the bundle: if the log entry landed (its write failed after the
 * rename), the import is complete and nothing is undone. Returns 0 when rolled back, -1 when
 * the bundle stays in the vault (a later import finishes the receipt and log).
 */
static int roll_back(const as_station *st, const char *log, const char *vault, const char *staged,
                     const char *bundle_id)
{
    as_error e = {0};
    find_import fi = {.bundle = bundle_id};
    if (as_custody_verify_file(log, &st->pub, find_visit, &fi, NULL, &e) != 0 || fi.seq != 0)
        return -1;
    if (chmod(vault, 0700) != 0 || rename(vault, staged) != 0)
        return -1;
    char *base = as_path_fmt(&e, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS, bundle_id);
    const char *suffix[] = {"", ".minisig", ".png"};
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

int as_intake(as_station *st, const as_intake_input *in, bool progress, as_import_result *r,
              as_error *err)
{
    as_trust_store ts = {0};
    signer_pick *sp = calloc(1, sizeof *sp);
    as_manifest m;
    char *trust = as_station_path(st, AS_STATION_TRUST, err);
    char *log = as_station_path(st, AS_STATION_LOG, err);
    char *entry = NULL, *vault = NULL, *staged_age = NULL, *staged_sig = NULL;
    int rc = -1;
    memset(&m, 0, sizeof m);
    r->sealed_size = in->size;
    memcpy(r->sealed_sha256, in->sha256, 32);
    r->repaired = in->repaired;
    if (sp == NULL || trust == NULL || log == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }

    /* 1. who signed it, and do we trust them */
    if (as_trust_load(&ts, trust, err) != 0 || pick_signature(&ts, in, sp, err) != 0)
        goto out;
    as_fault_point("import:signature-verified");
    as_mini_keyid(sp->sig.keynum, r->signer);
    snprintf(r->signer_label, sizeof r->signer_label, "%s", sp->entry->label);
    as_fingerprint_minisign(&sp->entry->key, r->signer_fingerprint);

    /* 2. what it claims to be; is it here already */
    if (as_bundle_comment_parse(&r->comment, sp->sig.trusted, err) != 0)
        goto out;
    vault = as_vault_entry_path(st, r->comment.case_id, r->comment.bundle_id, err);
    if (vault == NULL)
        goto out;
    snprintf(r->vault_path, sizeof r->vault_path, "%s", vault);
    find_import fi = {.bundle = r->comment.bundle_id};
    if (as_custody_verify_file(log, &st->pub, find_visit, &fi, NULL, err) != 0) {
        as_error_prefix(err, "refusing to import into a station whose log is damaged: ");
        goto out;
    }
    as_fault_point("import:log-checked");
    int there = as_path_exists(vault, err);
    if (there < 0)
        goto out;
    if (there) {
        char *vage = as_path_join(vault, "bundle.age", err);
        uint8_t have[32];
        int same =
            vage != NULL && file_sha256(vage, have, err) == 0 && as_equal_ct(have, in->sha256, 32);
        free(vage);
        if (!same) {
            as_error_clear(err);
            as_fail(err, AS_ERR_REJECTED,
                    "the vault already holds a different bundle with id %s; refusing to replace "
                    "it",
                    r->comment.bundle_id);
            goto out;
        }
        if (fi.seq != 0) {
            r->status = AS_IMPORT_ALREADY;
            r->custody_entry = fi.seq;
            char *rp = as_path_fmt(err, "%s/%s/%s.receipt", st->dir, AS_STATION_RECEIPTS,
                                   r->comment.bundle_id);
            if (rp != NULL)
                snprintf(r->receipt_path, sizeof r->receipt_path, "%s", rp);
            free(rp);
            rc = 0;
            goto out;
        }
        /* In the vault but not in the log: an import was interrupted after its commit. */
        uint64_t count;
        if (as_custody_verify_file(log, &st->pub, NULL, NULL, &count, err) != 0 ||
            issue_receipt(st, in, sp, &r->comment, count + 1, r, err) != 0)
            goto out;
        r->status = AS_IMPORT_COMPLETED;
        rc = 0;
        goto out;
    }

    /* 3. decrypt and extract into staging */
    entry = as_path_join(in->work, "entry", err);
    if (entry == NULL || mkdir(entry, 0700) != 0) {
        as_fail_errno(err, AS_ERR_IO, errno, "cannot create the staging folder");
        goto out;
    }
    as_fault_point("import:staging-created");
    as_unseal_opts uo = {.sealed_path = in->sealed,
                         .identity = st->identity,
                         .signer = &sp->entry->key,
                         .comment = &r->comment,
                         .dest = entry,
                         .entry_path_max = entry_path_max(st, entry, vault),
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

    /* 4. into the vault, 5. receipt and log */
    uint64_t count;
    if (as_custody_verify_file(log, &st->pub, NULL, NULL, &count, err) != 0 ||
        as_vault_commit(entry, vault, err) != 0)
        goto out;
    as_fault_point("import:committed");
    if (issue_receipt(st, in, sp, &r->comment, count + 1, r, err) != 0) {
        if (roll_back(st, log, vault, entry, r->comment.bundle_id) != 0)
            as_error_prefix(err, "the bundle is in the vault but its receipt or log entry failed "
                                 "(run the import again to finish): ");
        goto out;
    }
    as_fault_point("import:logged");
    r->status = AS_IMPORT_NEW;
    rc = 0;
out:
    as_manifest_free(&m);
    as_trust_free(&ts);
    free(sp);
    free(trust);
    free(log);
    free(entry);
    free(vault);
    free(staged_age);
    free(staged_sig);
    return rc;
}

int as_import_usb(as_station *st, char *const *sources, size_t n, bool progress,
                  as_import_result *r, as_error *err)
{
    memset(r, 0, sizeof *r);
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
    free(work);
    return rc;
}
