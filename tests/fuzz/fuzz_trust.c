/*
 * fuzz_trust: the station's trust store (trusted-signers.txt). A store that parses is saved
 * (its only writer writes a file: a private temporary folder) and loaded again: every key and
 * label must come back, in order (abort otherwise).
 */
#include "tests/fuzz/fuzz.h"

#include "common/station/trust.h"

#include <stdio.h>
#include <unistd.h>

static char dir[] = "/tmp/airseal-fuzz-trust-XXXXXX", path[sizeof dir + 32];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

static void roundtrip(const as_trust_store *ts)
{
    if (path[0] == '\0') {
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(path, sizeof path, "%s/trusted-signers.txt", dir);
        atexit(cleanup);
    }
    as_error e = {0};
    as_trust_store back;
    memset(&back, 0, sizeof back);
    if (as_trust_save(ts, path, &e) != 0 || as_trust_load(&back, path, &e) != 0 || back.n != ts->n)
        abort();
    for (size_t i = 0; i < ts->n; i++)
        if (memcmp(&back.v[i].key, &ts->v[i].key, sizeof ts->v[i].key) != 0 ||
            strcmp(back.v[i].label, ts->v[i].label) != 0)
            abort();
    as_trust_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_trust_store ts;
    as_error e = {0};
    memset(&ts, 0, sizeof ts);
    int rc = as_trust_parse(&ts, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0)
        roundtrip(&ts);
    as_trust_free(&ts);
    return 0;
}
