/* qr.c: QR encode (libqrencode), PNG writing (libpng), decode (zbar); see qr.h. */
#include "qr.h"

#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zbar.h>

#include "../core/file.h"

/* ---------------------------------------------------------------- encoding */

size_t as_qr_capacity(int version, as_qr_ecc ecc)
{
    /* Find the largest payload that encodes at exactly this version, by bisection. */
    size_t lo = 0, hi = 3000;
    uint8_t *buf = calloc(1, hi + 1);
    if (buf == NULL)
        return 0;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        QRcode *q = QRcode_encodeData((int)mid, buf, version, (QRecLevel)ecc);
        int fits = q != NULL && q->version == version;
        QRcode_free(q);
        if (fits)
            lo = mid;
        else
            hi = mid - 1;
    }
    free(buf);
    return lo;
}

/* Copies libqrencode's code c into q as one byte per module (1 = dark) and frees c. */
static int take_code(as_qr *q, QRcode *c, as_error *err)
{
    q->version = c->version;
    q->width = c->width;
    q->modules = malloc((size_t)c->width * (size_t)c->width);
    if (q->modules == NULL) {
        QRcode_free(c);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < c->width * c->width; i++)
        q->modules[i] = c->data[i] & 1;
    QRcode_free(c);
    return 0;
}

int as_qr_encode(as_qr *q, const uint8_t *data, size_t len, int version, as_qr_ecc ecc,
                 as_error *err)
{
    memset(q, 0, sizeof *q);
    if (len == 0 || len > 2953)
        return as_fail(err, AS_ERR_USAGE, "%zu bytes cannot fit one QR code", len);
    QRcode *c = QRcode_encodeData((int)len, data, version, (QRecLevel)ecc);
    if (c == NULL)
        return as_fail(err, AS_ERR_USAGE, "%zu bytes do not fit a QR code of version %d", len,
                       version);
    return take_code(q, c, err);
}

void as_qr_free(as_qr *q)
{
    free(q->modules);
    memset(q, 0, sizeof *q);
}

typedef struct png_sink {
    as_writer *w;
    as_error *err;
    int failed;
} png_sink;

static void png_write_cb(png_structp png, png_bytep data, png_size_t n)
{
    png_sink *s = png_get_io_ptr(png);
    if (!s->failed && as_write(s->w, data, n, s->err) != 0)
        s->failed = 1;
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

int as_qr_write_png(const as_qr *q, int scale, int margin, as_writer *w, as_error *err)
{
    int side = (q->width + 2 * margin) * scale;
    png_sink sink = {w, err, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)side / 8 + 1);
    if (png == NULL || info == NULL || row == NULL) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return as_fail(err, AS_ERR_IO, "PNG encoding failed");
    }
    png_set_write_fn(png, &sink, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    for (int y = 0; y < side; y++) {
        int my = y / scale - margin;
        memset(row, 0, (size_t)side / 8 + 1);
        for (int x = 0; x < side; x++) {
            int mx = x / scale - margin;
            int dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                       q->modules[my * q->width + mx];
            if (!dark) /* 1-bit gray: 1 is white */
                row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return sink.failed ? -1 : 0;
}

int as_qr_save_png(const as_qr *q, int scale, int margin, const char *path, as_error *err)
{
    as_outfile o;
    if (as_outfile_open(&o, path, 0644, err) != 0)
        return -1;
    if (as_qr_write_png(q, scale, margin, &o.w.base, err) != 0) {
        as_outfile_abort(&o);
        return -1;
    }
    return as_outfile_commit(&o, false, err);
}

/* ---------------------------------------------------------------- decoding */

int as_qr_decoder_init(as_qr_decoder *d, as_error *err)
{
    zbar_image_scanner_t *s = zbar_image_scanner_create();
    d->scanner = s;
    if (s == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    zbar_image_scanner_set_config(s, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    if (zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1) != 0) {
        as_qr_decoder_free(d);
        return as_fail(err, AS_ERR_INTERNAL,
                       "this zbar lacks ZBAR_CFG_BINARY and would corrupt binary QR payloads; "
                       "install zbar 0.23 or later");
    }
    return 0;
}

void as_qr_decoder_free(as_qr_decoder *d)
{
    if (d->scanner != NULL)
        zbar_image_scanner_destroy(d->scanner);
    d->scanner = NULL;
}

void as_qr_decoder_set_density(as_qr_decoder *d, int density)
{
    zbar_image_scanner_set_config(d->scanner, ZBAR_QRCODE, ZBAR_CFG_X_DENSITY, density);
    zbar_image_scanner_set_config(d->scanner, ZBAR_QRCODE, ZBAR_CFG_Y_DENSITY, density);
}

int as_qr_decode_zbar(as_qr_decoder *d, void *zbar_image, as_qr_symbol_fn fn, void *ctx,
                      as_error *err)
{
    zbar_image_t *zi = zbar_image;
    int n = zbar_scan_image(d->scanner, zi);
    if (n < 0)
        return as_fail(err, AS_ERR_INTERNAL, "zbar failed to scan the image");
    int found = 0;
    for (const zbar_symbol_t *s = n > 0 ? zbar_image_first_symbol(zi) : NULL; s != NULL;
         s = zbar_symbol_next(s)) {
        if (zbar_symbol_get_type(s) != ZBAR_QRCODE)
            continue;
        found++;
        if (fn(ctx, (const uint8_t *)zbar_symbol_get_data(s), zbar_symbol_get_data_length(s)) != 0)
            break;
    }
    return found;
}

int as_qr_decode(as_qr_decoder *d, const as_image *img, as_qr_symbol_fn fn, void *ctx,
                 as_error *err)
{
    zbar_image_t *zi = zbar_image_create();
    if (zi == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(zi, (unsigned)img->width, (unsigned)img->height);
    zbar_image_set_data(zi, img->px, (unsigned long)img->width * (unsigned long)img->height, NULL);
    int found = as_qr_decode_zbar(d, zi, fn, ctx, err);
    zbar_image_destroy(zi);
    return found;
}

int as_qr_decode_photo(as_image *img, as_qr_symbol_fn fn, void *ctx, as_error *err)
{
    as_qr_decoder d = {0};
    int n = as_qr_decoder_init(&d, err) == 0 ? as_qr_decode(&d, img, fn, ctx, err) : -1;
    as_qr_decoder_free(&d);
    as_image_free(img);
    return n;
}

/* True if every character is in QR's alphanumeric set (0-9, A-Z, space, $%*+-./:). */
static int qr_is_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
              strchr(" $%*+-./:", s[i]) != NULL) ||
            s[i] == '\0')
            return 0;
    return 1;
}

int as_qr_encode_alnum(as_qr *q, const char *text, as_qr_ecc ecc, as_error *err)
{
    memset(q, 0, sizeof *q);
    size_t n = strlen(text);
    if (n == 0 || n > 4296 || !qr_is_alnum(text, n))
        return as_fail(err, AS_ERR_USAGE,
                       "text for an alphanumeric QR code must be 1 to 4296 characters of "
                       "0-9 A-Z $%%*+-./: and space");
    QRinput *in = QRinput_new2(0, (QRecLevel)ecc);
    if (in == NULL || QRinput_append(in, QR_MODE_AN, (int)n, (const unsigned char *)text) != 0) {
        QRinput_free(in);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    QRcode *c = QRcode_encodeInput(in);
    QRinput_free(in);
    if (c == NULL)
        return as_fail(err, AS_ERR_USAGE, "%zu characters do not fit one QR code at this level", n);
    return take_code(q, c, err);
}
