/* pipe.c: a bounded single-producer single-consumer queue of buffers; see pipe.h. */
#include "pipe.h"

#include <stdlib.h>
#include <string.h>

struct as_pipe {
    pthread_mutex_t mu;
    pthread_cond_t not_full;  /* the producer waits here for a free slot */
    pthread_cond_t not_empty; /* the consumer waits here for a pushed slot */
    uint8_t *mem;             /* nslots * size bytes */
    size_t *lens;             /* lens[i]: bytes pushed in slot i */
    size_t nslots, size;
    /* Monotonic counters; slot of the n-th buffer is n % nslots. Slots pushed but not yet
     * released (released..pushed-1) are the queue's or the consumer's; the producer's next
     * one is pushed % nslots, free because pushed - released < nslots when it got it. */
    uint64_t pushed, popped, released;
    bool closed, cancelled;
};

as_pipe *as_pipe_new(size_t nslots, size_t size, as_error *err)
{
    if (nslots < 2 || size == 0 || nslots > SIZE_MAX / size) {
        as_fail(err, AS_ERR_INTERNAL, "bad pipe geometry");
        return NULL;
    }
    as_pipe *p = calloc(1, sizeof *p);
    if (p == NULL || (p->mem = malloc(nslots * size)) == NULL ||
        (p->lens = calloc(nslots, sizeof *p->lens)) == NULL) {
        if (p != NULL)
            free(p->mem);
        free(p);
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->nslots = nslots;
    p->size = size;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p->lens);
        free(p->mem);
        free(p);
        as_fail(err, AS_ERR_INTERNAL, "cannot create a lock");
        return NULL;
    }
    pthread_cond_init(&p->not_full, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    return p;
}

void as_pipe_free(as_pipe *p)
{
    if (p == NULL)
        return;
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->mu);
    free(p->lens);
    free(p->mem);
    free(p);
}

size_t as_pipe_slot_size(const as_pipe *p)
{
    return p->size;
}

uint8_t *as_pipe_acquire(as_pipe *p)
{
    uint8_t *slot = NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->cancelled && p->pushed - p->released >= p->nslots)
        pthread_cond_wait(&p->not_full, &p->mu);
    if (!p->cancelled)
        slot = p->mem + (size_t)(p->pushed % p->nslots) * p->size;
    pthread_mutex_unlock(&p->mu);
    return slot;
}

void as_pipe_push(as_pipe *p, size_t len)
{
    pthread_mutex_lock(&p->mu);
    p->lens[p->pushed % p->nslots] = len <= p->size ? len : p->size;
    p->pushed++;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
}

void as_pipe_close(as_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->closed = true;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
}

const uint8_t *as_pipe_pop(as_pipe *p, size_t *len)
{
    const uint8_t *slot = NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->cancelled && p->popped == p->pushed && !p->closed)
        pthread_cond_wait(&p->not_empty, &p->mu);
    if (!p->cancelled && p->popped < p->pushed) {
        size_t i = (size_t)(p->popped % p->nslots);
        slot = p->mem + i * p->size;
        *len = p->lens[i];
        p->popped++;
    }
    pthread_mutex_unlock(&p->mu);
    return slot;
}

void as_pipe_release(as_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    if (p->released < p->popped)
        p->released++;
    pthread_cond_signal(&p->not_full);
    pthread_mutex_unlock(&p->mu);
}

void as_pipe_cancel(as_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    p->cancelled = true;
    pthread_cond_broadcast(&p->not_full);
    pthread_cond_broadcast(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
}

int as_pipe_drain(as_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->cancelled && p->released < p->pushed)
        pthread_cond_wait(&p->not_full, &p->mu);
    bool c = p->cancelled;
    pthread_mutex_unlock(&p->mu);
    return c ? -1 : 0;
}

bool as_pipe_cancelled(as_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    bool c = p->cancelled;
    pthread_mutex_unlock(&p->mu);
    return c;
}

/* ---------------------------------------------------------------- async writer */

/* The worker: everything pushed goes to next, in order; on the first failure it keeps the
 * error and cancels, which the producer sees at its next acquire or drain. The error is
 * written before the cancel's lock, so the producer reads it after a lock it takes later; the
 * cancel comes before the release, so a drain never sees the failed buffer done without it. */
static void *writer_main(void *arg)
{
    as_async_writer *w = arg;
    const uint8_t *p;
    size_t n;
    while ((p = as_pipe_pop(w->pipe, &n)) != NULL) {
        int rc = as_write(w->next, p, n, &w->werr);
        if (rc != 0) {
            w->rc = -1;
            as_pipe_cancel(w->pipe);
        }
        as_pipe_release(w->pipe);
        if (rc != 0)
            break;
    }
    return NULL;
}

/* The error to report once the pipe is dead: the worker's own, or why it stopped. */
static int writer_failed(as_async_writer *w, as_error *err)
{
    if (w->rc != 0 && err != NULL && err->code == AS_OK)
        *err = w->werr;
    return w->rc != 0 ? -1 : as_fail(err, AS_ERR_INTERNAL, "write after the stream was stopped");
}

static int async_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    as_async_writer *w = (as_async_writer *)self;
    while (n > 0) {
        if (w->cur == NULL) {
            if (!w->running || (w->cur = as_pipe_acquire(w->pipe)) == NULL)
                return writer_failed(w, err);
            w->fill = 0;
        }
        size_t size = as_pipe_slot_size(w->pipe);
        size_t take = size - w->fill < n ? size - w->fill : n;
        memcpy(w->cur + w->fill, p, take);
        w->fill += take;
        p += take;
        n -= take;
        if (w->fill == size) {
            as_pipe_push(w->pipe, w->fill);
            w->cur = NULL;
        }
    }
    return 0;
}

int as_async_writer_start(as_async_writer *w, as_writer *next, size_t nslots, size_t size,
                          as_error *err)
{
    memset(w, 0, sizeof *w);
    w->base.write = async_write;
    w->next = next;
    w->pipe = as_pipe_new(nslots, size, err);
    if (w->pipe == NULL)
        return -1;
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        as_pipe_free(w->pipe);
        w->pipe = NULL;
        return as_fail(err, AS_ERR_INTERNAL, "cannot start a thread");
    }
    w->running = true;
    return 0;
}

int as_async_writer_sync(as_async_writer *w, as_error *err)
{
    if (!w->running)
        return writer_failed(w, err);
    if (w->cur != NULL)
        as_pipe_push(w->pipe, w->fill);
    w->cur = NULL;
    return as_pipe_drain(w->pipe) == 0 ? 0 : writer_failed(w, err);
}

int as_async_writer_finish(as_async_writer *w, as_error *err)
{
    if (!w->running)
        return writer_failed(w, err);
    if (w->cur != NULL)
        as_pipe_push(w->pipe, w->fill);
    w->cur = NULL;
    as_pipe_close(w->pipe);
    pthread_join(w->thread, NULL);
    w->running = false;
    as_pipe_free(w->pipe);
    w->pipe = NULL;
    return w->rc != 0 ? writer_failed(w, err) : 0;
}

void as_async_writer_abort(as_async_writer *w)
{
    if (w->running) {
        as_pipe_cancel(w->pipe);
        pthread_join(w->thread, NULL);
        w->running = false;
    }
    as_pipe_free(w->pipe);
    w->pipe = NULL;
    w->cur = NULL;
}

/* ---------------------------------------------------------------- async reader */

/* The worker: fills buffers from src until its end, its failure or a cancel. A failure is
 * kept (before the close's lock) and reported by the consumer after the bytes before it. */
static void *reader_main(void *arg)
{
    as_async_reader *r = arg;
    size_t size = as_pipe_slot_size(r->pipe);
    for (;;) {
        uint8_t *buf = as_pipe_acquire(r->pipe);
        if (buf == NULL)
            return NULL;
        ssize_t n = as_read_full(r->src, buf, size, &r->werr);
        if (n < 0)
            r->rc = -1;
        if (n > 0)
            as_pipe_push(r->pipe, (size_t)n);
        if (n < (ssize_t)size) {
            as_pipe_close(r->pipe);
            return NULL;
        }
    }
}

/* The consumer at the end of what was pushed: src's end, src's error, or a stop. */
static ssize_t reader_end(as_async_reader *r, as_error *err)
{
    if (r->rc < 0 || as_pipe_cancelled(r->pipe)) {
        r->state = -1;
        if (r->rc < 0 && err != NULL && err->code == AS_OK)
            *err = r->werr;
        return r->rc < 0 ? -1 : as_fail(err, AS_ERR_INTERNAL, "read after the stream stopped");
    }
    r->state = 1;
    return 0;
}

ssize_t as_async_reader_chunk(as_async_reader *r, const uint8_t **out, as_error *err)
{
    if (r->state == 1)
        return 0;
    if (r->state == -1 || !r->running) {
        if (r->rc < 0 && err != NULL && err->code == AS_OK)
            *err = r->werr;
        return as_fail(err, AS_ERR_INTERNAL, "read after the stream stopped");
    }
    while (r->cur == NULL || r->pos == r->len) {
        if (r->cur != NULL)
            as_pipe_release(r->pipe);
        r->pos = 0;
        r->cur = as_pipe_pop(r->pipe, &r->len);
        if (r->cur == NULL)
            return reader_end(r, err);
    }
    *out = r->cur + r->pos;
    size_t n = r->len - r->pos;
    r->pos = r->len;
    return (ssize_t)n;
}

static ssize_t async_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    as_async_reader *r = (as_async_reader *)self;
    const uint8_t *p;
    ssize_t k = as_async_reader_chunk(r, &p, err);
    if (k <= 0)
        return k;
    /* take n at most; what is left stays in the buffer for the next read */
    size_t take = (size_t)k < n ? (size_t)k : n;
    memcpy(buf, p, take);
    r->pos -= (size_t)k - take;
    return (ssize_t)take;
}

int as_async_reader_start(as_async_reader *r, as_reader *src, size_t nslots, size_t size,
                          as_error *err)
{
    memset(r, 0, sizeof *r);
    r->base.read = async_read;
    r->src = src;
    r->pipe = as_pipe_new(nslots, size, err);
    if (r->pipe == NULL)
        return -1;
    if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        as_pipe_free(r->pipe);
        r->pipe = NULL;
        return as_fail(err, AS_ERR_INTERNAL, "cannot start a thread");
    }
    r->running = true;
    return 0;
}

void as_async_reader_stop(as_async_reader *r)
{
    if (r->running) {
        as_pipe_cancel(r->pipe);
        pthread_join(r->thread, NULL);
        r->running = false;
    }
    as_pipe_free(r->pipe);
    r->pipe = NULL;
    r->cur = NULL;
}
