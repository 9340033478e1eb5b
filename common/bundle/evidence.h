/*
 * evidence.h: turning the paths an NGO gives on the command line into the list of files a
 * bundle carries.
 *
 * A file given directly is carried under its own name; a folder is carried with its name as
 * the top folder and everything below it. Only regular files are carried. Symbolic links are
 * refused, never followed: a link could point outside what the NGO meant to send, or to
 * nothing on the court's side. FIFOs, devices and sockets are refused. Empty folders are not
 * carried (a bundle lists files). Every file is opened once while collecting, so an unreadable
 * file is named before any work starts.
 */
#ifndef AIRSEAL_BUNDLE_EVIDENCE_H
#define AIRSEAL_BUNDLE_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../core/error.h"

typedef struct as_evidence_item {
    char *source; /* path on this machine */
    char *name;   /* path inside the bundle, relative to evidence/ */
    uint64_t size;
    time_t mtime;
} as_evidence_item;

typedef struct as_evidence {
    as_evidence_item *v;
    size_t n;
    uint64_t total;
    size_t empty_dirs; /* folders with no file below them: not carried */
} as_evidence;

/* Collects the files under paths[0..n). Refuses (one line naming the path) what it cannot
 * carry; checks names with as_evidence_path_check() and the manifest's limits. */
int as_evidence_collect(as_evidence *ev, char *const *paths, size_t n, as_error *err);

void as_evidence_free(as_evidence *ev);

#endif
