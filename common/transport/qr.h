/*
 * qr.h: QR codes in and out: byte-mode encoding without ECI (libqrencode), PNG writing
 * (libpng), PNG and JPEG reading (libpng, libjpeg) and decoding of binary payloads (zbar with
 * ZBAR_CFG_BINARY: without it zbar re-encodes bytes as text and mangles them).
 *
 * Images read from outside are hostile: their dimensions are capped before any allocation.
 */
#ifndef AIRSEAL_TRANSPORT_QR_H
#define AIRSEAL_TRANSPORT_QR_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/io.h"

#define AS_IMAGE_MAX_SIDE 16384
#define AS_IMAGE_MAX_PIXELS (64u << 20)

typedef enum {
    AS_ECC_L = 0,
    AS_ECC_M,
    AS_ECC_Q,
    AS_ECC_H
} as_qr_ecc;

typedef struct as_qr {
    int version;
    int width;        /* modules per side */
    uint8_t *modules; /* width * width, 1 = dark */
} as_qr;

/* Byte-mode capacity of a version (1..40) at a level, as libqrencode computes it. */
size_t as_qr_capacity(int version, as_qr_ecc ecc);

/*
 * Encodes data as one QR code in byte mode. version 0 picks the smallest that fits; a given
 * version is a minimum (libqrencode grows it if the data does not fit). Returns 0 or -1.
 */
int as_qr_encode(as_qr *q, const uint8_t *data, size_t len, int version, as_qr_ecc ecc,
                 as_error *err);
void as_qr_free(as_qr *q);

/* Writes the code as a 1-bit grayscale PNG, `scale` pixels per module and a quiet zone of
 * `margin` modules, through w. */
int as_qr_write_png(const as_qr *q, int scale, int margin, as_writer *w, as_error *err);

/* Writes the code as a PNG file at path, atomically. */
int as_qr_save_png(const as_qr *q, int scale, int margin, const char *path, as_error *err);

/* An 8-bit grayscale image. */
typedef struct as_image {
    int width, height;
    uint8_t *px;
} as_image;

/* Loads a PNG or JPEG file (by its magic bytes) as grayscale. */
int as_image_load(as_image *img, const char *path, as_error *err);
int as_image_load_mem(as_image *img, const uint8_t *data, size_t len, as_error *err);
void as_image_free(as_image *img);

typedef struct as_qr_decoder {
    void *scanner; /* zbar_image_scanner_t */
} as_qr_decoder;

/* A scanner for QR codes only, with binary payloads. Fails if zbar lacks ZBAR_CFG_BINARY. */
int as_qr_decoder_init(as_qr_decoder *d, as_error *err);
void as_qr_decoder_free(as_qr_decoder *d);

/* Called with each symbol's bytes; return non-zero to stop. */
typedef int (*as_qr_symbol_fn)(void *ctx, const uint8_t *data, size_t len);

/* Decodes every QR code in img. Returns the number of symbols found, or -1. */
int as_qr_decode(as_qr_decoder *d, const as_image *img, as_qr_symbol_fn fn, void *ctx,
                 as_error *err);

#endif
