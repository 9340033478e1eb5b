/* station_open.c: opening and unlocking the station, shared by the verbs that sign. */
#include "commands.h"
#include "common/core/bytes.h"
#include "common/ui/passphrase.h"

int open_unlocked_station(as_station *st, const char *dir, const as_pass_source *src, as_error *err)
{
    if (as_station_open(st, dir, err) != 0)
        return -1;
    if (!st->protected_at_rest)
        return as_station_unlock(st, NULL, 0, err) == 0 ? 0 : (as_station_close(st), -1);
    if (src->kind == AS_PASS_NONE) {
        as_station_close(st);
        return as_fail(err, AS_ERR_USAGE,
                       "station %s is protected by a passphrase; --no-passphrase cannot open it",
                       dir);
    }
    as_buf pass;
    char what[256];
    snprintf(what, sizeof what, "station %s", dir);
    if (as_passphrase_get(src, what, false, &pass, err) != 0) {
        as_station_close(st);
        return -1;
    }
    int rc = as_station_unlock(st, (const char *)pass.data, pass.len, err);
    as_buf_free(&pass);
    if (rc != 0)
        as_station_close(st);
    return rc;
}
