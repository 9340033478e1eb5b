/*
 * test_intake.c: as_intake on copies of the golden station (tests/vectors/airseal): a new
 * import, the same bundle again, an import interrupted after the vault commit and finished
 * now, and another sealed file reusing a bundle id the station already holds.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/minisign.h"
#include "common/crypto/sha256.h"
#include "common/station/intake.h"
#include "common/station/station.h"
#include "common/station/trust_ops.h"

#define ID "f912e50c97565780ac50e489d40f5c41"
#define ENTRY "vault/ICC-GOLDEN%2F01/" ID

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-intake-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'", tmpdir);
    return system(cmd) == 0 && as_remove_tree(tmpdir, NULL) == 0 ? 0 : -1;
}

static const char *gold(void)
{
    static char p[1024];
    const char *v = getenv("AIRSEAL_VECTORS");
    snprintf(p, sizeof p, "%s/airseal", v ? v : "tests/vectors");
    return p;
}

static const char *tmp(const char *name)
{
    static char p[2][1024];
    static int which;
    which ^= 1;
    snprintf(p[which], sizeof p[which], "%s/%s", tmpdir, name);
    return p[which];
}

static void sh(const char *cmd)
{
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* tmp(dest): a copy of the golden folder name, with the modes and empty folders git does not
 * keep restored from modes.txt (children first, so read-only folders are filled first). */
static void golden_copy(const char *name, const char *dest)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cp -r '%s/%s' '%s' && cd '%s' && grep -E ' [df] %s(/|$)' '%s/modes.txt' | "
             "sort -k3 -r | while read -r m t p; do q=%s${p#%s}; "
             "if [ $t = d ]; then mkdir -p \"$q\"; elif [ ! -e \"$q\" ]; then : > \"$q\"; fi; "
             "chmod $m \"$q\"; done",
             gold(), name, tmp(dest), tmpdir, name, gold(), dest, name);
    sh(cmd);
}

/* A digest of everything a station holds (as station_state in tests/lib.sh). */
static void station_digest(const char *dir, char out[65])
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && (find . -path ./.lock -prune -o -printf '%%y %%m %%p %%l\\n' | "
             "LC_ALL=C sort && find . -path ./.lock -prune -o -type f -print0 | xargs -0 -r "
             "sha256sum | LC_ALL=C sort) | sha256sum",
             dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(out, 65, p));
    pclose(p);
}

static void open_station(as_station *st, const char *dir)
{
    as_error err = {0};
    memset(st, 0, sizeof *st);
    if (as_station_open(st, tmp(dir), &err) != 0 || as_station_unlock(st, NULL, 0, &err) != 0)
        fail_msg("%s: %s", dir, err.msg);
}

/* Imports the golden USB bundle into tmp(dir); returns the result, fails the test on error. */
static void import_golden(const char *dir, as_import_result *r)
{
    as_station st;
    as_error err = {0};
    char src[1024];
    snprintf(src, sizeof src, "%s/usb", gold());
    char *sources[] = {src};
    open_station(&st, dir);
    memset(r, 0, sizeof *r);
    if (as_import_usb(&st, sources, 1, NULL, r, &err) != 0)
        fail_msg("import into %s: %s", dir, err.msg);
    as_station_close(&st);
}

static void import_new(void **state)
{
    (void)state;
    as_import_result r;
    golden_copy("station-pre-import", "new");
    import_golden("new", &r);
    assert_int_equal(r.status, AS_IMPORT_NEW);
    assert_int_equal(r.custody_entry, 4);
    assert_string_equal(r.comment.bundle_id, ID);
    assert_string_equal(r.signer, "A511CFC98C94E106");
    assert_string_equal(r.signer_label, "Golden field NGO");
    assert_int_equal(r.sealed_size, 5320);
    assert_string_equal(r.vault_path, tmp("new/" ENTRY));
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "diff -r '%s/station/%s' '%s'", gold(), ENTRY, tmp("new/" ENTRY));
    sh(cmd);
    snprintf(cmd, sizeof cmd,
             "cmp -s <(grep -v ^imported: '%s/station/receipts/%s.receipt') "
             "<(grep -v ^imported: '%s')",
             gold(), ID, r.receipt_path);
    char bash[10100];
    snprintf(bash, sizeof bash, "bash -c \"%s\"", cmd);
    sh(bash);
}

static void import_already(void **state)
{
    (void)state;
    as_import_result r;
    char before[65], after[65];
    golden_copy("station", "already");
    station_digest(tmp("already"), before);
    import_golden("already", &r);
    assert_int_equal(r.status, AS_IMPORT_ALREADY);
    assert_int_equal(r.custody_entry, 4);
    station_digest(tmp("already"), after);
    assert_string_equal(before, after);
}

/* The vault holds the entry but the log and receipts do not: the process died between the
 * vault commit and the custody log. Importing again finishes it. */
static void import_completed_after_crash(void **state)
{
    (void)state;
    as_import_result r;
    char cmd[2048];
    golden_copy("station-pre-import", "crashed");
    golden_copy("station", "full");
    snprintf(cmd, sizeof cmd, "mv '%s' '%s'", tmp("full/vault/ICC-GOLDEN%2F01"),
             tmp("crashed/vault/"));
    sh(cmd);
    import_golden("crashed", &r);
    assert_int_equal(r.status, AS_IMPORT_COMPLETED);
    assert_int_equal(r.custody_entry, 4);
    assert_int_equal(access(r.receipt_path, R_OK), 0);
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *p = malloc(1 << 20);
    assert_non_null(p);
    *len = fread(p, 1, 1 << 20, f);
    fclose(f);
    return p;
}

/* Another sealed file (the golden split bundle's) signed by the trusted golden NGO key with
 * the trusted comment of the bundle the station already holds: a reused bundle id. */
static void make_reused(as_station *st, as_intake_input *in, char **work, char *sealed, size_t cap,
                        as_buf *sig)
{
    as_error err = {0};
    char p[1024];
    size_t n, gn;
    snprintf(p, sizeof p, "%s/usb-split/bundle.age.part001", gold());
    uint8_t *part = read_all(p, &n);
    snprintf(p, sizeof p, "%s/usb/bundle.age.minisig", gold());
    uint8_t *gsig = read_all(p, &gn);
    *work = as_intake_workdir(st, &err);
    assert_non_null(*work);
    snprintf(sealed, cap, "%s/bundle.age", *work);
    FILE *f = fopen(sealed, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(part + 512, 1, n - 512, f), n - 512);
    fclose(f);
    memset(in, 0, sizeof *in);
    in->work = *work;
    in->sealed = sealed;
    in->size = n - 512;
    crypto_hash_sha256(in->sha256, part + 512, n - 512);
    as_mini_prehash ph;
    as_mini_prehash_init(&ph);
    as_mini_prehash_update(&ph, part + 512, n - 512);
    as_mini_prehash_final(&ph, in->prehash);
    as_mini_sig golden, forged;
    assert_int_equal(as_mini_sig_parse(&golden, gsig, gn, &err), 0);
    snprintf(p, sizeof p, "%s/keys/TEST-ONLY-ngo.key", gold());
    uint8_t *kf = read_all(p, &n);
    as_mini_seckey *sk = as_mini_seckey_parse_file(kf, n, NULL, 0, &err);
    assert_non_null(sk);
    assert_int_equal(as_mini_sign(&forged, sk, in->prehash, golden.trusted, NULL, &err), 0);
    as_buf_init(sig, 1 << 16);
    assert_int_equal(as_mini_sig_format(sig, &forged, &err), 0);
    as_mini_seckey_free(sk);
    free(kf);
    free(part);
    free(gsig);
    in->transport = "usb";
}

static void reused_id_refused(void **state)
{
    (void)state;
    as_station st;
    as_intake_input in;
    as_import_result r;
    as_error err = {0};
    as_buf sig;
    char *work, sealed[1024], before[65], after[65];
    golden_copy("station", "reused");
    station_digest(tmp("reused"), before);
    open_station(&st, "reused");
    make_reused(&st, &in, &work, sealed, sizeof sealed, &sig);
    const uint8_t *sigs[] = {sig.data};
    size_t lens[] = {sig.len};
    in.sigs = sigs;
    in.siglens = lens;
    in.nsigs = 1;
    memset(&r, 0, sizeof r);
    assert_int_equal(as_intake(&st, &in, NULL, &r, &err), -1);
    assert_int_equal(err.code, AS_ERR_REJECTED);
    assert_string_equal(err.msg, "bundle id " ID " is already used at this station by a different "
                                 "bundle (custody log entry 4, case ICC-GOLDEN/01); refusing it");
    /* The transport's part (as as_import_usb does): its work folder goes. */
    assert_int_equal(as_remove_tree(work, &err), 0);
    as_station_close(&st);
    free(work);
    as_buf_free(&sig);
    station_digest(tmp("reused"), after);
    assert_string_equal(before, after);
}

/* Starts counting the opens of path (inotify IN_OPEN); returns the descriptor to count with. */
static int watch_opens(const char *path)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    assert_true(fd >= 0);
    assert_true(inotify_add_watch(fd, path, IN_OPEN) >= 0);
    return fd;
}

/* The opens seen since watch_opens; closes fd. */
static int count_opens(int fd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    int opens = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            opens += (ev->mask & IN_OPEN) != 0;
            p += sizeof *ev + ev->len;
        }
    }
    close(fd);
    return opens;
}

/*
 * One import, and one trust change, each open the custody log once: it is verified when
 * opened (with the trust replay and the bundle id lookup), and the entry is appended to the
 * same open file, which keeps its earlier bytes.
 */
static void log_opened_once(void **state)
{
    (void)state;
    as_import_result r;
    as_error err = {0};
    uint8_t *before, *after;
    size_t blen, alen;
    golden_copy("station-pre-import", "once");
    char log[1024]; /* tmp() reuses its buffers */
    snprintf(log, sizeof log, "%s", tmp("once/custody.log"));
    assert_int_equal(as_file_read_all(log, 1 << 20, &before, &blen, &err), 0);
    int w = watch_opens(log);
    import_golden("once", &r);
    assert_int_equal(count_opens(w), 1);
    assert_int_equal(r.custody_entry, 4);
    assert_int_equal(as_file_read_all(log, 1 << 20, &after, &alen, &err), 0);
    assert_true(alen > blen);
    assert_memory_equal(after, before, blen);
    free(before);
    free(after);

    as_station st;
    as_mini_pubkey pk;
    as_mini_seckey *sk = as_mini_keygen(&pk, &err);
    open_station(&st, "once");
    w = watch_opens(log);
    if (as_station_trust_add(&st, &pk, "Another NGO", &err) != 0)
        fail_msg("trust add: %s", err.msg);
    assert_int_equal(count_opens(w), 1);
    as_station_close(&st);
    as_mini_seckey_free(sk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_new),
        cmocka_unit_test(import_already),
        cmocka_unit_test(import_completed_after_crash),
        cmocka_unit_test(reused_id_refused),
        cmocka_unit_test(log_opened_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
