/*
 * test_receipt.c: the station's receipt (FORMAT.md section 9): a known answer for the
 * writer, every rejection of the parser (one table), and signing, verifying and splitting.
 */
#include "helpers.h"

#include <stdio.h>

#include "common/core/text.h"
#include "common/crypto/minisign.h"
#include "common/station/receipt_sign.h"

/* The known answer: a receipt with these fields is exactly this text. */
static const char KNOWN[] = "airseal receipt v1\n"
                            "station: 0123456789ABCDEF\n"
                            "bundle: 00112233445566778899aabbccddeeff\n"
                            "case: ICC-01/22\n"
                            "signer: FEDCBA9876543210\n"
                            "sealed-size: 5320\n"
                            "sealed-sha256: "
                            "a7f0006d1eae61f00a658478ab8b89fcb66ae1fab12eacd4d74ac14d8bfef518\n"
                            "manifest-sha256: "
                            "dc2673a87847669092cf2402ada08f225a96e6e798c0330fdf735aa4a33e5573\n"
                            "files: 2\n"
                            "bytes: 0\n"
                            "imported: 2026-12-02T13:36:20Z\n"
                            "custody-entry: 4\n";

static void known_receipt(as_receipt *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->station, sizeof r->station, "%s", "0123456789ABCDEF");
    snprintf(r->bundle_id, sizeof r->bundle_id, "%s", "00112233445566778899aabbccddeeff");
    snprintf(r->case_id, sizeof r->case_id, "%s", "ICC-01/22");
    snprintf(r->signer, sizeof r->signer, "%s", "FEDCBA9876543210");
    r->sealed_size = 5320;
    as_hex_decode(r->sealed_sha256, 32,
                  "a7f0006d1eae61f00a658478ab8b89fcb66ae1fab12eacd4d74ac14d8bfef518", 64);
    as_hex_decode(r->manifest_sha256, 32,
                  "dc2673a87847669092cf2402ada08f225a96e6e798c0330fdf735aa4a33e5573", 64);
    r->files = 2;
    r->bytes = 0;
    r->imported = 1796218580; /* 2026-12-02T13:36:20Z */
    r->custody_entry = 4;
}

static void format_known_answer(void **state)
{
    (void)state;
    as_error err = {0};
    as_receipt r, back;
    as_buf out;
    known_receipt(&r);
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_receipt_format(&r, &out, &err), 0);
    assert_int_equal(out.len, strlen(KNOWN));
    assert_memory_equal(out.data, KNOWN, out.len);
    assert_int_equal(as_receipt_parse(&back, out.data, out.len, &err), 0);
    assert_string_equal(back.case_id, "ICC-01/22");
    assert_int_equal(back.imported, 1796218580);
    assert_int_equal(back.custody_entry, 4);
    assert_int_equal(back.bytes, 0);
    as_buf_free(&out);
}

/* One hostile receipt: KNOWN with the text `from` replaced by `to` (first occurrence). A
 * receipt that breaks the grammar is AS_ERR_FORMAT; one that parses but hides characters in
 * its case id is AS_ERR_REJECTED (the row that names direction characters). */
static const struct {
    const char *name, *from, *to, *message;
} REJECT[] = {
    {"first line", "receipt v1", "receipt v2", "not a valid airseal receipt: bad first line"},
    {"CRLF", "v1\n", "v1\r\n", "not a valid airseal receipt: bad first line"},
    {"station id short", "0123456789ABCDEF", "0123456789ABCDE",
     "not a valid airseal receipt: bad station"},
    {"station id not hex", "0123456789ABCDEF", "0123456789ABCDEG",
     "not a valid airseal receipt: bad station"},
    {"bundle id short", "eeff\n", "eef\n", "not a valid airseal receipt: bad bundle"},
    {"bundle id not hex", "00112233", "0011223x", "not a valid airseal receipt: bad bundle"},
    {"case empty", "case: ICC-01/22", "case: ", "not a valid airseal receipt: bad case"},
    {"case with a control", "ICC-01/22", "ICC\x01", "not a valid airseal receipt: bad case"},
    {"case with bidi", "ICC-01/22",
     "ICC\xe2\x80\xae"
     "22",
     "the receipt's case id contains direction or invisible characters: ICC\\u202e22"},
    {"case ill-formed UTF-8", "ICC-01/22", "ICC\xc3", "not a valid airseal receipt: bad case"},
    {"signer", "FEDCBA9876543210", "FEDCBA987654321", "not a valid airseal receipt: bad signer"},
    {"sealed-size zero", "sealed-size: 5320", "sealed-size: 0",
     "not a valid airseal receipt: bad sealed-size"},
    {"sealed-size leading zero", "sealed-size: 5320", "sealed-size: 05320",
     "not a valid airseal receipt: bad sealed-size"},
    {"sealed-size over 2^64", "sealed-size: 5320", "sealed-size: 18446744073709551616",
     "not a valid airseal receipt: bad sealed-size"},
    {"sealed-sha256 short", "a7f0006d", "a7f0006",
     "not a valid airseal receipt: bad sealed-sha256"},
    {"manifest-sha256 not hex", "dc2673a8", "dc2673aZ",
     "not a valid airseal receipt: bad manifest-sha256"},
    {"files negative", "files: 2", "files: -2", "not a valid airseal receipt: bad files"},
    {"bytes with a sign", "bytes: 0", "bytes: +0", "not a valid airseal receipt: bad bytes"},
    {"imported not UTC", "13:36:20Z", "13:36:20+01:00",
     "not a valid airseal receipt: bad imported"},
    {"imported 30 February", "2026-12-02", "2026-02-30",
     "not a valid airseal receipt: bad imported"},
    {"custody-entry zero", "custody-entry: 4", "custody-entry: 0",
     "not a valid airseal receipt: bad custody-entry"},
    {"custody-entry no line end", "custody-entry: 4\n", "custody-entry: 4",
     "not a valid airseal receipt: bad custody-entry"},
    {"lines swapped", "files: 2\nbytes: 0", "bytes: 0\nfiles: 2",
     "not a valid airseal receipt: bad files"},
    {"key case", "signer:", "Signer:", "not a valid airseal receipt: bad signer"},
    {"extra line", "custody-entry: 4\n", "custody-entry: 4\nnote: x\n",
     "not a valid airseal receipt: bad ending (extra data)"},
    {"NUL inside", "case: ICC", "case: I\0C", "not a valid airseal receipt: bad case"},
    {"no space after the colon",
     "station: ", "station:", "not a valid airseal receipt: bad station"},
    {"key with a space",
     "sealed-size:", "sealed size:", "not a valid airseal receipt: bad sealed-size"},
    {"line over 512 bytes", "case: ICC-01/22",
     "case: ICC-01/22xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     "not a valid airseal receipt: bad case"},
    {"value with a colon", "files: 2", "files: 2: 3", "not a valid airseal receipt: bad files"},
};

static void parse_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof REJECT / sizeof REJECT[0]; i++) {
        char text[1024];
        const char *at = strstr(KNOWN, REJECT[i].from);
        assert_non_null(at);
        size_t pre = (size_t)(at - KNOWN), fl = strlen(REJECT[i].from);
        /* "to" may hold a NUL (the NUL row): its length is that of "from" there. */
        size_t tl = strcmp(REJECT[i].name, "NUL inside") == 0 ? fl : strlen(REJECT[i].to);
        memcpy(text, KNOWN, pre);
        memcpy(text + pre, REJECT[i].to, tl);
        memcpy(text + pre + tl, at + fl, strlen(at + fl));
        size_t len = pre + tl + strlen(at + fl);
        as_receipt r;
        as_error err = {0};
        if (as_receipt_parse(&r, (const uint8_t *)text, len, &err) != -1)
            fail_msg("%s: accepted", REJECT[i].name);
        bool hidden = strstr(REJECT[i].message, "direction") != NULL;
        assert_int_equal(err.code, hidden ? AS_ERR_REJECTED : AS_ERR_FORMAT);
        if (strcmp(err.msg, REJECT[i].message) != 0)
            fail_msg("%s: \"%s\", want \"%s\"", REJECT[i].name, err.msg, REJECT[i].message);
    }
}

typedef struct {
    as_mini_seckey *sk;
    as_mini_pubkey pk;
    as_receipt r;
    as_buf text, sig;
} signed_receipt;

/* A receipt naming the station key it is signed with. */
static void make_signed(signed_receipt *s)
{
    as_error err = {0};
    s->sk = as_mini_keygen(&s->pk, &err);
    assert_non_null(s->sk);
    known_receipt(&s->r);
    as_mini_keyid(s->pk.keynum, s->r.station);
    as_buf_init(&s->text, 1 << 16);
    as_buf_init(&s->sig, 1 << 16);
    assert_int_equal(as_receipt_format(&s->r, &s->text, &err), 0);
    assert_int_equal(as_receipt_sign(&s->r, s->text.data, s->text.len, s->sk, &s->sig, &err), 0);
}

static void free_signed(signed_receipt *s)
{
    as_mini_seckey_free(s->sk);
    as_buf_free(&s->text);
    as_buf_free(&s->sig);
}

static void sign_and_verify(void **state)
{
    (void)state;
    signed_receipt s;
    as_receipt v;
    as_error err = {0};
    make_signed(&s);
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, s.sig.data, s.sig.len, &s.pk, &v, &err), 0);
    assert_string_equal(v.station, s.r.station);
    char tc[160];
    snprintf(tc, sizeof tc, "trusted comment: airseal-receipt v1 bundle:%s station:%s\n",
             s.r.bundle_id, s.r.station);
    assert_non_null(strstr((const char *)s.sig.data, tc));
    free_signed(&s);
}

static void verify_rejects(void **state)
{
    (void)state;
    signed_receipt s, other;
    as_receipt v;
    as_error err = {0};
    make_signed(&s);
    make_signed(&other);
    char want[200];

    /* Another station's key. */
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, s.sig.data, s.sig.len, &other.pk, &v, &err), -1);
    assert_int_equal(err.code, AS_ERR_KEY);
    snprintf(want, sizeof want, "signature was made by key %s, not by key %s", s.r.station,
             other.r.station);
    assert_string_equal(err.msg, want);

    /* One byte of the text changed (files: 2 -> 3). */
    as_error_clear(&err);
    uint8_t *f = (uint8_t *)strstr((char *)s.text.data, "files: 2");
    f[7] = '3';
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, s.sig.data, s.sig.len, &s.pk, &v, &err), -1);
    assert_int_equal(err.code, AS_ERR_SIGNATURE);
    assert_string_equal(err.msg,
                        "signature verification failed (data modified or signature forged)");
    f[7] = '2';

    /* Signed by a valid key, but the text names another station. */
    as_error_clear(&err);
    as_buf sig2;
    as_buf_init(&sig2, 1 << 16);
    assert_int_equal(as_receipt_sign(&s.r, s.text.data, s.text.len, other.sk, &sig2, &err), 0);
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, sig2.data, sig2.len, &other.pk, &v, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    snprintf(want, sizeof want, "receipt names station %s but is signed by key %s", s.r.station,
             other.r.station);
    assert_string_equal(err.msg, want);
    as_buf_free(&sig2);

    /* The right key, but a trusted comment for another bundle. */
    as_error_clear(&err);
    uint8_t h[AS_MINI_PREHASH_LEN];
    as_mini_prehash ph;
    as_mini_sig ms;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, s.text.data, s.text.len);
    as_mini_prehash_final(&ph, h);
    snprintf(want, sizeof want, "airseal-receipt v1 bundle:%032d station:%s", 0, s.r.station);
    assert_int_equal(as_mini_sign(&ms, s.sk, h, want, NULL, &err), 0);
    as_buf_init(&sig2, 1 << 16);
    assert_int_equal(as_mini_sig_format(&sig2, &ms, &err), 0);
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, sig2.data, sig2.len, &s.pk, &v, &err), -1);
    assert_string_equal(err.msg, "the receipt's signed comment does not match its text");
    as_buf_free(&sig2);

    /* Not a signature at all. */
    as_error_clear(&err);
    assert_int_equal(
        as_receipt_verify(s.text.data, s.text.len, s.text.data, s.text.len, &s.pk, &v, &err), -1);
    assert_int_equal(err.code, AS_ERR_FORMAT);
    free_signed(&s);
    free_signed(&other);
}

static void split_payload(void **state)
{
    (void)state;
    signed_receipt s;
    as_error err = {0};
    size_t tlen;
    make_signed(&s);
    as_buf qr;
    as_buf_init(&qr, 1 << 16);
    as_buf_append(&qr, s.text.data, s.text.len, &err);
    as_buf_append(&qr, s.sig.data, s.sig.len, &err);
    assert_int_equal(as_receipt_split(qr.data, qr.len, &tlen, &err), 0);
    assert_int_equal(tlen, s.text.len);
    /* Without the signature, or without the receipt header: refused. */
    assert_int_equal(as_receipt_split(s.text.data, s.text.len, &tlen, &err), -1);
    assert_string_equal(err.msg, "not an airseal receipt QR code");
    as_error_clear(&err);
    assert_int_equal(as_receipt_split(qr.data + 8, qr.len - 8, &tlen, &err), -1);
    assert_string_equal(err.msg, "not an airseal receipt QR code");
    /* The text ends where the signature file's first line starts, whatever precedes it; a
     * header without its line end, or an unterminated line before the signature, is refused. */
    static const struct {
        const char *payload;
        int rc;
        size_t text_len;
    } rows[] = {
        {"airseal receipt v1\nuntrusted comment: x\n", 0, 19},
        {"airseal receipt v1\na: b\nno separator\nuntrusted comment: \n", 0, 37},
        {"airseal receipt v1\nuntrusted comment:x\n", -1, 0},
        {"airseal receipt v1\r\nuntrusted comment: x\n", -1, 0},
        {"airseal receipt v1untrusted comment: x\n", -1, 0},
        {"airseal receipt v1\nfiles: 2untrusted comment: x", -1, 0},
        {"xairseal receipt v1\nuntrusted comment: x\n", -1, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        as_error e = {0};
        size_t n = 0;
        int rc =
            as_receipt_split((const uint8_t *)rows[i].payload, strlen(rows[i].payload), &n, &e);
        if (rc != rows[i].rc || (rc == 0 && n != rows[i].text_len))
            fail_msg("split row %zu: rc %d, text %zu bytes", i, rc, n);
    }
    as_buf_free(&qr);
    free_signed(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_known_answer), cmocka_unit_test(parse_rejects),
        cmocka_unit_test(sign_and_verify),     cmocka_unit_test(verify_rejects),
        cmocka_unit_test(split_payload),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
