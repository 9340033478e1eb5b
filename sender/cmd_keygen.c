/* cmd_keygen.c: airseal-send keygen, the NGO's minisign signing key pair. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/fingerprint.h"
#include "common/crypto/minisign.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-send keygen -o NAME [--no-passphrase | --passphrase-file FILE]\n"
    "\n"
    "Makes the signing key pair an NGO signs bundles with, in minisign's formats:\n"
    "  NAME.key  the secret key (mode 0600), encrypted with a passphrase you choose\n"
    "  NAME.pub  the public key, to give to the Court's intake station\n"
    "Prints the key id and a fingerprint to read to the Court over the phone.\n"
    "\n"
    "options:\n"
    "  -o, --output NAME          where to write NAME.key and NAME.pub (never overwritten)\n"
    "  --passphrase-file FILE     read the new passphrase from FILE's first line (mode 0600)\n"
    "  --no-passphrase            store the secret key unencrypted (demos and tests only)\n"
    "  -h, --help                 this help\n";

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"no-passphrase", no_argument, NULL, AS_OPT_NO_PASSPHRASE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL;
    as_pass_source pass_src = {AS_PASS_PROMPT, NULL};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            name = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        case AS_OPT_PASSPHRASE_FILE:
        case AS_OPT_NO_PASSPHRASE:
            if (as_cli_pass_option(&pass_src, c, optarg, "keygen") != 0)
                return 2;
            break;
        default:
            return as_cli_bad_option("keygen", argv, c);
        }
    }
    if (optind != argc)
        return as_cli_usage("keygen", "unexpected argument '%s'", argv[optind]);
    if (name == NULL || name[0] == '\0')
        return as_cli_usage("keygen", "-o NAME is required");

    as_error err = {0};
    as_buf pass = {0}, skfile, pubfile;
    as_buf_init_secret(&skfile, 4096);
    as_buf_init(&pubfile, 4096);
    as_mini_pubkey pk;
    as_mini_seckey *sk = NULL;
    char *keypath = as_path_fmt(&err, "%s.key", name);
    char *pubpath = as_path_fmt(&err, "%s.pub", name);
    int status = 0, wrote_key = 0;
    if (keypath == NULL || pubpath == NULL)
        goto fail;
    /* Refuse before asking for a passphrase if either file exists. */
    for (int i = 0; i < 2; i++) {
        const char *p = i ? pubpath : keypath;
        int ex = as_path_exists(p, &err);
        if (ex < 0)
            goto fail;
        if (ex) {
            as_fail(&err, AS_ERR_EXISTS, "%s already exists; refusing to overwrite a key", p);
            goto fail;
        }
    }
    if (pass_src.kind != AS_PASS_NONE &&
        as_passphrase_get(&pass_src, "the new signing key", true, &pass, &err) != 0)
        goto fail;
    sk = as_mini_keygen(&pk, &err);
    if (sk == NULL)
        goto fail;
    if (pass_src.kind != AS_PASS_NONE && isatty(2))
        fputs("Encrypting the secret key (a few seconds)...\n", stderr);
    if (as_mini_seckey_format_file(&skfile, sk,
                                   pass_src.kind == AS_PASS_NONE ? NULL : (char *)pass.data,
                                   pass.len, NULL, &err) != 0 ||
        as_mini_pubkey_format_file(&pubfile, &pk, NULL, &err) != 0)
        goto fail;
    if (as_file_create_excl(keypath, skfile.data, skfile.len, 0600, &err) != 0)
        goto fail;
    wrote_key = 1;
    if (as_file_create_excl(pubpath, pubfile.data, pubfile.len, 0644, &err) != 0)
        goto fail;

    char id[AS_MINI_KEYID_STR], fp[AS_FINGERPRINT_STR];
    as_mini_keyid(pk.keynum, id);
    as_fingerprint_minisign(&pk, fp);
    char sks[AS_TEXT_SHOW_CAP(PATH_MAX)], sp[AS_TEXT_SHOW_CAP(PATH_MAX)];
    as_text_shown(sks, sizeof sks, keypath);
    as_text_shown(sp, sizeof sp, pubpath);
    printf("Created the signing key %s (secret, %s) and %s (public).\n", sks,
           pass_src.kind == AS_PASS_NONE ? "NOT encrypted" : "encrypted with your passphrase", sp);
    printf("Key id:      %s\n", id);
    printf("Fingerprint: %s\n", fp);
    printf("Give %s to the Court and read them the fingerprint over the phone; they must see "
           "the same digits.\n",
           sp);
    goto out;
fail:
    if (wrote_key)
        remove(keypath);
    status = as_cli_fail(&err);
out:
    as_mini_seckey_free(sk);
    as_buf_free(&pass);
    as_buf_free(&skfile);
    as_buf_free(&pubfile);
    free(keypath);
    free(pubpath);
    return status;
}
