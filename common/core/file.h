/*
 * file.h: defensive file handling (after signify's xopen and minisign): regular files only,
 * size caps before allocation, secret files created 0600 with O_EXCL and refused when others
 * can read them, and atomic replacement (temporary name in the same directory, fsync, rename,
 * fsync of the directory) so a crash or a full disk never leaves a half-written file under
 * its real name.
 */
#ifndef AIRSEAL_CORE_FILE_H
#define AIRSEAL_CORE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bytes.h"
#include "error.h"
#include "io.h"

/* Flags for as_file_open_read() and as_file_read_all_flags(). */
#define AS_FILE_NOFOLLOW 1 /* refuse a symbolic link as the last path component */
#define AS_FILE_RDWR                                                                               \
    2 /* as_file_open_read only: open for reading and writing (a file
                              appended in place, the custody log) */

/*
 * Opens path for reading and checks that it is a regular file, before and after open(2): a
 * FIFO, socket, device or folder is refused by type without being opened (so nothing can
 * block or trigger a device), and a file swapped between the check and the open is refused.
 * Returns the descriptor (blocking, close it) and its size in *size, or -1 with err set
 * (AS_ERR_REJECTED for a wrong type or a refused link). Errors name the path.
 */
int as_file_open_read(const char *path, int flags, uint64_t *size, as_error *err);

/* Reads a whole regular file of at most max bytes into a malloc'd buffer (free it). A
 * NUL is appended after the data (not counted in *len) so text parsers may use it. */
int as_file_read_all(const char *path, size_t max, uint8_t **out, size_t *len, as_error *err);
int as_file_read_all_flags(const char *path, size_t max, int flags, uint8_t **out, size_t *len,
                           as_error *err);

/*
 * Reads a secret file (key, passphrase) into a secret as_buf (initialised here; free with
 * as_buf_free). Refuses the file when group or others have any permission on it, naming the
 * chmod that fixes it.
 */
int as_file_read_secret(const char *path, size_t max, as_buf *out, as_error *err);

/*
 * Creates path with O_CREAT|O_EXCL|O_NOFOLLOW and the given mode, writes data, fsyncs it and
 * its directory. Fails with AS_ERR_EXISTS if path exists. On failure nothing is left behind.
 * Used for secret files (mode 0600) and for anything that must never overwrite.
 */
int as_file_create_excl(const char *path, const void *data, size_t len, mode_t mode, as_error *err);

/* Writes data to path atomically (temporary + fsync + rename + directory fsync), replacing
 * any existing file. On failure the old file, if any, is untouched and no temporary remains. */
int as_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                         as_error *err);

/*
 * A streaming atomic output file: as_outfile_open() creates a hidden temporary beside path;
 * write through `w`; as_outfile_commit() fsyncs and renames it into place (no_replace: fail
 * with AS_ERR_EXISTS instead of replacing); as_outfile_abort() removes the temporary. abort is
 * safe after commit and on a zeroed struct, so one cleanup path serves every exit.
 */
typedef struct as_outfile {
    as_fd_writer w;
    int fd;
    char *path;
    char *tmp;
    bool committed;
} as_outfile;
int as_outfile_open(as_outfile *o, const char *path, mode_t mode, as_error *err);
int as_outfile_commit(as_outfile *o, bool no_replace, as_error *err);
void as_outfile_abort(as_outfile *o);

/* fsyncs a directory so a rename or a create inside it survives a crash. */
int as_fsync_dir(const char *dir, as_error *err);

/* fsyncs the directory that holds path. */
int as_fsync_parent(const char *path, as_error *err);

/* Creates dir and missing parents with mode; succeeds if it exists as a directory. */
int as_mkdir_p(const char *dir, mode_t mode, as_error *err);

/*
 * Removes path and everything below it without following symbolic links, making read-only
 * directories writable first (the vault's evidence is read-only). Missing path is success.
 * Works at any depth and path length (a tree a killed import left, or one a hostile bundle
 * made): it walks with one descriptor and names relative to it, never building a path.
 */
int as_remove_tree(const char *path, as_error *err);

/* 1 if path exists (lstat), 0 if not, -1 on another error. */
int as_path_exists(const char *path, as_error *err);

/* 1 if dir is an empty directory, 0 if it has entries, -1 on error (including not a dir). */
int as_dir_is_empty(const char *dir, as_error *err);

/*
 * Calls visit(path) for every entry of the folder dir except hidden ones ('.' first), in
 * readdir order, with path = dir/name (freed after the call). Each entry spends one unit of
 * *budget; when it runs out, fails with AS_ERR_LIMIT "more than N files in the sources" (N the
 * budget's starting value is not known here, so max_files is passed for the message). Stops
 * at the first visit that returns < 0 and returns -1; otherwise 0.
 */
typedef int (*as_dir_visit)(const char *path, void *ctx, as_error *err);
int as_dir_each(const char *dir, size_t *budget, size_t max_files, as_dir_visit visit, void *ctx,
                as_error *err);

/*
 * Prepares an output folder that must be new, or existing and empty (never a place with files
 * in it): creates it (0755) when missing and sets *created. AS_ERR_EXISTS when it holds files.
 */
int as_outdir_prepare(const char *dir, bool *created, as_error *err);

/* Undoes a failed write into a folder from as_outdir_prepare: removes it if it was created,
 * else removes everything in it (it was empty). */
void as_outdir_discard(const char *dir, bool created);

/* Joins a and b with one '/' into a malloc'd string (free it), or NULL with err set. */
char *as_path_join(const char *a, const char *b, as_error *err);

/* A malloc'd formatted path, or NULL with err set. */
char *as_path_fmt(as_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last component of path (pointer into path). */
const char *as_path_base(const char *path);

#endif
