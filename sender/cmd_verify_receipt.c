/* cmd_verify_receipt.c: airseal-send verify-receipt, the NGO checks the station's receipt. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/checkpoint.h"
#include "common/crypto/sha256.h"
#include "common/station/custody.h"
#include "common/station/receipt.h"
#include "common/transport/usb_in.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-send verify-receipt -p STATION.pub RECEIPT [--bundle OUTDIR]\n"
    "\n"
    "Checks the receipt the court intake station signed when it imported your bundle.\n"
    "RECEIPT is the .receipt text file (its .minisig beside it) or a photo (PNG, JPEG) of the\n"
    "receipt's QR code. With --bundle, also checks that the receipt is for the bundle in\n"
    "OUTDIR (same sealed file, byte for byte).\n"
    "\n"
    "  -p, --station-key STATION.pub   the station's public key (check its fingerprint first)\n"
    "  --bundle OUTDIR                 the bundle folder you sent\n"
    "  --json                          print the result as one JSON object on standard output\n"
    "  -h, --help                      this help\n";

enum {
    OPT_BUNDLE = AS_OPT_FIRST_VERB_OPTION
};

/* What the inclusion proof beside a receipt showed: 0 when there is none. */
typedef struct proof_seen {
    uint64_t tree_size;
} proof_seen;

/*
 * Checks RECEIPT.tlog when it exists (receipts since the custody log became a tree log)
 * with as_receipt_verify_proof.
 */
static int check_proof(const char *path, const as_mini_pubkey *pk, const uint8_t *text, size_t tlen,
                       proof_seen *seen, as_error *err)
{
    as_receipt again;
    char *tlog = as_path_fmt(err, "%s.tlog", path);
    uint8_t *data = NULL;
    size_t len;
    int have = tlog ? as_path_exists(tlog, err) : -1;
    int rc =
        have <= 0 ? have
        : as_file_read_all_flags(tlog, AS_TLOG_PROOF_MAX, AS_FILE_NOFOLLOW, &data, &len, err) != 0
            ? -1
            : as_receipt_verify_proof(text, tlen, data, len, pk, &again, &seen->tree_size, err);
    free(tlog);
    free(data);
    return rc;
}

/*
 * Verifies the receipt at path against the station key in keyfile and, when bundle is not
 * NULL, that it is for the sealed file of the bundle folder there (same bundle id, size and
 * SHA-256). Fills *r.
 */
static int check_receipt(const char *keyfile, const char *path, const char *bundle, as_receipt *r,
                         proof_seen *seen, as_error *err)
{
    as_mini_pubkey pk;
    uint8_t *text = NULL, *sig = NULL;
    size_t tlen, slen;
    int rc = -1;
    if (as_mini_pubkey_load(&pk, keyfile, err) == 0 &&
        as_receipt_load(path, &text, &tlen, &sig, &slen, err) == 0)
        rc = as_receipt_is_proof(sig, slen) /* a QR code with the proof in place of the sig */
                 ? as_receipt_verify_proof(text, tlen, sig, slen, &pk, r, &seen->tree_size, err)
                 : as_receipt_verify(text, tlen, sig, slen, &pk, r, err);
    if (rc == 0 && seen->tree_size == 0)
        rc = check_proof(path, &pk, text, tlen, seen, err);
    free(text);
    free(sig);
    if (rc != 0 || bundle == NULL)
        return rc;
    as_usb_report rep;
    char *const src[1] = {(char *)bundle};
    as_usb_in *in = as_usb_gather(src, 1, &rep, err);
    if (in == NULL)
        return -1;
    const char *id = as_usb_bundle_id(in);
    int match = id != NULL && strcmp(id, r->bundle_id) == 0;
    as_usb_in_free(in);
    /* The index records the sealed file's size and SHA-256; an unreadable index is an error,
     * never a silent match. */
    char *idx = match ? as_path_join(bundle, AS_USB_INDEX, err) : NULL;
    uint8_t *data = NULL;
    size_t len;
    as_usb_index ix;
    if (match) {
        if (idx == NULL ||
            as_file_read_all_flags(idx, 64u << 20, AS_FILE_NOFOLLOW, &data, &len, err) != 0 ||
            as_usb_index_parse(&ix, data, len, err) != 0) {
            free(data);
            free(idx);
            return -1;
        }
        match =
            as_equal_ct(ix.sealed_sha256, r->sealed_sha256, 32) && ix.layout.size == r->sealed_size;
        as_usb_index_free(&ix);
    }
    free(data);
    free(idx);
    if (match)
        return 0;
    return as_fail(err, AS_ERR_REJECTED, "the receipt is for bundle %s, not for the bundle in %s",
                   r->bundle_id, bundle);
}

/* The result of a verified receipt, for a person. */
static void print_verified(const as_receipt *r, const char *bundle, const proof_seen *seen)
{
    char when[21];
    as_time_utc(when, r->imported);
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], sb[AS_TEXT_SHOW_CAP(PATH_MAX)];
    printf("OK: station %s received bundle %s (case %s) on %s: %llu files, %llu bytes, signed "
           "by your key %s.\n",
           r->station, r->bundle_id, as_text_shown(sc, sizeof sc, r->case_id), when,
           (unsigned long long)r->files, (unsigned long long)r->bytes, r->signer);
    if (bundle != NULL)
        printf("    It is the bundle in %s, byte for byte.\n",
               as_text_shown(sb, sizeof sb, bundle));
    printf("    Custody log entry %llu. Keep this receipt with your records.\n",
           (unsigned long long)r->custody_entry);
    if (seen->tree_size != 0)
        printf("    Inclusion proof: the entry is in the station's signed custody log of %llu "
               "entries.\n",
               (unsigned long long)seen->tree_size);
    else
        printf("    This receipt carries no inclusion proof (no RECEIPT.tlog beside it): a receipt "
               "made before the station's custody log became a Merkle tree log has none; for a "
               "newer one, ask the station for its .tlog file.\n");
}

int cmd_verify_receipt(int argc, char **argv)
{
    static const struct option opts[] = {
        {"station-key", required_argument, NULL, 'p'},
        {"bundle", required_argument, NULL, OPT_BUNDLE},
        {"json", no_argument, NULL, AS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keyfile = NULL, *bundle = NULL;
    bool json = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            keyfile = optarg;
            break;
        case OPT_BUNDLE:
            bundle = optarg;
            break;
        case AS_OPT_JSON:
            json = true;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            return as_cli_bad_option("verify-receipt", argv, c);
        }
    }
    if (keyfile == NULL)
        return as_cli_usage("verify-receipt", "give the station's public key with -p");
    if (argc - optind != 1)
        return as_cli_usage("verify-receipt", "expected exactly one RECEIPT");
    as_error err = {0};
    as_receipt r;
    proof_seen seen = {0};
    const char *receipt = argv[optind];
    if (check_receipt(keyfile, receipt, bundle, &r, &seen, &err) != 0) {
        if (json) {
            as_json j;
            as_cli_json_begin(&j, stdout, "verify-receipt");
            as_cli_json_failure(&j, &err, "not-verified");
            as_json_str(&j, "target", receipt);
            as_json_end(&j);
        }
        return as_cli_fail(&err);
    }
    if (json) {
        as_json j;
        as_cli_json_begin(&j, stdout, "verify-receipt");
        as_json_bool(&j, "ok", true);
        as_json_str(&j, "verdict", "verified");
        as_json_uint(&j, "exit_status", 0);
        as_json_str(&j, "target", receipt);
        as_cli_json_receipt(&j, &r);
        if (bundle != NULL)
            as_json_str(&j, "matches_bundle", bundle);
        if (seen.tree_size != 0)
            as_json_uint(&j, "inclusion_proof_tree_size", seen.tree_size);
        as_json_end(&j);
        return 0;
    }
    print_verified(&r, bundle, &seen);
    return 0;
}
