/* cmd_pack.c: airseal-send pack, sealing evidence into a USB bundle. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle_readme.h"
#include "commands.h"
#include "common/bundle/bundle.h"
#include "common/core/file.h"
#include "common/core/text.h"
#include "common/crypto/fingerprint.h"
#include "common/transport/usb_out.h"
#include "common/ui/cli.h"
#include "common/ui/progress.h"
#include "common/ui/recipient.h"
#include "common/ui/keyfile.h"

static const char help[] =
    "usage: airseal-send pack -r RECIPIENT... -s NGO.key -o OUTDIR [options] PATH...\n"
    "\n"
    "Seals files and folders into an encrypted, signed bundle in OUTDIR, ready to carry on a\n"
    "USB stick: bundle.age (the evidence, encrypted with age to every RECIPIENT),\n"
    "bundle.age.minisig (your signature), bundle.parity and bundle.index (repair data) and\n"
    "README.txt (how anyone can check it with stock tools).\n"
    "\n"
    "  -r, --recipient RECIPIENT  an age1pq1... or age1... key, a file holding one (the\n"
    "                             station's recipient.pub) or a photo of its QR code\n"
    "                             (recipient.png); repeat for several recipients\n"
    "  --allow-classical-with-pq  seal to post-quantum (age1pq1...) and classical (age1...)\n"
    "                             recipients together; without it pack refuses, because the\n"
    "                             classical copy of the key can be opened by breaking X25519\n"
    "  -s, --key NGO.key          your signing key (asks its passphrase if it has one)\n"
    "  -o, --output OUTDIR        a new or empty folder for the bundle\n"
    "  --case ID                  the case the evidence belongs to (default: unassigned)\n"
    "  --collector NAME           who collected the evidence\n"
    "  --note TEXT                a note for the court (signed, inside the encryption)\n"
    "  --redundancy PCT           parity, in percent of the bundle (default 5)\n"
    "  --split SIZE               write files no larger than SIZE (e.g. 4G for FAT32 sticks,\n"
    "                             650M); suffixes k, M, G, T\n"
    "  --passphrase-file FILE     read the key's passphrase from FILE's first line\n"
    "  -h, --help                 this help\n"
    "\n"
    "Only regular files are sealed. Symbolic links are refused, not followed; give the file\n"
    "they point to. Empty folders are not carried.\n";

enum {
    OPT_CASE = AS_OPT_FIRST_VERB_OPTION,
    OPT_COLLECTOR,
    OPT_NOTE,
    OPT_REDUNDANCY,
    OPT_SPLIT,
    OPT_ALLOW_MIX,
};

/* The parsed -r arguments, split by kind for the encryptor. */
typedef struct pack_recipients {
    as_recipient_key *keys; /* in the order given, for the For: lines */
    as_age_recipient x[AS_MANIFEST_MAX_RECIPIENTS];
    size_t nx;
    as_age_pq_recipient pq[AS_MANIFEST_MAX_PQ_RECIPIENTS];
    size_t npq;
} pack_recipients;

/*
 * Parses every -r argument into r. A post-quantum recipient with a classical one is refused
 * unless allow_mix: age.md says such a file SHOULD NOT be made, since the file key wrapped to
 * the classical recipient falls to whoever breaks X25519 and undoes the hybrid's protection.
 */
static int load_recipients(pack_recipients *r, const char *const *args, size_t n, bool allow_mix,
                           as_error *err)
{
    r->keys = calloc(n, sizeof *r->keys);
    if (r->keys == NULL)
        return as_fail(err, AS_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (as_recipient_key_from_arg(&r->keys[i], args[i], err) != 0)
            return -1;
        if (r->keys[i].kind == AS_RCPT_X25519) {
            r->x[r->nx++] = r->keys[i].x25519;
        } else if (r->npq == AS_MANIFEST_MAX_PQ_RECIPIENTS) {
            return as_fail(err, AS_ERR_USAGE, "at most %d age1pq1... recipients",
                           AS_MANIFEST_MAX_PQ_RECIPIENTS);
        } else {
            r->pq[r->npq++] = r->keys[i].pq;
        }
    }
    if (r->nx > 0 && r->npq > 0 && !allow_mix)
        return as_fail(err, AS_ERR_USAGE,
                       "refusing to seal to post-quantum (age1pq1...) and classical (age1...) "
                       "recipients together: whoever breaks X25519 could open the bundle through "
                       "the classical one (give --allow-classical-with-pq to do it anyway)");
    return 0;
}

/* One For: line per recipient, in the order given, with its fingerprint. */
static void print_for(const pack_recipients *r, const char *const *args, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char rfp[AS_FINGERPRINT_STR];
        if (r->keys[i].kind == AS_RCPT_PQ)
            as_fingerprint_age_pq(&r->keys[i].pq, rfp);
        else
            as_fingerprint_age(&r->keys[i].x25519, rfp);
        char sr_[AS_TEXT_SHOW_CAP(PATH_MAX)];
        printf("For:        the key with fingerprint %s (%s)\n", rfp,
               as_text_shown(sr_, sizeof sr_, args[i]));
    }
}

/* Removes what pack created in outdir after a failure. */
int cmd_pack(int argc, char **argv)
{
    static const struct option opts[] = {
        {"recipient", required_argument, NULL, 'r'},
        {"key", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"case", required_argument, NULL, OPT_CASE},
        {"collector", required_argument, NULL, OPT_COLLECTOR},
        {"note", required_argument, NULL, OPT_NOTE},
        {"redundancy", required_argument, NULL, OPT_REDUNDANCY},
        {"split", required_argument, NULL, OPT_SPLIT},
        {"allow-classical-with-pq", no_argument, NULL, OPT_ALLOW_MIX},
        {"passphrase-file", required_argument, NULL, AS_OPT_PASSPHRASE_FILE},
        {"no-passphrase", no_argument, NULL, AS_OPT_NO_PASSPHRASE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *rargs[AS_MANIFEST_MAX_RECIPIENTS];
    size_t nr = 0;
    bool allow_mix = false;
    const char *keypath = NULL, *outdir = NULL, *case_id = "unassigned", *collector = NULL,
               *note = NULL;
    uint64_t redundancy = AS_USB_DEFAULT_REDUNDANCY, split = 0;
    as_pass_source pass = {AS_PASS_PROMPT, NULL};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:s:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (nr == AS_MANIFEST_MAX_RECIPIENTS)
                return as_cli_usage("pack", "at most %d recipients", AS_MANIFEST_MAX_RECIPIENTS);
            rargs[nr++] = optarg;
            break;
        case 's':
            keypath = optarg;
            break;
        case 'o':
            outdir = optarg;
            break;
        case OPT_CASE:
            case_id = optarg;
            break;
        case OPT_COLLECTOR:
            collector = optarg;
            break;
        case OPT_NOTE:
            note = optarg;
            break;
        case OPT_REDUNDANCY:
            if (as_parse_u64(optarg, strlen(optarg), 100, true, &redundancy) != 0)
                return as_cli_usage("pack", "--redundancy takes a percentage from 0 to 100");
            break;
        case OPT_ALLOW_MIX:
            allow_mix = true;
            break;
        case OPT_SPLIT:
            if (as_parse_size(optarg, &split) != 0 || split < AS_USB_MIN_SPLIT)
                return as_cli_usage("pack", "--split takes a size of at least 2M, like 4G or 650M");
            break;
        case AS_OPT_PASSPHRASE_FILE:
        case AS_OPT_NO_PASSPHRASE:
            if (as_cli_pass_option(&pass, c, optarg, "pack") != 0)
                return 2;
            break;
        case 'h':
            fputs(help, stdout);
            return 0;
        default:
            return as_cli_bad_option("pack", argv, c);
        }
    }
    if (nr == 0)
        return as_cli_usage("pack", "give at least one recipient with -r (the station's "
                                    "recipient.pub)");
    if (keypath == NULL)
        return as_cli_usage("pack", "give your signing key with -s NGO.key");
    if (outdir == NULL)
        return as_cli_usage("pack", "give the output folder with -o OUTDIR");
    if (optind == argc)
        return as_cli_usage("pack", "name the files or folders to seal");

    as_error err = {0};
    pack_recipients *rp = calloc(1, sizeof *rp);
    as_evidence ev = {0};
    as_mini_seckey *sk = NULL;
    as_usb_out u;
    as_seal_result *sr = calloc(1, sizeof *sr);
    bool created = false, opened = false;
    int status = 0;
    memset(&u, 0, sizeof u);
    if (sr == NULL || rp == NULL) {
        as_fail(&err, AS_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (load_recipients(rp, rargs, nr, allow_mix, &err) != 0)
        goto fail;
    /* The output folder: new, or existing and empty; never a place with files in it. */
    int ex = as_path_exists(outdir, &err);
    if (ex < 0)
        goto fail;
    if (ex) {
        bool unused;
        if (as_outdir_prepare(outdir, &unused, &err) != 0)
            goto fail;
    }
    if (as_evidence_collect(&ev, argv + optind, (size_t)(argc - optind), &err) != 0)
        goto fail;
    sk = as_keyfile_load_signer(keypath, &pass, &err);
    if (sk == NULL)
        goto fail;
    if (!ex && as_outdir_prepare(outdir, &created, &err) != 0)
        goto fail;
    if (as_usb_out_open(&u, outdir, split, ev.total, &err) != 0)
        goto fail;
    opened = true;
    const as_progress_sink *tty = as_term_progress();
    as_seal_opts so = {.recipients = rp->x,
                       .nrecipients = rp->nx,
                       .pq_recipients = rp->pq,
                       .npq_recipients = rp->npq,
                       .signer = sk,
                       .case_id = case_id,
                       .collector = collector,
                       .note = note,
                       .evidence = &ev,
                       .sink = &u.base,
                       .progress = tty};
    as_mini_pubkey pk;
    char id[AS_MINI_KEYID_STR], fp[AS_FINGERPRINT_STR];
    as_mini_seckey_public(sk, &pk);
    as_mini_keyid(pk.keynum, id);
    as_fingerprint_minisign(&pk, fp);
    as_buf readme;
    as_buf_init(&readme, BUNDLE_README_MAX);
    int rc = as_seal(&so, sr, &err) != 0 ||
             bundle_readme(&readme, sr, split != 0, (unsigned)redundancy, id, fp, &err) != 0;
    as_usb_out_opts uo = {.redundancy = (unsigned)redundancy,
                          .readme = (const char *)readme.data,
                          .readme_len = readme.len,
                          .progress = tty};
    if (rc == 0)
        rc = as_usb_out_finish(&u, sr, &uo, &err);
    as_buf_free(&readme);
    if (rc != 0)
        goto fail;

    char evsize[32], sealed[32];
    as_human_size(evsize, sizeof evsize, ev.total);
    as_human_size(sealed, sizeof sealed, sr->sealed_size);
    /* the case id is plain (checked by as_seal); the paths are the operator's but may hold
     * anything a file system allows */
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)], so_[AS_TEXT_SHOW_CAP(PATH_MAX)];
    as_text_shown(so_, sizeof so_, outdir);
    printf("Sealed %zu file%s (%s) for case %s into %s.\n", ev.n, ev.n == 1 ? "" : "s", evsize,
           as_text_shown(sc, sizeof sc, case_id), so_);
    printf("Bundle id:  %s\n", sr->comment.bundle_id);
    printf("Sealed:     %s/%s%s (%s), signed by key %s\n", so_, AS_USB_AGE, split ? ".part*" : "",
           sealed, id);
    print_for(rp, rargs, nr);
    printf("Parity:     %llu%% (damage up to that share is repaired on import)\n",
           (unsigned long long)redundancy);
    if (ev.empty_dirs > 0)
        printf("Note:       %zu empty folder%s not carried.\n", ev.empty_dirs,
               ev.empty_dirs == 1 ? " was" : "s were");
    printf("Carry %s to the court intake station; keep a copy until its signed receipt comes "
           "back.\n",
           so_);
    goto out;
fail:
    if (opened)
        as_usb_out_abort(&u);
    if (created || opened)
        as_outdir_discard(outdir, created);
    status = as_cli_fail(&err);
out:
    if (opened && status == 0)
        as_usb_out_abort(&u);
    as_mini_seckey_free(sk);
    as_evidence_free(&ev);
    free(sr);
    if (rp != NULL)
        free(rp->keys);
    free(rp);
    return status;
}
