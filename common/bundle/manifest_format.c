/* manifest_format.c: writing the manifest (airseal-send only; the station parses it with
 * manifest.c and never links this); see manifest.h and docs/FORMAT.md. */
#include "manifest.h"

#include "../core/text.h"

int as_manifest_format(as_manifest *m, as_buf *out, as_error *err)
{
    char when[21], sender[AS_MINI_KEYID_STR];
    if (as_manifest_check(m, err) != 0)
        return -1;
    as_time_utc(when, m->created);
    as_mini_keyid(m->sender, sender);
    if (as_buf_printf(out, err, AS_MANIFEST_HEADER "\nbundle: %s\ncase: %s\n", m->bundle_id,
                      m->case_id) != 0)
        return -1;
    if (m->collector[0] != '\0' && as_buf_printf(out, err, "collector: %s\n", m->collector) != 0)
        return -1;
    if (m->note[0] != '\0' && as_buf_printf(out, err, "note: %s\n", m->note) != 0)
        return -1;
    if (as_buf_printf(out, err, "created: %s\n", when) != 0 ||
        (m->tool[0] != '\0' && as_buf_printf(out, err, "tool: %s\n", m->tool) != 0) ||
        as_buf_printf(out, err, "sender: %s\n", sender) != 0)
        return -1;
    for (size_t i = 0; i < m->nrecipients; i++) {
        char r[AS_AGE_RECIPIENT_STR_MAX];
        as_age_recipient_format(&m->recipients[i], r);
        if (as_buf_printf(out, err, "recipient: %s\n", r) != 0)
            return -1;
    }
    for (size_t i = 0; i < m->npq_recipients; i++) {
        char r[AS_AGE_PQ_RECIPIENT_STR_MAX];
        as_age_pq_recipient_format(&m->pq_recipients[i], r);
        if (as_buf_printf(out, err, "recipient: %s\n", r) != 0)
            return -1;
    }
    if (as_buf_printf(out, err, "files: %zu\nbytes: %llu\n\n", m->nfiles,
                      (unsigned long long)m->total_bytes) != 0)
        return -1;
    for (size_t i = 0; i < m->nfiles; i++) {
        char hex[65];
        as_hex_encode(hex, m->files[i].sha256, 32);
        if (as_buf_printf(out, err, "%s %llu %s\n", hex, (unsigned long long)m->files[i].size,
                          m->files[i].path) != 0)
            return -1;
    }
    return 0;
}
