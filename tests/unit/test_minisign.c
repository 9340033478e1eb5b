/* test_minisign.c: minisign keys and signatures: known answers, round trips, forgeries. */
#include "helpers.h"

#include <stdio.h>

#include "common/core/file.h"
#include "common/crypto/fingerprint.h"
#include "common/crypto/minisign.h"

static char *vector_path(const char *name)
{
    const char *dir = getenv("AIRSEAL_VECTORS");
    static char path[4096];
    snprintf(path, sizeof path, "%s/minisign/%s", dir ? dir : "../shared/vectors", name);
    return path;
}

static as_mini_sig *load_sig(const char *path)
{
    uint8_t *data;
    size_t len;
    as_error err = {0};
    as_mini_sig *s = malloc(sizeof *s);
    assert_int_equal(as_file_read_all(path, 16384, &data, &len, &err), 0);
    assert_int_equal(as_mini_sig_parse(s, data, len, &err), 0);
    free(data);
    return s;
}

static void known_answer_vectors(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    char id[AS_MINI_KEYID_STR];
    assert_int_equal(as_mini_pubkey_load(&pk, vector_path("minisign.pub"), &err), 0);
    as_mini_keyid(pk.keynum, id);
    assert_string_equal(id, "E7620F1842B4E81F");
    as_mini_sig *pre = load_sig(vector_path("test.prehashed.minisig"));
    as_mini_sig *leg = load_sig(vector_path("test.legacy.minisig"));
    assert_string_equal(pre->trusted, "timestamp:1556193335\tfile:test");
    assert_int_equal(as_mini_verify_file(&pk, pre, vector_path("test"), false, &err), 0);
    /* ED-only mode rejects the legacy signature; asked for, it verifies */
    assert_int_equal(as_mini_verify_file(&pk, leg, vector_path("test"), false, &err), -1);
    assert_int_equal(err.code, AS_ERR_SIGNATURE);
    assert_non_null(strstr(err.msg, "legacy"));
    as_error_clear(&err);
    assert_int_equal(as_mini_verify_file(&pk, leg, vector_path("test"), true, &err), 0);
    /* a different message fails */
    uint8_t h[64];
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, "tesT", 4);
    as_mini_prehash_final(&ph, h);
    assert_int_equal(as_mini_verify(&pk, pre, h, NULL, 0, false, &err), -1);
    assert_int_equal(err.code, AS_ERR_SIGNATURE);
    free(pre);
    free(leg);
}

static void sign_verify_roundtrip(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk, other_pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    as_mini_seckey *other = as_mini_keygen(&other_pk, &err);
    assert_non_null(sk);
    uint8_t h[64];
    fill_seeded(h, sizeof h, 1);
    as_mini_sig s, parsed;
    assert_int_equal(as_mini_sign(&s, sk, h, "bundle:abc\tcase:X", NULL, &err), 0);
    as_buf out;
    as_buf_init(&out, 16384);
    assert_int_equal(as_mini_sig_format(&out, &s, &err), 0);
    assert_int_equal(as_mini_sig_parse(&parsed, out.data, out.len, &err), 0);
    assert_int_equal(as_mini_verify(&pk, &parsed, h, NULL, 0, false, &err), 0);
    /* another key: the key id check comes first */
    assert_int_equal(as_mini_verify(&other_pk, &parsed, h, NULL, 0, false, &err), -1);
    assert_int_equal(err.code, AS_ERR_KEY);
    /* a forged key id with the right id but another key's bytes fails the signature */
    as_error_clear(&err);
    memcpy(other_pk.keynum, pk.keynum, 8);
    assert_int_equal(as_mini_verify(&other_pk, &parsed, h, NULL, 0, false, &err), -1);
    assert_int_equal(err.code, AS_ERR_SIGNATURE);
    /* comments that cannot be signed safely are refused */
    as_error_clear(&err);
    assert_int_equal(as_mini_sign(&s, sk, h, "two\nlines", NULL, &err), -1);
    as_buf_free(&out);
    as_mini_seckey_free(sk);
    as_mini_seckey_free(other);
}

/* Every bit flip in the signature, trusted comment and global signature lines fails, and
 * never as a success; a changed untrusted comment is, by design, not covered. */
static void signature_flips_rejected(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    uint8_t h[64];
    fill_seeded(h, sizeof h, 2);
    as_mini_sig s, parsed;
    as_buf out;
    as_buf_init(&out, 16384);
    assert_int_equal(as_mini_sign(&s, sk, h, "timestamp:1\tfile:x", "note", &err), 0);
    assert_int_equal(as_mini_sig_format(&out, &s, &err), 0);
    const char *line2 = strchr((char *)out.data, '\n') + 1;
    size_t start = (size_t)(line2 - (char *)out.data);
    int rejected = 0;
    for (size_t i = start; i < out.len; i++) {
        if (out.data[i] == '\n')
            continue;
        for (int bit = 0; bit < 8; bit++) {
            out.data[i] ^= (uint8_t)(1 << bit);
            as_error_clear(&err);
            int rc = as_mini_sig_parse(&parsed, out.data, out.len, &err);
            if (rc == 0)
                rc = as_mini_verify(&pk, &parsed, h, NULL, 0, false, &err);
            if (rc == 0)
                fail_msg("flip of bit %d of byte %zu verified", bit, i);
            assert_true(err.code == AS_ERR_FORMAT || err.code == AS_ERR_KEY ||
                        err.code == AS_ERR_SIGNATURE);
            rejected++;
            out.data[i] ^= (uint8_t)(1 << bit);
        }
    }
    assert_true(rejected > 8 * 200);
    /* untrusted comment: not signed */
    out.data[20] ^= 0x01;
    assert_int_equal(as_mini_sig_parse(&parsed, out.data, out.len, &err), 0);
    assert_int_equal(as_mini_verify(&pk, &parsed, h, NULL, 0, false, &err), 0);
    as_buf_free(&out);
    as_mini_seckey_free(sk);
}

static void secret_key_files(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk, back_pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    as_buf f;
    as_buf_init_secret(&f, 4096);
    assert_int_equal(as_mini_seckey_format_file(&f, sk, NULL, 0, NULL, &err), 0);
    assert_int_equal(as_mini_seckey_file_encrypted(f.data, f.len, &err), 0);
    as_mini_seckey *back = as_mini_seckey_parse_file(f.data, f.len, NULL, 0, &err);
    assert_non_null(back);
    as_mini_seckey_public(back, &back_pk);
    assert_memory_equal(&pk, &back_pk, sizeof pk);
    as_mini_seckey_free(back);
    /* a damaged key is refused (checksum or the public half) */
    f.data[39 + 100] ^= 0x04; /* inside the key block */
    assert_null(as_mini_seckey_parse_file(f.data, f.len, NULL, 0, &err));
    as_buf_free(&f);

    /* encrypted (minisign's 1 GiB scrypt: a few seconds) */
    as_buf_init_secret(&f, 4096);
    as_error_clear(&err);
    assert_int_equal(as_mini_seckey_format_file(&f, sk, "pw", 2, NULL, &err), 0);
    assert_int_equal(as_mini_seckey_file_encrypted(f.data, f.len, &err), 1);
    assert_null(as_mini_seckey_parse_file(f.data, f.len, NULL, 0, &err));
    assert_int_equal(err.code, AS_ERR_KEY);
    as_error_clear(&err);
    assert_null(as_mini_seckey_parse_file(f.data, f.len, "wrong", 5, &err));
    assert_int_equal(err.code, AS_ERR_KEY);
    assert_non_null(strstr(err.msg, "wrong passphrase"));
    as_error_clear(&err);
    back = as_mini_seckey_parse_file(f.data, f.len, "pw", 2, &err);
    assert_non_null(back);
    assert_memory_equal(back->sk, sk->sk, sizeof sk->sk);
    as_mini_seckey_free(back);
    as_buf_free(&f);
    as_mini_seckey_free(sk);
}

static void public_key_files(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk, back;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    as_buf f;
    as_buf_init(&f, 4096);
    assert_int_equal(as_mini_pubkey_format_file(&f, &pk, NULL, &err), 0);
    assert_int_equal(as_mini_pubkey_parse_file(&back, f.data, f.len, &err), 0);
    assert_memory_equal(&pk, &back, sizeof pk);
    const char *bad[] = {
        "",
        "untrusted comment: x\n",
        "comment: x\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n",
        "untrusted comment: x\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO\n",
        "untrusted comment: x\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\nextra\n",
        "untrusted comment: x\nRUQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_error_clear(&err);
        assert_int_equal(
            as_mini_pubkey_parse_file(&back, (const uint8_t *)bad[i], strlen(bad[i]), &err), -1);
        assert_int_equal(err.code, AS_ERR_FORMAT);
    }
    /* fingerprints: stable, distinct, readable */
    char fp1[AS_FINGERPRINT_STR], fp2[AS_FINGERPRINT_STR];
    as_fingerprint_minisign(&pk, fp1);
    as_fingerprint_minisign(&pk, fp2);
    assert_string_equal(fp1, fp2);
    assert_int_equal(strlen(fp1), 35);
    pk.pk[0] ^= 1;
    as_fingerprint_minisign(&pk, fp2);
    assert_string_not_equal(fp1, fp2);
    as_buf_free(&f);
    as_mini_seckey_free(sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answer_vectors),     cmocka_unit_test(sign_verify_roundtrip),
        cmocka_unit_test(signature_flips_rejected), cmocka_unit_test(secret_key_files),
        cmocka_unit_test(public_key_files),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
