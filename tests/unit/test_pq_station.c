/* test_pq_station.c: the hybrid (mlkem768x25519) station, its recipient in -r arguments, in the
 * manifest and in fingerprints (issue 15). */
#include "helpers.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/bundle/manifest.h"
#include "common/core/file.h"
#include "common/crypto/fingerprint.h"
#include "common/station/station.h"
#include "common/ui/recipient.h"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-pq-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

/* A hybrid station: created, opened, unlocked; its identity is the one of recipient.pub. */
static void hybrid_station_lifecycle(void **state)
{
    (void)state;
    as_error err = {0};
    as_station st, opened;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/st", tmpdir);
    assert_int_equal(as_station_create_kind(&st, dir, AS_STATION_HYBRID, NULL, 0, &err), 0);
    assert_int_equal(st.kind, AS_STATION_HYBRID);
    assert_null(st.identity);
    assert_non_null(st.pq_identity);
    assert_int_equal(as_station_open(&opened, dir, &err), 0);
    assert_int_equal(opened.kind, AS_STATION_HYBRID);
    assert_memory_equal(opened.pq_recipient.pk, st.pq_recipient.pk, AS_XWING_PK_LEN);
    assert_int_equal(as_station_unlock(&opened, NULL, 0, &err), 0);
    assert_null(opened.identity); /* one recipient type: no X25519 identity beside it */
    assert_memory_equal(opened.pq_identity->seed, st.pq_identity->seed, AS_XWING_SK_LEN);
    char a[AS_FINGERPRINT_STR], b[AS_FINGERPRINT_STR];
    as_station_recipient_fingerprint(&st, a);
    as_fingerprint_age_pq(&opened.pq_recipient, b);
    assert_string_equal(a, b);
    as_station_close(&opened);
    as_station_close(&st);
    /* the classical path is unchanged: as_station_create makes an X25519 station */
    snprintf(dir, sizeof dir, "%s/cst", tmpdir);
    assert_int_equal(as_station_create(&st, dir, NULL, 0, &err), 0);
    assert_int_equal(st.kind, AS_STATION_X25519);
    assert_int_equal(as_station_open(&opened, dir, &err), 0);
    assert_int_equal(opened.kind, AS_STATION_X25519);
    as_station_close(&opened);
    as_station_close(&st);
}

/* -r text of both kinds, in either single case; mixed case and garbage refused. */
static void recipient_text(void **state)
{
    (void)state;
    as_error err = {0};
    as_age_pq_identity *id = as_age_pq_identity_generate(&err);
    assert_non_null(id);
    as_age_pq_recipient r;
    as_age_pq_identity_recipient(id, &r);
    char s[AS_AGE_PQ_RECIPIENT_STR_MAX], up[AS_AGE_PQ_RECIPIENT_STR_MAX];
    as_age_pq_recipient_format(&r, s);
    size_t n = strlen(s);
    assert_int_equal(n, 1959);
    for (size_t i = 0; i <= n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    as_recipient_key k;
    assert_int_equal(as_recipient_key_parse(&k, s, n, &err), 0);
    assert_int_equal(k.kind, AS_RCPT_PQ);
    assert_memory_equal(k.pq.pk, r.pk, sizeof r.pk);
    assert_int_equal(as_recipient_key_parse(&k, up, n, &err), 0);
    assert_int_equal(k.kind, AS_RCPT_PQ);
    assert_memory_equal(k.pq.pk, r.pk, sizeof r.pk);
    up[1] = 'g'; /* "AgE1PQ1...": mixed case */
    assert_int_equal(as_recipient_key_parse(&k, up, n, &err), -1);
    as_error_clear(&err);
    assert_int_equal(as_recipient_key_parse(&k, s, n - 1, &err), -1); /* checksum */
    as_error_clear(&err);
    /* the classical kind still parses, and as_recipient_from_arg refuses a hybrid key */
    as_age_identity *cid = as_age_identity_generate(&err);
    as_age_recipient cr;
    as_age_identity_recipient(cid, &cr);
    char cs[AS_AGE_RECIPIENT_STR_MAX];
    as_age_recipient_format(&cr, cs);
    assert_int_equal(as_recipient_key_parse(&k, cs, strlen(cs), &err), 0);
    assert_int_equal(k.kind, AS_RCPT_X25519);
    assert_int_equal(as_recipient_from_arg(&cr, s, &err), -1);
    assert_int_equal(err.code, AS_ERR_USAGE);
    as_error_clear(&err);
    /* fingerprints of the two kinds are domain-separated and cover the whole hybrid key */
    char f1[AS_FINGERPRINT_STR], f2[AS_FINGERPRINT_STR];
    as_fingerprint_age_pq(&r, f1);
    as_age_pq_recipient r2 = r;
    r2.pk[0] ^= 1; /* the ML-KEM half */
    as_fingerprint_age_pq(&r2, f2);
    assert_string_not_equal(f1, f2);
    r2 = r;
    r2.pk[AS_XWING_PK_LEN - 1] ^= 1; /* the X25519 half */
    as_fingerprint_age_pq(&r2, f2);
    assert_string_not_equal(f1, f2);
    as_age_identity_free(cid);
    as_age_pq_identity_free(id);
}

/* A manifest with hybrid recipients formats and parses back; the ninth is refused. */
static void manifest_pq_recipients(void **state)
{
    (void)state;
    as_error err = {0};
    as_manifest *m = calloc(1, sizeof *m), *back = calloc(1, sizeof *back);
    assert_non_null(m);
    assert_non_null(back);
    memcpy(m->bundle_id, "00112233445566778899aabbccddeeff", 33);
    memcpy(m->case_id, "PQ-1", 5);
    m->created = 1700000000;
    m->files = calloc(1, sizeof *m->files); /* no evidence file, as seal allocates it */
    as_age_pq_identity *id = as_age_pq_identity_generate(&err);
    as_age_pq_identity_recipient(id, &m->pq_recipients[0]);
    m->npq_recipients = 1;
    as_buf out;
    as_buf_init(&out, 1 << 20);
    assert_int_equal(as_manifest_format(m, &out, &err), 0);
    assert_int_equal(as_manifest_parse(back, out.data, out.len, &err), 0);
    assert_int_equal(back->nrecipients, 0);
    assert_int_equal(back->npq_recipients, 1);
    assert_true(as_manifest_has_pq_recipient(back, &m->pq_recipients[0]));
    as_manifest_free(back);
    /* nine recipient lines of the hybrid kind: one more than a manifest may list */
    for (size_t i = 1; i < AS_MANIFEST_MAX_PQ_RECIPIENTS; i++)
        m->pq_recipients[m->npq_recipients++] = m->pq_recipients[0];
    out.len = 0;
    assert_int_equal(as_manifest_format(m, &out, &err), 0);
    char line[AS_AGE_PQ_RECIPIENT_STR_MAX + 16];
    char r[AS_AGE_PQ_RECIPIENT_STR_MAX];
    as_age_pq_recipient_format(&m->pq_recipients[0], r);
    snprintf(line, sizeof line, "recipient: %s\n", r);
    uint8_t *at = memmem(out.data, out.len, line, strlen(line));
    assert_non_null(at);
    as_buf twice;
    as_buf_init(&twice, 1 << 20);
    assert_int_equal(as_buf_append(&twice, out.data, (size_t)(at - out.data), &err), 0);
    assert_int_equal(as_buf_append(&twice, line, strlen(line), &err), 0);
    assert_int_equal(as_buf_append(&twice, at, out.len - (size_t)(at - out.data), &err), 0);
    assert_int_equal(as_manifest_parse(back, twice.data, twice.len, &err), -1);
    assert_string_equal(err.msg, "manifest lists more than 8 age1pq1... recipients");
    as_buf_free(&twice);
    as_buf_free(&out);
    as_age_pq_identity_free(id);
    as_manifest_free(m);
    free(m);
    free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hybrid_station_lifecycle),
        cmocka_unit_test(recipient_text),
        cmocka_unit_test(manifest_pq_recipients),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
