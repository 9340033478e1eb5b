/*
 * mlkem.h: ML-KEM-768 (FIPS 203), written here from the standard because no Debian 12 library
 * has it. Used by X-Wing (xwing.h) for age's mlkem768x25519 recipients.
 *
 * Constant time: no branch and no memory index depends on a secret (the decapsulation key, d,
 * z, m, r, the shared secret and every polynomial derived from them); tests/e2e/ct_valgrind.sh
 * checks this mechanically. Secret intermediates live in sodium_malloc memory, wiped on every
 * path. Callers keep dk, seeds and shared secrets in secure memory too (as_secret_alloc).
 */
#ifndef AIRSEAL_CRYPTO_MLKEM_H
#define AIRSEAL_CRYPTO_MLKEM_H

#include <stdint.h>

#include "../core/error.h"

#define AS_MLKEM768_EK_LEN 1184 /* encapsulation key: ByteEncode12(t) || rho */
#define AS_MLKEM768_DK_LEN 2400 /* decapsulation key: ByteEncode12(s) || ek || H(ek) || z */
#define AS_MLKEM768_CT_LEN 1088 /* ciphertext: c1 (du = 10) || c2 (dv = 4) */
#define AS_MLKEM768_SS_LEN 32   /* shared secret */
#define AS_MLKEM768_SEED_LEN 64 /* d || z, the key generation seed */
#define AS_MLKEM768_MSG_LEN 32  /* m, the encapsulation randomness */

/* ML-KEM.KeyGen_internal(d, z) with seed = d || z: writes ek (public) and dk (secret).
 * Returns 0, or -1 with AS_ERR_NOMEM/AS_ERR_INTERNAL (then dk is zeroed). */
int as_mlkem768_keygen(uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk[AS_MLKEM768_DK_LEN],
                       const uint8_t seed[AS_MLKEM768_SEED_LEN], as_error *err);

#ifdef AS_TEST_HOOKS
/* Test builds only: key generation as in the FIPS 203 draft (ipd), where G hashed d without the
 * byte k. The CCTV intermediate and unlucky-sampling vectors were never regenerated for the
 * final standard; Encaps and Decaps are unchanged between the two, so with this the vectors
 * still test every other step. Same contract as as_mlkem768_keygen. */
int as_mlkem768_keygen_draft(uint8_t ek[AS_MLKEM768_EK_LEN], uint8_t dk[AS_MLKEM768_DK_LEN],
                             const uint8_t seed[AS_MLKEM768_SEED_LEN], as_error *err);
#endif

/* FIPS 203 section 7.2 input check: every coefficient of ek is below q (the modulus check).
 * Returns 0, or -1 with AS_ERR_KEY and a line saying which coefficient. */
int as_mlkem768_check_ek(const uint8_t ek[AS_MLKEM768_EK_LEN], as_error *err);

/* ML-KEM.Encaps_internal(ek, m): deterministic, for known-answer tests and X-Wing's derandomised
 * encapsulation. Checks ek first. Returns 0, or -1 with err set (then ct and ss are zeroed). */
int as_mlkem768_encaps_derand(uint8_t ct[AS_MLKEM768_CT_LEN], uint8_t ss[AS_MLKEM768_SS_LEN],
                              const uint8_t ek[AS_MLKEM768_EK_LEN],
                              const uint8_t m[AS_MLKEM768_MSG_LEN], as_error *err);

/* ML-KEM.Encaps(ek) with m from libsodium's randombytes. Same contract as above. */
int as_mlkem768_encaps(uint8_t ct[AS_MLKEM768_CT_LEN], uint8_t ss[AS_MLKEM768_SS_LEN],
                       const uint8_t ek[AS_MLKEM768_EK_LEN], as_error *err);

/* ML-KEM.Decaps(dk, ct) with implicit rejection: a ciphertext that does not re-encrypt to
 * itself yields the pseudo-random key J(z || ct), not an error, so a forger learns nothing.
 * Checks dk (FIPS 203 section 7.3: H(ek) inside it matches). Returns 0, or -1 with AS_ERR_KEY
 * for a damaged dk or AS_ERR_NOMEM/AS_ERR_INTERNAL (then ss is zeroed). */
int as_mlkem768_decaps(uint8_t ss[AS_MLKEM768_SS_LEN], const uint8_t dk[AS_MLKEM768_DK_LEN],
                       const uint8_t ct[AS_MLKEM768_CT_LEN], as_error *err);

#endif
