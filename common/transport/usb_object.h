/*
 * usb_object.h: one bundle object (bundle.age or bundle.parity) being written as one file or
 * as part files, each part behind its 512-byte header. Internal to the USB writer
 * (usb_out.c); the names stay temporary until as_usb_object_seal.
 */
#ifndef AIRSEAL_TRANSPORT_USB_OBJECT_H
#define AIRSEAL_TRANSPORT_USB_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/file.h"
#include "../crypto/sha256.h"
#include "usb_out.h"

struct as_usb_object_out {
    const char *name;
    bool parted;
    bool suffix;      /* parted and named NAME.partNNN (else one part file named NAME) */
    uint64_t payload; /* per part */
    as_outfile *files;
    size_t nfiles;
    uint64_t size;
    uint8_t (*part_sha)[32];
    as_sha256_ctx cur; /* digest of the part being written sequentially */
};

/* Appends n bytes at the object's end, in dir, opening the next part file when one fills. */
int as_usb_object_append(as_usb_object_out *o, const char *dir, const uint8_t *p, size_t n,
                         as_error *err);

/* Closes the digest of the last part written by as_usb_object_append. */
void as_usb_object_end_parts(as_usb_object_out *o);

/* Creates every file of an object of known size, for random-access writes. */
int as_usb_object_preallocate(as_usb_object_out *o, const char *dir, uint64_t size, as_error *err);

/* Reads (write false) or writes n bytes at object offset off; ranges may cross parts. Only
 * pread/pwrite on files already made: two threads may call it at once for different ranges. */
int as_usb_object_io(as_usb_object_out *o, uint64_t off, uint8_t *buf, size_t n, bool write,
                     as_error *err);

/* Computes the digest of each part of an object written at random. */
int as_usb_object_hash_parts(as_usb_object_out *o, as_error *err);

/* Writes the part headers, gives every file its final name (used at commit) and lists the
 * parts in ix. */
int as_usb_object_seal(as_usb_object_out *o, const char *dir, const char *bundle_id,
                       as_usb_index *ix, as_error *err);

/* Commits every file of the object into place. */
int as_usb_object_commit(as_usb_object_out *o, as_error *err);

/* Removes the object's temporary files and frees it; accepts NULL. */
void as_usb_object_free(as_usb_object_out *o);

#endif
