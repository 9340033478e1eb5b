/*
 * fuzz_checkpoint: checkpoint text, and signed checkpoints opened with the seeds' log key and
 * witness key (tests/fuzz/make-seeds.sh). A checkpoint text that parses formats back to
 * exactly its bytes when its origin is plain text (airseal writes only such origins; it
 * reads any the spec allows).
 */
#include "tests/fuzz/fuzz.h"

#include "common/core/text.h"
#include "common/crypto/checkpoint.h"

static const char *const VKEYS[] = {
    "airseal.test/station+caf6958f+ASIf5faFmhpP7HkFfJ0yyNP8NW4USx2jsPkBbvbymIja",
    "witness.test/one+16a485cc+BOTle8T8S8ot3IsfL5b9/JzhZufNY5wQuBHfe1EngbNB",
};

static void text_round_trip(const uint8_t *data, size_t size)
{
    as_checkpoint cp;
    as_error e = {0};
    int rc = as_checkpoint_parse(&cp, (const char *)data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0 || !as_text_is_plain(cp.origin, cp.origin_len))
        return;
    as_buf out;
    as_buf_init(&out, AS_NOTE_MAX + 1024);
    if (as_checkpoint_format(&out, &cp, &e) != 0 || out.len != size ||
        memcmp(out.data, data, size) != 0)
        abort();
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static as_note_vkey keys[2];
    static int ready;
    fuzz_init();
    if (!ready) {
        for (size_t i = 0; i < 2; i++) {
            as_error e = {0};
            if (as_note_vkey_parse(&keys[i], VKEYS[i], strlen(VKEYS[i]), &e) != 0)
                abort();
        }
        ready = 1;
    }
    text_round_trip(data, size);
    as_checkpoint cp;
    as_note n;
    as_note_result res[2];
    as_error e = {0};
    int rc = as_checkpoint_open(&cp, &n, data, size, keys, 2, res, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0 && (!res[0].ok || cp.size > AS_TLOG_SIZE_MAX))
        abort();
    return 0;
}
