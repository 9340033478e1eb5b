/*
 * bech32.h: BIP 173 Bech32 (not Bech32m), as age uses it for `age1...` recipients and
 * `AGE-SECRET-KEY-1...` identities. No 90-character limit (age has none).
 */
#ifndef AIRSEAL_CORE_BECH32_H
#define AIRSEAL_CORE_BECH32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encodes data under hrp into out (outcap bytes, NUL-terminated). upper selects the all-upper
 * case form (age identities). Returns the string length, or -1 if out is too small or hrp is
 * invalid. The checksum is computed over the lower-case hrp, as BIP 173 requires.
 */
long as_bech32_encode(char *out, size_t outcap, const char *hrp, const uint8_t *data, size_t len,
                      int upper);

/*
 * Decodes a Bech32 string of length slen. On success copies the human-readable part (lower
 * case preserved as written: the caller compares it case-sensitively) into hrp (hrpcap bytes)
 * and the payload into data (datacap bytes), and returns the payload length. Returns -1 on
 * mixed case, bad characters, bad checksum or non-zero padding.
 */
long as_bech32_decode(char *hrp, size_t hrpcap, uint8_t *data, size_t datacap, const char *s,
                      size_t slen);

#endif
