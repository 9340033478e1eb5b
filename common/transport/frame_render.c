/* frame_render.c: frame PNGs, frames.pdf and player.html; see frame_render.h. */
#include "frame_render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bundle/manifest.h"
#include "../core/base64.h"
#include "../core/bytes.h"
#include "../core/file.h"
#include "../core/io.h"
#include "../core/text.h"
#include "../core/progress.h"

#define QUIET_ZONE 4 /* modules of white around a code, as the QR standard asks */

/* A4 in points, and the page margins. */
#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 36.0
#define HEADER_H 28.0
#define LABEL_H 14.0

/* ---------------------------------------------------------------- PDF */

static cairo_status_t pdf_write(void *ctx, const unsigned char *data, unsigned int len)
{
    as_outfile *o = ctx;
    as_error e = {0};
    return as_write(&o->w.base, data, len, &e) == 0 ? CAIRO_STATUS_SUCCESS
                                                    : CAIRO_STATUS_WRITE_ERROR;
}

typedef struct pdf_doc {
    as_outfile out;
    cairo_surface_t *surface;
    cairo_t *cr;
    unsigned per_page, pages;
} pdf_doc;

static void pdf_page_header(pdf_doc *d, const as_frame_render_opts *o, unsigned page, unsigned n)
{
    char line[400], sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)];
    cairo_t *cr = d->cr;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 10);
    snprintf(line, sizeof line, "airseal QR frames - case %s - bundle %s",
             as_text_shown(sc, sizeof sc, o->case_id), o->bundle_hex);
    cairo_move_to(cr, MARGIN, MARGIN + 10);
    cairo_show_text(cr, line);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 8);
    snprintf(line, sizeof line,
             "page %u of %u - %u frames; scan in any order, any %s; the station asks for "
             "missing frames by number",
             page, d->pages, n, "subset large enough will do");
    cairo_move_to(cr, MARGIN, MARGIN + 22);
    cairo_show_text(cr, line);
}

static void pdf_code(pdf_doc *d, const as_frame_render_opts *o, const as_qr *q, unsigned slot,
                     unsigned frame, unsigned n)
{
    cairo_t *cr = d->cr;
    double cell_w = (PAGE_W - 2 * MARGIN) / o->cols;
    double cell_h = (PAGE_H - 2 * MARGIN - HEADER_H) / o->rows;
    double side = cell_w < cell_h - LABEL_H ? cell_w : cell_h - LABEL_H;
    unsigned col = slot % (unsigned)o->cols, row = slot / (unsigned)o->cols;
    double x0 = MARGIN + col * cell_w + (cell_w - side) / 2;
    double y0 = MARGIN + HEADER_H + row * cell_h;
    int full = q->width + 2 * QUIET_ZONE;
    double module = side / full;
    /* One pixel per module, scaled up without smoothing: a small PDF with sharp edges. */
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, full, full);
    unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    if (px != NULL) {
        cairo_surface_flush(img);
        for (int y = 0; y < full; y++) {
            uint32_t *rowp = (uint32_t *)(void *)(px + (size_t)y * (size_t)stride);
            for (int x = 0; x < full; x++) {
                int mx = x - QUIET_ZONE, my = y - QUIET_ZONE;
                bool dark = mx >= 0 && my >= 0 && mx < q->width && my < q->width &&
                            q->modules[my * q->width + mx];
                rowp[x] = dark ? 0x000000u : 0xffffffu;
            }
        }
        cairo_surface_mark_dirty(img);
    }
    cairo_save(cr);
    cairo_translate(cr, x0, y0);
    cairo_scale(cr, module, module);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, full, full);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, 0, 0, 0);
    char label[300], sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)];
    snprintf(label, sizeof label, "frame %u of %u - case %s - bundle %.16s", frame, n,
             as_text_shown(sc, sizeof sc, o->case_id), o->bundle_hex);
    cairo_set_font_size(cr, 7);
    cairo_move_to(cr, x0 + QUIET_ZONE * module, y0 + side + 8);
    cairo_show_text(cr, label);
}

/* ---------------------------------------------------------------- player */

static const char player_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
    "<title>airseal frames</title>\n"
    "<style>\n"
    "body{margin:0;background:#fff;color:#222;font:15px sans-serif;text-align:center}\n"
    "#code{display:block;margin:8px auto;image-rendering:pixelated;background:#fff}\n"
    "#bar{padding:6px;background:#eee}#bar button{font-size:15px;margin:0 3px}\n"
    "#count{font-weight:bold;font-size:18px}label{margin:0 10px}\n"
    "</style></head><body>\n"
    "<div id=\"bar\"><button id=\"prev\" title=\"previous (left arrow)\">&#9664;</button>"
    "<button id=\"play\" title=\"pause or play (space)\">pause</button>"
    "<button id=\"next\" title=\"next (right arrow)\">&#9654;</button>"
    "<label>speed <input id=\"fps\" type=\"range\" min=\"1\" max=\"30\" value=\"6\"> "
    "<span id=\"fpsv\">6</span> frames/s</label>"
    "<label>size <input id=\"size\" type=\"range\" min=\"200\" max=\"1400\" value=\"720\"></label>"
    "<span id=\"count\"></span></div>\n";

static const char player_tail[] =
    "];\n"
    "var i = 0, playing = true, timer = null;\n"
    "var img = document.getElementById('code'), count = document.getElementById('count');\n"
    "var fps = document.getElementById('fps'), size = document.getElementById('size');\n"
    "var play = document.getElementById('play');\n"
    "function show() {\n"
    "  img.src = F[i];\n"
    "  count.textContent = 'frame ' + (i + 1) + ' of ' + F.length;\n"
    "}\n"
    "function step(d) { i = (i + d + F.length) % F.length; show(); }\n"
    "function schedule() {\n"
    "  if (timer) clearInterval(timer);\n"
    "  timer = playing ? setInterval(function () { step(1); }, 1000 / fps.value) : null;\n"
    "  document.getElementById('fpsv').textContent = fps.value;\n"
    "  play.textContent = playing ? 'pause' : 'play';\n"
    "}\n"
    "function resize() {\n"
    "  var s = Math.min(size.value, window.innerWidth - 16, window.innerHeight - 60);\n"
    "  img.style.width = img.style.height = Math.max(s, 100) + 'px';\n"
    "}\n"
    "play.onclick = function () { playing = !playing; schedule(); };\n"
    "document.getElementById('prev').onclick = function () { playing = false; schedule(); "
    "step(-1); };\n"
    "document.getElementById('next').onclick = function () { playing = false; schedule(); "
    "step(1); };\n"
    "fps.oninput = schedule; size.oninput = resize; window.onresize = resize;\n"
    "document.onkeydown = function (e) {\n"
    "  if (e.key === ' ') { playing = !playing; schedule(); e.preventDefault(); }\n"
    "  else if (e.key === 'ArrowRight') { playing = false; schedule(); step(1); }\n"
    "  else if (e.key === 'ArrowLeft') { playing = false; schedule(); step(-1); }\n"
    "};\n"
    "/* Options in the address: #fps=10&start=5&paused=1&size=600 */\n"
    "location.hash.slice(1).split('&').forEach(function (kv) {\n"
    "  var p = kv.split('='), v = parseInt(p[1], 10);\n"
    "  if (p[0] === 'fps' && v >= 1 && v <= 30) fps.value = v;\n"
    "  if (p[0] === 'start' && v >= 1 && v <= F.length) i = v - 1;\n"
    "  if (p[0] === 'paused' && v === 1) playing = false;\n"
    "  if (p[0] === 'size' && v >= 100) size.value = v;\n"
    "});\n"
    "resize(); show(); schedule();\n"
    "</script></body></html>\n";

/* Writes untrusted text into w as a page shows it: first as_text_show() (controls, bidi and
 * invisible characters escaped, as on a terminal), then HTML-escaped. */
static int write_escaped(as_writer *w, const char *raw, as_error *err)
{
    char shown[AS_TEXT_SHOW_CAP(AS_CASE_MAX)];
    for (const char *s = as_text_shown(shown, sizeof shown, raw); *s; s++) {
        const char *rep = *s == '<'    ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '&'  ? "&amp;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&#39;"
                                       : NULL;
        int rc = rep ? as_write(w, (const uint8_t *)rep, strlen(rep), err)
                     : as_write(w, (const uint8_t *)s, 1, err);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int write_str(as_writer *w, const char *s, as_error *err)
{
    return as_write(w, (const uint8_t *)s, strlen(s), err);
}

/* ---------------------------------------------------------------- driver */

/* Everything one rendering holds open. */
typedef struct render {
    const as_frame_encoder *e;
    const char *dir;
    as_frame_render_opts o; /* the caller's, with the PDF grid filled in */
    uint32_t n;             /* frames */
    uint8_t *frame;         /* the frame being rendered, flen bytes */
    size_t flen;
    as_buf png; /* its PNG */
    char *b64;  /* its PNG in base64, for the player */
    size_t b64cap;
    pdf_doc pdf;
    as_outfile player;
} render;

/* Opens frames.pdf in the folder, with the grid that keeps every module at least
 * AS_PDF_MODULE_PT wide unless the caller chose one. */
static int pdf_open(render *r, as_error *err)
{
    char *path = as_path_join(r->dir, AS_FRAME_PDF, err);
    int rc = path != NULL ? as_outfile_open(&r->pdf.out, path, 0644, err) : -1;
    free(path);
    if (rc != 0)
        return -1;
    r->pdf.surface = cairo_pdf_surface_create_for_stream(pdf_write, &r->pdf.out, PAGE_W, PAGE_H);
    r->pdf.cr = cairo_create(r->pdf.surface);
    if (r->o.cols <= 0 || r->o.rows <= 0) {
        double side = (4.0 * r->o.version + 17 + 2 * QUIET_ZONE) * AS_PDF_MODULE_PT;
        r->o.cols = (int)((PAGE_W - 2 * MARGIN) / side);
        r->o.rows = (int)((PAGE_H - 2 * MARGIN - HEADER_H) / (side + LABEL_H));
        if (r->o.cols < 1)
            r->o.cols = 1;
        if (r->o.rows < 1)
            r->o.rows = 1;
    }
    r->pdf.per_page = (unsigned)(r->o.cols * r->o.rows);
    r->pdf.pages = (r->n + r->pdf.per_page - 1) / r->pdf.per_page;
    cairo_pdf_surface_set_metadata(r->pdf.surface, CAIRO_PDF_METADATA_TITLE, "airseal QR frames");
    return 0;
}

/* Finishes frames.pdf and commits it. */
static int pdf_close(render *r, as_error *err)
{
    cairo_show_page(r->pdf.cr);
    cairo_destroy(r->pdf.cr);
    r->pdf.cr = NULL;
    cairo_surface_finish(r->pdf.surface);
    cairo_status_t cs = cairo_surface_status(r->pdf.surface);
    cairo_surface_destroy(r->pdf.surface);
    r->pdf.surface = NULL;
    if (cs != CAIRO_STATUS_SUCCESS)
        return as_fail(err, AS_ERR_IO, "cannot write %s: %s", AS_FRAME_PDF,
                       cairo_status_to_string(cs));
    return as_outfile_commit(&r->pdf.out, false, err);
}

/* Opens player.html and writes its head, up to the array of frames. */
static int player_open(render *r, as_error *err)
{
    char *path = as_path_join(r->dir, AS_FRAME_PLAYER, err);
    int rc = path != NULL ? as_outfile_open(&r->player, path, 0644, err) : -1;
    free(path);
    if (rc != 0)
        return -1;
    as_writer *pw = &r->player.w.base;
    return write_str(pw, player_head, err) != 0 || write_str(pw, "<p>case ", err) != 0 ||
                   write_escaped(pw, r->o.case_id, err) != 0 ||
                   write_str(pw, " &middot; bundle ", err) != 0 ||
                   write_str(pw, r->o.bundle_hex, err) != 0 ||
                   write_str(pw, " &middot; hold the station's camera steady on the code</p>\n",
                             err) != 0 ||
                   write_str(pw, "<img id=\"code\" alt=\"QR frame\">\n<script>\nvar F = [\n",
                             err) != 0
               ? -1
               : 0;
}

/* Writes r->png as frame-NNNNN.png and as the player's next entry. */
static int write_png_and_entry(render *r, uint32_t i, as_error *err)
{
    char name[32];
    snprintf(name, sizeof name, AS_FRAME_PNG_FMT, i + 1);
    char *path = as_path_join(r->dir, name, err);
    int rc = path != NULL ? as_file_write_atomic(path, r->png.data, r->png.len, 0644, err) : -1;
    free(path);
    if (rc != 0)
        return -1;
    size_t need = as_b64_encoded_len(r->png.len, AS_B64_PADDED) + 1;
    if (need > r->b64cap) {
        char *nb = realloc(r->b64, need);
        if (nb == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        r->b64 = nb;
        r->b64cap = need;
    }
    as_b64_encode(r->b64, r->png.data, r->png.len, AS_B64_PADDED);
    as_writer *pw = &r->player.w.base;
    return write_str(pw, "'data:image/png;base64,", err) != 0 || write_str(pw, r->b64, err) != 0 ||
                   write_str(pw, "',\n", err) != 0
               ? -1
               : 0;
}

/* Frame i as a QR code: its PNG file, its player entry and its place in the PDF. */
static int render_frame(render *r, uint32_t i, as_error *err)
{
    as_qr q;
    as_frame_encoder_frame(r->e, i, r->frame);
    if (as_qr_encode(&q, r->frame, r->flen, r->o.version, r->o.ecc, err) != 0)
        return -1;
    int rc = 0;
    if (q.version != r->o.version)
        rc = as_fail(err, AS_ERR_INTERNAL, "frame %u did not fit QR version %d", i + 1,
                     r->o.version);
    as_buf_writer bw;
    r->png.len = 0;
    as_buf_writer_init(&bw, &r->png);
    if (rc == 0 && (as_qr_write_png(&q, r->o.scale, QUIET_ZONE, &bw.base, err) != 0 ||
                    write_png_and_entry(r, i, err) != 0))
        rc = -1;
    if (rc == 0) {
        unsigned slot = i % r->pdf.per_page;
        if (slot == 0) {
            if (i > 0)
                cairo_show_page(r->pdf.cr);
            pdf_page_header(&r->pdf, &r->o, i / r->pdf.per_page + 1, r->n);
        }
        pdf_code(&r->pdf, &r->o, &q, slot, i + 1, r->n);
    }
    as_qr_free(&q);
    return rc;
}

/* Frees what a rendering holds; files not committed are removed. */
static void render_free(render *r)
{
    if (r->pdf.cr != NULL)
        cairo_destroy(r->pdf.cr);
    if (r->pdf.surface != NULL) {
        cairo_surface_finish(r->pdf.surface);
        cairo_surface_destroy(r->pdf.surface);
    }
    as_outfile_abort(&r->pdf.out);
    as_outfile_abort(&r->player);
    as_buf_free(&r->png);
    free(r->b64);
    free(r->frame);
}

int as_frames_render(const as_frame_encoder *e, const char *dir, as_frame_render_opts *opts,
                     as_error *err)
{
    render r = {.e = e,
                .dir = dir,
                .o = *opts,
                .n = e->l.k_total + e->l.m_total,
                .flen = AS_FRAME_HEADER + e->l.block,
                .pdf = {.out = {.fd = -1}},
                .player = {.fd = -1}};
    as_buf_init(&r.png, 1u << 20);
    as_progress pg;
    as_progress_start_unit(&pg, opts->progress, "Frames", "frames", r.n);
    r.frame = malloc(r.flen);
    int rc = r.frame != NULL ? 0 : as_fail(err, AS_ERR_NOMEM, "out of memory");
    if (rc == 0)
        rc = pdf_open(&r, err);
    opts->pages = r.pdf.pages;
    if (rc == 0)
        rc = player_open(&r, err);
    for (uint32_t i = 0; rc == 0 && i < r.n; i++) {
        rc = render_frame(&r, i, err);
        if (rc == 0)
            as_progress_set(&pg, i + 1);
    }
    if (rc == 0)
        rc = pdf_close(&r, err) != 0 || write_str(&r.player.w.base, player_tail, err) != 0 ||
                     as_outfile_commit(&r.player, false, err) != 0
                 ? -1
                 : 0;
    as_progress_finish(&pg);
    render_free(&r);
    return rc;
}
