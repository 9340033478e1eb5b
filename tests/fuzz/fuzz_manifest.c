/*
 * fuzz_manifest: the manifest parser and its checks (paths, duplicates, case collisions). A
 * manifest that parses is formatted and parsed again: every field must come back (abort
 * otherwise).
 */
#include "tests/fuzz/fuzz.h"

#include "common/bundle/manifest.h"

static int same_manifest(const as_manifest *a, const as_manifest *b)
{
    if (strcmp(a->bundle_id, b->bundle_id) != 0 || strcmp(a->case_id, b->case_id) != 0 ||
        strcmp(a->collector, b->collector) != 0 || strcmp(a->note, b->note) != 0 ||
        strcmp(a->tool, b->tool) != 0 || a->created != b->created ||
        memcmp(a->sender, b->sender, sizeof a->sender) != 0 || a->nrecipients != b->nrecipients ||
        memcmp(a->recipients, b->recipients, a->nrecipients * sizeof a->recipients[0]) != 0 ||
        a->nfiles != b->nfiles || a->total_bytes != b->total_bytes)
        return 0;
    for (size_t i = 0; i < a->nfiles; i++)
        if (strcmp(a->files[i].path, b->files[i].path) != 0 ||
            a->files[i].size != b->files[i].size ||
            memcmp(a->files[i].sha256, b->files[i].sha256, 32) != 0)
            return 0;
    return 1;
}

static void roundtrip(as_manifest *m)
{
    as_error e = {0};
    as_buf out;
    as_manifest back;
    memset(&back, 0, sizeof back);
    as_buf_init(&out, AS_MANIFEST_MAX_BYTES * 2u);
    if (as_manifest_format(m, &out, &e) != 0 ||
        as_manifest_parse(&back, out.data, out.len, &e) != 0 || !same_manifest(m, &back))
        abort();
    as_manifest_free(&back);
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_manifest m;
    as_error e = {0};
    memset(&m, 0, sizeof m);
    int rc = as_manifest_parse(&m, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0) {
        roundtrip(&m);
        as_manifest_free(&m);
    }
    return 0;
}
