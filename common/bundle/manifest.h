/*
 * manifest.h: the signed list of what a bundle holds (format: docs/FORMAT.md section 7).
 *
 *   airseal-manifest v1
 *   bundle: <32 hex digits>
 *   case: <text>
 *   collector: <text>              (optional)
 *   note: <text>                   (optional)
 *   created: <UTC time>
 *   tool: <text>                   (optional)
 *   sender: <minisign key id>
 *   recipient: <age1...>           (one or more)
 *   files: <count>
 *   bytes: <total size>
 *   <empty line>
 *   <sha256 hex> <size> <path>     (one per file, sorted by path bytes)
 *
 * The manifest is plain enough to write with printf and sha256sum, which is what lets a
 * bundle be built with stock tools alone.
 */
#ifndef AIRSEAL_BUNDLE_MANIFEST_H
#define AIRSEAL_BUNDLE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/bytes.h"
#include "../core/error.h"
#include "../crypto/age_keys.h"
#include "../crypto/minisign.h"

/* The first line of every manifest (FORMAT.md 7.1). */
#define AS_MANIFEST_HEADER "airseal-manifest v1"

#define AS_MANIFEST_MAX_FILES 50000
#define AS_MANIFEST_MAX_BYTES (16u << 20)
#define AS_PATH_MAX_BYTES 1024
#define AS_NAME_MAX_BYTES 255
/* At most this many names in one evidence path (64: 63 folders and the file). The vault's
 * freeze and audit walks and the sender's folder walk use the same bound. */
#define AS_PATH_MAX_DEPTH 64
#define AS_TEXT_FIELD_MAX 512
#define AS_CASE_MAX 128
#define AS_MANIFEST_MAX_RECIPIENTS 32
/* Hybrid recipients are 1216 bytes each: a bundle names at most 8 (FORMAT.md 7.1). */
#define AS_MANIFEST_MAX_PQ_RECIPIENTS 8
#define AS_BUNDLE_ID_LEN 16
#define AS_BUNDLE_ID_HEX 33
/* The sum of file sizes a bundle may declare: 4 TiB. */
#define AS_MANIFEST_MAX_TOTAL (4ULL << 40)

typedef struct as_manifest_file {
    char *path; /* relative to evidence/, UTF-8 */
    uint64_t size;
    uint8_t sha256[32];
} as_manifest_file;

typedef struct as_manifest {
    char bundle_id[AS_BUNDLE_ID_HEX];
    char case_id[AS_CASE_MAX + 1];
    char collector[AS_TEXT_FIELD_MAX + 1];
    char note[AS_TEXT_FIELD_MAX + 1];
    char tool[AS_TEXT_FIELD_MAX + 1];
    time_t created;
    uint8_t sender[AS_MINI_KEYNUM_LEN];
    as_age_recipient recipients[AS_MANIFEST_MAX_RECIPIENTS];
    size_t nrecipients;
    as_age_pq_recipient pq_recipients[AS_MANIFEST_MAX_PQ_RECIPIENTS]; /* age1pq1... ones */
    size_t npq_recipients;
    as_manifest_file *files;
    size_t nfiles;
    uint64_t total_bytes;
} as_manifest;

/*
 * Checks one relative evidence path: valid UTF-8, no control characters or backslashes, no
 * empty, "." or ".." component, no leading or trailing '/', at most AS_PATH_MAX_BYTES bytes,
 * AS_NAME_MAX_BYTES per component and AS_PATH_MAX_DEPTH components. The message names the
 * path.
 */
int as_evidence_path_check(const char *path, size_t len, as_error *err);

/*
 * The text fields a person reads, each with one rule (the table in manifest.c, FORMAT.md 7.1):
 * identifiers a court reads and compares (case id, trust label) must be plain text
 * (as_text_is_plain: no control, bidi or invisible character); prose (collector, note, tool)
 * may hold any printable UTF-8, bidi controls included, as real writing needs them. Every
 * field is shown only through as_text_show() or the JSON writer either way.
 */
typedef enum {
    AS_FIELD_CASE,
    AS_FIELD_COLLECTOR,
    AS_FIELD_NOTE,
    AS_FIELD_TOOL,
    AS_FIELD_LABEL,
} as_field;

typedef enum {
    AS_FIELD_OK = 0,
    AS_FIELD_TOO_LONG,    /* more bytes than the field's maximum */
    AS_FIELD_UNPRINTABLE, /* ill-formed UTF-8, a C0 or C1 control or DEL */
    AS_FIELD_HIDDEN,      /* an identifier holding a bidi or invisible character */
} as_field_verdict;

/* Judges s[0..n) as a value of field f: length (emptiness is the caller's rule) and
 * characters. */
as_field_verdict as_field_judge(as_field f, const char *s, size_t n);

/* The field's name in messages: "case id", "collector", "note", "tool", "label". */
const char *as_field_name(as_field f);

/* Checks the NUL-terminated value s of field f given on the command line (pack): fails with
 * AS_ERR_USAGE and a line naming the field (and showing s, escaped, when it holds a hidden
 * character). */
int as_manifest_text_check(as_field f, const char *s, as_error *err);

/*
 * Parses and validates a manifest: every rule of FORMAT.md, including sorted unique paths,
 * no two paths equal when compared case-insensitively, counts and totals that add up.
 */
int as_manifest_parse(as_manifest *m, const uint8_t *data, size_t len, as_error *err);

/* Sorts m->files and checks them as the parser would (names, duplicates, case collisions,
 * total), setting m->total_bytes. */
int as_manifest_check(as_manifest *m, as_error *err);

/* as_manifest_check(), then formats the manifest text into out. */
int as_manifest_format(as_manifest *m, as_buf *out, as_error *err);

/* The file entry for a path, or NULL (binary search: files are sorted). */
const as_manifest_file *as_manifest_find(const as_manifest *m, const char *path);

/* True if the manifest lists r among its recipients. */
bool as_manifest_has_recipient(const as_manifest *m, const as_age_recipient *r);

/* True if the manifest lists the hybrid recipient r. */
bool as_manifest_has_pq_recipient(const as_manifest *m, const as_age_pq_recipient *r);

/*
 * Finds two paths that would collide on a case-insensitive file system (Windows, macOS,
 * FAT/exFAT sticks). Returns the index of the second of a colliding pair, or -1. Folding uses
 * Unicode simple lower-casing of the C.UTF-8 locale.
 */
long as_manifest_case_collision(const as_manifest *m);

void as_manifest_free(as_manifest *m);

#endif
