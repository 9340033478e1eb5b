/* cli.c: program edge shared by airseal-send and airseal-recv; see cli.h. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/text.h"

#include "../core/secret.h"

static const char *progname = "airseal";

const char *as_cli_progname(void)
{
    return progname;
}

int as_cli_start(const char *name)
{
    as_error err = {0};
    progname = name;
    if (as_crypto_init(&err) != 0 || as_harden_process(&err) != 0)
        return as_cli_fail(&err);
    return 0;
}

int as_cli_fail(const as_error *err)
{
    fflush(stdout);
    fprintf(stderr, "%s: error: %s\n", progname,
            err->msg[0] != '\0' ? err->msg : as_errcode_name(err->code));
    int status = as_exit_status(err);
    return status == AS_EXIT_OK ? AS_EXIT_SYSTEM : status;
}

int as_cli_usage(const char *verb, const char *fmt, ...)
{
    char raw[512], msg[AS_TEXT_SHOW_CAP(sizeof raw)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    as_text_show(msg, sizeof msg, raw, strlen(raw)); /* it may quote an argument */
    fflush(stdout);
    fprintf(stderr, "%s %s: %s (see: %s %s --help)\n", progname, verb, msg, progname, verb);
    return AS_EXIT_USAGE;
}

int as_cli_bad_option(const char *verb, char **argv, int c)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    if (c == ':')
        return as_cli_usage(verb, "option '%s' needs a value", arg);
    return as_cli_usage(verb, "unknown option '%s'", arg);
}

int as_cli_pass_option(as_pass_source *src, int opt, const char *arg, const char *verb)
{
    if (opt == AS_OPT_PASSPHRASE_FILE) {
        if (src->kind == AS_PASS_NONE)
            return as_cli_usage(verb, "--passphrase-file and --no-passphrase exclude each other");
        src->kind = AS_PASS_FILE;
        src->file = arg;
    } else if (opt == AS_OPT_NO_PASSPHRASE) {
        if (src->kind == AS_PASS_FILE)
            return as_cli_usage(verb, "--passphrase-file and --no-passphrase exclude each other");
        src->kind = AS_PASS_NONE;
    }
    return 0;
}

void as_cli_json_begin(as_json *j, FILE *out, const char *command)
{
    as_json_begin(j, out);
    as_json_str(j, "airseal", command);
    as_json_uint(j, "format", 1);
}

int as_cli_json_failure(as_json *j, const as_error *err, const char *rejected_verdict)
{
    int status = as_exit_status(err);
    if (status == AS_EXIT_OK)
        status = AS_EXIT_SYSTEM;
    as_json_bool(j, "ok", false);
    as_json_str(j, "verdict",
                status == AS_EXIT_REJECTED ? rejected_verdict
                : status == AS_EXIT_USAGE  ? "usage-error"
                : status == AS_EXIT_BUSY   ? "station-busy"
                                           : "system-error");
    as_json_uint(j, "exit_status", (uint64_t)status);
    as_json_open(j, "error");
    as_json_str(j, "kind", as_errcode_token(err->code));
    as_json_str(j, "message", err->msg[0] != '\0' ? err->msg : as_errcode_name(err->code));
    as_json_close(j);
    return status;
}

void as_cli_json_receipt(as_json *j, const as_receipt *r)
{
    as_json_open(j, "receipt");
    as_json_str(j, "station", r->station);
    as_json_str(j, "bundle", r->bundle_id);
    as_json_str(j, "case", r->case_id);
    as_json_str(j, "signer", r->signer);
    as_json_uint(j, "sealed_size", r->sealed_size);
    as_json_hex(j, "sealed_sha256", r->sealed_sha256, 32);
    as_json_hex(j, "manifest_sha256", r->manifest_sha256, 32);
    as_json_uint(j, "files", r->files);
    as_json_uint(j, "bytes", r->bytes);
    as_json_time(j, "imported", r->imported);
    as_json_uint(j, "custody_entry", r->custody_entry);
    as_json_close(j);
}

bool as_cli_stderr_is_tty(void)
{
    return isatty(STDERR_FILENO) == 1;
}

int as_cli_refuse_secret_args(const char *verb, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strncmp(a, "--pass", 6) != 0)
            continue;
        size_t n = strcspn(a, "=");
        if (n == strlen("--passphrase-file") && strncmp(a, "--passphrase-file", n) == 0)
            continue;
        return as_cli_usage(verb, "passphrases are never taken on the command line (ps and "
                                  "shell history would show them); use --passphrase-file FILE "
                                  "or answer the prompt");
    }
    return 0;
}
