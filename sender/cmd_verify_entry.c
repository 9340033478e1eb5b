/* cmd_verify_entry.c: airseal-send verify-entry, an auditor checks one custody log entry
 * with its inclusion proof, without seeing any other entry. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/checkpoint.h"
#include "common/station/custody.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-send verify-entry -p STATION.pub PROOF\n"
    "\n"
    "Checks one entry of a station's custody log from the proof the station wrote with\n"
    "'airseal-recv log STATION prove ENTRY' (or a receipt's RECEIPT.tlog): the checkpoint is\n"
    "signed by the station key, the entry is in the tree it signs, and the entry itself is\n"
    "signed by the station. No other entry of the log is needed or shown. Prints the entry.\n"
    "\n"
    "  -p, --station-key STATION.pub   the station's public key (check its fingerprint first)\n"
    "  -h, --help                      this help\n";

/* Verifies the proof file at path against the station key in keyfile. */
static int check_entry(const char *keyfile, const char *path, as_log_entry *e, uint64_t *size,
                       as_error *err)
{
    as_mini_pubkey pk;
    uint8_t *data = NULL;
    size_t len;
    int rc = as_mini_pubkey_load(&pk, keyfile, err) == 0 &&
                     as_file_read_all_flags(path, AS_TLOG_PROOF_MAX, AS_FILE_NOFOLLOW, &data, &len,
                                            err) == 0 &&
                     as_custody_entry_verify(data, len, &pk, e, size, err) == 0
                 ? 0
                 : -1;
    free(data);
    return rc;
}

int cmd_verify_entry(int argc, char **argv)
{
    static const struct option opts[] = {
        {"station-key", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *keyfile = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            keyfile = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            return as_cli_bad_option("verify-entry", argv, c);
        }
    }
    if (keyfile == NULL)
        return as_cli_usage("verify-entry", "give the station's public key with -p");
    if (argc - optind != 1)
        return as_cli_usage("verify-entry", "expected exactly one PROOF");
    as_error err = {0};
    as_log_entry *e = calloc(1, sizeof *e);
    uint64_t size = 0;
    if (e == NULL) {
        as_fail(&err, AS_ERR_NOMEM, "out of memory");
        return as_cli_fail(&err);
    }
    if (check_entry(keyfile, argv[optind], e, &size, &err) != 0) {
        free(e);
        return as_cli_fail(&err);
    }
    printf("OK: custody log entry %" PRIu64 " (%s, %s) is in the station's signed log of %" PRIu64
           " entries.\n",
           e->seq, e->event, e->time, size);
    for (size_t i = 0; i < e->nfields; i++) {
        char sv[AS_TEXT_SHOW_CAP(AS_LOG_VALUE_MAX)];
        printf("    %s: %s\n", e->fields[i].key, as_text_shown(sv, sizeof sv, e->fields[i].value));
    }
    free(e);
    return 0;
}
