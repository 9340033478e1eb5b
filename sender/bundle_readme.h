/* bundle_readme.h: the README.txt that airseal-send pack puts beside a bundle. */
#ifndef AIRSEAL_SENDER_BUNDLE_README_H
#define AIRSEAL_SENDER_BUNDLE_README_H

#include <stdbool.h>

#include "common/bundle/bundle.h"
#include "common/core/bytes.h"

/* The README's maximum size, far above what the template and its fields make. */
#define BUNDLE_README_MAX 65536

/*
 * Appends the README for the bundle sr describes to out: its id, case, contents, the signer
 * (key id and fingerprint), how to import it and how to check it with stock age and minisign;
 * split adds how to join the parts, pct is the parity's redundancy.
 */
int bundle_readme(as_buf *out, const as_seal_result *sr, bool split, unsigned pct,
                  const char *signer_id, const char *signer_fp, as_error *err);

#endif
