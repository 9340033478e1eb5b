/* test_text.c: the one way untrusted text is shown (as_text_show), the plain-text predicate,
 * error lines, the JSON writer's escapes and the table of identifier fields. */
#include "helpers.h"

#include <stdio.h>

#include "common/bundle/manifest.h"
#include "common/core/text.h"
#include "common/ui/json.h"

typedef struct text_case {
    const char *in;
    size_t n;
    const char *want;
} text_case;

#define TC(lit, want)                                                                              \
    {                                                                                              \
        lit, sizeof lit - 1, want                                                                  \
    }

/* One row per class of character, and the boundaries of each class. */
static const text_case show_cases[] = {
    TC("ICC-01/22", "ICC-01/22"),
    TC("", ""),
    /* C0, DEL */
    TC("a\x1b[2Jb", "a\\x1b[2Jb"),
    TC("l1\nl2\r\t", "l1\\x0al2\\x0d\\x09"),
    TC("nul\0x", "nul\\x00x"),
    TC("\x1f\x20\x7e\x7f", "\\x1f ~\\x7f"),
    /* the backslash itself, so no name can spell a fake escape */
    TC("a\\u202eb", "a\\\\u202eb"),
    /* C1: U+007F DEL, U+0080, U+009B (CSI), U+009F, U+00A0 (no-break space passes) */
    TC("\xc2\x80|\xc2\x9b|\xc2\x9f|\xc2\xa0", "\\u0080|\\u009b|\\u009f|\xc2\xa0"),
    /* bidi: U+202D, U+202E, U+202F (narrow no-break space passes), U+061C, U+200E, U+200F,
     * U+202A, U+2066-U+2069 */
    TC("\xe2\x80\xad\xe2\x80\xae\xe2\x80\xaf", "\\u202d\\u202e\xe2\x80\xaf"),
    TC("ICC-\xe2\x80\xae"
       "22/10",
       "ICC-\\u202e22/10"),
    TC("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa", "\\u061c\\u200e\\u200f\\u202a"),
    TC("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069"),
    /* invisible format characters: soft hyphen, ZWSP, ZWNJ, ZWJ, word joiner, U+2064, BOM,
     * interlinear annotation, Mongolian vowel separator; U+200A (hair space) and U+2010
     * (hyphen) on either side pass */
    TC("\xc2\xad\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d", "\\u00ad\\u200b\\u200c\\u200d"),
    TC("\xe2\x80\x8a\xe2\x80\x90", "\xe2\x80\x8a\xe2\x80\x90"),
    TC("\xe2\x81\xa0\xe2\x81\xa4\xef\xbb\xbf", "\\u2060\\u2064\\ufeff"),
    TC("\xef\xbf\xb9\xef\xbf\xbb\xe1\xa0\x8e", "\\ufff9\\ufffb\\u180e"),
    /* line and paragraph separators */
    TC("a\xe2\x80\xa8"
       "b\xe2\x80\xa9",
       "a\\u2028b\\u2029"),
    /* 4-byte sequences: U+1F600 passes; tags U+E0001, U+E007F; the default-ignorable plane-14
     * block ends at U+E0FFF; U+F0000 (private use) passes */
    TC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"),
    TC("\xf3\xa0\x80\x81\xf3\xa0\x81\xbf", "\\U000e0001\\U000e007f"),
    TC("\xf3\xa0\xbf\xbf\xf3\xb0\x80\x80", "\\U000e0fff\xf3\xb0\x80\x80"),
    /* variation selectors: "0" and "0" + VS16 would look the same */
    TC("0\xef\xb8\x8f", "0\\ufe0f"),
    /* ill-formed: lone continuation, overlong '/', overlong NUL, surrogate, > U+10FFFF,
     * truncated 3- and 4-byte sequences, bytes never valid */
    TC("\x80", "\\x80"),
    TC("\xc0\xaf", "\\xc0\\xaf"),
    TC("\xc0\x80", "\\xc0\\x80"),
    TC("\xe0\x80\xaf", "\\xe0\\x80\\xaf"),
    TC("\xed\xa0\x80", "\\xed\\xa0\\x80"),
    TC("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"),
    TC("\xe2\x80", "\\xe2\\x80"),
    TC("a\xf0\x9f\x98", "a\\xf0\\x9f\\x98"),
    TC("\xfe\xff", "\\xfe\\xff"),
    /* a truncated sequence does not swallow the character after it */
    TC("\xe2\x80"
       "A",
       "\\xe2\\x80"
       "A"),
    /* real writing passes: French, Russian, Arabic, Hebrew (no bidi controls needed) */
    TC("t\xc3\xa9moin \xd1\x81\xd0\xb2\xd0\xb8\xd0\xb4",
       "t\xc3\xa9moin \xd1\x81\xd0\xb2\xd0\xb8\xd0\xb4"),
    TC("\xd8\xb4\xd8\xa7\xd9\x87\xd8\xaf \xd7\xa2\xd7\x93",
       "\xd8\xb4\xd8\xa7\xd9\x87\xd8\xaf \xd7\xa2\xd7\x93"),
};

static void show_known_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof show_cases / sizeof show_cases[0]; i++) {
        const text_case *c = &show_cases[i];
        char out[256];
        size_t n = as_text_show(out, sizeof out, c->in, c->n);
        assert_string_equal(out, c->want);
        assert_int_equal(n, strlen(c->want));
        /* the as_buf form renders the same */
        as_error err = {0};
        as_buf b;
        as_buf_init(&b, 1024);
        assert_int_equal(as_text_show_buf(&b, c->in, c->n, &err), 0);
        assert_int_equal(b.len, strlen(c->want));
        assert_memory_equal(b.data, c->want, b.len);
        as_buf_free(&b);
    }
}

static void show_output_is_always_safe(void **state)
{
    (void)state;
    /* every 1- and 2-byte input: the output is printable ASCII or plain UTF-8, within 4n+1 */
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            char in[2] = {(char)a, (char)b}, out[AS_TEXT_SHOW_CAP(2)];
            size_t n = as_text_show(out, sizeof out, in, 2);
            assert_true(n < sizeof out);
            assert_true(as_text_is_plain(out, n));
        }
    }
}

static void show_cuts_between_escapes(void **state)
{
    (void)state;
    char out[12];
    /* "ab\u202ecd" needs 10 bytes + NUL: fits in 12 */
    assert_int_equal(as_text_show(out, sizeof out,
                                  "ab\xe2\x80\xae"
                                  "cd",
                                  7),
                     10);
    assert_string_equal(out, "ab\\u202ecd");
    /* 8 bytes: "ab" + "..." (the escape is never cut in half) */
    assert_int_equal(as_text_show(out, 8,
                                  "ab\xe2\x80\xae"
                                  "cd",
                                  7),
                     5);
    assert_string_equal(out, "ab...");
    /* a multi-byte character is never cut either */
    assert_int_equal(as_text_show(out, 6, "\xc3\xa9\xc3\xa9\xc3\xa9", 6), 5);
    assert_string_equal(out, "\xc3\xa9...");
    /* exactly full: no "..." */
    assert_int_equal(as_text_show(out, 5, "abcd", 4), 4);
    assert_string_equal(out, "abcd");
    assert_int_equal(as_text_show(out, 5, "abcde", 5), 4);
    assert_string_equal(out, "a...");
    assert_string_equal(as_text_shown(out, sizeof out, NULL), "");
}

static void plain_predicate(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool plain;
    } cases[] = {
        {"ICC-01/22", true},
        {"Field NGO \xc3\xa9\xd8\xb4", true},
        {"a\\b", true},
        {"\xc2\xa0", true},
        {"\xe2\x80\xaf", true},
        {"a\tb", false},
        {"\x7f", false},
        {"\xc2\x85", false},
        {"ICC-\xe2\x80\xae"
         "22",
         false},
        {"\xe2\x81\xa9", false},
        {"\xe2\x80\x8d", false},
        {"\xef\xbb\xbf", false},
        {"\xf3\xa0\x80\x81", false},
        {"\xe2\x80\xa8", false},
        {"\xc0\xaf", false},
        {"\xed\xa0\x80", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(as_text_is_plain(cases[i].s, strlen(cases[i].s)), cases[i].plain);
    /* boundaries of the hidden classes */
    static const uint32_t hidden[] = {0x80,    0x9f,    0xad,    0x61c,  0x180e, 0x200b,
                                      0x200f,  0x2028,  0x202e,  0x2060, 0x2069, 0xfeff,
                                      0xfff9,  0xfffb,  0xfe00,  0xfe0f, 0xfff0, 0xe0000,
                                      0xe0001, 0xe007f, 0xe0fff, 0x1d173};
    static const uint32_t shown[] = {0x7e,   0xa0,   0xac,   0xae,    0x200a,  0x2010,  0x2027,
                                     0x202f, 0x205f, 0x2070, 0xfefe,  0xff00,  0xfdff,  0xfe10,
                                     0xffef, 0xfffc, 0xdfff, 0xf0000, 0x1f600, 0x10ffff};
    for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
        assert_true(as_text_cp_hidden(hidden[i]));
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
        assert_false(as_text_cp_hidden(shown[i]));
}

static void error_lines_show_escapes(void **state)
{
    (void)state;
    as_error err = {0};
    as_fail(&err, AS_ERR_REJECTED, "the archive holds %s, which the manifest does not list",
            "evidence/\xc2\x9b"
            "31mred\xe2\x80\xae"
            "fdp.exe\n");
    assert_string_equal(err.msg, "the archive holds evidence/\\u009b31mred\\u202efdp.exe\\x0a, "
                                 "which the manifest does not list");
    /* a prefix is shown too, and the message is not escaped twice */
    as_error_prefix(&err, "%s: ", "st\x1b");
    assert_int_equal(strncmp(err.msg, "st\\x1b: the archive holds evidence/\\u009b31m", 44), 0);
    /* a long message is cut between two escapes and ends in "..." */
    char big[1000];
    for (size_t i = 0; i + 3 <= sizeof big - 1; i += 3)
        memcpy(big + i, "\xe2\x80\xae", 3);
    big[999] = '\0';
    as_error_clear(&err);
    as_fail(&err, AS_ERR_REJECTED, "x%s", big);
    size_t n = strlen(err.msg);
    assert_true(n < AS_ERROR_MSG_MAX);
    assert_string_equal(err.msg + n - 3, "...");
    assert_true((n - 1 - 3) % 6 == 0); /* "x", whole "\u202e" escapes, "..." */
    as_error_clear(&err);
    as_fail_errno(&err, AS_ERR_IO, 2, "cannot open %s", "a\xe2\x80\x8b");
    assert_string_equal(err.msg, "cannot open a\\u200b: No such file or directory");
}

/* Runs as_json_write_string on a memory stream and returns what it wrote. */
static char *json_of(const char *s, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    as_json_write_string(f, s, n);
    fclose(f);
    return buf;
}

static void json_escapes_hidden_characters(void **state)
{
    (void)state;
    static const text_case cases[] = {
        TC("\xc2\x9b"
           "31m",
           "\"\\u009b31m\""),
        TC("\xc2\x80\xc2\x9f\xc2\xa0", "\"\\u0080\\u009f\xc2\xa0\""),
        TC("ICC-\xe2\x80\xae"
           "22/10",
           "\"ICC-\\u202e22/10\""),
        TC("\xe2\x80\xad\xe2\x80\xaf", "\"\\u202d\xe2\x80\xaf\""),
        TC("\xe2\x81\xa6\xd8\x9c", "\"\\u2066\\u061c\""),
        TC("\xe2\x80\x8d\xef\xbb\xbf\xc2\xad", "\"\\u200d\\ufeff\\u00ad\""),
        TC("a\xe2\x80\xa8"
           "b\xe2\x80\xa9",
           "\"a\\u2028b\\u2029\""),
        /* above U+FFFF: a surrogate pair (U+E0001 = D840 DC01 + E0000 offset) */
        TC("\xf3\xa0\x80\x81", "\"\\udb40\\udc01\""),
        TC("\xf3\xa0\x81\xbf", "\"\\udb40\\udc7f\""),
        TC("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""),
        TC("\x1b\x7f", "\"\\u001b\\u007f\""),
        TC("\xc2", "\"\\ufffd\""),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_of(cases[i].in, cases[i].n);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

static void field_rules_table(void **state)
{
    (void)state;
    static const struct {
        as_field f;
        const char *s;
        as_field_verdict want;
    } cases[] = {
        {AS_FIELD_CASE, "ICC-01/22", AS_FIELD_OK},
        {AS_FIELD_CASE,
         "ICC-\xe2\x80\xae"
         "22/10",
         AS_FIELD_HIDDEN},
        {AS_FIELD_CASE, "ICC\xe2\x80\x8d", AS_FIELD_HIDDEN},
        {AS_FIELD_CASE, "ICC\xc2\x9b", AS_FIELD_UNPRINTABLE},
        {AS_FIELD_CASE, "ICC\t", AS_FIELD_UNPRINTABLE},
        {AS_FIELD_LABEL, "NGO \xe2\x81\xa6x", AS_FIELD_HIDDEN},
        {AS_FIELD_LABEL, "Field NGO", AS_FIELD_OK},
        /* prose keeps bidi controls, which real writing may need; controls never */
        {AS_FIELD_COLLECTOR, "\xe2\x80\xab\xd8\xb4\xe2\x80\xac", AS_FIELD_OK},
        {AS_FIELD_NOTE, "zero\xe2\x80\x8bwidth", AS_FIELD_OK},
        {AS_FIELD_NOTE, "csi\xc2\x9b", AS_FIELD_UNPRINTABLE},
        {AS_FIELD_TOOL, "tool\x1b", AS_FIELD_UNPRINTABLE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(as_field_judge(cases[i].f, cases[i].s, strlen(cases[i].s)), cases[i].want);
    char longcase[AS_CASE_MAX + 2];
    memset(longcase, 'x', sizeof longcase - 1);
    longcase[sizeof longcase - 1] = '\0';
    assert_int_equal(as_field_judge(AS_FIELD_CASE, longcase, AS_CASE_MAX), AS_FIELD_OK);
    assert_int_equal(as_field_judge(AS_FIELD_CASE, longcase, AS_CASE_MAX + 1), AS_FIELD_TOO_LONG);
    as_error err = {0};
    assert_int_equal(as_manifest_text_check(AS_FIELD_CASE,
                                            "ICC-\xe2\x80\xae"
                                            "22/10",
                                            &err),
                     -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
    assert_string_equal(err.msg, "the case id must not contain direction or invisible characters: "
                                 "ICC-\\u202e22/10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(show_known_answers),
        cmocka_unit_test(show_output_is_always_safe),
        cmocka_unit_test(show_cuts_between_escapes),
        cmocka_unit_test(plain_predicate),
        cmocka_unit_test(error_lines_show_escapes),
        cmocka_unit_test(json_escapes_hidden_characters),
        cmocka_unit_test(field_rules_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
