/* test_age.c: age encryption: HKDF known answers, round trips, tampering, truncation. */
#include "helpers.h"

#include <stdio.h>

#include "common/core/base64.h"
#include "common/core/text.h"
#include "common/crypto/hkdf.h"

static as_age_identity *ids[3];
static as_age_recipient rcpts[3];

static int setup(void **state)
{
    as_error err = {0};
    if (crypto_setup(state) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        ids[i] = as_age_identity_generate(&err);
        if (ids[i] == NULL)
            return -1;
        as_age_identity_recipient(ids[i], &rcpts[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++)
        as_age_identity_free(ids[i]);
    return 0;
}

static void hex_is(const uint8_t *got, const char *want)
{
    char hex[129];
    as_hex_encode(hex, got, strlen(want) / 2);
    assert_string_equal(hex, want);
}

/* RFC 5869 A.1 and A.3, first 32 bytes of OKM (age only derives 32). */
static void hkdf_rfc5869(void **state)
{
    (void)state;
    uint8_t ikm[22], salt[13], out[32];
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++)
        salt[i] = (uint8_t)i;
    as_hkdf_sha256(out, ikm, sizeof ikm, salt, sizeof salt,
                   "\xf0\xf1\xf2\xf3\xf4\xf5\xf6\xf7\xf8\xf9");
    hex_is(out, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
    as_hkdf_sha256(out, ikm, sizeof ikm, NULL, 0, "");
    hex_is(out, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
}

static void roundtrip_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 131072, 1048577};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (int nr = 1; nr <= 3; nr += 2) {
            for (int armor = 0; armor < 2; armor++) {
                size_t n = sizes[s];
                uint8_t *pt = seeded_alloc(n, (uint32_t)(n + 7));
                as_age_encrypt_opts o = {
                    .recipients = rcpts, .nrecipients = (size_t)nr, .armor = armor};
                as_buf ct, back;
                as_error err = {0};
                age_seal(&ct, pt, n, &o, 10007);
                if (!armor)
                    assert_int_equal(ct.len,
                                     (size_t)(strstr((char *)ct.data, "\n---") - (char *)ct.data) +
                                         5 + 43 + 1 + as_age_payload_size(n));
                /* every recipient can open it */
                for (int who = 0; who < nr; who++) {
                    as_age_keyring k = {.identities = &ids[who], .nidentities = 1};
                    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_OK);
                    assert_int_equal(back.len, n);
                    if (n > 0)
                        assert_memory_equal(back.data, pt, n);
                    as_buf_free(&back);
                }
                if (nr == 1) {
                    as_age_keyring other = {.identities = &ids[2], .nidentities = 1};
                    assert_int_equal(age_open(&back, ct.data, ct.len, &other, &err),
                                     AS_ERR_NO_MATCH);
                    assert_int_equal(back.len, 0);
                    as_buf_free(&back);
                }
                as_buf_free(&ct);
                free(pt);
            }
        }
    }
}

static void exact_multiple_ends_with_full_final_chunk(void **state)
{
    (void)state;
    uint8_t *pt = seeded_alloc(131072, 3);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 1};
    as_buf ct;
    age_seal(&ct, pt, 131072, &o, 65536);
    /* header + nonce + 2 full chunks, no third empty chunk */
    const char *mac = strstr((char *)ct.data, "\n--- ");
    size_t hdr = (size_t)(mac - (char *)ct.data) + 5 + 43 + 1;
    assert_int_equal(ct.len, hdr + 16 + 2 * (65536 + 16));
    as_buf_free(&ct);
    free(pt);
}

static void scrypt_roundtrip_and_cap(void **state)
{
    (void)state;
    const char pass[] = "correct horse battery staple";
    uint8_t pt[100];
    fill_seeded(pt, sizeof pt, 9);
    as_age_encrypt_opts o = {
        .passphrase = pass, .passphrase_len = strlen(pass), .scrypt_log_n = 10};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, sizeof pt, &o, 7);
    as_age_keyring k = {.passphrase = pass, .passphrase_len = strlen(pass)};
    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_OK);
    assert_memory_equal(back.data, pt, sizeof pt);
    as_buf_free(&back);
    as_age_keyring wrong = {.passphrase = "nope", .passphrase_len = 4};
    assert_int_equal(age_open(&back, ct.data, ct.len, &wrong, &err), AS_ERR_NO_MATCH);
    as_buf_free(&back);
    as_age_keyring capped = {
        .passphrase = pass, .passphrase_len = strlen(pass), .scrypt_max_log_n = 9};
    assert_int_equal(age_open(&back, ct.data, ct.len, &capped, &err), AS_ERR_HEADER);
    assert_non_null(strstr(err.msg, "work factor too large: 10"));
    as_buf_free(&back);
    /* an X25519 identity does not match a passphrase file */
    as_age_keyring x = {.identities = ids, .nidentities = 1};
    assert_int_equal(age_open(&back, ct.data, ct.len, &x, &err), AS_ERR_NO_MATCH);
    as_buf_free(&back);
    as_buf_free(&ct);
}

/* Every single-bit flip in the header is rejected before any plaintext is released; flips
 * that keep the text well-formed are classified exactly. */
static void header_flips_rejected(void **state)
{
    (void)state;
    uint8_t pt[1000];
    fill_seeded(pt, sizeof pt, 11);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 2};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, sizeof pt, &o, 1000);
    size_t hdr = (size_t)(strstr((char *)ct.data, "\n--- ") - (char *)ct.data) + 5 + 43 + 1;
    size_t mac_start = hdr - 44;
    as_age_keyring k = {.identities = ids, .nidentities = 1};
    for (size_t i = 0; i < hdr; i++) {
        uint8_t saved = ct.data[i];
        ct.data[i] ^= 0x01;
        as_errcode code = age_open(&back, ct.data, ct.len, &k, &err);
        char msg[600];
        snprintf(msg, sizeof msg, "byte %zu ('%c'): %s", i, saved, err.msg);
        if (!(code == AS_ERR_HEADER || code == AS_ERR_NO_MATCH || code == AS_ERR_HMAC))
            fail_msg("%s", msg);
        assert_int_equal(back.len, 0);
        int still_b64 = as_b64_is_alphabet((char *)&ct.data[i], 1);
        if (i >= mac_start && i < hdr - 2 && still_b64 && code != AS_ERR_HMAC)
            fail_msg("MAC flip not an HMAC failure: %s", msg);
        as_buf_free(&back);
        ct.data[i] = saved;
    }
    as_buf_free(&ct);
}

static size_t header_len(const as_buf *ct)
{
    return (size_t)(strstr((char *)ct->data, "\n--- ") - (char *)ct->data) + 5 + 43 + 1;
}

static void payload_flips_name_the_chunk(void **state)
{
    (void)state;
    size_t n = 2 * 65536 + 5000;
    uint8_t *pt = seeded_alloc(n, 12);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 1};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, n, &o, 65536);
    size_t hdr = header_len(&ct);
    as_age_keyring k = {.identities = ids, .nidentities = 1};
    /* the nonce: the payload key changes, chunk 0 fails */
    for (size_t i = hdr; i < hdr + 16; i++) {
        ct.data[i] ^= 0x80;
        assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_ERR_PAYLOAD);
        assert_int_equal(back.len, 0);
        as_buf_free(&back);
        ct.data[i] ^= 0x80;
    }
    size_t chunk_start[3] = {hdr + 16, hdr + 16 + 65552, hdr + 16 + 2 * 65552};
    size_t chunk_len[3] = {65552, 65552, 5000 + 16};
    for (int c = 0; c < 3; c++) {
        size_t probes[] = {0,
                           1,
                           chunk_len[c] / 2,
                           chunk_len[c] - 17,
                           chunk_len[c] - 16,
                           chunk_len[c] - 8,
                           chunk_len[c] - 1};
        for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            size_t i = chunk_start[c] + probes[p];
            ct.data[i] ^= 0x01;
            assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_ERR_PAYLOAD);
            char want[64];
            snprintf(want, sizeof want, "chunk %d failed", c);
            assert_non_null(strstr(err.msg, want));
            /* chunks before the damaged one were released, nothing after */
            assert_int_equal(back.len, (size_t)c * 65536);
            as_buf_free(&back);
            ct.data[i] ^= 0x01;
        }
    }
    as_buf_free(&ct);
    free(pt);
}

static void every_byte_of_a_small_file(void **state)
{
    (void)state;
    uint8_t pt[300];
    fill_seeded(pt, sizeof pt, 13);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 1};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, sizeof pt, &o, 300);
    size_t hdr = header_len(&ct);
    as_age_keyring k = {.identities = ids, .nidentities = 1};
    for (size_t i = 0; i < ct.len; i++) {
        ct.data[i] ^= 0x20;
        as_errcode code = age_open(&back, ct.data, ct.len, &k, &err);
        assert_true(code != AS_OK);
        assert_int_equal(back.len, 0);
        if (i >= hdr)
            assert_int_equal(code, AS_ERR_PAYLOAD);
        as_buf_free(&back);
        ct.data[i] ^= 0x20;
    }
    as_buf_free(&ct);
}

static void truncation_and_appending(void **state)
{
    (void)state;
    size_t n = 3 * 65536; /* three full chunks, the last one final */
    uint8_t *pt = seeded_alloc(n, 14);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 1};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, n, &o, 4096);
    size_t hdr = header_len(&ct);
    as_age_keyring k = {.identities = ids, .nidentities = 1};
    /* inside the header, at its end, inside the nonce */
    size_t cuts_hdr[] = {0, 10, hdr - 1, hdr, hdr + 8};
    for (size_t c = 0; c < sizeof cuts_hdr / sizeof cuts_hdr[0]; c++) {
        assert_int_equal(age_open(&back, ct.data, cuts_hdr[c], &k, &err), AS_ERR_HEADER);
        as_buf_free(&back);
    }
    /* at every chunk boundary: the final chunk is missing */
    for (int c = 0; c < 3; c++) {
        size_t cut = hdr + 16 + (size_t)c * 65552;
        assert_int_equal(age_open(&back, ct.data, cut, &k, &err), AS_ERR_PAYLOAD);
        assert_int_equal(back.len, (size_t)c * 65536);
        as_buf_free(&back);
    }
    /* a byte short of the end */
    assert_int_equal(age_open(&back, ct.data, ct.len - 1, &k, &err), AS_ERR_PAYLOAD);
    as_buf_free(&back);
    /* one byte appended */
    assert_int_equal(as_buf_append(&ct, "x", 1, &err), 0);
    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_ERR_PAYLOAD);
    assert_non_null(strstr(err.msg, "after the final chunk"));
    as_buf_free(&back);
    /* the same for a short last chunk: the extra byte breaks its tag */
    as_buf_free(&ct);
    age_seal(&ct, pt, 1000, &o, 1000);
    assert_int_equal(as_buf_append(&ct, "x", 1, &err), 0);
    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_ERR_PAYLOAD);
    as_buf_free(&back);
    as_buf_free(&ct);
    free(pt);
}

static void armor_roundtrip_is_strict(void **state)
{
    (void)state;
    uint8_t pt[200];
    fill_seeded(pt, sizeof pt, 15);
    as_age_encrypt_opts o = {.recipients = rcpts, .nrecipients = 1, .armor = true};
    as_buf ct, back;
    as_error err = {0};
    age_seal(&ct, pt, sizeof pt, &o, 200);
    assert_int_equal(memcmp(ct.data, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35), 0);
    assert_int_equal(memcmp(ct.data + ct.len - 33, "-----END AGE ENCRYPTED FILE-----\n", 33), 0);
    as_age_keyring k = {.identities = ids, .nidentities = 1};
    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_OK);
    assert_int_equal(back.len, sizeof pt);
    as_buf_free(&back);
    /* a space inside a line is an armor failure */
    ct.data[40] = ' ';
    assert_int_equal(age_open(&back, ct.data, ct.len, &k, &err), AS_ERR_ARMOR);
    as_buf_free(&back);
    as_buf_free(&ct);
}

static void header_parser_limits(void **state)
{
    (void)state;
    as_age_header h;
    as_error err = {0};
    const char *ok = "age-encryption.org/v1\n-> grease a b c\n\n--- "
                     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
    assert_int_equal(as_age_header_parse(&h, (const uint8_t *)ok, strlen(ok), &err), 0);
    assert_int_equal(h.nstanzas, 1);
    assert_int_equal(h.stanzas[0].nargs, 4);
    assert_int_equal(h.stanzas[0].body_len, 0);
    as_age_header_free(&h);
    const char *bad[] = {
        "age-encryption.org/v2\n-> a\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n->  a\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> a\r\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> a\n\n---AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> a\nYQ=\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
        "age-encryption.org/v1\n-> a\n\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nx",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_error_clear(&err);
        assert_int_equal(as_age_header_parse(&h, (const uint8_t *)bad[i], strlen(bad[i]), &err),
                         -1);
        assert_int_equal(err.code, AS_ERR_HEADER);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hkdf_rfc5869),
        cmocka_unit_test(roundtrip_sizes),
        cmocka_unit_test(exact_multiple_ends_with_full_final_chunk),
        cmocka_unit_test(scrypt_roundtrip_and_cap),
        cmocka_unit_test(header_flips_rejected),
        cmocka_unit_test(payload_flips_name_the_chunk),
        cmocka_unit_test(every_byte_of_a_small_file),
        cmocka_unit_test(truncation_and_appending),
        cmocka_unit_test(armor_roundtrip_is_strict),
        cmocka_unit_test(header_parser_limits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
