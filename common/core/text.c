/* text.c: strict text helpers; see text.h. */
#include "text.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

void as_hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void as_hex_encode_upper(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int as_hex_decode(uint8_t *out, size_t n, const char *s, size_t slen)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int as_parse_u64(const char *s, size_t len, uint64_t max, bool allow_zero, uint64_t *out)
{
    if (len == 0 || len > 20)
        return -1;
    if (s[0] == '0' && (len > 1 || !allow_zero))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

size_t as_utf8_decode(const char *str, size_t n, uint32_t *out)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *out = c;
        return 1;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *out = cp;
    return len;
}

size_t as_utf8_sequence(const char *str, size_t n)
{
    uint32_t cp;
    return as_utf8_decode(str, n, &cp);
}

bool as_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = as_utf8_sequence(s + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

bool as_text_printable(const char *str, size_t n, bool tab_ok)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\t' && tab_ok)
            continue;
        if (s[i] < 0x20 || s[i] == 0x7f)
            return false;
        /* U+0080..U+009F are encoded as C2 80..C2 9F. */
        if (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

/*
 * Code points that as_text_show() escapes: they are invisible, or they change how the text
 * around them is displayed. C1 controls (U+009B is a CSI on xterm); every character of
 * Unicode general category Cf (Unicode 15.1: bidi embeddings, overrides and isolates, marks,
 * zero-width joiners, the soft hyphen, invisible operators, interlinear annotation, Arabic,
 * Syriac, Kaithi, Egyptian, shorthand and musical format controls, tags); the line and
 * paragraph separators; and the other default-ignorable characters, which terminals draw as
 * nothing (combining grapheme joiner, Hangul fillers, Khmer inherent vowels, variation
 * selectors, reserved U+2065, U+FFF0-U+FFF8, U+E0080-U+E0FFF). Sorted, inclusive ranges.
 */
static const uint32_t hidden_ranges[][2] = {
    {0x0080, 0x009f},   /* C1 controls */
    {0x00ad, 0x00ad},   /* soft hyphen */
    {0x034f, 0x034f},   /* combining grapheme joiner */
    {0x0600, 0x0605},   /* Arabic number signs */
    {0x061c, 0x061c},   /* Arabic letter mark (bidi) */
    {0x06dd, 0x06dd},   /* Arabic end of ayah */
    {0x070f, 0x070f},   /* Syriac abbreviation mark */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks above */
    {0x08e2, 0x08e2},   /* Arabic disputed end of ayah */
    {0x115f, 0x1160},   /* Hangul fillers */
    {0x17b4, 0x17b5},   /* Khmer inherent vowels */
    {0x180b, 0x180f},   /* Mongolian variation selectors and vowel separator */
    {0x200b, 0x200f},   /* zero-width space, ZWNJ, ZWJ, LRM, RLM */
    {0x2028, 0x202e},   /* line and paragraph separators, LRE RLE PDF LRO RLO */
    {0x2060, 0x206f},   /* word joiner, invisible operators, LRI RLI FSI PDI, deprecated */
    {0x3164, 0x3164},   /* Hangul filler */
    {0xfe00, 0xfe0f},   /* variation selectors: "0" and "0<VS>" look the same */
    {0xfeff, 0xfeff},   /* byte order mark, zero-width no-break space */
    {0xffa0, 0xffa0},   /* halfwidth Hangul filler */
    {0xfff0, 0xfffb},   /* reserved, interlinear annotation */
    {0x110bd, 0x110bd}, /* Kaithi number sign */
    {0x110cd, 0x110cd}, /* Kaithi number sign above */
    {0x13430, 0x1343f}, /* Egyptian hieroglyph format controls */
    {0x1bca0, 0x1bca3}, /* shorthand format controls */
    {0x1d173, 0x1d17a}, /* musical symbol format controls */
    {0xe0000, 0xe0fff}, /* tags, variation selectors supplement, reserved */
};

bool as_text_cp_hidden(uint32_t cp)
{
    size_t lo = 0, hi = sizeof hidden_ranges / sizeof hidden_ranges[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < hidden_ranges[mid][0])
            hi = mid;
        else if (cp > hidden_ranges[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/*
 * The one renderer behind as_text_show() and as_text_show_buf(): writes the rendering of the
 * character (or ill-formed byte) at s[0..n), n > 0, into piece (at most 10 bytes plus NUL)
 * and returns its length; *used is how many input bytes it stands for.
 */
static size_t show_one(const char *s, size_t n, char piece[11], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t cp;
    size_t len = as_utf8_decode(s, n, &cp);
    if (len == 0 || cp < 0x20 || cp == 0x7f) {
        unsigned char c = (unsigned char)s[0];
        *used = 1;
        piece[0] = '\\';
        piece[1] = 'x';
        piece[2] = hex[c >> 4];
        piece[3] = hex[c & 15];
        return 4;
    }
    *used = len;
    if (cp == '\\') {
        memcpy(piece, "\\\\", 2);
        return 2;
    }
    if (!as_text_cp_hidden(cp)) {
        memcpy(piece, s, len);
        return len;
    }
    size_t digits = cp > 0xffff ? 8 : 4;
    piece[0] = '\\';
    piece[1] = cp > 0xffff ? 'U' : 'u';
    for (size_t k = 0; k < digits; k++)
        piece[2 + k] = hex[(cp >> (4 * (digits - 1 - k))) & 15];
    return 2 + digits;
}

size_t as_text_show(char *out, size_t cap, const char *s, size_t n)
{
    if (cap < 4) {
        if (cap > 0)
            out[0] = '\0';
        return 0;
    }
    size_t o = 0, safe = 0; /* safe: the last cut that still leaves room for "..." */
    bool cut = false;
    for (size_t i = 0; i < n;) {
        char piece[11];
        size_t used, plen = show_one(s + i, n - i, piece, &used);
        if (plen > cap - 1 - o) {
            cut = true;
            break;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        i += used;
        if (o + 3 <= cap - 1)
            safe = o;
    }
    if (cut) {
        memcpy(out + safe, "...", 3);
        o = safe + 3;
    }
    out[o] = '\0';
    return o;
}

const char *as_text_shown(char *out, size_t cap, const char *s)
{
    as_text_show(out, cap, s ? s : "", s ? strlen(s) : 0);
    return out;
}

int as_text_show_buf(as_buf *out, const char *s, size_t n, as_error *err)
{
    for (size_t i = 0; i < n;) {
        char piece[11];
        size_t used, plen = show_one(s + i, n - i, piece, &used);
        if (as_buf_append(out, piece, plen, err) != 0)
            return -1;
        i += used;
    }
    return 0;
}

bool as_text_is_plain(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = as_utf8_decode(s + i, n - i, &cp);
        if (len == 0 || cp < 0x20 || cp == 0x7f || as_text_cp_hidden(cp))
            return false;
        i += len;
    }
    return true;
}

void as_time_utc(char out[21], time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
        memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int as_time_parse_utc(const char *s, size_t len, time_t *out)
{
    int y, mo, d, h, mi, se;
    if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != 'Z')
        return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
        return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    char check[21];
    as_time_utc(check, t);
    if (memcmp(check, s, 20) != 0) /* rejects 31 February and friends */
        return -1;
    *out = t;
    return 0;
}

int as_parse_size(const char *s, uint64_t *out)
{
    size_t len = strlen(s);
    uint64_t mult = 1;
    if (len > 0) {
        switch (s[len - 1]) {
        case 'k':
        case 'K':
            mult = 1ULL << 10;
            break;
        case 'm':
        case 'M':
            mult = 1ULL << 20;
            break;
        case 'g':
        case 'G':
            mult = 1ULL << 30;
            break;
        case 't':
        case 'T':
            mult = 1ULL << 40;
            break;
        default:
            break;
        }
    }
    if (mult != 1)
        len--;
    uint64_t v;
    if (as_parse_u64(s, len, UINT64_MAX / mult, false, &v) != 0)
        return -1;
    *out = v * mult;
    return 0;
}

bool as_equal_ct(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

static bool pct_plain(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '/' || c == '@' || c == '+' || c == '-';
}

int as_pct_encode(as_buf *out, const char *s, size_t n, as_error *err)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (pct_plain(c)) {
            if (as_buf_append(out, &c, 1, err) != 0)
                return -1;
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            if (as_buf_append(out, esc, 3, err) != 0)
                return -1;
        }
    }
    return 0;
}

long as_pct_decode(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            uint8_t v;
            if (n - i < 3 || as_hex_decode(&v, 1, s + i + 1, 2) != 0 || v == 0 || pct_plain(v) ||
                (s[i + 1] >= 'a' && s[i + 1] <= 'f') || (s[i + 2] >= 'a' && s[i + 2] <= 'f'))
                return -1;
            c = v;
            i += 2;
        } else if (!pct_plain(c)) {
            return -1;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (long)o;
}

void as_human_size(char *out, size_t cap, uint64_t n)
{
    static const char *unit[] = {"bytes", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    if (i == 0)
        snprintf(out, cap, "%llu bytes", (unsigned long long)n);
    else
        snprintf(out, cap, "%.1f %s", v, unit[i]);
}
