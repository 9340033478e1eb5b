/* test_usb.c: part headers and the bundle index: round trips and damage detection. */
#include "helpers.h"

#include "common/core/text.h"
#include "common/transport/usb.h"

static void part_header_roundtrip(void **state)
{
    (void)state;
    as_part_header h = {0}, back;
    as_error err = {0};
    uint8_t raw[AS_PART_HEADER];
    snprintf(h.bundle_id, sizeof h.bundle_id, "0123456789abcdef0123456789abcdef");
    snprintf(h.object, sizeof h.object, "bundle.age");
    h.index = 2;
    h.count = 3;
    h.offset = 4194304;
    h.length = 4194304;
    h.object_size = 10000000;
    fill_seeded(h.sha256, 32, 3);
    as_part_header_format(raw, &h);
    assert_int_equal(raw[AS_PART_HEADER - 1], '\n');
    assert_int_equal(as_part_header_parse(&back, raw, sizeof raw, &err), 0);
    assert_memory_equal(&back, &h, sizeof h);
    /* any changed byte of the text is refused or changes a field */
    for (size_t i = 0; i < AS_PART_HEADER; i++) {
        uint8_t saved = raw[i];
        raw[i] ^= 0x40;
        as_error_clear(&err);
        if (as_part_header_parse(&back, raw, sizeof raw, &err) == 0)
            assert_memory_not_equal(&back, &h, sizeof h);
        raw[i] = saved;
    }
    /* a part lying outside its object */
    h.offset = 9000000;
    as_part_header_format(raw, &h);
    assert_int_equal(as_part_header_parse(&back, raw, sizeof raw, &err), -1);
}

static void index_roundtrip_and_damage(void **state)
{
    (void)state;
    as_usb_index ix = {0}, back;
    as_error err = {0};
    as_buf out;
    as_buf_init(&out, 1 << 24);
    snprintf(ix.bundle_id, sizeof ix.bundle_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(as_ec_plan(&ix.layout, 300000, 4096, 5, &err), 0);
    fill_seeded(ix.sealed_sha256, 32, 1);
    const char sig[] = "untrusted comment: x\nRUQ...\ntrusted comment: y\nZZZ\n";
    ix.signature = (uint8_t *)sig;
    ix.signature_len = strlen(sig);
    ix.data_hash = calloc(ix.layout.k_total, AS_BLOCK_HASH);
    ix.parity_hash = calloc(ix.layout.m_total, AS_BLOCK_HASH);
    fill_seeded((uint8_t *)ix.data_hash, (size_t)ix.layout.k_total * AS_BLOCK_HASH, 2);
    fill_seeded((uint8_t *)ix.parity_hash, (size_t)ix.layout.m_total * AS_BLOCK_HASH, 4);
    as_usb_part_ref part = {.object = "bundle.parity",
                            .index = 1,
                            .count = 1,
                            .offset = 0,
                            .length = (uint64_t)ix.layout.m_total * 4096};
    ix.parts = &part;
    ix.nparts = 1;
    assert_int_equal(as_usb_index_format(&ix, &out, &err), 0);
    assert_int_equal(as_usb_index_parse(&back, out.data, out.len, &err), 0);
    assert_int_equal(back.layout.k_total, ix.layout.k_total);
    assert_int_equal(back.signature_len, strlen(sig));
    assert_memory_equal(back.data_hash, ix.data_hash, (size_t)ix.layout.k_total * AS_BLOCK_HASH);
    assert_int_equal(back.nparts, 1);
    as_usb_index_free(&back);
    /* every single-bit flip is detected by the closing digest (or breaks the syntax) */
    for (size_t i = 0; i < out.len; i += 7) {
        out.data[i] ^= 0x01;
        as_error_clear(&err);
        assert_int_equal(as_usb_index_parse(&back, out.data, out.len, &err), -1);
        assert_int_equal(err.code, AS_ERR_FORMAT);
        out.data[i] ^= 0x01;
    }
    /* a truncated copy */
    assert_int_equal(as_usb_index_parse(&back, out.data, out.len - 10, &err), -1);
    free(ix.data_hash);
    free(ix.parity_hash);
    as_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(part_header_roundtrip),
        cmocka_unit_test(index_roundtrip_and_damage),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
