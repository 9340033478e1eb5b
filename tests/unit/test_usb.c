/* test_usb.c: part headers and the bundle index: round trips, damage detection, and tables of
 * hostile edits, each refused with its own message. */
#include "helpers.h"

#include "common/core/text.h"
#include "common/crypto/sha256.h"
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

/* A valid index: parity as one listed part, 5 % redundancy over 300000 bytes. */
static void sample_index(as_buf *out)
{
    static const char sig[] = "untrusted comment: x\nRUQ...\ntrusted comment: y\nZZZ\n";
    as_usb_index ix = {0};
    as_error err = {0};
    snprintf(ix.bundle_id, sizeof ix.bundle_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(as_ec_plan(&ix.layout, 300000, 4096, 5, &err), 0);
    ix.signature = (uint8_t *)sig;
    ix.signature_len = strlen(sig);
    ix.data_hash = calloc(ix.layout.k_total, AS_BLOCK_HASH);
    ix.parity_hash = calloc(ix.layout.m_total, AS_BLOCK_HASH);
    as_usb_part_ref part = {.object = "bundle.parity",
                            .index = 1,
                            .count = 1,
                            .length = (uint64_t)ix.layout.m_total * 4096};
    ix.parts = &part;
    ix.nparts = 1;
    as_buf_init(out, 1 << 24);
    assert_int_equal(as_usb_index_format(&ix, out, &err), 0);
    free(ix.data_hash);
    free(ix.parity_hash);
}

/* Replaces the first `from` in text (NUL-terminated, room for the change) with `to`. */
static void edit(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t fl = strlen(from), tl = strlen(to);
    memmove(at + tl, at + fl, strlen(at + fl) + 1);
    memcpy(at, to, tl);
}

/* Each edit is made to the index's body, which is then closed with a fresh digest, so only the
 * rule under test can refuse it. */
static void index_hostile_table(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *why;
    } rows[] = {
        {"airseal-index v1", "airseal-index v2", "not an airseal index"},
        {"bundle: 0123", "bundle: x123", "bundle id"},
        {"redundancy: 5\n", "redundancy: 101\n", "header fields"},
        {"sealed-size: ", "sealed-size: 0", "header fields"},
        {"block-size: 4096", "block-size:  4096", "header fields"},
        {"stripes: 1\n", "stripes: 2\n", "damaged bundle.index: "},
        {"signature: ", "signature: !", "signature"},
        {"part: bundle.parity 1 1 0", "part: bundle.tar 1 1 0", "part line"},
        {"part: bundle.parity 1 1 0", "part: bundle.parity 2 1 0", "part line"},
        {"part: bundle.parity 1 1 0", "part: bundle.parity 1 1  0", "part line"},
        {"part: ", "part:  ", "part line"},
        {"\nd ", "\nx ", "unexpected line"},
        {"\np ", "\nd ", "too many or misplaced data digests"},
        {"\nd 0000", "\nd 000g", "block digest"},
        {"\nd 00000000000000000000000000000000\n", "\n",
         "73 data and 4 parity digests, "
         "expected 74 and 4"},
    };
    as_buf good;
    sample_index(&good);
    size_t body = good.len - (5 + 64 + 1);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *text = malloc(good.len + 200);
        memcpy(text, good.data, body);
        text[body] = '\0';
        edit(text, rows[i].from, rows[i].to);
        size_t n = strlen(text);
        char hex[65];
        as_sha256_hex(hex, text, n);
        n += (size_t)snprintf(text + n, 200, "end: %s\n", hex);
        as_usb_index back;
        as_error err = {0};
        assert_int_equal(as_usb_index_parse(&back, (uint8_t *)text, n, &err), -1);
        if (err.code != AS_ERR_FORMAT || strstr(err.msg, rows[i].why) == NULL ||
            strncmp(err.msg, "damaged bundle.index: ", 22) != 0)
            fail_msg("row %zu (%s): got \"%s\"", i, rows[i].to, err.msg);
        free(text);
    }
    /* the closing line itself */
    as_usb_index back;
    as_error err = {0};
    good.data[good.len - 2] ^= 1;
    assert_int_equal(as_usb_index_parse(&back, good.data, good.len, &err), -1);
    assert_non_null(strstr(err.msg, "closing digest does not match"));
    as_error_clear(&err);
    assert_int_equal(as_usb_index_parse(&back, good.data, good.len - 1, &err), -1);
    assert_string_equal(err.msg, "damaged bundle.index: truncated");
    as_buf_free(&good);
}

/* Part headers with one rule broken, each with its own message. */
static void part_header_hostile_table(void **state)
{
    (void)state;
    static const struct {
        const char *from, *to, *why;
    } rows[] = {
        {"airseal-part v1", "airseal-part v2", "magic"},
        {"bundle: 0123", "bundle: 0x23", "bundle"},
        {"object: bundle.age", "object: bundle.agx", "object"},
        {"part: 2 of 3", "part 2 of 3", "part"},
        {"part: 2 of 3", "part: 4 of 3", "part number"},
        {"part: 2 of 3", "part: 2 of  3", "part number"},
        {"offset: 4194304", "offset: 04194304", "offsets"},
        {"object-size: 10000000", "object-size: 5000000", "part lies outside the object"},
        {"sha256: ", "sha256: 0", "sha256"},
    };
    as_part_header h = {
        .index = 2, .count = 3, .offset = 4194304, .length = 4194304, .object_size = 10000000};
    snprintf(h.bundle_id, sizeof h.bundle_id, "0123456789abcdef0123456789abcdef");
    snprintf(h.object, sizeof h.object, "bundle.age");
    uint8_t good[AS_PART_HEADER];
    as_part_header_format(good, &h);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char text[2 * AS_PART_HEADER];
        memcpy(text, good, AS_PART_HEADER);
        text[AS_PART_HEADER] = '\0';
        edit(text, rows[i].from, rows[i].to);
        /* padded again to the header's size: the fields, then spaces, then a newline */
        size_t n = strlen(text);
        while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\n'))
            n--;
        text[n++] = '\n';
        memset(text + n, ' ', AS_PART_HEADER - n);
        text[AS_PART_HEADER - 1] = '\n';
        as_part_header back;
        as_error err = {0};
        assert_int_equal(as_part_header_parse(&back, (uint8_t *)text, AS_PART_HEADER, &err), -1);
        char want[128];
        snprintf(want, sizeof want, "malformed part header: %s", rows[i].why);
        if (err.code != AS_ERR_FORMAT || strcmp(err.msg, want) != 0)
            fail_msg("row %zu (%s): got \"%s\"", i, rows[i].to, err.msg);
    }
    /* padding that is not spaces */
    uint8_t bad[AS_PART_HEADER];
    memcpy(bad, good, sizeof bad);
    bad[AS_PART_HEADER - 5] = 'x';
    as_part_header back;
    as_error err = {0};
    assert_int_equal(as_part_header_parse(&back, bad, sizeof bad, &err), -1);
    assert_string_equal(err.msg, "malformed part header: padding");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(part_header_roundtrip),
        cmocka_unit_test(index_roundtrip_and_damage),
        cmocka_unit_test(index_hostile_table),
        cmocka_unit_test(part_header_hostile_table),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
