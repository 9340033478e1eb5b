/* keyfile.c: secret key loading; see keyfile.h. */
#include "keyfile.h"

#include "../core/file.h"

as_mini_seckey *as_keyfile_load_signer(const char *path, const as_pass_source *src, as_error *err)
{
    as_buf file, pass;
    as_mini_seckey *sk = NULL;
    if (as_file_read_secret(path, 4096, &file, err) != 0)
        return NULL;
    int enc = as_mini_seckey_file_encrypted(file.data, file.len, err);
    if (enc < 0) {
        as_error_prefix(err, "%s: ", path);
        goto out;
    }
    if (enc && src->kind == AS_PASS_NONE) {
        as_fail(err, AS_ERR_USAGE,
                "%s is encrypted: give its passphrase at the prompt or with "
                "--passphrase-file",
                path);
        goto out;
    }
    if (enc) {
        if (as_passphrase_get(src, path, false, &pass, err) != 0)
            goto out;
        sk = as_mini_seckey_parse_file(file.data, file.len, (const char *)pass.data, pass.len, err);
        as_buf_free(&pass);
    } else {
        sk = as_mini_seckey_parse_file(file.data, file.len, NULL, 0, err);
    }
    if (sk == NULL)
        as_error_prefix(err, "%s: ", path);
out:
    as_buf_free(&file);
    return sk;
}
