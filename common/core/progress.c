/* progress.c: the library's side of progress reports; see progress.h. */
#include "progress.h"

#include <string.h>

void as_progress_start_unit(as_progress *p, const as_progress_sink *sink, const char *label,
                            const char *unit, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->sink = sink;
    p->total = total;
    if (sink == NULL)
        return;
    p->active = true;
    sink->begin(sink->ctx, label, unit, total);
}

void as_progress_start(as_progress *p, const as_progress_sink *sink, const char *label,
                       uint64_t total)
{
    as_progress_start_unit(p, sink, label, NULL, total);
}

void as_progress_set(as_progress *p, uint64_t done)
{
    if (p == NULL)
        return;
    /* A total known in advance is a promise to the reader of the bar: never report past it
     * (a file that grew while being read is caught by the seal, not shown as 104 %). */
    p->done = p->total != 0 && done > p->total ? p->total : done;
    if (p->active)
        p->sink->update(p->sink->ctx, p->done);
}

void as_progress_add(as_progress *p, uint64_t n)
{
    if (p != NULL)
        as_progress_set(p, p->done + n);
}

void as_progress_finish(as_progress *p)
{
    if (p == NULL || !p->active)
        return;
    /* As before the sink existed: a finished step shows its whole amount. */
    if (p->total != 0 && p->done != p->total)
        as_progress_set(p, p->total);
    p->active = false;
    p->sink->end(p->sink->ctx);
}
