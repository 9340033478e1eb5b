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

/* Budgets for one image from outside, all checked before the work they bound: sides and
 * pixels from the header before any allocation; decoding time as rows and scans arrive; the
 * scans of a progressive JPEG (each one a pass over the whole image; encoders write about 10). */
#define AS_IMAGE_MAX_SIDE 16384
#define AS_IMAGE_MAX_PIXELS (64u << 20)
#define AS_IMAGE_DECODE_SECONDS 3
#define AS_JPEG_MAX_SCANS 100
/* Pixels zbar is given at most: a larger image is shrunk first (a 600 dpi A4 scan, 35 M, to
 * a third: its modules stay 6 pixels wide; a 12 M phone photo to half). */
#define AS_IMAGE_SCAN_PIXELS (4u << 20)

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

/*
 * For a pristine code image (only black and white pixels, every run a multiple of one module
 * size of at least 3 pixels, as airseal's own frame PNGs are): resamples it exactly to 2
 * pixels per module into out and returns 1, which makes decoding several times faster.
 * Returns 0 (out untouched) for any other image, or -1 out of memory.
 */
int as_image_reduce_crisp(const as_image *in, as_image *out);

/*
 * The grey level that best separates the image's two tones (Otsu's method: the level that
 * maximises the between-class variance of the histogram).
 */
int as_image_otsu_level(const as_image *img);

/*
 * Writes into out (same size as in, already allocated) pure black for pixels <= level and
 * white for the rest. A last resort for photographs and scans with speckle noise, which
 * zbar's own local binarizer reads as extra edges.
 */
void as_image_threshold(const as_image *in, as_image *out, int level);

/*
 * Shrinks img in place by the smallest whole factor that brings it within max_pixels, each
 * output pixel the mean of its factor x factor block. Returns 0 (also when nothing was to be
 * done) or -1 out of memory (img unchanged).
 */
int as_image_shrink(as_image *img, uint64_t max_pixels);

/*
 * Loads a PNG or JPEG file (by its magic bytes) as grayscale, within the budgets above; the
 * libraries' own messages are never printed: a failure is one line in err (AS_ERR_FORMAT for
 * a damaged or unsupported image, AS_ERR_LIMIT over a budget).
 */
int as_image_load(as_image *img, const char *path, as_error *err);
int as_image_load_mem(as_image *img, const uint8_t *data, size_t len, as_error *err);
void as_image_free(as_image *img);

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
