/* scan.c: QR frames from images and cameras; see scan.h. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zbar.h>

#include "../core/file.h"
#include "../core/clock.h"
#include "../core/progress.h"
#include "../image/qr.h"

/* ---------------------------------------------------------------- listing */

bool as_scan_is_image(const char *path)
{
    /* through the one opener that refuses FIFOs, sockets, devices and links before open(2) */
    as_error e = {0};
    uint64_t size;
    int fd = as_file_open_read(path, AS_FILE_NOFOLLOW, &size, &e);
    if (fd < 0)
        return false;
    uint8_t head[8];
    bool image =
        size >= 8 && read(fd, head, 8) == 8 &&
        (memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 || memcmp(head, "\xff\xd8\xff", 3) == 0);
    close(fd);
    return image;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***v, size_t *n, size_t *cap, const char *path, as_error *err)
{
    if (*n == AS_SCAN_MAX_IMAGES)
        return as_fail(err, AS_ERR_LIMIT, "more than %u images", AS_SCAN_MAX_IMAGES);
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        char **nv = realloc(*v, nc * sizeof *nv);
        if (nv == NULL)
            return as_fail(err, AS_ERR_NOMEM, "out of memory");
        *v = nv;
        *cap = nc;
    }
    (*v)[*n] = strdup(path);
    if ((*v)[*n] == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    (*n)++;
    return 0;
}

typedef struct image_list {
    char **v;
    size_t count, cap;
} image_list;

static int push_image(const char *path, void *ctx, as_error *err)
{
    image_list *l = ctx;
    return as_scan_is_image(path) ? push(&l->v, &l->count, &l->cap, path, err) : 0;
}

long as_scan_list_images(char *const *sources, size_t n, char ***paths, as_error *err)
{
    image_list list = {0};
    size_t budget = AS_SCAN_MAX_IMAGES;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (lstat(sources[i], &st) != 0) {
            as_fail_errno(err, AS_ERR_USAGE, errno, "cannot read %s", sources[i]);
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (push_image(sources[i], &list, err) != 0)
                goto fail;
            continue;
        }
        if (as_dir_each(sources[i], &budget, AS_SCAN_MAX_IMAGES, push_image, &list, err) != 0)
            goto fail;
    }
    if (list.count > 1)
        qsort(list.v, list.count, sizeof *list.v, cmp_str);
    *paths = list.v;
    return (long)list.count;
fail:
    as_scan_free_list(list.v, list.count);
    return -1;
}

void as_scan_free_list(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

/* ---------------------------------------------------------------- images, in threads */

typedef struct scan_job {
    char *const *paths;
    size_t n, next, done;
    as_frame_set *set;
    as_scan_stats *stats;
    pthread_mutex_t lock;
    as_progress pg;
    as_error err; /* the first internal failure */
} scan_job;

typedef struct symbol_ctx {
    scan_job *job;
    int symbols;
} symbol_ctx;

static int on_symbol(void *ctx, const uint8_t *data, size_t len)
{
    symbol_ctx *c = ctx;
    pthread_mutex_lock(&c->job->lock);
    as_frame_set_add(c->job->set, data, len);
    c->job->stats->symbols++;
    pthread_mutex_unlock(&c->job->lock);
    c->symbols++;
    return 0;
}

/*
 * The last pass for a photo or scan zbar could not read: pure black and white at Otsu's
 * level, then at fixed levels around mid-grey. Measured on frames rotated 7 degrees, scaled to
 * 60 %, blurred, speckled with 5 % impulse noise and saved as JPEG 50: zbar alone misses about
 * 1 in 20; one threshold rescues most of those, but which level works varies by image.
 */
static void decode_thresholded(as_qr_decoder *d, const as_image *img, symbol_ctx *sc)
{
    as_image bw = {.width = img->width, .height = img->height};
    bw.px = malloc((size_t)img->width * (size_t)img->height);
    if (bw.px == NULL)
        return;
    const int levels[] = {as_image_otsu_level(img), 128, 96, 160};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0] && sc->symbols == 0; i++) {
        as_error e = {0};
        as_image_threshold(img, &bw, levels[i]);
        as_qr_decode(d, &bw, on_symbol, sc, &e);
        as_error_clear(&e);
    }
    free(bw.px);
}

static void *scan_worker(void *arg)
{
    scan_job *job = arg;
    as_qr_decoder fast = {0}, full = {0};
    as_error e = {0};
    if (as_qr_decoder_init(&fast, &e) != 0 || as_qr_decoder_init(&full, &e) != 0) {
        pthread_mutex_lock(&job->lock);
        if (job->err.code == AS_OK)
            job->err = e;
        job->next = job->n; /* stop everyone */
        pthread_mutex_unlock(&job->lock);
        as_qr_decoder_free(&fast);
        as_qr_decoder_free(&full);
        return NULL;
    }
    as_qr_decoder_set_density(&fast, 2);
    for (;;) {
        pthread_mutex_lock(&job->lock);
        size_t i = job->next < job->n ? job->next++ : job->n;
        pthread_mutex_unlock(&job->lock);
        if (i >= job->n)
            break;
        as_image img = {0};
        as_error le = {0};
        symbol_ctx sc = {.job = job};
        int loaded = as_image_load(&img, job->paths[i], &le) == 0;
        /* zbar's time grows with the pixels: a huge image is shrunk to the scan budget */
        if (loaded && as_image_shrink(&img, AS_IMAGE_SCAN_PIXELS) != 0) {
            as_image_free(&img);
            loaded = 0;
        }
        if (loaded) {
            /* A pristine frame is decoded from an exact 2-pixel-per-module copy; anything
             * else gets a quick pass at every second line, then every line. */
            as_image small = {0};
            if (as_image_reduce_crisp(&img, &small) == 1) {
                as_qr_decode(&full, &small, on_symbol, &sc, &le);
                as_image_free(&small);
                as_error_clear(&le);
            }
            if (sc.symbols == 0 && as_qr_decode(&fast, &img, on_symbol, &sc, &le) <= 0 &&
                sc.symbols == 0) {
                as_error_clear(&le);
                as_qr_decode(&full, &img, on_symbol, &sc, &le);
            }
            if (sc.symbols == 0)
                decode_thresholded(&full, &img, &sc);
            as_image_free(&img);
        }
        pthread_mutex_lock(&job->lock);
        job->stats->images++;
        /* an unreadable image is not also one without a code */
        if (!loaded) {
            if (job->stats->unreadable++ == 0)
                snprintf(job->stats->first_unreadable, sizeof job->stats->first_unreadable, "%s",
                         le.msg);
        } else if (sc.symbols == 0) {
            job->stats->no_code++;
        }
        job->done++;
        as_progress_set(&job->pg, job->done);
        pthread_mutex_unlock(&job->lock);
    }
    as_qr_decoder_free(&fast);
    as_qr_decoder_free(&full);
    return NULL;
}

int as_scan_images(char *const *paths, size_t n, unsigned threads, as_frame_set *set,
                   as_scan_stats *stats, const as_progress_sink *progress, as_error *err)
{
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores < 1 ? 1 : cores > 8 ? 8 : (unsigned)cores;
    }
    if (threads > n)
        threads = n ? (unsigned)n : 1;
    scan_job job = {.paths = paths, .n = n, .set = set, .stats = stats};
    pthread_mutex_init(&job.lock, NULL);
    as_progress_start_unit(&job.pg, progress, "Scanning", "images", n);
    pthread_t tid[8];
    unsigned started = 0;
    for (; started < threads && started < 8; started++)
        if (pthread_create(&tid[started], NULL, scan_worker, &job) != 0)
            break;
    if (started == 0)
        scan_worker(&job); /* no threads to be had: do it here */
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    as_progress_finish(&job.pg);
    pthread_mutex_destroy(&job.lock);
    if (job.err.code != AS_OK) {
        *err = job.err;
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- camera */

static volatile sig_atomic_t camera_stop;

static void on_sigint(int sig)
{
    (void)sig;
    camera_stop = 1;
}

typedef struct camera_ctx {
    as_frame_set *set;
    as_scan_stats *stats;
} camera_ctx;

static int on_camera_symbol(void *ctx, const uint8_t *data, size_t len)
{
    camera_ctx *c = ctx;
    as_frame_set_add(c->set, data, len);
    c->stats->symbols++;
    return 0;
}

int as_scan_camera(const char *device, as_frame_set *set, as_scan_stats *stats,
                   unsigned idle_seconds, const as_progress_sink *progress, as_error *err)
{
    as_qr_decoder dec = {0};
    if (as_qr_decoder_init(&dec, err) != 0)
        return -1;
    zbar_video_t *video = zbar_video_create();
    int rc = -1;
    if (video == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    struct stat st;
    if (stat(device, &st) != 0 || !S_ISCHR(st.st_mode)) {
        as_fail(err, AS_ERR_USAGE, "%s is not a camera device (expected /dev/videoN)", device);
        goto out;
    }
    if (zbar_video_open(video, device) != 0 || zbar_negotiate_format(video, NULL) != 0 ||
        zbar_video_enable(video, 1) != 0) {
        as_fail(err, AS_ERR_IO,
                "cannot open the camera %s (is it in use, or not a capture device?)", device);
        goto out;
    }
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    camera_stop = 0;
    camera_ctx cc = {.set = set, .stats = stats};
    as_progress pg = {0};
    bool started = false;
    double last_new = as_now();
    uint64_t last_added = set->added;
    while (!camera_stop) {
        zbar_image_t *frame = zbar_video_next_image(video);
        if (frame == NULL) {
            as_fail(err, AS_ERR_IO, "the camera %s stopped delivering images", device);
            break;
        }
        zbar_image_t *gray = zbar_image_convert(frame, zbar_fourcc('Y', '8', '0', '0'));
        zbar_image_destroy(frame);
        if (gray == NULL)
            continue;
        as_error e = {0};
        stats->images++;
        if (as_qr_decode_zbar(&dec, gray, on_camera_symbol, &cc, &e) <= 0)
            stats->no_code++;
        zbar_image_destroy(gray);
        uint64_t others;
        as_frame_bundle *b = as_frame_set_main(set, &others);
        if (set->added != last_added) {
            last_added = set->added;
            last_new = as_now();
        }
        if (b != NULL) {
            uint32_t need = as_frame_bundle_needed(b);
            if (!started) {
                as_progress_start_unit(&pg, progress, "Frames", "blocks", b->l.k_total);
                started = true;
            }
            as_progress_set(&pg, b->l.k_total - (need > b->l.k_total ? b->l.k_total : need));
            if (need == 0) {
                rc = 0;
                break;
            }
        }
        if (idle_seconds > 0 && as_now() - last_new > idle_seconds) {
            rc = 0; /* the caller reports what is still missing */
            break;
        }
    }
    if (camera_stop)
        rc = 0;
    if (started)
        as_progress_finish(&pg);
    sigaction(SIGINT, &old, NULL);
    zbar_video_enable(video, 0);
out:
    if (video != NULL)
        zbar_video_destroy(video);
    as_qr_decoder_free(&dec);
    return rc;
}
