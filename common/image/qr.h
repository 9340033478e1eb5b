/*
 * qr.h: QR codes in and out: byte-mode encoding without ECI (libqrencode), PNG writing
 * (libpng) and decoding of binary payloads (zbar with ZBAR_CFG_BINARY: without it zbar
 * re-encodes bytes as text and mangles them). Images are read by image.h.
 */
#ifndef AIRSEAL_IMAGE_QR_H
#define AIRSEAL_IMAGE_QR_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/io.h"
#include "image.h"

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

typedef struct as_qr_decoder {
    void *scanner; /* zbar_image_scanner_t */
} as_qr_decoder;

/* A scanner for QR codes only, with binary payloads. Fails if zbar lacks ZBAR_CFG_BINARY. */
int as_qr_decoder_init(as_qr_decoder *d, as_error *err);
void as_qr_decoder_free(as_qr_decoder *d);

/* Scans every `density`-th line (1: every line; larger is faster on sharp, large codes). */
void as_qr_decoder_set_density(as_qr_decoder *d, int density);

/* Called with each symbol's bytes; return non-zero to stop. */
typedef int (*as_qr_symbol_fn)(void *ctx, const uint8_t *data, size_t len);

/* Decodes every QR code in img. Returns the number of symbols found, or -1. */
int as_qr_decode(as_qr_decoder *d, const as_image *img, as_qr_symbol_fn fn, void *ctx,
                 as_error *err);

/* Decodes every QR code in the image a person gave once (a recipient's or a receipt's photo),
 * with a decoder made and freed for it; then frees the image. Returns as as_qr_decode. */
int as_qr_decode_photo(as_image *img, as_qr_symbol_fn fn, void *ctx, as_error *err);

/* Decodes a zbar image (zbar_image_t *, already in Y800), as as_qr_decode does. */
int as_qr_decode_zbar(as_qr_decoder *d, void *zbar_image, as_qr_symbol_fn fn, void *ctx,
                      as_error *err);

/*
 * Encodes text as one QR code in alphanumeric mode (5.5 bits a character instead of 8: an
 * upper-case Bech32 key needs a version about a third smaller than in byte mode, so its
 * modules are larger in a photo). text must hold only 0-9, A-Z, space and $%*+-./: ; the
 * smallest version that fits at ecc is chosen. Returns 0, or -1 (AS_ERR_USAGE) if text has
 * another character or does not fit.
 */
int as_qr_encode_alnum(as_qr *q, const char *text, as_qr_ecc ecc, as_error *err);

#endif
