/*
 * fuzz_minisign_key: minisign public key files and base64 keys, and secret key files read
 * without a passphrase (an encrypted key must be refused before any KDF work; an unencrypted
 * one is checked against its checksum).
 */
#include "tests/fuzz/fuzz.h"

#include "common/crypto/minisign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    as_mini_pubkey pk;
    as_error e = {0};
    fuzz_check_error(as_mini_pubkey_parse_file(&pk, data, size, &e), &e);
    char *text = fuzz_text(data, size);
    as_error e2 = {0};
    fuzz_check_error(as_mini_pubkey_parse_b64(&pk, text, size, &e2), &e2);
    free(text);
    as_error e3 = {0};
    as_mini_seckey *sk = as_mini_seckey_parse_file(data, size, NULL, 0, &e3);
    fuzz_check_error(sk == NULL ? -1 : 0, &e3);
    as_mini_seckey_free(sk);
    return 0;
}
