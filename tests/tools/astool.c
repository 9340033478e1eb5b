/*
 * astool: a thin test driver over libairseal's age and minisign code, so interop tests can
 * pit the library against the stock `age` and `minisign` tools byte for byte.
 *
 *   astool age-encrypt [-a] [-r RECIPIENT]... [-P PASSFILE] [-N LOGN]   stdin -> stdout
 *   astool age-decrypt [-i IDENTITYFILE]... [-P PASSFILE]              stdin -> stdout
 *   astool sign -s KEY [-P PASSFILE] -m FILE -x SIGFILE [-t TRUSTED]
 *   astool verify -p PUBFILE -m FILE -x SIGFILE [-l]     (-l: accept legacy signatures)
 *   astool frame-layout      the QR frame header's fields, "NAME OFFSET WIDTH" a line, then
 *                            "header LENGTH": the hostile-frame tool reads the library's table
 *
 * Prints the library's one-line error and exits with its status (class printed first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/core/file.h"
#include "common/core/secret.h"
#include "common/crypto/age.h"
#include "common/crypto/minisign.h"
#include "common/transport/frame_layout.h"
#include "common/transport/scan.h"
#include "common/core/clock.h"
#include "common/ui/keyfile.h"
#include "common/ui/passphrase.h"

static int fail(const as_error *err)
{
    fprintf(stderr, "astool: %s: %s\n", as_errcode_name(err->code), err->msg);
    return as_exit_status(err) ? as_exit_status(err) : 1;
}

static int pipe_through(as_reader *in, as_writer *out, as_error *err)
{
    uint8_t buf[65536];
    ssize_t n;
    while ((n = as_read(in, buf, sizeof buf, err)) > 0)
        if (as_write(out, buf, (size_t)n, err) != 0)
            return -1;
    return n < 0 ? -1 : 0;
}

static int age_encrypt(int argc, char **argv)
{
    as_error err = {0};
    as_age_recipient r[16];
    static as_age_pq_recipient pq[4]; /* age1pq1... strings: hybrid recipients */
    as_age_encrypt_opts o = {.recipients = r, .pq_recipients = pq};
    as_buf pass = {0};
    as_pass_source ps = {AS_PASS_FILE, NULL};
    int c;
    while ((c = getopt(argc, argv, "ar:P:N:")) != -1) {
        if (c == 'a')
            o.armor = true;
        else if (c == 'r' && strncmp(optarg, "age1pq1", 7) == 0 && o.npq_recipients < 4) {
            if (as_age_pq_recipient_parse(&pq[o.npq_recipients++], optarg, strlen(optarg), &err) !=
                0)
                return fail(&err);
        } else if (c == 'r' && o.nrecipients < 16) {
            if (as_age_recipient_from_arg(&r[o.nrecipients++], optarg, &err) != 0)
                return fail(&err);
        } else if (c == 'P')
            ps.file = optarg;
        else if (c == 'N')
            o.scrypt_log_n = (unsigned)strtoul(optarg, NULL, 10);
        else
            return 2;
    }
    if (ps.file != NULL) {
        if (as_passphrase_get(&ps, "x", false, &pass, &err) != 0)
            return fail(&err);
        o.passphrase = (const char *)pass.data;
        o.passphrase_len = pass.len;
    }
    as_fd_reader in;
    as_fd_writer out;
    as_fd_reader_init(&in, 0, "stdin");
    as_fd_writer_init(&out, 1, "stdout");
    as_age_encryptor *e = as_age_encrypt_begin(&o, &out.base, &err);
    int rc = e == NULL || pipe_through(&in.base, as_age_encryptor_writer(e), &err) != 0 ||
             as_age_encrypt_finish(e, &err) != 0;
    as_age_encryptor_free(e);
    as_buf_free(&pass);
    return rc ? fail(&err) : 0;
}

static int age_decrypt(int argc, char **argv)
{
    as_error err = {0};
    as_age_identity *ids[64];
    size_t nids = 0;
    as_buf pass = {0};
    as_pass_source ps = {AS_PASS_FILE, NULL};
    as_age_pq_identity *pq_ids[64];
    size_t npq = 0;
    as_age_keyring k = {.identities = ids, .pq_identities = pq_ids};
    int c;
    while ((c = getopt(argc, argv, "i:P:")) != -1) {
        if (c == 'i') {
            as_buf f;
            as_age_identity_list l;
            if (as_file_read_secret(optarg, 65536, &f, &err) != 0)
                return fail(&err);
            /* A hybrid station's identity file holds one AGE-SECRET-KEY-PQ-1 line. */
            if (memmem(f.data, f.len, "AGE-SECRET-KEY-PQ-1", 19) != NULL) {
                as_age_pq_identity *id =
                    npq < 64 ? as_age_pq_identity_file_parse(f.data, f.len, &err) : NULL;
                as_buf_free(&f);
                if (id == NULL)
                    return fail(&err);
                pq_ids[npq++] = id;
                continue;
            }
            if (as_age_identity_file_parse(&l, f.data, f.len, &err) != 0)
                return fail(&err);
            as_buf_free(&f);
            for (size_t i = 0; i < l.n && nids < 64; i++)
                ids[nids++] = l.v[i];
            free(l.v);
        } else if (c == 'P') {
            ps.file = optarg;
        } else {
            return 2;
        }
    }
    k.nidentities = nids;
    k.npq_identities = npq;
    if (ps.file != NULL) {
        if (as_passphrase_get(&ps, "x", false, &pass, &err) != 0)
            return fail(&err);
        k.passphrase = (const char *)pass.data;
        k.passphrase_len = pass.len;
    }
    as_fd_reader in;
    as_fd_writer out;
    as_fd_reader_init(&in, 0, "stdin");
    as_fd_writer_init(&out, 1, "stdout");
    as_age_decryptor *d = as_age_decrypt_open(&in.base, &k, AS_AGE_ARMOR_AUTO, &err);
    int rc = d == NULL || pipe_through(as_age_decryptor_reader(d), &out.base, &err) != 0;
    as_age_decryptor_free(d);
    for (size_t i = 0; i < nids; i++)
        as_age_identity_free(ids[i]);
    for (size_t i = 0; i < npq; i++)
        as_age_pq_identity_free(pq_ids[i]);
    as_buf_free(&pass);
    return rc ? fail(&err) : 0;
}

static int sign(int argc, char **argv)
{
    as_error err = {0};
    const char *key = NULL, *msg = NULL, *sigpath = NULL, *trusted = "timestamp:0\tfile:test";
    as_pass_source ps = {AS_PASS_NONE, NULL};
    int c;
    while ((c = getopt(argc, argv, "s:P:m:x:t:")) != -1) {
        if (c == 's')
            key = optarg;
        else if (c == 'P') {
            ps.kind = AS_PASS_FILE;
            ps.file = optarg;
        } else if (c == 'm')
            msg = optarg;
        else if (c == 'x')
            sigpath = optarg;
        else if (c == 't')
            trusted = optarg;
        else
            return 2;
    }
    if (key == NULL || msg == NULL || sigpath == NULL)
        return 2;
    as_mini_seckey *sk = as_keyfile_load_signer(key, &ps, &err);
    if (sk == NULL)
        return fail(&err);
    uint8_t h[AS_MINI_PREHASH_LEN];
    as_mini_sig *s = malloc(sizeof *s);
    as_buf out;
    as_buf_init(&out, 65536);
    int rc = as_mini_prehash_file(msg, h, &err) != 0 ||
             as_mini_sign(s, sk, h, trusted, NULL, &err) != 0 ||
             as_mini_sig_format(&out, s, &err) != 0 ||
             as_file_write_atomic(sigpath, out.data, out.len, 0644, &err) != 0;
    as_mini_seckey_free(sk);
    free(s);
    as_buf_free(&out);
    return rc ? fail(&err) : 0;
}

static int verify(int argc, char **argv)
{
    as_error err = {0};
    const char *pub = NULL, *msg = NULL, *sigpath = NULL;
    bool legacy = false;
    int c;
    while ((c = getopt(argc, argv, "p:m:x:l")) != -1) {
        if (c == 'p')
            pub = optarg;
        else if (c == 'm')
            msg = optarg;
        else if (c == 'x')
            sigpath = optarg;
        else if (c == 'l')
            legacy = true;
        else
            return 2;
    }
    if (pub == NULL || msg == NULL || sigpath == NULL)
        return 2;
    as_mini_pubkey pk;
    uint8_t *data = NULL;
    size_t len;
    as_mini_sig *s = malloc(sizeof *s);
    int rc = as_mini_pubkey_load(&pk, pub, &err) != 0 ||
             as_file_read_all(sigpath, 16384, &data, &len, &err) != 0 ||
             as_mini_sig_parse(s, data, len, &err) != 0 ||
             as_mini_verify_file(&pk, s, msg, legacy, &err) != 0;
    if (!rc)
        printf("Signature and comment signature verified\nTrusted comment: %s\n", s->trusted);
    free(s);
    free(data);
    return rc ? fail(&err) : 0;
}

/* Decodes the images as airseal-recv import does and prints the rate. */
static int qr_decode(int argc, char **argv)
{
    unsigned threads = 0;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "t:")) != -1) {
        if (c != 't')
            return 2;
        threads = (unsigned)strtoul(optarg, NULL, 10);
    }
    as_frame_set set;
    as_frame_set_init(&set);
    as_scan_stats st = {0};
    as_error err = {0};
    double t0 = as_now();
    int rc = as_scan_images(argv + optind, (size_t)(argc - optind), threads, &set, &st, NULL, &err);
    double dt = as_now() - t0;
    if (rc == 0)
        printf("images %llu codes %llu frames %llu seconds %.3f rate %.1f\n",
               (unsigned long long)st.images, (unsigned long long)st.symbols,
               (unsigned long long)set.added, dt, dt > 0 ? (double)st.images / dt : 0.0);
    as_frame_set_free(&set);
    return rc ? fail(&err) : 0;
}

/* Prints the library's QR frame header table, so test tools need no copy of the offsets. */
static int frame_layout(void)
{
    for (int f = 0; f < AS_FF_COUNT; f++)
        printf("%s %u %u\n", as_frame_fields[f].name, as_frame_fields[f].offset,
               as_frame_fields[f].width);
    printf("header %u\n", (unsigned)AS_FRAME_HEADER);
    return 0;
}

/* xorshift64*: reproducible randomness for the simulation */
static uint64_t rnd_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/*
 * A receiver joins the looping animation of K data frames (+ PCT% parity) at a random
 * frame, loses each frame shown with probability LOSS, and stops when every stripe can be
 * rebuilt. Prints the mean number of frames shown before completion, as a multiple of K.
 */
static int qr_sim(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    uint32_t k = (uint32_t)strtoul(argv[1], NULL, 10), pct = (uint32_t)strtoul(argv[2], NULL, 10);
    double loss = strtod(argv[3], NULL);
    unsigned trials = (unsigned)strtoul(argv[4], NULL, 10);
    uint64_t seed = strtoull(argv[5], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
    as_ec_layout l;
    as_error err = {0};
    if (k == 0 || as_ec_plan(&l, (uint64_t)k * 100, 100, pct, &err) != 0)
        return fail(&err);
    uint32_t n = l.k_total + l.m_total;
    bool *data_ok = calloc(l.k_total, 1), *parity_ok = calloc(l.m_total + 1, 1);
    uint32_t *have = calloc(l.stripes, sizeof *have);
    if (data_ok == NULL || parity_ok == NULL || have == NULL)
        return 3;
    double total = 0;
    for (unsigned t = 0; t < trials; t++) {
        memset(data_ok, 0, l.k_total);
        memset(parity_ok, 0, l.m_total + 1);
        memset(have, 0, l.stripes * sizeof *have);
        uint32_t pos = (uint32_t)(rnd_next(&seed) % n), short_stripes = l.stripes;
        uint64_t shown = 0;
        while (short_stripes > 0 && shown < 100ULL * n) {
            shown++;
            uint32_t i = pos;
            pos = (pos + 1) % n;
            if ((double)(rnd_next(&seed) >> 11) / 9007199254740992.0 < loss)
                continue;
            uint32_t s;
            bool *slot;
            if (i < l.k_total) {
                s = i % l.stripes;
                slot = &data_ok[i];
            } else {
                uint32_t j;
                as_ec_parity_coords(&l, i - l.k_total, &s, &j);
                slot = &parity_ok[i - l.k_total];
            }
            if (*slot)
                continue;
            *slot = true;
            if (++have[s] == as_ec_stripe_k(&l, s))
                short_stripes--;
        }
        total += (double)shown;
    }
    printf("k %u frames %u stripes %u loss %.2f mean %.4f k\n", l.k_total, n, l.stripes, loss,
           total / trials / l.k_total);
    free(data_ok);
    free(parity_ok);
    free(have);
    return 0;
}

int main(int argc, char **argv)
{
    as_error err = {0};
    if (as_crypto_init(&err) != 0 || argc < 2)
        return 2;
    const char *cmd = argv[1];
    argc--;
    argv++;
    if (strcmp(cmd, "age-encrypt") == 0)
        return age_encrypt(argc, argv);
    if (strcmp(cmd, "age-decrypt") == 0)
        return age_decrypt(argc, argv);
    if (strcmp(cmd, "sign") == 0)
        return sign(argc, argv);
    if (strcmp(cmd, "verify") == 0)
        return verify(argc, argv);
    if (strcmp(cmd, "qr-decode") == 0)
        return qr_decode(argc, argv);
    if (strcmp(cmd, "qr-sim") == 0)
        return qr_sim(argc, argv);
    if (strcmp(cmd, "frame-layout") == 0)
        return frame_layout();
    fprintf(stderr, "astool: unknown command %s\n", cmd);
    return 2;
}
