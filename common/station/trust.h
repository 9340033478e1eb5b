/*
 * trust.h: the station's trust store, the NGO signing keys it accepts bundles from.
 *
 * A text file, one key per line, rewritten atomically on every change:
 *
 *   # airseal trust store v1
 *   <KEYID> <minisign public key, base64> <label>
 *
 * The key id column must match the key. Labels are printable UTF-8 (no control characters),
 * 1 to AS_TRUST_LABEL_MAX bytes, and may contain spaces. A key id appears at most once.
 */
#ifndef AIRSEAL_STATION_TRUST_H
#define AIRSEAL_STATION_TRUST_H

#include <stddef.h>

#include "../core/error.h"
#include "../crypto/minisign.h"

#define AS_TRUST_LABEL_MAX 120
#define AS_TRUST_MAX_KEYS 10000

typedef struct as_trust_entry {
    as_mini_pubkey key;
    char label[AS_TRUST_LABEL_MAX + 1];
} as_trust_entry;

typedef struct as_trust_store {
    as_trust_entry *v;
    size_t n;
} as_trust_store;

/* Parses a trust store held in memory. */
int as_trust_parse(as_trust_store *ts, const uint8_t *data, size_t len, as_error *err);

/* Reads and parses the trust store file at path. */
int as_trust_load(as_trust_store *ts, const char *path, as_error *err);

/* Writes the store atomically to path (mode 0600). */
int as_trust_save(const as_trust_store *ts, const char *path, as_error *err);

/* Checks a label: 1..AS_TRUST_LABEL_MAX bytes of plain UTF-8 (an identifier, see as_field in
 * bundle/manifest.h: no control, bidi or invisible character), no space at either end. */
int as_trust_label_check(const char *label, as_error *err);

/* Adds a key; AS_ERR_EXISTS if its key id is already present (naming the label). */
int as_trust_add(as_trust_store *ts, const as_mini_pubkey *key, const char *label, as_error *err);

/* Removes the key with this key number; AS_ERR_USAGE if absent. Copies the removed entry to
 * *removed when not NULL. */
int as_trust_remove(as_trust_store *ts, const uint8_t keynum[AS_MINI_KEYNUM_LEN],
                    as_trust_entry *removed, as_error *err);

/* The entry for a key number, or NULL. */
const as_trust_entry *as_trust_find(const as_trust_store *ts,
                                    const uint8_t keynum[AS_MINI_KEYNUM_LEN]);

void as_trust_free(as_trust_store *ts);

#endif
