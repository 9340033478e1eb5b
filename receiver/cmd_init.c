/* cmd_init.c: airseal-recv init, creating an intake station. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/fingerprint.h"
#include "common/station/station.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-recv init STATION [--classical] [--no-passphrase | --passphrase-file FILE]\n"
    "\n"
    "Creates the intake station directory STATION: the station's age identity (what NGOs\n"
    "encrypt to, in STATION/recipient.pub: a post-quantum hybrid age1pq1... recipient,\n"
    "ML-KEM-768 with X25519), its signing key for receipts and the custody log\n"
    "(STATION/station.pub), an empty trust store, the vault and the custody log. The secret\n"
    "keys are encrypted with a passphrase you choose. An existing station is never\n"
    "overwritten.\n"
    "\n"
    "options:\n"
    "  --passphrase-file FILE   read the new passphrase from FILE's first line (mode 0600)\n"
    "  --no-passphrase          keep the secret keys unencrypted (mode 0600; demos, tests)\n"
    "  --classical              a classical X25519 age1... recipient instead (not safe against\n"
    "                           a future quantum computer; for senders with age < 1.3 only)\n"
    "  -h, --help               this help\n";

enum {
    OPT_CLASSICAL = AS_OPT_FIRST_VERB_OPTION
};

/* Prints what the operator gives the NGOs, and the fingerprints to read over the phone. */
static void print_created(const as_station *st, const char *dir)
{
    char rcpt[AS_AGE_PQ_RECIPIENT_STR_MAX], fp_sign[AS_FINGERPRINT_STR],
        fp_rcpt[AS_FINGERPRINT_STR];
    as_station_recipient_format(st, rcpt);
    as_fingerprint_minisign(&st->pub, fp_sign);
    as_station_recipient_fingerprint(st, fp_rcpt);
    char sd[AS_TEXT_SHOW_CAP(PATH_MAX)]; /* the operator's path, but any bytes a name may hold */
    as_text_shown(sd, sizeof sd, dir);
    printf("Created the intake station %s (secret keys %s).\n", sd,
           st->protected_at_rest ? "encrypted with your passphrase" : "NOT encrypted");
    printf("Station id:        %s\n", st->id);
    printf("Recipient type:    %s\n", st->kind == AS_STATION_HYBRID
                                          ? "post-quantum hybrid (mlkem768x25519)"
                                          : "classical (X25519), not post-quantum");
    printf("Encrypt to:        %s\n", rcpt);
    printf("  fingerprint:     %s   (%s/recipient.pub; as a QR code: recipient.png)\n", fp_rcpt,
           sd);
    printf("Receipts signed by key %s\n", st->id);
    printf("  fingerprint:     %s   (%s/station.pub)\n", fp_sign, sd);
    printf("Give NGOs recipient.pub and station.pub, and read them both fingerprints over the "
           "phone.\n");
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"classical", no_argument, NULL, OPT_CLASSICAL},
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"no-passphrase", no_argument, NULL, AS_OPT_NO_PASSPHRASE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    as_pass_source src = {AS_PASS_PROMPT, NULL};
    as_station_kind kind = AS_STATION_HYBRID;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case OPT_CLASSICAL:
            kind = AS_STATION_X25519;
            break;
        case AS_OPT_PASSPHRASE_FILE:
        case AS_OPT_NO_PASSPHRASE:
            if (as_cli_pass_option(&src, c, optarg, "init") != 0)
                return 2;
            break;
        default:
            return as_cli_bad_option("init", argv, c);
        }
    }
    if (argc - optind != 1)
        return as_cli_usage("init", "expected exactly one STATION directory");
    const char *dir = argv[optind];

    as_error err = {0};
    as_buf pass = {0};
    as_station st;
    if (as_station_can_create(dir, &err) != 0)
        return as_cli_fail(&err);
    if (src.kind != AS_PASS_NONE &&
        as_passphrase_get(&src, "the new station", true, &pass, &err) != 0)
        return as_cli_fail(&err);
    if (src.kind != AS_PASS_NONE && isatty(2))
        fputs("Creating and encrypting the station keys (a few seconds)...\n", stderr);
    int rc = as_station_create_kind(
        &st, dir, kind, src.kind == AS_PASS_NONE ? NULL : (char *)pass.data, pass.len, &err);
    as_buf_free(&pass);
    if (rc != 0)
        return as_cli_fail(&err);

    print_created(&st, dir);
    as_station_close(&st);
    return 0;
}
