/* hald (internal) — text lines from a reader (any compression), for the
 * small line-oriented inputs: BED, GTF, pair tables.
 *
 * One buffer that slides: memory is one read chunk plus the longest line,
 * and a line longer than the caller's limit is an error naming its number
 * (a file without newlines is refused before it takes much memory). */
#ifndef HALD_IO_LINES_H
#define HALD_IO_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"

typedef struct hald_lines {
    hald_reader_t *r;
    int owns_reader;
    const char *name;        /* the input's name, for messages */
    const char *what;        /* what the lines should be, for the too-long message */
    size_t max_line;
    char *buf;
    size_t cap, pos, len;
    size_t scanned;          /* bytes after pos known to hold no '\n' */
    int eof;
    uint64_t lineno;         /* 1-based number of the last line returned */
} hald_lines_t;

/* Opens path ("-": stdin); lines longer than max_line bytes are refused
 * as "longer than N (not <what>?)". */
int hald_lines_open(hald_lines_t *in, const char *path, size_t max_line, const char *what,
                    hald_error_t *err);
/* The same over an open reader, which close leaves open. */
int hald_lines_from_reader(hald_lines_t *in, hald_reader_t *r, size_t max_line, const char *what,
                           hald_error_t *err);
void hald_lines_close(hald_lines_t *in);
/* The next line without its "\n" or "\r\n", valid until the next call.
 * Returns 1, 0 at the end, or a negative status. */
int hald_lines_next(hald_lines_t *in, const char **line, size_t *n, hald_error_t *err);

#endif
