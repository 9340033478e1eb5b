/* recipient.c: -r arguments: age1 strings, recipient files, recipient QR images. */
#include "recipient.h"

#include <stdlib.h>
#include <string.h>

#include "../core/file.h"
#include "../transport/qr.h"

typedef struct first_symbol {
    char text[256];
    size_t n;
    int found;
} first_symbol;

static int keep_first(void *ctx, const uint8_t *data, size_t len)
{
    first_symbol *f = ctx;
    if (f->found++ == 0 && len < sizeof f->text) {
        memcpy(f->text, data, len);
        f->n = len;
    }
    return 0;
}

int as_recipient_from_arg(as_age_recipient *out, const char *arg, as_error *err)
{
    size_t n = strlen(arg);
    bool image = n > 4 && (strcmp(arg + n - 4, ".png") == 0 || strcmp(arg + n - 4, ".jpg") == 0 ||
                           strcmp(arg + n - 4, ".PNG") == 0 || strcmp(arg + n - 4, ".JPG") == 0 ||
                           (n > 5 && strcmp(arg + n - 5, ".jpeg") == 0));
    if (!image)
        return as_age_recipient_from_arg(out, arg, err);
    as_image img;
    first_symbol f = {0};
    if (as_image_load(&img, arg, err) != 0 || as_qr_decode_photo(&img, keep_first, &f, err) < 0)
        return -1;
    if (f.found != 1 || f.n == 0)
        return as_fail(err, AS_ERR_USAGE,
                       "%s: expected one QR code with an age1... recipient, "
                       "found %d",
                       arg, f.found);
    while (f.n > 0 && (f.text[f.n - 1] == '\n' || f.text[f.n - 1] == '\r'))
        f.n--;
    if (as_age_recipient_parse(out, f.text, f.n, err) != 0) {
        as_error_prefix(err, "%s: ", arg);
        return -1;
    }
    return 0;
}
