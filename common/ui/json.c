/* json.c: the --json result writer; see json.h. */
#include "json.h"

#include <string.h>

#include "../core/text.h"

/* Writes cp as \uXXXX, as a surrogate pair above U+FFFF (RFC 8259 section 7). */
static void write_escaped_cp(FILE *out, uint32_t cp)
{
    if (cp > 0xffff) {
        cp -= 0x10000;
        fprintf(out, "\\u%04x\\u%04x", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
        fprintf(out, "\\u%04x", cp);
    }
}

void as_json_write_string(FILE *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        uint32_t cp;
        size_t len;
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c == '\n') {
            fputs("\\n", out);
            i++;
        } else if (c == '\t') {
            fputs("\\t", out);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            write_escaped_cp(out, c);
            i++;
        } else if ((len = as_utf8_decode(str + i, n - i, &cp)) == 0) {
            fputs("\\ufffd", out);
            i++;
        } else if (as_text_cp_hidden(cp)) {
            /* C1, bidi and invisible characters: valid JSON raw, but a console or a
             * case-management page would obey them */
            write_escaped_cp(out, cp);
            i += len;
        } else {
            fwrite(s + i, 1, len, out);
            i += len;
        }
    }
    fputc('"', out);
}

/* Writes the separator and the key of a new member of the innermost object. */
static bool member(as_json *j, const char *key)
{
    if (j->depth < 1 || j->depth > AS_JSON_DEPTH)
        return false;
    bool *has = &j->has_member[j->depth - 1];
    if (*has)
        fputc(',', j->out);
    *has = true;
    as_json_write_string(j->out, key, strlen(key));
    fputc(':', j->out);
    return true;
}

void as_json_begin(as_json *j, FILE *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    j->depth = 1;
    fputc('{', out);
}

void as_json_open(as_json *j, const char *key)
{
    if (j->depth >= AS_JSON_DEPTH || !member(j, key))
        return;
    fputc('{', j->out);
    j->has_member[j->depth] = false;
    j->depth++;
}

void as_json_close(as_json *j)
{
    if (j->depth <= 1)
        return;
    fputc('}', j->out);
    j->depth--;
}

void as_json_end(as_json *j)
{
    while (j->depth > 0) {
        fputc('}', j->out);
        j->depth--;
    }
    fputc('\n', j->out);
    fflush(j->out);
}

void as_json_str(as_json *j, const char *key, const char *value)
{
    if (!member(j, key))
        return;
    if (value == NULL)
        fputs("null", j->out);
    else
        as_json_write_string(j->out, value, strlen(value));
}

void as_json_uint(as_json *j, const char *key, uint64_t value)
{
    if (member(j, key))
        fprintf(j->out, "%llu", (unsigned long long)value);
}

void as_json_bool(as_json *j, const char *key, bool value)
{
    if (member(j, key))
        fputs(value ? "true" : "false", j->out);
}

void as_json_hex(as_json *j, const char *key, const uint8_t *bytes, size_t n)
{
    if (!member(j, key))
        return;
    fputc('"', j->out);
    for (size_t i = 0; i < n; i++)
        fprintf(j->out, "%02x", bytes[i]);
    fputc('"', j->out);
}

void as_json_time(as_json *j, const char *key, time_t t)
{
    char when[21];
    as_time_utc(when, t);
    as_json_str(j, key, when);
}
