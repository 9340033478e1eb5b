/*
 * primlimit: how fast airseal could possibly pack and import on this machine, measured with the
 * very code airseal runs, on in-memory buffers (no disk, no syscalls, no copies but airseal's):
 *
 *   sha256   SHA-256 of the evidence (nettle through as_sha256_*: manifest and digests)
 *   seal     ChaCha20-Poly1305 as age's STREAM seals: 64 KiB chunks, counter nonces, libsodium
 *   open     the same chunks authenticated and decrypted (import)
 *   blake2b  BLAKE2b-512, the minisign prehash (as_mini_prehash_*)
 *   parity   Reed-Solomon parity at the default USB redundancy (as_ec_encode)
 *
 * each on one core, then on two (two threads, each on its own buffer, started together).
 * Pack must hash the evidence once and then seal, prehash and add parity to it; import must
 * prehash, open and hash once. Spread perfectly over two cores that takes
 *
 *   limit_seconds(size) = size * sum(1 / one-core rate) / 2
 *
 * which make bench divides by airseal's measured time.
 *
 *   primlimit [--mib N] [--reps N] [--size BYTES] [--tsv]
 *   primlimit --random BYTES       BYTES of fast pseudo-random data (ChaCha20) on stdout
 *
 * --mib: buffer per thread (default 64); --reps: best of (default 5); --size: the bundle size
 * the limit is for and the parity layout is planned for (default 576 MiB); --tsv: lines
 * "rate NAME CORES MBPS" and "limit pack|import SECONDS BYTES", tab-separated.
 * MB/s are 10^6 bytes per second.
 */
#include <getopt.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/core/error.h"
#include "common/core/secret.h"
#include "common/core/text.h"
#include "common/crypto/age.h"
#include "common/crypto/minisign.h"
#include "common/crypto/sha256.h"
#include "common/transport/erasure.h"
#include "common/transport/usb.h"

/* airseal reads and writes in 64 KiB pieces: the hashes are fed the same way. */
#define PIECE 65536
#define MIB (1024u * 1024u)

/* One thread's work: its own buffers, so two lanes never share a cache line of data. */
typedef struct lane {
    uint8_t *data; /* len bytes of random plaintext */
    size_t len;
    uint8_t *ct;     /* data sealed chunk by chunk, what "open" reads */
    uint8_t *chunk;  /* one chunk of output, reused, as age.c reuses its buffer */
    uint8_t *parity; /* the parity blocks of layout pl */
    as_ec_layout pl; /* the parity layout timed (see plan_parity) */
    uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES]; /* a bench key, not a secret */
    int (*run)(struct lane *l, as_error *err);
    pthread_barrier_t *go;
    struct timespec t0, t1;
    uint64_t done; /* bytes processed by the last run */
    as_error err;
    int rc;
} lane;

typedef struct prim {
    const char *name;  /* the TSV key */
    const char *label; /* for people */
    int (*run)(lane *l, as_error *err);
} prim;

/* age's STREAM nonce: 11-byte big-endian chunk counter, then 1 for the final chunk. */
static void stream_nonce(uint8_t nonce[12], uint64_t counter, bool last)
{
    memset(nonce, 0, 12);
    for (int i = 10; i >= 3; i--, counter >>= 8)
        nonce[i] = (uint8_t)counter;
    nonce[11] = last ? 1 : 0;
}

/* SHA-256 over the buffer, fed in 64 KiB pieces. */
static int run_sha256(lane *l, as_error *err)
{
    (void)err;
    as_sha256_ctx h;
    uint8_t d[AS_SHA256_LEN];
    as_sha256_init(&h);
    for (size_t off = 0; off < l->len; off += PIECE)
        as_sha256_update(&h, l->data + off, l->len - off < PIECE ? l->len - off : PIECE);
    as_sha256_final(&h, d);
    l->done = l->len;
    return 0;
}

/* BLAKE2b-512 (the minisign prehash) over the buffer, fed in 64 KiB pieces. */
static int run_blake2b(lane *l, as_error *err)
{
    (void)err;
    as_mini_prehash h;
    uint8_t d[AS_MINI_PREHASH_LEN];
    as_mini_prehash_init(&h);
    for (size_t off = 0; off < l->len; off += PIECE)
        as_mini_prehash_update(&h, l->data + off, l->len - off < PIECE ? l->len - off : PIECE);
    as_mini_prehash_final(&h, d);
    l->done = l->len;
    return 0;
}

/* Seals the buffer as STREAM chunks into out (NULL: each chunk into l->chunk, as age.c does
 * before handing it to its writer). */
static void seal_all(lane *l, uint8_t *out)
{
    uint8_t nonce[12];
    uint64_t counter = 0;
    for (size_t off = 0; off < l->len; off += AS_AGE_CHUNK, counter++) {
        size_t n = l->len - off < AS_AGE_CHUNK ? l->len - off : AS_AGE_CHUNK;
        uint8_t *dst = out ? out + counter * (AS_AGE_CHUNK + AS_AGE_TAG) : l->chunk;
        stream_nonce(nonce, counter, off + n == l->len);
        crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, l->data + off, n, NULL, 0, NULL, nonce,
                                                  l->key);
    }
}

/* ChaCha20-Poly1305 sealing, as age's STREAM. */
static int run_seal(lane *l, as_error *err)
{
    (void)err;
    seal_all(l, NULL);
    l->done = l->len;
    return 0;
}

/* ChaCha20-Poly1305 opening of what seal_all() wrote into l->ct; a chunk that does not
 * authenticate means the bench itself is broken. */
static int run_open(lane *l, as_error *err)
{
    uint8_t nonce[12];
    uint64_t counter = 0;
    for (size_t off = 0; off < l->len; off += AS_AGE_CHUNK, counter++) {
        size_t n = l->len - off < AS_AGE_CHUNK ? l->len - off : AS_AGE_CHUNK;
        stream_nonce(nonce, counter, off + n == l->len);
        if (crypto_aead_chacha20poly1305_ietf_decrypt(l->chunk, NULL, NULL,
                                                      l->ct + counter * (AS_AGE_CHUNK + AS_AGE_TAG),
                                                      n + AS_AGE_TAG, NULL, 0, nonce, l->key) != 0)
            return as_fail(err, AS_ERR_INTERNAL, "chunk %llu does not authenticate",
                           (unsigned long long)counter);
    }
    l->done = l->len;
    return 0;
}

/* The erasure coder reads data block i at off: from the buffer, wrapping around its end, since
 * the layout may cover more bytes than the buffer holds; zeros past a short last block. */
static int ec_read(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len, as_error *err)
{
    (void)err;
    lane *l = ctx;
    uint32_t have = as_ec_data_len(&l->pl, i);
    uint32_t take = off >= have ? 0 : (have - off < len ? have - off : len);
    size_t pos = (size_t)(((uint64_t)i * l->pl.block + off) % l->len);
    for (uint32_t got = 0; got < take;) {
        size_t n = l->len - pos < take - got ? l->len - pos : take - got;
        memcpy(buf + got, l->data + pos, n);
        got += (uint32_t)n;
        pos = 0;
    }
    memset(buf + take, 0, len - take);
    return 0;
}

/* ... and writes parity block p at off into the lane's parity buffer. */
static int ec_write_parity(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                           as_error *err)
{
    (void)err;
    lane *l = ctx;
    memcpy(l->parity + (size_t)p * l->pl.block + off, buf, len);
    return 0;
}

/* Reed-Solomon parity over layout l->pl, through as_ec_encode as pack calls it. */
static int run_parity(lane *l, as_error *err)
{
    as_ec_io io = {.ctx = l, .read_data = ec_read, .write_parity = ec_write_parity};
    if (as_ec_encode(&l->pl, &io, err) != 0)
        return -1;
    l->done = l->pl.size;
    return 0;
}

static const prim prims[] = {
    {"sha256", "SHA-256 (nettle): manifest, digests", run_sha256},
    {"seal", "ChaCha20-Poly1305 seal, STREAM 64 KiB", run_seal},
    {"open", "ChaCha20-Poly1305 open, STREAM 64 KiB", run_open},
    {"blake2b", "BLAKE2b-512: minisign prehash", run_blake2b},
    {"parity", "Reed-Solomon parity (ISA-L)", run_parity},
};
#define NPRIMS (sizeof prims / sizeof prims[0])
enum {
    P_SHA256,
    P_SEAL,
    P_OPEN,
    P_BLAKE2B,
    P_PARITY
};

/*
 * The parity layout to time for a bundle of `size` bytes: the stripes (K blocks, S stripes, k_s
 * and m_s per stripe) are those pack plans, so the work per byte is the same; only the blocks
 * are made smaller, so a run covers at most PARITY_MAX bytes (read round and round the
 * buffer) instead of the whole bundle. as_ec_encode codes 64 KiB columns of a stripe whatever
 * the block size, so up to 4 GiB (K <= 4096) the columns are exactly pack's; beyond, they are
 * shorter (16 KiB at 16 GiB).
 */
#define PARITY_MAX (256u * MIB)
static int plan_parity(as_ec_layout *pl, uint64_t size, as_error *err)
{
    as_ec_layout real;
    if (as_ec_plan(&real, size, as_ec_block_for_file(size), AS_USB_DEFAULT_REDUNDANCY, err) != 0)
        return -1;
    uint32_t block = real.block < AS_EC_COLUMN ? real.block : AS_EC_COLUMN;
    while (block > 4096 && (uint64_t)real.k_total * block > PARITY_MAX)
        block /= 2;
    if (as_ec_plan(pl, (uint64_t)real.k_total * block, block, AS_USB_DEFAULT_REDUNDANCY, err) != 0)
        return -1;
    if (pl->k_total != real.k_total || pl->stripes != real.stripes || pl->m_total != real.m_total)
        return as_fail(err, AS_ERR_INTERNAL, "scaled parity layout differs from the real one");
    return 0;
}

/* Allocates and fills a lane of len bytes, with the ciphertext "open" needs. */
static int lane_init(lane *l, size_t len, uint64_t size, as_error *err)
{
    memset(l, 0, sizeof *l);
    size_t chunks = (len + AS_AGE_CHUNK - 1) / AS_AGE_CHUNK;
    if (plan_parity(&l->pl, size, err) != 0)
        return -1;
    l->len = len;
    l->data = malloc(len);
    l->ct = malloc(len + chunks * AS_AGE_TAG);
    l->chunk = malloc(AS_AGE_CHUNK + AS_AGE_TAG);
    l->parity = malloc((size_t)l->pl.m_total * l->pl.block + 1);
    if (l->data == NULL || l->ct == NULL || l->chunk == NULL || l->parity == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory for %zu MiB buffers", len / MIB);
    randombytes_buf(l->data, len);
    randombytes_buf(l->key, sizeof l->key);
    seal_all(l, l->ct);
    return 0;
}

/* Frees a lane's buffers; accepts a half-initialised lane. */
static void lane_free(lane *l)
{
    free(l->data);
    free(l->ct);
    free(l->chunk);
    free(l->parity);
}

/* Seconds from a to b (negative if b is earlier). */
static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* One lane's run (a thread of its own, or the main thread for lane 0): waits for the common
 * start, then runs the lane's primitive once, timing itself. */
static void *lane_thread(void *arg)
{
    lane *l = arg;
    pthread_barrier_wait(l->go);
    clock_gettime(CLOCK_MONOTONIC, &l->t0);
    l->rc = l->run(l, &l->err);
    clock_gettime(CLOCK_MONOTONIC, &l->t1);
    return NULL;
}

/*
 * Runs p once on `cores` lanes (1 or 2) at the same time. Returns the aggregate rate in MB/s:
 * all bytes processed over the wall time from the first start to the last finish, or a
 * negative value with err set.
 */
static double run_once(const prim *p, lane *lanes, int cores, as_error *err)
{
    pthread_barrier_t go;
    pthread_t th[2];
    if (pthread_barrier_init(&go, NULL, (unsigned)cores) != 0)
        return as_fail(err, AS_ERR_INTERNAL, "pthread_barrier_init failed");
    int started = 0;
    for (int i = 0; i < cores; i++) {
        lanes[i].run = p->run;
        lanes[i].go = &go;
        lanes[i].rc = -1;
        as_error_clear(&lanes[i].err);
        if (i > 0 && pthread_create(&th[i], NULL, lane_thread, &lanes[i]) != 0)
            break;
        started++;
    }
    if (started < cores) { /* the barrier can never open: do not wait on it */
        pthread_barrier_destroy(&go);
        return as_fail(err, AS_ERR_INTERNAL, "pthread_create failed");
    }
    lane_thread(&lanes[0]);
    for (int i = 1; i < cores; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    struct timespec t0 = lanes[0].t0, t1 = lanes[0].t1;
    uint64_t bytes = 0;
    for (int i = 0; i < cores; i++) {
        if (lanes[i].rc != 0) {
            *err = lanes[i].err;
            return -1;
        }
        if (elapsed(&lanes[i].t0, &t0) > 0)
            t0 = lanes[i].t0;
        if (elapsed(&t1, &lanes[i].t1) > 0)
            t1 = lanes[i].t1;
        bytes += lanes[i].done;
    }
    double secs = elapsed(&t0, &t1);
    return (double)bytes / 1e6 / (secs > 1e-9 ? secs : 1e-9);
}

/* Best (highest) rate of `reps` runs, or negative with err set. */
static double best_of(const prim *p, lane *lanes, int cores, unsigned reps, as_error *err)
{
    double best = 0;
    for (unsigned r = 0; r < reps; r++) {
        double rate = run_once(p, lanes, cores, err);
        if (rate < 0)
            return -1;
        if (rate > best)
            best = rate;
    }
    return best;
}

/* Seconds for `size` bytes through the primitives in `which`, spread over two cores:
 * size * sum(1 / rate) / 2 with the given rates (MB/s). */
static double limit_seconds(uint64_t size, const double *rate, const int *which, int n)
{
    double per_byte = 0;
    for (int i = 0; i < n; i++)
        per_byte += 1.0 / (rate[which[i]] * 1e6);
    return (double)size * per_byte / 2;
}

static const int pack_prims[] = {P_SHA256, P_SEAL, P_BLAKE2B, P_PARITY};
static const int import_prims[] = {P_BLAKE2B, P_OPEN, P_SHA256};

/* Prints the rates and the limits, for people or (tsv) for run-bench.sh. */
static void report(double rate[][2], uint64_t size, const as_ec_layout *pl, size_t mib,
                   unsigned reps, bool tsv)
{
    double one[NPRIMS], two[NPRIMS];
    for (size_t i = 0; i < NPRIMS; i++) {
        one[i] = rate[i][0];
        two[i] = rate[i][1] / 2; /* per core, when both cores run */
    }
    double lp = limit_seconds(size, one, pack_prims, 4);
    double li = limit_seconds(size, one, import_prims, 3);
    double lp2 = limit_seconds(size, two, pack_prims, 4);
    double li2 = limit_seconds(size, two, import_prims, 3);
    if (tsv) {
        for (size_t i = 0; i < NPRIMS; i++)
            printf("rate\t%s\t1\t%.1f\nrate\t%s\t2\t%.1f\n", prims[i].name, rate[i][0],
                   prims[i].name, rate[i][1]);
        printf("limit\tpack\t%.4f\t%llu\nlimit\timport\t%.4f\t%llu\n", lp, (unsigned long long)size,
               li, (unsigned long long)size);
        return;
    }
    printf("primlimit: %zu MiB buffer per thread, best of %u; MB/s = 10^6 bytes/s\n", mib, reps);
    printf("parity: %u%%, laid out as for a %g MiB bundle (K=%u blocks, %u stripes, M=%u)\n",
           (unsigned)AS_USB_DEFAULT_REDUNDANCY, (double)size / MIB, pl->k_total, pl->stripes,
           pl->m_total);
    printf("  %-40s %10s %10s\n", "primitive", "1 core", "2 cores");
    for (size_t i = 0; i < NPRIMS; i++)
        printf("  %-40s %10.1f %10.1f\n", prims[i].label, rate[i][0], rate[i][1]);
    printf("2-core limit for %g MiB = size * sum(1 / one-core rate) / 2:\n", (double)size / MIB);
    printf("  %-40s %8.3f s  (%.0f MB/s)\n", "pack (SHA-256 + seal + BLAKE2b + parity)", lp,
           (double)size / 1e6 / lp);
    printf("  %-40s %8.3f s  (%.0f MB/s)\n", "import (BLAKE2b + open + SHA-256)", li,
           (double)size / 1e6 / li);
    printf("  with the per-core rates of the 2-core runs instead: pack %.3f s, import %.3f s\n",
           lp2, li2);
}

/* Writes `total` bytes of ChaCha20 keystream under a random key to stdout: incompressible
 * evidence at memory speed, where /dev/urandom would take minutes for gigabytes. */
static int random_out(uint64_t total, as_error *err)
{
    static uint8_t buf[MIB];
    uint8_t key[crypto_stream_chacha20_KEYBYTES], nonce[crypto_stream_chacha20_NONCEBYTES];
    randombytes_buf(key, sizeof key);
    for (uint64_t counter = 0, left = total; left > 0; counter++) {
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        for (size_t i = 0; i < sizeof nonce; i++)
            nonce[i] = (uint8_t)(counter >> (8 * i));
        crypto_stream_chacha20(buf, n, nonce, key);
        if (fwrite(buf, 1, n, stdout) != n)
            return as_fail(err, AS_ERR_IO, "writing random data failed");
        left -= n;
    }
    if (fflush(stdout) != 0)
        return as_fail(err, AS_ERR_IO, "writing random data failed");
    return 0;
}

/* The usage line, for a command line that does not parse; returns the exit status 2. */
static int usage(void)
{
    fprintf(stderr, "usage: primlimit [--mib N] [--reps N] [--size BYTES] [--tsv]\n"
                    "       primlimit --random BYTES\n");
    return 2;
}

/* Parses a decimal option value in [1, max]. Returns 0 or -1. */
static int opt_u64(const char *s, uint64_t max, uint64_t *out)
{
    return as_parse_u64(s, strlen(s), max, false, out);
}

/* Times every primitive on one and two cores and prints the report. */
static int measure(size_t mib, unsigned reps, uint64_t size, bool tsv, as_error *err)
{
    lane lanes[2];
    double rate[NPRIMS][2];
    int rc = -1;
    memset(lanes, 0, sizeof lanes);
    if (lane_init(&lanes[0], mib * MIB, size, err) != 0 ||
        lane_init(&lanes[1], mib * MIB, size, err) != 0)
        goto out;
    for (size_t i = 0; i < NPRIMS; i++)
        for (int cores = 1; cores <= 2; cores++)
            if ((rate[i][cores - 1] = best_of(&prims[i], lanes, cores, reps, err)) < 0)
                goto out;
    report(rate, size, &lanes[0].pl, mib, reps, tsv);
    rc = 0;
out:
    lane_free(&lanes[0]);
    lane_free(&lanes[1]);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"mib", required_argument, NULL, 'm'},    {"reps", required_argument, NULL, 'r'},
        {"size", required_argument, NULL, 's'},   {"tsv", no_argument, NULL, 't'},
        {"random", required_argument, NULL, 'R'}, {NULL, 0, NULL, 0}};
    as_error err = {0};
    uint64_t mib = 64, reps = 5, size = 576ull * MIB, random = 0;
    bool tsv = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if ((c == 'm' && opt_u64(optarg, 4096, &mib) != 0) ||
            (c == 'r' && opt_u64(optarg, 1000, &reps) != 0) ||
            (c == 's' && opt_u64(optarg, UINT64_MAX, &size) != 0) ||
            (c == 'R' && opt_u64(optarg, UINT64_MAX, &random) != 0) || c == '?')
            return usage();
        tsv |= c == 't';
    }
    if (optind != argc)
        return usage();
    if (as_crypto_init(&err) != 0 ||
        (random ? random_out(random, &err) : measure(mib, (unsigned)reps, size, tsv, &err)) != 0) {
        fprintf(stderr, "primlimit: %s\n", err.msg);
        return 1;
    }
    return 0;
}
