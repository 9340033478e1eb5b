/*
 * error.h: the one error type of airseal.
 *
 * Every function in common/ that can fail takes an `as_error *` as its last argument, returns
 * -1 (or NULL) on failure and fills the error with a code and a one-line message. Only the
 * programs' main() turn an error into output and an exit status. Messages never contain a
 * newline, another control character or a bidi or invisible character: untrusted text that
 * ends up in a message is shown through as_text_show() (text.h) by as_fail() itself.
 */
#ifndef AIRSEAL_CORE_ERROR_H
#define AIRSEAL_CORE_ERROR_H

#include <stddef.h>

/*
 * What went wrong, coarse enough for exit statuses and for tests that expect a class.
 *
 * Two codes are chosen by meaning, not by module, for every untrusted input:
 *   AS_ERR_FORMAT    the bytes do not follow the format's grammar: a cursor verb failed, a
 *                    field is missing, malformed, out of order or of the wrong width.
 *   AS_ERR_REJECTED  the bytes parse, but a rule refuses them: policy (a hostile path, a
 *                    forbidden file type), a mismatch with a trusted value (digest, id, size),
 *                    a replay. Specific codes (SIGNATURE, KEY, LIMIT, INCOMPLETE, the age
 *                    codes) win over both where they apply.
 */
typedef enum {
    AS_OK = 0,
    AS_ERR_USAGE,      /* the command line is wrong (exit 2) */
    AS_ERR_IO,         /* the operating system refused: open, read, write, disk full (exit 3) */
    AS_ERR_NOMEM,      /* an allocation failed (exit 3) */
    AS_ERR_INTERNAL,   /* a bug or an impossible state (exit 3) */
    AS_ERR_FORMAT,     /* input does not parse */
    AS_ERR_LIMIT,      /* input exceeds one of the hard caps */
    AS_ERR_ARMOR,      /* age: the ASCII armor is malformed */
    AS_ERR_HEADER,     /* age: the header is malformed */
    AS_ERR_NO_MATCH,   /* age: no identity opens any stanza */
    AS_ERR_HMAC,       /* age: the header MAC does not verify */
    AS_ERR_PAYLOAD,    /* age: the encrypted payload is damaged or truncated */
    AS_ERR_SIGNATURE,  /* a signature does not verify */
    AS_ERR_KEY,        /* a key is wrong: passphrase, key id, untrusted signer */
    AS_ERR_REJECTED,   /* input parses but policy refuses it (hostile archive, mismatch) */
    AS_ERR_EXISTS,     /* the target already exists and would be overwritten */
    AS_ERR_INCOMPLETE, /* not enough data to finish (missing blocks, frames or parts) */
    AS_ERR_BUSY,       /* another process holds the station lock: try again later (exit 4) */
} as_errcode;

/* The number of codes, AS_OK included (for tables indexed by code). */
#define AS_ERRCODE_COUNT ((int)AS_ERR_BUSY + 1)

#define AS_ERROR_MSG_MAX 480

typedef struct as_error {
    as_errcode code;
    char msg[AS_ERROR_MSG_MAX];
} as_error;

/* Exit statuses, documented in docs/ and the man pages. */
enum {
    AS_EXIT_OK = 0,
    AS_EXIT_REJECTED = 1, /* rejected input or failed verification */
    AS_EXIT_USAGE = 2,    /* command-line usage error */
    AS_EXIT_SYSTEM = 3,   /* I/O error (disk full, permission), out of memory, internal error */
    AS_EXIT_BUSY = 4,     /* the station is busy with another airseal-recv: nothing was done */
};

/* Resets err to AS_OK with an empty message. Accepts NULL. */
void as_error_clear(as_error *err);

/*
 * Records a failure: sets err->code and formats the message, rendered by as_text_show() so
 * control, bidi and invisible characters become visible escapes (\x1b, \u202e, \xff) and
 * untrusted strings may be passed as arguments. Keeps
 * the first error: a second call on an error that is already set does nothing, so callers
 * deep in the stack win over generic wrappers. Returns -1 for `return as_fail(...)`.
 * err may be NULL.
 */
int as_fail(as_error *err, as_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As as_fail(), appending ": <strerror(errnum)>". ENOSPC and EDQUOT read "disk full". */
int as_fail_errno(as_error *err, as_errcode code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepends "<prefix>" (rendered as above) to an already set message (used to name the file
 * being read). */
void as_error_prefix(as_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Returns the exit status for an error: AS_EXIT_OK when err->code is AS_OK. */
int as_exit_status(const as_error *err);

/* Returns a short human name for a code ("header failure", "no match", ...), the message of
 * an error that has none. Wording may change; programs must use as_errcode_token(). */
const char *as_errcode_name(as_errcode code);

/*
 * Returns the code's stable token, the "kind" of a --json failure ("bad-signature",
 * "no-match", "io-error", ...): lower-case ASCII letters and '-', one per code, never two
 * codes the same. Part of the documented interface (docs/FORMAT.md, JSON results): a token
 * never changes once released; a new code gets a new token. An unknown code gives
 * "unknown-error".
 */
const char *as_errcode_token(as_errcode code);

#endif
