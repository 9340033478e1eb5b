/* progress.c: the terminal progress line; see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/clock.h"
#include "../core/text.h"

typedef struct term_line {
    const char *label;
    const char *unit; /* NULL: bytes */
    uint64_t total;
    uint64_t done;
    double start;
    double last_draw;
} term_line;

static void human_rate(char *out, size_t cap, double bytes_per_s)
{
    const char *unit[] = {"B/s", "kB/s", "MB/s", "GB/s"};
    int u = 0;
    while (bytes_per_s >= 1000 && u < 3) {
        bytes_per_s /= 1000;
        u++;
    }
    snprintf(out, cap, "%.1f %s", bytes_per_s, unit[u]);
}

static void draw(term_line *p, double now)
{
    enum {
        WIDTH = 24
    };
    double frac = p->total ? (double)p->done / (double)p->total : 1.0;
    if (frac > 1)
        frac = 1;
    char bar[WIDTH + 1], rate[32], left[32] = "";
    int fill = (int)(frac * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    double elapsed = now - p->start;
    double speed = elapsed > 0 ? (double)p->done / elapsed : 0;
    if (p->unit != NULL)
        snprintf(rate, sizeof rate, "%.0f %s/s", speed, p->unit);
    else
        human_rate(rate, sizeof rate, speed);
    if (speed > 0 && p->done < p->total) {
        double secs = (double)(p->total - p->done) / speed;
        snprintf(left, sizeof left, "%d:%02d left", (int)secs / 60, (int)secs % 60);
    } else if (p->done >= p->total) {
        snprintf(left, sizeof left, "%d:%02d", (int)elapsed / 60, (int)elapsed % 60);
    }
    char label[AS_TEXT_SHOW_CAP(32)];
    fprintf(stderr, "\r%-10s [%s] %3d%%  %-12s %-12s", as_text_shown(label, sizeof label, p->label),
            bar, (int)(frac * 100), rate, left);
    fflush(stderr);
    p->last_draw = now;
}

static void term_begin(void *ctx, const char *label, const char *unit, uint64_t total)
{
    term_line *p = ctx;
    memset(p, 0, sizeof *p);
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->start = p->last_draw = as_now();
}

static void term_update(void *ctx, uint64_t done)
{
    term_line *p = ctx;
    p->done = done;
    double now = as_now();
    if (now - p->last_draw >= 0.1) /* ten redraws a second at most */
        draw(p, now);
}

static void term_end(void *ctx)
{
    term_line *p = ctx;
    draw(p, as_now());
    fputc('\n', stderr);
}

const as_progress_sink *as_term_progress(void)
{
    static term_line line;
    static const as_progress_sink sink = {term_begin, term_update, term_end, &line};
    if (isatty(STDERR_FILENO) != 1 || getenv("NO_PROGRESS") != NULL)
        return NULL;
    return &sink;
}
