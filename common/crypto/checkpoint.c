/* checkpoint.c: C2SP checkpoints, cosignatures and tlog-proofs; see checkpoint.h. */
#include "checkpoint.h"

#include <string.h>

#include "../core/base64.h"
#include "../core/text.h"

#define PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define B64_HASH_LEN 44 /* padded base64 of 32 bytes */

#define BAD_CKPT(...) as_fail(err, AS_ERR_FORMAT, "not a valid checkpoint: " __VA_ARGS__)
#define BAD_PROOF(code, ...) as_fail(err, code, "not a valid tlog-proof: " __VA_ARGS__)

int as_checkpoint_parse(as_checkpoint *cp, const char *text, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    memset(cp, 0, sizeof *cp);
    if (as_note_text_check(text, len, err) != 0)
        return -1;
    as_cursor_init(&c, text, len);
    if (as_cursor_line(&c, &line, &n, AS_CKPT_ORIGIN_MAX) != 0 || n == 0)
        return BAD_CKPT("bad origin line");
    memcpy(cp->origin, line, n);
    cp->origin_len = n;
    if (as_cursor_line(&c, &line, &n, 20) != 0 ||
        as_parse_u64(line, n, AS_TLOG_SIZE_MAX, true, &cp->size) != 0)
        return BAD_CKPT("bad tree size line");
    if (as_cursor_line(&c, &line, &n, B64_HASH_LEN) != 0 ||
        as_b64_decode_exact(cp->root, sizeof cp->root, line, n, AS_B64_PADDED) != 0)
        return BAD_CKPT("bad root hash line");
    if (as_cursor_left(&c) > 0) {
        cp->ext = text + c.off;
        cp->ext_len = as_cursor_left(&c);
    }
    /* Every line of the text fits AS_NOTE_LINE_MAX (as_note_text_check), so this ends. */
    while (as_cursor_left(&c) > 0)
        if (as_cursor_line(&c, &line, &n, AS_NOTE_LINE_MAX) != 0 || n == 0)
            return BAD_CKPT("empty extension line");
    return 0;
}

int as_checkpoint_format(as_buf *out, const as_checkpoint *cp, as_error *err)
{
    char root[B64_HASH_LEN + 1];
    as_checkpoint back;
    size_t start = out->len;
    if (cp->origin_len == 0 || cp->origin_len > AS_CKPT_ORIGIN_MAX ||
        memchr(cp->origin, '\n', cp->origin_len) != NULL ||
        !as_text_is_plain(cp->origin, cp->origin_len))
        return as_fail(err, AS_ERR_USAGE, "a checkpoint origin must be 1 to %d bytes of plain text",
                       AS_CKPT_ORIGIN_MAX);
    as_b64_encode(root, cp->root, sizeof cp->root, AS_B64_PADDED);
    if (as_buf_printf(out, err, "%.*s\n%llu\n%s\n", (int)cp->origin_len, cp->origin,
                      (unsigned long long)cp->size, root) != 0 ||
        (cp->ext_len > 0 && as_buf_append(out, cp->ext, cp->ext_len, err) != 0))
        return -1;
    /* What is written must read back: the parser holds every rule (size, extension lines). */
    if (as_checkpoint_parse(&back, (const char *)out->data + start, out->len - start, err) != 0) {
        out->len = start;
        return -1;
    }
    return 0;
}

int as_checkpoint_sign(as_buf *out, const as_checkpoint *cp, const as_note_vkey *key,
                       const uint8_t sk[crypto_sign_SECRETKEYBYTES], as_error *err)
{
    as_buf text;
    as_buf_init(&text, AS_NOTE_MAX);
    int rc = as_checkpoint_format(&text, cp, err) == 0 &&
                     as_buf_append(out, text.data, text.len, err) == 0 &&
                     as_buf_puts(out, "\n", err) == 0 &&
                     as_note_sign(out, (const char *)text.data, text.len, key, sk, 0, err) == 0
                 ? 0
                 : -1;
    as_buf_free(&text);
    return rc;
}

int as_checkpoint_open(as_checkpoint *cp, as_note *note, const uint8_t *data, size_t len,
                       const as_note_vkey *keys, size_t nkeys, as_note_result *res, as_error *err)
{
    as_note_result mine[AS_NOTE_KEYS_MAX];
    memset(cp, 0, sizeof *cp);
    if (nkeys == 0 || nkeys > AS_NOTE_KEYS_MAX)
        return as_fail(err, AS_ERR_USAGE, "opening a checkpoint needs 1 to %d keys",
                       AS_NOTE_KEYS_MAX);
    if (as_note_parse(note, data, len, err) != 0 ||
        as_note_verify(note, keys, nkeys, mine, err) != 0)
        return -1;
    if (!mine[0].ok)
        return as_fail(err, AS_ERR_SIGNATURE, "the checkpoint is not signed by the log key %.*s",
                       (int)keys[0].name_len, keys[0].name);
    if (as_checkpoint_parse(cp, note->text, note->text_len, err) != 0)
        return -1;
    /* The log's key is named after its origin (tlog-checkpoint): a checkpoint of another log
     * signed with the same key is not this log's. */
    if (cp->origin_len != keys[0].name_len || memcmp(cp->origin, keys[0].name, cp->origin_len) != 0)
        return as_fail(err, AS_ERR_REJECTED, "the checkpoint is of log %.*s, not of %.*s",
                       (int)cp->origin_len, cp->origin, (int)keys[0].name_len, keys[0].name);
    if (res != NULL)
        memcpy(res, mine, nkeys * sizeof *res);
    return 0;
}

int as_cosig_sign(as_buf *line, const char *text, size_t len, const as_note_vkey *witness,
                  const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t timestamp, as_error *err)
{
    as_checkpoint cp;
    if (witness->type != AS_NOTE_COSIG_V1)
        return as_fail(err, AS_ERR_KEY, "witness key %.*s is not a cosignature/v1 key",
                       (int)witness->name_len, witness->name);
    if (as_checkpoint_parse(&cp, text, len, err) != 0)
        return -1;
    return as_note_sign(line, text, len, witness, sk, timestamp, err);
}

/* The signed checkpoint inside a proof: a note whose text is a checkpoint. */
static int check_signed_checkpoint(const uint8_t *data, size_t len, as_error *err)
{
    as_note note;
    as_checkpoint cp;
    if (as_note_parse(&note, data, len, err) != 0)
        return -1;
    return as_checkpoint_parse(&cp, note.text, note.text_len, err);
}

int as_tlog_proof_format(as_buf *out, const as_tlog_proof *p, as_error *err)
{
    char b64[((AS_TLOG_PROOF_EXTRA_MAX + 2) / 3) * 4 + 1];
    if ((p->has_extra && (p->extra_len == 0 || p->extra_len > AS_TLOG_PROOF_EXTRA_MAX)) ||
        p->index >= AS_TLOG_SIZE_MAX || p->path.n > AS_TLOG_PATH_MAX)
        return as_fail(err, AS_ERR_USAGE, "tlog-proof: extra, index or proof out of range");
    if (check_signed_checkpoint(p->checkpoint, p->checkpoint_len, err) != 0 ||
        as_buf_puts(out, PROOF_HEADER "\n", err) != 0)
        return -1;
    if (p->has_extra) {
        as_b64_encode(b64, p->extra, p->extra_len, AS_B64_PADDED);
        if (as_buf_printf(out, err, "extra %s\n", b64) != 0)
            return -1;
    }
    if (as_buf_printf(out, err, "index %llu\n", (unsigned long long)p->index) != 0)
        return -1;
    for (size_t i = 0; i < p->path.n; i++) {
        as_b64_encode(b64, p->path.hash[i], AS_TLOG_HASH_LEN, AS_B64_PADDED);
        if (as_buf_printf(out, err, "%s\n", b64) != 0)
            return -1;
    }
    if (as_buf_puts(out, "\n", err) != 0)
        return -1;
    return as_buf_append(out, p->checkpoint, p->checkpoint_len, err);
}

/* The optional "extra" line, then "index N": line is the first line after the header. */
static int parse_extra_index(as_tlog_proof *p, as_cursor *c, const char *line, size_t n,
                             as_error *err)
{
    if (n >= 6 && memcmp(line, "extra ", 6) == 0) {
        long got = as_b64_decode(p->extra, sizeof p->extra, line + 6, n - 6, AS_B64_PADDED);
        if (got <= 0)
            return BAD_PROOF(AS_ERR_FORMAT, "bad extra line");
        p->has_extra = true;
        p->extra_len = (size_t)got;
        if (as_cursor_line(c, &line, &n, 32) != 0)
            return BAD_PROOF(AS_ERR_FORMAT, "bad index line");
    }
    if (n < 6 || memcmp(line, "index ", 6) != 0 ||
        as_parse_u64(line + 6, n - 6, AS_TLOG_SIZE_MAX - 1, true, &p->index) != 0)
        return BAD_PROOF(AS_ERR_FORMAT, "bad index line");
    return 0;
}

int as_tlog_proof_parse(as_tlog_proof *p, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    memset(p, 0, sizeof *p);
    if (len > AS_TLOG_PROOF_MAX)
        return BAD_PROOF(AS_ERR_LIMIT, "larger than %d bytes", AS_TLOG_PROOF_MAX);
    as_cursor_init(&c, data, len);
    if (as_cursor_expect(&c, PROOF_HEADER "\n", sizeof PROOF_HEADER) != 0)
        return BAD_PROOF(AS_ERR_FORMAT, "bad first line");
    if (as_cursor_line(&c, &line, &n, 6 + ((AS_TLOG_PROOF_EXTRA_MAX + 2) / 3) * 4) != 0 ||
        parse_extra_index(p, &c, line, n, err) != 0)
        return BAD_PROOF(AS_ERR_FORMAT, "bad extra or index line");
    for (;;) {
        if (as_cursor_line(&c, &line, &n, B64_HASH_LEN) != 0)
            return BAD_PROOF(AS_ERR_FORMAT, "bad proof hash line %zu", p->path.n + 1);
        if (n == 0)
            break;
        if (p->path.n == AS_TLOG_PATH_MAX)
            return BAD_PROOF(AS_ERR_LIMIT, "more than %d proof hashes", AS_TLOG_PATH_MAX);
        if (as_b64_decode_exact(p->path.hash[p->path.n], AS_TLOG_HASH_LEN, line, n,
                                AS_B64_PADDED) != 0)
            return BAD_PROOF(AS_ERR_FORMAT, "bad proof hash line %zu", p->path.n + 1);
        p->path.n++;
    }
    p->checkpoint = data + c.off;
    p->checkpoint_len = as_cursor_left(&c);
    if (check_signed_checkpoint(p->checkpoint, p->checkpoint_len, err) != 0) {
        as_error_prefix(err, "tlog-proof: ");
        return -1;
    }
    return 0;
}

int as_tlog_proof_verify(const as_tlog_proof *p, const uint8_t leaf[AS_TLOG_HASH_LEN],
                         const as_note_vkey *keys, size_t nkeys, as_note_result *res,
                         as_checkpoint *cp, as_error *err)
{
    as_note note;
    if (as_checkpoint_open(cp, &note, p->checkpoint, p->checkpoint_len, keys, nkeys, res, err) != 0)
        return -1;
    return as_tlog_verify_inclusion(leaf, p->index, cp->size, &p->path, cp->root, err);
}
