/*
 * custody_ops.h: the station's custody log as a Merkle tree log, as the verbs use it
 * (airseal-recv log): the one-time migration of a station from before the tree, and the
 * proof of one entry for an auditor. The station layer's face of custody.h.
 */
#ifndef AIRSEAL_STATION_CUSTODY_OPS_H
#define AIRSEAL_STATION_CUSTODY_OPS_H

#include <stdint.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "station.h"

/*
 * Carries the custody log of an unlocked station from before the tree into the tree
 * (as_custody_migrate), under the station lock, on the log verified with the trust store as
 * an import does. *carried receives the number of entries that became the first leaves,
 * *seq the number of the tlog-start entry recording it. AS_ERR_EXISTS when the log is a
 * tree log already.
 */
int as_station_log_migrate(as_station *st, uint64_t *carried, uint64_t *seq, as_error *err);

/*
 * Appends to out the proof of custody log entry seq (as_custody_prove): the entry line, its
 * inclusion path and the newest checkpoint, and nothing of any other entry. The log is
 * verified whole first. Needs no secret.
 */
int as_station_log_prove(const as_station *st, uint64_t seq, as_buf *out, as_error *err);

#endif
