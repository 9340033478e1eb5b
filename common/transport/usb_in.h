/*
 * usb_in.h: the receiving side of a USB bundle: any mix of folders and files identified by
 * their first bytes (gathering, usb_gather.c), then bundle.age rebuilt from whatever copies
 * and parts there are, every block checked against the index and repaired from parity
 * (assembly, usb_assemble.c). Format: docs/FORMAT.md section 8.
 */
#ifndef AIRSEAL_TRANSPORT_USB_IN_H
#define AIRSEAL_TRANSPORT_USB_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/file.h"
#include "../core/progress.h"
#include "usb.h"

typedef struct as_usb_in as_usb_in;

typedef struct as_usb_report {
    size_t files_seen;       /* files looked at */
    size_t ignored;          /* files that are not part of a bundle */
    size_t bad_indexes;      /* damaged index copies */
    size_t parts;            /* part files recognised */
    uint32_t blocks_damaged; /* data blocks missing or failing their digest */
    uint32_t blocks_repaired;
    bool had_index;
} as_usb_report;

/*
 * Identifies the files in sources (directories are scanned one level deep; links are not
 * followed) and checks that they belong to one bundle. Returns a gatherer, or NULL with err
 * set (AS_ERR_REJECTED for mixed bundles, AS_ERR_INCOMPLETE when nothing usable is found).
 */
as_usb_in *as_usb_gather(char *const *sources, size_t n, as_usb_report *rep, as_error *err);

/* The bundle id, if known from an index, a part or a signature (else ""). */
const char *as_usb_bundle_id(const as_usb_in *in);

/* The candidate signature files found (distinct), to try against the trust store. */
size_t as_usb_signatures(const as_usb_in *in, const uint8_t *const **sigs, const size_t **lens);

/*
 * Writes the sealed file into the open output o (repairing from parity when needed; counts in
 * rep) and returns its SHA-256 and BLAKE2b-512 prehash. Fails with AS_ERR_INCOMPLETE when
 * damage exceeds the parity, saying how much is missing.
 */
int as_usb_assemble(as_usb_in *in, as_outfile *o, as_usb_report *rep, uint8_t sha256[32],
                    uint8_t prehash[64], uint64_t *size, const as_progress_sink *progress,
                    as_error *err);

void as_usb_in_free(as_usb_in *in);

#endif
