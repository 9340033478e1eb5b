/* cmd_verify_receipt.c: airseal-send verify-receipt, the NGO checks the station's receipt. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/station/receipt.h"
#include "common/transport/usb.h"
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
    "  -h, --help                      this help\n";

enum {
    OPT_BUNDLE = AS_OPT_FIRST_VERB_OPTION
};

int cmd_verify_receipt(int argc, char **argv)
{
    static const struct option opts[] = {
        {"station-key", required_argument, NULL, 'p'},
        {"bundle", required_argument, NULL, OPT_BUNDLE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keyfile = NULL, *bundle = NULL;
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
    as_mini_pubkey pk;
    uint8_t *text = NULL, *sig = NULL;
    size_t tlen, slen;
    as_receipt r;
    if (as_mini_pubkey_load(&pk, keyfile, &err) != 0 ||
        as_receipt_load(argv[optind], &text, &tlen, &sig, &slen, &err) != 0 ||
        as_receipt_verify(text, tlen, sig, slen, &pk, &r, &err) != 0) {
        free(text);
        free(sig);
        return as_cli_fail(&err);
    }
    free(text);
    free(sig);
    if (bundle != NULL) {
        as_usb_report rep;
        char *const src[1] = {(char *)bundle};
        as_usb_in *in = as_usb_gather(src, 1, &rep, &err);
        const char *id = in ? as_usb_bundle_id(in) : NULL;
        int match = id != NULL && strcmp(id, r.bundle_id) == 0;
        as_usb_in_free(in);
        if (in == NULL)
            return as_cli_fail(&err);
        char *idx = as_path_join(bundle, AS_USB_INDEX, &err);
        uint8_t *data = NULL;
        size_t len;
        as_usb_index ix;
        if (match && idx != NULL && as_file_read_all(idx, 64u << 20, &data, &len, &err) == 0 &&
            as_usb_index_parse(&ix, data, len, &err) == 0) {
            match = as_equal_ct(ix.sealed_sha256, r.sealed_sha256, 32) &&
                    ix.layout.size == r.sealed_size;
            as_usb_index_free(&ix);
        }
        free(data);
        free(idx);
        if (!match) {
            as_error_clear(&err);
            as_fail(&err, AS_ERR_REJECTED, "the receipt is for bundle %s, not for the bundle in %s",
                    r.bundle_id, bundle);
            return as_cli_fail(&err);
        }
    }
    char when[21];
    as_time_utc(when, r.imported);
    printf("OK: station %s received bundle %s (case %s) on %s: %llu files, %llu bytes, signed "
           "by your key %s.\n",
           r.station, r.bundle_id, r.case_id, when, (unsigned long long)r.files,
           (unsigned long long)r.bytes, r.signer);
    if (bundle != NULL)
        printf("    It is the bundle in %s, byte for byte.\n", bundle);
    printf("    Custody log entry %llu. Keep this receipt with your records.\n",
           (unsigned long long)r.custody_entry);
    return 0;
}
