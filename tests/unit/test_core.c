/* test_core.c: the bounded reader, buffers, base64, Bech32 and text helpers. */
#include "helpers.h"

#include "common/core/base64.h"
#include "common/core/bech32.h"
#include "common/core/text.h"
#include "common/crypto/age_keys.h"
#include "common/ui/json.h"

static void cursor_reads_exactly_or_fails(void **state)
{
    (void)state;
    const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    as_cursor c;
    uint32_t v32;
    uint8_t out[16];
    as_cursor_init(&c, data, sizeof data);
    assert_int_equal(as_cursor_u32be(&c, &v32), 0);
    assert_int_equal(v32, 0x01020304);
    assert_int_equal(as_cursor_get(&c, out, 6), -1); /* 5 left */
    assert_int_equal(as_cursor_left(&c), 5);         /* nothing consumed */
    assert_int_equal(as_cursor_get(&c, out, 5), 0);
    assert_memory_equal(out, data + 4, 5);
    assert_int_equal(as_cursor_end(&c), 0);
    assert_int_equal(as_cursor_u8(&c, out), -1);
    assert_int_equal(as_cursor_skip(&c, SIZE_MAX), -1);
}

static void cursor_lines_are_bounded(void **state)
{
    (void)state;
    const char text[] = "abc\nlonger line\nno newline";
    as_cursor c;
    const char *line;
    size_t n;
    as_cursor_init(&c, text, strlen(text));
    assert_int_equal(as_cursor_line(&c, &line, &n, 3), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(line, "abc", 3);
    assert_int_equal(as_cursor_line(&c, &line, &n, 5), -1); /* longer than 5 */
    assert_int_equal(as_cursor_line(&c, &line, &n, 11), 0);
    assert_int_equal(as_cursor_line(&c, &line, &n, 100), -1); /* unterminated */
    assert_int_equal(as_cursor_left(&c), strlen("no newline"));
}

/* The text verbs: each row is one input, the verb, and what must come out (or fail without
 * consuming anything). */
static void cursor_text_verbs_table(void **state)
{
    (void)state;
    enum verb {
        KV,
        ANY_KV,
        TOKEN,
        FIELD,
        LAST,
        PAIR
    };
    static const struct {
        enum verb verb;
        const char *arg; /* key, prefix or separator */
        const char *in;
        int rc;
        const char *key; /* ANY_KV, PAIR: the key read */
        const char *out; /* the value, token or line read */
        size_t left;     /* bytes left in the cursor afterwards */
    } rows[] = {
        {KV, "case", "case: ICC-01/22\nnext", 0, NULL, "ICC-01/22", 4},
        {KV, "case", "case: \n", 0, NULL, "", 0},         /* empty value is a value */
        {KV, "case", "case: a: b\n", 0, NULL, "a: b", 0}, /* only the first ": " splits */
        {KV, "case", "cases: x\n", -1, NULL, NULL, 9},    /* another key */
        {KV, "case", "case:x\n", -1, NULL, NULL, 7},      /* no space */
        {KV, "case", "case: x", -1, NULL, NULL, 7},       /* no newline */
        {KV, "case", "Case: x\n", -1, NULL, NULL, 8},     /* keys are exact */
        {KV, "case", "case: 0123456789012345678901234567890\n", -1, NULL, NULL, 38}, /* > max */
        {ANY_KV, NULL, "recipient: age1x\n", 0, "recipient", "age1x", 0},
        {ANY_KV, NULL, ": x\n", -1, NULL, NULL, 4}, /* empty key */
        {ANY_KV, NULL, "no separator\n", -1, NULL, NULL, 13},
        {TOKEN, NULL, "12 2026-01-01T00:00:00Z", 0, NULL, "12", 20},
        {TOKEN, NULL, "last", 0, NULL, "last", 0},
        {TOKEN, NULL, " x", -1, NULL, NULL, 2}, /* leading space */
        {TOKEN, NULL, "x ", -1, NULL, NULL, 2}, /* trailing space */
        {TOKEN, NULL, "", -1, NULL, NULL, 0},
        {FIELD, "bundle:", "bundle:00ff case:x", 0, NULL, "00ff", 6},
        {FIELD, "bundle:", "bundle: case:x", -1, NULL, NULL, 14}, /* nothing after prefix */
        {FIELD, "bundle:", "bundle:", -1, NULL, NULL, 7},
        {FIELD, "bundle:", "bundl:00", -1, NULL, NULL, 8},
        {LAST, NULL, "a\nb\nsig\n", 0, NULL, "sig", 4},
        {LAST, NULL, "only\n", 0, NULL, "only", 0},
        {LAST, NULL, "a\n\n", 0, NULL, "", 2},
        {LAST, NULL, "a\nsig", -1, NULL, NULL, 5}, /* no final newline */
        {LAST, NULL, "a\n0123456789012345678901234567890123\n", -1, NULL, NULL, 37}, /* > max */
        {LAST, NULL, "", -1, NULL, NULL, 0},
        {PAIR, "=", "case=ICC%2F01 prev=00", 0, "case", "ICC%2F01", 7},
        {PAIR, "=", "note= sig=x", 0, "note", "", 5}, /* empty value */
        {PAIR, "=", "a=b=c", 0, "a", "b=c", 0},       /* only the first = */
        {PAIR, "=", "=b x", -1, NULL, NULL, 4},       /* empty key */
        {PAIR, "=", "novalue x", -1, NULL, NULL, 9},  /* no separator */
        {PAIR, "=", " a=b", -1, NULL, NULL, 4},       /* empty token */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        as_cursor c;
        as_span key = {0}, out = {0};
        as_cursor_init(&c, rows[i].in, strlen(rows[i].in));
        int rc = -2;
        switch (rows[i].verb) {
        case KV:
            rc = as_cursor_kv(&c, rows[i].arg, &out, 32);
            break;
        case ANY_KV:
            rc = as_cursor_any_kv(&c, &key, &out, 32);
            break;
        case TOKEN:
            rc = as_cursor_token(&c, &out);
            break;
        case FIELD:
            rc = as_cursor_field(&c, rows[i].arg, &out);
            break;
        case LAST:
            rc = as_cursor_last_line(&c, &out, 32);
            break;
        case PAIR:
            rc = as_cursor_pair(&c, rows[i].arg[0], &key, &out);
            break;
        }
        if (rc != rows[i].rc || as_cursor_left(&c) != rows[i].left)
            fail_msg("row %zu (%s): rc %d left %zu", i, rows[i].in, rc, as_cursor_left(&c));
        if (rc == 0 && !as_span_eq(out, rows[i].out))
            fail_msg("row %zu: read \"%.*s\"", i, (int)out.n, out.p);
        if (rows[i].key != NULL && !as_span_eq(key, rows[i].key))
            fail_msg("row %zu: key \"%.*s\"", i, (int)key.n, key.p);
    }
}

static void cursor_spans_and_big_endian(void **state)
{
    (void)state;
    uint64_t v;
    uint8_t b[8];
    char s[4];
    assert_int_equal(as_span_u64((as_span){"1234", 4}, 10000, false, &v), 0);
    assert_int_equal(v, 1234);
    assert_int_equal(as_span_u64((as_span){"0123", 4}, 10000, false, &v), -1);
    assert_int_equal(as_span_u64((as_span){"0", 1}, 10, false, &v), -1);
    assert_int_equal(as_span_u64((as_span){"0", 1}, 10, true, &v), 0);
    assert_int_equal(as_span_u64((as_span){"11", 2}, 10, true, &v), -1);
    assert_int_equal(as_span_hex((as_span){"00fF", 4}, b, 2), 0);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(as_span_hex((as_span){"00f", 3}, b, 2), -1);
    assert_int_equal(as_span_hex((as_span){"0g00", 4}, b, 2), -1);
    assert_int_equal(as_span_str((as_span){"abc", 3}, s, sizeof s), 0);
    assert_string_equal(s, "abc");
    assert_int_equal(as_span_str((as_span){"abcd", 4}, s, sizeof s), -1);
    assert_int_equal(as_span_str((as_span){"a\0c", 3}, s, sizeof s), -1);
    assert_true(as_span_eq((as_span){"", 0}, ""));
    assert_false(as_span_eq((as_span){"ab", 2}, "abc"));

    const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    as_cursor c;
    as_cursor_init(&c, data, sizeof data);
    assert_int_equal(as_cursor_be(&c, 3, &v), 0);
    assert_int_equal(v, 0x010203);
    assert_int_equal(as_cursor_be(&c, 0, &v), -1);
    assert_int_equal(as_cursor_be(&c, 9, &v), -1);
    assert_int_equal(as_cursor_be(&c, 7, &v), -1); /* 6 left: nothing consumed */
    assert_int_equal(as_cursor_be(&c, 6, &v), 0);
    assert_int_equal(v, 0x040506070809ull);
    as_store_be(b, 3, 0xaabbccdd);
    assert_int_equal(b[0], 0xbb);
    assert_int_equal(b[2], 0xdd);
}

static void cursor_little_endian(void **state)
{
    (void)state;
    const uint8_t data[8] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    as_cursor c;
    uint64_t v;
    as_cursor_init(&c, data, 8);
    assert_int_equal(as_cursor_u64le(&c, &v), 0);
    assert_true(v == 0x1122334455667788ULL);
}

static void buffer_enforces_its_limit(void **state)
{
    (void)state;
    as_buf b;
    as_error err = {0};
    as_buf_init(&b, 10);
    assert_int_equal(as_buf_puts(&b, "0123456789", &err), 0);
    assert_int_equal(as_buf_puts(&b, "x", &err), -1);
    assert_int_equal(err.code, AS_ERR_LIMIT);
    assert_int_equal(b.len, 10);
    as_buf_free(&b);
    as_buf_init_secret(&b, 1000);
    as_error_clear(&err);
    for (int i = 0; i < 100; i++)
        assert_int_equal(as_buf_printf(&b, &err, "%d", i % 10), 0);
    assert_int_equal(b.len, 100);
    assert_int_equal(b.data[99], '9');
    as_buf_free(&b);
}

static void base64_is_canonical(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ", 2, AS_B64_UNPADDED), 1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YR", 2, AS_B64_UNPADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ==", 4, AS_B64_UNPADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ==", 4, AS_B64_PADDED), 1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ", 2, AS_B64_PADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YR==", 4, AS_B64_PADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ\n", 3, AS_B64_UNPADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "Y Q", 3, AS_B64_UNPADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "Y\xd1==", 4, AS_B64_PADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "\xd9Q", 2, AS_B64_UNPADDED), -1);
    assert_int_equal(as_b64_decode(out, sizeof out, "YQ=A", 4, AS_B64_PADDED), -1);
    assert_int_equal(as_b64_decode_exact(out, 2, "YWI", 3, AS_B64_UNPADDED), 0);
    assert_int_equal(as_b64_decode_exact(out, 3, "YWI", 3, AS_B64_UNPADDED), -1);
    char enc[8];
    as_b64_encode(enc, (const uint8_t *)"ab", 2, AS_B64_UNPADDED);
    assert_string_equal(enc, "YWI");
    as_b64_encode(enc, (const uint8_t *)"ab", 2, AS_B64_PADDED);
    assert_string_equal(enc, "YWI=");
}

/* The identity and recipient age-keygen printed together (FORMATS-REFERENCE.md 1.7). */
static const char known_identity[] =
    "AGE-SECRET-KEY-1858QLULZG6UFGLTE2PJQR38WLY83TXT9CQGMP66YLC3VJP70J9WQTPS3VE";
static const char known_recipient[] =
    "age16pth3nlw4cg4th8dd90fc86w0a55udeseyqqczjqmqrkzn36e90sje069w";

static void bech32_age_keys_known_answer(void **state)
{
    (void)state;
    as_error err = {0};
    as_age_identity *id = as_age_identity_parse(known_identity, strlen(known_identity), &err);
    assert_non_null(id);
    as_age_recipient r, parsed;
    char s[AS_AGE_RECIPIENT_STR_MAX], back[AS_AGE_IDENTITY_STR_MAX];
    as_age_identity_recipient(id, &r);
    as_age_recipient_format(&r, s);
    assert_string_equal(s, known_recipient);
    as_age_identity_format(id, back);
    assert_string_equal(back, known_identity);
    assert_int_equal(
        as_age_recipient_parse(&parsed, known_recipient, strlen(known_recipient), &err), 0);
    assert_memory_equal(parsed.pk, r.pk, 32);
    as_age_identity_free(id);
}

static void bech32_rejects_bad_strings(void **state)
{
    (void)state;
    as_error err = {0};
    as_age_recipient r;
    char s[sizeof known_recipient];
    memcpy(s, known_recipient, sizeof s);
    /* one character changed: checksum */
    s[10] = s[10] == 'q' ? 'p' : 'q';
    assert_int_equal(as_age_recipient_parse(&r, s, strlen(s), &err), -1);
    /* mixed case */
    memcpy(s, known_recipient, sizeof s);
    s[5] = (char)(s[5] - 32);
    as_error_clear(&err);
    assert_int_equal(as_age_recipient_parse(&r, s, strlen(s), &err), -1);
    /* all upper case is valid Bech32 but age requires the lower-case HRP "age" */
    for (size_t i = 0; i < strlen(s); i++)
        s[i] = (char)((known_recipient[i] >= 'a' && known_recipient[i] <= 'z')
                          ? known_recipient[i] - 32
                          : known_recipient[i]);
    as_error_clear(&err);
    assert_int_equal(as_age_recipient_parse(&r, s, strlen(s), &err), -1);
    /* an identity is not a recipient, and the reverse */
    as_error_clear(&err);
    assert_int_equal(as_age_recipient_parse(&r, known_identity, strlen(known_identity), &err), -1);
    as_error_clear(&err);
    assert_null(as_age_identity_parse(known_recipient, strlen(known_recipient), &err));
    /* lower-case identity: age writes and requires upper case */
    char low[sizeof known_identity];
    for (size_t i = 0; i < sizeof low; i++)
        low[i] =
            (char)((known_identity[i] >= 'A' && known_identity[i] <= 'Z') ? known_identity[i] + 32
                                                                          : known_identity[i]);
    as_error_clear(&err);
    assert_null(as_age_identity_parse(low, strlen(low), &err));
}

static void bech32_roundtrip_lengths(void **state)
{
    (void)state;
    for (size_t n = 0; n < 60; n++) {
        uint8_t data[60], back[64];
        char s[200], hrp[16];
        fill_seeded(data, n, (uint32_t)n);
        assert_true(as_bech32_encode(s, sizeof s, "test", data, n, 0) > 0);
        long got = as_bech32_decode(hrp, sizeof hrp, back, sizeof back, s, strlen(s));
        assert_int_equal(got, (long)n);
        assert_string_equal(hrp, "test");
        assert_memory_equal(back, data, n);
    }
}

static void low_order_recipient_rejected(void **state)
{
    (void)state;
    uint8_t zero[32] = {0};
    char s[100];
    as_error err = {0};
    as_age_recipient r;
    as_bech32_encode(s, sizeof s, "age", zero, 32, 0);
    assert_int_equal(as_age_recipient_parse(&r, s, strlen(s), &err), -1);
    assert_non_null(strstr(err.msg, "low-order"));
}

static void text_helpers(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(as_parse_u64("18", 2, 22, false, &v), 0);
    assert_int_equal(v, 18);
    assert_int_equal(as_parse_u64("018", 3, 99, false, &v), -1);
    assert_int_equal(as_parse_u64("0", 1, 99, false, &v), -1);
    assert_int_equal(as_parse_u64("0", 1, 99, true, &v), 0);
    assert_int_equal(as_parse_u64("+1", 2, 99, false, &v), -1);
    assert_int_equal(as_parse_u64("23", 2, 22, false, &v), -1);
    assert_int_equal(as_parse_u64("18446744073709551616", 20, UINT64_MAX, false, &v), -1);
    assert_int_equal(as_parse_u64("18446744073709551615", 20, UINT64_MAX, false, &v), 0);
    assert_true(as_utf8_valid("caf\xc3\xa9", 5));
    assert_false(as_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(as_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(as_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(as_utf8_valid("\xe2\x82", 2));         /* truncated */
    assert_false(as_text_printable("a\nb", 3, false));
    assert_false(as_text_printable("a\tb", 3, false));
    assert_true(as_text_printable("a\tb", 3, true));
    assert_false(as_text_printable("\xc2\x85", 2, true)); /* C1 NEL */
    time_t t;
    char s[21];
    assert_int_equal(as_time_parse_utc("2026-11-23T12:34:56Z", 20, &t), 0);
    as_time_utc(s, t);
    assert_string_equal(s, "2026-11-23T12:34:56Z");
    assert_int_equal(as_time_parse_utc("2026-02-31T00:00:00Z", 20, &t), -1);
    assert_int_equal(as_parse_size("4G", &v), 0);
    assert_true(v == 4ULL << 30);
    assert_int_equal(as_parse_size("100k", &v), 0);
    assert_int_equal(v, 102400);
    assert_int_equal(as_parse_size("12x", &v), -1);
    assert_int_equal(as_parse_size("", &v), -1);
}

static void percent_encoding_roundtrip(void **state)
{
    (void)state;
    as_buf b;
    as_error err = {0};
    char out[64];
    const char in[] = "Field NGO %/ \xc3\xa9\tx";
    as_buf_init(&b, 256);
    assert_int_equal(as_pct_encode(&b, in, strlen(in), &err), 0);
    assert_null(memchr(b.data, ' ', b.len));
    long n = as_pct_decode(out, sizeof out, (const char *)b.data, b.len);
    assert_int_equal(n, (long)strlen(in));
    assert_string_equal(out, in);
    assert_int_equal(as_pct_decode(out, sizeof out, "a%20", 4), 1 + 1);
    assert_int_equal(as_pct_decode(out, sizeof out, "a%41", 4), -1); /* needless escape */
    assert_int_equal(as_pct_decode(out, sizeof out, "a%00", 4), -1); /* NUL */
    assert_int_equal(as_pct_decode(out, sizeof out, "a b", 3), -1);  /* raw space */
    assert_int_equal(as_pct_decode(out, sizeof out, "a%2", 3), -1);  /* short escape */
    as_buf_free(&b);
}

static void errors_are_one_sanitised_line(void **state)
{
    (void)state;
    as_error err = {0};
    as_fail(&err, AS_ERR_FORMAT, "bad name %s", "evil\nline\x1b[31m");
    assert_null(strchr(err.msg, '\n'));
    assert_null(strchr(err.msg, '\x1b'));
    as_fail(&err, AS_ERR_IO, "second error is ignored");
    assert_int_equal(err.code, AS_ERR_FORMAT);
    as_error_prefix(&err, "file.txt: ");
    assert_int_equal(strncmp(err.msg, "file.txt: bad name", 18), 0);
    assert_int_equal(as_exit_status(&err), 1);
    err.code = AS_ERR_USAGE;
    assert_int_equal(as_exit_status(&err), 2);
    err.code = AS_ERR_IO;
    assert_int_equal(as_exit_status(&err), 3);
}

/*
 * The JSON error kinds are API (docs/FORMAT.md, JSON results): the whole table is pinned here,
 * with the exit status each code gives, so changing a token, or a code's place, fails. Every
 * code has its own token, made of [a-z-] only; a code outside the enum reads "unknown-error".
 */
static void error_tokens_are_a_fixed_table(void **state)
{
    (void)state;
    static const struct {
        as_errcode code;
        const char *token;
        int exit_status;
    } rows[] = {
        {AS_OK, "ok", 0},
        {AS_ERR_USAGE, "usage-error", 2},
        {AS_ERR_IO, "io-error", 3},
        {AS_ERR_NOMEM, "out-of-memory", 3},
        {AS_ERR_INTERNAL, "internal-error", 3},
        {AS_ERR_FORMAT, "format-error", 1},
        {AS_ERR_LIMIT, "limit-exceeded", 1},
        {AS_ERR_ARMOR, "armor-failure", 1},
        {AS_ERR_HEADER, "header-failure", 1},
        {AS_ERR_NO_MATCH, "no-match", 1},
        {AS_ERR_HMAC, "hmac-failure", 1},
        {AS_ERR_PAYLOAD, "payload-failure", 1},
        {AS_ERR_SIGNATURE, "bad-signature", 1},
        {AS_ERR_KEY, "key-error", 1},
        {AS_ERR_REJECTED, "rejected", 1},
        {AS_ERR_EXISTS, "already-exists", 1},
        {AS_ERR_INCOMPLETE, "incomplete", 1},
        {AS_ERR_BUSY, "station-busy", 4},
    };
    assert_int_equal(sizeof rows / sizeof rows[0], AS_ERRCODE_COUNT);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(rows[i].code, (as_errcode)i); /* the table lists every code, in order */
        const char *t = as_errcode_token(rows[i].code);
        assert_string_equal(t, rows[i].token);
        assert_int_equal(strspn(t, "abcdefghijklmnopqrstuvwxyz-"), strlen(t));
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(t, as_errcode_token(rows[k].code));
        as_error err = {.code = rows[i].code};
        assert_int_equal(as_exit_status(&err), rows[i].exit_status);
        assert_true(strlen(as_errcode_name(rows[i].code)) > 0);
    }
    assert_string_equal(as_errcode_token((as_errcode)AS_ERRCODE_COUNT), "unknown-error");
    assert_string_equal(as_errcode_token((as_errcode)-1), "unknown-error");
    assert_string_equal(as_errcode_name((as_errcode)AS_ERRCODE_COUNT), "unknown error");
}

/* Runs fn on a memory stream and returns what it wrote (malloc'd, NUL-terminated). */
static char *json_capture(void (*fn)(FILE *, const void *), const void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

typedef struct json_case {
    const char *in;
    size_t n;
    const char *want;
} json_case;

static void write_case(FILE *f, const void *arg)
{
    const json_case *c = arg;
    as_json_write_string(f, c->in, c->n);
}

static void json_strings_escape_known_answers(void **state)
{
    (void)state;
    static const json_case cases[] = {
        {"plain", 5, "\"plain\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"l1\nl2\tx\r", 8, "\"l1\\nl2\\tx\\u000d\""},
        {"\x1b[31m\x7f", 6, "\"\\u001b[31m\\u007f\""},
        {"nul\0in", 6, "\"nul\\u0000in\""},
        /* well-formed UTF-8 passes through: é, свидетель, U+1F600 */
        {"t\xc3\xa9moin", 7, "\"t\xc3\xa9moin\""},
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
        /* ill-formed: lone continuation, overlong '/', surrogate, truncated, > U+10FFFF */
        {"\x80", 1, "\"\\ufffd\""},
        {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\""},
        {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""},
        {"\xe2\x82", 2, "\"\\ufffd\\ufffd\""},
        {"\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_capture(write_case, &cases[i]);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void write_object(FILE *f, const void *arg)
{
    (void)arg;
    static const uint8_t digest[3] = {0x00, 0xab, 0xff};
    as_json j;
    as_json_begin(&j, f);
    as_json_str(&j, "airseal", "verify");
    as_json_uint(&j, "n", 18446744073709551615ull);
    as_json_open(&j, "inner");
    as_json_bool(&j, "ok", false);
    as_json_str(&j, "none", NULL);
    as_json_open(&j, "deeper");
    as_json_close(&j);
    as_json_close(&j);
    as_json_hex(&j, "sha", digest, sizeof digest);
    as_json_time(&j, "t", 0);
    as_json_close(&j); /* one close too many is ignored */
    as_json_open(&j, "left-open");
    as_json_uint(&j, "x", 1);
    as_json_end(&j); /* closes what is open */
}

static void json_objects_nest_and_close(void **state)
{
    (void)state;
    char *got = json_capture(write_object, NULL);
    assert_string_equal(got, "{\"airseal\":\"verify\",\"n\":18446744073709551615,"
                             "\"inner\":{\"ok\":false,\"none\":null,\"deeper\":{}},"
                             "\"sha\":\"00abff\",\"t\":\"1970-01-01T00:00:00Z\","
                             "\"left-open\":{\"x\":1}}\n");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_reads_exactly_or_fails),
        cmocka_unit_test(cursor_lines_are_bounded),
        cmocka_unit_test(cursor_little_endian),
        cmocka_unit_test(cursor_text_verbs_table),
        cmocka_unit_test(cursor_spans_and_big_endian),
        cmocka_unit_test(buffer_enforces_its_limit),
        cmocka_unit_test(base64_is_canonical),
        cmocka_unit_test(bech32_age_keys_known_answer),
        cmocka_unit_test(bech32_rejects_bad_strings),
        cmocka_unit_test(bech32_roundtrip_lengths),
        cmocka_unit_test(low_order_recipient_rejected),
        cmocka_unit_test(text_helpers),
        cmocka_unit_test(percent_encoding_roundtrip),
        cmocka_unit_test(errors_are_one_sanitised_line),
        cmocka_unit_test(error_tokens_are_a_fixed_table),
        cmocka_unit_test(json_strings_escape_known_answers),
        cmocka_unit_test(json_objects_nest_and_close),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
