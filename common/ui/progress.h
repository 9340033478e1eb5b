/*
 * progress.h (front end): the terminal's progress sink. It draws one line on standard error,
 * "Sealing  [#######.......]  45%  312.4 MB/s  0:07 left", only when standard error is a
 * terminal and NO_PROGRESS is unset, so scripts and CI see clean output.
 */
#ifndef AIRSEAL_UI_PROGRESS_H
#define AIRSEAL_UI_PROGRESS_H

#include "../core/progress.h"

/* The sink to hand to the library: NULL (silent) unless standard error is a terminal and
 * NO_PROGRESS is unset. One line at a time per process. */
const as_progress_sink *as_term_progress(void);

#endif
