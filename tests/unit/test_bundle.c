/* test_bundle.c: manifest rules, evidence paths (manifest.c), vault case folder names.
 * The trusted comment is tested in test_comment.c, sealing in test_seal.c. */
#include "helpers.h"

#include <stdio.h>

#include "common/bundle/manifest.h"
#include "common/core/text.h"
#include "common/station/vault.h"

static const char good_head[] =
    "airseal-manifest v1\n"
    "bundle: 0123456789abcdef0123456789abcdef\n"
    "case: ICC-01/04 test\n"
    "collector: J. Doe\n"
    "note: first batch\n"
    "created: 2026-11-23T10:00:00Z\n"
    "tool: airseal 0.1.0\n"
    "sender: 42950ED59C1E537C\n"
    "recipient: age16pth3nlw4cg4th8dd90fc86w0a55udeseyqqczjqmqrkzn36e90sje069w\n";

static char *manifest_with(const char *counts, const char *files)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s%s\n%s", good_head, counts, files);
    return buf;
}

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void manifest_roundtrip(void **state)
{
    (void)state;
    const char *text = manifest_with(
        "files: 3\nbytes: 5\n", H64 " 0 a/b.txt\n" H64 " 2 a/t\xc3\xa9moin.txt\n" H64 " 3 z.bin\n");
    as_manifest m;
    as_error err = {0};
    assert_int_equal(as_manifest_parse(&m, (const uint8_t *)text, strlen(text), &err), 0);
    assert_int_equal(m.nfiles, 3);
    assert_int_equal(m.total_bytes, 5);
    assert_string_equal(m.case_id, "ICC-01/04 test");
    assert_non_null(as_manifest_find(&m, "a/t\xc3\xa9moin.txt"));
    assert_null(as_manifest_find(&m, "a/T\xc3\xa9moin.txt"));
    as_buf out;
    as_buf_init(&out, 1 << 20);
    assert_int_equal(as_manifest_format(&m, &out, &err), 0);
    assert_int_equal(out.len, strlen(text));
    assert_memory_equal(out.data, text, out.len);
    as_buf_free(&out);
    as_manifest_free(&m);
}

/* Manifest bodies refused, each with a word of its message and its code: the grammar is
 * FORMAT, a hostile or colliding path REJECTED, a cap LIMIT. */
static const struct {
    const char *counts, *files, *why;
    as_errcode code;
} BAD_MANIFESTS[] = {
    {"files: 2\nbytes: 0\n", H64 " 0 b\n" H64 " 0 a\n", "not sorted", AS_ERR_REJECTED},
    {"files: 2\nbytes: 0\n", H64 " 0 a\n" H64 " 0 a\n", "twice", AS_ERR_REJECTED},
    {"files: 2\nbytes: 0\n", H64 " 0 A.txt\n" H64 " 0 a.txt\n", "case", AS_ERR_REJECTED},
    {"files: 2\nbytes: 0\n", H64 " 0 \xc3\x89t\xc3\xa9\n" H64 " 0 \xc3\xa9t\xc3\xa9\n", "case",
     AS_ERR_REJECTED},
    {"files: 2\nbytes: 0\n", H64 " 0 a\n" H64 " 0 a/b\n", "folder", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 ../etc/passwd\n", "..", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 /etc/passwd\n", "absolute", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 a//b\n", "empty path component", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 a\\b\n", "backslash", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 bad\xff\n", "UTF-8", AS_ERR_REJECTED},
    {"files: 1\nbytes: 0\n", H64 " 0 ctl\x1b[m\n", "control", AS_ERR_REJECTED},
    {"files: 1\nbytes: 1\n", H64 " 0 a\n", "add up", AS_ERR_FORMAT},
    {"files: 2\nbytes: 0\n", H64 " 0 a\n", "header says", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n", H64 " 0 a\n" H64 " 0 b\n", "more files", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n",
     "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 0 a\n", "lower-case",
     AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n", H64 " 01 a\n", "expected", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n", H64 " 0\n", "expected", AS_ERR_FORMAT},  /* no path */
    {"files: 1\nbytes: 0\n", H64 " 0 \n", "expected", AS_ERR_FORMAT}, /* an empty path */
    {"files: 1\nbytes: 0\n", H64 "  0 a\n", "expected", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n", H64 "0 0 a\n", "expected", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\n", H64 " 0 a", "unterminated", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\nextra: x\n", H64 " 0 a\n", "header line: extra: x", AS_ERR_FORMAT},
    {"files: 1\nbytes: 0\nextra\n", H64 " 0 a\n", "header line: extra", AS_ERR_FORMAT},
    {"files: 1\nfiles: 1\nbytes: 0\n", H64 " 0 a\n", "files: must be", AS_ERR_FORMAT},
    {"files: 60000\nbytes: 0\n", "", "files:", AS_ERR_FORMAT},
};

static void manifest_rejections(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD_MANIFESTS / sizeof BAD_MANIFESTS[0]; i++) {
        const char *text = manifest_with(BAD_MANIFESTS[i].counts, BAD_MANIFESTS[i].files);
        as_manifest m;
        as_error err = {0};
        if (as_manifest_parse(&m, (const uint8_t *)text, strlen(text), &err) == 0)
            fail_msg("case %zu (%s) was accepted", i, BAD_MANIFESTS[i].why);
        if (strstr(err.msg, BAD_MANIFESTS[i].why) == NULL)
            fail_msg("case %zu: expected '%s' in: %s", i, BAD_MANIFESTS[i].why, err.msg);
        if (err.code != BAD_MANIFESTS[i].code)
            fail_msg("case %zu (%s): %s, not %s", i, BAD_MANIFESTS[i].why,
                     as_errcode_name(err.code), as_errcode_name(BAD_MANIFESTS[i].code));
    }
    /* header problems */
    const char *headers[] = {
        "airseal-manifest v2\n",
        "airseal-manifest v1\nbundle: 0123\n\n",
        "airseal-manifest v1\ncase: x\n\n",
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        as_manifest m;
        as_error err = {0};
        assert_int_equal(
            as_manifest_parse(&m, (const uint8_t *)headers[i], strlen(headers[i]), &err), -1);
    }
}

static void evidence_paths(void **state)
{
    (void)state;
    const char *ok[] = {"a", "a/b/c.txt", "t\xc3\xa9moin.jpg", "with space.doc", ".hidden"};
    const char *bad[] = {"",   "/a",   "a/",   "a/../b", "./a",  "a/./b",
                         "..", "a\\b", "a\nb", "\xc3",   "a\x7f"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        as_error err = {0};
        assert_int_equal(as_evidence_path_check(ok[i], strlen(ok[i]), &err), 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_error err = {0};
        assert_int_equal(as_evidence_path_check(bad[i], strlen(bad[i]), &err), -1);
    }
    char longname[300];
    memset(longname, 'x', 256);
    longname[256] = '\0';
    as_error err = {0};
    assert_int_equal(as_evidence_path_check(longname, 256, &err), -1);
    char longpath[1100];
    for (int i = 0; i < 1099; i++)
        longpath[i] = i % 10 == 9 ? '/' : 'a';
    longpath[1099] = '\0';
    assert_int_equal(as_evidence_path_check(longpath, 1099, &err), -1);
}

static void vault_case_names(void **state)
{
    (void)state;
    as_error err = {0};
    char *s = as_vault_case_dir("ICC-01/04", &err);
    assert_string_equal(s, "ICC-01%2F04");
    free(s);
    s = as_vault_case_dir("..", &err);
    assert_string_equal(s, "%2E.");
    free(s);
    s = as_vault_case_dir(".hidden case", &err);
    assert_string_equal(s, "%2Ehidden%20case");
    free(s);
}

/* out = n copies of unit, NUL-terminated */
static void repeat(char *out, const char *unit, int n)
{
    size_t u = strlen(unit);
    for (int i = 0; i < n; i++)
        memcpy(out + (size_t)i * u, unit, u);
    out[(size_t)n * u] = '\0';
}

/* Case folder names stay within 120 bytes: the %-encoding when it fits, else a prefix of whole
 * characters, '~' and 32 hex digits of SHA-256 of the whole case id. */
static void vault_case_names_bounded(void **state)
{
    (void)state;
    as_error err = {0};
    char id[200], want[200];
    memset(id, 'a', 120);
    id[120] = '\0';
    char *s = as_vault_case_dir(id, &err); /* exactly 120 bytes: kept as it is */
    assert_string_equal(s, id);
    free(s);
    id[120] = 'a';
    id[121] = '\0';
    s = as_vault_case_dir(id, &err);
    assert_int_equal(strlen(s), 120);
    assert_memory_equal(s, id, 87);
    assert_int_equal(s[87], '~');
    free(s);
    /* 43 Cyrillic letters: 258 bytes encoded; 14 whole letters fit before the digest */
    repeat(id, "\xD0\x96", 43);
    repeat(want, "%D0%96", 14);
    s = as_vault_case_dir(id, &err);
    assert_int_equal(strlen(s), 14 * 6 + 1 + 32);
    assert_memory_equal(s, want, 14 * 6);
    assert_int_equal(s[14 * 6], '~');
    for (size_t i = 14 * 6 + 1; i < strlen(s); i++)
        assert_true(strchr("0123456789abcdef", s[i]) != NULL);
    /* ids that differ only after the prefix get different folders */
    id[strlen(id) - 1] = '\x97';
    char *t = as_vault_case_dir(id, &err);
    assert_int_equal(strlen(t), strlen(s));
    assert_memory_equal(s, t, 14 * 6 + 1);
    assert_string_not_equal(s, t);
    free(s);
    free(t);
    /* 32 four-byte characters (128 bytes, the most a case id may be) */
    repeat(id, "\xF0\x9F\x94\x92", 32);
    s = as_vault_case_dir(id, &err);
    assert_true(strlen(s) <= 120);
    assert_memory_equal(s, "%F0%9F%94%92%F0%9F%94%92", 24);
    assert_int_equal(s[(87 / 12) * 12], '~');
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_roundtrip),       cmocka_unit_test(manifest_rejections),
        cmocka_unit_test(evidence_paths),           cmocka_unit_test(vault_case_names),
        cmocka_unit_test(vault_case_names_bounded),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
