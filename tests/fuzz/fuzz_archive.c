/*
 * fuzz_archive: the hostile-archive checks of import. Each input is the part of a bundle's tar
 * archive after manifest.txt and its signature: whatever entries it holds are extracted by
 * as_unseal into a fresh staging folder, through libarchive and every check (names, types,
 * duplicates, case collisions, sizes, digests, trailing data). The manifest (listing
 * "a.txt" = "witness\n" and "d/b.txt" = empty) and its signature are made once per process,
 * and each input is encrypted to the station identity first, so nothing but the archive is
 * under test. Seeds: tar streams of those two entries, and of hostile variants.
 */
#include "tests/fuzz/fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle/bundle.h"
#include "common/bundle/manifest.h"
#include "common/bundle/unseal.h"
#include "common/core/file.h"
#include "common/core/io.h"
#include "common/core/text.h"
#include "common/crypto/age.h"
#include "common/crypto/sha256.h"

static const char IDENTITY[] =
    "AGE-SECRET-KEY-1MHK83UCPCRUCM3G47KQYHR26CG67NFHULQMNH60H63VR83V52YVSXH8Y5W";

static struct {
    as_age_identity *id;
    as_age_recipient rcpt;
    as_mini_pubkey pk;
    as_bundle_comment comment;
    as_buf prefix; /* the tar entries manifest.txt and manifest.txt.minisig */
    char dir[64];
} g;

/* A ustar header for a regular file of len bytes, then its data padded to 512 bytes. */
static void tar_entry(as_buf *out, const char *name, const uint8_t *data, size_t len)
{
    uint8_t h[512] = {0};
    as_error e = {0};
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
    memcpy(h + 136, "14000000000", 12);
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof h; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    static const uint8_t zeros[512];
    if (as_buf_append(out, h, sizeof h, &e) != 0 || as_buf_append(out, data, len, &e) != 0 ||
        as_buf_append(out, zeros, (512 - len % 512) % 512, &e) != 0)
        abort();
}

static void setup(void)
{
    as_error e = {0};
    g.id = as_age_identity_parse(IDENTITY, sizeof IDENTITY - 1, &e);
    as_mini_seckey *sk = as_mini_keygen(&g.pk, &e);
    if (g.id == NULL || sk == NULL)
        abort();
    as_age_identity_recipient(g.id, &g.rcpt);

    as_manifest m;
    memset(&m, 0, sizeof m);
    snprintf(m.bundle_id, sizeof m.bundle_id, "00112233445566778899aabbccddeeff");
    snprintf(m.case_id, sizeof m.case_id, "FUZZ-1");
    m.created = 1700000000;
    memcpy(m.sender, g.pk.keynum, sizeof m.sender);
    m.recipients[0] = g.rcpt;
    m.nrecipients = 1;
    m.files = calloc(2, sizeof *m.files);
    if (m.files == NULL)
        abort();
    m.files[0].path = strdup("a.txt");
    m.files[0].size = 8;
    as_sha256(m.files[0].sha256, "witness\n", 8);
    m.files[1].path = strdup("d/b.txt");
    as_sha256(m.files[1].sha256, "", 0);
    m.nfiles = 2;
    m.total_bytes = 8;
    as_buf text, sig;
    as_buf_init(&text, 4096);
    as_buf_init(&sig, 4096);
    as_buf_init(&g.prefix, 8192);
    if (as_manifest_format(&m, &text, &e) != 0)
        abort();
    memcpy(g.comment.bundle_id, m.bundle_id, sizeof g.comment.bundle_id);
    memcpy(g.comment.case_id, m.case_id, sizeof g.comment.case_id);
    g.comment.files = 2;
    g.comment.bytes = 8;
    as_sha256(g.comment.manifest_sha256, text.data, text.len);
    uint8_t prehash[AS_MINI_PREHASH_LEN];
    as_mini_prehash h;
    as_mini_prehash_init(&h);
    as_mini_prehash_update(&h, text.data, text.len);
    as_mini_prehash_final(&h, prehash);
    as_mini_sig s;
    if (as_mini_sign(&s, sk, prehash, "airseal-manifest v1", NULL, &e) != 0 ||
        as_mini_sig_format(&sig, &s, &e) != 0)
        abort();
    tar_entry(&g.prefix, "manifest.txt", text.data, text.len);
    tar_entry(&g.prefix, "manifest.txt.minisig", sig.data, sig.len);
    as_manifest_free(&m);
    as_buf_free(&text);
    as_buf_free(&sig);
    as_mini_seckey_free(sk);
    const char *tmp = getenv("TMPDIR");
    snprintf(g.dir, sizeof g.dir, "%.40s/as-fuzz-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(g.dir) == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (g.id == NULL)
        setup();
    as_error e = {0};
    char sealed[96], dest[96];
    snprintf(sealed, sizeof sealed, "%s/bundle.age", g.dir);
    snprintf(dest, sizeof dest, "%s/entry", g.dir);

    int fd = open(sealed, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    as_fd_writer w;
    as_fd_writer_init(&w, fd, "bundle.age");
    as_age_encrypt_opts eo = {.recipients = &g.rcpt, .nrecipients = 1};
    as_age_encryptor *enc = as_age_encrypt_begin(&eo, &w.base, &e);
    if (enc == NULL ||
        as_write(as_age_encryptor_writer(enc), g.prefix.data, g.prefix.len, &e) != 0 ||
        as_write(as_age_encryptor_writer(enc), data, size, &e) != 0 ||
        as_age_encrypt_finish(enc, &e) != 0)
        abort();
    as_age_encryptor_free(enc);
    close(fd);

    if (mkdir(dest, 0700) != 0)
        abort();
    as_unseal_opts o = {.sealed_path = sealed,
                        .identity = g.id,
                        .signer = &g.pk,
                        .comment = &g.comment,
                        .dest = dest};
    as_manifest m;
    int rc = as_unseal(&o, &m, &e);
    fuzz_check_error(rc, &e);
    if (rc == 0)
        as_manifest_free(&m);
    as_error e2 = {0};
    if (as_remove_tree(dest, &e2) != 0)
        abort();
    return 0;
}
