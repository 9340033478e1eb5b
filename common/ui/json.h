/*
 * json.h: the one JSON object that `--json` prints for case-management systems (import,
 * verify, verify-receipt; fields in docs/FORMAT.md section 12).
 *
 * A writer, not a parser: airseal never reads JSON. Keys are fixed ASCII chosen by the
 * caller; string values may be untrusted (labels, case ids, paths, error messages) and are
 * escaped so the output is always valid JSON and valid UTF-8 (RFC 8259): '"', '\\' and every
 * control character are escaped, so are C1, bidi and invisible characters (as_text_cp_hidden,
 * as \uXXXX or a surrogate pair), and each byte of an ill-formed UTF-8 sequence becomes
 * U+FFFD. Nesting is bounded (AS_JSON_DEPTH); deeper calls are ignored rather than producing
 * broken output.
 */
#ifndef AIRSEAL_UI_JSON_H
#define AIRSEAL_UI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define AS_JSON_DEPTH 8

typedef struct as_json {
    FILE *out;
    int depth;                      /* open objects, the outermost counted */
    bool has_member[AS_JSON_DEPTH]; /* whether the object at each depth has a member yet */
} as_json;

/* Starts the top-level object on out. */
void as_json_begin(as_json *j, FILE *out);

/* Ends every open object, prints a newline and flushes. */
void as_json_end(as_json *j);

/* Opens a nested object as member key; close it with as_json_close(). */
void as_json_open(as_json *j, const char *key);
void as_json_close(as_json *j);

/* Members. A NULL string value is written as null. */
void as_json_str(as_json *j, const char *key, const char *value);
void as_json_uint(as_json *j, const char *key, uint64_t value);
void as_json_bool(as_json *j, const char *key, bool value);
/* n bytes as lower-case hex (digests). */
void as_json_hex(as_json *j, const char *key, const uint8_t *bytes, size_t n);
/* t as "YYYY-MM-DDTHH:MM:SSZ". */
void as_json_time(as_json *j, const char *key, time_t t);

/* Writes s[0..n) as a JSON string literal, quotes included (exposed for tests). */
void as_json_write_string(FILE *out, const char *s, size_t n);

#endif
