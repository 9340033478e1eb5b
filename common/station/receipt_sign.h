/*
 * receipt_sign.h: the station side of receipts (receipt.h): formatting the text and signing
 * it with the station key. Kept apart from parsing and verifying, which airseal-send links
 * for verify-receipt, so that the NGO's program carries no receipt-signing code.
 */
#ifndef AIRSEAL_STATION_RECEIPT_SIGN_H
#define AIRSEAL_STATION_RECEIPT_SIGN_H

#include "receipt.h"

/* Formats the receipt text (receipt.h) into out. */
int as_receipt_format(const as_receipt *r, as_buf *out, as_error *err);

/* Signs the formatted receipt text with the station key sk (a prehashed minisign signature,
 * trusted comment AS_RECEIPT_COMMENT_FMT); sig receives the signature file. */
int as_receipt_sign(const as_receipt *r, const uint8_t *text, size_t len, const as_mini_seckey *sk,
                    as_buf *sig, as_error *err);

#endif
