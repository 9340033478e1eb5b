/*
 * test_comment.c: the outer signature's trusted comment (comment.c, FORMAT.md 7.4): a round
 * trip, the exact line airseal writes, and a table of malformed comments, each refused with
 * its code and its whole message.
 */
#include "helpers.h"

#include <stdio.h>

#include "common/bundle/comment.h"
#include "common/core/text.h"
#include "common/crypto/minisign.h"

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ID32 "0123456789abcdef0123456789abcdef"
#define TC "airseal-bundle v1 bundle:" ID32

static void trusted_comment(void **state)
{
    (void)state;
    as_bundle_comment c = {0}, back;
    as_error err = {0};
    char text[AS_MINI_TRUSTED_MAX];
    snprintf(c.bundle_id, sizeof c.bundle_id, ID32);
    snprintf(c.case_id, sizeof c.case_id, "ICC-01/04 fi\xc3\xa8le");
    c.files = 12;
    c.bytes = 3456789;
    fill_seeded(c.manifest_sha256, 32, 5);
    assert_int_equal(as_bundle_comment_format(text, sizeof text, &c, &err), 0);
    assert_null(strchr(text, '\t'));
    assert_non_null(strstr(text, "case:ICC-01/04%20fi%C3%A8le "));
    assert_int_equal(as_bundle_comment_parse(&back, text, &err), 0);
    assert_memory_equal(&back, &c, sizeof c);
}

/* A known answer: the exact line airseal writes, and what it parses to. */
static void trusted_comment_known(void **state)
{
    (void)state;
    static const char want[] = TC " case:ICC-01/04 files:2 bytes:25 manifest:" H64;
    as_bundle_comment c = {0}, back;
    as_error err = {0};
    char text[AS_MINI_TRUSTED_MAX];
    snprintf(c.bundle_id, sizeof c.bundle_id, ID32);
    snprintf(c.case_id, sizeof c.case_id, "ICC-01/04");
    c.files = 2;
    c.bytes = 25;
    assert_int_equal(as_hex_decode(c.manifest_sha256, 32, H64, 64), 0);
    assert_int_equal(as_bundle_comment_format(text, sizeof text, &c, &err), 0);
    assert_string_equal(text, want);
    assert_int_equal(as_bundle_comment_parse(&back, want, &err), 0);
    assert_string_equal(back.bundle_id, ID32);
    assert_string_equal(back.case_id, "ICC-01/04");
    assert_int_equal(back.files, 2);
    assert_int_equal(back.bytes, 25);
    assert_memory_equal(back.manifest_sha256, c.manifest_sha256, 32);
    /* the digest's hex may be upper case (only the bundle id's spelling is checked) */
    char upper[200];
    snprintf(upper, sizeof upper, TC " case:x files:1 bytes:0 manifest:%s",
             "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
    assert_int_equal(as_bundle_comment_parse(&back, upper, &err), 0);
    assert_memory_equal(back.manifest_sha256, c.manifest_sha256, 32);
}

/* Every way a trusted comment can be refused, with its code and the whole line. */
static const struct {
    const char *text;
    as_errcode code;
    const char *message; /* "~" stands for "not an airseal bundle signature: " */
} BAD_COMMENTS[] = {
    {"timestamp:1 file:x hashed", AS_ERR_FORMAT,
     "~trusted comment does not start with \"airseal-bundle v1\""},
    {"airseal-bundle v2 bundle:" ID32 " case:x files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT,
     "~trusted comment does not start with \"airseal-bundle v1\""},
    {"", AS_ERR_FORMAT, "~trusted comment does not start with \"airseal-bundle v1\""},
    {"airseal-bundle v1 ", AS_ERR_FORMAT, "~bad bundle: field"},
    {"airseal-bundle v1 bundle:0123 case:x files:1 bytes:1 manifest:00", AS_ERR_FORMAT,
     "~bad bundle: field"},
    {"airseal-bundle v1 bundle:0123456789abcdef0123456789abcdeg case:x files:1 bytes:1 "
     "manifest:" H64,
     AS_ERR_FORMAT, "~bad bundle: field"},
    {"airseal-bundle v1  bundle:" ID32 " case:x files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT,
     "~bad bundle: field"},
    {"airseal-bundle v1 bundle:0123456789ABCDEF0123456789abcdef case:x files:1 bytes:1 "
     "manifest:" H64,
     AS_ERR_FORMAT, "~bundle id must be lower-case hex"},
    {TC "  case:x files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad case: field"},
    {TC " case: files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad case: field"},
    {TC " files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad case: field"},
    {TC " case:%0A files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad case: field"},
    {TC " case:%zz files:1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad case: field"},
    {TC " case:%E2%80%AEevil files:1 bytes:1 manifest:" H64, AS_ERR_REJECTED,
     "the bundle's case id contains direction or invisible characters: \\u202eevil"},
    {TC " case:x files:01 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad files: field"},
    {TC " case:x files:-1 bytes:1 manifest:" H64, AS_ERR_FORMAT, "~bad files: field"},
    {TC " case:x bytes:1 files:1 manifest:" H64, AS_ERR_FORMAT, "~bad files: field"},
    {TC " case:x files:50001 bytes:1 manifest:" H64, AS_ERR_LIMIT,
     "the bundle declares 50001 files, more than the 50000 allowed"},
    {TC " case:x files:1 bytes:1x manifest:" H64, AS_ERR_FORMAT, "~bad bytes: field"},
    {TC " case:x files:1 bytes:4398046511105 manifest:" H64, AS_ERR_LIMIT,
     "the bundle declares 4398046511105 bytes of evidence, more than the 4 TiB allowed"},
    {TC " case:x files:1 bytes:1 manifest:00", AS_ERR_FORMAT, "~bad manifest: field"},
    {TC " case:x files:1 bytes:1", AS_ERR_FORMAT, "~bad manifest: field"},
    {TC " case:x files:1 bytes:1 manifest:" H64 " ", AS_ERR_FORMAT, "~bad manifest: field"},
    {TC " case:x files:1 bytes:1 manifest:" H64 " extra:1", AS_ERR_FORMAT,
     "~unexpected data at the end of the trusted comment"},
    {TC " case:x files:1 bytes:1 manifest:" H64 " \xe2\x80\xae", AS_ERR_FORMAT,
     "~unexpected data at the end of the trusted comment"},
};

static void trusted_comment_refusals(void **state)
{
    (void)state;
    int wrong = 0;
    for (size_t i = 0; i < sizeof BAD_COMMENTS / sizeof BAD_COMMENTS[0]; i++) {
        as_bundle_comment back;
        as_error err = {0};
        char want[300];
        const char *m = BAD_COMMENTS[i].message;
        snprintf(want, sizeof want, "%s%s", m[0] == '~' ? "not an airseal bundle signature: " : "",
                 m[0] == '~' ? m + 1 : m);
        if (as_bundle_comment_parse(&back, BAD_COMMENTS[i].text, &err) != -1 ||
            err.code != BAD_COMMENTS[i].code || strcmp(err.msg, want) != 0) {
            print_message("# row %zu: %s \"%s\"\n", i, as_errcode_name(err.code), err.msg);
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trusted_comment),
        cmocka_unit_test(trusted_comment_known),
        cmocka_unit_test(trusted_comment_refusals),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
