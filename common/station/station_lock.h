/*
 * station_lock.h: the station lock, internal to the station module (included only by the .c
 * files of common/station; front ends never see or take it: every operation that changes a
 * station takes it inside).
 *
 * The lock is an exclusive flock on STATION/.lock. It is held only while the station itself is
 * read and changed, never while waiting on a human (passphrase, confirmation) or on a source
 * that can stall (a USB stick, a camera): imports read their sources into a private work
 * folder under STATION/staging first, which holds its own flock so that the sweep of
 * interrupted imports (under the station lock) leaves it alone.
 */
#ifndef AIRSEAL_STATION_STATION_LOCK_H
#define AIRSEAL_STATION_STATION_LOCK_H

#include <stdbool.h>

#include "station.h"

struct as_station_lockstate {
    bool locked;
    int lock_fd; /* flock LOCK_EX on STATION/.lock while locked */
    int work_fd; /* flock LOCK_EX on the current work folder, or -1 */
};

/*
 * Takes the station's exclusive lock (STATION/.lock, flock), so two station changes never
 * interleave. Held in st until as_station_release() or as_station_close(). Returns 0, or -1
 * with AS_ERR_BUSY when another process holds it. Taking it twice is an internal error. Never
 * waits: a busy station answers at once.
 */
int as_station_lock(as_station *st, as_error *err);

/* Releases the lock taken by as_station_lock (nothing when not held). */
void as_station_release(as_station *st);

/* Whether st holds the station lock. */
bool as_station_locked(const as_station *st);

/*
 * Records fd (an open directory with an flock held on it) as st's work folder lock, closing
 * any earlier one; fd -1 just closes. Closed by as_station_close at the latest.
 */
void as_station_set_work_lock(as_station *st, int fd);

#endif
