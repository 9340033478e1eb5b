/*
 * fuzz_usb_meta: USB bundle metadata: part file headers and bundle.index. What parses is
 * formatted and parsed again: every field must come back (abort otherwise).
 */
#include "tests/fuzz/fuzz.h"

#include "common/transport/usb.h"

static void header_roundtrip(const as_part_header *h)
{
    uint8_t out[AS_PART_HEADER];
    as_part_header back;
    as_error e = {0};
    as_part_header_format(out, h);
    if (as_part_header_parse(&back, out, sizeof out, &e) != 0 ||
        strcmp(h->bundle_id, back.bundle_id) != 0 || strcmp(h->object, back.object) != 0 ||
        h->index != back.index || h->count != back.count || h->offset != back.offset ||
        h->length != back.length || h->object_size != back.object_size ||
        memcmp(h->sha256, back.sha256, 32) != 0)
        abort();
}

static int same_index(const as_usb_index *a, const as_usb_index *b)
{
    if (strcmp(a->bundle_id, b->bundle_id) != 0 ||
        memcmp(&a->layout, &b->layout, sizeof a->layout) != 0 ||
        memcmp(a->sealed_sha256, b->sealed_sha256, 32) != 0 ||
        a->signature_len != b->signature_len ||
        memcmp(a->signature, b->signature, a->signature_len) != 0 || a->nparts != b->nparts)
        return 0;
    for (size_t i = 0; i < a->nparts; i++)
        if (strcmp(a->parts[i].object, b->parts[i].object) != 0 ||
            a->parts[i].index != b->parts[i].index || a->parts[i].count != b->parts[i].count ||
            a->parts[i].offset != b->parts[i].offset || a->parts[i].length != b->parts[i].length ||
            memcmp(a->parts[i].sha256, b->parts[i].sha256, 32) != 0)
            return 0;
    return memcmp(a->data_hash, b->data_hash, (size_t)a->layout.k_total * AS_BLOCK_HASH) == 0 &&
           memcmp(a->parity_hash, b->parity_hash, (size_t)a->layout.m_total * AS_BLOCK_HASH) == 0;
}

static void index_roundtrip(const as_usb_index *ix)
{
    as_error e = {0};
    as_buf out;
    as_usb_index back;
    memset(&back, 0, sizeof back);
    as_buf_init(&out, (size_t)1 << 30);
    if (as_usb_index_format(ix, &out, &e) != 0 ||
        as_usb_index_parse(&back, out.data, out.len, &e) != 0 || !same_index(ix, &back))
        abort();
    as_usb_index_free(&back);
    as_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_part_header h;
    as_error e = {0};
    int hrc = as_part_header_parse(&h, data, size, &e);
    fuzz_check_error(hrc, &e);
    if (hrc == 0)
        header_roundtrip(&h);
    as_usb_index ix;
    as_error e2 = {0};
    memset(&ix, 0, sizeof ix);
    int rc = as_usb_index_parse(&ix, data, size, &e2);
    fuzz_check_error(rc, &e2);
    if (rc == 0) {
        index_roundtrip(&ix);
        as_usb_index_free(&ix);
    }
    return 0;
}
