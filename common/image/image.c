/* image.c: PNG (libpng) and JPEG (libjpeg) loading within budgets, and the grey-level
 * transforms the QR decoder uses; see image.h. */
#include "image.h"

/* jpeglib.h needs stdio.h first */
#include <stdio.h>

#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/file.h"

#define AS_STR2(x) #x
#define AS_STR(x) AS_STR2(x)

void as_image_free(as_image *img)
{
    free(img->px);
    memset(img, 0, sizeof *img);
}

static int image_alloc(as_image *img, unsigned long w, unsigned long h, as_error *err)
{
    if (w == 0 || h == 0 || w > AS_IMAGE_MAX_SIDE || h > AS_IMAGE_MAX_SIDE ||
        w * h > AS_IMAGE_MAX_PIXELS)
        return as_fail(err, AS_ERR_LIMIT, "image of %lux%lu pixels is outside the limits", w, h);
    img->width = (int)w;
    img->height = (int)h;
    img->px = malloc(w * h);
    if (img->px == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    return 0;
}

typedef struct png_src {
    const uint8_t *data;
    size_t len, off;
    char why[160];  /* libpng's reason for the failure, kept for our one line */
    char warn[160]; /* its first warning: a limit is reported as one before the error */
} png_src;

static void png_read_cb(png_structp png, png_bytep out, png_size_t n)
{
    png_src *s = png_get_io_ptr(png);
    if (n > s->len - s->off)
        png_error(png, "truncated PNG");
    memcpy(out, s->data + s->off, n);
    s->off += n;
}

/* libpng's default handlers print to stderr: ours keep the reason and jump back. */
static void png_fail_cb(png_structp png, png_const_charp msg)
{
    png_src *s = png_get_error_ptr(png);
    if (s != NULL && s->why[0] == '\0')
        snprintf(s->why, sizeof s->why, "%s", msg);
    png_longjmp(png, 1);
}

static void png_quiet_warning(png_structp png, png_const_charp msg)
{
    png_src *s = png_get_error_ptr(png);
    if (s != NULL && s->warn[0] == '\0')
        snprintf(s->warn, sizeof s->warn, "%s", msg);
}

/* Sets up the reader: limits first, chunks of no use to a QR scan ignored unread. */
static void png_limits(png_structp png)
{
    static const png_byte ignored[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0eXIf\0tIME\0hIST\0pCAL\0sCAL";
    png_set_user_limits(png, AS_IMAGE_MAX_SIDE, AS_IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(png, 8u << 20);
    png_set_chunk_cache_max(png, 64);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, ignored, (int)(sizeof ignored / 5));
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
}

/* Converts any PNG pixel format to 8-bit grey (called after png_read_info). */
static void png_to_gray(png_structp png, png_infop info)
{
    int type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16)
        png_set_strip_16(png);
    /* Transparency is dropped: a QR code's meaning is in its colours (stock qrencode marks
     * the light modules transparent in a palette). */
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
        png_set_strip_alpha(png);
    } else if (type & PNG_COLOR_MASK_ALPHA) {
        png_set_strip_alpha(png);
    }
    if (type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_RGB_ALPHA ||
        type == PNG_COLOR_TYPE_PALETTE)
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
}

/* Reads the rows pass by pass, within the time budget (a bomb of zeros inflates fast, but
 * an interlaced one is read seven times). */
static void png_read_rows_timed(png_structp png, png_src *src, uint8_t *px, png_uint_32 w,
                                png_uint_32 h, int passes)
{
    double deadline = as_now() + AS_IMAGE_DECODE_SECONDS;
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, px + (size_t)y * w, NULL);
            if (y % 64 == 0 && as_now() > deadline) {
                snprintf(src->why, sizeof src->why, "takes more than %d s to decode",
                         AS_IMAGE_DECODE_SECONDS);
                png_longjmp(png, 1);
            }
        }
    }
}

static int load_png(as_image *img, const uint8_t *data, size_t len, as_error *err)
{
    png_src src = {.data = data, .len = len};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail_cb, png_quiet_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        as_image_free(img);
        if (err != NULL && err->code != AS_OK)
            return -1; /* our own failure, already said */
        bool limit = strstr(src.why, "decode") != NULL || strstr(src.warn, "limit") != NULL;
        const char *why = strstr(src.warn, "limit") ? src.warn : src.why[0] ? src.why : "?";
        return as_fail(err, limit ? AS_ERR_LIMIT : AS_ERR_FORMAT, "%s PNG image (%s)",
                       limit ? "oversized" : "damaged or unsupported", why);
    }
    png_limits(png);
    png_set_read_fn(png, &src, png_read_cb);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (image_alloc(img, w, h, err) != 0)
        png_longjmp(png, 1);
    png_to_gray(png, info);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != w) {
        as_fail(err, AS_ERR_FORMAT, "unsupported PNG pixel format");
        png_longjmp(png, 1);
    }
    png_read_rows_timed(png, &src, img->px, w, h, passes);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

typedef struct jpeg_err {
    struct jpeg_error_mgr mgr;
    struct jpeg_progress_mgr progress;
    jmp_buf jmp;
    double deadline;
    const char *over; /* the budget exceeded, if that is why decoding stopped */
} jpeg_err;

static void jpeg_fail(j_common_ptr cinfo)
{
    longjmp(((jpeg_err *)cinfo->err)->jmp, 1);
}

/* libjpeg prints warnings and errors through these: silenced, our line says what failed. */
static void jpeg_silent(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
}

static void jpeg_no_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

/* Called by libjpeg as it works: stops a progressive image with too many scans, or any image
 * past the time budget. */
static void jpeg_budget(j_common_ptr cinfo)
{
    jpeg_err *je = (jpeg_err *)cinfo->err;
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > AS_JPEG_MAX_SCANS)
        je->over = "more than " AS_STR(AS_JPEG_MAX_SCANS) " progressive scans";
    else if (as_now() > je->deadline)
        je->over = "takes more than " AS_STR(AS_IMAGE_DECODE_SECONDS) " s to decode";
    if (je->over != NULL)
        longjmp(je->jmp, 1);
}

static int load_jpeg(as_image *img, const uint8_t *data, size_t len, as_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_err jerr = {0};
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&jerr.mgr);
    jerr.mgr.error_exit = jpeg_fail;
    jerr.mgr.emit_message = jpeg_silent;
    jerr.mgr.output_message = jpeg_no_output;
    jerr.progress.progress_monitor = jpeg_budget;
    jerr.deadline = as_now() + AS_IMAGE_DECODE_SECONDS;
    if (setjmp(jerr.jmp)) {
        jpeg_destroy_decompress(&cinfo);
        as_image_free(img);
        if (jerr.over != NULL)
            return as_fail(err, AS_ERR_LIMIT, "oversized JPEG image (%s)", jerr.over);
        return as_fail(err, AS_ERR_FORMAT, "damaged or unsupported JPEG image");
    }
    jpeg_create_decompress(&cinfo);
    cinfo.progress = &jerr.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = JCS_GRAYSCALE;
    if (image_alloc(img, cinfo.image_width, cinfo.image_height, err) != 0) {
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 1 || (int)cinfo.output_width != img->width) {
        jpeg_destroy_decompress(&cinfo);
        as_image_free(img);
        return as_fail(err, AS_ERR_FORMAT, "unsupported JPEG image");
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->px + (size_t)cinfo.output_scanline * (size_t)img->width;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int as_image_shrink(as_image *img, uint64_t max_pixels)
{
    uint64_t px = (uint64_t)img->width * (uint64_t)img->height;
    int f = 1;
    while (px / ((uint64_t)f * (uint64_t)f) > max_pixels)
        f++;
    if (f == 1)
        return 0;
    int ow = img->width / f, oh = img->height / f;
    if (ow < 1 || oh < 1)
        return 0;
    uint8_t *out = malloc((size_t)ow * (size_t)oh);
    unsigned *sum = calloc((size_t)ow, sizeof *sum);
    if (out == NULL || sum == NULL) {
        free(out);
        free(sum);
        return -1;
    }
    /* rows are read in order and summed per output column: one sequential pass */
    unsigned area = (unsigned)(f * f);
    for (int y = 0; y < oh * f; y++) {
        const uint8_t *row = img->px + (size_t)y * (size_t)img->width;
        for (int x = 0, ox = 0; ox < ow; ox++)
            for (int dx = 0; dx < f; dx++)
                sum[ox] += row[x++];
        if (y % f == f - 1) {
            uint8_t *o = out + (size_t)(y / f) * (size_t)ow;
            for (int ox = 0; ox < ow; ox++) {
                o[ox] = (uint8_t)(sum[ox] / area);
                sum[ox] = 0;
            }
        }
    }
    free(sum);
    free(img->px);
    img->px = out;
    img->width = ow;
    img->height = oh;
    return 0;
}

int as_image_load_mem(as_image *img, const uint8_t *data, size_t len, as_error *err)
{
    memset(img, 0, sizeof *img);
    if (len >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        return load_png(img, data, len, err);
    if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
        return load_jpeg(img, data, len, err);
    return as_fail(err, AS_ERR_FORMAT, "not a PNG or JPEG image");
}

int as_image_load(as_image *img, const char *path, as_error *err)
{
    uint8_t *data;
    size_t len;
    memset(img, 0, sizeof *img);
    if (as_file_read_all_flags(path, 64u << 20, AS_FILE_NOFOLLOW, &data, &len, err) != 0)
        return -1;
    int rc = as_image_load_mem(img, data, len, err);
    if (rc != 0)
        as_error_prefix(err, "%s: ", path);
    free(data);
    return rc;
}

static unsigned gcd_u(unsigned a, unsigned b)
{
    while (b != 0) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int as_image_reduce_crisp(const as_image *in, as_image *out)
{
    int w = in->width, h = in->height;
    unsigned g = 0;
    for (int y = 0; y < h && g != 1; y++) {
        const uint8_t *row = in->px + (size_t)y * (size_t)w;
        unsigned run = 1;
        for (int x = 0; x < w; x++) {
            if (row[x] != 0 && row[x] != 255)
                return 0; /* grey: a photo, a scan, anything resampled */
            if (x + 1 < w && row[x + 1] == row[x]) {
                run++;
            } else {
                g = gcd_u(g, run);
                run = 1;
            }
        }
    }
    if (g < 3 || w % (int)g != 0 || h % (int)g != 0)
        return 0;
    int ow = w / (int)g * 2, oh = h / (int)g * 2;
    uint8_t *px = malloc((size_t)ow * (size_t)oh);
    if (px == NULL)
        return -1;
    /* output pixel (x, y) samples the middle of its half-module */
    for (int y = 0; y < oh; y++) {
        size_t sy = (size_t)((2 * y + 1) * (int)g / 4);
        for (int x = 0; x < ow; x++)
            px[(size_t)y * (size_t)ow + (size_t)x] =
                in->px[sy * (size_t)w + (size_t)((2 * x + 1) * (int)g / 4)];
    }
    out->width = ow;
    out->height = oh;
    out->px = px;
    return 1;
}

int as_image_otsu_level(const as_image *img)
{
    size_t n = (size_t)img->width * (size_t)img->height;
    double hist[256] = {0};
    for (size_t i = 0; i < n; i++)
        hist[img->px[i]]++;
    double sum_all = 0;
    for (int v = 0; v < 256; v++)
        sum_all += v * hist[v];
    double w0 = 0, sum0 = 0, best = -1;
    int level = 128;
    for (int t = 0; t < 255; t++) {
        w0 += hist[t];
        sum0 += t * hist[t];
        double w1 = (double)n - w0;
        if (w0 == 0 || w1 == 0)
            continue;
        double d = sum0 / w0 - (sum_all - sum0) / w1;
        double between = w0 * w1 * d * d;
        if (between > best) {
            best = between;
            level = t;
        }
    }
    return level;
}

void as_image_threshold(const as_image *in, as_image *out, int level)
{
    size_t n = (size_t)in->width * (size_t)in->height;
    for (size_t i = 0; i < n; i++)
        out->px[i] = in->px[i] <= level ? 0 : 255;
}
