/*
 * fuzz_receipt: receipt text, and the text/signature split of a receipt QR payload. A receipt
 * that parses is formatted and parsed again: every field must come back (abort otherwise).
 */
#include "tests/fuzz/fuzz.h"

#include "common/station/receipt_sign.h"

static int same_receipt(const as_receipt *a, const as_receipt *b)
{
    return strcmp(a->station, b->station) == 0 && strcmp(a->bundle_id, b->bundle_id) == 0 &&
           strcmp(a->case_id, b->case_id) == 0 && strcmp(a->signer, b->signer) == 0 &&
           a->sealed_size == b->sealed_size &&
           memcmp(a->sealed_sha256, b->sealed_sha256, 32) == 0 &&
           memcmp(a->manifest_sha256, b->manifest_sha256, 32) == 0 && a->files == b->files &&
           a->bytes == b->bytes && a->imported == b->imported &&
           a->custody_entry == b->custody_entry;
}

/* parse -> format -> parse gives the same fields. */
static void roundtrip(const as_receipt *r)
{
    as_error e = {0};
    as_buf out;
    as_receipt back;
    as_buf_init(&out, 1 << 16);
    if (as_receipt_format(r, &out, &e) != 0 ||
        as_receipt_parse(&back, out.data, out.len, &e) != 0 || !same_receipt(r, &back))
        abort();
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_receipt r;
    as_error e = {0};
    int prc = as_receipt_parse(&r, data, size, &e);
    fuzz_check_error(prc, &e);
    if (prc == 0)
        roundtrip(&r);
    size_t tlen;
    as_error e2 = {0};
    int rc = as_receipt_split(data, size, &tlen, &e2);
    fuzz_check_error(rc, &e2);
    if (rc == 0 && tlen > size)
        abort();
    return 0;
}
