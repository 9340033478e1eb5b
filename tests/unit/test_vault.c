/*
 * test_vault.c: the evidence vault (FORMAT.md section 4): case folder names (known answers,
 * both forms), committing a staged entry, and verifying an entry (the golden one from
 * tests/vectors/airseal) intact and with each kind of damage.
 */
#include "helpers.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/core/file.h"
#include "common/core/text.h"
#include "common/station/vault.h"

#define GOLDEN_ENTRY "station/vault/ICC-GOLDEN%2F01/f912e50c97565780ac50e489d40f5c41"

static char tmpdir[256];

static int setup(void **state)
{
    if (crypto_setup(state) != 0)
        return -1;
    snprintf(tmpdir, sizeof tmpdir, "%s/airseal-vault-XXXXXX",
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
    static char p[2][512];
    static int which;
    which ^= 1;
    snprintf(p[which], sizeof p[which], "%s/%s", tmpdir, name);
    return p[which];
}

static void expect_case_dir(const char *case_id, const char *want)
{
    as_error err = {0};
    char *got = as_vault_case_dir(case_id, &err);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("case \"%s\": folder \"%s\", want \"%s\"", case_id, got, want);
    assert_true(strlen(got) <= AS_VAULT_CASE_DIR_MAX);
    free(got);
}

/* The shortened form: prefix, '~', the first 32 hex digits of SHA-256(case id). */
static void shortened(char *out, size_t cap, const char *prefix, const char *case_id)
{
    uint8_t h[32];
    char hx[65];
    crypto_hash_sha256(h, (const uint8_t *)case_id, strlen(case_id));
    as_hex_encode(hx, h, 32);
    snprintf(out, cap, "%s~%.32s", prefix, hx);
}

static void case_folder_names(void **state)
{
    (void)state;
    expect_case_dir("ICC-01/22", "ICC-01%2F22");
    expect_case_dir("unassigned", "unassigned");
    expect_case_dir(".hidden", "%2Ehidden");
    expect_case_dir("a.b_c-d", "a.b_c-d");
    expect_case_dir("a b~c", "a%20b%7Ec");
    expect_case_dir("..", "%2E.");
    expect_case_dir("\xc3\xa9t\xc3\xa9", "%C3%A9t%C3%A9");

    /* 120 plain bytes fit; 121 do not. */
    char c120[121], c121[122], want[200], prefix[130];
    memset(c120, 'A', 120);
    c120[120] = 0;
    expect_case_dir(c120, c120);
    memset(c121, 'A', 121);
    c121[121] = 0;
    memset(prefix, 'A', 87);
    prefix[87] = 0;
    shortened(want, sizeof want, prefix, c121);
    expect_case_dir(c121, want);

    /* 64 'é' (128 bytes, 384 encoded): 14 whole characters fit before the digest. */
    char e64[129];
    for (int i = 0; i < 64; i++)
        memcpy(e64 + 2 * i, "\xc3\xa9", 2);
    e64[128] = 0;
    prefix[0] = 0;
    for (int i = 0; i < 14; i++)
        strncat(prefix, "%C3%A9", sizeof prefix - strlen(prefix) - 1);
    shortened(want, sizeof want, prefix, e64);
    expect_case_dir(e64, want);
}

static void commit_entry(void **state)
{
    (void)state;
    as_error err = {0};
    struct stat sb;
    assert_int_equal(mkdir(tmp("staged"), 0700), 0);
    assert_int_equal(mkdir(tmp("staged/evidence"), 0700), 0);
    FILE *f = fopen(tmp("staged/evidence/a.txt"), "w");
    assert_non_null(f);
    fputs("evidence\n", f);
    fclose(f);
    assert_int_equal(as_vault_commit(tmp("staged"), tmp("final"), &err), 0);
    assert_int_equal(stat(tmp("staged"), &sb), -1);
    assert_int_equal(stat(tmp("final/evidence/a.txt"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0444);
    assert_int_equal(stat(tmp("final"), &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0555);

    /* A second entry for the same place is refused and left where it was. */
    assert_int_equal(mkdir(tmp("staged2"), 0700), 0);
    assert_int_equal(as_vault_commit(tmp("staged2"), tmp("final"), &err), -1);
    assert_int_equal(err.code, AS_ERR_EXISTS);
    assert_int_equal(stat(tmp("staged2"), &sb), 0);
}

/* A writable copy of the golden vault entry in tmp(name). */
static void copy_golden(const char *name)
{
    char cmd[2048];
    const char *v = getenv("AIRSEAL_VECTORS");
    snprintf(cmd, sizeof cmd, "cp -r '%s/airseal/%s' '%s' && chmod -R u+w '%s'",
             v ? v : "tests/vectors", GOLDEN_ENTRY, tmp(name), tmp(name));
    assert_int_equal(system(cmd), 0);
}

static as_mini_pubkey golden_ngo(void)
{
    as_error err = {0};
    as_mini_pubkey pk;
    char p[1024];
    const char *v = getenv("AIRSEAL_VECTORS");
    snprintf(p, sizeof p, "%s/airseal/keys/TEST-ONLY-ngo.pub", v ? v : "tests/vectors");
    assert_int_equal(as_mini_pubkey_load(&pk, p, &err), 0);
    return pk;
}

static void verify_golden_entry(void **state)
{
    (void)state;
    as_error err = {0};
    as_vault_report rep;
    as_mini_pubkey pk = golden_ngo();
    uint8_t keynum[AS_MINI_KEYNUM_LEN];
    copy_golden("intact");
    assert_int_equal(as_vault_signer(tmp("intact"), keynum, &err), 0);
    assert_memory_equal(keynum, pk.keynum, sizeof keynum);
    if (as_vault_verify(tmp("intact"), &pk, &rep, &err) != 0)
        fail_msg("golden entry: %s", err.msg);
    assert_int_equal(rep.files_checked, 2);
    assert_int_equal(rep.bytes_checked, 63);
    assert_string_equal(rep.comment.case_id, "ICC-GOLDEN/01");
    assert_string_equal(rep.signer, "A511CFC98C94E106");
}

/* Each row damages a fresh copy of the golden entry with a shell command run inside it; the
 * message may name the entry (@). */
static const struct {
    const char *name, *damage, *message;
    as_errcode code;
} DAMAGE[] = {
    {"evidence byte changed",
     "printf 'X' | dd of=evidence/statement.txt bs=1 seek=3 conv=notrunc 2>/dev/null",
     "evidence/statement.txt does not match the manifest (SHA-256)", AS_ERR_REJECTED},
    {"evidence file removed", "rm evidence/photos/scene-01.jpg",
     "evidence/photos/scene-01.jpg is missing from the vault entry", AS_ERR_REJECTED},
    {"evidence file added", "echo x > evidence/extra.txt",
     "evidence/extra.txt is not listed in the manifest", AS_ERR_REJECTED},
    {"evidence file grown", "echo x >> evidence/statement.txt",
     "evidence/statement.txt does not match the manifest (size)", AS_ERR_REJECTED},
    {"manifest changed", "sed -i 's/Field team 3/Field team 4/' manifest.txt",
     "manifest signature (must be by the bundle's signer): signature verification failed (data "
     "modified or signature forged)",
     AS_ERR_SIGNATURE},
    {"sealed file changed", "printf 'X' | dd of=bundle.age bs=1 seek=100 conv=notrunc 2>/dev/null",
     "bundle.age: signature verification failed (data modified or signature forged)",
     AS_ERR_SIGNATURE},
    {"manifest signature removed", "rm manifest.txt.minisig",
     "cannot open @/manifest.txt.minisig: No such file or directory", AS_ERR_USAGE},
};

static void verify_damaged_entries(void **state)
{
    (void)state;
    as_mini_pubkey pk = golden_ngo();
    int wrong = 0;
    for (size_t i = 0; i < sizeof DAMAGE / sizeof DAMAGE[0]; i++) {
        char name[32], cmd[1024];
        as_error err = {0};
        as_vault_report rep;
        snprintf(name, sizeof name, "damaged%zu", i);
        copy_golden(name);
        snprintf(cmd, sizeof cmd, "cd '%s' && %s", tmp(name), DAMAGE[i].damage);
        assert_int_equal(system(cmd), 0);
        if (as_vault_verify(tmp(name), &pk, &rep, &err) != -1)
            fail_msg("%s: the damaged entry verifies", DAMAGE[i].name);
        char want[512];
        const char *at = strchr(DAMAGE[i].message, '@');
        if (at != NULL)
            snprintf(want, sizeof want, "%.*s%s%s", (int)(at - DAMAGE[i].message),
                     DAMAGE[i].message, tmp(name), at + 1);
        else
            snprintf(want, sizeof want, "%s", DAMAGE[i].message);
        if (err.code != DAMAGE[i].code || strcmp(err.msg, want) != 0) {
            print_message("# %s: %s \"%s\", want %s \"%s\"\n", DAMAGE[i].name,
                          as_errcode_name(err.code), err.msg, as_errcode_name(DAMAGE[i].code),
                          want);
            wrong++;
        }
    }
    assert_int_equal(wrong, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(case_folder_names),
        cmocka_unit_test(commit_entry),
        cmocka_unit_test(verify_golden_entry),
        cmocka_unit_test(verify_damaged_entries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
