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
