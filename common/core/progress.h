/*
 * progress.h: how long work reports how far it got, without the library drawing anything.
 *
 * The library never writes to a terminal. An operation that can take seconds (hashing,
 * sealing, parity, scanning, extracting) takes an optional `const as_progress_sink *` in its
 * options and reports through an as_progress tracker; the front end supplies a sink that
 * draws (or none, for scripts, tests and pipes). A NULL sink makes every call a no-op.
 *
 * A sink's functions may be called from a worker thread; the library never calls one sink
 * from two threads at once (the caller that shares a tracker between threads holds its own
 * lock around as_progress_set/add).
 */
#ifndef AIRSEAL_CORE_PROGRESS_H
#define AIRSEAL_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct as_progress_sink {
    /* A step starts: label ("Sealing"), unit (NULL: bytes; else what is counted, "frames"),
     * total units (0 when unknown). */
    void (*begin)(void *ctx, const char *label, const char *unit, uint64_t total);
    /* done units so far (absolute, never above total when total is known). Called often:
     * the sink decides how often to draw. */
    void (*update)(void *ctx, uint64_t done);
    /* The step ended (successfully or not). */
    void (*end)(void *ctx);
    void *ctx;
} as_progress_sink;

/* One step's tracker: the library's side of a sink. */
typedef struct as_progress {
    const as_progress_sink *sink; /* NULL: silent */
    uint64_t total;
    uint64_t done;
    bool active;
} as_progress;

/* Starts a step counted in bytes on sink (NULL: silent). */
void as_progress_start(as_progress *p, const as_progress_sink *sink, const char *label,
                       uint64_t total);

/* Starts a step counted in `unit` ("frames", "blocks"). */
void as_progress_start_unit(as_progress *p, const as_progress_sink *sink, const char *label,
                            const char *unit, uint64_t total);

/* Adds n units. p may be NULL or not started. */
void as_progress_add(as_progress *p, uint64_t n);

/* Sets the absolute amount done. p may be NULL or not started. */
void as_progress_set(as_progress *p, uint64_t done);

/* Ends the step once (later calls do nothing). p may be NULL or not started. */
void as_progress_finish(as_progress *p);

#endif
