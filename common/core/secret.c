/* secret.c: secure memory and process hardening; see secret.h. */
#include "secret.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int as_crypto_init(as_error *err)
{
    if (sodium_init() < 0)
        return as_fail(err, AS_ERR_INTERNAL, "libsodium failed to initialise");
    return 0;
}

void *as_secret_alloc(size_t n, as_error *err)
{
    void *p = sodium_malloc(n == 0 ? 1 : n);
    if (p == NULL) {
        as_fail(err, AS_ERR_NOMEM, "out of secure memory");
        return NULL;
    }
    memset(p, 0, n == 0 ? 1 : n);
    return p;
}

void as_secret_free(void *p)
{
    if (p != NULL)
        sodium_free(p);
}

void as_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

int as_harden_process(as_error *err)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0)
        return as_fail_errno(err, AS_ERR_INTERNAL, errno, "cannot disable core dumps");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return as_fail_errno(err, AS_ERR_INTERNAL, errno, "cannot mark the process undumpable");
    return 0;
}
