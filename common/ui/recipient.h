/* recipient.h: what -r accepts: an age1... key, a file holding one, or a QR PNG of one. */
#ifndef AIRSEAL_UI_RECIPIENT_H
#define AIRSEAL_UI_RECIPIENT_H

#include "../core/error.h"
#include "../crypto/age_keys.h"

/* Parses one -r argument; an image file is decoded as the station's recipient QR code. */
int as_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err);

#endif
