/* minisign.c: minisign-compatible keys and signatures; see minisign.h. */
#include "minisign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base64.h"
#include "../core/file.h"
#include "../core/io.h"
#include "../core/secret.h"
#include "../core/text.h"

#define PUBKEY_LEN (2 + AS_MINI_KEYNUM_LEN + crypto_sign_PUBLICKEYBYTES)    /* 42 */
#define KEYBLOCK_LEN (AS_MINI_KEYNUM_LEN + crypto_sign_SECRETKEYBYTES + 32) /* 104 */
#define SECKEY_LEN (2 + 2 + 2 + 32 + 8 + 8 + KEYBLOCK_LEN)                  /* 158 */
#define SIG_LEN (2 + AS_MINI_KEYNUM_LEN + crypto_sign_BYTES)                /* 74 */
#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define KDF_MEMLIMIT_CAP (2ULL << 30)
#define KDF_OPSLIMIT_CAP (1ULL << 32)

void as_mini_keyid(const uint8_t keynum[AS_MINI_KEYNUM_LEN], char out[AS_MINI_KEYID_STR])
{
    uint8_t be[AS_MINI_KEYNUM_LEN];
    for (int i = 0; i < AS_MINI_KEYNUM_LEN; i++)
        be[i] = keynum[AS_MINI_KEYNUM_LEN - 1 - i];
    as_hex_encode_upper(out, be, sizeof be);
}

int as_mini_keyid_parse(uint8_t keynum[AS_MINI_KEYNUM_LEN], const char *s, size_t len)
{
    uint8_t be[AS_MINI_KEYNUM_LEN];
    if (as_hex_decode(be, sizeof be, s, len) != 0)
        return -1;
    for (int i = 0; i < AS_MINI_KEYNUM_LEN; i++)
        keynum[i] = be[AS_MINI_KEYNUM_LEN - 1 - i];
    return 0;
}

as_mini_seckey *as_mini_keygen(as_mini_pubkey *pk, as_error *err)
{
    as_mini_seckey *sk = as_secret_alloc(sizeof *sk, err);
    if (sk == NULL)
        return NULL;
    randombytes_buf(sk->keynum, sizeof sk->keynum);
    crypto_sign_keypair(pk->pk, sk->sk);
    memcpy(pk->keynum, sk->keynum, sizeof pk->keynum);
    return sk;
}

void as_mini_seckey_public(const as_mini_seckey *sk, as_mini_pubkey *pk)
{
    memcpy(pk->keynum, sk->keynum, sizeof pk->keynum);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

void as_mini_seckey_free(as_mini_seckey *sk)
{
    as_secret_free(sk);
}

/* ---------------------------------------------------------------- public keys */

void as_mini_pubkey_b64(const as_mini_pubkey *pk, char out[AS_MINI_PUBKEY_B64_LEN + 1])
{
    uint8_t raw[PUBKEY_LEN];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, pk->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(raw + 2 + AS_MINI_KEYNUM_LEN, pk->pk, crypto_sign_PUBLICKEYBYTES);
    as_b64_encode(out, raw, sizeof raw, AS_B64_PADDED);
}

int as_mini_pubkey_parse_b64(as_mini_pubkey *out, const char *s, size_t len, as_error *err)
{
    uint8_t raw[PUBKEY_LEN];
    if (as_b64_decode_exact(raw, sizeof raw, s, len, AS_B64_PADDED) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not a minisign public key (bad base64 or length)");
    if (memcmp(raw, "Ed", 2) != 0)
        return as_fail(err, AS_ERR_FORMAT, "unsupported public key algorithm");
    memcpy(out->keynum, raw + 2, AS_MINI_KEYNUM_LEN);
    memcpy(out->pk, raw + 2 + AS_MINI_KEYNUM_LEN, crypto_sign_PUBLICKEYBYTES);
    return 0;
}

/* Reads the next line, dropping "\n" or "\r\n"; the last line may lack its '\n'. */
static int next_line(as_cursor *c, const char **line, size_t *len, size_t max)
{
    if (as_cursor_left(c) == 0)
        return -1;
    if (as_cursor_line(c, line, len, max + 1) != 0) {
        size_t n = as_cursor_left(c);
        if (n > max)
            return -1;
        *line = (const char *)c->data + c->off;
        *len = n;
        as_cursor_skip(c, n);
    }
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    if (memchr(*line, '\r', *len) != NULL || memchr(*line, '\0', *len) != NULL)
        return -1;
    return 0;
}

static int has_prefix(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(line, prefix, n) == 0;
}

int as_mini_pubkey_parse_file(as_mini_pubkey *out, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    as_cursor_init(&c, data, len);
    if (next_line(&c, &line, &n, AS_MINI_UNTRUSTED_MAX) != 0 ||
        !has_prefix(line, n, UNTRUSTED_PREFIX))
        return as_fail(err, AS_ERR_FORMAT,
                       "not a minisign public key file (no untrusted comment line)");
    if (next_line(&c, &line, &n, 1024) != 0)
        return as_fail(err, AS_ERR_FORMAT, "minisign public key file has no key line");
    if (as_mini_pubkey_parse_b64(out, line, n, err) != 0)
        return -1;
    /* Tolerate trailing blank lines, nothing else. */
    while (as_cursor_left(&c) > 0) {
        if (next_line(&c, &line, &n, 1024) != 0 || n != 0)
            return as_fail(err, AS_ERR_FORMAT, "unexpected data after the public key");
    }
    return 0;
}

int as_mini_pubkey_load(as_mini_pubkey *out, const char *path, as_error *err)
{
    uint8_t *data;
    size_t len;
    if (as_file_read_all(path, 4096, &data, &len, err) != 0)
        return -1;
    int rc = as_mini_pubkey_parse_file(out, data, len, err);
    if (rc != 0)
        as_error_prefix(err, "%s: ", path);
    free(data);
    return rc;
}

int as_mini_pubkey_format_file(as_buf *out, const as_mini_pubkey *pk, const char *comment,
                               as_error *err)
{
    char id[AS_MINI_KEYID_STR], b64[AS_MINI_PUBKEY_B64_LEN + 1];
    as_mini_keyid(pk->keynum, id);
    as_mini_pubkey_b64(pk, b64);
    if (comment != NULL)
        return as_buf_printf(out, err, UNTRUSTED_PREFIX "%s\n%s\n", comment, b64);
    return as_buf_printf(out, err, UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b64);
}

/* ---------------------------------------------------------------- secret keys */

/* Decodes the base64 line of a secret key file into raw (secure memory, SECKEY_LEN bytes). */
static int decode_seckey_file(uint8_t *raw, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    as_cursor_init(&c, data, len);
    if (next_line(&c, &line, &n, AS_MINI_UNTRUSTED_MAX) != 0 ||
        !has_prefix(line, n, UNTRUSTED_PREFIX))
        return as_fail(err, AS_ERR_FORMAT,
                       "not a minisign secret key file (no untrusted comment line)");
    if (next_line(&c, &line, &n, 1024) != 0 ||
        as_b64_decode_exact(raw, SECKEY_LEN, line, n, AS_B64_PADDED) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not a minisign secret key (bad base64 or length)");
    if (memcmp(raw, "Ed", 2) != 0 || memcmp(raw + 4, "B2", 2) != 0)
        return as_fail(err, AS_ERR_FORMAT, "unsupported secret key algorithm");
    if (memcmp(raw + 2, "Sc", 2) != 0 && memcmp(raw + 2, "\0\0", 2) != 0)
        return as_fail(err, AS_ERR_FORMAT, "unsupported secret key encryption");
    return 0;
}

int as_mini_seckey_file_encrypted(const uint8_t *data, size_t len, as_error *err)
{
    uint8_t *raw = as_secret_alloc(SECKEY_LEN, err);
    if (raw == NULL)
        return -1;
    int rc = decode_seckey_file(raw, data, len, err);
    if (rc == 0)
        rc = memcmp(raw + 2, "Sc", 2) == 0;
    as_secret_free(raw);
    return rc;
}

static void keyblock_checksum(uint8_t out[32], const uint8_t *keynum, const uint8_t *sk)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"Ed", 2);
    crypto_generichash_update(&st, keynum, AS_MINI_KEYNUM_LEN);
    crypto_generichash_update(&st, sk, crypto_sign_SECRETKEYBYTES);
    crypto_generichash_final(&st, out, 32);
    sodium_memzero(&st, sizeof st);
}

/* XORs the key block with scrypt(passphrase) using the file's salt and limits. */
static int kdf_xor(uint8_t *block, const uint8_t *salt, uint64_t ops, uint64_t mem,
                   const char *pass, size_t passlen, as_error *err)
{
    uint8_t *stream = as_secret_alloc(KEYBLOCK_LEN, err);
    if (stream == NULL)
        return -1;
    if (crypto_pwhash_scryptsalsa208sha256(stream, KEYBLOCK_LEN, pass, passlen, salt,
                                           (unsigned long long)ops, (size_t)mem) != 0) {
        as_secret_free(stream);
        return as_fail(err, AS_ERR_NOMEM, "key derivation failed (not enough memory?)");
    }
    for (size_t i = 0; i < KEYBLOCK_LEN; i++)
        block[i] ^= stream[i];
    as_secret_free(stream);
    return 0;
}

as_mini_seckey *as_mini_seckey_parse_file(const uint8_t *data, size_t len, const char *passphrase,
                                          size_t passphrase_len, as_error *err)
{
    uint8_t *raw = as_secret_alloc(SECKEY_LEN, err);
    as_mini_seckey *sk = NULL;
    if (raw == NULL)
        return NULL;
    if (decode_seckey_file(raw, data, len, err) != 0)
        goto fail;
    uint8_t *salt = raw + 6, *block = raw + 6 + 32 + 16;
    as_cursor c;
    uint64_t ops, mem;
    as_cursor_init(&c, raw + 6 + 32, 16);
    as_cursor_u64le(&c, &ops);
    as_cursor_u64le(&c, &mem);
    int encrypted = memcmp(raw + 2, "Sc", 2) == 0;
    if (encrypted) {
        if (passphrase == NULL) {
            as_fail(err, AS_ERR_KEY, "the secret key is encrypted and needs its passphrase");
            goto fail;
        }
        if (mem > KDF_MEMLIMIT_CAP || ops > KDF_OPSLIMIT_CAP) {
            as_fail(err, AS_ERR_LIMIT, "secret key asks for excessive key-derivation limits");
            goto fail;
        }
        if (kdf_xor(block, salt, ops, mem, passphrase, passphrase_len, err) != 0)
            goto fail;
    }
    uint8_t *keynum = block, *secret = block + AS_MINI_KEYNUM_LEN;
    uint8_t *chk = block + AS_MINI_KEYNUM_LEN + crypto_sign_SECRETKEYBYTES;
    uint8_t want[32];
    static const uint8_t zero[32];
    keyblock_checksum(want, keynum, secret);
    /* minisign 0.11 leaves the checksum of an unencrypted key all zero; accept that. */
    if (sodium_memcmp(want, chk, 32) != 0 && (encrypted || sodium_memcmp(chk, zero, 32) != 0)) {
        as_fail(err, AS_ERR_KEY,
                encrypted ? "wrong passphrase for this secret key" : "secret key is corrupted");
        goto fail;
    }
    /* The public half stored in the key must be the one derived from its seed. */
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(pk, sk2, secret);
    int same = sodium_memcmp(sk2, secret, sizeof sk2) == 0;
    sodium_memzero(sk2, sizeof sk2);
    if (!same) {
        as_fail(err, AS_ERR_KEY, "secret key is corrupted (public half does not match)");
        goto fail;
    }
    sk = as_secret_alloc(sizeof *sk, err);
    if (sk == NULL)
        goto fail;
    memcpy(sk->keynum, keynum, AS_MINI_KEYNUM_LEN);
    memcpy(sk->sk, secret, crypto_sign_SECRETKEYBYTES);
fail:
    as_secret_free(raw);
    return sk;
}

int as_mini_seckey_format_file(as_buf *out, const as_mini_seckey *sk, const char *passphrase,
                               size_t passphrase_len, const char *comment, as_error *err)
{
    uint8_t *raw = as_secret_alloc(SECKEY_LEN, err);
    char *b64 = NULL;
    int rc = -1;
    if (raw == NULL)
        return -1;
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, passphrase != NULL ? "Sc" : "\0\0", 2);
    memcpy(raw + 4, "B2", 2);
    uint8_t *salt = raw + 6, *block = raw + 6 + 32 + 16;
    uint64_t ops = passphrase != NULL ? AS_MINI_KDF_OPSLIMIT : 0;
    uint64_t mem = passphrase != NULL ? AS_MINI_KDF_MEMLIMIT : 0;
    randombytes_buf(salt, 32);
    as_store_u64le(raw + 6 + 32, ops);
    as_store_u64le(raw + 6 + 32 + 8, mem);
    memcpy(block, sk->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(block + AS_MINI_KEYNUM_LEN, sk->sk, crypto_sign_SECRETKEYBYTES);
    keyblock_checksum(block + AS_MINI_KEYNUM_LEN + crypto_sign_SECRETKEYBYTES, sk->keynum, sk->sk);
    if (passphrase != NULL && kdf_xor(block, salt, ops, mem, passphrase, passphrase_len, err) != 0)
        goto out;
    size_t b64len = as_b64_encoded_len(SECKEY_LEN, AS_B64_PADDED);
    b64 = as_secret_alloc(b64len + 1, err);
    if (b64 == NULL)
        goto out;
    as_b64_encode(b64, raw, SECKEY_LEN, AS_B64_PADDED);
    rc = as_buf_printf(out, err, UNTRUSTED_PREFIX "%s\n%s\n",
                       comment != NULL      ? comment
                       : passphrase != NULL ? "minisign encrypted secret key"
                                            : "minisign secret key",
                       b64);
out:
    as_secret_free(b64);
    as_secret_free(raw);
    return rc;
}

/* ---------------------------------------------------------------- signatures */

void as_mini_prehash_init(as_mini_prehash *h)
{
    crypto_generichash_init(&h->st, NULL, 0, AS_MINI_PREHASH_LEN);
}

void as_mini_prehash_update(as_mini_prehash *h, const void *data, size_t n)
{
    crypto_generichash_update(&h->st, data, n);
}

void as_mini_prehash_final(as_mini_prehash *h, uint8_t out[AS_MINI_PREHASH_LEN])
{
    crypto_generichash_final(&h->st, out, AS_MINI_PREHASH_LEN);
}

int as_mini_prehash_file(const char *path, uint8_t out[AS_MINI_PREHASH_LEN], as_error *err)
{
    int fd = as_file_open_read(path, 0, NULL, err);
    if (fd < 0)
        return -1;
    as_mini_prehash h;
    as_mini_prehash_init(&h);
    uint8_t *buf = malloc(1 << 20);
    if (buf == NULL) {
        close(fd);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    as_fd_reader r;
    as_fd_reader_init(&r, fd, path);
    ssize_t n;
    while ((n = as_read(&r.base, buf, 1 << 20, err)) > 0)
        as_mini_prehash_update(&h, buf, (size_t)n);
    free(buf);
    close(fd);
    if (n < 0)
        return -1;
    as_mini_prehash_final(&h, out);
    return 0;
}

/* Decodes a base64 signature line: -1 when it is not the base64 of SIG_LEN bytes, -2 when the
 * algorithm is neither ED nor Ed. */
static int sigline_decode(as_mini_detached *d, const char *b64, size_t n)
{
    uint8_t raw[SIG_LEN];
    if (as_b64_decode_exact(raw, SIG_LEN, b64, n, AS_B64_PADDED) != 0)
        return -1;
    if (memcmp(raw, "ED", 2) != 0 && memcmp(raw, "Ed", 2) != 0)
        return -2;
    memcpy(d->alg, raw, 2);
    memcpy(d->keynum, raw + 2, AS_MINI_KEYNUM_LEN);
    memcpy(d->sig, raw + 2 + AS_MINI_KEYNUM_LEN, crypto_sign_BYTES);
    return 0;
}

static void sigline_encode(char out[AS_MINI_DETACHED_B64_LEN + 1], const as_mini_detached *d)
{
    uint8_t raw[SIG_LEN];
    memcpy(raw, d->alg, 2);
    memcpy(raw + 2, d->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(raw + 2 + AS_MINI_KEYNUM_LEN, d->sig, crypto_sign_BYTES);
    as_b64_encode(out, raw, sizeof raw, AS_B64_PADDED);
}

/* The key id is compared before any signature is checked, so another key's signature is
 * reported as such and not as a forgery. */
static int keyid_check(const as_mini_pubkey *pk, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                       as_error *err)
{
    if (sodium_memcmp(keynum, pk->keynum, AS_MINI_KEYNUM_LEN) == 0)
        return 0;
    char got[AS_MINI_KEYID_STR], want[AS_MINI_KEYID_STR];
    as_mini_keyid(keynum, got);
    as_mini_keyid(pk->keynum, want);
    return as_fail(err, AS_ERR_KEY, "signature was made by key %s, not by key %s", got, want);
}

static int sig_failed(as_error *err)
{
    return as_fail(err, AS_ERR_SIGNATURE,
                   "signature verification failed (data modified or signature forged)");
}

void as_mini_detached_sign(char out[AS_MINI_DETACHED_B64_LEN + 1], const as_mini_seckey *sk,
                           const void *msg, size_t len)
{
    as_mini_detached d;
    uint8_t h[AS_MINI_PREHASH_LEN];
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, msg, len);
    as_mini_prehash_final(&ph, h);
    memcpy(d.alg, "ED", 2);
    memcpy(d.keynum, sk->keynum, AS_MINI_KEYNUM_LEN);
    crypto_sign_detached(d.sig, NULL, h, sizeof h, sk->sk);
    sigline_encode(out, &d);
}

int as_mini_detached_parse(as_mini_detached *out, const char *b64, size_t len, bool allow_legacy,
                           as_error *err)
{
    int rc = sigline_decode(out, b64, len);
    if (rc == -1)
        return as_fail(err, AS_ERR_FORMAT, "malformed signature (bad base64 or length)");
    if (rc == -2 || (!allow_legacy && memcmp(out->alg, "Ed", 2) == 0))
        return as_fail(err, AS_ERR_FORMAT, "unsupported signature algorithm");
    return 0;
}

int as_mini_detached_verify(const as_mini_pubkey *pk, const as_mini_detached *d, const void *msg,
                            size_t len, as_error *err)
{
    if (keyid_check(pk, d->keynum, err) != 0)
        return -1;
    uint8_t h[AS_MINI_PREHASH_LEN];
    const void *signed_msg = msg;
    size_t signed_len = len;
    if (memcmp(d->alg, "ED", 2) == 0) {
        as_mini_prehash ph;
        as_mini_prehash_init(&ph);
        as_mini_prehash_update(&ph, msg, len);
        as_mini_prehash_final(&ph, h);
        signed_msg = h;
        signed_len = sizeof h;
    }
    if (crypto_sign_verify_detached(d->sig, signed_msg, signed_len, pk->pk) != 0)
        return sig_failed(err);
    return 0;
}

static int comment_ok(const char *s, size_t n)
{
    return as_utf8_valid(s, n) && as_text_printable(s, n, true);
}

int as_mini_sign(as_mini_sig *out, const as_mini_seckey *sk,
                 const uint8_t prehash[AS_MINI_PREHASH_LEN], const char *trusted,
                 const char *untrusted, as_error *err)
{
    if (untrusted == NULL)
        untrusted = "signature from minisign secret key";
    size_t tlen = strlen(trusted), ulen = strlen(untrusted);
    if (tlen + sizeof TRUSTED_PREFIX >= AS_MINI_TRUSTED_MAX || !comment_ok(trusted, tlen))
        return as_fail(err, AS_ERR_INTERNAL, "trusted comment too long or not printable");
    if (ulen + sizeof UNTRUSTED_PREFIX >= AS_MINI_UNTRUSTED_MAX || !comment_ok(untrusted, ulen))
        return as_fail(err, AS_ERR_INTERNAL, "untrusted comment too long or not printable");
    memset(out, 0, sizeof *out);
    memcpy(out->alg, "ED", 2);
    memcpy(out->keynum, sk->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(out->trusted, trusted, tlen + 1);
    memcpy(out->untrusted, untrusted, ulen + 1);
    crypto_sign_detached(out->sig, NULL, prehash, AS_MINI_PREHASH_LEN, sk->sk);
    uint8_t *global = malloc(crypto_sign_BYTES + tlen);
    if (global == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(global, out->sig, crypto_sign_BYTES);
    memcpy(global + crypto_sign_BYTES, trusted, tlen);
    crypto_sign_detached(out->global_sig, NULL, global, crypto_sign_BYTES + tlen, sk->sk);
    free(global);
    return 0;
}

int as_mini_sig_parse(as_mini_sig *out, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    const char *line;
    size_t n;
    memset(out, 0, sizeof *out);
    as_cursor_init(&c, data, len);
    if (next_line(&c, &line, &n, AS_MINI_UNTRUSTED_MAX - 1) != 0 ||
        !has_prefix(line, n, UNTRUSTED_PREFIX))
        return as_fail(err, AS_ERR_FORMAT,
                       "not a minisign signature (bad or overlong untrusted comment line)");
    n -= strlen(UNTRUSTED_PREFIX);
    line += strlen(UNTRUSTED_PREFIX);
    if (!as_utf8_valid(line, n))
        return as_fail(err, AS_ERR_FORMAT, "signature's untrusted comment is not UTF-8");
    memcpy(out->untrusted, line, n);
    as_mini_detached d;
    int bad = next_line(&c, &line, &n, 256) != 0 ? -1 : sigline_decode(&d, line, n);
    if (bad == -1)
        return as_fail(err, AS_ERR_FORMAT, "not a minisign signature (bad signature line)");
    if (bad == -2)
        return as_fail(err, AS_ERR_FORMAT, "unsupported signature algorithm");
    memcpy(out->alg, d.alg, 2);
    memcpy(out->keynum, d.keynum, AS_MINI_KEYNUM_LEN);
    memcpy(out->sig, d.sig, crypto_sign_BYTES);
    if (next_line(&c, &line, &n, AS_MINI_TRUSTED_MAX - 1) != 0 ||
        !has_prefix(line, n, TRUSTED_PREFIX))
        return as_fail(err, AS_ERR_FORMAT,
                       "not a minisign signature (bad or overlong trusted comment line)");
    n -= strlen(TRUSTED_PREFIX);
    line += strlen(TRUSTED_PREFIX);
    if (!comment_ok(line, n))
        return as_fail(err, AS_ERR_FORMAT,
                       "signature's trusted comment has control characters or is not UTF-8");
    memcpy(out->trusted, line, n);
    if (next_line(&c, &line, &n, 256) != 0 ||
        as_b64_decode_exact(out->global_sig, crypto_sign_BYTES, line, n, AS_B64_PADDED) != 0)
        return as_fail(err, AS_ERR_FORMAT, "not a minisign signature (bad global signature)");
    while (as_cursor_left(&c) > 0)
        if (next_line(&c, &line, &n, 256) != 0 || n != 0)
            return as_fail(err, AS_ERR_FORMAT, "unexpected data after the signature");
    return 0;
}

int as_mini_sig_format(as_buf *out, const as_mini_sig *s, as_error *err)
{
    char b64sig[AS_MINI_DETACHED_B64_LEN + 1], b64global[128];
    as_mini_detached d;
    memcpy(d.alg, s->alg, 2);
    memcpy(d.keynum, s->keynum, AS_MINI_KEYNUM_LEN);
    memcpy(d.sig, s->sig, crypto_sign_BYTES);
    sigline_encode(b64sig, &d);
    as_b64_encode(b64global, s->global_sig, crypto_sign_BYTES, AS_B64_PADDED);
    return as_buf_printf(out, err, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n",
                         s->untrusted, b64sig, s->trusted, b64global);
}

int as_mini_verify(const as_mini_pubkey *pk, const as_mini_sig *s,
                   const uint8_t prehash[AS_MINI_PREHASH_LEN], const uint8_t *msg, size_t msglen,
                   bool allow_legacy, as_error *err)
{
    int legacy = memcmp(s->alg, "Ed", 2) == 0;
    if (legacy && !allow_legacy)
        return as_fail(err, AS_ERR_SIGNATURE,
                       "legacy (non-prehashed) minisign signature; only ED signatures are "
                       "accepted");
    if (keyid_check(pk, s->keynum, err) != 0)
        return -1;
    int bad;
    if (legacy)
        bad = msg == NULL || crypto_sign_verify_detached(s->sig, msg, msglen, pk->pk) != 0;
    else
        bad = crypto_sign_verify_detached(s->sig, prehash, AS_MINI_PREHASH_LEN, pk->pk) != 0;
    if (bad)
        return sig_failed(err);
    size_t tlen = strnlen(s->trusted, sizeof s->trusted);
    uint8_t *global = malloc(crypto_sign_BYTES + tlen);
    if (global == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(global, s->sig, crypto_sign_BYTES);
    memcpy(global + crypto_sign_BYTES, s->trusted, tlen);
    bad = crypto_sign_verify_detached(s->global_sig, global, crypto_sign_BYTES + tlen, pk->pk);
    free(global);
    if (bad)
        return as_fail(err, AS_ERR_SIGNATURE,
                       "trusted comment signature verification failed (comment modified)");
    return 0;
}

int as_mini_verify_file(const as_mini_pubkey *pk, const as_mini_sig *s, const char *path,
                        bool allow_legacy, as_error *err)
{
    if (memcmp(s->alg, "Ed", 2) == 0 && allow_legacy) {
        uint8_t *msg;
        size_t len;
        if (as_file_read_all(path, (size_t)1 << 30, &msg, &len, err) != 0)
            return -1;
        int rc = as_mini_verify(pk, s, NULL, msg, len, true, err);
        free(msg);
        return rc;
    }
    uint8_t h[AS_MINI_PREHASH_LEN];
    if (memcmp(s->alg, "ED", 2) == 0 && as_mini_prehash_file(path, h, err) != 0)
        return -1;
    return as_mini_verify(pk, s, h, NULL, 0, allow_legacy, err);
}
