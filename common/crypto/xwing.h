/*
 * xwing.h: the X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem-08, the "MLKEM768-X25519" KEM of
 * draft-ietf-hpke-pq that age's mlkem768x25519 recipients use): ML-KEM-768 and X25519, with the
 * shared secrets bound to the X25519 ciphertext and public key by SHA3-256. It stays secret as
 * long as either ML-KEM-768 or X25519 holds.
 *
 * The decapsulation key is a 32-byte seed; SHAKE-256 expands it into the ML-KEM-768 seed
 * (d || z) and the X25519 scalar. Keys and shared secrets belong in secure memory.
 */
#ifndef AIRSEAL_CRYPTO_XWING_H
#define AIRSEAL_CRYPTO_XWING_H

#include <stdint.h>

#include "../core/error.h"

#define AS_XWING_SK_LEN 32    /* decapsulation key: the seed */
#define AS_XWING_PK_LEN 1216  /* encapsulation key: ML-KEM-768 ek || X25519 public key */
#define AS_XWING_CT_LEN 1120  /* ciphertext: ML-KEM-768 ct || X25519 ephemeral public key */
#define AS_XWING_SS_LEN 32    /* shared secret */
#define AS_XWING_ESEED_LEN 64 /* encapsulation randomness: ML-KEM m || X25519 scalar */

/* The encapsulation key of sk. Returns 0, or -1 with AS_ERR_NOMEM/AS_ERR_INTERNAL. */
int as_xwing_public_key(uint8_t pk[AS_XWING_PK_LEN], const uint8_t sk[AS_XWING_SK_LEN],
                        as_error *err);

/* Deterministic encapsulation (known-answer tests). Refuses, with AS_ERR_KEY and one line, an
 * ML-KEM part that fails the modulus check or an X25519 part of low order. Returns 0, or -1 with
 * err set (then ct and ss are zeroed). */
int as_xwing_encaps_derand(uint8_t ct[AS_XWING_CT_LEN], uint8_t ss[AS_XWING_SS_LEN],
                           const uint8_t pk[AS_XWING_PK_LEN],
                           const uint8_t eseed[AS_XWING_ESEED_LEN], as_error *err);

/* Encapsulation with fresh randomness from libsodium. Same contract. */
int as_xwing_encaps(uint8_t ct[AS_XWING_CT_LEN], uint8_t ss[AS_XWING_SS_LEN],
                    const uint8_t pk[AS_XWING_PK_LEN], as_error *err);

/* Decapsulation. A forged or damaged ML-KEM part yields an unrelated key, not an error
 * (implicit rejection); an X25519 part of low order is refused with AS_ERR_FORMAT, as age
 * does. Returns 0, or -1 with err set (then ss is zeroed). */
int as_xwing_decaps(uint8_t ss[AS_XWING_SS_LEN], const uint8_t sk[AS_XWING_SK_LEN],
                    const uint8_t ct[AS_XWING_CT_LEN], as_error *err);

#endif
