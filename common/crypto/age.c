/* age.c: age v1 header, recipients and STREAM payload; see age.h. */
#include "age.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base64.h"
#include "../core/secret.h"
#include "../core/text.h"
#include "armor.h"
#include "hkdf.h"
#include "hpke.h"

#define VERSION_LINE "age-encryption.org/v1"
#define X25519_INFO "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define MLKEM_TYPE "mlkem768x25519"
#define MLKEM_INFO "age-encryption.org/mlkem768x25519" /* the HPKE info of C2SP age.md */
#define LINE_MAX_LEN 4096
#define BODY_COLUMNS 64
#define ENC_CHUNK (AS_AGE_CHUNK + AS_AGE_TAG)

/* Key material of one file, in secure memory. */
typedef struct age_secrets {
    uint8_t file_key[AS_AGE_FILE_KEY_LEN];
    uint8_t payload_key[32];
    uint8_t hmac_key[32];
    uint8_t wrap_key[32];
    uint8_t shared[32];
    uint8_t ephemeral[32];
} age_secrets;

static int header_fail(as_error *err, const char *why)
{
    return as_fail(err, AS_ERR_HEADER, "invalid age header: %s", why);
}

/* ------------------------------------------------------------------ header parsing */

void as_age_header_free(as_age_header *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->nstanzas; i++) {
        for (size_t a = 0; a < h->stanzas[i].nargs; a++)
            free((char *)h->stanzas[i].args[a]);
        free(h->stanzas[i].body);
    }
    free(h->stanzas);
    free(h->text);
    memset(h, 0, sizeof *h);
}

static int parse_args(as_age_stanza *st, const char *s, size_t n, as_error *err)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < n && s[i] != ' ')
            i++;
        if (i == start)
            return header_fail(err, "empty argument in stanza");
        for (size_t k = start; k < i; k++)
            if (s[k] < 0x21 || s[k] > 0x7e)
                return header_fail(err, "invalid character in stanza argument");
        if (st->nargs == AS_AGE_MAX_ARGS)
            return header_fail(err, "too many stanza arguments");
        char *arg = malloc(i - start + 1);
        if (arg == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        memcpy(arg, s + start, i - start);
        arg[i - start] = '\0';
        st->args[st->nargs++] = arg;
        if (i == n)
            return 0;
        i++; /* the single separating space */
    }
}

static int parse_body(as_age_stanza *st, as_cursor *c, as_error *err)
{
    as_buf text;
    as_buf_init(&text, AS_AGE_HEADER_MAX);
    int rc = -1;
    for (;;) {
        const char *line;
        size_t n;
        if (as_cursor_line(c, &line, &n, LINE_MAX_LEN) != 0) {
            header_fail(err, "stanza body is not terminated");
            goto out;
        }
        if (n > BODY_COLUMNS || !as_b64_is_alphabet(line, n)) {
            header_fail(err, "malformed stanza body line (a body ends with a line shorter than "
                             "64 columns)");
            goto out;
        }
        if (as_buf_append(&text, line, n, err) != 0)
            goto out;
        if (n < BODY_COLUMNS)
            break;
    }
    size_t cap = text.len / 4 * 3 + 3;
    st->body = malloc(cap);
    if (st->body == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    long len = as_b64_decode(st->body, cap, (const char *)text.data, text.len, AS_B64_UNPADDED);
    if (len < 0) {
        header_fail(err, "stanza body is not canonical base64");
        goto out;
    }
    st->body_len = (size_t)len;
    rc = 0;
out:
    as_buf_free(&text);
    return rc;
}

int as_age_header_parse(as_age_header *h, const uint8_t *text, size_t len, as_error *err)
{
    memset(h, 0, sizeof *h);
    if (len > AS_AGE_HEADER_MAX)
        return header_fail(err, "header too large");
    if (memchr(text, '\r', len) != NULL)
        return header_fail(err, "carriage return in header (line endings must be LF)");
    h->text = malloc(len + 1);
    if (h->text == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    memcpy(h->text, text, len);
    h->text[len] = '\0';
    h->text_len = len;

    as_cursor c;
    as_cursor_init(&c, h->text, len);
    const char *line;
    size_t n;
    if (as_cursor_line(&c, &line, &n, LINE_MAX_LEN) != 0 || n != strlen(VERSION_LINE) ||
        memcmp(line, VERSION_LINE, n) != 0) {
        if (len >= 19 && memcmp(text, "age-encryption.org/", 19) == 0)
            header_fail(err, "unsupported age version");
        else
            as_fail(err, AS_ERR_HEADER, "not an age file (no age-encryption.org/v1 line)");
        goto fail;
    }
    for (;;) {
        if (as_cursor_line(&c, &line, &n, LINE_MAX_LEN) != 0) {
            header_fail(err, "missing MAC line");
            goto fail;
        }
        if (n >= 3 && memcmp(line, "---", 3) == 0) {
            h->mac_covered = (size_t)(line - h->text) + 3;
            if (n != 4 + 43 || line[3] != ' ' ||
                as_b64_decode_exact(h->mac, 32, line + 4, 43, AS_B64_UNPADDED) != 0) {
                header_fail(err, "malformed MAC line");
                goto fail;
            }
            if (as_cursor_end(&c) != 0) {
                header_fail(err, "data after the MAC line");
                goto fail;
            }
            break;
        }
        if (n < 3 || memcmp(line, "-> ", 3) != 0) {
            header_fail(err, "expected a stanza or the MAC line");
            goto fail;
        }
        if (h->nstanzas == AS_AGE_MAX_STANZAS) {
            header_fail(err, "too many stanzas");
            goto fail;
        }
        as_age_stanza *v = realloc(h->stanzas, (h->nstanzas + 1) * sizeof *v);
        if (v == NULL) {
            as_fail(err, AS_ERR_NOMEM, "out of memory");
            goto fail;
        }
        h->stanzas = v;
        as_age_stanza *st = &h->stanzas[h->nstanzas++];
        memset(st, 0, sizeof *st);
        if (parse_args(st, line + 3, n - 3, err) != 0 || parse_body(st, &c, err) != 0)
            goto fail;
    }
    if (h->nstanzas == 0) {
        header_fail(err, "no recipient stanza");
        goto fail;
    }
    return 0;
fail:
    as_age_header_free(h);
    return -1;
}

/* ------------------------------------------------------------------ wrapping */

static const uint8_t zero_nonce[12];

/* Result of trying one identity on one stanza. */
enum {
    UNWRAP_ERROR = -1,
    UNWRAP_NO_MATCH = 0,
    UNWRAP_OK = 1
};

static int unwrap_x25519(const as_age_stanza *st, const as_age_identity *id, age_secrets *sec,
                         as_error *err)
{
    if (strcmp(st->args[0], "X25519") != 0)
        return UNWRAP_NO_MATCH;
    uint8_t share[32], salt[64];
    if (st->nargs != 2)
        return header_fail(err, "X25519 stanza must have exactly one argument");
    if (as_b64_decode_exact(share, 32, st->args[1], strlen(st->args[1]), AS_B64_UNPADDED) != 0)
        return header_fail(err, "X25519 share is not 32 bytes of canonical base64");
    if (st->body_len != 32)
        return header_fail(err, "X25519 stanza body is not 32 bytes");
    /* libsodium refuses (returns -1) when the shared secret is all zeros: a low-order share. */
    if (crypto_scalarmult(sec->shared, id->sk, share) != 0)
        return header_fail(err, "X25519 share is a low-order point");
    memcpy(salt, share, 32);
    memcpy(salt + 32, id->pk, 32);
    as_hkdf_sha256(sec->wrap_key, sec->shared, 32, salt, sizeof salt, X25519_INFO);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(sec->file_key, NULL, NULL, st->body, st->body_len,
                                                  NULL, 0, zero_nonce, sec->wrap_key) != 0)
        return UNWRAP_NO_MATCH;
    return UNWRAP_OK;
}

/* An mlkem768x25519 stanza: `-> mlkem768x25519 <enc>` with enc the 1120-byte X-Wing
 * ciphertext, the body the HPKE seal of the file key. A stanza for another key fails the
 * AEAD tag (X-Wing's implicit rejection gives an unrelated key) and is not a match. */
static int unwrap_mlkem(const as_age_stanza *st, const as_age_pq_identity *id, age_secrets *sec,
                        as_error *err)
{
    if (strcmp(st->args[0], MLKEM_TYPE) != 0)
        return UNWRAP_NO_MATCH;
    uint8_t enc[AS_HPKE_ENC_LEN];
    as_error why = {0};
    if (st->nargs != 2)
        return header_fail(err, "mlkem768x25519 stanza must have exactly one argument");
    if (as_b64_decode_exact(enc, sizeof enc, st->args[1], strlen(st->args[1]), AS_B64_UNPADDED) !=
        0)
        return header_fail(err, "mlkem768x25519 share is not 1120 bytes of canonical base64");
    if (st->body_len != 32)
        return header_fail(err, "mlkem768x25519 stanza body is not 32 bytes");
    if (as_hpke_open(sec->file_key, id->seed, enc, (const uint8_t *)MLKEM_INFO,
                     sizeof MLKEM_INFO - 1, NULL, 0, st->body, st->body_len, &why) == 0)
        return UNWRAP_OK;
    if (why.code == AS_ERR_KEY)
        return UNWRAP_NO_MATCH;
    if (why.code == AS_ERR_FORMAT) /* the X25519 part of enc has low order */
        return header_fail(err, "mlkem768x25519 share has a low-order X25519 part");
    *err = why;
    return UNWRAP_ERROR;
}

static int unwrap_scrypt(const as_age_stanza *st, const as_age_keyring *k, age_secrets *sec,
                         as_error *err)
{
    if (strcmp(st->args[0], "scrypt") != 0)
        return UNWRAP_NO_MATCH;
    uint8_t salt[sizeof SCRYPT_LABEL - 1 + 16];
    uint64_t log_n;
    unsigned cap = k->scrypt_max_log_n ? k->scrypt_max_log_n : AS_AGE_SCRYPT_MAX_LOG_N;
    if (st->nargs != 3)
        return header_fail(err, "scrypt stanza must have exactly two arguments");
    memcpy(salt, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
    if (as_b64_decode_exact(salt + sizeof SCRYPT_LABEL - 1, 16, st->args[1], strlen(st->args[1]),
                            AS_B64_UNPADDED) != 0)
        return header_fail(err, "scrypt salt is not 16 bytes of canonical base64");
    if (as_parse_u64(st->args[2], strlen(st->args[2]), 63, false, &log_n) != 0)
        return header_fail(err, "scrypt work factor is not a canonical decimal number");
    if (log_n > cap)
        return as_fail(err, AS_ERR_HEADER,
                       "invalid age header: scrypt work factor too large: %llu (limit %u)",
                       (unsigned long long)log_n, cap);
    if (st->body_len != 32)
        return header_fail(err, "scrypt stanza body is not 32 bytes");
    if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)k->passphrase, k->passphrase_len,
                                              salt, sizeof salt, (uint64_t)1 << log_n, 8, 1,
                                              sec->wrap_key, 32) != 0)
        return as_fail(err, AS_ERR_NOMEM, "scrypt failed (out of memory?)");
    if (crypto_aead_chacha20poly1305_ietf_decrypt(sec->file_key, NULL, NULL, st->body, st->body_len,
                                                  NULL, 0, zero_nonce, sec->wrap_key) != 0)
        return UNWRAP_NO_MATCH;
    return UNWRAP_OK;
}

static int unwrap_file_key(const as_age_header *h, const as_age_keyring *k, age_secrets *sec,
                           as_error *err)
{
    for (size_t i = 0; i < h->nstanzas; i++)
        if (strcmp(h->stanzas[i].args[0], "scrypt") == 0 && h->nstanzas != 1)
            return header_fail(err, "an scrypt stanza must be the only stanza");
    for (size_t id = 0; id < k->nidentities; id++) {
        for (size_t i = 0; i < h->nstanzas; i++) {
            int r = unwrap_x25519(&h->stanzas[i], k->identities[id], sec, err);
            if (r != UNWRAP_NO_MATCH)
                return r == UNWRAP_OK ? 0 : -1;
        }
    }
    for (size_t id = 0; id < k->npq_identities; id++) {
        for (size_t i = 0; i < h->nstanzas; i++) {
            int r = unwrap_mlkem(&h->stanzas[i], k->pq_identities[id], sec, err);
            if (r != UNWRAP_NO_MATCH)
                return r == UNWRAP_OK ? 0 : -1;
        }
    }
    if (k->passphrase != NULL) {
        for (size_t i = 0; i < h->nstanzas; i++) {
            int r = unwrap_scrypt(&h->stanzas[i], k, sec, err);
            if (r != UNWRAP_NO_MATCH)
                return r == UNWRAP_OK ? 0 : -1;
        }
    }
    return as_fail(err, AS_ERR_NO_MATCH, "no identity matched any of the %zu recipient stanza%s",
                   h->nstanzas, h->nstanzas == 1 ? "" : "s");
}

static void header_mac(uint8_t mac[32], const uint8_t *text, size_t n, age_secrets *sec)
{
    as_hkdf_sha256(sec->hmac_key, sec->file_key, AS_AGE_FILE_KEY_LEN, NULL, 0, "header");
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, sec->hmac_key, 32);
    crypto_auth_hmacsha256_update(&st, text, n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

/* ------------------------------------------------------------------ STREAM */

static void chunk_nonce(uint8_t nonce[12], uint64_t counter, int last)
{
    memset(nonce, 0, 12);
    for (int i = 10; i >= 3; i--, counter >>= 8)
        nonce[i] = (uint8_t)counter;
    nonce[11] = last ? 1 : 0;
}

uint64_t as_age_payload_size(uint64_t n)
{
    uint64_t chunks = n == 0 ? 1 : (n + AS_AGE_CHUNK - 1) / AS_AGE_CHUNK;
    return AS_AGE_NONCE_LEN + n + chunks * AS_AGE_TAG;
}

/* ------------------------------------------------------------------ decryption */

struct as_age_decryptor {
    as_reader base;
    as_bufreader raw;      /* over the caller's source; peeked to detect armor */
    as_armor_reader armor; /* over raw, when armored */
    as_bufreader br;       /* over raw or armor: header lines, then payload */
    as_age_header header;
    age_secrets *sec;
    uint64_t counter;
    uint8_t *in;
    uint8_t *out;
    size_t outpos, outlen;
    int state;          /* 0 streaming, 1 at verified end, -1 failed */
    bool end_pending;   /* the final chunk is being released; then report the end */
    as_error end_error; /* set if data follows the final chunk */
};

static int payload_fail(as_age_decryptor *d, as_error *err, const char *why)
{
    d->state = -1;
    return as_fail(err, AS_ERR_PAYLOAD, "damaged age payload: %s", why);
}

/* Reads, authenticates and decrypts the next chunk into d->out (age's algorithm: a chunk
 * shorter than 64 KiB + 16 is the last; a full one is tried as non-final, then as final). */
static int next_chunk(as_age_decryptor *d, as_error *err)
{
    ssize_t n = as_read_full(&d->br.base, d->in, ENC_CHUNK, err);
    if (n < 0) {
        d->state = -1;
        return -1;
    }
    int last = 0;
    if (n == 0)
        return payload_fail(d, err,
                            d->counter == 0 ? "no payload chunks"
                                            : "truncated (the final chunk is missing)");
    if (n < ENC_CHUNK) {
        last = 1;
        if (n < AS_AGE_TAG)
            return payload_fail(d, err, "chunk shorter than its tag (truncated)");
        if (n == AS_AGE_TAG && d->counter > 0)
            return payload_fail(d, err, "empty final chunk");
    }
    if (d->counter == UINT64_MAX)
        return payload_fail(d, err, "too many chunks");
    uint8_t nonce[12];
    unsigned long long outlen;
    chunk_nonce(nonce, d->counter, last);
    int rc = crypto_aead_chacha20poly1305_ietf_decrypt(d->out, &outlen, NULL, d->in, (size_t)n,
                                                       NULL, 0, nonce, d->sec->payload_key);
    if (rc != 0 && !last) {
        last = 1;
        chunk_nonce(nonce, d->counter, last);
        rc = crypto_aead_chacha20poly1305_ietf_decrypt(d->out, &outlen, NULL, d->in, (size_t)n,
                                                       NULL, 0, nonce, d->sec->payload_key);
    }
    if (rc != 0) {
        char why[96];
        snprintf(why, sizeof why, "chunk %llu failed authentication",
                 (unsigned long long)d->counter);
        return payload_fail(d, err, why);
    }
    d->counter++;
    d->outpos = 0;
    d->outlen = (size_t)outlen;
    if (last) {
        /* The final chunk verified; anything after it is an error, reported after this
         * chunk's plaintext has been handed out, as age does. */
        uint8_t extra;
        ssize_t k = as_read_full(&d->br.base, &extra, 1, &d->end_error);
        if (k > 0)
            as_fail(&d->end_error, AS_ERR_PAYLOAD,
                    "damaged age payload: data after the final chunk");
        d->end_pending = true;
    }
    return 0;
}

static ssize_t decrypt_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    as_age_decryptor *d = (as_age_decryptor *)self;
    while (d->outpos == d->outlen) {
        if (d->state < 0)
            return as_fail(err, AS_ERR_PAYLOAD, "damaged age payload");
        if (d->state == 1)
            return 0;
        if (d->end_pending) {
            if (d->end_error.code != AS_OK) {
                d->state = -1;
                if (err != NULL && err->code == AS_OK)
                    *err = d->end_error;
                return -1;
            }
            d->state = 1;
            return 0;
        }
        if (next_chunk(d, err) != 0)
            return -1;
    }
    size_t avail = d->outlen - d->outpos;
    if (n > avail)
        n = avail;
    memcpy(buf, d->out + d->outpos, n);
    d->outpos += n;
    return (ssize_t)n;
}

/* Reads header lines up to and including the MAC line into buf. */
static int read_header(as_bufreader *br, as_buf *buf, as_error *err)
{
    char line[LINE_MAX_LEN + 2];
    for (size_t i = 0;; i++) {
        ssize_t n = as_bufreader_line(br, line, sizeof line, err);
        if (n < 0)
            return -1;
        if (n == 0)
            return header_fail(err, i == 0 ? "empty file" : "truncated header");
        if (line[n - 1] != '\n')
            return header_fail(err, (size_t)n + 1 >= sizeof line ? "header line too long"
                                                                 : "truncated header");
        if (i == 0 && ((size_t)n != sizeof VERSION_LINE ||
                       memcmp(line, VERSION_LINE "\n", sizeof VERSION_LINE) != 0)) {
            if (n >= 19 && memcmp(line, "age-encryption.org/", 19) == 0)
                return header_fail(err, "unsupported age version");
            return as_fail(err, AS_ERR_HEADER, "not an age file (no age-encryption.org/v1 line)");
        }
        if (as_buf_append(buf, line, (size_t)n, err) != 0)
            return header_fail(err, "header too large");
        if (n >= 3 && memcmp(line, "---", 3) == 0)
            return 0;
    }
}

as_age_decryptor *as_age_decrypt_open(as_reader *src, const as_age_keyring *keys,
                                      as_age_armor_mode armor, as_error *err)
{
    as_buf hdr;
    as_buf_init(&hdr, AS_AGE_HEADER_MAX);
    as_age_decryptor *d = calloc(1, sizeof *d);
    if (d == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    d->base.read = decrypt_read;
    d->sec = as_secret_alloc(sizeof *d->sec, err);
    d->in = malloc(ENC_CHUNK);
    d->out = malloc(AS_AGE_CHUNK);
    if (d->sec == NULL || d->in == NULL || d->out == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    as_bufreader_init(&d->raw, src);
    if (armor == AS_AGE_ARMOR_AUTO) {
        const uint8_t *p;
        ssize_t n = as_bufreader_peek(&d->raw, &p, 1100, err);
        if (n < 0)
            goto fail;
        armor = as_armor_detect(p, (size_t)n) ? AS_AGE_ARMOR_ALWAYS : AS_AGE_ARMOR_NEVER;
    }
    if (armor == AS_AGE_ARMOR_ALWAYS) {
        as_armor_reader_init(&d->armor, &d->raw.base);
        as_bufreader_init(&d->br, &d->armor.base);
    } else {
        as_bufreader_init(&d->br, &d->raw.base);
    }

    if (read_header(&d->br, &hdr, err) != 0 ||
        as_age_header_parse(&d->header, hdr.data, hdr.len, err) != 0 ||
        unwrap_file_key(&d->header, keys, d->sec, err) != 0)
        goto fail;

    uint8_t mac[32];
    header_mac(mac, (const uint8_t *)d->header.text, d->header.mac_covered, d->sec);
    if (sodium_memcmp(mac, d->header.mac, 32) != 0) {
        as_fail(err, AS_ERR_HMAC, "age header MAC does not verify (header modified)");
        goto fail;
    }
    uint8_t nonce[AS_AGE_NONCE_LEN];
    ssize_t n = as_read_full(&d->br.base, nonce, sizeof nonce, err);
    if (n < 0)
        goto fail;
    if (n != (ssize_t)sizeof nonce) {
        header_fail(err, "missing or short payload nonce");
        goto fail;
    }
    as_hkdf_sha256(d->sec->payload_key, d->sec->file_key, AS_AGE_FILE_KEY_LEN, nonce, sizeof nonce,
                   "payload");
    as_buf_free(&hdr);
    return d;
fail:
    as_buf_free(&hdr);
    as_age_decryptor_free(d);
    return NULL;
}

as_reader *as_age_decryptor_reader(as_age_decryptor *d)
{
    return &d->base;
}

const as_age_header *as_age_decryptor_header(const as_age_decryptor *d)
{
    return &d->header;
}

void as_age_decryptor_free(as_age_decryptor *d)
{
    if (d == NULL)
        return;
    as_secret_free(d->sec);
    if (d->out != NULL)
        sodium_memzero(d->out, AS_AGE_CHUNK);
    free(d->in);
    free(d->out);
    as_age_header_free(&d->header);
    free(d);
}

/* ------------------------------------------------------------------ encryption */

struct as_age_encryptor {
    as_writer base;
    as_writer *out; /* sink, or the armor writer in front of it */
    as_armor_writer armor;
    bool armored;
    age_secrets *sec;
    uint64_t counter;
    uint8_t *buf;
    uint8_t *ct;
    size_t buflen;
    int state; /* 0 open, 1 finished, -1 failed */
};

/* Appends a stanza body as age wraps it: 64-column lines, the last one shorter (maybe empty). */
static int put_body(as_buf *h, const uint8_t *body, size_t n, as_error *err)
{
    char b64[128];
    as_b64_encode(b64, body, n, AS_B64_UNPADDED);
    size_t len = strlen(b64), off = 0;
    for (;;) {
        size_t take = len - off < BODY_COLUMNS ? len - off : BODY_COLUMNS;
        if (as_buf_append(h, b64 + off, take, err) != 0 || as_buf_puts(h, "\n", err) != 0)
            return -1;
        off += take;
        if (take < BODY_COLUMNS)
            return 0;
    }
}

static int x25519_stanza(as_buf *h, const as_age_recipient *r, age_secrets *sec, as_error *err)
{
    uint8_t share[32], salt[64], body[32];
    char b64[64];
    randombytes_buf(sec->ephemeral, 32);
    crypto_scalarmult_base(share, sec->ephemeral);
    if (crypto_scalarmult(sec->shared, sec->ephemeral, r->pk) != 0)
        return as_fail(err, AS_ERR_KEY, "recipient key is a low-order point");
    memcpy(salt, share, 32);
    memcpy(salt + 32, r->pk, 32);
    as_hkdf_sha256(sec->wrap_key, sec->shared, 32, salt, sizeof salt, X25519_INFO);
    crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, sec->file_key, AS_AGE_FILE_KEY_LEN, NULL,
                                              0, NULL, zero_nonce, sec->wrap_key);
    as_b64_encode(b64, share, 32, AS_B64_UNPADDED);
    if (as_buf_printf(h, err, "-> X25519 %s\n", b64) != 0)
        return -1;
    return put_body(h, body, sizeof body, err);
}

static int mlkem_stanza(as_buf *h, const as_age_pq_recipient *r, age_secrets *sec, as_error *err)
{
    uint8_t enc[AS_HPKE_ENC_LEN], body[AS_AGE_FILE_KEY_LEN + AS_HPKE_TAG_LEN];
    char b64[1500];
    if (as_hpke_seal(enc, body, r->pk, (const uint8_t *)MLKEM_INFO, sizeof MLKEM_INFO - 1, NULL, 0,
                     sec->file_key, AS_AGE_FILE_KEY_LEN, err) != 0)
        return -1;
    as_b64_encode(b64, enc, sizeof enc, AS_B64_UNPADDED);
    if (as_buf_printf(h, err, "-> " MLKEM_TYPE " %s\n", b64) != 0)
        return -1;
    return put_body(h, body, sizeof body, err);
}

static int scrypt_stanza(as_buf *h, const as_age_encrypt_opts *o, age_secrets *sec, as_error *err)
{
    uint8_t salt[sizeof SCRYPT_LABEL - 1 + 16], body[32];
    char b64[32];
    unsigned log_n = o->scrypt_log_n ? o->scrypt_log_n : AS_AGE_SCRYPT_LOG_N;
    if (log_n < 1 || log_n > AS_AGE_SCRYPT_MAX_LOG_N)
        return as_fail(err, AS_ERR_USAGE, "scrypt work factor %u outside 1..%d", log_n,
                       AS_AGE_SCRYPT_MAX_LOG_N);
    memcpy(salt, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
    randombytes_buf(salt + sizeof SCRYPT_LABEL - 1, 16);
    if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)o->passphrase, o->passphrase_len,
                                              salt, sizeof salt, (uint64_t)1 << log_n, 8, 1,
                                              sec->wrap_key, 32) != 0)
        return as_fail(err, AS_ERR_NOMEM, "scrypt failed (out of memory?)");
    crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, sec->file_key, AS_AGE_FILE_KEY_LEN, NULL,
                                              0, NULL, zero_nonce, sec->wrap_key);
    as_b64_encode(b64, salt + sizeof SCRYPT_LABEL - 1, 16, AS_B64_UNPADDED);
    if (as_buf_printf(h, err, "-> scrypt %s %u\n", b64, log_n) != 0)
        return -1;
    return put_body(h, body, sizeof body, err);
}

static int seal_chunk(as_age_encryptor *e, int last, as_error *err)
{
    uint8_t nonce[12];
    unsigned long long ctlen;
    if (e->counter == UINT64_MAX)
        return as_fail(err, AS_ERR_LIMIT, "plaintext too long for age");
    chunk_nonce(nonce, e->counter++, last);
    crypto_aead_chacha20poly1305_ietf_encrypt(e->ct, &ctlen, e->buf, e->buflen, NULL, 0, NULL,
                                              nonce, e->sec->payload_key);
    e->buflen = 0;
    return as_write(e->out, e->ct, (size_t)ctlen, err);
}

static int encrypt_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    as_age_encryptor *e = (as_age_encryptor *)self;
    if (e->state != 0)
        return as_fail(err, AS_ERR_INTERNAL, "write to a finished or failed age encryptor");
    while (n > 0) {
        /* A full buffer is sealed as non-final only once more data arrives; the final chunk
         * is sealed by finish(), so a multiple of 64 KiB ends with a full final chunk. */
        if (e->buflen == AS_AGE_CHUNK && seal_chunk(e, 0, err) != 0) {
            e->state = -1;
            return -1;
        }
        size_t take = AS_AGE_CHUNK - e->buflen;
        if (take > n)
            take = n;
        memcpy(e->buf + e->buflen, p, take);
        e->buflen += take;
        p += take;
        n -= take;
    }
    return 0;
}

as_age_encryptor *as_age_encrypt_begin(const as_age_encrypt_opts *o, as_writer *sink, as_error *err)
{
    as_buf h;
    as_buf_init(&h, AS_AGE_HEADER_MAX);
    if ((o->nrecipients + o->npq_recipients == 0) == (o->passphrase == NULL)) {
        as_fail(err, AS_ERR_USAGE, "encrypt to recipients or to a passphrase, not both or none");
        return NULL;
    }
    as_age_encryptor *e = calloc(1, sizeof *e);
    if (e == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    e->base.write = encrypt_write;
    e->sec = as_secret_alloc(sizeof *e->sec, err);
    e->buf = malloc(AS_AGE_CHUNK);
    e->ct = malloc(ENC_CHUNK);
    if (e->sec == NULL || e->buf == NULL || e->ct == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    e->out = sink;
    if (o->armor) {
        as_armor_writer_init(&e->armor, sink);
        e->out = &e->armor.base;
        e->armored = true;
    }
    randombytes_buf(e->sec->file_key, AS_AGE_FILE_KEY_LEN);
    if (as_buf_puts(&h, VERSION_LINE "\n", err) != 0)
        goto fail;
    for (size_t i = 0; i < o->nrecipients; i++)
        if (x25519_stanza(&h, &o->recipients[i], e->sec, err) != 0)
            goto fail;
    for (size_t i = 0; i < o->npq_recipients; i++)
        if (mlkem_stanza(&h, &o->pq_recipients[i], e->sec, err) != 0)
            goto fail;
    if (o->passphrase != NULL && scrypt_stanza(&h, o, e->sec, err) != 0)
        goto fail;
    if (as_buf_puts(&h, "---", err) != 0)
        goto fail;
    uint8_t mac[32], nonce[AS_AGE_NONCE_LEN];
    char b64[48];
    header_mac(mac, h.data, h.len, e->sec);
    as_b64_encode(b64, mac, sizeof mac, AS_B64_UNPADDED);
    if (as_buf_printf(&h, err, " %s\n", b64) != 0)
        goto fail;
    randombytes_buf(nonce, sizeof nonce);
    as_hkdf_sha256(e->sec->payload_key, e->sec->file_key, AS_AGE_FILE_KEY_LEN, nonce, sizeof nonce,
                   "payload");
    if (as_write(e->out, h.data, h.len, err) != 0 ||
        as_write(e->out, nonce, sizeof nonce, err) != 0)
        goto fail;
    as_buf_free(&h);
    return e;
fail:
    as_buf_free(&h);
    as_age_encryptor_free(e);
    return NULL;
}

as_writer *as_age_encryptor_writer(as_age_encryptor *e)
{
    return &e->base;
}

int as_age_encrypt_finish(as_age_encryptor *e, as_error *err)
{
    if (e->state != 0)
        return as_fail(err, AS_ERR_INTERNAL, "age encryptor already finished or failed");
    e->state = 1;
    if (seal_chunk(e, 1, err) != 0)
        goto fail;
    if (e->armored && as_armor_writer_finish(&e->armor, err) != 0)
        goto fail;
    return 0;
fail:
    e->state = -1;
    return -1;
}

void as_age_encryptor_free(as_age_encryptor *e)
{
    if (e == NULL)
        return;
    as_secret_free(e->sec);
    if (e->buf != NULL)
        sodium_memzero(e->buf, AS_AGE_CHUNK);
    free(e->buf);
    free(e->ct);
    free(e);
}
