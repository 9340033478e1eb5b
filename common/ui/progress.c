/* progress.c: terminal progress line; see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/text.h"

double as_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void as_progress_start(as_progress *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->enabled = isatty(STDERR_FILENO) == 1 && getenv("NO_PROGRESS") == NULL;
    p->label = label;
    p->unit = NULL;
    p->total = total;
    p->start = p->last_draw = as_now();
}

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

static void draw(as_progress *p, double now)
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
    p->drawn = 1;
    p->last_draw = now;
}

void as_progress_set(as_progress *p, uint64_t done)
{
    if (p == NULL)
        return;
    p->done = done;
    if (!p->enabled)
        return;
    double now = as_now();
    if (now - p->last_draw >= 0.1)
        draw(p, now);
}

void as_progress_add(as_progress *p, uint64_t n)
{
    if (p != NULL)
        as_progress_set(p, p->done + n);
}

void as_progress_finish(as_progress *p)
{
    if (p == NULL || !p->enabled)
        return;
    p->done = p->total;
    draw(p, as_now());
    fputc('\n', stderr);
}
