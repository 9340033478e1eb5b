/*
 * test_evidence.c: collecting what a bundle carries (evidence.c): the names a file and a
 * folder get inside the bundle, what is counted, and what is refused before any work starts.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle/evidence.h"
#include "common/core/file.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-evidence-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

static char *tmp(char *out, const char *name)
{
    snprintf(out, 512, "%s/%s", tmpdir, name);
    return out;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A file given directly keeps its own name; a folder is the top folder of what is below it;
 * an empty folder is counted, not carried. */
static void collect_names(void **state)
{
    (void)state;
    char a[512], d[512], p[512], dot[600];
    put_file(tmp(a, "a.txt"), "12345");
    mkdir(tmp(d, "case"), 0700);
    mkdir(tmp(p, "case/photos"), 0700);
    mkdir(tmp(p, "case/empty"), 0700);
    put_file(tmp(p, "case/photos/1.jpg"), "jpeg");
    put_file(tmp(p, "case/note.txt"), "");
    snprintf(dot, sizeof dot, "%s/case/photos/..", tmpdir); /* named by the folder it is */
    char *paths[] = {a, dot};
    as_evidence ev;
    as_error err = {0};
    if (as_evidence_collect(&ev, paths, 2, &err) != 0)
        fail_msg("collect: %s", err.msg);
    assert_int_equal(ev.n, 3);
    assert_int_equal(ev.total, 5 + 4);
    assert_int_equal(ev.empty_dirs, 1);
    bool photo = false, note = false;
    assert_string_equal(ev.v[0].name, "a.txt");
    assert_int_equal(ev.v[0].size, 5);
    for (size_t i = 1; i < ev.n; i++) {
        photo |= strcmp(ev.v[i].name, "case/photos/1.jpg") == 0 && ev.v[i].size == 4;
        note |= strcmp(ev.v[i].name, "case/note.txt") == 0 && ev.v[i].size == 0;
    }
    assert_true(photo && note);
    as_evidence_free(&ev);
}

/* What cannot be carried is named before anything is hashed, each with its code. */
static void collect_refusals(void **state)
{
    (void)state;
    char f[512], l[512], e[512], m[512], want[1200];
    as_evidence ev;
    as_error err = {0};
    assert_int_equal(mkfifo(tmp(f, "fifo"), 0600), 0);
    char *fifo[] = {f};
    assert_int_equal(as_evidence_collect(&ev, fifo, 1, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    snprintf(want, sizeof want,
             "%s is a special file (FIFO, device or socket); only regular files can be sealed", f);
    assert_string_equal(err.msg, want);

    assert_int_equal(symlink("/etc/passwd", tmp(l, "link")), 0);
    char *link[] = {l};
    as_error_clear(&err);
    assert_int_equal(as_evidence_collect(&ev, link, 1, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);

    mkdir(tmp(e, "hollow"), 0700);
    char *empty[] = {e};
    as_error_clear(&err);
    assert_int_equal(as_evidence_collect(&ev, empty, 1, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
    assert_string_equal(err.msg, "no files to seal: the folders given are empty");

    char *missing[] = {tmp(m, "missing")};
    as_error_clear(&err);
    assert_int_equal(as_evidence_collect(&ev, missing, 1, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);

    as_error_clear(&err);
    assert_int_equal(as_evidence_collect(&ev, missing, 0, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collect_names),
        cmocka_unit_test(collect_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
