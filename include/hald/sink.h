/* hald — an output destination that is never left half-written.
 *
 * A regular file (or a path that does not exist yet) is written under a
 * temporary name in the same directory and renamed over the final name
 * only by hald_sink_commit.  Special files (/dev/null, FIFOs, terminals,
 * sockets) and stdout ("-") are written in place: nothing is created or
 * renamed beside them, since renaming over /dev/null as root would
 * replace the device.  Writes are buffered in large blocks. */
#ifndef HALD_SINK_H
#define HALD_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_sink hald_sink_t;

/* Opens path for writing ("-" is stdout).  Returns NULL with err set. */
hald_sink_t *hald_sink_open(const char *path, hald_error_t *err);

/* Writes in place to an open descriptor (a socket, a pipe, a file the
 * caller opened): nothing is renamed, and fd is closed by commit or abort
 * only when owns_fd.  `name` is used in messages.  NULL with err set on
 * failure (fd is closed then if owned). */
hald_sink_t *hald_sink_from_fd(int fd, int owns_fd, const char *name, hald_error_t *err);

/* Appends len bytes (buffered). */
int hald_sink_write(hald_sink_t *s, const void *buf, size_t len, hald_error_t *err);

/* A pointer to at least `need` free bytes of the buffer (flushing first if
 * needed), for callers that format straight into it; then hald_sink_advance
 * by what they wrote.  need must be at most hald_sink_buffer_size(). */
char *hald_sink_reserve(hald_sink_t *s, size_t need, hald_error_t *err);
void hald_sink_advance(hald_sink_t *s, size_t len);
size_t hald_sink_buffer_size(void);

/* Flushes and returns the descriptor, for a library that writes through
 * its own buffers (htslib's BGZF); the sink still commits or aborts.
 * Negative with err when the flush fails. */
int hald_sink_fd(hald_sink_t *s, hald_error_t *err);
/* Whether hald_sink_pwrite can patch bytes already written (a regular file). */
int hald_sink_seekable(const hald_sink_t *s);
/* Overwrites bytes at absolute offset off (flushes first). */
int hald_sink_pwrite(hald_sink_t *s, uint64_t off, const void *buf, size_t len,
                     hald_error_t *err);

/* Output that other processes write (MPI ranks writing their results in
 * place): before each write, divert(ctx, buf, len, at, err) may take the
 * bytes — return 1, and the sink leaves a gap of len bytes at file offset
 * `at` for them — or leave them (0), or fail (negative).  Only for a sink
 * writing a temporary file; NULL turns it off. */
typedef int (*hald_sink_divert_fn)(void *ctx, const void *buf, size_t len, uint64_t at,
                                   hald_error_t *err);
void hald_sink_set_divert(hald_sink_t *s, hald_sink_divert_fn fn, void *ctx);

/* Flushes, closes and (for a temporary) renames into place.  Frees s,
 * whatever the outcome; on failure the temporary is removed. */
int hald_sink_commit(hald_sink_t *s, hald_error_t *err);

/* Discards: closes and removes the temporary, if any.  Frees s; NULL is a
 * no-op.  Output already written to a special file stays written. */
void hald_sink_abort(hald_sink_t *s);

/* The path as given, for messages ("-" shown as "stdout"). */
const char *hald_sink_name(const hald_sink_t *s);
/* The temporary path while writing, or NULL when writing in place. */
const char *hald_sink_temp_path(const hald_sink_t *s);
/* Whether the destination is a terminal (binary output refuses those). */
int hald_sink_is_tty(const hald_sink_t *s);

#ifdef __cplusplus
}
#endif
#endif
