/* keyinfo.c: the fingerprint verb; see keyinfo.h. */
#include "keyinfo.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>

#include "../core/text.h"

#include "../core/file.h"
#include "cli.h"
#include "recipient.h"

/* Public key files are a few hundred bytes; anything much larger is not one. */
#define KEYFILE_MAX 4096

static bool starts_with(const uint8_t *data, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(data, prefix, n) == 0;
}

/* True if the first line of data names a secret key (minisign's or age's). */
static bool is_secret_key(const uint8_t *data, size_t len)
{
    size_t line = 0;
    while (line < len && data[line] != '\n')
        line++;
    return memmem(data, line, "secret key", 10) != NULL ||
           memmem(data, len, "AGE-SECRET-KEY-", 15) != NULL;
}

int as_keyinfo_describe(const char *arg, as_keyinfo *out, as_error *err)
{
    memset(out, 0, sizeof *out);
    as_mini_pubkey pk;
    as_recipient_key r;
    as_error ignore = {0};
    if (as_mini_pubkey_parse_b64(&pk, arg, strlen(arg), &ignore) == 0)
        goto minisign;
    if (strncasecmp(arg, "age1", 4) == 0 && as_path_exists(arg, &ignore) != 1)
        goto age;
    /* A photo of a recipient QR code is larger than any key file: decoded, not read here. */
    if (as_recipient_arg_is_image(arg))
        goto age;
    uint8_t *data = NULL;
    size_t len = 0;
    if (as_file_read_all(arg, KEYFILE_MAX, &data, &len, err) != 0)
        return -1;
    if (is_secret_key(data, len)) {
        free(data);
        return as_fail(err, AS_ERR_USAGE,
                       "%s is a secret key; fingerprints are compared for public keys only "
                       "(NAME.pub, recipient.pub, station.pub)",
                       arg);
    }
    if (starts_with(data, len, "untrusted comment:")) {
        int rc = as_mini_pubkey_parse_file(&pk, data, len, err);
        free(data);
        if (rc != 0) {
            as_error_prefix(err, "%s: ", arg);
            return -1;
        }
        goto minisign;
    }
    free(data);
age:
    if (as_recipient_key_from_arg(&r, arg, err) != 0)
        return -1;
    out->kind = AS_KEY_AGE;
    if (r.kind == AS_RCPT_PQ) {
        as_age_pq_recipient_format(&r.pq, out->id);
        as_fingerprint_age_pq(&r.pq, out->fingerprint);
    } else {
        as_age_recipient_format(&r.x25519, out->id);
        as_fingerprint_age(&r.x25519, out->fingerprint);
    }
    return 0;
minisign:
    out->kind = AS_KEY_MINISIGN;
    as_mini_keyid(pk.keynum, out->id);
    as_fingerprint_minisign(&pk, out->fingerprint);
    return 0;
}

int as_keyinfo_command(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c != 'h')
            return as_cli_bad_option("fingerprint", argv, c);
        printf("usage: %s fingerprint KEY...\n"
               "\n"
               "Shows what each public key is and its fingerprint: six groups of five digits to\n"
               "read aloud over the phone. Both sides of a key exchange must see the same digits\n"
               "before the key is used. KEY is a public key file (NAME.pub, station.pub,\n"
               "recipient.pub), an age1pq1..., age1... or minisign key string, or a photo of a "
               "recipient QR\n"
               "code. Secret key files are refused.\n",
               as_cli_progname());
        return 0;
    }
    if (optind >= argc)
        return as_cli_usage("fingerprint", "expected at least one KEY");
    for (int i = optind; i < argc; i++) {
        as_error err = {0};
        as_keyinfo ki;
        if (as_keyinfo_describe(argv[i], &ki, &err) != 0)
            return as_cli_fail(&err);
        char sa[AS_TEXT_SHOW_CAP(PATH_MAX)];
        as_text_shown(sa, sizeof sa, argv[i]);
        if (ki.kind == AS_KEY_MINISIGN)
            printf("%s: signing key %s\n", sa, ki.id);
        else if (strncmp(ki.id, "age1pq1", 7) == 0)
            printf("%s: station encryption key (post-quantum hybrid) %s\n", sa, ki.id);
        else
            printf("%s: station encryption key %s\n", sa, ki.id);
        printf("  fingerprint: %s\n", ki.fingerprint);
    }
    return 0;
}
