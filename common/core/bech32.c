/* bech32.c: BIP 173 encoding; see bech32.h. Written from the BIP's description. */
#include "bech32.h"

#include <string.h>

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t polymod_step(uint32_t chk, uint8_t value)
{
    static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint8_t top = (uint8_t)(chk >> 25);
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; i++)
        if ((top >> i) & 1)
            chk ^= gen[i];
    return chk;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Checksum state after the expanded hrp (high bits, 0, low bits), lower-cased. */
static uint32_t hrp_state(const char *hrp, size_t n)
{
    uint32_t chk = 1;
    for (size_t i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)(lower(hrp[i]) >> 5));
    chk = polymod_step(chk, 0);
    for (size_t i = 0; i < n; i++)
        chk = polymod_step(chk, (uint8_t)(lower(hrp[i]) & 31));
    return chk;
}

long as_bech32_encode(char *out, size_t outcap, const char *hrp, const uint8_t *data, size_t len,
                      int up)
{
    size_t hlen = strlen(hrp);
    if (hlen == 0 || hlen > 83)
        return -1;
    size_t groups = (len * 8 + 4) / 5;
    size_t total = hlen + 1 + groups + 6;
    if (total + 1 > outcap)
        return -1;
    for (size_t i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)hrp[i];
        if (c < 33 || c > 126)
            return -1;
        out[i] = up ? upper(hrp[i]) : lower(hrp[i]);
    }
    out[hlen] = '1';
    uint32_t chk = hrp_state(hrp, hlen);
    size_t o = hlen + 1;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            uint8_t v = (acc >> bits) & 31;
            chk = polymod_step(chk, v);
            out[o++] = charset[v];
        }
    }
    if (bits > 0) {
        uint8_t v = (uint8_t)((acc << (5 - bits)) & 31);
        chk = polymod_step(chk, v);
        out[o++] = charset[v];
    }
    for (int i = 0; i < 6; i++)
        chk = polymod_step(chk, 0);
    chk ^= 1;
    for (int i = 0; i < 6; i++)
        out[o++] = charset[(chk >> (5 * (5 - i))) & 31];
    if (up)
        for (size_t i = hlen + 1; i < o; i++)
            out[i] = upper(out[i]);
    out[o] = '\0';
    return (long)o;
}

long as_bech32_decode(char *hrp, size_t hrpcap, uint8_t *data, size_t datacap, const char *s,
                      size_t slen)
{
    int has_lower = 0, has_upper = 0;
    size_t sep = slen;
    for (size_t i = 0; i < slen; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 33 || c > 126)
            return -1;
        if (c >= 'a' && c <= 'z')
            has_lower = 1;
        if (c >= 'A' && c <= 'Z')
            has_upper = 1;
        if (c == '1')
            sep = i;
    }
    if (has_lower && has_upper)
        return -1;
    if (sep == slen || sep == 0 || slen - sep - 1 < 6 || sep + 1 > hrpcap)
        return -1;
    memcpy(hrp, s, sep);
    hrp[sep] = '\0';
    uint32_t chk = hrp_state(s, sep);
    size_t ndata = slen - sep - 1 - 6;
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = sep + 1; i < slen; i++) {
        const char *p = strchr(charset, lower(s[i]));
        if (p == NULL || *p == '\0')
            return -1;
        uint8_t v = (uint8_t)(p - charset);
        chk = polymod_step(chk, v);
        if (i < sep + 1 + ndata) {
            acc = ((acc << 5) | v) & 0xfff;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                if (o >= datacap)
                    return -1;
                data[o++] = (uint8_t)(acc >> bits);
            }
        }
    }
    if (chk != 1)
        return -1;
    /* 5-to-8 regrouping allows fewer than 5 leftover bits, all zero. */
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return -1;
    return (long)o;
}
