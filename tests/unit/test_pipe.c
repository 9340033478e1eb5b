/*
 * test_pipe.c: the bounded buffer queue (core/pipe) and the two threaded streams on it. Bytes
 * out equal bytes in, in order, for every buffer geometry; a failure on either side reaches
 * the other with its own message; a stop mid-stream joins the thread (ASan/TSan see leaks and
 * races; a thread left blocked would hang the test).
 */
#include <pthread.h>

#include "helpers.h"

#include "common/core/pipe.h"

/* A writer that takes `limit` bytes and then fails with its own message. */
typedef struct failing_writer {
    as_writer base;
    as_buf *out;
    size_t limit;
} failing_writer;

static int failing_write(as_writer *self, const uint8_t *p, size_t n, as_error *err)
{
    failing_writer *w = (failing_writer *)self;
    if (w->out->len + n > w->limit)
        return as_fail(err, AS_ERR_IO, "downstream full at %zu", w->limit);
    return as_buf_append(w->out, p, n, err);
}

/* A reader of `len` seeded bytes that fails with its own message after `fail_at` bytes. */
typedef struct failing_reader {
    as_reader base;
    const uint8_t *data;
    size_t len, pos, fail_at, step;
} failing_reader;

static ssize_t failing_read(as_reader *self, uint8_t *buf, size_t n, as_error *err)
{
    failing_reader *r = (failing_reader *)self;
    if (r->pos >= r->fail_at)
        return as_fail(err, AS_ERR_FORMAT, "upstream broken at %zu", r->fail_at);
    size_t take = r->len - r->pos;
    if (take > n)
        take = n;
    if (take > r->step)
        take = r->step;
    if (take > r->fail_at - r->pos)
        take = r->fail_at - r->pos;
    memcpy(buf, r->data + r->pos, take);
    r->pos += take;
    return (ssize_t)take;
}

static void writer_roundtrip_geometries(void **state)
{
    (void)state;
    static const struct {
        size_t nslots, size, step, total;
    } cases[] = {
        {2, 1, 1, 100},
        {2, 7, 3, 1000},
        {3, 4096, 1, 20000},
        {4, 4096, 4096, 65536},
        {2, 65536, 100000, 1 << 20},
        {8, 1000, 999, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint8_t *data = seeded_alloc(cases[c].total, (uint32_t)c + 1);
        as_buf out;
        as_buf_init(&out, 1 << 24);
        as_buf_writer bw;
        as_buf_writer_init(&bw, &out);
        as_error err = {0};
        as_async_writer aw;
        assert_int_equal(as_async_writer_start(&aw, &bw.base, cases[c].nslots, cases[c].size, &err),
                         0);
        for (size_t off = 0; off < cases[c].total; off += cases[c].step) {
            size_t n = cases[c].total - off < cases[c].step ? cases[c].total - off : cases[c].step;
            assert_int_equal(as_write(&aw.base, data + off, n, &err), 0);
        }
        assert_int_equal(as_async_writer_finish(&aw, &err), 0);
        as_async_writer_abort(&aw); /* after finish: does nothing */
        assert_int_equal(out.len, cases[c].total);
        assert_true(cases[c].total == 0 || memcmp(out.data, data, cases[c].total) == 0);
        as_buf_free(&out);
        free(data);
    }
}

static void writer_reports_downstream_failure(void **state)
{
    (void)state;
    uint8_t *data = seeded_alloc(1 << 20, 7);
    as_buf out;
    as_buf_init(&out, 1 << 24);
    failing_writer fw = {{failing_write}, &out, 300000};
    as_error err = {0};
    as_async_writer aw;
    assert_int_equal(as_async_writer_start(&aw, &fw.base, 2, 4096, &err), 0);
    int rc = 0;
    for (size_t off = 0; rc == 0 && off < (1 << 20); off += 1000)
        rc = as_write(&aw.base, data + off, 1000, &err);
    /* the failure reached the producer well before it could write everything */
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, AS_ERR_IO);
    assert_string_equal(err.msg, "downstream full at 300000");
    /* and finish says the same */
    as_error err2 = {0};
    assert_int_equal(as_async_writer_finish(&aw, &err2), -1);
    assert_string_equal(err2.msg, "downstream full at 300000");
    /* what did get through is a prefix of the input */
    assert_true(out.len <= 300000);
    assert_memory_equal(out.data, data, out.len);
    as_async_writer_abort(&aw);
    as_buf_free(&out);
    free(data);
}

static void writer_abort_mid_stream(void **state)
{
    (void)state;
    uint8_t *data = seeded_alloc(100000, 9);
    as_buf out;
    as_buf_init(&out, 1 << 24);
    as_buf_writer bw;
    as_buf_writer_init(&bw, &out);
    as_error err = {0};
    as_async_writer aw;
    assert_int_equal(as_async_writer_start(&aw, &bw.base, 2, 512, &err), 0);
    assert_int_equal(as_write(&aw.base, data, 100000, &err), 0);
    as_async_writer_abort(&aw);
    /* the stream is dead: a later write fails rather than touching freed buffers */
    assert_int_equal(as_write(&aw.base, data, 10, &err), -1);
    assert_true(out.len <= 100000);
    assert_memory_equal(out.data, data, out.len);
    as_async_writer_abort(&aw);
    as_buf_free(&out);
    free(data);
}

/* sync hands every byte written so far downstream and leaves the thread idle: the caller may
 * then read (or switch) what the downstream writes to; a downstream failure surfaces there. */
static void writer_sync_drains(void **state)
{
    (void)state;
    uint8_t *data = seeded_alloc(100000, 61);
    as_buf out;
    as_buf_init(&out, 1 << 24);
    failing_writer fw = {{failing_write}, &out, 60000};
    as_error err = {0};
    as_async_writer aw;
    assert_int_equal(as_async_writer_start(&aw, &fw.base, 3, 1000, &err), 0);
    size_t done = 0;
    for (size_t step = 1; done + step <= 50000; done += step, step = step * 3 + 1) {
        assert_int_equal(as_write(&aw.base, data + done, step, &err), 0);
        assert_int_equal(as_async_writer_sync(&aw, &err), 0);
        assert_int_equal(out.len, done + step); /* everything, not a whole-buffer share */
        assert_memory_equal(out.data, data, out.len);
    }
    /* past the limit: the write itself may meet the failure, else the sync does */
    int rc = as_write(&aw.base, data + done, 20000, &err);
    assert_int_equal(rc == 0 ? as_async_writer_sync(&aw, &err) : rc, -1);
    assert_string_equal(err.msg, "downstream full at 60000");
    as_async_writer_abort(&aw);
    as_buf_free(&out);
    free(data);
}

/* Reads r to its end in pieces of `step`; returns the count or -1. */
static ssize_t drain(as_reader *r, uint8_t *dst, size_t cap, size_t step, as_error *err)
{
    size_t got = 0;
    for (;;) {
        uint8_t tmp[5000];
        size_t want = step < sizeof tmp ? step : sizeof tmp;
        ssize_t n = as_read(r, tmp, want, err);
        if (n <= 0)
            return n < 0 ? -1 : (ssize_t)got;
        assert_true(got + (size_t)n <= cap);
        memcpy(dst + got, tmp, (size_t)n);
        got += (size_t)n;
    }
}

static void reader_roundtrip_geometries(void **state)
{
    (void)state;
    static const struct {
        size_t nslots, size, src_step, step, total;
    } cases[] = {
        {2, 1, 1, 1, 300},          {2, 5, 3, 7, 1001},          {4, 4096, 4096, 4096, 65536},
        {3, 4096, 10, 4999, 30000}, {2, 65536, 70000, 1, 70001}, {2, 64, 64, 64, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        uint8_t *data = seeded_alloc(cases[c].total, (uint32_t)c + 20);
        uint8_t *got = malloc(cases[c].total + 1);
        failing_reader src = {{failing_read}, data, cases[c].total, 0, SIZE_MAX, cases[c].src_step};
        as_error err = {0};
        as_async_reader ar;
        assert_int_equal(
            as_async_reader_start(&ar, &src.base, cases[c].nslots, cases[c].size, &err), 0);
        assert_int_equal(drain(&ar.base, got, cases[c].total, cases[c].step, &err),
                         (ssize_t)cases[c].total);
        assert_int_equal(as_read(&ar.base, got, 1, &err), 0); /* the end stays the end */
        as_async_reader_stop(&ar);
        assert_true(cases[c].total == 0 || memcmp(got, data, cases[c].total) == 0);
        free(got);
        free(data);
    }
}

static void reader_reports_upstream_failure(void **state)
{
    (void)state;
    uint8_t *data = seeded_alloc(100000, 31);
    uint8_t *got = malloc(100000);
    failing_reader src = {{failing_read}, data, 100000, 0, 50000, 3000};
    as_error err = {0};
    as_async_reader ar;
    assert_int_equal(as_async_reader_start(&ar, &src.base, 2, 4096, &err), 0);
    assert_int_equal(drain(&ar.base, got, 100000, 777, &err), -1);
    assert_int_equal(err.code, AS_ERR_FORMAT);
    assert_string_equal(err.msg, "upstream broken at 50000");
    as_error err2 = {0};
    assert_int_equal(as_read(&ar.base, got, 1, &err2), -1); /* and stays failed */
    as_async_reader_stop(&ar);
    free(got);
    free(data);
}

static void reader_stop_mid_stream(void **state)
{
    (void)state;
    uint8_t *data = seeded_alloc(1 << 20, 41);
    uint8_t small[100];
    failing_reader src = {{failing_read}, data, 1 << 20, 0, SIZE_MAX, 1 << 20};
    as_error err = {0};
    as_async_reader ar;
    assert_int_equal(as_async_reader_start(&ar, &src.base, 2, 1024, &err), 0);
    assert_int_equal(as_read(&ar.base, small, sizeof small, &err), (ssize_t)sizeof small);
    assert_memory_equal(small, data, sizeof small);
    as_async_reader_stop(&ar); /* the worker is blocked on a full pipe: the stop must wake it */
    assert_true(src.pos < (1 << 20));
    free(data);
}

/* A producer that waits for a free slot forever unless the cancel wakes it. */
static void *blocked_producer(void *arg)
{
    as_pipe *p = arg;
    for (;;) {
        uint8_t *b = as_pipe_acquire(p);
        if (b == NULL)
            return p;
        as_pipe_push(p, 1);
    }
}

static void pipe_cancel_wakes_both_sides(void **state)
{
    (void)state;
    as_error err = {0};
    assert_null(as_pipe_new(1, 10, &err)); /* one slot cannot overlap anything */
    assert_int_equal(err.code, AS_ERR_INTERNAL);
    as_pipe *p = as_pipe_new(2, 16, NULL);
    assert_non_null(p);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_producer, p), 0);
    size_t len = 0;
    assert_non_null(as_pipe_pop(p, &len)); /* the first slot, then hold it: producer blocks */
    assert_int_equal(len, 1);
    as_pipe_cancel(p);
    void *ret = NULL;
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_ptr_equal(ret, p);
    assert_true(as_pipe_cancelled(p));
    assert_null(as_pipe_pop(p, &len)); /* cancelled: nothing more, even if queued */
    as_pipe_free(p);
}

static void pipe_close_drains_then_ends(void **state)
{
    (void)state;
    as_pipe *p = as_pipe_new(3, 8, NULL);
    assert_non_null(p);
    for (uint8_t i = 0; i < 3; i++) {
        uint8_t *b = as_pipe_acquire(p);
        assert_non_null(b);
        memset(b, 'a' + i, 8);
        as_pipe_push(p, (size_t)i + 1);
    }
    as_pipe_close(p);
    for (uint8_t i = 0; i < 3; i++) {
        size_t len = 0;
        const uint8_t *b = as_pipe_pop(p, &len);
        assert_non_null(b);
        assert_int_equal(len, i + 1);
        assert_int_equal(b[0], 'a' + i);
        as_pipe_release(p);
    }
    size_t len = 0;
    assert_null(as_pipe_pop(p, &len));
    as_pipe_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pipe_close_drains_then_ends),
        cmocka_unit_test(pipe_cancel_wakes_both_sides),
        cmocka_unit_test(writer_roundtrip_geometries),
        cmocka_unit_test(writer_reports_downstream_failure),
        cmocka_unit_test(writer_abort_mid_stream),
        cmocka_unit_test(writer_sync_drains),
        cmocka_unit_test(reader_roundtrip_geometries),
        cmocka_unit_test(reader_reports_upstream_failure),
        cmocka_unit_test(reader_stop_mid_stream),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
