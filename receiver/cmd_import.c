/* cmd_import.c: airseal-recv import, taking a bundle into the vault. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/text.h"
#include "common/station/intake.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-recv import STATION SOURCE... [--passphrase-file FILE]\n"
    "\n"
    "Imports one bundle into the station's vault. SOURCE is a bundle folder (from a USB\n"
    "stick), several folders holding its parts, or bundle.age itself (its signature beside\n"
    "it). Nothing is decrypted before the NGO's signature verifies against the trust store;\n"
    "damaged or missing blocks are repaired from parity; every file is checked against the\n"
    "signed manifest. The station then signs a receipt for the NGO and extends the custody\n"
    "log. Importing a bundle that is already in the vault changes nothing.\n"
    "\n"
    "  --passphrase-file FILE   read the station passphrase from FILE's first line\n"
    "  -h, --help               this help\n"
    "\n"
    "Exit status: 0 imported (or already there), 1 rejected (the reason is printed),\n"
    "2 usage error, 3 system error (disk full, I/O).\n";

static void human(char *out, size_t cap, uint64_t n)
{
    const char *u[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
    else
        snprintf(out, cap, "%.1f %s", v, u[i]);
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    as_pass_source src = {AS_PASS_PROMPT, NULL};
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
        default:
            return as_cli_bad_option("import", argv, c);
        }
    }
    if (argc - optind < 2)
        return as_cli_usage("import", "expected STATION and at least one SOURCE");
    const char *dir = argv[optind];
    as_error err = {0};
    as_station st;
    as_import_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return 3;
    if (open_unlocked_station(&st, dir, &src, &err) != 0) {
        free(r);
        return as_cli_fail(&err);
    }
    int lock = as_station_lock(&st, &err);
    int rc = lock < 0 ? -1
                      : as_import_usb(&st, argv + optind + 1, (size_t)(argc - optind - 1),
                                      as_cli_stderr_is_tty(), r, &err);
    if (lock >= 0)
        close(lock);
    if (rc != 0) {
        as_station_close(&st);
        free(r);
        return as_cli_fail(&err);
    }
    char size[32];
    human(size, sizeof size, r->comment.bytes);
    if (r->status == AS_IMPORT_ALREADY) {
        printf("Bundle %s (case %s) is already in the vault (custody log entry %llu); nothing "
               "changed.\n",
               r->comment.bundle_id, r->comment.case_id, (unsigned long long)r->custody_entry);
        printf("Receipt:  %s\n", r->receipt_path);
    } else {
        /* A key trusted without --name is labelled "key <id>": do not say it twice. */
        bool unnamed =
            strncmp(r->signer_label, "key ", 4) == 0 && strcmp(r->signer_label + 4, r->signer) == 0;
        printf("%s bundle %s (case %s) from %s%s%s (key %s).\n",
               r->status == AS_IMPORT_NEW ? "Imported" : "Finished the interrupted import of",
               r->comment.bundle_id, r->comment.case_id, unnamed ? "an NGO" : "\"",
               unnamed ? "" : r->signer_label, unnamed ? "" : "\"", r->signer);
        printf("Verified: the NGO signature and %llu file%s (%s) against the signed manifest.\n",
               (unsigned long long)r->comment.files, r->comment.files == 1 ? "" : "s", size);
        if (r->usb.blocks_repaired > 0)
            printf("Repaired: %u damaged or missing block%s of bundle.age from parity.\n",
                   r->usb.blocks_repaired, r->usb.blocks_repaired == 1 ? "" : "s");
        printf("Vault:    %s\n", r->vault_path);
        printf("Receipt:  %s (signature .minisig; QR code .png for the NGO to photograph)\n",
               r->receipt_path);
        printf("Custody log entry %llu.\n", (unsigned long long)r->custody_entry);
    }
    as_station_close(&st);
    free(r);
    return 0;
}
