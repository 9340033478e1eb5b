/* erasure_encode.c: the writer's side of the stripes: parity for a whole layout (airseal-send
 * only; the station repairs with erasure.c and never links this); see erasure.h. */
#include "erasure.h"

#include <stdlib.h>

int as_ec_encode(const as_ec_layout *l, const as_ec_io *io, as_error *err)
{
    as_ec_columns c;
    as_rs rs = {0};
    int rc = -1;
    if (as_ec_columns_alloc(&c, AS_EC_MAX_SHARDS, err) != 0)
        return -1;
    for (uint32_t s = 0; s < l->stripes; s++) {
        uint32_t k = as_ec_stripe_k(l, s), m = as_ec_stripe_m(l, s);
        if (m == 0)
            continue;
        if (as_rs_reshape(&rs, k, m, err) != 0)
            goto out;
        for (uint32_t off = 0; off < l->block; off += AS_EC_COLUMN) {
            uint32_t len = l->block - off < AS_EC_COLUMN ? l->block - off : AS_EC_COLUMN;
            for (uint32_t r = 0; r < k; r++)
                if (io->read_data(io->ctx, as_ec_data_index(l, s, r), off, c.ptr[r], len, err) != 0)
                    goto out;
            as_rs_encode(&rs, len, c.ptr, c.ptr + k);
            for (uint32_t j = 0; j < m; j++)
                if (io->write_parity(io->ctx, as_ec_parity_index(l, s, j), off, c.ptr[k + j], len,
                                     err) != 0)
                    goto out;
        }
        if (io->progress != NULL)
            io->progress(io->ctx, s + 1);
    }
    rc = 0;
out:
    as_rs_free(&rs);
    free(c.mem);
    return rc;
}
