/*
 * progress.h: a progress line for long work, drawn on standard error only when it is a
 * terminal: "Sealing  [#######.......]  45%  312.4 MB/s  0:07 left". Nothing at all when
 * output goes to a pipe or a log, so scripts and CI see clean output.
 */
#ifndef AIRSEAL_UI_PROGRESS_H
#define AIRSEAL_UI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct as_progress {
    bool enabled;
    const char *label;
    const char *unit; /* NULL: bytes (rate in B/s, kB/s...); else what is counted ("frames") */
    uint64_t total;
    uint64_t done;
    double start;
    double last_draw;
    int drawn;
} as_progress;

/* Starts a progress line; enabled only when stderr is a terminal (and NO_PROGRESS unset). */
void as_progress_start(as_progress *p, const char *label, uint64_t total);

/* Adds n units of work; redraws at most ten times a second. p may be NULL. */
void as_progress_add(as_progress *p, uint64_t n);

/* Sets the absolute amount done. p may be NULL. */
void as_progress_set(as_progress *p, uint64_t done);

/* Draws the final state and ends the line. p may be NULL. */
void as_progress_finish(as_progress *p);

/* Seconds since an arbitrary epoch (monotonic). */
double as_now(void);

#endif
