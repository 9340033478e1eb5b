/* cmd_qr.c: airseal-send qr, a sealed bundle as QR frames: PNGs, a printable PDF, a player. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "common/bundle/bundle.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/minisign.h"
#include "common/transport/frame_encode.h"
#include "common/transport/frame_render.h"
#include "common/transport/usb_in.h"
#include "common/ui/cli.h"
#include "common/ui/progress.h"

static const char help[] =
    "usage: airseal-send qr BUNDLE -o FRAMEDIR [options]\n"
    "\n"
    "Turns a sealed bundle (the OUTDIR of 'airseal-send pack', or its bundle.age with the\n"
    "signature beside it) into QR codes for a one-way optical link: a camera at the court\n"
    "intake station films a screen, or a scanner reads paper. FRAMEDIR receives one PNG per\n"
    "frame, frames.pdf (printable pages of labelled codes) and player.html (an offline page\n"
    "that plays the frames as an animation). Frames may be read in any order; lost or damaged\n"
    "frames are made up by parity frames.\n"
    "\n"
    "  -o, --output FRAMEDIR     a new or empty folder\n"
    "  --preset screen|paper     screen (default): version 25, level M, 30% parity, for a\n"
    "                            laptop screen filmed by a webcam; paper: version 15, level Q,\n"
    "                            30% parity, for printing and scanning\n"
    "  --version V               QR version 5-40 (bigger codes carry more per frame)\n"
    "  --ecc L|M|Q|H             QR error correction level (more survives damage)\n"
    "  --redundancy PCT          parity frames, in percent of the data frames (0-100)\n"
    "  -h, --help                this help\n";

enum {
    OPT_PRESET = AS_OPT_FIRST_VERB_OPTION,
    OPT_VERSION,
    OPT_ECC,
    OPT_REDUNDANCY
};

/* Reads the sealed file and its signature from BUNDLE (repairing it from parity if needed). */
static int load_bundle(const char *src, const char *tmpdir, uint8_t **sealed, size_t *slen,
                       uint8_t **sig, size_t *glen, as_error *err)
{
    as_usb_report rep;
    char *const srcs[1] = {(char *)src};
    as_usb_in *in = as_usb_gather(srcs, 1, &rep, err);
    char *path = in ? as_path_join(tmpdir, ".sealed.tmp", err) : NULL;
    as_outfile o = {.fd = -1};
    uint8_t sha[32], ph[AS_MINI_PREHASH_LEN];
    uint64_t size = 0;
    int rc = -1;
    *sealed = *sig = NULL;
    if (path == NULL || as_outfile_open(&o, path, 0600, err) != 0 ||
        as_usb_assemble(in, &o, &rep, sha, ph, &size, NULL, err) != 0)
        goto out;
    if (size > AS_FRAME_MAX_OBJECT) {
        as_fail(err, AS_ERR_LIMIT,
                "the bundle is %llu bytes; QR frames carry at most %u MiB: carry it on a USB "
                "stick",
                (unsigned long long)size, AS_FRAME_MAX_OBJECT >> 20);
        goto out;
    }
    *sealed = malloc(size ? size : 1);
    if (*sealed == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (pread(o.fd, *sealed, size, 0) != (ssize_t)size) {
        as_fail(err, AS_ERR_IO, "cannot read back the sealed file");
        goto out;
    }
    *slen = size;
    /* The signature that verifies over exactly these bytes is the one to carry. */
    const uint8_t *const *sigs;
    const size_t *lens;
    size_t n = as_usb_signatures(in, &sigs, &lens);
    for (size_t i = 0; i < n && *sig == NULL; i++) {
        as_mini_sig s;
        as_error e = {0};
        if (as_mini_sig_parse(&s, sigs[i], lens[i], &e) == 0 && lens[i] <= AS_FRAME_MAX_SIG) {
            *sig = malloc(lens[i]);
            if (*sig == NULL) {
                as_fail(err, AS_ERR_NOMEM, "out of memory");
                goto out;
            }
            memcpy(*sig, sigs[i], lens[i]);
            *glen = lens[i];
        }
    }
    if (*sig == NULL) {
        as_fail(err, AS_ERR_INCOMPLETE, "%s: no signature (bundle.age.minisig) found", src);
        goto out;
    }
    rc = 0;
out:
    as_outfile_abort(&o);
    as_usb_in_free(in);
    free(path);
    if (rc != 0) {
        free(*sealed);
        free(*sig);
        *sealed = *sig = NULL;
    }
    return rc;
}

/*
 * Says how many frames may be lost. Parity makes up M lost frames of K + M, which is
 * M / (K + M) of them, less than the redundancy percent (M / K): 30% parity covers 23%. With
 * several stripes the bound holds in each stripe, so the share printed is the smallest.
 */
static void print_loss_budget(const as_ec_layout *l)
{
    if (l->m_total == 0) {
        printf("No parity: every frame must be read; the station names any it still lacks.\n");
        return;
    }
    if (l->stripes == 1) {
        printf("Any %u of the %u frames may be lost or damaged: parity makes them up; the station "
               "names any it still lacks.\n",
               l->m_total, l->k_total + l->m_total);
        return;
    }
    unsigned share = 100;
    for (uint32_t st = 0; st < l->stripes; st++) {
        uint32_t k = as_ec_stripe_k(l, st), m = as_ec_stripe_m(l, st);
        unsigned p = (unsigned)((uint64_t)m * 100 / (k + m));
        share = p < share ? p : share;
    }
    printf("Up to %u%% of the frames may be lost or damaged, spread over the loop: parity makes "
           "them up; the station names any it still lacks.\n",
           share);
}

int cmd_qr(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"preset", required_argument, NULL, OPT_PRESET},
        {"version", required_argument, NULL, OPT_VERSION},
        {"ecc", required_argument, NULL, OPT_ECC},
        {"redundancy", required_argument, NULL, OPT_REDUNDANCY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *outdir = NULL, *preset = "screen";
    long version = 0, redundancy = -1;
    int ecc = -1, c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        uint64_t v;
        switch (c) {
        case 'o':
            outdir = optarg;
            break;
        case OPT_PRESET:
            if (strcmp(optarg, "screen") != 0 && strcmp(optarg, "paper") != 0)
                return as_cli_usage("qr", "--preset is screen or paper");
            preset = optarg;
            break;
        case OPT_VERSION:
            if (as_parse_u64(optarg, strlen(optarg), 40, false, &v) != 0 || v < 5)
                return as_cli_usage("qr", "--version takes a QR version from 5 to 40");
            version = (long)v;
            break;
        case OPT_ECC: {
            static const char levels[] = "LMQH";
            const char *l = strlen(optarg) == 1 ? strchr(levels, optarg[0]) : NULL;
            if (l == NULL || *l == '\0')
                return as_cli_usage("qr", "--ecc is one of L, M, Q, H");
            ecc = (int)(l - levels);
            break;
        }
        case OPT_REDUNDANCY:
            if (as_parse_u64(optarg, strlen(optarg), 100, false, &v) != 0)
                return as_cli_usage("qr", "--redundancy takes a percentage from 0 to 100");
            redundancy = (long)v;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            return as_cli_bad_option("qr", argv, c);
        }
    }
    if (outdir == NULL)
        return as_cli_usage("qr", "-o FRAMEDIR is required");
    if (argc - optind != 1)
        return as_cli_usage("qr", "expected exactly one BUNDLE");
    bool paper = strcmp(preset, "paper") == 0;
    /* Presets, chosen from measurements (docs/FORMAT.md section 10.3). */
    if (version == 0)
        version = paper ? 15 : 25;
    if (ecc < 0)
        ecc = paper ? AS_ECC_Q : AS_ECC_M;
    if (redundancy < 0)
        redundancy = 30;

    as_error err = {0};
    bool created = false;
    uint8_t *sealed = NULL, *sig = NULL;
    size_t slen = 0, glen = 0;
    as_frame_encoder enc = {0};
    as_mini_sig ms;
    as_bundle_comment bc;
    uint8_t id[16];
    int status = 0;
    if (as_outdir_prepare(outdir, &created, &err) != 0)
        return as_cli_fail(&err);
    if (load_bundle(argv[optind], outdir, &sealed, &slen, &sig, &glen, &err) != 0 ||
        as_mini_sig_parse(&ms, sig, glen, &err) != 0 ||
        as_bundle_comment_parse(&bc, ms.trusted, &err) != 0 ||
        as_hex_decode(id, sizeof id, bc.bundle_id, 32) != 0)
        goto fail;
    size_t cap = as_qr_capacity((int)version, (as_qr_ecc)ecc);
    if (cap < AS_FRAME_HEADER + AS_FRAME_MIN_BLOCK) {
        as_fail(&err, AS_ERR_USAGE, "QR version %ld at level %c is too small for a frame", version,
                "LMQH"[ecc]);
        goto fail;
    }
    uint32_t block = (uint32_t)(cap - AS_FRAME_HEADER);
    if (as_frame_encoder_init(&enc, id, sealed, slen, sig, glen, block, (unsigned)redundancy,
                              &err) != 0)
        goto fail;
    as_frame_render_opts ro = {.version = (int)version,
                               .ecc = (as_qr_ecc)ecc,
                               .scale = paper ? 4 : 5,
                               .cols = 0,
                               .rows = 0,
                               .case_id = bc.case_id,
                               .bundle_hex = bc.bundle_id,
                               .progress = as_term_progress()};
    if (as_frames_render(&enc, outdir, &ro, &err) != 0)
        goto fail;
    uint32_t n = enc.l.k_total + enc.l.m_total;
    char size[32];
    as_human_size(size, sizeof size, slen);
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], so_[AS_TEXT_SHOW_CAP(PATH_MAX)];
    as_text_shown(so_, sizeof so_, outdir);
    printf("Wrote %u QR frames for bundle %s (case %s, %s) into %s.\n", n, bc.bundle_id,
           as_text_shown(sc, sizeof sc, bc.case_id), size, so_);
    printf("Frames:     %u data + %u parity (%ld%%), QR version %ld, level %c, %u bytes each\n",
           enc.l.k_total, enc.l.m_total, redundancy, version, "LMQH"[ecc], block);
    printf("Show:       %s/%s in a browser (offline), or print %s/%s (%u pages).\n", so_,
           AS_FRAME_PLAYER, so_, AS_FRAME_PDF, ro.pages);
    print_loss_budget(&enc.l);
    goto out;
fail:
    as_outdir_discard(outdir, created);
    status = as_cli_fail(&err);
out:
    as_frame_encoder_free(&enc);
    free(sealed);
    free(sig);
    return status;
}
