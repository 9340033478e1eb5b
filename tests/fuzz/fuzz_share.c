/*
 * fuzz_share: a custodian's share of the station's keys (airseal-share v1) and the QR code
 * payloads a share is photographed from. A share that parses must format back to exactly its
 * bytes (abort otherwise); a QR payload that is taken must give its text slice back when it is
 * a whole share's only part.
 */
#include "tests/fuzz/fuzz.h"

#include "common/core/bytes.h"
#include "common/crypto/shares.h"

static void share_round_trip(const uint8_t *data, size_t size)
{
    as_share s;
    as_error e = {0};
    int rc = as_share_parse(&s, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc != 0) {
        if (s.y != NULL)
            abort(); /* a refused share leaves no secret memory behind */
        return;
    }
    as_buf out;
    as_buf_init_secret(&out, AS_SHARE_TEXT_MAX);
    if (as_share_format(&s, &out, &e) != 0 || out.len != size || memcmp(out.data, data, size))
        abort();
    as_buf_free(&out);
    as_share_free(&s);
}

static void qr_payload(const uint8_t *data, size_t size)
{
    as_share_qr_set set;
    as_error e = {0};
    as_share_qr_set_init(&set);
    int rc = as_share_qr_add(&set, data, size, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0) {
        as_buf text;
        as_buf_init_secret(&text, AS_SHARE_TEXT_MAX);
        as_error_clear(&e);
        rc = as_share_qr_text(&set, 0, &text, &e);
        fuzz_check_error(rc, &e);
        if (rc == 0 && (text.len == 0 || text.len > size ||
                        memcmp(text.data, data + size - text.len, text.len) != 0))
            abort(); /* a single-part share is the payload after its header */
        as_buf_free(&text);
    }
    as_share_qr_set_free(&set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    share_round_trip(data, size);
    qr_payload(data, size);
    return 0;
}
