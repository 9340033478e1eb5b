/*
 * ct_mlkem.c: the constant-time check of ML-KEM-768, run by tests/e2e/ct_valgrind.sh under
 * valgrind memcheck. Every secret input (the key generation seed d || z, the encapsulation
 * randomness m, the secret parts of dk) is marked undefined; memcheck then reports any branch
 * ("Conditional jump or move depends on uninitialised value") or memory index ("Use of
 * uninitialised value") computed from a secret. Public outputs (ek, ct, the public parts of dk)
 * and, at the end, the shared secrets are marked defined again before they are compared.
 *
 * Built outside the sanitizer build (memcheck and ASan cannot share a process), with
 * AS_CT_VALGRIND so that the values FIPS 203 publishes (rho) are declassified where they are
 * published (common/crypto/ct.h).
 *
 * usage: ct_mlkem            run keygen, encaps, decaps and implicit rejection; exit 0
 *        ct_mlkem --control  first branch on a secret on purpose: memcheck must report it, which
 *                            shows the marking works and the check can fail
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/memcheck.h>

#include "common/core/secret.h"
#include "common/crypto/mlkem.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

/* dk = dk_pke (1152, secret) || ek (1184, public) || H(ek) (32, public) || z (32, secret) */
#define DK_PUBLIC_OFF 1152
#define DK_PUBLIC_LEN (AS_MLKEM768_EK_LEN + 32)

static int run(uint8_t *seed, uint8_t *m, uint8_t *dk, uint8_t *ss, as_error *err)
{
    static uint8_t ek[AS_MLKEM768_EK_LEN], ct[AS_MLKEM768_CT_LEN];
    uint8_t *ss2 = ss + 32, *ss3 = ss + 64;
    SECRET(seed, AS_MLKEM768_SEED_LEN);
    if (as_mlkem768_keygen(ek, dk, seed, err) != 0)
        return -1;
    PUBLIC(ek, sizeof ek);
    PUBLIC(dk + DK_PUBLIC_OFF, DK_PUBLIC_LEN);
    SECRET(m, AS_MLKEM768_MSG_LEN);
    if (as_mlkem768_encaps_derand(ct, ss, ek, m, err) != 0)
        return -1;
    PUBLIC(ct, sizeof ct);
    if (as_mlkem768_decaps(ss2, dk, ct, err) != 0)
        return -1;
    ct[17] ^= 0x20; /* the implicit rejection path */
    if (as_mlkem768_decaps(ss3, dk, ct, err) != 0)
        return -1;
    PUBLIC(ss, 96);
    if (memcmp(ss, ss2, 32) != 0 || memcmp(ss, ss3, 32) == 0) {
        fprintf(stderr, "ct_mlkem: decapsulation gave the wrong keys\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    as_error err = {0};
    if (as_crypto_init(&err) != 0) {
        fprintf(stderr, "ct_mlkem: %s\n", err.msg);
        return 3;
    }
    uint8_t *seed = as_secret_alloc(AS_MLKEM768_SEED_LEN, &err);
    uint8_t *m = as_secret_alloc(AS_MLKEM768_MSG_LEN, &err);
    uint8_t *dk = as_secret_alloc(AS_MLKEM768_DK_LEN, &err);
    uint8_t *ss = as_secret_alloc(96, &err);
    if (seed == NULL || m == NULL || dk == NULL || ss == NULL) {
        fprintf(stderr, "ct_mlkem: %s\n", err.msg);
        return 3;
    }
    randombytes_buf(seed, AS_MLKEM768_SEED_LEN);
    randombytes_buf(m, AS_MLKEM768_MSG_LEN);
    if (argc > 1 && strcmp(argv[1], "--control") == 0) {
        volatile int leak = 0;
        SECRET(seed, AS_MLKEM768_SEED_LEN);
        if (seed[0] & 1) /* deliberately secret-dependent */
            leak = 1;
        (void)leak;
        PUBLIC(seed, AS_MLKEM768_SEED_LEN);
    }
    int rc = run(seed, m, dk, ss, &err);
    if (rc < 0)
        fprintf(stderr, "ct_mlkem: %s\n", err.msg);
    else if (rc == 0)
        printf("ML-KEM-768 keygen, encaps, decaps and implicit rejection ran on undefined "
               "secrets\n");
    as_secret_free(seed);
    as_secret_free(m);
    as_secret_free(dk);
    as_secret_free(ss);
    return rc == 0 ? 0 : 1;
}
