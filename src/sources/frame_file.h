/* hald (internal) — a packed file as every rank opens it, for the frames
 * it is dealt: rank 0 deals frames by number (records or a genome's), and
 * whoever works on one reads it here. */
#ifndef HALD_SOURCES_FRAME_FILE_H
#define HALD_SOURCES_FRAME_FILE_H

#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"

typedef struct hald_frame_file {
    int fd, open_errno;      /* fd -1, with why, when it could not be opened */
    uint64_t *bytes_read;    /* atomic: compressed bytes this rank read, or NULL */
} hald_frame_file_t;

#define HALD_FRAME_FILE_NONE {-1, 0, NULL}

/* Opens path ("-" or NULL: nothing to open); a failure is reported with the
 * first frame read. */
void hald_frame_file_open(hald_frame_file_t *f, const char *path, uint64_t *bytes_read);
void hald_frame_file_close(hald_frame_file_t *f);

/* The frame of `size` bytes at `offset` into dst (replacing what it held),
 * counted into bytes_read; `name` is the input, for messages. */
int hald_frame_file_read(const hald_frame_file_t *f, const char *name, hald_buf_t *dst,
                         uint64_t size, uint64_t offset, hald_error_t *err);

/* The same from a descriptor of one's own into dst[0, size). */
int hald_pread_frame(int fd, const char *name, char *dst, uint64_t size, uint64_t offset,
                     hald_error_t *err);

#endif
