/*
 * custody_entry.h: the custody log's entries read and checked (custody.h), inside the station
 * layer: the grammar, the chain and the signatures, and one entry proven alone. Kept apart
 * from custody.c, which writes the log, so that airseal-send, which verifies entries and
 * receipts, carries no code that appends to or signs a custody log.
 */
#ifndef AIRSEAL_STATION_CUSTODY_ENTRY_H
#define AIRSEAL_STATION_CUSTODY_ENTRY_H

#include <stdbool.h>

#include "custody.h"

/* What verifying a chain finds: its length, its head, where its whole entries end, and
 * (when take is set) each verified line handed to take, which may stop it (-1, err set). */
typedef struct as_custody_chain_result {
    uint64_t count;
    uint8_t head[32];
    size_t end;
    int (*take)(void *ctx, as_span line, const as_log_entry *e, as_error *err);
    void *take_ctx;
} as_custody_chain_result;

/* True when s[0..n) is an event or field name: 1..AS_LOG_KEY_MAX - 1 of [a-z0-9-]. */
bool as_log_name_ok(const char *s, size_t n);

/*
 * Verifies every whole entry of data against the station key and visits it (take, then
 * visit); out->count, head and end receive the chain's length, head and where its whole
 * entries end (out->take and take_ctx are kept). A last line without '\n' that fits in a line
 * is a torn append: not an entry. Errors as as_custody_verify.
 */
int as_custody_chain(const uint8_t *data, size_t len, const as_mini_pubkey *station,
                     as_log_visit visit, void *ctx, as_custody_chain_result *out, as_error *err);

#endif
