/* custody_entry.c: reading and checking custody log entries, the whole chain or one entry
 * with its proof; see custody_entry.h and custody.h. */
#include "custody_entry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/text.h"
#include "../crypto/checkpoint.h"
#include "../crypto/sha256.h"

const char *as_log_get(const as_log_entry *e, const char *key)
{
    for (size_t i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].key, key) == 0)
            return e->fields[i].value;
    return NULL;
}

bool as_log_name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= AS_LOG_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

#define BAD_FORMAT(...) as_fail(err, AS_ERR_FORMAT, __VA_ARGS__)
#define BAD_RULE(...) as_fail(err, AS_ERR_REJECTED, __VA_ARGS__)

/* "<seq> <time> <event>": the sequence number must be want_seq. */
static int parse_head(as_cursor *c, uint64_t want_seq, as_log_entry *e, as_error *err)
{
    as_span t;
    time_t when;
    if (as_cursor_token(c, &t) != 0 || as_span_u64(t, UINT64_MAX, false, &e->seq) != 0)
        return BAD_FORMAT("malformed sequence number");
    if (e->seq != want_seq)
        return BAD_RULE("sequence number %llu, expected %llu (entry missing, duplicated or moved)",
                        (unsigned long long)e->seq, (unsigned long long)want_seq);
    if (as_cursor_token(c, &t) != 0 || as_time_parse_utc(t.p, t.n, &when) != 0)
        return BAD_FORMAT("malformed time");
    memcpy(e->time, t.p, 20);
    if (as_cursor_token(c, &t) != 0 || !as_log_name_ok(t.p, t.n))
        return BAD_FORMAT("malformed event name");
    memcpy(e->event, t.p, t.n);
    return 0;
}

/* One "<name>=<%-encoded value>" field into e. */
static int take_field(as_log_entry *e, as_span k, as_span v, as_error *err)
{
    if (e->nfields == AS_LOG_MAX_FIELDS || !as_log_name_ok(k.p, k.n))
        return BAD_FORMAT("too many or malformed field names");
    memcpy(e->fields[e->nfields].key, k.p, k.n);
    if (as_pct_decode(e->fields[e->nfields].value, AS_LOG_VALUE_MAX, v.p, v.n) < 0)
        return BAD_FORMAT("malformed value of field %.*s", (int)k.n, k.p);
    e->nfields++;
    return 0;
}

/* The fields after the event, then "prev=<hex>" and "sig=<base64>", the last two tokens. */
static int parse_fields(as_cursor *c, as_log_entry *e, as_span *prev, as_span *sig, as_error *err)
{
    *prev = *sig = (as_span){NULL, 0};
    while (as_cursor_left(c) > 0) {
        as_span k, v;
        if (as_cursor_pair(c, '=', &k, &v) != 0)
            return as_cursor_token(c, &k) != 0 ? BAD_FORMAT("malformed field (empty token)")
                                               : BAD_FORMAT("malformed field");
        if (sig->p != NULL)
            return BAD_FORMAT("data after the signature");
        if (as_span_eq(k, "sig")) {
            *sig = v;
            continue;
        }
        if (prev->p != NULL)
            return BAD_FORMAT("field after prev=");
        if (as_span_eq(k, "prev"))
            *prev = v;
        else if (take_field(e, k, v, err) != 0)
            return -1;
    }
    return 0;
}

/* The entry's seal: prev names the previous line (unless want_prev is NULL: one entry seen
 * alone), and the signature over the line's bytes before " sig=" is the station's. */
static int check_seal(as_span line, as_span prev, as_span sig, const uint8_t want_prev[32],
                      const as_mini_pubkey *station, as_error *err)
{
    uint8_t got_prev[32];
    as_mini_detached d;
    if (prev.p == NULL || as_span_hex(prev, got_prev, 32) != 0)
        return BAD_FORMAT("missing or malformed prev=");
    if (want_prev != NULL && !as_equal_ct(got_prev, want_prev, 32))
        return BAD_RULE("prev= does not match the previous entry (chain broken)");
    as_error why = {0};
    if (sig.p == NULL || as_mini_detached_parse(&d, sig.p, sig.n, false, &why) != 0)
        return BAD_FORMAT("missing or malformed sig=");
    size_t signed_len = (size_t)(sig.p - strlen(" sig=") - line.p);
    if (as_mini_detached_verify(station, &d, line.p, signed_len, &why) != 0)
        return why.code == AS_ERR_KEY ? BAD_RULE("signed by another key than the station's")
                                      : BAD_RULE("signature does not verify (entry modified)");
    return 0;
}

/* Parses and checks one line; prev is the previous line's hash. */
static int check_line(as_span line, uint64_t want_seq, const uint8_t prev[32],
                      const as_mini_pubkey *station, as_log_entry *e, as_error *err)
{
    as_cursor c;
    as_span prev_tok, sig_tok;
    memset(e, 0, sizeof *e);
    as_span_cursor(line, &c);
    if (parse_head(&c, want_seq, e, err) != 0 ||
        parse_fields(&c, e, &prev_tok, &sig_tok, err) != 0 ||
        check_seal(line, prev_tok, sig_tok, prev, station, err) != 0)
        return -1;
    as_sha256(e->line_hash, line.p, line.n);
    return 0;
}

int as_custody_chain(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                     as_log_visit visit, void *ctx, as_custody_chain_result *out, as_error *err)
{
    as_cursor c;
    int rc = -1;
    as_log_entry *e = malloc(sizeof *e);
    as_custody_chain_result keep = *out;
    memset(out, 0, sizeof *out);
    out->take = keep.take;
    out->take_ctx = keep.take_ctx;
    if (e == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_cursor_init(&c, data, len);
    while (as_cursor_left(&c) > 0) {
        as_span line;
        unsigned long long seq = out->count + 1;
        if (as_cursor_line_span(&c, &line, AS_LOG_LINE_MAX) != 0) {
            if (as_cursor_left(&c) <= AS_LOG_LINE_MAX)
                break; /* torn: never happened */
            as_fail(err, AS_ERR_FORMAT,
                    "custody log entry %llu (line %llu): unterminated or too long", seq, seq);
            goto out;
        }
        if (check_line(line, seq, out->head, station, e, err) != 0) {
            as_error_prefix(err, "custody log entry %llu (line %llu): ", seq, seq);
            goto out;
        }
        out->count = seq;
        out->end = c.off;
        memcpy(out->head, e->line_hash, 32);
        if (out->take != NULL && out->take(out->take_ctx, line, e, err) != 0)
            goto out;
        if (visit != NULL && visit(e, ctx, err) != 0)
            goto out;
    }
    if (out->count == 0) {
        as_fail(err, AS_ERR_FORMAT, "custody log is empty (the init entry is missing)");
        goto out;
    }
    rc = 0;
out:
    free(e);
    return rc;
}

int as_custody_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                      as_log_visit visit, void *ctx, uint64_t *count, as_error *err)
{
    as_custody_chain_result ch = {0};
    if (as_custody_chain(data, len, station, visit, ctx, &ch, err) != 0)
        return -1;
    if (count != NULL)
        *count = ch.count;
    return 0;
}

/* The origin line of the station's checkpoints, "airseal.station/<station id>", and the
 * station key as a note key of that name (what an NGO rebuilds from station.pub alone). */
int as_custody_origin(const as_mini_pubkey *station, as_note_vkey *vkey, as_error *err)
{
    char id[AS_MINI_KEYID_STR], origin[64];
    as_mini_keyid(station->keynum, id);
    int n = snprintf(origin, sizeof origin, AS_CUSTODY_ORIGIN_PREFIX "%s", id);
    return as_note_vkey_init(vkey, origin, (size_t)n, AS_NOTE_ED25519, station->pk, err);
}

/* ---------------------------------------------------------------- one entry, proven */

/* The entry alone: its grammar, its number (the proof's index + 1) and its signature. */
static int check_alone(const as_tlog_proof *p, const as_mini_pubkey *station, as_log_entry *e,
                       as_error *err)
{
    as_cursor c;
    as_span line = {(const char *)p->extra, p->extra_len}, prev_tok, sig_tok;
    memset(e, 0, sizeof *e);
    if (memchr(p->extra, '\n', p->extra_len) != NULL)
        return as_fail(err, AS_ERR_FORMAT, "the proof's entry is not one line");
    as_span_cursor(line, &c);
    if (parse_head(&c, p->index + 1, e, err) != 0 ||
        parse_fields(&c, e, &prev_tok, &sig_tok, err) != 0 ||
        check_seal(line, prev_tok, sig_tok, NULL, station, err) != 0)
        return as_error_prefix(err, "custody log entry %llu: ", (unsigned long long)p->index + 1),
               -1;
    as_sha256(e->line_hash, line.p, line.n);
    return 0;
}

int as_custody_entry_verify(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                            as_log_entry *e, uint64_t *tree_size, as_error *err)
{
    as_note_vkey vkey;
    as_checkpoint cp;
    uint8_t leaf[AS_TLOG_HASH_LEN];
    as_tlog_proof *p = calloc(1, sizeof *p);
    int rc = -1;
    if (p == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (as_tlog_proof_parse(p, data, len, err) != 0)
        goto out;
    if (!p->has_extra) {
        as_fail(err, AS_ERR_FORMAT, "the inclusion proof carries no custody log entry");
        goto out;
    }
    as_tlog_leaf_hash(leaf, p->extra, p->extra_len);
    if (as_custody_origin(station, &vkey, err) != 0 ||
        as_tlog_proof_verify(p, leaf, &vkey, 1, NULL, &cp, err) != 0) {
        if (err != NULL && strncmp(err->msg, "inclusion proof: ", 17) != 0)
            as_error_prefix(err, "inclusion proof: "); /* merkle.c's own lines say it */
        goto out;
    }
    if (cp.origin_len != vkey.name_len || memcmp(cp.origin, vkey.name, cp.origin_len) != 0) {
        as_fail(err, AS_ERR_REJECTED, "inclusion proof: the checkpoint is not this station's log");
        goto out;
    }
    if (check_alone(p, station, e, err) != 0)
        goto out;
    if (tree_size != NULL)
        *tree_size = cp.size;
    rc = 0;
out:
    free(p);
    return rc;
}
