/* main.c: airseal-send, the field NGO's side: keys, sealing evidence, checking receipts. */
#include <stdio.h>
#include <string.h>

#include "common/core/text.h"
#include "common/ui/cli.h"
#include "common/ui/keyinfo.h"
#include "commands.h"

static const char usage[] =
    "usage: airseal-send <command> [options]\n"
    "\n"
    "Seal evidence into an encrypted, signed bundle for a court intake station.\n"
    "\n"
    "commands:\n"
    "  keygen -o NAME [--no-passphrase]       make a signing key pair NAME.key, NAME.pub\n"
    "  pack -r RECIPIENT... -s NAME.key -o OUTDIR [options] PATH...\n"
    "                                         seal files and folders into a USB bundle\n"
    "  qr BUNDLE -o FRAMEDIR [options]        show a bundle as QR codes (PNG, PDF, player)\n"
    "  verify-receipt -p STATION.pub RECEIPT  check the station's signed receipt\n"
    "  verify-entry -p STATION.pub PROOF      check one custody log entry and its inclusion\n"
    "                                         proof, seeing no other entry (auditors)\n"
    "  fingerprint KEY...                     show a public key's fingerprint, to compare\n"
    "                                         over the phone\n"
    "\n"
    "Run 'airseal-send <command> --help' for a command's options.\n"
    "Exit status: 0 success, 1 rejected or failed verification, 2 usage error,\n"
    "3 system error (I/O, disk full, out of memory).\n";

int main(int argc, char **argv)
{
    int rc = as_cli_start("airseal-send");
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
        printf("airseal-send %s\n", AS_VERSION);
        return 0;
    }
    if (strcmp(verb, "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    if (strcmp(verb, "pack") == 0)
        return cmd_pack(argc - 1, argv + 1);
    if (strcmp(verb, "qr") == 0)
        return cmd_qr(argc - 1, argv + 1);
    if (strcmp(verb, "verify-entry") == 0)
        return cmd_verify_entry(argc - 1, argv + 1);
    if (strcmp(verb, "verify-receipt") == 0)
        return cmd_verify_receipt(argc - 1, argv + 1);
    if (strcmp(verb, "fingerprint") == 0)
        return as_keyinfo_command(argc - 1, argv + 1);
    char shown[AS_TEXT_SHOW_CAP(64)];
    fprintf(stderr, "airseal-send: unknown command '%s'\n\n%s",
            as_text_shown(shown, sizeof shown, verb), usage);
    return 2;
}
