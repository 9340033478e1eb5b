/*
 * image.h: 8-bit grayscale images: PNG and JPEG loading (libpng, libjpeg) and the transforms
 * the QR decoder needs (shrinking, exact resampling of crisp codes, thresholding).
 *
 * Images read from outside are hostile: their dimensions are capped before any allocation,
 * their decoding time as it runs. This module depends only on core.
 */
#ifndef AIRSEAL_IMAGE_IMAGE_H
#define AIRSEAL_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"

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

#endif
