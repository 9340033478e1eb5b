/*
 * fuzz_note: C2SP signed notes and note verifier keys. A note that parses must format back
 * to exactly its bytes and is verified against known keys (golang.org/x/mod/sumdb/note's
 * PeterNeumann and EnochRoot, C2SP's example key, and the seeds' log and witness keys); a
 * verifier key that parses must format back to exactly its text.
 */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/note.h"

static const char *const VKEYS[] = {
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop",
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    "airseal.test/station+caf6958f+ASIf5faFmhpP7HkFfJ0yyNP8NW4USx2jsPkBbvbymIja",
    "witness.test/one+16a485cc+BOTle8T8S8ot3IsfL5b9/JzhZufNY5wQuBHfe1EngbNB",
};
#define NKEYS (sizeof VKEYS / sizeof VKEYS[0])

/* Formatting what parsed gives the input back, byte for byte (abort otherwise). */
static void same_bytes(const as_buf *out, const uint8_t *data, size_t size)
{
    if (out->len != size || (size > 0 && memcmp(out->data, data, size) != 0))
        abort();
}

static void vkey_round_trip(const uint8_t *data, size_t size)
{
    as_note_vkey k;
    as_error e = {0};
    as_buf out;
    int rc = as_note_vkey_parse(&k, (const char *)data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0)
        return;
    as_buf_init(&out, 1024);
    if (as_note_vkey_format(&out, &k, &e) != 0)
        abort();
    same_bytes(&out, data, size);
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static as_note_vkey keys[NKEYS];
    static int ready;
    fuzz_init();
    if (!ready) {
        for (size_t i = 0; i < NKEYS; i++) {
            as_error e = {0};
            if (as_note_vkey_parse(&keys[i], VKEYS[i], strlen(VKEYS[i]), &e) != 0)
                abort();
        }
        ready = 1;
    }
    as_note n;
    as_error e = {0};
    int rc = as_note_parse(&n, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0) {
        as_buf out;
        as_note_result res[NKEYS];
        as_error e2 = {0};
        as_buf_init(&out, AS_NOTE_MAX + 1024);
        if (as_note_format(&out, &n, &e2) != 0)
            abort();
        same_bytes(&out, data, size);
        as_buf_free(&out);
        fuzz_check_error(as_note_verify(&n, keys, NKEYS, res, &e2), &e2);
    }
    if (size <= AS_NOTE_VKEY_MAX)
        vkey_round_trip(data, size);
    return 0;
}
