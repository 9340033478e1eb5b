/*
 * passphrase.h: where a passphrase comes from. Never from argv or the environment: from a
 * no-echo prompt on the controlling terminal, from a file named by --passphrase-file (first
 * line; the file must not be readable by group or others), or nowhere (--no-passphrase).
 */
#ifndef AIRSEAL_UI_PASSPHRASE_H
#define AIRSEAL_UI_PASSPHRASE_H

#include <stdbool.h>

#include "../core/bytes.h"
#include "../core/error.h"

typedef enum {
    AS_PASS_PROMPT, /* ask on /dev/tty */
    AS_PASS_FILE,   /* read the first line of `file` */
    AS_PASS_NONE,   /* no passphrase: keys stored unencrypted */
} as_pass_kind;

typedef struct as_pass_source {
    as_pass_kind kind;
    const char *file;
} as_pass_source;

#define AS_PASSPHRASE_MAX 1024

/*
 * Obtains a passphrase into out (initialised here as a secret buffer, NUL-terminated; free
 * with as_buf_free). `what` names the key in the prompt. With confirm, a prompt asks twice
 * and refuses an empty or mismatched answer. Fails with AS_ERR_USAGE when a prompt is needed
 * and there is no terminal. Must not be called with AS_PASS_NONE.
 */
int as_passphrase_get(const as_pass_source *src, const char *what, bool confirm, as_buf *out,
                      as_error *err);

#endif
