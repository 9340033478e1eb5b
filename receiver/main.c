/* main.c: airseal-recv, the court intake station's side. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "common/core/text.h"
#include "common/ui/cli.h"
#include "common/ui/keyinfo.h"

static const char usage[] =
    "usage: airseal-recv <command> [options]\n"
    "\n"
    "Run an air-gapped court intake station: verify, decrypt and store evidence bundles.\n"
    "\n"
    "commands:\n"
    "  init STATION [--no-passphrase]         create a station: keys, trust store, vault, log\n"
    "  trust STATION add NGO.pub [--name LABEL] | list | remove KEYID\n"
    "                                         manage the NGO keys the station accepts\n"
    "  import STATION SOURCE...               verify, decrypt and store a bundle; sign a receipt\n"
    "  verify [-p KEY.pub | --station STATION] TARGET\n"
    "                                         check a bundle, receipt, custody log or vault entry\n"
    "  log STATION migrate | prove ENTRY -o FILE\n"
    "                                         carry an old custody log into the Merkle tree;\n"
    "                                         prove one entry to an auditor\n"
    "  shares split STATION -k K -n N --custodian NAME... -o DIR\n"
    "  shares restore STATION --from SHARE...\n"
    "                                         split the station's secret keys among custodians,\n"
    "                                         k of n; restore them from any k shares\n"
    "  fingerprint KEY...                     show a public key's fingerprint, to compare\n"
    "                                         over the phone\n"
    "\n"
    "Run 'airseal-recv <command> --help' for a command's options.\n"
    "Exit status: 0 success, 1 rejected or failed verification, 2 usage error,\n"
    "3 system error (I/O, disk full, out of memory), 4 station busy (another\n"
    "airseal-recv is working on it; nothing was done).\n";

int main(int argc, char **argv)
{
    int rc = as_cli_start("airseal-recv");
    if (rc != 0)
        return rc;
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *verb = argv[1];
    if ((rc = as_cli_refuse_secret_args(verb, argc - 1, argv + 1)) != 0)
        return rc;
    if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0 || strcmp(verb, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(verb, "--version") == 0) {
        printf("airseal-recv %s\n", AS_VERSION);
        return 0;
    }
    if (strcmp(verb, "init") == 0)
        return cmd_init(argc - 1, argv + 1);
    if (strcmp(verb, "trust") == 0)
        return cmd_trust(argc - 1, argv + 1);
    if (strcmp(verb, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(verb, "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(verb, "log") == 0)
        return cmd_log(argc - 1, argv + 1);
    if (strcmp(verb, "shares") == 0)
        return cmd_shares(argc - 1, argv + 1);
    if (strcmp(verb, "fingerprint") == 0)
        return as_keyinfo_command(argc - 1, argv + 1);
    char shown[AS_TEXT_SHOW_CAP(64)];
    fprintf(stderr, "airseal-recv: unknown command '%s'\n\n%s",
            as_text_shown(shown, sizeof shown, verb), usage);
    return 2;
}
