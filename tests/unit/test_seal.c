/*
 * test_seal.c: sealing and unsealing (bundle.h, unseal.h): a round trip through a temporary
 * folder, the manifest check against the outer signature's comment (one table of
 * mismatches, on the golden manifest), and refusals that leave nothing behind.
 */
#include "helpers.h"

#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle/bundle.h"
#include "common/bundle/unseal.h"
#include "common/core/file.h"
#include "common/core/text.h"

#define ENTRY "station/vault/ICC-GOLDEN%2F01/f912e50c97565780ac50e489d40f5c41/"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-seal-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return as_remove_tree(tmpdir, NULL);
}

static const char *tmp(const char *name)
{
    static char p[4][512];
    static int which;
    which = (which + 1) % 4;
    snprintf(p[which], sizeof p[which], "%s/%s", tmpdir, name);
    return p[which];
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    uint8_t *p = malloc(1 << 20);
    assert_non_null(p);
    *len = fread(p, 1, (1 << 20) - 1, f);
    p[*len] = 0;
    fclose(f);
    return p;
}

/* Entries in a folder, "." and ".." aside. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

typedef struct {
    as_mini_seckey *sk;
    as_mini_pubkey pk;
    as_age_identity *id;
    as_age_recipient rcpt;
    as_seal_result sr;
} sealed_bundle;

/* Seals tmp("ev/a.txt") and tmp("ev/dir/b.bin") into tmp("sealed.age"). */
static void seal_sample(sealed_bundle *s)
{
    as_error err = {0};
    mkdir(tmp("ev"), 0700);
    mkdir(tmp("ev/dir"), 0700);
    put_file(tmp("ev/a.txt"), "statement one\n");
    put_file(tmp("ev/dir/b.bin"), "\x01\x02\x03 binary\n");
    s->sk = as_mini_keygen(&s->pk, &err);
    s->id = as_age_identity_generate(&err);
    assert_non_null(s->sk);
    assert_non_null(s->id);
    as_age_identity_recipient(s->id, &s->rcpt);
    char a[512], d[512];
    snprintf(a, sizeof a, "%s", tmp("ev/a.txt"));
    snprintf(d, sizeof d, "%s", tmp("ev/dir"));
    char *paths[] = {a, d};
    as_evidence ev = {0};
    assert_int_equal(as_evidence_collect(&ev, paths, 2, &err), 0);
    as_buf out;
    as_buf_writer w;
    as_buf_init(&out, 1 << 24);
    as_buf_writer_init(&w, &out);
    as_seal_opts o = {.recipients = &s->rcpt,
                      .nrecipients = 1,
                      .signer = s->sk,
                      .case_id = "ICC-TEST/07",
                      .collector = "unit test",
                      .evidence = &ev,
                      .sink = &w.base};
    if (as_seal(&o, &s->sr, &err) != 0)
        fail_msg("seal: %s", err.msg);
    FILE *f = fopen(tmp("sealed.age"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
    fclose(f);
    assert_int_equal(s->sr.sealed_size, out.len);
    as_buf_free(&out);
    as_evidence_free(&ev);
}

static void free_sample(sealed_bundle *s)
{
    as_mini_seckey_free(s->sk);
    as_age_identity_free(s->id);
}

static void seal_unseal_roundtrip(void **state)
{
    (void)state;
    as_error err = {0};
    sealed_bundle s;
    seal_sample(&s);
    /* The outer signature verifies over the sealed file, its comment names what was sealed. */
    assert_int_equal(as_mini_verify_file(&s.pk, &s.sr.signature, tmp("sealed.age"), false, &err),
                     0);
    assert_string_equal(s.sr.comment.case_id, "ICC-TEST/07");
    assert_int_equal(s.sr.comment.files, 2);
    assert_int_equal(s.sr.comment.bytes, 14 + 11);
    assert_int_equal(mkdir(tmp("out"), 0700), 0);
    as_unseal_opts u = {.sealed_path = tmp("sealed.age"),
                        .identity = s.id,
                        .signer = &s.pk,
                        .comment = &s.sr.comment,
                        .dest = tmp("out")};
    as_manifest m = {0};
    if (as_unseal(&u, &m, &err) != 0)
        fail_msg("unseal: %s", err.msg);
    assert_int_equal(m.nfiles, 2);
    assert_string_equal(m.files[0].path, "a.txt");
    assert_string_equal(m.files[1].path, "dir/b.bin");
    assert_string_equal(m.collector, "unit test");
    size_t n;
    uint8_t *a = read_all(tmp("out/evidence/a.txt"), &n);
    assert_int_equal(n, 14);
    assert_memory_equal(a, "statement one\n", 14);
    free(a);
    a = read_all(tmp("out/evidence/dir/b.bin"), &n);
    assert_memory_equal(a, "\x01\x02\x03 binary\n", 11);
    free(a);
    assert_int_equal(access(tmp("out/manifest.txt"), R_OK), 0);
    assert_int_equal(access(tmp("out/manifest.txt.minisig"), R_OK), 0);
    as_manifest_free(&m);
    free_sample(&s);
}

static const char *gold(const char *rel)
{
    static char p[2][1024];
    static int which;
    which ^= 1;
    const char *v = getenv("AIRSEAL_VECTORS");
    snprintf(p[which], sizeof p[which], "%s/airseal/%s", v ? v : "tests/vectors", rel);
    return p[which];
}

/* One mismatch between the golden manifest and what the outer signature says. */
typedef enum {
    M_BUNDLE,
    M_CASE,
    M_FILES,
    M_BYTES,
    M_DIGEST,
    M_SIGNER,
    M_RECIPIENT
} mismatch;
static const struct {
    const char *name;
    mismatch what;
    const char *message;
} MISMATCH[] = {
    {"bundle id", M_BUNDLE, "the manifest does not match the bundle signature: bundle id"},
    {"case id", M_CASE, "the manifest does not match the bundle signature: case id"},
    {"file count", M_FILES, "the manifest does not match the bundle signature: file count or size"},
    {"byte count", M_BYTES, "the manifest does not match the bundle signature: file count or size"},
    {"manifest digest", M_DIGEST,
     "the manifest does not match the bundle signature: manifest digest"},
    {"another signer", M_SIGNER,
     "manifest signature (must be by the bundle's signer): signature was made by key "
     "A511CFC98C94E106, not by key @"},
    {"not for this station", M_RECIPIENT,
     "this station is not among the bundle's recipients in its signed manifest"},
};

static void golden_parts(as_bundle_comment *c, as_mini_pubkey *pk, as_age_recipient *station)
{
    as_error err = {0};
    size_t n;
    uint8_t *sig = read_all(gold("usb/bundle.age.minisig"), &n);
    as_mini_sig s;
    assert_int_equal(as_mini_sig_parse(&s, sig, n, &err), 0);
    assert_int_equal(as_bundle_comment_parse(c, s.trusted, &err), 0);
    assert_int_equal(as_mini_pubkey_load(pk, gold("keys/TEST-ONLY-ngo.pub"), &err), 0);
    uint8_t *r = read_all(gold("station/recipient.pub"), &n);
    assert_int_equal(as_age_recipient_parse(station, (const char *)r, n - 1, &err), 0);
    free(r);
    free(sig);
}

static void manifest_check(void **state)
{
    (void)state;
    size_t tn, sn;
    uint8_t *text = read_all(gold(ENTRY "manifest.txt"), &tn);
    uint8_t *sig = read_all(gold(ENTRY "manifest.txt.minisig"), &sn);
    as_bundle_comment c0;
    as_mini_pubkey pk0, other;
    as_age_recipient st0;
    as_error err = {0};
    as_manifest m = {0};
    golden_parts(&c0, &pk0, &st0);
    assert_int_equal(as_manifest_verify(text, tn, sig, sn, &pk0, &c0, &st0, NULL, &m, &err), 0);
    assert_int_equal(m.nfiles, 2);
    as_manifest_free(&m);
    as_mini_seckey *osk = as_mini_keygen(&other, &err);
    int wrong = 0;
    for (size_t i = 0; i < sizeof MISMATCH / sizeof MISMATCH[0]; i++) {
        as_bundle_comment c = c0;
        as_mini_pubkey pk = pk0;
        as_age_recipient st = st0;
        switch (MISMATCH[i].what) {
        case M_BUNDLE:
            c.bundle_id[0] = c.bundle_id[0] == '0' ? '1' : '0';
            break;
        case M_CASE:
            snprintf(c.case_id, sizeof c.case_id, "ICC-GOLDEN/02");
            break;
        case M_FILES:
            c.files = 3;
            break;
        case M_BYTES:
            c.bytes = 64;
            break;
        case M_DIGEST:
            c.manifest_sha256[31] ^= 1;
            break;
        case M_SIGNER:
            pk = other;
            break;
        case M_RECIPIENT:
            st.pk[0] ^= 1;
            break;
        }
        memset(&m, 0, sizeof m);
        as_error_clear(&err);
        if (as_manifest_verify(text, tn, sig, sn, &pk, &c, &st, NULL, &m, &err) != -1)
            fail_msg("%s: accepted", MISMATCH[i].name);
        /* '@' stands for the random key's id. */
        char want[256], oid[AS_MINI_KEYID_STR];
        const char *at = strchr(MISMATCH[i].message, '@');
        as_mini_keyid(other.keynum, oid);
        if (at != NULL)
            snprintf(want, sizeof want, "%.*s%s", (int)(at - MISMATCH[i].message),
                     MISMATCH[i].message, oid);
        else
            snprintf(want, sizeof want, "%s", MISMATCH[i].message);
        if (strcmp(err.msg, want) != 0) {
            print_message("# %s: %s \"%s\"\n", MISMATCH[i].name, as_errcode_name(err.code),
                          err.msg);
            wrong++;
        }
        as_manifest_free(&m);
    }
    assert_int_equal(wrong, 0);
    as_mini_seckey_free(osk);
    free(text);
    free(sig);
}

/* Refused unseals write no evidence byte: a comment that disagrees with the manifest, and a
 * station that is not a recipient. */
static void refusals_leave_nothing(void **state)
{
    (void)state;
    as_error err = {0};
    sealed_bundle s;
    seal_sample(&s);
    as_bundle_comment c = s.sr.comment;
    c.files = 3;
    char sealed[512], r1[512], r2[512];
    snprintf(sealed, sizeof sealed, "%s", tmp("sealed.age"));
    snprintf(r1, sizeof r1, "%s", tmp("r1"));
    snprintf(r2, sizeof r2, "%s", tmp("r2"));
    assert_int_equal(mkdir(r1, 0700), 0);
    as_unseal_opts u = {
        .sealed_path = sealed, .identity = s.id, .signer = &s.pk, .comment = &c, .dest = r1};
    as_manifest m = {0};
    assert_int_equal(as_unseal(&u, &m, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    assert_string_equal(err.msg,
                        "the manifest does not match the bundle signature: file count or size");
    assert_int_equal(access(tmp("r1/evidence"), F_OK), -1);

    as_age_identity *stranger = as_age_identity_generate(&err);
    assert_int_equal(mkdir(r2, 0700), 0);
    u.identity = stranger;
    u.comment = &s.sr.comment;
    u.dest = r2;
    as_error_clear(&err);
    assert_int_equal(as_unseal(&u, &m, &err), -1);
    assert_string_equal(
        err.msg,
        "bundle.age is not encrypted to this station (no recipient stanza opens with its key)");
    assert_int_equal(entries(r2), 0);
    as_age_identity_free(stranger);

    /* The sender refuses a symbolic link before sealing anything. */
    assert_int_equal(symlink("/etc/passwd", tmp("ev/link")), 0);
    char l[512];
    snprintf(l, sizeof l, "%s", tmp("ev/link"));
    char *paths[] = {l};
    as_evidence ev = {0};
    as_error_clear(&err);
    assert_int_equal(as_evidence_collect(&ev, paths, 1, &err), -1);
    char want[700];
    snprintf(want, sizeof want,
             "%s is a symbolic link; airseal never follows links: give the file or folder it "
             "points to",
             l);
    assert_string_equal(err.msg, want);
    as_evidence_free(&ev);
    free_sample(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_unseal_roundtrip),
        cmocka_unit_test(manifest_check),
        cmocka_unit_test(refusals_leave_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
