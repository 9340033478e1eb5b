/*
 * usb_in_files.h: what the USB gatherer found, shared by gathering (usb_gather.c) and assembly
 * (usb_assemble.c). Internal to the receiving side.
 */
#ifndef AIRSEAL_TRANSPORT_USB_IN_FILES_H
#define AIRSEAL_TRANSPORT_USB_IN_FILES_H

#include "usb_in.h"

/* One file kept: an open descriptor (links never followed), its size, and for a part file
 * its header (size then counts the payload only). */
typedef struct in_file {
    char *path;
    int fd;
    uint64_t size;
    as_part_header part; /* for parts */
} in_file;

struct as_usb_in {
    char bundle_id[AS_BUNDLE_ID_HEX];
    as_usb_index ix;
    bool have_index;
    in_file *raw;
    size_t nraw;
    in_file *parts;
    size_t nparts;
    uint8_t **sigs;
    size_t *siglens;
    size_t nsigs;
    as_error sig_problem; /* what is wrong with the first unusable *.minisig file */
};

#endif
