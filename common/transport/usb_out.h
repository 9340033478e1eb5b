/*
 * usb_out.h: the sender's side of a USB bundle: the sealed bytes written as bundle.age (or its
 * parts) with per-block digests on the way, then parity, the signature, the index and the
 * README the sender composed, each moved into place atomically (format: docs/FORMAT.md
 * section 8).
 */
#ifndef AIRSEAL_TRANSPORT_USB_OUT_H
#define AIRSEAL_TRANSPORT_USB_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "../bundle/bundle.h"
#include "../core/io.h"
#include "../core/progress.h"
#include "../crypto/sha256.h"
#include "usb.h"

typedef struct as_usb_object_out as_usb_object_out;

typedef struct as_usb_out {
    as_writer base; /* the sealed bytes */
    char *dir;
    uint64_t split;          /* 0: one plain bundle.age */
    uint32_t block;          /* block size, chosen before sealing */
    as_usb_object_out *age;  /* bundle.age or its parts */
    as_sha256_ctx block_sha; /* digest of the block being written */
    uint32_t in_block;
    uint8_t (*data_hash)[AS_BLOCK_HASH];
    size_t nhash, caphash;
} as_usb_out;

/* What as_usb_out_finish writes besides the sealed file. */
typedef struct as_usb_out_opts {
    unsigned redundancy; /* parity, percent of the data blocks */
    const char *readme;  /* README.txt's text, written as it is; NULL: none */
    size_t readme_len;
    const as_progress_sink *progress; /* where to report the parity's progress; NULL: silent */
} as_usb_out_opts;

/*
 * Starts writing a bundle into the existing, empty directory dir. split is the largest file
 * size allowed (0 for no limit); expected is the evidence size, used to choose the block size.
 */
int as_usb_out_open(as_usb_out *u, const char *dir, uint64_t split, uint64_t expected,
                    as_error *err);

/*
 * After as_seal() wrote through u->base: writes parity, the signature, the index and
 * README.txt as o says, and moves every file into place.
 */
int as_usb_out_finish(as_usb_out *u, const as_seal_result *sr, const as_usb_out_opts *o,
                      as_error *err);

/* Removes every temporary file; safe after finish and on failure. */
void as_usb_out_abort(as_usb_out *u);

#endif
