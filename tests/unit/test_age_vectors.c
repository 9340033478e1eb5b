/*
 * test_age_vectors: runs the C2SP age test vectors (../shared/vectors/age, format described in
 * FORMAT.md there) through airseal's age decryptor and prints TAP lines and the summary
 * "age vectors: N passed, N failed, N skipped". Post-quantum hybrid vectors (mlkem768x25519,
 * `AGE-SECRET-KEY-PQ-1...` identities) run like the others; only vectors with an unknown key
 * would be skipped.
 *
 * usage: test_age_vectors DIR EXPECTED_PASSED EXPECTED_SKIPPED
 * Exits 0 only if nothing failed and the counts are exactly the expected ones.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/core/file.h"
#include "common/core/secret.h"
#include "common/core/text.h"
#include "common/crypto/age.h"
#include "common/crypto/sha256.h"

#define MAX_KEYS 8

typedef struct vector {
    char expect[32];
    char payload[65];
    char *identities[MAX_KEYS];
    size_t nidentities;
    char *passphrases[MAX_KEYS];
    size_t npassphrases;
    int armored, compressed, unknown_key;
    const uint8_t *body;
    size_t body_len;
} vector;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int parse_vector(vector *v, const uint8_t *data, size_t len)
{
    memset(v, 0, sizeof *v);
    size_t off = 0;
    for (;;) {
        const uint8_t *nl = memchr(data + off, '\n', len - off);
        if (nl == NULL)
            return -1;
        size_t n = (size_t)(nl - (data + off));
        const char *line = (const char *)data + off;
        off += n + 1;
        if (n == 0)
            break;
        const char *colon = memchr(line, ':', n);
        if (colon == NULL || colon + 1 >= line + n || colon[1] != ' ')
            return -1;
        size_t klen = (size_t)(colon - line);
        const char *val = colon + 2;
        size_t vlen = n - klen - 2;
#define KEY(k) (klen == strlen(k) && memcmp(line, k, klen) == 0)
        if (KEY("expect")) {
            if (vlen >= sizeof v->expect)
                return -1;
            memcpy(v->expect, val, vlen);
        } else if (KEY("payload")) {
            if (vlen != 64)
                return -1;
            memcpy(v->payload, val, 64);
        } else if (KEY("identity")) {
            if (v->nidentities == MAX_KEYS)
                return -1;
            v->identities[v->nidentities++] = dup_n(val, vlen);
        } else if (KEY("passphrase")) {
            if (v->npassphrases == MAX_KEYS)
                return -1;
            v->passphrases[v->npassphrases++] = dup_n(val, vlen);
        } else if (KEY("armored")) {
            v->armored = vlen == 3 && memcmp(val, "yes", 3) == 0;
        } else if (KEY("compressed")) {
            if (!(vlen == 4 && memcmp(val, "zlib", 4) == 0))
                v->unknown_key = 1;
            v->compressed = 1;
        } else if (KEY("file key") || KEY("comment")) {
            /* informational */
        } else {
            v->unknown_key = 1;
        }
#undef KEY
    }
    v->body = data + off;
    v->body_len = len - off;
    return 0;
}

static void free_vector(vector *v)
{
    for (size_t i = 0; i < v->nidentities; i++)
        free(v->identities[i]);
    for (size_t i = 0; i < v->npassphrases; i++)
        free(v->passphrases[i]);
}

static uint8_t *inflate_all(const uint8_t *in, size_t n, size_t *outlen)
{
    size_t cap = 32u << 20;
    uint8_t *out = malloc(cap);
    uLongf len = cap;
    if (out == NULL || uncompress(out, &len, in, n) != Z_OK) {
        free(out);
        return NULL;
    }
    *outlen = len;
    return out;
}

static const char *class_of(as_errcode c)
{
    switch (c) {
    case AS_ERR_ARMOR:
        return "armor failure";
    case AS_ERR_HEADER:
        return "header failure";
    case AS_ERR_NO_MATCH:
        return "no match";
    case AS_ERR_HMAC:
        return "HMAC failure";
    case AS_ERR_PAYLOAD:
        return "payload failure";
    default:
        return as_errcode_name(c);
    }
}

/* Decrypts; returns the outcome class and the hex SHA-256 of the plaintext released. */
static const char *run(vector *v, const uint8_t *file, size_t len, char hash[65], char *why,
                       size_t whylen)
{
    as_error err = {0};
    as_age_identity *ids[MAX_KEYS];
    as_age_pq_identity *pq[MAX_KEYS];
    size_t nids = 0, npq = 0;
    const char *outcome = "success";
    for (size_t i = 0; i < v->nidentities; i++) {
        const char *s = v->identities[i];
        if (strncmp(s, "AGE-SECRET-KEY-PQ-", 18) == 0 &&
            (pq[npq] = as_age_pq_identity_parse(s, strlen(s), &err)) != NULL) {
            npq++;
            continue;
        }
        if (err.code == AS_OK && (ids[nids] = as_age_identity_parse(s, strlen(s), &err)) != NULL) {
            nids++;
            continue;
        }
        snprintf(why, whylen, "identity: %s", err.msg);
        outcome = "bad identity";
        goto out;
    }
    as_age_keyring keys = {
        .identities = ids, .nidentities = nids, .pq_identities = pq, .npq_identities = npq};
    if (v->npassphrases > 0) {
        keys.passphrase = v->passphrases[0];
        keys.passphrase_len = strlen(v->passphrases[0]);
    }
    as_mem_reader src;
    as_mem_reader_init(&src, file, len);
    as_sha256_ctx h;
    as_sha256_init(&h);
    as_age_decryptor *d = as_age_decrypt_open(
        &src.base, &keys, v->armored ? AS_AGE_ARMOR_ALWAYS : AS_AGE_ARMOR_NEVER, &err);
    if (d != NULL) {
        uint8_t buf[8192];
        ssize_t n;
        while ((n = as_read(as_age_decryptor_reader(d), buf, sizeof buf, &err)) > 0)
            as_sha256_update(&h, buf, (size_t)n);
        as_age_decryptor_free(d);
    }
    uint8_t digest[32];
    as_sha256_final(&h, digest);
    as_hex_encode(hash, digest, 32);
    if (err.code != AS_OK) {
        outcome = class_of(err.code);
        snprintf(why, whylen, "%s", err.msg);
    }
out:
    for (size_t i = 0; i < nids; i++)
        as_age_identity_free(ids[i]);
    for (size_t i = 0; i < npq; i++)
        as_age_pq_identity_free(pq[i]);
    return outcome;
}

int main(int argc, char **argv)
{
    as_error err = {0};
    if (argc != 4) {
        fprintf(stderr, "usage: %s DIR EXPECTED_PASSED EXPECTED_SKIPPED\n", argv[0]);
        return 2;
    }
    if (as_crypto_init(&err) != 0)
        return 2;
    long want_pass = strtol(argv[2], NULL, 10), want_skip = strtol(argv[3], NULL, 10);
    DIR *dir = opendir(argv[1]);
    if (dir == NULL) {
        printf("not ok 1 - cannot open vector directory %s\n", argv[1]);
        return 1;
    }
    char *names[512];
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < 512) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || (n > 3 && strcmp(e->d_name + n - 3, ".md") == 0) ||
            strcmp(e->d_name, "INVENTORY.tsv") == 0)
            continue;
        names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof names[0], cmp_names);

    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < count; i++) {
        char *path = as_path_join(argv[1], names[i], &err);
        uint8_t *data = NULL, *inflated = NULL;
        size_t len;
        vector v;
        char why[600] = "", hash[65];
        if (path == NULL || as_file_read_all(path, 64u << 20, &data, &len, &err) != 0 ||
            parse_vector(&v, data, len) != 0) {
            printf("not ok %zu - %s: unreadable vector %s\n", i + 1, names[i], err.msg);
            failed++;
            goto next;
        }
        if (v.unknown_key) {
            printf("ok %zu - %s # SKIP unknown key\n", i + 1, names[i]);
            skipped++;
            free_vector(&v);
            goto next;
        }
        const uint8_t *file = v.body;
        size_t flen = v.body_len;
        if (v.compressed) {
            inflated = inflate_all(v.body, v.body_len, &flen);
            if (inflated == NULL) {
                printf("not ok %zu - %s: zlib inflate failed\n", i + 1, names[i]);
                failed++;
                free_vector(&v);
                goto next;
            }
            file = inflated;
        }
        const char *got = run(&v, file, flen, hash, why, sizeof why);
        int ok = strcmp(got, v.expect) == 0;
        if (ok && v.payload[0] != '\0' && strcmp(hash, v.payload) != 0)
            ok = 0;
        if (ok) {
            printf("ok %zu - %s (%s)\n", i + 1, names[i], v.expect);
            passed++;
        } else {
            printf("not ok %zu - %s: expected %s, got %s%s%s%s\n", i + 1, names[i], v.expect, got,
                   why[0] ? " (" : "", why, why[0] ? ")" : "");
            if (strcmp(got, v.expect) == 0)
                printf("#   released plaintext %s, expected %s\n", hash, v.payload);
            failed++;
        }
        free_vector(&v);
    next:
        free(inflated);
        free(data);
        free(path);
        free(names[i]);
        as_error_clear(&err);
    }
    printf("age vectors: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (failed == 0 && (passed != want_pass || skipped != want_skip)) {
        printf("not ok %zu - vector counts: expected %ld passed and %ld skipped\n", count + 1,
               want_pass, want_skip);
        return 1;
    }
    return failed == 0 ? 0 : 1;
}
