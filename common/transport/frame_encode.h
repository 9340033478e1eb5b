/*
 * frame_encode.h: the sender's side of QR frames: an object (the sealed file followed by its
 * signature file) laid out in blocks, its parity computed, each frame formatted on demand
 * (format: docs/FORMAT.md section 10.1).
 */
#ifndef AIRSEAL_TRANSPORT_FRAME_ENCODE_H
#define AIRSEAL_TRANSPORT_FRAME_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/error.h"
#include "erasure.h"
#include "frame_layout.h"

typedef struct as_frame_encoder {
    as_frame_header h; /* index is set per frame */
    as_ec_layout l;
    uint8_t *blocks; /* (K + M) * B: data blocks then parity blocks */
} as_frame_encoder;

/*
 * Lays sealed ‖ sig out in blocks of `block` bytes and computes the parity. bundle_id is the
 * 16-byte id of the bundle.
 */
int as_frame_encoder_init(as_frame_encoder *e, const uint8_t bundle_id[16], const uint8_t *sealed,
                          size_t sealed_len, const uint8_t *sig, size_t sig_len, uint32_t block,
                          unsigned pct, as_error *err);
/* Writes frame i (AS_FRAME_HEADER + B bytes) into out. */
void as_frame_encoder_frame(const as_frame_encoder *e, uint32_t i, uint8_t *out);
void as_frame_encoder_free(as_frame_encoder *e);

#endif
