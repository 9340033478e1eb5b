/* note.c: C2SP signed notes; see note.h. */
#include "note.h"

#include <string.h>

#include "../core/base64.h"
#include "../core/text.h"
#include "sha256.h"

#define EM_DASH "\xe2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4
#define COSIG_HEADER "cosignature/v1\n"

#define BAD_NOTE(code, ...) as_fail(err, code, "not a valid signed note: " __VA_ARGS__)

uint32_t as_note_key_id(const char *name, size_t name_len, uint8_t type,
                        const uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
    static const uint8_t nl = 0x0a;
    uint8_t h[32];
    as_sha256_ctx c;
    as_sha256_init(&c);
    as_sha256_update(&c, name, name_len);
    as_sha256_update(&c, &nl, 1);
    as_sha256_update(&c, &type, 1);
    as_sha256_update(&c, pk, crypto_sign_PUBLICKEYBYTES);
    as_sha256_final(&c, h);
    return as_load_u32be(h);
}

/* Go's unicode.IsSpace, which the reference implementation uses for "Unicode spaces". */
static bool unicode_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000;
}

bool as_note_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > AS_NOTE_NAME_MAX)
        return false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = as_utf8_decode(name + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == '+' || unicode_space(cp))
            return false;
        i += n;
    }
    return true;
}

int as_note_vkey_init(as_note_vkey *k, const char *name, size_t name_len, uint8_t type,
                      const uint8_t pk[crypto_sign_PUBLICKEYBYTES], as_error *err)
{
    memset(k, 0, sizeof *k);
    if (!as_note_name_valid(name, name_len) || !as_text_is_plain(name, name_len))
        return as_fail(err, AS_ERR_KEY,
                       "a note key name must be 1 to %d bytes of plain UTF-8 without spaces or "
                       "'+': %.*s",
                       AS_NOTE_NAME_MAX, (int)(name_len > 64 ? 64 : name_len), name);
    if (type != AS_NOTE_ED25519 && type != AS_NOTE_COSIG_V1)
        return as_fail(err, AS_ERR_KEY, "unknown note signature type 0x%02x", type);
    memcpy(k->name, name, name_len);
    k->name_len = name_len;
    k->type = type;
    memcpy(k->pk, pk, sizeof k->pk);
    k->key_id = as_note_key_id(name, name_len, type, pk);
    return 0;
}

int as_note_vkey_parse(as_note_vkey *k, const char *s, size_t len, as_error *err)
{
    uint8_t raw[1 + crypto_sign_PUBLICKEYBYTES], id[4];
    memset(k, 0, sizeof *k);
    const char *plus = len <= AS_NOTE_VKEY_MAX ? memchr(s, '+', len) : NULL;
    if (plus == NULL)
        return as_fail(err, AS_ERR_FORMAT, "not a note verifier key (name+keyid+key)");
    size_t nlen = (size_t)(plus - s), rest = len - nlen - 1;
    const char *hex = plus + 1;
    if (rest < 10 || hex[8] != '+')
        return as_fail(err, AS_ERR_FORMAT, "not a note verifier key: bad key id");
    for (size_t i = 0; i < 8; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return as_fail(err, AS_ERR_FORMAT, "not a note verifier key: bad key id");
    if (as_b64_decode_exact(raw, sizeof raw, hex + 9, rest - 9, AS_B64_PADDED) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not a note verifier key: bad base64 key");
    if (as_note_vkey_init(k, s, nlen, raw[0], raw + 1, err) != 0)
        return -1;
    as_hex_decode(id, sizeof id, hex, 8);
    if (as_load_u32be(id) != k->key_id) {
        memset(k, 0, sizeof *k);
        return as_fail(err, AS_ERR_KEY, "note verifier key %.*s: the key id does not match the key",
                       (int)(nlen > 64 ? 64 : nlen), s);
    }
    return 0;
}

int as_note_vkey_format(as_buf *out, const as_note_vkey *k, as_error *err)
{
    uint8_t raw[1 + crypto_sign_PUBLICKEYBYTES];
    char b64[64];
    raw[0] = k->type;
    memcpy(raw + 1, k->pk, sizeof k->pk);
    as_b64_encode(b64, raw, sizeof raw, AS_B64_PADDED);
    return as_buf_printf(out, err, "%.*s+%08x+%s", (int)k->name_len, k->name, (unsigned)k->key_id,
                         b64);
}

/* The rules for every byte of a note: bounded size, UTF-8, no control but '\n'. */
static int check_bytes(const char *s, size_t len, as_error *err)
{
    if (len > AS_NOTE_MAX)
        return BAD_NOTE(AS_ERR_LIMIT, "larger than %d bytes", AS_NOTE_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return BAD_NOTE(AS_ERR_FORMAT, "control character 0x%02x at byte %zu",
                            (unsigned)(unsigned char)s[i], i);
    if (!as_utf8_valid(s, len))
        return BAD_NOTE(AS_ERR_FORMAT, "not UTF-8");
    if (len == 0 || s[len - 1] != '\n')
        return BAD_NOTE(AS_ERR_FORMAT, "no final newline");
    return 0;
}

/* Every line of s (which ends in '\n') fits AS_NOTE_LINE_MAX. */
static int check_lines(const char *s, size_t len, size_t first_line, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    as_cursor_init(&c, s, len);
    for (size_t i = first_line; as_cursor_left(&c) > 0; i++)
        if (as_cursor_line(&c, &line, &n, AS_NOTE_LINE_MAX) != 0)
            return BAD_NOTE(AS_ERR_LIMIT, "line %zu is longer than %d bytes", i, AS_NOTE_LINE_MAX);
    return 0;
}

int as_note_text_check(const char *text, size_t len, as_error *err)
{
    if (check_bytes(text, len, err) != 0)
        return -1;
    return check_lines(text, len, 1, err);
}

/* One signature line (without its '\n'): "— <name> <base64>". */
static int parse_sig_line(as_note_sig *s, const char *line, size_t len, size_t lineno,
                          as_error *err)
{
    uint8_t raw[AS_NOTE_SIG_MAX];
    as_cursor c;
    as_span name;
    as_cursor_init(&c, line, len);
    if (as_cursor_expect(&c, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return BAD_NOTE(AS_ERR_FORMAT,
                        "line %zu is not a signature (\"" EM_DASH " name signature\")", lineno);
    /* The name is one token; everything after its single space is the signature. */
    if (as_cursor_token(&c, &name) != 0 || as_cursor_left(&c) == 0 ||
        !as_note_name_valid(name.p, name.n))
        return BAD_NOTE(AS_ERR_FORMAT, "line %zu: bad key name", lineno);
    s->name = name.p;
    s->name_len = name.n;
    s->b64 = (const char *)c.data + c.off;
    s->b64_len = as_cursor_left(&c);
    if (s->b64_len > as_b64_encoded_len(AS_NOTE_SIG_MAX, AS_B64_PADDED))
        return BAD_NOTE(AS_ERR_LIMIT, "line %zu: signature longer than %d bytes", lineno,
                        AS_NOTE_SIG_MAX);
    long got = as_b64_decode(raw, sizeof raw, s->b64, s->b64_len, AS_B64_PADDED);
    if (got < 0)
        return BAD_NOTE(AS_ERR_FORMAT, "line %zu: bad base64 signature", lineno);
    if (got < 5)
        return BAD_NOTE(AS_ERR_FORMAT, "line %zu: signature too short", lineno);
    s->key_id = as_load_u32be(raw);
    return 0;
}

int as_note_parse(as_note *n, const uint8_t *data, size_t len, as_error *err)
{
    const char *s = (const char *)data;
    memset(n, 0, sizeof *n);
    if (check_bytes(s, len, err) != 0)
        return -1;
    /* The last blank line separates text and signatures: signature lines are never empty. */
    size_t split = len;
    for (size_t i = len - 1; i-- > 0;)
        if (s[i] == '\n' && s[i + 1] == '\n') {
            split = i;
            break;
        }
    if (split == len)
        return BAD_NOTE(AS_ERR_FORMAT, "no blank line before the signatures");
    if (split + 2 == len)
        return BAD_NOTE(AS_ERR_FORMAT, "no signature");
    size_t textlines = 1;
    for (size_t i = 0; i <= split; i++)
        textlines += s[i] == '\n';
    if (check_lines(s, split + 1, 1, err) != 0)
        return -1;
    as_cursor c;
    as_cursor_init(&c, s + split + 2, len - split - 2);
    for (size_t lineno = textlines + 1; as_cursor_left(&c) > 0; lineno++) {
        const char *line;
        size_t ll;
        if (as_cursor_line(&c, &line, &ll, AS_NOTE_LINE_MAX) != 0)
            return BAD_NOTE(AS_ERR_LIMIT, "line %zu is longer than %d bytes", lineno,
                            AS_NOTE_LINE_MAX);
        if (n->nsigs == AS_NOTE_SIGS_MAX)
            return BAD_NOTE(AS_ERR_LIMIT, "more than %d signatures", AS_NOTE_SIGS_MAX);
        if (parse_sig_line(&n->sig[n->nsigs], line, ll, lineno, err) != 0)
            return -1;
        n->nsigs++;
    }
    n->text = s;
    n->text_len = split + 1;
    return 0;
}

int as_note_format(as_buf *out, const as_note *n, as_error *err)
{
    if (as_buf_append(out, n->text, n->text_len, err) != 0 || as_buf_puts(out, "\n", err) != 0)
        return -1;
    for (size_t i = 0; i < n->nsigs; i++) {
        const as_note_sig *s = &n->sig[i];
        if (as_buf_printf(out, err, SIG_PREFIX "%.*s %.*s\n", (int)s->name_len, s->name,
                          (int)s->b64_len, s->b64) != 0)
            return -1;
    }
    return 0;
}

int as_note_cosig_message(as_buf *out, uint64_t timestamp, const char *text, size_t len,
                          as_error *err)
{
    if (timestamp > (uint64_t)AS_NOTE_TIME_MAX)
        return as_fail(err, AS_ERR_REJECTED, "a cosignature time must be below 2^63");
    if (as_buf_printf(out, err, COSIG_HEADER "time %llu\n", (unsigned long long)timestamp) != 0)
        return -1;
    return as_buf_append(out, text, len, err);
}

int as_note_sign(as_buf *out, const char *text, size_t len, const as_note_vkey *key,
                 const uint8_t sk[crypto_sign_SECRETKEYBYTES], uint64_t timestamp, as_error *err)
{
    uint8_t sig[4 + 8 + crypto_sign_BYTES];
    char b64[((sizeof sig + 2) / 3) * 4 + 1];
    size_t at = 4;
    as_buf msg;
    if (as_note_text_check(text, len, err) != 0)
        return -1;
    if (key->type != AS_NOTE_ED25519 && key->type != AS_NOTE_COSIG_V1)
        return as_fail(err, AS_ERR_KEY, "unknown note signature type 0x%02x", key->type);
    if (!as_equal_ct(key->pk, sk + crypto_sign_SEEDBYTES, sizeof key->pk))
        return as_fail(err, AS_ERR_KEY, "the secret key is not the key of %.*s", (int)key->name_len,
                       key->name);
    as_buf_init(&msg, AS_NOTE_MAX + 64);
    int rc = key->type == AS_NOTE_COSIG_V1 ? as_note_cosig_message(&msg, timestamp, text, len, err)
                                           : as_buf_append(&msg, text, len, err);
    if (rc == 0) {
        as_store_u32be(sig, key->key_id);
        if (key->type == AS_NOTE_COSIG_V1) {
            as_store_u64be(sig + at, timestamp);
            at += 8;
        }
        crypto_sign_detached(sig + at, NULL, msg.data, msg.len, sk);
        as_b64_encode(b64, sig, at + crypto_sign_BYTES, AS_B64_PADDED);
        rc = as_buf_printf(out, err, SIG_PREFIX "%.*s %s\n", (int)key->name_len, key->name, b64);
    }
    as_buf_free(&msg);
    return rc;
}

/* Verifies one signature line by its key. */
static int verify_one(const as_note *n, const as_note_sig *s, const as_note_vkey *k,
                      as_note_result *res, as_error *err)
{
    uint8_t raw[AS_NOTE_SIG_MAX];
    long got = as_b64_decode(raw, sizeof raw, s->b64, s->b64_len, AS_B64_PADDED);
    size_t at = 4,
           want = k->type == AS_NOTE_COSIG_V1 ? 4 + 8 + crypto_sign_BYTES : 4 + crypto_sign_BYTES;
    as_buf msg;
    int ok = 0;
    if (got != (long)want)
        return as_fail(err, AS_ERR_SIGNATURE, "the note signature by %.*s does not verify",
                       (int)k->name_len, k->name);
    as_buf_init(&msg, AS_NOTE_MAX + 64);
    if (k->type == AS_NOTE_COSIG_V1) {
        res->timestamp = as_load_u64be(raw + 4);
        at += 8;
        ok = as_note_cosig_message(&msg, res->timestamp, n->text, n->text_len, NULL) == 0;
    } else {
        ok = as_buf_append(&msg, n->text, n->text_len, NULL) == 0;
    }
    ok = ok && crypto_sign_verify_detached(raw + at, msg.data, msg.len, k->pk) == 0;
    as_buf_free(&msg);
    if (!ok)
        return as_fail(err, AS_ERR_SIGNATURE, "the note signature by %.*s does not verify",
                       (int)k->name_len, k->name);
    res->ok = true;
    return 0;
}

static int find_key(const as_note_sig *s, const as_note_vkey *keys, size_t nkeys)
{
    for (size_t i = 0; i < nkeys; i++)
        if (keys[i].key_id == s->key_id && keys[i].name_len == s->name_len &&
            memcmp(keys[i].name, s->name, s->name_len) == 0)
            return (int)i;
    return -1;
}

int as_note_verify(const as_note *n, const as_note_vkey *keys, size_t nkeys, as_note_result *res,
                   as_error *err)
{
    as_note_result mine[AS_NOTE_KEYS_MAX];
    size_t verified = 0;
    if (nkeys > AS_NOTE_KEYS_MAX)
        return as_fail(err, AS_ERR_USAGE, "more than %d known note keys", AS_NOTE_KEYS_MAX);
    memset(mine, 0, sizeof mine);
    for (size_t i = 0; i < nkeys; i++)
        for (size_t j = 0; j < i; j++)
            if (keys[i].key_id == keys[j].key_id && keys[i].name_len == keys[j].name_len &&
                memcmp(keys[i].name, keys[j].name, keys[i].name_len) == 0)
                return as_fail(err, AS_ERR_KEY, "two known note keys are named %.*s+%08x",
                               (int)keys[i].name_len, keys[i].name, (unsigned)keys[i].key_id);
    for (size_t i = 0; i < n->nsigs; i++) {
        int k = find_key(&n->sig[i], keys, nkeys);
        if (k < 0)
            continue; /* the spec: signatures by unknown keys are ignored */
        if (mine[k].ok)
            return as_fail(err, AS_ERR_REJECTED, "the note has two signatures by %.*s",
                           (int)keys[k].name_len, keys[k].name);
        if (verify_one(n, &n->sig[i], &keys[k], &mine[k], err) != 0)
            return -1;
        verified++;
    }
    if (verified == 0)
        return as_fail(err, AS_ERR_SIGNATURE, "the note has no signature by a known key");
    if (res != NULL)
        memcpy(res, mine, nkeys * sizeof *res);
    return 0;
}
