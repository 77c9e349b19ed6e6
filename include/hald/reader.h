/* hald — a decompressing byte stream over a file or stdin.
 *
 * Compression is detected from magic bytes, never from the name:
 * zstd (28 B5 2F FD; any number of concatenated frames, skippable frames
 * ignored), gzip (1F 8B; any number of concatenated members), else plain.
 * Memory is bounded (fixed-size input and decoder buffers) whatever the
 * input size.  A truncated or corrupt compressed stream is an error, never
 * a silently short stream. */
#ifndef HALD_READER_H
#define HALD_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_compression {
    HALD_COMP_PLAIN = 0,
    HALD_COMP_GZIP = 1,
    HALD_COMP_ZSTD = 2
} hald_compression_t;

typedef struct hald_reader hald_reader_t;

/* Opens path, or stdin when path is "-".  Reads the first bytes to detect
 * the compression.  Returns NULL with err set (naming the file) on failure. */
hald_reader_t *hald_reader_open(const char *path, hald_error_t *err);

/* Same over an already open descriptor (not closed by hald_reader_close
 * unless owns_fd); `name` is used in messages. */
hald_reader_t *hald_reader_from_fd(int fd, int owns_fd, const char *name,
                                   hald_error_t *err);

/* Same over a function that fills buf with up to cap bytes of the stream
 * and returns how many (0 at its end, -1 with errno set on failure): a
 * server hands a request body over this way without a pipe. */
typedef ssize_t (*hald_pull_fn)(void *ctx, void *buf, size_t cap);
hald_reader_t *hald_reader_from_pull(hald_pull_fn pull, void *ctx, const char *name,
                                     hald_error_t *err);

/* Same over a memory buffer (not copied; must outlive the reader). Used by
 * tests and fuzzers. */
hald_reader_t *hald_reader_from_memory(const void *buf, size_t len,
                                       const char *name, hald_error_t *err);

/* Reads up to cap decompressed bytes into buf.  Returns the number of bytes
 * (> 0), 0 at a clean end of stream, or a negative hald status with err set
 * ("<name>: truncated zstd stream", "<name>: gzip: invalid ...", read errors
 * with strerror).  After an error or 0, further calls return the same. */
ssize_t hald_reader_read(hald_reader_t *r, void *buf, size_t cap, hald_error_t *err);

hald_compression_t hald_reader_compression(const hald_reader_t *r);
const char *hald_reader_name(const hald_reader_t *r);
/* Compressed bytes consumed so far (for progress / MB/s). */
uint64_t hald_reader_bytes_in(const hald_reader_t *r);
/* The size of the input when it is a regular file (or memory), else 0:
 * with bytes_in, how far a run has got. */
uint64_t hald_reader_size(const hald_reader_t *r);

/* Closes (and frees) the reader; NULL is a no-op. */
void hald_reader_close(hald_reader_t *r);

#ifdef __cplusplus
}
#endif
#endif
