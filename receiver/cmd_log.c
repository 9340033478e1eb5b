/* cmd_log.c: airseal-recv log, the custody log as a Merkle tree log: migrate a station from
 * before the tree, prove one entry for an auditor. */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/checkpoint.h"
#include "common/station/custody_ops.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-recv log STATION migrate [--passphrase-file FILE]\n"
    "       airseal-recv log STATION prove ENTRY -o FILE\n"
    "\n"
    "'migrate' carries the custody log of a station made before version 0.1.0's Merkle tree\n"
    "log into the tree, once: its entries become the first leaves, a signed checkpoint is\n"
    "written, and the entry 'tlog-start' records the migration (the station passphrase is\n"
    "asked). Until then the log verifies as a hash chain only and receipts carry no\n"
    "inclusion proof.\n"
    "'prove' writes the proof that custody log entry ENTRY is in the station's signed log:\n"
    "the entry, its inclusion proof and the newest signed checkpoint (C2SP tlog-proof), and\n"
    "nothing of any other entry. An auditor checks it with 'airseal-send verify-entry'.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE        where 'prove' writes the proof (must not exist)\n"
    "  --passphrase-file FILE   read the station passphrase from FILE's first line\n"
    "  -h, --help               this help\n";

static int log_migrate(const char *dir, const as_pass_source *src)
{
    as_error err = {0};
    as_station st;
    uint64_t carried = 0, seq = 0;
    char sd[AS_TEXT_SHOW_CAP(PATH_MAX)];
    if (open_unlocked_station(&st, dir, src, &err) != 0)
        return as_cli_fail(&err);
    int rc = as_station_log_migrate(&st, &carried, &seq, &err);
    as_station_close(&st);
    if (rc != 0)
        return as_cli_fail(&err);
    printf("The custody log of %s is a Merkle tree log now: its %" PRIu64
           " entries are the first leaves, and entry %" PRIu64 " (tlog-start) records the "
           "migration.\n",
           as_text_shown(sd, sizeof sd, dir), carried, seq);
    return 0;
}

static int log_prove(const char *dir, const char *entry, const char *out)
{
    as_error err = {0};
    as_station st;
    as_buf b;
    uint64_t seq;
    as_span s = {entry, strlen(entry)};
    if (as_span_u64(s, UINT64_MAX, false, &seq) != 0)
        return as_cli_usage("log", "ENTRY must be a custody log entry number");
    if (as_station_open(&st, dir, &err) != 0)
        return as_cli_fail(&err);
    as_buf_init(&b, AS_TLOG_PROOF_MAX);
    int rc = as_station_log_prove(&st, seq, &b, &err) == 0 &&
                     as_file_create_excl(out, b.data, b.len, 0644, &err) == 0
                 ? 0
                 : -1;
    as_station_close(&st);
    as_buf_free(&b);
    if (rc != 0)
        return as_cli_fail(&err);
    char so[AS_TEXT_SHOW_CAP(PATH_MAX)];
    printf("Wrote the proof of custody log entry %" PRIu64 " to %s.\n", seq,
           as_text_shown(so, sizeof so, out));
    return 0;
}

int cmd_log(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    as_pass_source src = {AS_PASS_PROMPT, NULL};
    const char *out = NULL;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case 'o':
            out = optarg;
            break;
        case AS_OPT_PASSPHRASE_FILE:
            if (as_cli_pass_option(&src, c, optarg, "log") != 0)
                return 2;
            break;
        default:
            return as_cli_bad_option("log", argv, c);
        }
    }
    int n = argc - optind;
    if (n < 2)
        return as_cli_usage("log", "expected STATION and migrate or prove");
    const char *dir = argv[optind], *what = argv[optind + 1];
    if (strcmp(what, "migrate") == 0) {
        if (n != 2 || out != NULL)
            return as_cli_usage("log", "migrate takes no argument");
        return log_migrate(dir, &src);
    }
    if (strcmp(what, "prove") == 0) {
        if (n != 3 || out == NULL)
            return as_cli_usage("log", "prove takes one ENTRY and -o FILE");
        return log_prove(dir, argv[optind + 2], out);
    }
    return as_cli_usage("log", "unknown action '%s' (migrate or prove)", what);
}
