/*
 * fuzz_tlogproof: c2sp.org/tlog-proof files, verified for entry 37 ("entry 37") against the
 * seeds' log and witness keys, and the transparency log frontier's text form. Whatever
 * parses formats back to exactly its bytes.
 */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/checkpoint.h"
#include "common/crypto/merkle.h"

static const char *const VKEYS[] = {
    "airseal.test/station+caf6958f+ASIf5faFmhpP7HkFfJ0yyNP8NW4USx2jsPkBbvbymIja",
    "witness.test/one+16a485cc+BOTle8T8S8ot3IsfL5b9/JzhZufNY5wQuBHfe1EngbNB",
};

static void same_bytes(const as_buf *out, const uint8_t *data, size_t size)
{
    if (out->len != size || (size > 0 && memcmp(out->data, data, size) != 0))
        abort();
}

static void frontier(const uint8_t *data, size_t size)
{
    as_tlog_frontier f;
    as_error e = {0};
    as_buf out;
    uint8_t root[AS_TLOG_HASH_LEN];
    int rc = as_tlog_frontier_load(&f, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0)
        return;
    as_tlog_frontier_root(&f, root);
    as_buf_init(&out, 1 << 16);
    if (as_tlog_frontier_save(&f, &out, &e) != 0)
        abort();
    same_bytes(&out, data, size);
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static as_note_vkey keys[2];
    static uint8_t leaf[AS_TLOG_HASH_LEN];
    static as_tlog_proof p;
    static int ready;
    fuzz_init();
    if (!ready) {
        for (size_t i = 0; i < 2; i++) {
            as_error e = {0};
            if (as_note_vkey_parse(&keys[i], VKEYS[i], strlen(VKEYS[i]), &e) != 0)
                abort();
        }
        as_tlog_leaf_hash(leaf, "entry 37", 8);
        ready = 1;
    }
    as_error e = {0};
    int rc = as_tlog_proof_parse(&p, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0) {
        as_buf out;
        as_checkpoint cp;
        as_note_result res[2];
        as_error e2 = {0};
        as_buf_init(&out, AS_TLOG_PROOF_MAX + 1024);
        if (as_tlog_proof_format(&out, &p, &e2) != 0)
            abort();
        same_bytes(&out, data, size);
        as_buf_free(&out);
        fuzz_check_error(as_tlog_proof_verify(&p, leaf, keys, 2, res, &cp, &e2), &e2);
    }
    frontier(data, size);
    return 0;
}
