/* cmd_import.c: airseal-recv import, taking a bundle into the vault. */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/text.h"
#include "common/station/intake.h"
#include "common/ui/cli.h"
#include "common/ui/progress.h"

static const char help[] =
    "usage: airseal-recv import STATION SOURCE... [--passphrase-file FILE]\n"
    "       airseal-recv import STATION --camera /dev/videoN [--passphrase-file FILE]\n"
    "\n"
    "Imports one bundle into the station's vault. SOURCE is a bundle folder (from a USB\n"
    "stick), several folders holding its parts, or bundle.age itself (its signature beside\n"
    "it); or QR frames: PNG or JPEG images, or folders of them (scans, photos, screenshots),\n"
    "in any order. With --camera, frames are read from a camera filming the NGO's screen\n"
    "until the bundle is complete (Ctrl-C stops). Frames of an incomplete scan are kept in\n"
    "STATION/scan-cache: rescanning only the frames named completes the import.\n"
    "Nothing is decrypted before the NGO's signature verifies against the trust store;\n"
    "damaged or missing blocks are repaired from parity; every file is checked against the\n"
    "signed manifest. The station then signs a receipt for the NGO and extends the custody\n"
    "log. Importing a bundle that is already in the vault changes nothing.\n"
    "\n"
    "  --camera DEVICE          read QR frames from a V4L2 camera (/dev/video0)\n"
    "  --json                   print the result as one JSON object on standard output\n"
    "  --passphrase-file FILE   read the station passphrase from FILE's first line\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 imported (or already there), 1 rejected (the reason is printed),\n"
    "2 usage error, 3 system error (disk full, I/O), 4 station busy (another airseal-recv\n"
    "holds it; nothing was done: run the same command again).\n";

enum {
    OPT_CAMERA = AS_OPT_FIRST_VERB_OPTION
};

/* QR frames when any source is an image (or a folder holding images and no bundle file). */
static bool sources_are_frames(char *const *src, size_t n)
{
    as_error e = {0};
    for (size_t i = 0; i < n; i++) {
        if (as_scan_is_image(src[i]))
            return true;
        char **paths = NULL;
        long k = as_scan_list_images(&src[i], 1, &paths, &e);
        as_scan_free_list(paths, k > 0 ? (size_t)k : 0);
        as_error_clear(&e);
        if (k > 0)
            return true;
    }
    return false;
}

static const char *verdict_of(as_import_status s)
{
    switch (s) {
    case AS_IMPORT_ALREADY:
        return "already-in-vault";
    case AS_IMPORT_COMPLETED:
        return "completed-interrupted-import";
    default:
        return "imported";
    }
}

/* The QR counters, in the human summary's order. */
static void json_frames(as_json *j, const as_import_result *r)
{
    as_json_open(j, "qr");
    as_json_uint(j, "images", r->qr.scan.images);
    as_json_uint(j, "codes", r->qr.frames);
    as_json_uint(j, "new_blocks", r->qr.added);
    as_json_uint(j, "from_earlier_scans", r->qr.from_cache);
    as_json_uint(j, "duplicates", r->qr.duplicates);
    as_json_uint(j, "conflicting", r->qr.conflicts);
    as_json_uint(j, "corrupt", r->qr.corrupt);
    as_json_uint(j, "other_bundles", r->qr.other_bundles);
    as_json_uint(j, "unreadable_images", r->qr.scan.unreadable);
    as_json_uint(j, "images_without_code", r->qr.scan.no_code);
    as_json_uint(j, "data_blocks", r->qr.data_blocks);
    as_json_uint(j, "total_blocks", r->qr.total_blocks);
    as_json_close(j);
}

static void print_json(const as_station *st, const as_import_result *r, bool qr)
{
    as_json j;
    as_cli_json_begin(&j, stdout, "import");
    as_json_bool(&j, "ok", true);
    as_json_str(&j, "verdict", verdict_of(r->status));
    as_json_uint(&j, "exit_status", 0);
    as_json_str(&j, "station", st->id);
    as_json_open(&j, "bundle");
    as_json_str(&j, "id", r->comment.bundle_id);
    as_json_str(&j, "case", r->comment.case_id);
    as_json_uint(&j, "files", r->comment.files);
    as_json_uint(&j, "bytes", r->comment.bytes);
    as_json_hex(&j, "manifest_sha256", r->comment.manifest_sha256, 32);
    as_json_uint(&j, "sealed_size", r->sealed_size);
    as_json_hex(&j, "sealed_sha256", r->sealed_sha256, 32);
    as_json_close(&j);
    as_json_open(&j, "signer");
    as_json_str(&j, "key_id", r->signer);
    as_json_str(&j, "label", r->signer_label);
    as_json_str(&j, "fingerprint", r->signer_fingerprint);
    as_json_close(&j);
    as_json_str(&j, "transport", qr ? "qr" : "usb");
    as_json_uint(&j, "repaired_blocks", qr ? r->repaired : r->usb.blocks_repaired);
    if (qr)
        json_frames(&j, r);
    as_json_str(&j, "vault_entry", r->vault_path);
    as_json_str(&j, "receipt", r->receipt_path);
    as_json_uint(&j, "custody_entry", r->custody_entry);
    as_json_end(&j);
}

/* A failed import: the JSON object on stdout (with --json), the one line on stderr. */
static int import_failed(const char *dir, const as_error *err, const as_import_result *r, bool json)
{
    if (json) {
        as_json j;
        as_cli_json_begin(&j, stdout, "import");
        as_cli_json_failure(&j, err, err->code == AS_ERR_INCOMPLETE ? "incomplete" : "rejected");
        as_json_str(&j, "station_dir", dir);
        if (r != NULL && r->qr.missing[0] != '\0') {
            as_json_str(&j, "missing_frames", r->qr.missing);
            as_json_str(&j, "scan_cache", r->qr.cache);
        }
        as_json_end(&j);
    }
    return as_cli_fail(err);
}

static void print_frames(const as_import_result *r)
{
    printf("Frames:   %llu image%s read, %llu QR code%s: %llu new block%s",
           (unsigned long long)r->qr.scan.images, r->qr.scan.images == 1 ? "" : "s",
           (unsigned long long)r->qr.frames, r->qr.frames == 1 ? "" : "s",
           (unsigned long long)r->qr.added, r->qr.added == 1 ? "" : "s");
    if (r->qr.from_cache)
        printf(", %llu from earlier scans", (unsigned long long)r->qr.from_cache);
    if (r->qr.duplicates)
        printf(", %llu duplicate%s", (unsigned long long)r->qr.duplicates,
               r->qr.duplicates == 1 ? "" : "s");
    if (r->qr.conflicts)
        printf(", %llu conflicting (kept apart)", (unsigned long long)r->qr.conflicts);
    if (r->qr.corrupt)
        printf(", %llu corrupt", (unsigned long long)r->qr.corrupt);
    if (r->qr.other_bundles)
        printf(", %llu of another bundle (ignored)", (unsigned long long)r->qr.other_bundles);
    if (r->qr.scan.unreadable)
        printf(", %llu unreadable image%s", (unsigned long long)r->qr.scan.unreadable,
               r->qr.scan.unreadable == 1 ? "" : "s");
    if (r->qr.scan.no_code)
        printf(", %llu image%s without a code", (unsigned long long)r->qr.scan.no_code,
               r->qr.scan.no_code == 1 ? "" : "s");
    printf(" (%u data blocks needed of %u).\n", r->qr.data_blocks, r->qr.total_blocks);
}

/* The human result of a successful import. Every name in it came from the bundle or the
 * file system: shown through as_text_show(), never printed raw. */
static void print_text(const as_import_result *r, bool qr)
{
    char size[32];
    as_human_size(size, sizeof size, r->comment.bytes);
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], sl[AS_TEXT_SHOW_CAP(AS_TRUST_LABEL_MAX)],
        sp[AS_TEXT_SHOW_CAP(PATH_MAX)];
    as_text_shown(sc, sizeof sc, r->comment.case_id);
    if (r->status == AS_IMPORT_ALREADY) {
        printf("Bundle %s (case %s) is already in the vault (custody log entry %llu); nothing "
               "changed.\n",
               r->comment.bundle_id, sc, (unsigned long long)r->custody_entry);
        printf("Receipt:  %s\n", as_text_shown(sp, sizeof sp, r->receipt_path));
    } else {
        /* A key trusted without --name is labelled "key <id>": do not say it twice. */
        bool unnamed =
            strncmp(r->signer_label, "key ", 4) == 0 && strcmp(r->signer_label + 4, r->signer) == 0;
        printf("%s bundle %s (case %s) from %s%s%s (key %s).\n",
               r->status == AS_IMPORT_NEW ? "Imported" : "Finished the interrupted import of",
               r->comment.bundle_id, sc, unnamed ? "an NGO" : "\"",
               unnamed ? "" : as_text_shown(sl, sizeof sl, r->signer_label), unnamed ? "" : "\"",
               r->signer);
        printf("Verified: the NGO signature and %llu file%s (%s) against the signed manifest.\n",
               (unsigned long long)r->comment.files, r->comment.files == 1 ? "" : "s", size);
        if (qr)
            print_frames(r);
        if (qr && r->repaired > 0)
            printf("Repaired: %u missing or damaged frame%s from parity.\n", r->repaired,
                   r->repaired == 1 ? "" : "s");
        if (!qr && r->usb.blocks_repaired > 0)
            printf("Repaired: %u damaged or missing block%s of bundle.age from parity.\n",
                   r->usb.blocks_repaired, r->usb.blocks_repaired == 1 ? "" : "s");
        printf("Vault:    %s\n", as_text_shown(sp, sizeof sp, r->vault_path));
        printf("Receipt:  %s (signature .minisig; QR code .png for the NGO to photograph)\n",
               as_text_shown(sp, sizeof sp, r->receipt_path));
        printf("Custody log entry %llu.\n", (unsigned long long)r->custody_entry);
    }
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"camera", required_argument, NULL, OPT_CAMERA},
        {"json", no_argument, NULL, AS_OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    as_pass_source src = {AS_PASS_PROMPT, NULL};
    const char *camera = NULL;
    bool json = false;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case AS_OPT_PASSPHRASE_FILE:
            if (as_cli_pass_option(&src, c, optarg, "import") != 0)
                return 2;
            break;
        case OPT_CAMERA:
            camera = optarg;
            break;
        case AS_OPT_JSON:
            json = true;
            break;
        default:
            return as_cli_bad_option("import", argv, c);
        }
    }
    if (camera == NULL && argc - optind < 2)
        return as_cli_usage("import", "expected STATION and at least one SOURCE");
    if (camera != NULL && argc - optind != 1)
        return as_cli_usage("import", "with --camera, give only STATION");
    const char *dir = argv[optind];
    as_error err = {0};
    as_station st;
    as_import_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return 3;
    if (open_unlocked_station(&st, dir, &src, &err) != 0) {
        free(r);
        return import_failed(dir, &err, NULL, json);
    }
    char *const *sources = argv + optind + 1;
    size_t nsources = (size_t)(argc - optind - 1);
    bool qr = camera != NULL || sources_are_frames(sources, nsources);
    const as_progress_sink *tty = as_term_progress();
    /* The station module takes the station lock itself, after reading the sources. */
    int rc = qr ? as_import_qr(&st, sources, nsources, camera, tty, r, &err)
                : as_import_usb(&st, sources, nsources, tty, r, &err);
    if (rc != 0) {
        as_station_close(&st);
        rc = import_failed(dir, &err, r, json);
        free(r);
        return rc;
    }
    if (json) {
        print_json(&st, r, qr);
        as_station_close(&st);
        free(r);
        return 0;
    }
    print_text(r, qr);
    as_station_close(&st);
    free(r);
    return 0;
}
