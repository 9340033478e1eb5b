/*
 * test_golden.c: airseal's own formats pinned by golden bytes (tests/vectors/airseal/, made
 * with the format of 2026-12-02). For each golden file: (a) the library parses it and every
 * field equals the expected parse in parse/NAME.txt (one "name: value" a line, recorded from
 * the parser once and checked by eye against the golden bytes and FORMAT.md); (b) where the
 * writer is deterministic, the library writes the same value again and the bytes equal the
 * golden. A change made to writer and reader together, which a format -> parse round trip
 * cannot see, fails here.
 *
 * AS_GOLDEN_RECORD=DIR writes each parse that differs into DIR, to review by eye; the test
 * fails all the same.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle/bundle.h"
#include "common/bundle/manifest.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/station/custody.h"
#include "common/station/receipt_sign.h"
#include "common/station/station.h"
#include "common/station/trust.h"
#include "common/transport/erasure.h"
#include "common/transport/frame_encode.h"
#include "common/transport/usb.h"

#define ENTRY "station/vault/ICC-GOLDEN%2F01/f912e50c97565780ac50e489d40f5c41/"
#define RECEIPT "station/receipts/f912e50c97565780ac50e489d40f5c41.receipt"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-golden-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

/* The path of a golden file (static buffer: use before the next call). */
static const char *gpath(const char *rel)
{
    static char p[1024];
    const char *v = getenv("AIRSEAL_VECTORS");
    snprintf(p, sizeof p, "%s/airseal/%s", v ? v : "tests/vectors", rel);
    return p;
}

/* Reads a golden file whole (malloc'd, NUL-terminated); a missing file reads as empty when
 * optional is set. */
static uint8_t *slurp_opt(const char *rel, size_t *len, bool optional)
{
    FILE *f = fopen(gpath(rel), "rb");
    if (f == NULL && optional) {
        *len = 0;
        return calloc(1, 1);
    }
    if (f == NULL)
        fail_msg("cannot open golden %s", gpath(rel));
    uint8_t *p = malloc(1 << 20);
    assert_non_null(p);
    *len = fread(p, 1, (1 << 20) - 1, f);
    p[*len] = 0;
    fclose(f);
    return p;
}

static uint8_t *slurp(const char *rel, size_t *len)
{
    return slurp_opt(rel, len, false);
}

/* Appends "name: value\n" to the parse being built. */
static void put(as_buf *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(as_buf *b, const char *name, const char *fmt, ...)
{
    char v[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    assert_int_equal(as_buf_printf(b, NULL, "%s: %s\n", name, v), 0);
}

static const char *hex(const uint8_t *p, size_t n)
{
    static char h[2][1024];
    static int which;
    which ^= 1;
    as_hex_encode(h[which], p, n);
    return h[which];
}

static const char *keyid(const uint8_t keynum[AS_MINI_KEYNUM_LEN])
{
    static char id[2][AS_MINI_KEYID_STR];
    static int which;
    which ^= 1;
    as_mini_keyid(keynum, id[which]);
    return id[which];
}

/* The parse built in b must equal parse/NAME.txt line for line. */
static void expect_parse(const char *name, as_buf *b)
{
    char rel[256];
    size_t n;
    snprintf(rel, sizeof rel, "parse/%s.txt", name);
    uint8_t *want = slurp_opt(rel, &n, true);
    if (n != b->len || memcmp(want, b->data, n) != 0) {
        const char *dir = getenv("AS_GOLDEN_RECORD");
        if (dir != NULL) {
            char p[1024];
            snprintf(p, sizeof p, "%s/%s.txt", dir, name);
            FILE *f = fopen(p, "wb");
            if (f != NULL) {
                fwrite(b->data, 1, b->len, f);
                fclose(f);
            }
        }
        print_message("# parse of %s:\n%.*s", name, (int)b->len, (const char *)b->data);
        fail_msg("the parse of golden %s differs from parse/%s.txt", name, name);
    }
    free(want);
    as_buf_free(b);
}

/* The bytes written must equal the golden file rel (or its first n bytes when n is not 0). */
static void expect_bytes(const char *rel, const uint8_t *got, size_t len, size_t n)
{
    size_t glen;
    uint8_t *g = slurp(rel, &glen);
    if (n != 0)
        glen = n < glen ? n : glen;
    if (glen != len || memcmp(g, got, len) != 0)
        fail_msg("re-writing golden %s gives other bytes (%zu vs %zu)", rel, len, glen);
    free(g);
}

static void golden_manifest(void **state)
{
    (void)state;
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp(ENTRY "manifest.txt", &n);
    as_manifest m = {0};
    assert_int_equal(as_manifest_parse(&m, data, n, &err), 0);
    as_buf b, out;
    as_buf_init(&b, 1 << 20);
    char t[21], r[AS_AGE_RECIPIENT_STR_MAX];
    as_time_utc(t, m.created);
    put(&b, "bundle", "%s", m.bundle_id);
    put(&b, "case", "%s", m.case_id);
    put(&b, "collector", "%s", m.collector);
    put(&b, "note", "%s", m.note);
    put(&b, "tool", "%s", m.tool);
    put(&b, "created", "%s (%lld)", t, (long long)m.created);
    put(&b, "sender", "%s", keyid(m.sender));
    for (size_t i = 0; i < m.nrecipients; i++) {
        as_age_recipient_format(&m.recipients[i], r);
        put(&b, "recipient", "%s", r);
    }
    put(&b, "files", "%zu", m.nfiles);
    put(&b, "bytes", "%llu", (unsigned long long)m.total_bytes);
    for (size_t i = 0; i < m.nfiles; i++)
        put(&b, "file", "%s %llu %s", hex(m.files[i].sha256, 32),
            (unsigned long long)m.files[i].size, m.files[i].path);
    expect_parse("manifest", &b);
    as_buf_init(&out, 1 << 20);
    assert_int_equal(as_manifest_format(&m, &out, &err), 0);
    expect_bytes(ENTRY "manifest.txt", out.data, out.len, 0);
    as_buf_free(&out);
    as_manifest_free(&m);
    free(data);
}

static as_mini_seckey *load_seckey(const char *rel)
{
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp(rel, &n);
    as_mini_seckey *sk = as_mini_seckey_parse_file(data, n, NULL, 0, &err);
    if (sk == NULL)
        fail_msg("%s: %s", rel, err.msg);
    free(data);
    return sk;
}

/* One signature file: its parse, its check against the signed file, and re-signing with the
 * test-only key gives the same file (Ed25519 is deterministic). */
static void one_signature(as_buf *b, const char *sigrel, const char *msgrel, const char *keyrel)
{
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp(sigrel, &n), prehash[AS_MINI_PREHASH_LEN];
    as_mini_sig s, again;
    assert_int_equal(as_mini_sig_parse(&s, data, n, &err), 0);
    put(b, "file", "%s", sigrel);
    put(b, "algorithm", "%.2s", (const char *)s.alg);
    put(b, "key", "%s", keyid(s.keynum));
    put(b, "untrusted", "%s", s.untrusted);
    put(b, "trusted", "%s", s.trusted);
    assert_int_equal(as_mini_prehash_file(gpath(msgrel), prehash, &err), 0);
    as_mini_seckey *sk = load_seckey(keyrel);
    as_mini_pubkey pk;
    as_mini_seckey_public(sk, &pk);
    if (as_mini_verify(&pk, &s, prehash, NULL, 0, false, &err) != 0)
        fail_msg("%s does not verify: %s", sigrel, err.msg);
    assert_int_equal(as_mini_sign(&again, sk, prehash, s.trusted, s.untrusted, &err), 0);
    as_buf out;
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_mini_sig_format(&out, &again, &err), 0);
    expect_bytes(sigrel, out.data, out.len, 0);
    as_buf_free(&out);
    as_mini_seckey_free(sk);
    free(data);
}

static void golden_signatures(void **state)
{
    (void)state;
    as_error err = {0};
    as_buf b;
    as_buf_init(&b, 1 << 20);
    one_signature(&b, "usb/bundle.age.minisig", "usb/bundle.age", "keys/TEST-ONLY-ngo.key");
    one_signature(&b, ENTRY "manifest.txt.minisig", ENTRY "manifest.txt", "keys/TEST-ONLY-ngo.key");
    one_signature(&b, RECEIPT ".minisig", RECEIPT, "station/station.key");
    expect_parse("signatures", &b);

    /* The bundle signature's trusted comment, parsed and written again. */
    size_t n;
    uint8_t *data = slurp("usb/bundle.age.minisig", &n);
    as_mini_sig s;
    as_bundle_comment c;
    char again[AS_MINI_TRUSTED_MAX];
    assert_int_equal(as_mini_sig_parse(&s, data, n, &err), 0);
    assert_int_equal(as_bundle_comment_parse(&c, s.trusted, &err), 0);
    as_buf_init(&b, 1 << 16);
    put(&b, "bundle", "%s", c.bundle_id);
    put(&b, "case", "%s", c.case_id);
    put(&b, "files", "%llu", (unsigned long long)c.files);
    put(&b, "bytes", "%llu", (unsigned long long)c.bytes);
    put(&b, "manifest", "%s", hex(c.manifest_sha256, 32));
    expect_parse("bundle-comment", &b);
    assert_int_equal(as_bundle_comment_format(again, sizeof again, &c, &err), 0);
    assert_string_equal(again, s.trusted);
    free(data);
}

static void index_parse(const char *rel, const char *name)
{
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp(rel, &n);
    as_usb_index ix = {0};
    assert_int_equal(as_usb_index_parse(&ix, data, n, &err), 0);
    as_buf b, out;
    as_buf_init(&b, 1 << 20);
    put(&b, "bundle", "%s", ix.bundle_id);
    put(&b, "sealed-size", "%llu", (unsigned long long)ix.layout.size);
    put(&b, "sealed-sha256", "%s", hex(ix.sealed_sha256, 32));
    put(&b, "block-size", "%u", ix.layout.block);
    put(&b, "redundancy", "%u", ix.layout.pct);
    put(&b, "data-blocks", "%u", ix.layout.k_total);
    put(&b, "stripes", "%u", ix.layout.stripes);
    put(&b, "parity-blocks", "%u", ix.layout.m_total);
    uint8_t sh[32];
    crypto_hash_sha256(sh, ix.signature, ix.signature_len);
    put(&b, "signature", "%zu bytes, sha256 %s", ix.signature_len, hex(sh, 32));
    for (size_t i = 0; i < ix.nparts; i++)
        put(&b, "part", "%s %u %u %llu %llu %s", ix.parts[i].object, ix.parts[i].index,
            ix.parts[i].count, (unsigned long long)ix.parts[i].offset,
            (unsigned long long)ix.parts[i].length, hex(ix.parts[i].sha256, 32));
    for (uint32_t i = 0; i < ix.layout.k_total; i++)
        put(&b, "d", "%s", hex(ix.data_hash[i], AS_BLOCK_HASH));
    for (uint32_t i = 0; i < ix.layout.m_total; i++)
        put(&b, "p", "%s", hex(ix.parity_hash[i], AS_BLOCK_HASH));
    expect_parse(name, &b);
    as_buf_init(&out, 1 << 20);
    assert_int_equal(as_usb_index_format(&ix, &out, &err), 0);
    expect_bytes(rel, out.data, out.len, 0);
    as_buf_free(&out);
    as_usb_index_free(&ix);
    free(data);
}

static void golden_index(void **state)
{
    (void)state;
    index_parse("usb/bundle.index", "index");
    index_parse("usb-split/bundle.index", "index-split");
}

static void part_parse(as_buf *b, const char *rel)
{
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp(rel, &n), again[AS_PART_HEADER];
    as_part_header h;
    assert_int_equal(as_part_header_parse(&h, data, n < AS_PART_HEADER ? n : AS_PART_HEADER, &err),
                     0);
    put(b, "file", "%s", rel);
    put(b, "bundle", "%s", h.bundle_id);
    put(b, "object", "%s", h.object);
    put(b, "part", "%u of %u", h.index, h.count);
    put(b, "offset", "%llu", (unsigned long long)h.offset);
    put(b, "length", "%llu", (unsigned long long)h.length);
    put(b, "object-size", "%llu", (unsigned long long)h.object_size);
    put(b, "sha256", "%s", hex(h.sha256, 32));
    as_part_header_format(again, &h);
    expect_bytes(rel, again, AS_PART_HEADER, AS_PART_HEADER);
    free(data);
}

static void golden_part_headers(void **state)
{
    (void)state;
    as_buf b;
    as_buf_init(&b, 1 << 20);
    part_parse(&b, "usb-split/bundle.age.part001");
    part_parse(&b, "usb-split/bundle.parity.part001");
    part_parse(&b, "usb/bundle.parity");
    expect_parse("part-headers", &b);
}

/* bundle.parity's payload is the Reed-Solomon parity of bundle.age that FORMAT.md 8.3
 * defines: computed here stripe by stripe from the layout, it must equal the golden bytes. */
static void golden_parity(void **state)
{
    (void)state;
    as_error err = {0};
    size_t n, pn;
    uint8_t *age = slurp("usb/bundle.age", &n), *par = slurp("usb/bundle.parity", &pn);
    as_ec_layout l;
    assert_int_equal(as_ec_plan(&l, n, as_ec_block_for_file(n), 5, &err), 0);
    assert_int_equal(pn, AS_PART_HEADER + (size_t)l.m_total * l.block);
    uint8_t *want = calloc((size_t)l.m_total, l.block);
    assert_non_null(want);
    for (uint32_t s = 0; s < l.stripes; s++) {
        uint32_t k = as_ec_stripe_k(&l, s), m = as_ec_stripe_m(&l, s);
        uint8_t *d[256], *p[256];
        as_rs rs;
        assert_int_equal(as_rs_init(&rs, k, m, &err), 0);
        for (uint32_t r = 0; r < k; r++) {
            uint32_t i = as_ec_data_index(&l, s, r);
            d[r] = calloc(1, l.block);
            assert_non_null(d[r]);
            memcpy(d[r], age + (size_t)i * l.block, as_ec_data_len(&l, i));
        }
        for (uint32_t j = 0; j < m; j++)
            p[j] = want + (size_t)as_ec_parity_index(&l, s, j) * l.block;
        as_rs_encode(&rs, l.block, d, p);
        for (uint32_t r = 0; r < k; r++)
            free(d[r]);
        as_rs_free(&rs);
    }
    assert_memory_equal(par + AS_PART_HEADER, want, (size_t)l.m_total * l.block);
    free(want);
    free(age);
    free(par);
}

/* Three frame payloads read from the golden PNGs: their parse, their bytes written again from
 * the parse, and the same frames cut from bundle.age + signature by the sender's encoder. */
static void golden_frames(void **state)
{
    (void)state;
    static const struct {
        const char *rel;
        uint32_t index;
    } frames[] = {{"frames-raw/frame-00001.bin", 0},
                  {"frames-raw/frame-00002.bin", 1},
                  {"frames-raw/frame-00008.bin", 7}};
    as_error err = {0};
    size_t an, sn;
    uint8_t *age = slurp("usb/bundle.age", &an), *sig = slurp("usb/bundle.age.minisig", &sn);
    uint8_t id[16];
    assert_int_equal(as_hex_decode(id, 16, "f912e50c97565780ac50e489d40f5c41", 32), 0);
    as_frame_encoder e;
    assert_int_equal(as_frame_encoder_init(&e, id, age, an, sig, sn, 956, 30, &err), 0);
    as_buf b;
    as_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        size_t n;
        uint8_t *data = slurp(frames[i].rel, &n), out[AS_FRAME_HEADER + 4096];
        const uint8_t *block;
        as_frame_header h;
        assert_int_equal(as_frame_parse(&h, &block, data, n, &err), 0);
        put(&b, "file", "%s", frames[i].rel);
        put(&b, "bundle", "%s", hex(h.bundle, AS_FRAME_ID_LEN));
        put(&b, "sealed-size", "%llu", (unsigned long long)h.sealed_size);
        put(&b, "signature-size", "%u", h.sig_size);
        put(&b, "block-size", "%u", h.block);
        put(&b, "redundancy", "%u", h.pct);
        put(&b, "data-blocks", "%u", h.k);
        put(&b, "parity-blocks", "%u", h.m);
        put(&b, "index", "%u", h.index);
        put(&b, "crc32", "%08x", as_load_u32be(data + 37));
        assert_int_equal(h.index, frames[i].index);
        assert_true(n <= sizeof out);
        as_frame_format(out, &h, block);
        expect_bytes(frames[i].rel, out, n, 0);
        as_frame_encoder_frame(&e, h.index, out);
        expect_bytes(frames[i].rel, out, n, 0);
        free(data);
    }
    expect_parse("frames", &b);
    as_frame_encoder_free(&e);
    free(age);
    free(sig);
}

static void golden_receipt(void **state)
{
    (void)state;
    as_error err = {0};
    size_t n, sn;
    uint8_t *data = slurp(RECEIPT, &n), *sig = slurp(RECEIPT ".minisig", &sn);
    as_receipt r, v;
    assert_int_equal(as_receipt_parse(&r, data, n, &err), 0);
    as_buf b, out;
    as_buf_init(&b, 1 << 16);
    char t[21];
    as_time_utc(t, r.imported);
    put(&b, "station", "%s", r.station);
    put(&b, "bundle", "%s", r.bundle_id);
    put(&b, "case", "%s", r.case_id);
    put(&b, "signer", "%s", r.signer);
    put(&b, "sealed-size", "%llu", (unsigned long long)r.sealed_size);
    put(&b, "sealed-sha256", "%s", hex(r.sealed_sha256, 32));
    put(&b, "manifest-sha256", "%s", hex(r.manifest_sha256, 32));
    put(&b, "files", "%llu", (unsigned long long)r.files);
    put(&b, "bytes", "%llu", (unsigned long long)r.bytes);
    put(&b, "imported", "%s (%lld)", t, (long long)r.imported);
    put(&b, "custody-entry", "%llu", (unsigned long long)r.custody_entry);
    expect_parse("receipt", &b);
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_receipt_format(&r, &out, &err), 0);
    expect_bytes(RECEIPT, out.data, out.len, 0);
    as_buf_free(&out);

    /* The station key verifies it; re-signing with it gives the golden signature file. */
    as_mini_pubkey pk;
    assert_int_equal(as_mini_pubkey_load(&pk, gpath("station/station.pub"), &err), 0);
    assert_int_equal(as_receipt_verify(data, n, sig, sn, &pk, &v, &err), 0);
    as_mini_seckey *sk = load_seckey("station/station.key");
    as_buf_init(&out, 1 << 16);
    assert_int_equal(as_receipt_sign(&r, data, n, sk, &out, &err), 0);
    expect_bytes(RECEIPT ".minisig", out.data, out.len, 0);
    as_buf_free(&out);
    as_mini_seckey_free(sk);
    free(data);
    free(sig);
}

typedef struct {
    as_buf *parse;
    const char *log;
    const as_mini_seckey *sk;
} log_ctx;

/* Records each entry and appends it again, with its own time, to a new log. */
static int log_visit(const as_log_entry *e, void *vctx, as_error *err)
{
    log_ctx *c = vctx;
    char line[8192];
    int off =
        snprintf(line, sizeof line, "%llu %s %s", (unsigned long long)e->seq, e->time, e->event);
    as_log_field f[AS_LOG_MAX_FIELDS];
    for (size_t i = 0; i < e->nfields; i++) {
        off += snprintf(line + off, sizeof line - (size_t)off, " %s=%s", e->fields[i].key,
                        e->fields[i].value);
        f[i].key = e->fields[i].key;
        f[i].value = e->fields[i].value;
    }
    put(c->parse, "entry", "%s", line);
    put(c->parse, "line-sha256", "%s", hex(e->line_hash, 32));
    time_t when;
    uint64_t seq;
    assert_int_equal(as_time_parse_utc(e->time, strlen(e->time), &when), 0);
    if (e->seq == 1)
        return as_custody_create(c->log, c->sk, e->event, f, e->nfields, when, err);
    as_mini_pubkey pk;
    as_custody *log;
    as_mini_seckey_public(c->sk, &pk);
    if (as_custody_open(&log, c->log, &pk, AS_CUSTODY_APPEND, NULL, NULL, err) != 0)
        return -1;
    int rc = as_custody_append(log, c->sk, e->event, f, e->nfields, when, &seq, err);
    as_custody_close(log);
    assert_int_equal(seq, e->seq);
    return rc;
}

/* The custody log (init, trust-add twice, import, trust-remove): every entry's fields, and
 * appending the same entries again with the station key gives the same bytes. */
static void golden_custody(void **state)
{
    (void)state;
    as_error err = {0};
    as_mini_pubkey pk;
    char log[512];
    snprintf(log, sizeof log, "%s/custody.log", tmpdir);
    assert_int_equal(as_mini_pubkey_load(&pk, gpath("station/station.pub"), &err), 0);
    as_buf b;
    as_buf_init(&b, 1 << 20);
    log_ctx c = {&b, log, load_seckey("station/station.key")};
    uint64_t count;
    size_t n;
    uint8_t *data = slurp("station/custody.log", &n);
    if (as_custody_verify(data, n, &pk, log_visit, &c, &count, &err) != 0)
        fail_msg("golden custody log: %s", err.msg);
    assert_int_equal(count, 5);
    expect_parse("custody-log", &b);
    FILE *f = fopen(log, "rb");
    assert_non_null(f);
    uint8_t *again = malloc(n + 1);
    assert_non_null(again);
    size_t got = fread(again, 1, n + 1, f);
    fclose(f);
    assert_int_equal(got, n);
    assert_memory_equal(again, data, n);
    free(again);
    free(data);
    as_mini_seckey_free((as_mini_seckey *)c.sk);
}

static void golden_trust(void **state)
{
    (void)state;
    as_error err = {0};
    size_t n;
    uint8_t *data = slurp("station/trusted-signers.txt", &n);
    as_trust_store ts = {0};
    assert_int_equal(as_trust_parse(&ts, data, n, &err), 0);
    as_buf b;
    as_buf_init(&b, 1 << 16);
    for (size_t i = 0; i < ts.n; i++) {
        char b64[AS_MINI_PUBKEY_B64_LEN + 1];
        as_mini_pubkey_b64(&ts.v[i].key, b64);
        put(&b, "key", "%s %s %s", keyid(ts.v[i].key.keynum), b64, ts.v[i].label);
    }
    expect_parse("trust-store", &b);
    char p[512];
    snprintf(p, sizeof p, "%s/trusted-signers.txt", tmpdir);
    assert_int_equal(as_trust_save(&ts, p, &err), 0);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    uint8_t again[4096];
    size_t got = fread(again, 1, sizeof again, f);
    fclose(f);
    expect_bytes("station/trusted-signers.txt", again, got, 0);
    as_trust_free(&ts);
    free(data);
}

/* station.conf has no writer but station creation (random keys, the clock): parse only. */
static void golden_station_conf(void **state)
{
    (void)state;
    as_error err = {0};
    as_station st = {0};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", gpath("station"));
    if (as_station_open(&st, dir, &err) != 0)
        fail_msg("golden station: %s", err.msg);
    as_buf b;
    as_buf_init(&b, 1 << 16);
    char t[21], r[AS_AGE_RECIPIENT_STR_MAX];
    as_time_utc(t, st.created);
    as_age_recipient_format(&st.recipient, r);
    put(&b, "station-id", "%s", st.id);
    put(&b, "created", "%s (%lld)", t, (long long)st.created);
    put(&b, "recipient", "%s", r);
    put(&b, "passphrase", "%s", st.protected_at_rest ? "yes" : "no");
    put(&b, "station.pub", "%s", keyid(st.pub.keynum));
    expect_parse("station-conf", &b);
    as_station_close(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_manifest), cmocka_unit_test(golden_signatures),
        cmocka_unit_test(golden_index),    cmocka_unit_test(golden_part_headers),
        cmocka_unit_test(golden_parity),   cmocka_unit_test(golden_frames),
        cmocka_unit_test(golden_receipt),  cmocka_unit_test(golden_custody),
        cmocka_unit_test(golden_trust),    cmocka_unit_test(golden_station_conf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
