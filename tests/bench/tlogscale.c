/*
 * tlogscale.c: the custody log as a tree log at scale (issue 16): appends N import-sized
 * entries through one open handle (each: Ed25519 entry signature, line write + fsync, tree
 * records write + fsync, checkpoint signature and atomic write), then opens the log again
 * (the full verify: every signature, the chain, the tree file and the checkpoint), then
 * proves and verifies entries spread over the log.
 *
 *   tlogscale DIR N [PROVES]
 *
 * Prints one "name: value" line per measurement: the time per append over the first and the
 * last tenth (constant if appends are O(log n) and never rewrite), the open, the time per
 * proof and per verification, and the proof's size. DIR should be a fresh folder; on tmpfs
 * the times are the CPU work, on a disk they include the fsyncs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/core/bytes.h"
#include "common/core/secret.h"
#include "common/crypto/checkpoint.h"
#include "common/crypto/minisign.h"
#include "common/station/custody.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int die(const as_error *err)
{
    fprintf(stderr, "tlogscale: %s\n", err->msg);
    return 1;
}

/* Appends n entries shaped like an import's (12 fields, three digests). */
static int append_all(const char *path, const as_mini_seckey *sk, const as_mini_pubkey *pk,
                      uint64_t n, double *first, double *last, as_error *err)
{
    static const char hex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    as_log_field f[] = {{"bundle", hex + 32},
                        {"case", "ICC-01/22"},
                        {"signer", "9EB3DFA11BD5B5EE"},
                        {"signer-label", "Field Documentation"},
                        {"transport", "usb"},
                        {"sealed-size", "33915"},
                        {"sealed-sha256", hex},
                        {"manifest-sha256", hex},
                        {"files", "6"},
                        {"bytes", "19888"},
                        {"repaired-blocks", "0"},
                        {"receipt-sha256", hex}};
    as_custody *log;
    uint64_t tenth = n / 10 ? n / 10 : 1, seq;
    if (as_custody_open(&log, path, pk, AS_CUSTODY_APPEND, NULL, NULL, err) != 0)
        return -1;
    double t0 = now(), tl = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i == tenth)
            *first = (now() - t0) / (double)tenth;
        if (i == n - tenth)
            tl = now();
        if (as_custody_append(log, sk, "import", f, 12, 1764600000 + (time_t)i, &seq, err) != 0) {
            as_custody_close(log);
            return -1;
        }
    }
    *last = (now() - tl) / (double)tenth;
    as_custody_close(log);
    return 0;
}

int main(int argc, char **argv)
{
    as_error err = {0};
    as_mini_pubkey pk;
    if (argc < 3)
        return fprintf(stderr, "usage: tlogscale DIR N [PROVES]\n"), 2;
    uint64_t n = strtoull(argv[2], NULL, 10), proves = argc > 3 ? strtoull(argv[3], NULL, 10) : 100;
    char path[4096];
    if (as_crypto_init(&err) != 0)
        return die(&err);
    snprintf(path, sizeof path, "%s/custody.log", argv[1]);
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    as_log_field init[] = {{"tree", "rfc6962"}};
    double first = 0, last = 0;
    if (sk == NULL || as_custody_create(path, sk, "init", init, 1, 1764600000, &err) != 0 ||
        append_all(path, sk, &pk, n, &first, &last, &err) != 0)
        return die(&err);
    printf("entries: %llu\n", (unsigned long long)n + 1);
    printf("append, first tenth: %.1f us/entry\n", first * 1e6);
    printf("append, last tenth: %.1f us/entry\n", last * 1e6);
    as_custody *log;
    double t = now();
    if (as_custody_open(&log, path, &pk, AS_CUSTODY_READ, NULL, NULL, &err) != 0)
        return die(&err);
    printf("open (full verify): %.3f s\n", now() - t);
    as_buf b;
    as_buf_init(&b, AS_TLOG_PROOF_MAX);
    as_log_entry *e = malloc(sizeof *e);
    double tp = 0, tv = 0;
    size_t size = 0;
    for (uint64_t k = 0; k < proves; k++) {
        uint64_t seq = 1 + (k * 7919u) % (n + 1);
        b.len = 0;
        t = now();
        if (as_custody_prove(log, seq, &b, &err) != 0)
            return die(&err);
        tp += now() - t;
        t = now();
        if (as_custody_entry_verify(b.data, b.len, &pk, e, NULL, &err) != 0)
            return die(&err);
        tv += now() - t;
        size = b.len > size ? b.len : size;
    }
    printf("prove: %.1f us/proof\n", tp / (double)proves * 1e6);
    printf("verify-entry: %.1f us/proof\n", tv / (double)proves * 1e6);
    printf("largest proof: %zu bytes\n", size);
    free(e);
    as_buf_free(&b);
    as_custody_close(log);
    as_mini_seckey_free(sk);
    return 0;
}
