/*
 * secret.h: memory for key material and passphrases, and process-wide hardening.
 *
 * Secrets live in sodium_malloc() memory: guard pages around it, locked out of swap where the
 * system allows, wiped when freed. Every structure that holds key bytes is allocated here as a
 * whole, so no copy of a key sits in ordinary heap memory.
 */
#ifndef AIRSEAL_CORE_SECRET_H
#define AIRSEAL_CORE_SECRET_H

#include <stddef.h>

#include "error.h"

/* Initialises libsodium once. Returns 0, or -1 with err set. Call before anything else. */
int as_crypto_init(as_error *err);

/* Zero-filled secure memory of n bytes, or NULL with AS_ERR_NOMEM. Free with as_secret_free. */
void *as_secret_alloc(size_t n, as_error *err);

/* Wipes and frees memory from as_secret_alloc. Accepts NULL. */
void as_secret_free(void *p);

/* Wipes n bytes of ordinary memory (stack copies of secrets). */
void as_wipe(void *p, size_t n);

/*
 * Disables core dumps and ptrace attachment by unprivileged processes of the same user
 * (RLIMIT_CORE = 0, PR_SET_DUMPABLE = 0), so a crash cannot write key material to disk.
 * Returns 0, or -1 with err set.
 */
int as_harden_process(as_error *err);

#endif
