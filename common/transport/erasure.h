/*
 * erasure.h: systematic Reed-Solomon erasure coding over GF(2^8) (ISA-L), laid out for
 * damage that comes in bursts.
 *
 * An object of `size` bytes is cut into K data blocks of `block` bytes (the last one padded
 * with zeros for coding only). Data block i belongs to stripe i mod S at row i / S, so a run
 * of consecutive damaged blocks (a bad region of a USB stick, a truncated file, a burst of
 * frames the camera missed) is spread over all stripes. Stripe s has k_s data blocks and
 * m_s = ceil(k_s * pct / 100) parity blocks (at least one when pct > 0), k_s + m_s <= 255.
 * Any k_s of a stripe's k_s + m_s blocks rebuild it.
 *
 * Parity blocks are numbered row by row across stripes (parity row 0 of every stripe, then
 * row 1, ...), again so that a burst spreads. The code: rows of the systematic Cauchy matrix
 * [I; C], C[r][c] = 1 / ((k + r) XOR c) in GF(2^8) with polynomial 0x11d (docs/FORMAT.md).
 *
 * Memory: coding works on 64 KiB columns of a stripe at a time, at most 255 x 64 KiB,
 * whatever the object's size.
 */
#ifndef AIRSEAL_TRANSPORT_ERASURE_H
#define AIRSEAL_TRANSPORT_ERASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

#define AS_EC_MAX_SHARDS 255
#define AS_EC_MAX_BLOCKS (1u << 24)
#define AS_EC_COLUMN 65536

typedef struct as_ec_layout {
    uint64_t size;    /* bytes protected */
    uint32_t block;   /* block size */
    uint32_t k_total; /* K: data blocks */
    uint32_t stripes; /* S */
    uint32_t m_total; /* M: parity blocks */
    uint32_t pct;     /* redundancy in percent */
} as_ec_layout;

/*
 * Plans the layout for size bytes (> 0) in blocks of `block` bytes (> 0) with pct percent of
 * parity (0..100). Fails with AS_ERR_LIMIT beyond AS_EC_MAX_BLOCKS blocks.
 */
int as_ec_plan(as_ec_layout *l, uint64_t size, uint32_t block, unsigned pct, as_error *err);

/* Picks a block size for a file of `size` bytes stored on a disk: about 1000 blocks, a power
 * of two from 4 KiB to 1 MiB. */
uint32_t as_ec_block_for_file(uint64_t size);

/* Checks a layout read from untrusted metadata: internally consistent and within caps. */
int as_ec_layout_check(const as_ec_layout *l, as_error *err);

uint32_t as_ec_stripe_k(const as_ec_layout *l, uint32_t s);
uint32_t as_ec_stripe_m(const as_ec_layout *l, uint32_t s);

/* Global data block index of row r of stripe s. */
uint32_t as_ec_data_index(const as_ec_layout *l, uint32_t s, uint32_t r);

/* Global parity block index of parity row j of stripe s, and the reverse. */
uint32_t as_ec_parity_index(const as_ec_layout *l, uint32_t s, uint32_t j);
void as_ec_parity_coords(const as_ec_layout *l, uint32_t p, uint32_t *s, uint32_t *j);

/* Bytes of data block i that lie inside the object (the last block may be short). */
uint32_t as_ec_data_len(const as_ec_layout *l, uint32_t i);

/* A Reed-Solomon codec for k data and m parity shards. */
typedef struct as_rs {
    unsigned k, m;
    uint8_t *matrix; /* (k + m) x k */
    uint8_t *tables; /* ISA-L expanded tables for the m parity rows */
} as_rs;

int as_rs_init(as_rs *rs, unsigned k, unsigned m, as_error *err);
void as_rs_free(as_rs *rs);

/* Makes rs a code for k data and m parity shards, keeping it when it already is one (the
 * stripe drivers walk stripes whose k and m change at most twice). rs must be initialised
 * (or zeroed). */
int as_rs_reshape(as_rs *rs, unsigned k, unsigned m, as_error *err);

/* parity[0..m) = encode(data[0..k)), each len bytes. */
void as_rs_encode(const as_rs *rs, size_t len, uint8_t **data, uint8_t **parity);

/*
 * shards[0..k) are data, shards[k..k+m) parity, each len bytes; present[] tells which hold
 * valid bytes. Rebuilds every missing data shard in place. Fails (AS_ERR_INCOMPLETE) when
 * fewer than k shards are present.
 */
int as_rs_reconstruct(const as_rs *rs, size_t len, uint8_t **shards, const bool *present,
                      as_error *err);

/* Random access to the blocks being coded. Reads beyond a short last data block must fill
 * zeros; writes of a short last block must only store as_ec_data_len() bytes. */
typedef struct as_ec_io {
    void *ctx;
    int (*read_data)(void *ctx, uint32_t i, uint32_t off, uint8_t *buf, uint32_t len,
                     as_error *err);
    int (*write_data)(void *ctx, uint32_t i, uint32_t off, const uint8_t *buf, uint32_t len,
                      as_error *err);
    int (*read_parity)(void *ctx, uint32_t p, uint32_t off, uint8_t *buf, uint32_t len,
                       as_error *err);
    int (*write_parity)(void *ctx, uint32_t p, uint32_t off, const uint8_t *buf, uint32_t len,
                        as_error *err);
    /* Called after each stripe, may be NULL. */
    void (*progress)(void *ctx, uint32_t stripes_done);
} as_ec_io;

/* Stripe drivers' scratch: n columns of AS_EC_COLUMN bytes in one allocation (free mem). */
typedef struct as_ec_columns {
    uint8_t *mem;
    uint8_t *ptr[AS_EC_MAX_SHARDS];
} as_ec_columns;

/* Allocates n (at most AS_EC_MAX_SHARDS) columns. */
int as_ec_columns_alloc(as_ec_columns *c, unsigned n, as_error *err);

/* Computes and writes every parity block, on the calling thread. */
int as_ec_encode(const as_ec_layout *l, const as_ec_io *io, as_error *err);

/*
 * As as_ec_encode, with the stripes shared among `threads` (1 or 2) threads, each with
 * scratch of its own: io->read_data and io->write_parity are then called from two threads at
 * once (for different blocks; they must allow that), io->progress from one at a time. The
 * parity is the same whatever the timing. On failure, the first failure's error.
 */
int as_ec_encode_threads(const as_ec_layout *l, const as_ec_io *io, unsigned threads,
                         as_error *err);

/*
 * Rebuilds the data blocks whose data_ok[i] is false, from the other data blocks and the
 * parity blocks whose parity_ok[p] is true. *repaired receives how many data blocks were
 * rebuilt. When a stripe has too few good blocks, fails with AS_ERR_INCOMPLETE naming it
 * and how many blocks it lacks; *short_stripes (if not NULL) receives how many stripes fail.
 */
int as_ec_repair(const as_ec_layout *l, const as_ec_io *io, const bool *data_ok,
                 const bool *parity_ok, uint32_t *repaired, as_error *err);

/* How many more good blocks stripe s needs (0 if it can be rebuilt). */
uint32_t as_ec_stripe_shortfall(const as_ec_layout *l, uint32_t s, const bool *data_ok,
                                const bool *parity_ok);

#endif
