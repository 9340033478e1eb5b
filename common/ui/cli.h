/*
 * cli.h: what both programs share at their edge: start-up hardening, one-line error output
 * with the documented exit statuses, and the passphrase options.
 */
#ifndef AIRSEAL_UI_CLI_H
#define AIRSEAL_UI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/error.h"
#include "../station/receipt.h"
#include "json.h"
#include "passphrase.h"

/* Initialises libsodium, disables core dumps and records the program name for messages.
 * Returns 0, or an exit status after printing why. */
int as_cli_start(const char *progname);

/*
 * Refuses (usage error, 2) any argument that looks like a passphrase option other than
 * --passphrase-file: "--passphrase", "--pass", "--password=..." and the like. getopt_long
 * would take an abbreviation such as "--passphrase X" for "--passphrase-file X" and then
 * echo X in "cannot open X"; a passphrase must never be in argv, ps or shell history, so it
 * is refused before any parsing and without repeating the argument. Returns 0 otherwise.
 */
int as_cli_refuse_secret_args(const char *verb, int argc, char **argv);

/* The name given to as_cli_start. */
const char *as_cli_progname(void);

/* Prints "<prog>: error: <message>" (one line) to stderr; returns the exit status for err. */
int as_cli_fail(const as_error *err);

/* Prints "<prog> <verb>: <message>" and a hint to run --help; returns 2. */
int as_cli_usage(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports an option getopt_long() refused (it returned '?' or ':'); returns 2. Call with
 * opterr = 0 and an optstring starting with ':'. */
int as_cli_bad_option(const char *verb, char **argv, int c);

/* Long option values shared by verbs that take a passphrase. */
enum {
    AS_OPT_PASSPHRASE_FILE = 1000,
    AS_OPT_NO_PASSPHRASE,
    AS_OPT_JSON,
    AS_OPT_FIRST_VERB_OPTION = 1100,
};

/* Folds --passphrase-file / --no-passphrase into src; returns 2 (usage) on a conflict. */
int as_cli_pass_option(as_pass_source *src, int opt, const char *arg, const char *verb);

/*
 * --json: starts the result object on out with the members every one carries first:
 * "airseal": command, "format": 1 (the version of these objects, docs/FORMAT.md section 12).
 */
void as_cli_json_begin(as_json *j, FILE *out, const char *command);

/*
 * --json: writes the members of a failed result: "ok": false, "verdict" (rejected_verdict
 * for exit status 1, else "usage-error" or "system-error"), "exit_status" and "error":
 * {"kind": as_errcode_token(): a stable token ("bad-signature", "no-match", "incomplete", ...),
 * "message": the one line also printed on stderr}. Returns the exit status.
 */
int as_cli_json_failure(as_json *j, const as_error *err, const char *rejected_verdict);

/* --json: a verified receipt's fields as the member "receipt" (both programs print it). */
void as_cli_json_receipt(as_json *j, const as_receipt *r);

/* True if standard error is a terminal (progress is drawn only then). */
bool as_cli_stderr_is_tty(void);

#endif
