/*
 * cmd_shares.c: airseal-recv shares, the station's secret keys split among custodians, k of
 * n, and restored from any k of their shares (docs/FORMAT.md 13, docs/guide-intake.md).
 *
 * What is split is the station's secret key files as they are stored (identity.age or
 * identity.txt, and station.key), packed in one "airseal station keys v1" blob: a station
 * protected by a passphrase is split encrypted, so its custodians also need the passphrase.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/core/file.h"
#include "common/core/secret.h"
#include "common/core/text.h"
#include "common/crypto/shares.h"
#include "common/image/qr.h"
#include "common/transport/scan.h"
#include "common/ui/cli.h"

static const char help[] =
    "usage: airseal-recv shares split STATION -k K -n N --custodian NAME... -o DIR\n"
    "       airseal-recv shares restore STATION --from SHARE...\n"
    "\n"
    "'split' cuts the station's secret keys (its identity and its signing key, as stored:\n"
    "encrypted when the station has a passphrase) into N shares, one per custodian, any K of\n"
    "which restore them; fewer than K reveal nothing about them. Each share is written to DIR\n"
    "(a new or empty folder) as a text file and a PNG of QR codes to print, named after its\n"
    "custodian. 'restore' writes the keys back into STATION, a station folder restored from a\n"
    "backup of its public files (station.conf, station.pub, ...) that lacks its secret keys,\n"
    "from K or more shares: text files, or photos or scans (PNG, JPEG) of the QR codes.\n"
    "\n"
    "options:\n"
    "  -k K                  shares needed to restore (2 to N)\n"
    "  -n N                  shares made (K to 16): give --custodian N times, in order\n"
    "  --custodian NAME      who holds the next share (plain text, as a trust label)\n"
    "  -o, --output DIR      where 'split' writes the shares\n"
    "  --from SHARE          a share file or photo ('restore'; the words after it too)\n"
    "  -h, --help            this help\n";

enum {
    OPT_CUSTODIAN = AS_OPT_FIRST_VERB_OPTION,
    OPT_FROM
};

#define KEYS_MAGIC "airseal station keys v1\n"
#define KEYFILE_MAX (64 * 1024)
#define QR_SCALE 4  /* pixels per module: a 4-part share is about 1,100 pixels wide */
#define QR_GAP 8    /* modules between two codes: both quiet zones */
#define QR_MARGIN 4 /* the quiet zone around the whole image */

/* ---------------------------------------------------------------- the keys blob */

/* The station's secret key files, by name: the identity file its station.conf says. */
static const char *identity_name(const as_station *st)
{
    return st->protected_at_rest ? AS_STATION_IDENTITY_ENC : AS_STATION_IDENTITY_PLAIN;
}

/* Appends "file: NAME SIZE\n" and the file's bytes, read as a secret file. */
static int blob_add(as_buf *blob, const as_station *st, const char *name, as_error *err)
{
    as_buf data;
    char *path = as_station_path(st, name, err);
    if (path == NULL || as_file_read_secret(path, KEYFILE_MAX, &data, err) != 0) {
        free(path);
        return -1;
    }
    free(path);
    int rc = as_buf_printf(blob, err, "file: %s %zu\n", name, data.len) != 0 ||
                     as_buf_append(blob, data.data, data.len, err) != 0
                 ? -1
                 : 0;
    as_buf_free(&data);
    return rc;
}

static int blob_make(as_buf *blob, const as_station *st, as_error *err)
{
    as_buf_init_secret(blob, AS_SHARE_SECRET_MAX);
    if (as_buf_puts(blob, KEYS_MAGIC, err) != 0 || blob_add(blob, st, identity_name(st), err) ||
        blob_add(blob, st, AS_STATION_SIGNKEY, err) != 0) {
        as_buf_free(blob);
        return -1;
    }
    return 0;
}

typedef struct keyfile {
    const char *name; /* one of the station's names */
    const uint8_t *data;
    size_t len;
} keyfile;

/* Reads one "file: NAME SIZE" entry, NAME the one expected at this place. */
static int blob_entry(as_cursor *c, const char *want, keyfile *f, as_error *err)
{
    as_span v, name, size;
    as_cursor lc;
    uint64_t n;
    if (as_cursor_kv(c, "file", &v, 128) != 0)
        return as_fail(err, AS_ERR_FORMAT, "the restored keys lack their \"file:\" line");
    as_span_cursor(v, &lc);
    if (as_cursor_token(&lc, &name) != 0 || as_cursor_token(&lc, &size) != 0 ||
        as_cursor_end(&lc) != 0 || as_span_u64(size, KEYFILE_MAX, false, &n) != 0)
        return as_fail(err, AS_ERR_FORMAT, "the restored keys have a malformed \"file:\" line");
    if (!as_span_eq(name, want))
        return as_fail(err, AS_ERR_REJECTED,
                       "the shares hold %.*s where this station keeps %s (was it split with "
                       "another passphrase setting?)",
                       (int)name.n, name.p, want);
    f->name = want;
    f->len = (size_t)n;
    if (as_cursor_ref(c, &f->data, f->len) != 0)
        return as_fail(err, AS_ERR_FORMAT, "the restored keys are cut short in %s", want);
    return 0;
}

/* Splits the blob into the identity file and station.key; the views point into blob. */
static int blob_parse(const as_buf *blob, const as_station *st, keyfile f[2], as_error *err)
{
    as_cursor c;
    as_cursor_init(&c, blob->data, blob->len);
    if (as_cursor_expect(&c, KEYS_MAGIC, strlen(KEYS_MAGIC)) != 0)
        return as_fail(err, AS_ERR_FORMAT, "the shares do not hold airseal station keys");
    if (blob_entry(&c, identity_name(st), &f[0], err) != 0 ||
        blob_entry(&c, AS_STATION_SIGNKEY, &f[1], err) != 0)
        return -1;
    if (as_cursor_end(&c) != 0)
        return as_fail(err, AS_ERR_FORMAT, "the restored keys have bytes after station.key");
    return 0;
}

/* ---------------------------------------------------------------- split */

/* A file-name-safe form of a custodian's name: ASCII letters, digits, '.', '-' kept, every
 * other byte '_', at most 40 bytes, never starting with '.'. */
static void safe_name(char out[41], const char *name)
{
    size_t i = 0;
    for (; name[i] != '\0' && i < 40; i++) {
        char ch = name[i];
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                   (ch >= '0' && ch <= '9') || ch == '-' || (ch == '.' && i > 0);
        out[i] = keep ? ch : '_';
    }
    out[i] = '\0';
}

/* The share's QR codes side by side in one square picture (as one as_qr, for the PNG
 * writer), so one photograph carries the whole share. */
static int tile_codes(const as_qr *codes, unsigned m, as_qr *out, as_error *err)
{
    int w = 0;
    for (unsigned j = 0; j < m; j++)
        w = codes[j].width > w ? codes[j].width : w;
    unsigned cols = (unsigned)ceil(sqrt((double)m)), rows = (m + cols - 1) / cols;
    int cells = (int)(cols > rows ? cols : rows);
    memset(out, 0, sizeof *out);
    out->width = cells * (w + QR_GAP) - QR_GAP;
    out->modules = calloc((size_t)out->width * (size_t)out->width, 1);
    if (out->modules == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (unsigned j = 0; j < m; j++) {
        int x0 = (int)(j % cols) * (w + QR_GAP), y0 = (int)(j / cols) * (w + QR_GAP);
        for (int y = 0; y < codes[j].width; y++)
            memcpy(out->modules + (size_t)(y0 + y) * (size_t)out->width + (size_t)x0,
                   codes[j].modules + (size_t)y * (size_t)codes[j].width, (size_t)codes[j].width);
    }
    return 0;
}

/* Wipes a code's modules (they spell share bytes) and frees it. libqrencode's own working
 * copies of the payload are freed unwiped inside as_qr_encode. */
static void qr_wipe_free(as_qr *q)
{
    if (q->modules != NULL)
        as_wipe(q->modules, (size_t)q->width * (size_t)q->width);
    as_qr_free(q);
}

/* Writes the PNG of share s (text[0..len)) at path: 0600, never replacing a file. */
static int write_share_png(const as_share *s, const as_buf *text, const char *path, as_error *err)
{
    unsigned m = as_share_qr_parts(text->len);
    as_qr codes[AS_SHARE_QR_MAX_PARTS] = {{0}}, all = {0};
    as_outfile o = {0};
    int rc = -1;
    for (unsigned j = 0; j < m; j++) {
        as_buf pay;
        as_buf_init_secret(&pay, AS_SHARE_QR_PAYLOAD_MAX);
        int r = as_share_qr_payload(s, text->data, text->len, j + 1, &pay, err) != 0 ||
                        as_qr_encode(&codes[j], pay.data, pay.len, 0, AS_ECC_M, err) != 0
                    ? -1
                    : 0;
        as_buf_free(&pay);
        if (r != 0)
            goto out;
    }
    if (m == 0 || tile_codes(codes, m, &all, err) != 0 || as_outfile_open(&o, path, 0600, err) != 0)
        goto out;
    if (as_qr_write_png(&all, QR_SCALE, QR_MARGIN, &o.w.base, err) != 0 ||
        as_outfile_commit(&o, true, err) != 0)
        goto out;
    rc = 0;
out:
    as_outfile_abort(&o);
    for (unsigned j = 0; j < m; j++)
        qr_wipe_free(&codes[j]);
    qr_wipe_free(&all);
    return rc;
}

/* Writes share s as DIR/share-<index>-<name>.txt and .png; prints the file name. */
static int write_share(const as_share *s, const char *dir, as_error *err)
{
    char safe[41], *txt = NULL, *png = NULL;
    as_buf text;
    as_buf_init_secret(&text, AS_SHARE_TEXT_MAX);
    safe_name(safe, s->custodian);
    int rc = -1;
    if ((txt = as_path_fmt(err, "%s/share-%u-%s.txt", dir, s->index, safe)) == NULL ||
        (png = as_path_fmt(err, "%s/share-%u-%s.png", dir, s->index, safe)) == NULL ||
        as_share_format(s, &text, err) != 0 ||
        as_file_create_excl(txt, text.data, text.len, 0600, err) != 0 ||
        write_share_png(s, &text, png, err) != 0)
        goto out;
    char shown[AS_TEXT_SHOW_CAP(AS_SHARE_CUSTODIAN_MAX)];
    char sd[AS_TEXT_SHOW_CAP(PATH_MAX)];
    printf("  share %u: %s -> %s/share-%u-%s.txt and .png\n", s->index,
           as_text_shown(shown, sizeof shown, s->custodian), as_text_shown(sd, sizeof sd, dir),
           s->index, safe);
    rc = 0;
out:
    as_buf_free(&text);
    free(txt);
    free(png);
    return rc;
}

static int split_run(const char *dir, unsigned k, unsigned n, const char *const *names,
                     const char *outdir, as_error *err)
{
    as_station st;
    as_buf blob = {0};
    as_share v[AS_SHARES_MAX_N];
    bool created = false;
    if (as_station_open(&st, dir, err) != 0)
        return -1;
    int rc = -1;
    if (blob_make(&blob, &st, err) != 0 ||
        as_shares_split(v, k, n, st.id, names, blob.data, blob.len, err) != 0)
        goto out;
    if (as_outdir_prepare(outdir, &created, err) != 0) {
        as_shares_free(v, n);
        goto out;
    }
    printf("Station %s: secret keys split into %u shares, any %u of which restore them%s:\n", st.id,
           n, k, st.protected_at_rest ? " (encrypted: the passphrase is needed too)" : "");
    rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = write_share(&v[i], outdir, err);
    as_shares_free(v, n);
    if (rc != 0)
        as_outdir_discard(outdir, created);
    else {
        char sd[AS_TEXT_SHOW_CAP(PATH_MAX)];
        printf("Print each PNG with its custodian's name and the station id, hand it over, then "
               "delete %s.\n",
               as_text_shown(sd, sizeof sd, outdir));
    }
out:
    as_buf_free(&blob);
    as_station_close(&st);
    return rc;
}

static int shares_split(int argc, char **argv)
{
    static const struct option opts[] = {
        {"custodian", required_argument, NULL, OPT_CUSTODIAN},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *names[AS_SHARES_MAX_N + 1], *outdir = NULL;
    unsigned nn = 0;
    uint64_t k = 0, n = 0;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hk:n:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case 'k':
        case 'n':
            if (as_parse_u64(optarg, strlen(optarg), 255, false, c == 'k' ? &k : &n) != 0)
                return as_cli_usage("shares", "-%c needs a number from 1 to 255", c);
            break;
        case 'o':
            outdir = optarg;
            break;
        case OPT_CUSTODIAN:
            if (nn > AS_SHARES_MAX_N)
                return as_cli_usage("shares", "more than %d custodians", AS_SHARES_MAX_N);
            names[nn++] = optarg;
            break;
        default:
            return as_cli_bad_option("shares", argv, c);
        }
    }
    if (argc - optind != 1 || outdir == NULL || k == 0 || n == 0)
        return as_cli_usage("shares", "split needs STATION, -k, -n and -o DIR");
    if (nn != n)
        return as_cli_usage("shares", "-n %u needs %u --custodian names, not %u", (unsigned)n,
                            (unsigned)n, nn);
    as_error err = {0};
    if (split_run(argv[optind], (unsigned)k, (unsigned)n, names, outdir, &err) != 0)
        return as_cli_fail(&err);
    return 0;
}

/* ---------------------------------------------------------------- restore */

typedef struct restore_in {
    as_share v[AS_SHARE_QR_MAX_SHARES];
    size_t m;
    as_share_qr_set qr;
    as_error first; /* the first QR code refused in the current image */
    int codes;      /* share codes taken from the current image */
} restore_in;

static int take_code(void *ctx, const uint8_t *data, size_t len)
{
    restore_in *in = ctx;
    as_error e = {0};
    if (as_share_qr_add(&in->qr, data, len, &e) == 0)
        in->codes++;
    else if (in->first.code == AS_OK)
        in->first = e;
    return 0;
}

/* Parses a share text; the error names the file it came from. */
static int take_text(restore_in *in, const uint8_t *text, size_t len, const char *from,
                     as_error *err)
{
    if (in->m >= AS_SHARE_QR_MAX_SHARES)
        return as_fail(err, AS_ERR_LIMIT, "more than %d shares given", AS_SHARE_QR_MAX_SHARES);
    if (as_share_parse(&in->v[in->m], text, len, err) != 0) {
        as_error_prefix(err, "%s: ", from);
        return -1;
    }
    in->m++;
    return 0;
}

/*
 * One --from: a photo of a share's codes, or a share text file. The share's bytes pass through
 * memory we do not own on the way: the decoded image and zbar's symbol buffers (ordinary
 * heap, freed unwiped by the libraries); from the payload on they are in secret buffers. One
 * share alone tells nothing about the keys.
 */
static int read_source(restore_in *in, const char *path, as_error *err)
{
    if (as_scan_is_image(path)) {
        as_image img;
        in->codes = 0;
        as_error_clear(&in->first);
        if (as_image_load(&img, path, err) != 0 ||
            as_qr_decode_photo(&img, take_code, in, err) < 0) {
            as_error_prefix(err, "%s: ", path);
            return -1;
        }
        if (in->first.code != AS_OK && in->first.code != AS_ERR_FORMAT) {
            *err = in->first;
            as_error_prefix(err, "%s: ", path);
            return -1;
        }
        if (in->codes == 0)
            return as_fail(err, AS_ERR_REJECTED, "%s: no airseal share QR code found", path);
        return 0;
    }
    as_buf text;
    if (as_file_read_secret(path, AS_SHARE_TEXT_MAX + 1, &text, err) != 0)
        return -1;
    int rc = take_text(in, text.data, text.len, path, err);
    as_buf_free(&text);
    return rc;
}

/* Reads every source; the shares gathered from photos are parsed last. */
static int read_sources(restore_in *in, char **paths, size_t n, as_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (read_source(in, paths[i], err) != 0)
            return -1;
    for (size_t i = 0; i < in->qr.n; i++) {
        as_buf text;
        as_buf_init_secret(&text, AS_SHARE_TEXT_MAX);
        int rc = as_share_qr_text(&in->qr, i, &text, err) != 0
                     ? -1
                     : take_text(in, text.data, text.len, "QR codes", err);
        as_buf_free(&text);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Writes the key files into the station folder: each to a temporary, then renamed into
 * place without replacing; if the second rename fails the first file is removed. */
static int write_keys(const as_station *st, const keyfile f[2], as_error *err)
{
    as_outfile o[2];
    memset(o, 0, sizeof o);
    char *done = NULL;
    int rc = -1;
    for (int i = 0; i < 2; i++) {
        char *path = as_station_path(st, f[i].name, err);
        int r = path == NULL || as_outfile_open(&o[i], path, 0600, err) != 0 ||
                        as_write(&o[i].w.base, f[i].data, f[i].len, err) != 0
                    ? -1
                    : 0;
        free(path);
        if (r != 0)
            goto out;
    }
    if ((done = strdup(o[0].path)) == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (as_outfile_commit(&o[0], true, err) != 0)
        goto out;
    if (as_outfile_commit(&o[1], true, err) != 0) {
        unlink(done);
        goto out;
    }
    rc = 0;
out:
    as_outfile_abort(&o[0]);
    as_outfile_abort(&o[1]);
    free(done);
    return rc;
}

/* Refuses a station that still has (some of) its secret key files. */
static int keys_absent(const as_station *st, as_error *err)
{
    const char *names[] = {AS_STATION_IDENTITY_ENC, AS_STATION_IDENTITY_PLAIN, AS_STATION_SIGNKEY};
    for (size_t i = 0; i < 3; i++) {
        char *path = as_station_path(st, names[i], err);
        int e = path == NULL ? -1 : as_path_exists(path, err);
        free(path);
        if (e != 0)
            return e < 0 ? -1
                         : as_fail(err, AS_ERR_EXISTS,
                                   "station %s already has %s: restore writes only into a "
                                   "station without its secret keys, and never replaces one",
                                   st->dir, names[i]);
    }
    return 0;
}

/* Combines the shares, writes the keys and, for a station without a passphrase, unlocks it
 * to prove they are its keys (removing them again if not). */
static int restore_keys(as_station *st, restore_in *in, as_error *err)
{
    const as_share *pick[AS_SHARE_QR_MAX_SHARES];
    for (size_t i = 0; i < in->m; i++)
        pick[i] = &in->v[i];
    as_buf blob;
    keyfile f[2];
    as_buf_init_secret(&blob, AS_SHARE_SECRET_MAX);
    int rc = as_shares_combine(pick, in->m, st->id, &blob, err) != 0 ||
                     blob_parse(&blob, st, f, err) != 0 || write_keys(st, f, err) != 0
                 ? -1
                 : 0;
    as_buf_free(&blob);
    if (rc != 0 || st->protected_at_rest)
        return rc;
    if (as_station_unlock(st, NULL, 0, err) != 0) {
        for (int i = 0; i < 2; i++) {
            char *path = as_station_path(st, f[i].name, NULL);
            if (path != NULL)
                unlink(path);
            free(path);
        }
        return -1;
    }
    return 0;
}

static int restore_run(const char *dir, char **paths, size_t n, as_error *err)
{
    as_station st;
    restore_in *in = calloc(1, sizeof *in);
    if (in == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    as_share_qr_set_init(&in->qr);
    int rc = -1;
    if (as_station_open(&st, dir, err) != 0)
        goto free_in;
    if (keys_absent(&st, err) != 0 || read_sources(in, paths, n, err) != 0 ||
        restore_keys(&st, in, err) != 0)
        goto out;
    char shown[AS_TEXT_SHOW_CAP(PATH_MAX)];
    printf("Restored the secret keys of station %s into %s from %zu shares (%s, %s).\n", st.id,
           as_text_shown(shown, sizeof shown, dir), in->m, identity_name(&st), AS_STATION_SIGNKEY);
    if (st.protected_at_rest)
        printf("They are encrypted with the station's passphrase, as they were when split.\n");
    rc = 0;
out:
    as_station_close(&st);
free_in:
    as_shares_free(in->v, in->m);
    as_share_qr_set_free(&in->qr);
    free(in);
    return rc;
}

static int shares_restore(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *from[AS_SHARE_QR_MAX_SHARES + 1];
    size_t nf = 0;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(help, stdout);
            return 0;
        case OPT_FROM:
            if (nf >= AS_SHARE_QR_MAX_SHARES)
                return as_cli_usage("shares", "more than %d shares", AS_SHARE_QR_MAX_SHARES);
            from[nf++] = optarg;
            break;
        default:
            return as_cli_bad_option("shares", argv, c);
        }
    }
    if (argc - optind < 1 || nf == 0)
        return as_cli_usage("shares", "restore needs STATION and --from SHARE...");
    for (int i = optind + 1; i < argc; i++) {
        if (nf >= AS_SHARE_QR_MAX_SHARES)
            return as_cli_usage("shares", "more than %d shares", AS_SHARE_QR_MAX_SHARES);
        from[nf++] = argv[i];
    }
    as_error err = {0};
    if (restore_run(argv[optind], from, nf, &err) != 0)
        return as_cli_fail(&err);
    return 0;
}

int cmd_shares(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "split") == 0)
        return shares_split(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "restore") == 0)
        return shares_restore(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(help, stdout);
        return 0;
    }
    return as_cli_usage("shares", "expected 'split' or 'restore'");
}
