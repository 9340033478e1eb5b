/*
 * armor.h: age's ASCII armor (strict PEM, RFC 7468 section 3, label "AGE ENCRYPTED FILE"),
 * as a streaming reader and writer.
 *
 * The writer emits exactly what `age -a` emits: BEGIN line, padded base64 in 64-column lines
 * (the last one shorter or full, never empty), END line, each ending in LF.
 *
 * The reader accepts what age's armor reader accepts and nothing else: up to 1024 bytes of
 * whitespace before BEGIN and after END, LF or CRLF line ends, 64-column lines except the
 * last, which is not empty, canonical padding only at the end. Failures are AS_ERR_ARMOR.
 */
#ifndef AIRSEAL_CRYPTO_ARMOR_H
#define AIRSEAL_CRYPTO_ARMOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/io.h"

#define AS_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define AS_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

typedef struct as_armor_writer {
    as_writer base;
    as_writer *sink;
    uint8_t pending[48];
    size_t npending;
    bool started;
} as_armor_writer;

/* Wraps sink; nothing is written until the first write or finish. */
void as_armor_writer_init(as_armor_writer *w, as_writer *sink);

/* Writes the last line and the END line. */
int as_armor_writer_finish(as_armor_writer *w, as_error *err);

typedef struct as_armor_reader {
    as_reader base;
    as_bufreader in;
    uint8_t out[48];
    size_t outpos, outlen;
    int state; /* 0 before BEGIN, 1 inside, 2 after END (done), -1 failed */
    bool last_was_short;
} as_armor_reader;

/* Reads armored data from src and yields the decoded bytes. */
void as_armor_reader_init(as_armor_reader *r, as_reader *src);

/* True when the bytes (the first ones of a file) begin, after optional whitespace, with the
 * armor BEGIN marker. */
bool as_armor_detect(const uint8_t *p, size_t n);

#endif
