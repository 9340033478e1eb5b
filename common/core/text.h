/*
 * text.h: small, strict text helpers shared by every parser: hex, decimal numbers, UTF-8
 * validation, printable checks and UTC timestamps.
 */
#ifndef AIRSEAL_CORE_TEXT_H
#define AIRSEAL_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bytes.h"
#include "error.h"

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void as_hex_encode(char *out, const uint8_t *in, size_t n);

/* Upper-case hex, as minisign prints key ids. */
void as_hex_encode_upper(char *out, const uint8_t *in, size_t n);

/* Decodes exactly 2n hex digits (either case) of s into out[n]. Returns 0 or -1. */
int as_hex_decode(uint8_t *out, size_t n, const char *s, size_t slen);

/*
 * Parses a canonical unsigned decimal: digits only, no sign, no leading zero (except "0"
 * itself when allow_zero), at most max. Returns 0 or -1.
 */
int as_parse_u64(const char *s, size_t len, uint64_t max, bool allow_zero, uint64_t *out);

/* Length (1-4) of the well-formed UTF-8 sequence that starts s[0..n), or 0 if it is
 * ill-formed there (overlong, surrogate, above U+10FFFF, truncated) or n is 0. */
size_t as_utf8_sequence(const char *s, size_t n);

/* True if s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool as_utf8_valid(const char *s, size_t n);

/* True if s[0..n) has no C0 control character, no DEL and no C1 control (U+0080-U+009F).
 * Assumes valid UTF-8. tab_ok allows '\t'. */
bool as_text_printable(const char *s, size_t n, bool tab_ok);

/*
 * Untrusted text for people. Every byte that came from outside (file and entry names, case
 * ids, labels, collector, note, comments, messages) reaches a terminal, an error line, a
 * README or a page only through as_text_show() (JSON: the same characters, escaped by
 * json.c), so it cannot move the cursor, reorder the line, hide characters or fake them.
 * Valid printable UTF-8 passes unchanged; these are shown visibly escaped, in one notation
 * (docs/FORMAT.md section 7.6):
 *   - C0 controls (TAB, LF, CR, ESC...) and DEL: \xHH (two lower-case hex digits);
 *   - each byte of an ill-formed UTF-8 sequence (overlong, surrogate, truncated, > U+10FFFF):
 *     \xHH, always 80-ff, so it never looks like a control character;
 *   - hidden code points (as_text_cp_hidden: C1 controls, bidi controls, invisible format
 *     characters, line and paragraph separators): \uXXXX, or \UXXXXXXXX above U+FFFF;
 *   - the backslash itself: \\, so a name cannot spell a fake escape.
 */

/* True if code point cp is escaped by as_text_show() (besides C0 and DEL): C1 controls
 * U+0080-U+009F, bidi controls, Unicode category Cf and other invisible characters, and the
 * line and paragraph separators U+2028 and U+2029. The list is in text.c. */
bool as_text_cp_hidden(uint32_t cp);

/* Decodes the well-formed UTF-8 sequence at s[0..n) into *cp. Returns its length (1-4) or 0
 * when the sequence is ill-formed there (as as_utf8_sequence). */
size_t as_utf8_decode(const char *s, size_t n, uint32_t *cp);

/*
 * Renders s[0..n) as above into out[0..cap), always NUL-terminated (cap >= 4). When the
 * rendering does not fit it is cut between two characters or escapes and ends in "...".
 * 4n+1 bytes always suffice (AS_TEXT_SHOW_CAP). Returns the length written, without the NUL.
 */
size_t as_text_show(char *out, size_t cap, const char *s, size_t n);

/* Bytes that always hold the rendering of n input bytes, NUL included. */
#define AS_TEXT_SHOW_CAP(n) (4 * (n) + 1)

/* As as_text_show() for the NUL-terminated s (NULL shows as ""); returns out, for use as a
 * printf argument. */
const char *as_text_shown(char *out, size_t cap, const char *s);

/* Appends the rendering of s[0..n) to out (no NUL). Fails only as as_buf_append. */
int as_text_show_buf(as_buf *out, const char *s, size_t n, as_error *err);

/*
 * True if s[0..n) is well-formed UTF-8 with no C0 control, no DEL and no hidden code point
 * (as_text_cp_hidden): text that as_text_show() shows as itself, but for doubled
 * backslashes. Identifiers a court reads (case ids, trust labels) must be plain.
 */
bool as_text_is_plain(const char *s, size_t n);

/* Formats t as "YYYY-MM-DDTHH:MM:SSZ" into out (21 bytes). */
void as_time_utc(char out[21], time_t t);

/* Parses the format above strictly. Returns 0 or -1. */
int as_time_parse_utc(const char *s, size_t len, time_t *out);

/* Parses sizes like "4G", "650M", "100k", "12345" (binary multiples). Returns 0 or -1. */
int as_parse_size(const char *s, uint64_t *out);

/*
 * Appends s[0..n) to out with every byte outside [A-Za-z0-9._:/@+-] written as %XX, so the
 * value is one space-free printable token (custody log fields, file names).
 */
int as_pct_encode(as_buf *out, const char *s, size_t n, as_error *err);

/* Decodes a token made by as_pct_encode into out (NUL-terminated, at most cap-1 bytes).
 * Rejects bytes that should have been encoded, bad escapes and embedded NULs. Returns the
 * length or -1. */
long as_pct_decode(char *out, size_t cap, const char *s, size_t n);

/* Compares two byte strings for equality in time independent of their content. */
bool as_equal_ct(const void *a, const void *b, size_t n);

/* Formats n bytes for people: "512 bytes", "3.0 MB" (SI units, as file managers show). */
void as_human_size(char *out, size_t cap, uint64_t n);

#endif
