/*
 * test_shares.c: k-of-n secret sharing (common/crypto/shares.c).
 *
 * Known answers: the share text of a fixed share (its check computed with Python's hashlib),
 * a two-share combination built by hand from a known polynomial in libgfshare's field
 * GF(2^8) mod x^8+x^4+x^3+x^2+1 (0x11d) and a commitment computed with hashlib. Round trips:
 * every k <= n <= 5, every subset of size k recovers, every subset of size k-1 is refused.
 * The property that k-1 shares tell nothing: for k = 2, 3 and a 1-byte secret, every value
 * of that byte is consistent with the k-1 shares and some k-th share. Then a table of hostile
 * shares, each refused with its reason, and the QR parts of a share.
 */
#include "helpers.h"

#include <libgfshare.h>
#include <stdio.h>

#include "common/core/text.h"
#include "common/crypto/shares.h"

#define STATION "A6A3EE12AED3DE8E"
#define OTHER_STATION "605D60FA13851466"

static const char *const NAMES[] = {"Amira Haddad",   "Bohdan Kovalenko", "Chloé Martin",
                                    "Dmitri Sokolov", "Esther Mwangi",    "Farid Rahimi"};

/* ---- helpers ---- */

static void split_ok(as_share *v, unsigned k, unsigned n, const uint8_t *secret, size_t len)
{
    as_error err = {0};
    int rc = as_shares_split(v, k, n, STATION, NAMES, secret, len, &err);
    if (rc != 0)
        fail_msg("split %u of %u: %s", k, n, err.msg);
}

/* Combines the shares whose bit is set in mask; returns the error code, the secret in out. */
static as_errcode combine_mask(const as_share *v, unsigned n, unsigned mask, as_buf *out,
                               as_error *err)
{
    const as_share *pick[AS_SHARES_MAX_N];
    size_t m = 0;
    for (unsigned i = 0; i < n; i++)
        if (mask & (1u << i))
            pick[m++] = &v[i];
    as_error_clear(err);
    as_buf_init_secret(out, AS_SHARE_SECRET_MAX);
    return as_shares_combine(pick, m, STATION, out, err) == 0 ? AS_OK : err->code;
}

static void format_ok(const as_share *s, as_buf *text)
{
    as_error err = {0};
    as_buf_init_secret(text, AS_SHARE_TEXT_MAX);
    assert_int_equal(as_share_format(s, text, &err), 0);
}

/* ---- known answers ---- */

static const char KAT_TEXT[] =
    "airseal-share v1\nstation: A6A3EE12AED3DE8E\ncustodian: Amira Haddad\nthreshold: 2\n"
    "shares: 3\nindex: 1\nsplit: 000102030405060708090a0b0c0d0e0f\n"
    "commitment: 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"
    "share: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\ncheck: 1686ba6f5cca68d0\n";

static void kat_share(as_share *s)
{
    as_error err = {0};
    memset(s, 0, sizeof *s);
    memcpy(s->station, STATION, sizeof s->station);
    memcpy(s->custodian, "Amira Haddad", sizeof "Amira Haddad");
    s->k = 2;
    s->n = 3;
    s->index = 1;
    for (int i = 0; i < AS_SHARE_SPLIT_LEN; i++)
        s->split[i] = (uint8_t)i;
    for (int i = 0; i < AS_SHARE_COMMIT_LEN; i++)
        s->commitment[i] = (uint8_t)(32 + i);
    s->len = 33;
    s->y = as_secret_alloc(s->len, &err);
    assert_non_null(s->y);
    for (size_t i = 0; i < s->len; i++)
        s->y[i] = (uint8_t)i;
}

static void format_known_answer(void **state)
{
    (void)state;
    as_share s, p;
    as_buf text;
    as_error err = {0};
    kat_share(&s);
    format_ok(&s, &text);
    assert_int_equal(text.len, strlen(KAT_TEXT));
    assert_memory_equal(text.data, KAT_TEXT, text.len);
    assert_int_equal(as_share_parse(&p, (const uint8_t *)KAT_TEXT, strlen(KAT_TEXT), &err), 0);
    assert_string_equal(p.station, STATION);
    assert_string_equal(p.custodian, "Amira Haddad");
    assert_int_equal(p.k, 2);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.index, 1);
    assert_int_equal(p.len, 33);
    assert_memory_equal(p.y, s.y, 33);
    assert_memory_equal(p.split, s.split, AS_SHARE_SPLIT_LEN);
    assert_memory_equal(p.commitment, s.commitment, AS_SHARE_COMMIT_LEN);
    as_share_free(&p);
    as_share_free(&s);
    as_buf_free(&text);
}

/*
 * f(x) = P + 0x80 x over GF(2^8)/0x11d, P = 32 zero bytes of salt then "K": f(1) = P ^ 0x80,
 * f(2) = P ^ 0x1d (0x80 * 2 = 0x100 reduced by 0x11d). The commitment, from hashlib:
 * SHA-256("airseal-share v1 commitment\n" || station || split 00..0f || 02 02 || P).
 */
static void combine_known_answer(void **state)
{
    (void)state;
    as_share s[2];
    as_buf out;
    as_error err = {0};
    uint8_t cm[AS_SHARE_COMMIT_LEN];
    assert_int_equal(
        as_hex_decode(cm, sizeof cm,
                      "c3bd84ff207ed721ed903c7838e38b2f73268097e5d09781ed4226b1c664c150", 64),
        0);
    for (int j = 0; j < 2; j++) {
        kat_share(&s[j]);
        s[j].n = 2;
        s[j].index = (unsigned)j + 1;
        memcpy(s[j].commitment, cm, sizeof cm);
        for (size_t i = 0; i < 33; i++)
            s[j].y[i] = (uint8_t)((i == 32 ? 'K' : 0) ^ (j == 0 ? 0x80 : 0x1d));
    }
    const as_share *v[2] = {&s[1], &s[0]};
    as_buf_init_secret(&out, 64);
    assert_int_equal(as_shares_combine(v, 2, STATION, &out, &err), 0);
    assert_int_equal(out.len, 1);
    assert_int_equal(out.data[0], 'K');
    as_buf_free(&out);
    s[1].y[32] ^= 1; /* another secret byte: the commitment refuses it */
    as_buf_init_secret(&out, 64);
    assert_int_equal(as_shares_combine(v, 2, STATION, &out, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    assert_non_null(strstr(err.msg, "do not combine"));
    as_buf_free(&out);
    as_shares_free(s, 2);
}

/* ---- round trips and thresholds ---- */

static void every_subset(void **state)
{
    (void)state;
    uint8_t secret[300];
    fill_seeded(secret, sizeof secret, 17);
    for (unsigned n = 2; n <= 5; n++)
        for (unsigned k = 2; k <= n; k++) {
            as_share v[5];
            split_ok(v, k, n, secret, sizeof secret);
            for (unsigned mask = 1; mask < (1u << n); mask++) {
                unsigned m = (unsigned)__builtin_popcount(mask);
                if (m != k && m != k - 1)
                    continue;
                as_buf out;
                as_error err;
                as_errcode code = combine_mask(v, n, mask, &out, &err);
                if (m == k) {
                    if (code != AS_OK)
                        fail_msg("%u of %u, mask %x: %s", k, n, mask, err.msg);
                    assert_int_equal(out.len, sizeof secret);
                    assert_memory_equal(out.data, secret, sizeof secret);
                } else {
                    assert_int_equal(code, AS_ERR_INCOMPLETE);
                    assert_non_null(strstr(err.msg, "fewer than"));
                }
                as_buf_free(&out);
            }
            as_shares_free(v, n);
        }
}

/* Through the text: format, parse, combine; all n shares given (k used, the rest checked). */
static void text_round_trip(void **state)
{
    (void)state;
    uint8_t secret[2600];
    fill_seeded(secret, sizeof secret, 5);
    as_share v[5], p[5];
    split_ok(v, 3, 5, secret, sizeof secret);
    const as_share *pick[5];
    for (int i = 0; i < 5; i++) {
        as_buf text;
        as_error err = {0};
        format_ok(&v[i], &text);
        assert_true(text.len < AS_SHARE_TEXT_MAX);
        assert_int_equal(as_share_parse(&p[i], text.data, text.len, &err), 0);
        assert_string_equal(p[i].custodian, NAMES[i]);
        pick[i] = &p[4 - i];
        as_buf_free(&text);
    }
    as_buf out;
    as_error err = {0};
    as_buf_init_secret(&out, AS_SHARE_SECRET_MAX);
    assert_int_equal(as_shares_combine(pick, 5, NULL, &out, &err), 0);
    assert_int_equal(out.len, sizeof secret);
    assert_memory_equal(out.data, secret, sizeof secret);
    as_buf_free(&out);
    as_shares_free(v, 5);
    as_shares_free(p, 5);
}

/* k-1 shares: for each value of the secret byte some k-th share byte produces it, so the k-1
 * shares rule out no value. */
static void fewer_than_k_tell_nothing(void **state)
{
    (void)state;
    for (unsigned k = 2; k <= 3; k++) {
        const uint8_t secret = 0x5a;
        as_share v[3];
        split_ok(v, k, 3, &secret, 1);
        uint8_t xs[3], col[3], out;
        const uint8_t *ys[3] = {&col[0], &col[1], &col[2]};
        for (unsigned j = 0; j + 1 < k; j++) {
            xs[j] = (uint8_t)v[j].index;
            col[j] = v[j].y[AS_SHARE_SALT_LEN]; /* the byte that carries the secret */
        }
        xs[k - 1] = (uint8_t)k;
        unsigned seen[256] = {0};
        for (unsigned y = 0; y < 256; y++) {
            as_error err = {0};
            col[k - 1] = (uint8_t)y;
            assert_int_equal(as_shares_interpolate(xs, ys, k, 1, &out, &err), 0);
            seen[out]++;
        }
        for (unsigned s = 0; s < 256; s++)
            assert_int_equal(seen[s], 1); /* each value exactly once: uniform */
        col[k - 1] = v[k - 1].y[AS_SHARE_SALT_LEN];
        as_error err = {0};
        assert_int_equal(as_shares_interpolate(xs, ys, k, 1, &out, &err), 0);
        assert_int_equal(out, secret);
        as_shares_free(v, 3);
    }
}

static unsigned long rand_asked;
static void counting_rand(unsigned char *p, unsigned int n)
{
    memset(p, 0xa5, n);
    rand_asked += n;
}

/* shares.c relies on libgfshare overwriting its buffers through gfshare_fill_rand when a
 * context is freed: k*len bytes of coefficients and secret, m*len bytes of shares. */
static void libgfshare_scrubs_on_free(void **state)
{
    (void)state;
    unsigned char xs[3] = {1, 2, 3}, secret[100] = {1}, share[100];
    gfshare_rand_func_t saved = gfshare_fill_rand;
    gfshare_fill_rand = counting_rand;
    gfshare_ctx *c = gfshare_ctx_init_enc(xs, 3, 3, sizeof secret);
    assert_non_null(c);
    gfshare_ctx_enc_setsecret(c, secret);
    gfshare_ctx_enc_getshare(c, 0, share);
    rand_asked = 0;
    gfshare_ctx_free(c);
    assert_true(rand_asked >= 3 * sizeof secret);
    c = gfshare_ctx_init_dec(xs, 3, sizeof secret);
    assert_non_null(c);
    gfshare_ctx_dec_giveshare(c, 0, share);
    rand_asked = 0;
    gfshare_ctx_free(c);
    assert_true(rand_asked >= 3 * sizeof secret);
    gfshare_fill_rand = saved;
}

static void split_refusals(void **state)
{
    (void)state;
    static const struct {
        unsigned k, n;
        const char *names[3];
        const char *want;
    } bad[] = {
        {1, 3, {"A", "B", "C"}, "threshold of 1 is refused"},
        {3, 2, {"A", "B", "C"}, "need 2 <= k <= n"},
        {2, 17, {"A", "B", "C"}, "need 2 <= k <= n"},
        {2, 3, {"A", "B", "A"}, "named twice"},
        {2,
         3,
         {"A",
          "B\xe2\x80\xae"
          "C",
          "D"},
         "direction or invisible"},
        {2, 3, {"A", "", "D"}, "1 to 120 bytes"},
        {2, 3, {"A", " B", "D"}, "start or end with a space"},
        {2, 3, {"A", "B\tC", "D"}, "printable UTF-8"},
    };
    uint8_t secret[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_share v[17];
        as_error err = {0};
        assert_int_equal(as_shares_split(v, bad[i].k, bad[i].n, STATION, bad[i].names, secret,
                                         sizeof secret, &err),
                         -1);
        assert_int_equal(err.code, AS_ERR_USAGE);
        if (strstr(err.msg, bad[i].want) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].want);
    }
    as_share v[2];
    as_error err = {0};
    assert_int_equal(as_shares_split(v, 2, 2, "a6a3ee12aed3de8e", NAMES, secret, 4, &err), -1);
    assert_int_equal(as_shares_split(v, 2, 2, STATION, NAMES, secret, 0, &err), -1);
}

/* ---- hostile shares ---- */

/* Replaces the value of line "key: ..." in text (a share) by value, then, when recheck, puts
 * the right check back so the rules behind it are reached. */
static void edit_share(as_buf *out, const as_buf *in, const char *key, const char *value,
                       bool recheck)
{
    as_error err = {0};
    char prefix[64];
    snprintf(prefix, sizeof prefix, "\n%s: ", key);
    as_buf_terminate((as_buf *)in, &err);
    const char *t = (const char *)in->data, *at = strstr(t, prefix);
    assert_non_null(at);
    at += strlen(prefix);
    const char *eol = strchr(at, '\n');
    as_buf_init(out, 3 * AS_SHARE_TEXT_MAX);
    assert_int_equal(as_buf_append(out, t, (size_t)(at - t), &err), 0);
    assert_int_equal(as_buf_puts(out, value, &err), 0);
    assert_int_equal(as_buf_puts(out, eol, &err), 0);
    if (!recheck)
        return;
    assert_int_equal(as_buf_terminate(out, &err), 0);
    char *ck = strstr((char *)out->data, "\ncheck: ");
    assert_non_null(ck);
    size_t body = (size_t)(ck - (char *)out->data) + 1;
    uint8_t d[32];
    crypto_hash_sha256(d, out->data, body);
    char hex[17];
    as_hex_encode(hex, d, 8);
    memcpy(ck + 8, hex, 16);
}

static void hostile_texts(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value;
        bool recheck;
        as_errcode code;
        const char *want;
    } bad[] = {
        {"share", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8h", false, AS_ERR_REJECTED,
         "is damaged: its check does not match"},
        {"custodian", "Amira Haddas", false, AS_ERR_REJECTED, "Haddas (index 1) is damaged"},
        {"index", "0", true, AS_ERR_REJECTED, "index 0 is outside 1 to 3"},
        {"index", "4", true, AS_ERR_REJECTED, "index 4 is outside 1 to 3"},
        {"threshold", "4", true, AS_ERR_REJECTED, "threshold 4 of 3 shares"},
        {"threshold", "1", true, AS_ERR_REJECTED, "threshold 1 of 3 shares"},
        {"shares", "17", true, AS_ERR_REJECTED, "of 17 shares is outside"},
        {"custodian",
         "Amira \xe2\x80\xae"
         "daddaH",
         true, AS_ERR_REJECTED, "direction or invisible characters: Amira \\u202edaddaH"},
        {"custodian", "Amira\x1b[2J", true, AS_ERR_REJECTED, "printable UTF-8"},
        {"custodian", "Amira \xc0\xaf", true, AS_ERR_REJECTED, "printable UTF-8"},
        {"custodian", "", true, AS_ERR_REJECTED, "1 to 120 bytes"},
        {"station", "a6a3ee12aed3de8e", true, AS_ERR_REJECTED, "not 16 upper-case hex"},
        {"split", "0001020304", true, AS_ERR_FORMAT, "split is not 32 hex digits"},
        {"commitment", "zz", true, AS_ERR_FORMAT, "commitment is not 64 hex digits"},
        {"threshold", "02", true, AS_ERR_FORMAT, "threshold is not a number"},
        {"threshold", "256", true, AS_ERR_FORMAT, "threshold is not a number"},
        {"share", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", true, AS_ERR_REJECTED,
         "share is not base64"},
        {"share", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8h====", true, AS_ERR_REJECTED,
         "share is not"},
        {"share", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", true, AS_ERR_REJECTED,
         "share is not"}, /* 32 bytes: the salt without a secret */
        {"check", "1686ba6f5cca68d", false, AS_ERR_FORMAT, "check is not 16 hex digits"},
        {"check", "1686ba6f5Cca68d0", false, AS_ERR_FORMAT, "check is not 16 hex digits"},
        {"split", "000102030405060708090A0B0C0D0E0F", true, AS_ERR_FORMAT, "split is not 32"},
        {"index", "1\nindex: 2", true, AS_ERR_FORMAT, "\"split: ...\" is missing"},
    };
    as_buf kat = {0};
    as_buf_init(&kat, 4096);
    as_error err = {0};
    assert_int_equal(as_buf_puts(&kat, KAT_TEXT, &err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        as_buf t;
        as_share s;
        edit_share(&t, &kat, bad[i].key, bad[i].value, bad[i].recheck);
        as_error_clear(&err);
        assert_int_equal(as_share_parse(&s, t.data, t.len, &err), -1);
        if (err.code != bad[i].code || strstr(err.msg, bad[i].want) == NULL)
            fail_msg("case %zu: code %d \"%s\", wanted %d \"%s\"", i, err.code, err.msg,
                     bad[i].code, bad[i].want);
        assert_null(s.y);
        as_buf_free(&t);
    }
    as_buf_free(&kat);
}

/* Whole-text hostility: truncation, trailing bytes, another format, a text too long. */
static void hostile_shapes(void **state)
{
    (void)state;
    as_error err = {0};
    as_share s;
    size_t n = strlen(KAT_TEXT);
    for (size_t cut = 0; cut < n; cut++) {
        as_error_clear(&err);
        assert_int_equal(as_share_parse(&s, (const uint8_t *)KAT_TEXT, cut, &err), -1);
        assert_true(err.code == AS_ERR_FORMAT);
    }
    char more[sizeof KAT_TEXT + 1];
    memcpy(more, KAT_TEXT, n);
    more[n] = '\n';
    as_error_clear(&err);
    assert_int_equal(as_share_parse(&s, (const uint8_t *)more, n + 1, &err), -1);
    assert_non_null(strstr(err.msg, "text after the check line"));
    static uint8_t big[AS_SHARE_TEXT_MAX + 1];
    as_error_clear(&err);
    assert_int_equal(as_share_parse(&s, big, sizeof big, &err), -1);
    assert_int_equal(err.code, AS_ERR_LIMIT);
    as_error_clear(&err);
    const char *v2 = "airseal-share v2\n";
    assert_int_equal(as_share_parse(&s, (const uint8_t *)v2, strlen(v2), &err), -1);
    assert_non_null(strstr(err.msg, "not an airseal share"));
}

/* Combinations that must be refused, each naming the share and why. */
static void hostile_combinations(void **state)
{
    (void)state;
    uint8_t secret[40];
    fill_seeded(secret, sizeof secret, 99);
    as_share a[3], b[3], f[3];
    split_ok(a, 2, 3, secret, sizeof secret);
    split_ok(b, 2, 3, secret, sizeof secret); /* another split of the same secret */
    as_error err = {0};
    assert_int_equal(as_shares_split(f, 2, 3, OTHER_STATION, NAMES, secret, 40, &err), 0);
    /* a share of split b dressed as split a: split id and commitment copied */
    as_share forged = b[1];
    memcpy(forged.split, a[0].split, AS_SHARE_SPLIT_LEN);
    memcpy(forged.commitment, a[0].commitment, AS_SHARE_COMMIT_LEN);
    as_share lie = a[1];
    lie.k = 3; /* a k the split does not have */
    static const char *const want[] = {
        "the share of Bohdan Kovalenko (index 2) is for station 605D60FA13851466, not "
        "A6A3EE12AED3DE8E",
        "the share of Bohdan Kovalenko (index 2) belongs to another split",
        "the share of Amira Haddad (index 1) repeats index 1, given already by the share of "
        "Amira Haddad",
        "only 1 of the 2 shares this split needs",
        "the shares of Amira Haddad (1), Bohdan Kovalenko (2) do not combine",
        "the share of Chloé Martin (index 3) does not fit the other shares",
        "the share of Bohdan Kovalenko (index 2) belongs to another split",
    };
    as_share bad3 = a[2];
    uint8_t *y = as_secret_alloc(bad3.len, &err);
    memcpy(y, a[2].y, bad3.len);
    y[5] ^= 0x40;
    bad3.y = y;
    const as_share *sets[][3] = {
        {&a[0], &f[1], NULL},   {&a[0], &b[1], NULL},  {&a[0], &a[0], NULL}, {&a[0], NULL, NULL},
        {&a[0], &forged, NULL}, {&a[0], &a[1], &bad3}, {&a[0], &lie, NULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t m = 0;
        while (m < 3 && sets[i][m] != NULL)
            m++;
        as_buf out;
        as_buf_init_secret(&out, 1024);
        as_error_clear(&err);
        assert_int_equal(as_shares_combine(sets[i], m, STATION, &out, &err), -1);
        if (strstr(err.msg, want[i]) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, want[i]);
        assert_int_equal(out.len, 0);
        as_buf_free(&out);
    }
    as_secret_free(y);
    as_shares_free(a, 3);
    as_shares_free(b, 3);
    as_shares_free(f, 3);
}

/* ---- QR parts ---- */

static void qr_parts_round_trip(void **state)
{
    (void)state;
    uint8_t secret[2600];
    fill_seeded(secret, sizeof secret, 3);
    as_share v[2];
    split_ok(v, 2, 2, secret, sizeof secret);
    as_buf text, pay[AS_SHARE_QR_MAX_PARTS];
    as_error err = {0};
    format_ok(&v[0], &text);
    unsigned parts = as_share_qr_parts(text.len);
    assert_int_equal(parts, 4);
    for (unsigned p = 0; p < parts; p++) {
        as_buf_init_secret(&pay[p], AS_SHARE_QR_PAYLOAD_MAX);
        assert_int_equal(as_share_qr_payload(&v[0], text.data, text.len, p + 1, &pay[p], &err), 0);
        assert_true(pay[p].len <= AS_SHARE_QR_PAYLOAD_MAX);
    }
    as_share_qr_set set;
    as_share_qr_set_init(&set);
    for (unsigned p = parts; p-- > 1;) /* backwards, one twice, part 1 missing */
        assert_int_equal(as_share_qr_add(&set, pay[p].data, pay[p].len, &err), 0);
    assert_int_equal(as_share_qr_add(&set, pay[2].data, pay[2].len, &err), 0);
    assert_int_equal(set.n, 1);
    as_buf got;
    as_buf_init_secret(&got, AS_SHARE_TEXT_MAX);
    assert_int_equal(as_share_qr_text(&set, 0, &got, &err), -1);
    assert_int_equal(err.code, AS_ERR_INCOMPLETE);
    assert_non_null(strstr(err.msg, "QR code(s) 1 of 4 not read"));
    assert_int_equal(as_share_qr_add(&set, pay[0].data, pay[0].len, &err), 0);
    as_error_clear(&err);
    assert_int_equal(as_share_qr_text(&set, 0, &got, &err), 0);
    assert_int_equal(got.len, text.len);
    assert_memory_equal(got.data, text.data, text.len);
    /* a different part 2 of the same share */
    pay[1].data[pay[1].len - 1] ^= 1;
    assert_int_equal(as_share_qr_add(&set, pay[1].data, pay[1].len, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    static const char *const junk[] = {
        "",
        "hello",
        "airseal-share-qr v1 00 1 1 1\nx",
        "airseal-share-qr v1 000102030405060708090a0b0c0d0e0f 1 2 1\nx",
        "airseal-share-qr v1 000102030405060708090a0b0c0d0e0f 1 1 1\n",
        "airseal-share-qr v1 000102030405060708090a0b0c0d0e0f 0 1 1\nx",
        "airseal-share-qr v1 000102030405060708090a0b0c0d0e0f 1 1 17\nx"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        as_error_clear(&err);
        assert_int_equal(as_share_qr_add(&set, (const uint8_t *)junk[i], strlen(junk[i]), &err),
                         -1);
        assert_int_equal(err.code, AS_ERR_FORMAT);
    }
    for (unsigned p = 0; p < parts; p++)
        as_buf_free(&pay[p]);
    as_buf_free(&got);
    as_buf_free(&text);
    as_share_qr_set_free(&set);
    as_shares_free(v, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_known_answer),
        cmocka_unit_test(combine_known_answer),
        cmocka_unit_test(every_subset),
        cmocka_unit_test(text_round_trip),
        cmocka_unit_test(fewer_than_k_tell_nothing),
        cmocka_unit_test(libgfshare_scrubs_on_free),
        cmocka_unit_test(split_refusals),
        cmocka_unit_test(hostile_texts),
        cmocka_unit_test(hostile_shapes),
        cmocka_unit_test(hostile_combinations),
        cmocka_unit_test(qr_parts_round_trip),
    };
    return cmocka_run_group_tests(tests, crypto_setup, NULL);
}
