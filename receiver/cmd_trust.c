/* cmd_trust.c: airseal-recv trust, the NGO keys the station accepts. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/text.h"
#include "common/crypto/fingerprint.h"
#include "common/station/trust_ops.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-recv trust STATION add NGO.pub [--name LABEL] [--yes]\n"
    "       airseal-recv trust STATION list\n"
    "       airseal-recv trust STATION remove KEYID\n"
    "\n"
    "Manages the trust store: the NGO signing keys whose bundles the station accepts.\n"
    "'add' shows the key's fingerprint and, on a terminal, asks you to confirm it matches\n"
    "the one the NGO read to you. Adding and removing are recorded in the custody log,\n"
    "signed with the station key (its passphrase is asked).\n"
    "\n"
    "options:\n"
    "  --name LABEL             a name for the key (default: \"key <KEYID>\")\n"
    "  --yes                    do not ask for confirmation\n"
    "  --passphrase-file FILE   read the station passphrase from FILE's first line\n"
    "  -h, --help               this help\n";

enum {
    OPT_NAME = AS_OPT_FIRST_VERB_OPTION,
    OPT_YES
};

static int confirm_on_tty(void)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return 1;
    printf("Does this fingerprint match the one the NGO read to you? [y/N] ");
    fflush(stdout);
    char answer[16];
    if (fgets(answer, sizeof answer, stdin) == NULL)
        return 0;
    return answer[0] == 'y' || answer[0] == 'Y';
}

static int trust_list(const char *dir)
{
    char sd[AS_TEXT_SHOW_CAP(PATH_MAX)], sl[AS_TEXT_SHOW_CAP(AS_TRUST_LABEL_MAX)];
    as_error err = {0};
    as_station st;
    as_trust_store ts;
    if (as_station_open(&st, dir, &err) != 0)
        return as_cli_fail(&err);
    if (as_station_trust_list(&st, &ts, &err) != 0) {
        as_station_close(&st);
        return as_cli_fail(&err);
    }
    if (ts.n == 0)
        printf("No trusted NGO keys yet. Add one with: airseal-recv trust %s add NGO.pub\n",
               as_text_shown(sd, sizeof sd, dir));
    for (size_t i = 0; i < ts.n; i++) {
        char id[AS_MINI_KEYID_STR], fp[AS_FINGERPRINT_STR];
        as_mini_keyid(ts.v[i].key.keynum, id);
        as_fingerprint_minisign(&ts.v[i].key, fp);
        printf("%s  %s  %s\n", id, fp, as_text_shown(sl, sizeof sl, ts.v[i].label));
    }
    as_trust_free(&ts);
    as_station_close(&st);
    return 0;
}

/*
 * The key and label of the change asked for, checked against the store as it is now, and for
 * an addition the fingerprint shown and confirmed: all before the passphrase and before the
 * station lock (the station module checks everything again under the lock).
 */
static int prepare_change(const char *dir, int adding, const char *arg, const char **label,
                          char *deflabel, size_t cap, int yes, as_trust_entry *entry, as_error *err)
{
    as_station st;
    as_trust_store ts = {0};
    char id[AS_MINI_KEYID_STR], fp[AS_FINGERPRINT_STR], sl[AS_TEXT_SHOW_CAP(AS_TRUST_LABEL_MAX)];
    memset(entry, 0, sizeof *entry);
    if (adding) {
        if (as_mini_pubkey_load(&entry->key, arg, err) != 0)
            return -1;
        as_mini_keyid(entry->key.keynum, id);
        if (*label == NULL) {
            snprintf(deflabel, cap, "key %s", id);
            *label = deflabel;
        }
        if (as_trust_label_check(*label, err) != 0)
            return -1;
    } else if (as_mini_keyid_parse(entry->key.keynum, arg, strlen(arg)) != 0) {
        return as_fail(err, AS_ERR_USAGE, "'%s' is not a key id (16 hex digits)", arg);
    }
    if (as_station_open(&st, dir, err) != 0)
        return -1;
    int rc = as_station_trust_peek(&st, &ts, err);
    as_station_close(&st);
    if (rc == 0)
        rc = adding ? as_trust_add(&ts, &entry->key, *label, err)
                    : as_trust_remove(&ts, entry->key.keynum, entry, err);
    as_trust_free(&ts);
    if (rc != 0 || !adding)
        return rc;
    as_fingerprint_minisign(&entry->key, fp);
    printf("NGO key %s, fingerprint %s, label \"%s\"\n", id, fp,
           as_text_shown(sl, sizeof sl, *label));
    if (!yes && !confirm_on_tty())
        return as_fail(err, AS_ERR_REJECTED, "not confirmed; the trust store is unchanged");
    return 0;
}

static int trust_change(const char *dir, const char *what, const char *arg, const char *label,
                        int yes, const as_pass_source *src)
{
    char sd[AS_TEXT_SHOW_CAP(PATH_MAX)], sl[AS_TEXT_SHOW_CAP(AS_TRUST_LABEL_MAX)];
    as_error err = {0};
    as_station st;
    as_trust_entry entry;
    char id[AS_MINI_KEYID_STR], deflabel[64];
    int adding = strcmp(what, "add") == 0;
    if (prepare_change(dir, adding, arg, &label, deflabel, sizeof deflabel, yes, &entry, &err) !=
            0 ||
        open_unlocked_station(&st, dir, src, &err) != 0)
        return as_cli_fail(&err);
    int rc = adding ? as_station_trust_add(&st, &entry.key, label, &err)
                    : as_station_trust_remove(&st, entry.key.keynum, &entry, &err);
    as_station_close(&st);
    if (rc != 0)
        return as_cli_fail(&err);
    as_mini_keyid(entry.key.keynum, id);
    if (adding)
        printf("Trusted NGO key %s (\"%s\"). Bundles it signs will be accepted by %s.\n", id,
               as_text_shown(sl, sizeof sl, label), as_text_shown(sd, sizeof sd, dir));
    else
        printf("Removed NGO key %s (\"%s\"). Bundles it signs will be rejected by %s.\n", id,
               as_text_shown(sl, sizeof sl, entry.label), as_text_shown(sd, sizeof sd, dir));
    return 0;
}

int cmd_trust(int argc, char **argv)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, OPT_NAME},
        {"yes", no_argument, NULL, OPT_YES},
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    as_pass_source src = {AS_PASS_PROMPT, NULL};
    const char *label = NULL;
    int yes = 0, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case OPT_NAME:
            label = optarg;
            break;
        case OPT_YES:
            yes = 1;
            break;
        case AS_OPT_PASSPHRASE_FILE:
            if (as_cli_pass_option(&src, c, optarg, "trust") != 0)
                return 2;
            break;
        default:
            return as_cli_bad_option("trust", argv, c);
        }
    }
    int n = argc - optind;
    if (n < 2)
        return as_cli_usage("trust", "expected STATION and add, list or remove");
    const char *dir = argv[optind], *what = argv[optind + 1];
    if (strcmp(what, "list") == 0) {
        if (n != 2)
            return as_cli_usage("trust", "list takes no argument");
        return trust_list(dir);
    }
    if (strcmp(what, "add") == 0 || strcmp(what, "remove") == 0) {
        if (n != 3)
            return as_cli_usage("trust", "%s takes exactly one argument", what);
        if (strcmp(what, "remove") == 0 && label != NULL)
            return as_cli_usage("trust", "--name only applies to add");
        return trust_change(dir, what, argv[optind + 2], label, yes, &src);
    }
    return as_cli_usage("trust", "unknown action '%s' (add, list or remove)", what);
}
