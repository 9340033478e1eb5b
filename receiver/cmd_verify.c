/*
 * cmd_verify.c: airseal-recv verify, the auditor's checks with public keys only. It changes
 * nothing it checks; the one file it writes is the temporary a bundle is rebuilt into, in
 * $TMPDIR (else /tmp), unlinked as soon as it is created (verify_bundle).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/fingerprint.h"
#include "common/station/custody.h"
#include "common/station/receipt.h"
#include "common/station/trust_ops.h"
#include "common/station/vault.h"
#include "common/transport/usb_in.h"
#include "common/ui/cli.h"
#include "common/ui/progress.h"

static const char help[] =
    "usage: airseal-recv verify [-p KEY.pub | --station STATION] TARGET\n"
    "\n"
    "Checks, with public keys only, one of:\n"
    "  a bundle       (a bundle folder, bundle.age or its parts): the NGO's signature;\n"
    "                 key: -p NGO.pub, or --station to use the station's trust store\n"
    "  a receipt      (a .receipt file with its .minisig, or a photo of its QR code);\n"
    "                 key: -p STATION.pub, or --station\n"
    "  a custody log  (custody.log): every entry's signature and the hash chain, the Merkle\n"
    "                 tree's root against the signed checkpoint (custody.checkpoint), and that\n"
    "                 every import was signed by a key trusted at the time; names the first\n"
    "                 broken entry; key: -p STATION.pub, or --station\n"
    "  a vault entry  (STATION/vault/<case>/<bundle>): the NGO's signatures and every file\n"
    "                 against the signed manifest; key: -p NGO.pub, or --station\n"
    "\n"
    "options:\n"
    "  -p KEY.pub           the public key to check against\n"
    "  --station STATION    take keys from the station folder (station.pub, trust store)\n"
    "  --json               print the result as one JSON object on standard output\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 verified, 1 verification failed (the first problem is printed),\n"
    "2 usage error, 3 system error.\n";

enum {
    OPT_STATION = AS_OPT_FIRST_VERB_OPTION
};

static const char *const kind_names[] = {"bundle", "receipt", "custody-log", "vault-entry"};

/* The signer members shared by bundle and vault results. */
static void json_signer(as_json *j, const char *id, const char *label, const as_mini_pubkey *pk)
{
    char fp[AS_FINGERPRINT_STR];
    as_fingerprint_minisign(pk, fp);
    as_json_open(j, "signer");
    as_json_str(j, "key_id", id);
    as_json_str(j, "label", label);
    as_json_str(j, "fingerprint", fp);
    as_json_close(j);
}

typedef enum {
    T_BUNDLE,
    T_RECEIPT,
    T_LOG,
    T_VAULT
} target_kind;

static int kind_of(const char *path, target_kind *k, as_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return as_fail_errno(err, AS_ERR_USAGE, errno, "cannot read %s", path);
    if (S_ISDIR(st.st_mode)) {
        char *m = as_path_join(path, "manifest.txt", err);
        int vault = m != NULL && as_path_exists(m, err) == 1;
        free(m);
        *k = vault ? T_VAULT : T_BUNDLE;
        return 0;
    }
    /* What is to be verified may come from anyone: a link, FIFO or device is refused by type
     * before it is opened, so nothing blocks or is followed. */
    uint8_t head[64] = {0};
    int fd = as_file_open_read(path, AS_FILE_NOFOLLOW, NULL, err);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    if (got < 0)
        return as_fail_errno(err, AS_ERR_IO, errno, "cannot read %s", path);
    size_t n = (size_t)got;
    if (n >= 18 && memcmp(head, "airseal receipt v1", 18) == 0)
        *k = T_RECEIPT;
    else if ((n >= 8 && memcmp(head, "\x89PNG", 4) == 0) ||
             (n >= 3 && head[0] == 0xff && head[1] == 0xd8))
        *k = T_RECEIPT;
    else if (n >= 24 && head[0] == '1' && head[1] == ' ' && memmem(head, n, " init ", 6) != NULL)
        *k = T_LOG;
    else
        *k = T_BUNDLE;
    return 0;
}

/* The station's public key: -p FILE, or STATION/station.pub. */
static int station_key(as_mini_pubkey *pk, const char *keyfile, const char *station, as_error *err)
{
    if (keyfile != NULL)
        return as_mini_pubkey_load(pk, keyfile, err);
    char *p = as_path_join(station, "station.pub", err);
    int rc = p ? as_mini_pubkey_load(pk, p, err) : -1;
    free(p);
    return rc;
}

/* The NGO key for a signer key id: -p FILE (must match), or the station's trust store. */
static int ngo_key(as_mini_pubkey *pk, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                   const char *keyfile, const char *station, char *label, size_t cap, as_error *err)
{
    if (keyfile != NULL) {
        snprintf(label, cap, "%s", keyfile);
        return as_mini_pubkey_load(pk, keyfile, err);
    }
    /* The trust store as the custody log confirms it (a hand-edited store is refused). */
    as_trust_store ts;
    as_station st;
    if (as_station_open(&st, station, err) != 0)
        return -1;
    int rc = as_station_trust_list(&st, &ts, err);
    as_station_close(&st);
    if (rc != 0)
        return -1;
    const as_trust_entry *e = as_trust_find(&ts, keynum);
    if (e != NULL) {
        *pk = e->key;
        snprintf(label, cap, "%s", e->label);
    } else {
        char id[AS_MINI_KEYID_STR];
        as_mini_keyid(keynum, id);
        rc = as_fail(err, AS_ERR_KEY,
                     "signed by key %s, which is not in the station's trust "
                     "store; give the key with -p",
                     id);
    }
    as_trust_free(&ts);
    return rc;
}

static int verify_bundle(const char *target, const char *keyfile, const char *station, as_json *j,
                         as_error *err)
{
    as_usb_report rep;
    char *const sources[1] = {(char *)target};
    as_usb_in *in = as_usb_gather(sources, 1, &rep, err);
    if (in == NULL)
        return -1;
    /*
     * Rebuilding a damaged bundle from parity needs a file to write blocks into and read them
     * back: one temporary in $TMPDIR (else /tmp), unlinked as soon as it is created, so it
     * holds no name while it is used and vanishes with the process, however that ends.
     */
    const char *tmpdir = getenv("TMPDIR");
    int rc = -1;
    as_outfile o = {.fd = -1};
    uint8_t sha[32], pre[64];
    uint64_t size;
    char *tmpl =
        as_path_join(tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp", "airseal-verify", err);
    if (tmpl == NULL || as_outfile_open(&o, tmpl, 0600, err) != 0)
        goto out;
    unlink(o.tmp);
    if (as_usb_assemble(in, &o, &rep, sha, pre, &size, as_term_progress(), err) != 0)
        goto out;
    const uint8_t *const *sigs;
    const size_t *lens;
    size_t nsigs = as_usb_signatures(in, &sigs, &lens);
    as_mini_sig *s = malloc(sizeof *s);
    if (s == NULL)
        goto out;
    for (size_t i = 0; i < nsigs && rc != 0; i++) {
        as_mini_pubkey pk;
        char label[256];
        as_bundle_comment bc;
        as_error_clear(err);
        if (as_mini_sig_parse(s, sigs[i], lens[i], err) != 0 ||
            ngo_key(&pk, s->keynum, keyfile, station, label, sizeof label, err) != 0 ||
            as_mini_verify(&pk, s, pre, NULL, 0, false, err) != 0 ||
            as_bundle_comment_parse(&bc, s->trusted, err) != 0)
            continue;
        char id[AS_MINI_KEYID_STR], fp[AS_FINGERPRINT_STR], hex[65];
        as_mini_keyid(s->keynum, id);
        as_fingerprint_minisign(&pk, fp);
        as_hex_encode(hex, sha, 32);
        rc = 0;
        if (j != NULL) {
            as_json_open(j, "bundle");
            as_json_str(j, "id", bc.bundle_id);
            as_json_str(j, "case", bc.case_id);
            as_json_uint(j, "files", bc.files);
            as_json_uint(j, "bytes", bc.bytes);
            as_json_hex(j, "manifest_sha256", bc.manifest_sha256, 32);
            as_json_uint(j, "sealed_size", size);
            as_json_hex(j, "sealed_sha256", sha, 32);
            as_json_close(j);
            json_signer(j, id, label, &pk);
            as_json_uint(j, "repaired_blocks", rep.blocks_repaired);
            continue;
        }
        char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], sl[AS_TEXT_SHOW_CAP(PATH_MAX)];
        printf("OK: bundle %s (case %s) is signed by key %s (%s), fingerprint %s.\n", bc.bundle_id,
               as_text_shown(sc, sizeof sc, bc.case_id), id, as_text_shown(sl, sizeof sl, label),
               fp);
        printf("    %llu files, %llu bytes of evidence; bundle.age is %llu bytes, SHA-256 %s\n",
               (unsigned long long)bc.files, (unsigned long long)bc.bytes, (unsigned long long)size,
               hex);
        if (rep.blocks_repaired > 0)
            printf("    (bundle.age was damaged: %u blocks verified only after repair from "
                   "parity)\n",
                   rep.blocks_repaired);
    }
    free(s);
out:
    as_outfile_abort(&o);
    free(tmpl);
    as_usb_in_free(in);
    return rc;
}

static int verify_receipt(const char *target, const char *keyfile, const char *station, as_json *j,
                          as_error *err)
{
    as_mini_pubkey pk;
    uint8_t *text, *sig;
    size_t tlen, slen;
    as_receipt r;
    if (station_key(&pk, keyfile, station, err) != 0 ||
        as_receipt_load(target, &text, &tlen, &sig, &slen, err) != 0)
        return -1;
    int rc = as_receipt_is_proof(sig, slen)
                 ? as_receipt_verify_proof(text, tlen, sig, slen, &pk, &r, NULL, err)
                 : as_receipt_verify(text, tlen, sig, slen, &pk, &r, err);
    free(text);
    free(sig);
    if (rc != 0)
        return -1;
    if (j != NULL) {
        as_cli_json_receipt(j, &r);
        return 0;
    }
    char sealed[65], when[21];
    as_hex_encode(sealed, r.sealed_sha256, 32);
    as_time_utc(when, r.imported);
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)];
    printf("OK: receipt signed by station %s: bundle %s (case %s) from NGO key %s was imported "
           "on %s.\n",
           r.station, r.bundle_id, as_text_shown(sc, sizeof sc, r.case_id), r.signer, when);
    printf("    %llu files, %llu bytes; bundle.age SHA-256 %s; custody log entry %llu\n",
           (unsigned long long)r.files, (unsigned long long)r.bytes, sealed,
           (unsigned long long)r.custody_entry);
    return 0;
}

typedef struct log_audit {
    as_mini_pubkey station;
    as_trust_store trusted;
    uint64_t imports;
    char last[21];
    uint8_t head[32]; /* SHA-256 of the last entry's line */
} log_audit;

/* Reads the public key in field name of e; false when it is missing or malformed. */
static bool entry_key(const as_log_entry *e, const char *name, as_mini_pubkey *pk)
{
    const char *k = as_log_get(e, name);
    as_error why = {0}; /* the caller's message names the entry */
    return k != NULL && as_mini_pubkey_parse_b64(pk, k, strlen(k), &why) == 0;
}

/*
 * Replays one entry (as_custody_verify has checked its signature and chain): entry 1 must be
 * the init entry of the station's key, trust entries change the replayed trust store, and an
 * import must be by a key trusted at that point. A missing or malformed key is a format error
 * of the log; a well-formed one that breaks these rules is rejected.
 */
static int audit_entry(const as_log_entry *e, void *ctx, as_error *err)
{
    log_audit *a = ctx;
    as_mini_pubkey pk;
    memcpy(a->last, e->time, sizeof a->last);
    memcpy(a->head, e->line_hash, sizeof a->head);
    if (e->seq == 1) {
        bool init = strcmp(e->event, "init") == 0;
        if (init && !entry_key(e, "key", &pk))
            return as_fail(err, AS_ERR_FORMAT, "custody log entry 1: malformed key");
        if (!init || memcmp(&pk, &a->station, sizeof pk) != 0) /* public keys */
            return as_fail(err, AS_ERR_REJECTED,
                           "custody log entry 1: not the init entry of this station's key");
        return 0;
    }
    if (strcmp(e->event, "trust-add") == 0 || strcmp(e->event, "trust-remove") == 0) {
        as_error ignore = {0};
        if (!entry_key(e, "pubkey", &pk))
            return as_fail(err, AS_ERR_FORMAT, "custody log entry %llu: malformed key",
                           (unsigned long long)e->seq);
        if (e->event[6] == 'a')
            as_trust_add(&a->trusted, &pk, "x", &ignore);
        else
            as_trust_remove(&a->trusted, pk.keynum, NULL, &ignore);
        return 0;
    }
    if (strcmp(e->event, "import") == 0) {
        const char *s = as_log_get(e, "signer");
        uint8_t keynum[AS_MINI_KEYNUM_LEN];
        a->imports++;
        if (s == NULL || as_mini_keyid_parse(keynum, s, strlen(s)) != 0 ||
            as_trust_find(&a->trusted, keynum) == NULL)
            return as_fail(err, AS_ERR_REJECTED,
                           "custody log entry %llu: imports a bundle signed by key %s, which the "
                           "log does not show as trusted at that time",
                           (unsigned long long)e->seq, s ? s : "?");
        return 0;
    }
    return 0;
}

static int verify_log(const char *target, const char *keyfile, const char *station, as_json *j,
                      as_error *err)
{
    log_audit a;
    memset(&a, 0, sizeof a);
    uint64_t count, signed_size;
    if (station_key(&a.station, keyfile, station, err) != 0)
        return -1;
    as_custody *log = NULL;
    int rc = as_custody_open(&log, target, &a.station, AS_CUSTODY_READ, audit_entry, &a, err);
    if (rc == 0) {
        count = as_custody_count(log);
        signed_size = as_custody_checkpoint_size(log);
        as_custody_close(log);
        char id[AS_MINI_KEYID_STR], head[65];
        as_mini_keyid(a.station.keynum, id);
        as_hex_encode(head, a.head, 32);
        if (j != NULL) {
            as_json_open(j, "custody_log");
            as_json_str(j, "station", id);
            as_json_uint(j, "entries", count);
            as_json_uint(j, "imports", a.imports);
            as_json_str(j, "last_entry_time", a.last);
            as_json_str(j, "last_entry_sha256", head);
            as_json_close(j);
        } else {
            printf("OK: custody log of station %s: %llu entr%s (%llu import%s) chained and "
                   "signed; last entry %s.\n",
                   id, (unsigned long long)count, count == 1 ? "y" : "ies",
                   (unsigned long long)a.imports, a.imports == 1 ? "" : "s", a.last);
            /* Entries cut off the end leave a log that still verifies: the head lets an
             * auditor compare with what they recorded last time, or with a receipt. */
            printf("    Last entry %llu, SHA-256 %s\n", (unsigned long long)count, head);
            if (signed_size != 0)
                printf("    Merkle tree: the root of entries 1 to %llu matches the station's "
                       "signed checkpoint.\n",
                       (unsigned long long)signed_size);
            else
                printf("    No signed checkpoint: a custody log from before the Merkle tree "
                       "(airseal-recv log STATION migrate).\n");
        }
    }
    as_trust_free(&a.trusted);
    return rc;
}

static int verify_vault(const char *target, const char *keyfile, const char *station, as_json *j,
                        as_error *err)
{
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    as_mini_pubkey pk;
    char label[256];
    as_vault_report rep;
    if (as_vault_signer(target, keynum, err) != 0 ||
        ngo_key(&pk, keynum, keyfile, station, label, sizeof label, err) != 0 ||
        as_vault_verify(target, &pk, &rep, err) != 0)
        return -1;
    if (j != NULL) {
        as_json_open(j, "bundle");
        as_json_str(j, "id", rep.comment.bundle_id);
        as_json_str(j, "case", rep.comment.case_id);
        as_json_uint(j, "files", rep.comment.files);
        as_json_uint(j, "bytes", rep.comment.bytes);
        as_json_hex(j, "manifest_sha256", rep.comment.manifest_sha256, 32);
        as_json_close(j);
        json_signer(j, rep.signer, label, &pk);
        as_json_uint(j, "files_checked", rep.files_checked);
        as_json_uint(j, "bytes_checked", rep.bytes_checked);
        return 0;
    }
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], sl[AS_TEXT_SHOW_CAP(PATH_MAX)];
    printf("OK: vault entry %s (case %s): %llu files, %llu bytes match the manifest signed by "
           "key %s (%s).\n",
           rep.comment.bundle_id, as_text_shown(sc, sizeof sc, rep.comment.case_id),
           (unsigned long long)rep.files_checked, (unsigned long long)rep.bytes_checked, rep.signer,
           as_text_shown(sl, sizeof sl, label));
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        {"station", required_argument, NULL, OPT_STATION},
        {"json", no_argument, NULL, AS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keyfile = NULL, *station = NULL;
    bool json = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            keyfile = optarg;
            break;
        case OPT_STATION:
            station = optarg;
            break;
        case AS_OPT_JSON:
            json = true;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            return as_cli_bad_option("verify", argv, c);
        }
    }
    if (argc - optind != 1)
        return as_cli_usage("verify", "expected exactly one TARGET");
    if ((keyfile == NULL) == (station == NULL))
        return as_cli_usage("verify", "give the key with -p KEY.pub or --station STATION (one of "
                                      "them)");
    const char *target = argv[optind];
    as_error err = {0};
    /* The result object is built while verifying; stdout is a pipe to a case-management
     * system, so it is held in memory and written whole, success or failure. */
    char *buf = NULL;
    size_t buflen = 0;
    FILE *mem = NULL;
    as_json j;
    if (json && (mem = open_memstream(&buf, &buflen)) == NULL) {
        as_fail_errno(&err, AS_ERR_NOMEM, errno, "out of memory");
        return as_cli_fail(&err);
    }
    target_kind k = T_BUNDLE;
    int rc = kind_of(target, &k, &err);
    if (json) {
        as_cli_json_begin(&j, mem, "verify");
        as_json_str(&j, "target", target);
        as_json_str(&j, "kind", rc == 0 ? kind_names[k] : NULL);
    }
    as_json *jp = json ? &j : NULL;
    if (rc == 0) {
        switch (k) {
        case T_RECEIPT:
            rc = verify_receipt(target, keyfile, station, jp, &err);
            break;
        case T_LOG:
            rc = verify_log(target, keyfile, station, jp, &err);
            break;
        case T_VAULT:
            rc = verify_vault(target, keyfile, station, jp, &err);
            break;
        default:
            rc = verify_bundle(target, keyfile, station, jp, &err);
            break;
        }
    }
    int status = 0;
    if (json) {
        if (rc == 0) {
            as_json_bool(&j, "ok", true);
            as_json_str(&j, "verdict", "verified");
            as_json_uint(&j, "exit_status", 0);
        } else {
            as_cli_json_failure(&j, &err, "not-verified");
        }
        as_json_end(&j);
        fclose(mem);
        fwrite(buf, 1, buflen, stdout);
        fflush(stdout);
        free(buf);
    }
    if (rc != 0)
        status = as_cli_fail(&err);
    return status;
}
