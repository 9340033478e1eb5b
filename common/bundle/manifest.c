/* manifest.c: the bundle manifest; see manifest.h and docs/FORMAT.md. */
#include "manifest.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "../core/text.h"

#define HEADER_LINE AS_MANIFEST_HEADER

void as_manifest_free(as_manifest *m)
{
    for (size_t i = 0; i < m->nfiles; i++)
        free(m->files[i].path);
    free(m->files);
    m->files = NULL;
    m->nfiles = 0;
}

int as_evidence_path_check(const char *path, size_t len, as_error *err)
{
    if (len == 0)
        return as_fail(err, AS_ERR_REJECTED, "empty file name");
    if (len > AS_PATH_MAX_BYTES)
        return as_fail(err, AS_ERR_REJECTED, "path longer than %d bytes: %.60s...",
                       AS_PATH_MAX_BYTES, path);
    if (memchr(path, '\0', len) != NULL)
        return as_fail(err, AS_ERR_REJECTED, "file name contains a NUL byte");
    if (!as_utf8_valid(path, len))
        return as_fail(err, AS_ERR_REJECTED, "file name is not valid UTF-8: %.*s", (int)len, path);
    if (!as_text_printable(path, len, false))
        return as_fail(err, AS_ERR_REJECTED, "file name contains control characters: %.*s",
                       (int)len, path);
    if (memchr(path, '\\', len) != NULL)
        return as_fail(err, AS_ERR_REJECTED, "file name contains a backslash: %.*s", (int)len,
                       path);
    if (path[0] == '/')
        return as_fail(err, AS_ERR_REJECTED, "absolute path: %.*s", (int)len, path);
    size_t start = 0, names = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '/')
            continue;
        size_t n = i - start;
        if (n == 0)
            return as_fail(err, AS_ERR_REJECTED, "empty path component in %.*s", (int)len, path);
        if ((n == 1 && path[start] == '.') ||
            (n == 2 && path[start] == '.' && path[start + 1] == '.'))
            return as_fail(err, AS_ERR_REJECTED, "'.' or '..' component in %.*s", (int)len, path);
        if (n > AS_NAME_MAX_BYTES)
            return as_fail(err, AS_ERR_REJECTED, "name longer than %d bytes in %.60s...",
                           AS_NAME_MAX_BYTES, path);
        if (++names > AS_PATH_MAX_DEPTH)
            return as_fail(err, AS_ERR_REJECTED, "path more than %d names deep: %.60s...",
                           AS_PATH_MAX_DEPTH, path);
        start = i + 1;
    }
    return 0;
}

/* One row per text field: the only place that says what each may hold. */
static const struct {
    const char *name;
    bool identifier; /* plain text only (as_text_is_plain) */
    size_t max;      /* bytes */
} field_rules[] = {
    [AS_FIELD_CASE] = {"case id", true, AS_CASE_MAX},
    [AS_FIELD_COLLECTOR] = {"collector", false, AS_TEXT_FIELD_MAX},
    [AS_FIELD_NOTE] = {"note", false, AS_TEXT_FIELD_MAX},
    [AS_FIELD_TOOL] = {"tool", false, AS_TEXT_FIELD_MAX},
    [AS_FIELD_LABEL] = {"label", true, 120}, /* AS_TRUST_LABEL_MAX, station layer */
};

as_field_verdict as_field_judge(as_field f, const char *s, size_t n)
{
    if (n > field_rules[f].max)
        return AS_FIELD_TOO_LONG;
    if (!as_utf8_valid(s, n) || !as_text_printable(s, n, false))
        return AS_FIELD_UNPRINTABLE;
    if (field_rules[f].identifier && !as_text_is_plain(s, n))
        return AS_FIELD_HIDDEN;
    return AS_FIELD_OK;
}

const char *as_field_name(as_field f)
{
    return field_rules[f].name;
}

int as_manifest_text_check(as_field f, const char *s, as_error *err)
{
    size_t n = strlen(s);
    switch (as_field_judge(f, s, n)) {
    case AS_FIELD_OK:
        return 0;
    case AS_FIELD_TOO_LONG:
        return as_fail(err, AS_ERR_USAGE, "the %s is longer than %zu bytes", field_rules[f].name,
                       field_rules[f].max);
    case AS_FIELD_UNPRINTABLE:
        return as_fail(err, AS_ERR_USAGE, "the %s must be printable UTF-8 on one line",
                       field_rules[f].name);
    case AS_FIELD_HIDDEN:
        break;
    }
    return as_fail(err, AS_ERR_USAGE,
                   "the %s must not contain direction or invisible characters: %s",
                   field_rules[f].name, s);
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const as_manifest_file *)a)->path, ((const as_manifest_file *)b)->path);
}

const as_manifest_file *as_manifest_find(const as_manifest *m, const char *path)
{
    as_manifest_file key = {.path = (char *)path};
    return bsearch(&key, m->files, m->nfiles, sizeof key, cmp_files);
}

bool as_manifest_has_recipient(const as_manifest *m, const as_age_recipient *r)
{
    for (size_t i = 0; i < m->nrecipients; i++)
        if (memcmp(m->recipients[i].pk, r->pk, sizeof r->pk) == 0)
            return true;
    return false;
}

bool as_manifest_has_pq_recipient(const as_manifest *m, const as_age_pq_recipient *r)
{
    for (size_t i = 0; i < m->npq_recipients; i++)
        if (memcmp(m->pq_recipients[i].pk, r->pk, sizeof r->pk) == 0)
            return true;
    return false;
}

/* One "recipient:" value: age1pq1... is a hybrid recipient, anything else must be age1...
 * Returns 0, or -1 with the message in err: too many of a kind is a LIMIT, a value that is not
 * a recipient a FORMAT error. */
static int parse_recipient(as_manifest *m, const char *v, size_t vn, as_error *err)
{
    /* any case here, so that an upper-case age1pq1 is named as such in the refusal */
    bool pq = vn >= 7 && strncasecmp(v, "age1pq1", 7) == 0;
    size_t *n = pq ? &m->npq_recipients : &m->nrecipients;
    size_t max = pq ? AS_MANIFEST_MAX_PQ_RECIPIENTS : AS_MANIFEST_MAX_RECIPIENTS;
    if (*n == max)
        return as_fail(err, AS_ERR_LIMIT, "manifest lists more than %zu %s recipients", max,
                       pq ? "age1pq1..." : "age1...");
    int rc = pq ? as_age_pq_recipient_parse(&m->pq_recipients[*n], v, vn, err)
                : as_age_recipient_parse(&m->recipients[*n], v, vn, err);
    if (rc != 0) {
        as_error_clear(err);
        return as_fail(err, AS_ERR_FORMAT, "manifest recipient: not an %s recipient",
                       pq ? "age1pq1..." : "age1...");
    }
    (*n)++;
    return 0;
}

/* ---------------------------------------------------------------- case folding */

/* Lower-cases valid UTF-8 code point by code point (simple case mapping). */
static char *fold(const char *s, locale_t loc)
{
    size_t n = strlen(s);
    char *out = malloc(n * 2 + 8); /* a lowered code point needs at most one more byte */
    if (out == NULL)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k;
        if (p[i] < 0x80) {
            cp = p[i];
            k = 1;
        } else if (p[i] < 0xe0) {
            cp = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
            k = 2;
        } else if (p[i] < 0xf0) {
            cp = (uint32_t)(p[i] & 0x0f) << 12 | (uint32_t)(p[i + 1] & 0x3f) << 6 |
                 (p[i + 2] & 0x3f);
            k = 3;
        } else {
            cp = (uint32_t)(p[i] & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3f) << 12 |
                 (uint32_t)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
            k = 4;
        }
        i += k;
        if (loc != (locale_t)0)
            cp = (uint32_t)towlower_l((wint_t)cp, loc);
        else if (cp >= 'A' && cp <= 'Z')
            cp += 32;
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xc0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xe0 | cp >> 12);
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[o++] = (char)(0xf0 | cp >> 18);
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
    return out;
}

typedef struct folded {
    char *key;
    size_t index;
} folded;

static int cmp_folded(const void *a, const void *b)
{
    return strcmp(((const folded *)a)->key, ((const folded *)b)->key);
}

long as_manifest_case_collision(const as_manifest *m)
{
    locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    folded *v = calloc(m->nfiles ? m->nfiles : 1, sizeof *v);
    long hit = -1;
    if (v == NULL)
        goto out;
    for (size_t i = 0; i < m->nfiles; i++) {
        v[i].key = fold(m->files[i].path, loc);
        v[i].index = i;
        if (v[i].key == NULL) {
            hit = (long)i;
            goto out;
        }
    }
    qsort(v, m->nfiles, sizeof *v, cmp_folded);
    for (size_t i = 1; i < m->nfiles && hit < 0; i++)
        if (strcmp(v[i - 1].key, v[i].key) == 0)
            hit = (long)(v[i].index > v[i - 1].index ? v[i].index : v[i - 1].index);
    /* A file must not also be a directory of another file ("a" and "a/b"). */
    for (size_t i = 0; i < m->nfiles && hit < 0; i++) {
        const char *k = v[i].key;
        for (const char *slash = strchr(k, '/'); slash != NULL && hit < 0;
             slash = strchr(slash + 1, '/')) {
            char *prefix = strndup(k, (size_t)(slash - k));
            if (prefix == NULL) {
                hit = (long)v[i].index;
                break;
            }
            folded probe = {.key = prefix};
            if (bsearch(&probe, v, m->nfiles, sizeof *v, cmp_folded) != NULL)
                hit = (long)v[i].index;
            free(prefix);
        }
    }
out:
    if (v != NULL)
        for (size_t i = 0; i < m->nfiles; i++)
            free(v[i].key);
    free(v);
    if (loc != (locale_t)0)
        freelocale(loc);
    return hit;
}

/* ---------------------------------------------------------------- parsing */

/* Copies a text field's value into dst (cap bytes) under its rule: too long or unprintable is
 * malformed (FORMAT); an identifier hiding characters parses but is refused (REJECTED). */
static int copy_text(char *dst, size_t cap, as_field f, const char *v, size_t n, as_error *err)
{
    const char *what = as_field_name(f);
    if (n >= cap)
        return as_fail(err, AS_ERR_FORMAT, "manifest %s is too long", what);
    switch (as_field_judge(f, v, n)) {
    case AS_FIELD_OK:
        break;
    case AS_FIELD_TOO_LONG:
        return as_fail(err, AS_ERR_FORMAT, "manifest %s is too long", what);
    case AS_FIELD_UNPRINTABLE:
        return as_fail(err, AS_ERR_FORMAT, "manifest %s is not printable UTF-8", what);
    case AS_FIELD_HIDDEN:
        return as_fail(err, AS_ERR_REJECTED,
                       "manifest %s contains direction or invisible characters: %.*s", what, (int)n,
                       v);
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 0;
}

static int check_files(as_manifest *m, as_error *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < m->nfiles; i++) {
        if (as_evidence_path_check(m->files[i].path, strlen(m->files[i].path), err) != 0)
            return -1;
        if (i > 0) {
            int c = strcmp(m->files[i - 1].path, m->files[i].path);
            if (c == 0)
                return as_fail(err, AS_ERR_REJECTED, "manifest lists %s twice", m->files[i].path);
            if (c > 0)
                return as_fail(err, AS_ERR_REJECTED, "manifest paths are not sorted at %s",
                               m->files[i].path);
        }
        if (m->files[i].size > AS_MANIFEST_MAX_TOTAL - total)
            return as_fail(err, AS_ERR_LIMIT, "manifest declares more than %llu bytes",
                           (unsigned long long)AS_MANIFEST_MAX_TOTAL);
        total += m->files[i].size;
    }
    long clash = as_manifest_case_collision(m);
    if (clash >= 0)
        return as_fail(err, AS_ERR_REJECTED,
                       "%s collides with another name when case is ignored (or a file is also "
                       "a folder)",
                       m->files[clash].path);
    m->total_bytes = total;
    return 0;
}

/* Which header lines a manifest had: each may appear once (recipient: any number). */
typedef struct header_seen {
    bool bundle, case_id, collector, note, tool, created, sender, files, bytes;
    uint64_t nfiles, nbytes; /* the header's files: and bytes: */
} header_seen;

/* A failure of the manifest's grammar, in the caller's err. */
#define BAD(...) as_fail(err, AS_ERR_FORMAT, __VA_ARGS__)

/* Marks a once-only header line as seen; false when it was seen before. */
static bool once(bool *seen)
{
    bool first = !*seen;
    *seen = true;
    return first;
}

/* "bundle: <32 lower-case hex digits>" */
static int header_bundle(as_manifest *m, as_span v, as_error *err)
{
    uint8_t id[AS_BUNDLE_ID_LEN];
    if (v.n != 32 || as_span_hex(v, id, sizeof id) != 0)
        return BAD("manifest bundle: must be 32 hex digits, once");
    as_hex_encode(m->bundle_id, id, sizeof id);
    if (memcmp(m->bundle_id, v.p, v.n) != 0)
        return BAD("manifest bundle id must be lower-case hex");
    return 0;
}

/*
 * One "key: value" header line into m. The text fields' own refusals (copy_text) come first:
 * the generic line after them only shows when the line was repeated or empty.
 */
static int header_line(as_manifest *m, header_seen *h, as_span k, as_span v, as_error *err)
{
    if (as_span_eq(k, "bundle")) {
        if (!once(&h->bundle) || header_bundle(m, v, err) != 0)
            return BAD("manifest bundle: must be 32 hex digits, once");
    } else if (as_span_eq(k, "case")) {
        if (!once(&h->case_id) || v.n == 0 ||
            copy_text(m->case_id, sizeof m->case_id, AS_FIELD_CASE, v.p, v.n, err) != 0)
            return BAD("manifest case: must be 1 to %d printable bytes, once", AS_CASE_MAX);
    } else if (as_span_eq(k, "collector")) {
        if (!once(&h->collector) ||
            copy_text(m->collector, sizeof m->collector, AS_FIELD_COLLECTOR, v.p, v.n, err) != 0)
            return BAD("manifest collector: malformed or repeated");
    } else if (as_span_eq(k, "note")) {
        if (!once(&h->note) || copy_text(m->note, sizeof m->note, AS_FIELD_NOTE, v.p, v.n, err))
            return BAD("manifest note: malformed or repeated");
    } else if (as_span_eq(k, "tool")) {
        if (!once(&h->tool) || copy_text(m->tool, sizeof m->tool, AS_FIELD_TOOL, v.p, v.n, err))
            return BAD("manifest tool: malformed or repeated");
    } else if (as_span_eq(k, "created")) {
        if (!once(&h->created) || as_time_parse_utc(v.p, v.n, &m->created) != 0)
            return BAD("manifest created: must be a UTC time YYYY-MM-DDTHH:MM:SSZ, once");
    } else if (as_span_eq(k, "sender")) {
        if (!once(&h->sender) || as_mini_keyid_parse(m->sender, v.p, v.n) != 0)
            return BAD("manifest sender: must be a 16-hex-digit key id, once");
    } else if (as_span_eq(k, "recipient")) {
        return parse_recipient(m, v.p, v.n, err);
    } else if (as_span_eq(k, "files")) {
        if (!once(&h->files) || as_span_u64(v, AS_MANIFEST_MAX_FILES, true, &h->nfiles) != 0)
            return BAD("manifest files: must be a number up to %d, once", AS_MANIFEST_MAX_FILES);
    } else if (as_span_eq(k, "bytes")) {
        if (!once(&h->bytes) || as_span_u64(v, AS_MANIFEST_MAX_TOTAL, true, &h->nbytes) != 0)
            return BAD("manifest bytes: must be a number, once");
    } else {
        size_t n = (size_t)(v.p + v.n - k.p); /* the whole line, as the message shows it */
        return BAD("unknown manifest header line: %.*s", (int)(n < 40 ? n : 40), k.p);
    }
    return 0;
}

/*
 * The first line and the "key: value" lines up to the empty line, which the cursor is left
 * after. Every required line must be there.
 */
static int parse_header(as_manifest *m, as_cursor *c, header_seen *h, as_error *err)
{
    as_span line, k, v;
    if (as_cursor_line_span(c, &line, 64) != 0 || !as_span_eq(line, HEADER_LINE))
        return BAD("not an airseal manifest (first line must be \"" HEADER_LINE "\")");
    for (;;) {
        if (as_cursor_any_kv(c, &k, &v, 2048) == 0) {
            if (header_line(m, h, k, v, err) != 0)
                return -1;
            continue;
        }
        /* not "key: value": the empty line that ends the header, or a line we do not know */
        if (as_cursor_line_span(c, &line, 2048) != 0)
            return BAD("manifest header is not terminated by an empty line");
        if (line.n == 0)
            break;
        return BAD("unknown manifest header line: %.*s", (int)(line.n < 40 ? line.n : 40), line.p);
    }
    if (!h->bundle || !h->case_id || !h->created || !h->sender || !h->files || !h->bytes ||
        m->nrecipients + m->npq_recipients == 0)
        return BAD("manifest header lacks one of bundle, case, created, sender, recipient, "
                   "files, bytes");
    return 0;
}

/*
 * One file line, "<sha256> <size> <path>", into f (no: the number of the line, for
 * messages). The path is the rest of the line and may hold spaces; it must be there.
 */
static int parse_file_line(as_manifest_file *f, as_span line, size_t no, as_error *err)
{
    as_cursor lc;
    as_span hash, size, path;
    const uint8_t *rest;
    as_span_cursor(line, &lc);
    if (as_cursor_token(&lc, &hash) != 0 || hash.n != 64 || as_span_hex(hash, f->sha256, 32) != 0 ||
        as_cursor_token(&lc, &size) != 0 ||
        as_span_u64(size, AS_MANIFEST_MAX_TOTAL, true, &f->size) != 0 ||
        (path.n = as_cursor_left(&lc)) == 0 || as_cursor_ref(&lc, &rest, path.n) != 0)
        return BAD("manifest file line %zu: expected \"<sha256> <size> <path>\"", no);
    path.p = (const char *)rest;
    for (size_t i = 0; i < hash.n; i++)
        if (hash.p[i] >= 'A' && hash.p[i] <= 'F')
            return BAD("manifest file line %zu: digest must be lower-case hex", no);
    if (as_evidence_path_check(path.p, path.n, err) != 0) {
        as_error_prefix(err, "manifest: ");
        return -1;
    }
    f->path = strndup(path.p, path.n);
    if (f->path == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    return 0;
}

/* The file lines after the header: exactly as many as its files: says, to the end. */
static int parse_files(as_manifest *m, as_cursor *c, uint64_t files, as_error *err)
{
    as_span line;
    m->files = calloc(files ? files : 1, sizeof *m->files);
    if (m->files == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    while (as_cursor_left(c) > 0) {
        if (m->nfiles == files)
            return BAD("manifest lists more files than its header's files: %llu",
                       (unsigned long long)files);
        if (as_cursor_line_span(c, &line, 64 + 1 + 20 + 1 + AS_PATH_MAX_BYTES) != 0)
            return BAD("manifest file line %zu is too long or unterminated", m->nfiles + 1);
        if (parse_file_line(&m->files[m->nfiles], line, m->nfiles + 1, err) != 0)
            return -1;
        m->nfiles++;
    }
    if (m->nfiles != files)
        return BAD("manifest lists %zu files, its header says %llu", m->nfiles,
                   (unsigned long long)files);
    return 0;
}

int as_manifest_parse(as_manifest *m, const uint8_t *data, size_t len, as_error *err)
{
    as_cursor c;
    header_seen h = {0};
    memset(m, 0, sizeof *m);
    if (len > AS_MANIFEST_MAX_BYTES)
        return as_fail(err, AS_ERR_LIMIT, "manifest larger than %u bytes", AS_MANIFEST_MAX_BYTES);
    as_cursor_init(&c, data, len);
    if (parse_header(m, &c, &h, err) != 0 || parse_files(m, &c, h.nfiles, err) != 0 ||
        check_files(m, err) != 0)
        goto fail;
    if (m->total_bytes != h.nbytes) {
        BAD("manifest file sizes add up to %llu, its header says %llu",
            (unsigned long long)m->total_bytes, (unsigned long long)h.nbytes);
        goto fail;
    }
    return 0;
fail:
    as_manifest_free(m);
    return -1;
}
#undef BAD

int as_manifest_check(as_manifest *m, as_error *err)
{
    qsort(m->files, m->nfiles, sizeof m->files[0], cmp_files);
    if (m->nfiles > AS_MANIFEST_MAX_FILES)
        return as_fail(err, AS_ERR_LIMIT,
                       "more than %d files in one bundle; split the evidence "
                       "into several bundles",
                       AS_MANIFEST_MAX_FILES);
    return check_files(m, err);
}
