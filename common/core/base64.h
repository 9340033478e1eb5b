/*
 * base64.h: strict base64 for untrusted input (RFC 4648 section 4, standard alphabet).
 *
 * Decoding is canonical-only: no whitespace, no line breaks, no non-zero trailing bits, and
 * padding exactly as the variant demands. age header fields use the unpadded variant; age's
 * ASCII armor and minisign files use the padded one.
 */
#ifndef AIRSEAL_CORE_BASE64_H
#define AIRSEAL_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    AS_B64_PADDED,   /* "YQ==" */
    AS_B64_UNPADDED, /* "YQ" */
} as_b64_variant;

/* Length of the encoding of n bytes, without a terminating NUL. */
size_t as_b64_encoded_len(size_t n, as_b64_variant v);

/* Encodes n bytes into out, which must hold as_b64_encoded_len(n, v) + 1 bytes (NUL added). */
void as_b64_encode(char *out, const uint8_t *in, size_t n, as_b64_variant v);

/*
 * Decodes exactly inlen characters into out (outcap bytes). Returns the decoded length, or -1
 * when the text is not canonical base64 of the variant or does not fit.
 */
long as_b64_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen, as_b64_variant v);

/* Decodes and requires exactly `want` output bytes. Returns 0 or -1. */
int as_b64_decode_exact(uint8_t *out, size_t want, const char *in, size_t inlen, as_b64_variant v);

/* True if every one of the n characters is in the base64 alphabet (no '=', no whitespace). */
int as_b64_is_alphabet(const char *s, size_t n);

#endif
