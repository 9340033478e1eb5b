/*
 * frame_render.h: QR frames as things people can show or print: one PNG per frame, a
 * printable PDF with several labelled codes per page (cairo), and player.html, a single
 * offline page that plays the frames as an animation (format: docs/FORMAT.md section 10).
 */
#ifndef AIRSEAL_TRANSPORT_FRAME_RENDER_H
#define AIRSEAL_TRANSPORT_FRAME_RENDER_H

#include <stdbool.h>

#include "../core/error.h"
#include "../core/progress.h"
#include "frame_encode.h"
#include "../image/qr.h"

typedef struct as_frame_render_opts {
    int version;    /* QR version of every frame */
    as_qr_ecc ecc;  /* error correction level */
    int scale;      /* PNG pixels per module */
    int cols, rows; /* PDF codes per page; 0: as many as fit at AS_PDF_MODULE_PT */
    const char *case_id;
    const char *bundle_hex;           /* the full 32-hex-digit bundle id, for labels */
    const as_progress_sink *progress; /* where to report progress; NULL: silent */
    unsigned pages;                   /* out: PDF pages written */
} as_frame_render_opts;

/* Smallest printed module: 2.4 pt (0.85 mm) is 5 pixels in a 150 dpi scan, where zbar is
 * reliable; at 4 pixels it misses a third of the codes (measured, docs/FORMAT.md 10.3). */
#define AS_PDF_MODULE_PT 2.4

#define AS_FRAME_PNG_FMT "frame-%05u.png"
#define AS_FRAME_PDF "frames.pdf"
#define AS_FRAME_PLAYER "player.html"

/*
 * Writes every frame of e into the existing, empty folder dir: frame-00001.png ...,
 * frames.pdf and player.html, each atomically. Frame i + 1 carries block i.
 */
int as_frames_render(const as_frame_encoder *e, const char *dir, as_frame_render_opts *o,
                     as_error *err);

#endif
