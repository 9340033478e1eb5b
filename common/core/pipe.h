/*
 * pipe.h: two threads on one stream. A bounded queue of fixed-size buffers between exactly one
 * producer thread and one consumer thread, and the two streams built on it: a writer whose
 * downstream work runs on a thread of its own, and a reader whose upstream work does.
 *
 * Memory is fixed at creation (nslots * size bytes): a fast producer waits for the consumer,
 * never grows a queue. Every slot has one owner at a time, handed over under the lock:
 *
 *   free --acquire--> producer --push--> queued --pop--> consumer --release--> free
 *
 * so neither side ever touches bytes the other may be touching. Slots travel in FIFO order:
 * the bytes out are the bytes in, in the same order, whatever the threads' timing (the output
 * of a pipeline never depends on scheduling).
 */
#ifndef AIRSEAL_CORE_PIPE_H
#define AIRSEAL_CORE_PIPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "io.h"

typedef struct as_pipe as_pipe;

/* A queue of nslots (>= 2) buffers of size (> 0) bytes each. Returns NULL with err set
 * (AS_ERR_NOMEM, or AS_ERR_INTERNAL when a lock cannot be made). Free with as_pipe_free. */
as_pipe *as_pipe_new(size_t nslots, size_t size, as_error *err);

/* Releases the queue and its buffers. Both threads must be done with it. Accepts NULL. */
void as_pipe_free(as_pipe *p);

/* The size of every buffer. */
size_t as_pipe_slot_size(const as_pipe *p);

/* Producer: waits for a free buffer and returns it (size bytes, owned by the producer until
 * as_pipe_push). Returns NULL once the pipe is cancelled. */
uint8_t *as_pipe_acquire(as_pipe *p);

/* Producer: hands the acquired buffer, holding len (<= size) bytes, to the consumer. */
void as_pipe_push(as_pipe *p, size_t len);

/* Producer: the end of the stream; the consumer drains what was pushed, then sees the end. */
void as_pipe_close(as_pipe *p);

/* Consumer: waits for the next pushed buffer; sets *len and returns it, owned by the consumer
 * until as_pipe_release. Returns NULL at the end of the stream (closed and drained) or once
 * the pipe is cancelled. */
const uint8_t *as_pipe_pop(as_pipe *p, size_t *len);

/* Consumer: gives the popped buffer back for the producer to fill again. */
void as_pipe_release(as_pipe *p);

/* Producer: waits until the consumer has released every buffer pushed. Returns 0, or -1 once
 * the pipe is cancelled. */
int as_pipe_drain(as_pipe *p);

/* Either side: gives up. Wakes both; from now on acquire and pop return NULL. Idempotent. */
void as_pipe_cancel(as_pipe *p);

/* True once as_pipe_cancel was called. */
bool as_pipe_cancelled(as_pipe *p);

/*
 * A writer whose downstream runs on its own thread: as_write copies into the pipe's buffers
 * and returns; the thread feeds `next` the same bytes in the same order. next (and anything
 * behind it) belongs to that thread from start until as_async_writer_finish or _abort return:
 * the caller must not touch it in between.
 *
 * A failure downstream surfaces at the caller's next write (or at finish) as the downstream's
 * own error; writes after it fail at once, so the caller stops as soon as it can.
 */
typedef struct as_async_writer {
    as_writer base;
    as_writer *next; /* the worker's, while it runs */
    as_pipe *pipe;
    pthread_t thread;
    bool running;  /* thread started and not yet joined */
    uint8_t *cur;  /* the producer's buffer being filled, or NULL */
    size_t fill;   /* bytes in cur */
    int rc;        /* the worker's result: written by it, read after the handover */
    as_error werr; /* the worker's error */
} as_async_writer;

/* Starts the thread with a pipe of nslots buffers of size bytes. On failure nothing runs and
 * w needs no abort (but accepts one). */
int as_async_writer_start(as_async_writer *w, as_writer *next, size_t nslots, size_t size,
                          as_error *err);

/* Hands over the bytes written so far and waits until next has taken them all; the thread
 * stays, idle, until the next write. Until then the caller may touch what next writes to
 * (switch its file, read its digest). Returns 0, or -1 with the downstream's error. */
int as_async_writer_sync(as_async_writer *w, as_error *err);

/* Hands over the last bytes, waits until next has taken every byte and the thread has ended.
 * Returns 0, or -1 with the first error (the downstream's if it failed). next is the caller's
 * again afterwards. The pipe is freed; call _abort only to be safe, it then does nothing. */
int as_async_writer_finish(as_async_writer *w, as_error *err);

/* Stops without finishing: cancels, joins the thread, frees the pipe. Bytes not yet written
 * downstream are dropped. Safe on any state (never started, running, finished, aborted). */
void as_async_writer_abort(as_async_writer *w);

/*
 * A reader whose upstream runs on its own thread: the thread reads src ahead into the pipe's
 * buffers; as_read takes the bytes out in order. src belongs to that thread from start until
 * as_async_reader_stop returns. An upstream error is returned after every byte read before it
 * (as src would have), with src's own message.
 */
typedef struct as_async_reader {
    as_reader base;
    as_reader *src; /* the worker's, while it runs */
    as_pipe *pipe;
    pthread_t thread;
    bool running;
    const uint8_t *cur; /* the popped buffer being read, or NULL */
    size_t pos, len;
    int state;     /* 0 reading, 1 ended, -1 failed (consumer side) */
    int rc;        /* the worker's result: < 0 when src failed */
    as_error werr; /* the worker's error */
} as_async_reader;

/* Starts the thread with a pipe of nslots buffers of size bytes. On failure nothing runs. */
int as_async_reader_start(as_async_reader *r, as_reader *src, size_t nslots, size_t size,
                          as_error *err);

/* The next bytes without a copy: sets *out to them, in the pipe's buffer, and returns their
 * count (> 0), 0 at the end, or -1 as as_read would. *out stays valid until the next chunk,
 * read or stop; mixing this with as_read on r is allowed. */
ssize_t as_async_reader_chunk(as_async_reader *r, const uint8_t **out, as_error *err);

/* Cancels (if still running), joins the thread and frees the pipe; src is the caller's again.
 * Safe on any state. */
void as_async_reader_stop(as_async_reader *r);

#endif
