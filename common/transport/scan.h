/*
 * scan.h: reading QR frames from images (PNG, JPEG) and from a camera into a frame set.
 *
 * Images are decoded by several threads, each with its own zbar scanner. A quick pass scans
 * every second line; an image where it finds nothing is scanned again at full density, so
 * clean screen captures go fast and damaged photos still decode.
 */
#ifndef AIRSEAL_TRANSPORT_SCAN_H
#define AIRSEAL_TRANSPORT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "../core/progress.h"
#include "frame_collect.h"

/* Images gathered from a folder or given one by one. */
#define AS_SCAN_MAX_IMAGES 200000

typedef struct as_scan_stats {
    uint64_t images;                         /* images read */
    uint64_t unreadable;                     /* not a PNG/JPEG we could load */
    uint64_t no_code;                        /* images where no QR code was found */
    uint64_t symbols;                        /* QR codes decoded */
    char first_unreadable[AS_ERROR_MSG_MAX]; /* why the first unreadable image was refused */
} as_scan_stats;

/* True if path is a regular file starting with PNG or JPEG magic bytes (links not followed). */
bool as_scan_is_image(const char *path);

/*
 * Lists the images among sources (files, or folders scanned one level deep), sorted by path.
 * *paths is a malloc'd array of malloc'd strings. Returns the count, or -1 (AS_ERR_LIMIT past
 * AS_SCAN_MAX_IMAGES images, or as many folder entries of any kind).
 */
long as_scan_list_images(char *const *sources, size_t n, char ***paths, as_error *err);
void as_scan_free_list(char **paths, size_t n);

/* Decodes every image with `threads` workers (0: one per core, at most 8) into set. */
int as_scan_images(char *const *paths, size_t n, unsigned threads, as_frame_set *set,
                   as_scan_stats *stats, const as_progress_sink *progress, as_error *err);

/*
 * Reads frames from a V4L2 camera (zbar video) until the main bundle in set can be rebuilt,
 * or until interrupted (SIGINT) or `idle_seconds` pass without a new block. Shows progress as
 * blocks held of blocks needed.
 */
int as_scan_camera(const char *device, as_frame_set *set, as_scan_stats *stats,
                   unsigned idle_seconds, const as_progress_sink *progress, as_error *err);

#endif
