/* base64.c: canonical base64 on libsodium; see base64.h. */
#include "base64.h"

#include <sodium.h>
#include <string.h>

static int sodium_variant(as_b64_variant v)
{
    return v == AS_B64_PADDED ? sodium_base64_VARIANT_ORIGINAL
                              : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
}

size_t as_b64_encoded_len(size_t n, as_b64_variant v)
{
    /* sodium_base64_ENCODED_LEN counts the NUL. */
    return sodium_base64_ENCODED_LEN(n, sodium_variant(v)) - 1;
}

void as_b64_encode(char *out, const uint8_t *in, size_t n, as_b64_variant v)
{
    sodium_bin2base64(out, as_b64_encoded_len(n, v) + 1, in, n, sodium_variant(v));
}

int as_b64_is_alphabet(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return 0;
    }
    return 1;
}

long as_b64_decode(uint8_t *out, size_t outcap, const char *in, size_t inlen, as_b64_variant v)
{
    /* libsodium accepts "YQ==" in the unpadded variant when b64_end is given, and skips
     * characters from an `ignore` set: pass neither, and it consumes everything or fails. */
    size_t outlen = 0;
    if (inlen == 0)
        return 0;
    /* libsodium 1.0.18 decodes a character with its high bit set like the same character
     * without it ("R" | 0x80 reads as "R"), which would make encodings malleable: check the
     * alphabet first. '=' is only allowed as trailing padding of the padded variant. */
    size_t body = inlen;
    if (v == AS_B64_PADDED)
        while (body > 0 && inlen - body < 2 && in[body - 1] == '=')
            body--;
    if (!as_b64_is_alphabet(in, body))
        return -1;
    if (sodium_base642bin(out, outcap, in, inlen, NULL, &outlen, NULL, sodium_variant(v)) != 0)
        return -1;
    return (long)outlen;
}

int as_b64_decode_exact(uint8_t *out, size_t want, const char *in, size_t inlen, as_b64_variant v)
{
    if (inlen != as_b64_encoded_len(want, v))
        return -1;
    long n = as_b64_decode(out, want, in, inlen, v);
    return n == (long)want ? 0 : -1;
}
