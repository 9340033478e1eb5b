/*
 * clock.h: the library's one clock. Budgets (an image may take 3 s, a camera stops after N
 * idle seconds) and rates are measured on the monotonic clock, so a wall-clock change on the
 * station cannot stretch or cut a budget.
 */
#ifndef AIRSEAL_CORE_CLOCK_H
#define AIRSEAL_CORE_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC); only differences mean anything. */
double as_now(void);

#endif
