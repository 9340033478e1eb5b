/*
 * keyfile.h: loading a minisign secret key file the way a person expects: refused if others
 * can read it, passphrase asked (or read from --passphrase-file) only when the key is
 * encrypted.
 */
#ifndef AIRSEAL_UI_KEYFILE_H
#define AIRSEAL_UI_KEYFILE_H

#include "../core/error.h"
#include "../crypto/minisign.h"
#include "passphrase.h"

/* Loads and, if needed, decrypts the secret key at path. NULL with err set on failure. */
as_mini_seckey *as_keyfile_load_signer(const char *path, const as_pass_source *src, as_error *err);

#endif
