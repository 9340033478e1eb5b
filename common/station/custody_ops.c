/* custody_ops.c: migrating a station's custody log into the tree, proving one entry; see
 * custody_ops.h. */
#include "custody_ops.h"

#include <stdlib.h>
#include <time.h>

#include "custody.h"
#include "station_lock.h"
#include "trust_ops.h"

int as_station_log_migrate(as_station *st, uint64_t *carried, uint64_t *seq, as_error *err)
{
    as_trust_store ts = {0};
    as_custody *log = NULL;
    if (st->signer == NULL)
        return as_fail(err, AS_ERR_INTERNAL, "station %s is not unlocked", st->dir);
    if (as_station_lock(st, err) != 0)
        return -1;
    int rc = as_station_trust_checked(st, &ts, NULL, NULL, &log, err);
    if (rc == 0) {
        *carried = as_custody_count(log);
        rc = as_custody_migrate(log, st->signer, time(NULL), seq, err);
    }
    as_custody_close(log);
    as_trust_free(&ts);
    as_station_release(st);
    return rc;
}

int as_station_log_prove(const as_station *st, uint64_t seq, as_buf *out, as_error *err)
{
    as_custody *log = NULL;
    char *path = as_station_path(st, AS_STATION_LOG, err);
    int rc = path != NULL &&
                     as_custody_open(&log, path, &st->pub, AS_CUSTODY_READ, NULL, NULL, err) == 0 &&
                     as_custody_prove(log, seq, out, err) == 0
                 ? 0
                 : -1;
    as_custody_close(log);
    free(path);
    return rc;
}
