/*
 * fingerprint.h: key fingerprints that two people can compare by reading them aloud over a
 * phone line: six groups of five decimal digits (about 99 bits), digits because they are read
 * the same way in every language the NGOs and the Court work in.
 *
 *   fingerprint = SHA-256("airseal fingerprint v1" 0x00 kind 0x00 key-bytes), then each of the
 *   first six 5-byte slices, read as a big-endian 40-bit number, modulo 100000.
 *
 * kind is "minisign" (key bytes: "Ed" || key number || public key, the 42 bytes of the
 * public key file), "age-x25519" (the 32-byte recipient key) or "age-mlkem768x25519" (the
 * whole 1216-byte X-Wing encapsulation key of an age1pq1... recipient: ML-KEM-768 part and
 * X25519 part, so swapping either half changes the digits). A key id is chosen by its owner
 * and proves nothing; the fingerprint is bound to the key itself.
 */
#ifndef AIRSEAL_CRYPTO_FINGERPRINT_H
#define AIRSEAL_CRYPTO_FINGERPRINT_H

#include "age_keys.h"
#include "minisign.h"

#define AS_FINGERPRINT_STR 36 /* "12345 67890 12345 67890 12345 67890" + NUL */

void as_fingerprint_minisign(const as_mini_pubkey *pk, char out[AS_FINGERPRINT_STR]);
void as_fingerprint_age(const as_age_recipient *r, char out[AS_FINGERPRINT_STR]);
/* The fingerprint of a hybrid (age1pq1...) recipient: kind "age-mlkem768x25519". */
void as_fingerprint_age_pq(const as_age_pq_recipient *r, char out[AS_FINGERPRINT_STR]);

#endif
