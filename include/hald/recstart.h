/* hald — where records start in a buffer of decoded text.
 *
 * Used to cut text at record boundaries (hald pack) and to stitch records
 * that straddle zstd frames.  A record start is always at a line start:
 *
 *   FASTA  a line beginning with '>'.
 *   LINES  a line that is not blank (blank = only ' ', '\t', '\r').
 *   FASTQ  a line L beginning with '@' whose line L+2 begins with '+'.  In
 *          4-line FASTQ this is unambiguous: a quality line beginning with
 *          '@' is followed by a header and then a sequence line, and
 *          sequence lines never begin with '+'.
 *
 * A start must be decidable from the buffer alone, so that more text can
 * never change the answer: a FASTQ header whose line L+2 has no byte in the
 * buffer yet, or a LINES line that is blank up to the end of the buffer, is
 * not (yet) a start.  Any other format value (AUTO) has no starts. */
#ifndef HALD_RECSTART_H
#define HALD_RECSTART_H

#include <stddef.h>
#include <stdint.h>

#include "hald/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether the line beginning at offset p (which the caller knows to be a
 * line start) starts a record. */
int hald_recstart_at(hald_format_t f, const char *text, size_t len, size_t p);

/* Offset of the first record start p >= from whose preceding byte is '\n'
 * (so p >= 1: offset 0 never counts, as the byte before the buffer is
 * unknown); len if there is none. */
size_t hald_recstart_next(hald_format_t f, const char *text, size_t len, size_t from);

/* Offset of the last record start (same rules), or len if there is none. */
size_t hald_recstart_last(hald_format_t f, const char *text, size_t len);

/* Records starting in text, taking offset 0 as a line start too (text
 * begins a file or a record-aligned frame).  Equals what hald_parser yields
 * for text alone when the records are well formed. */
uint64_t hald_recstart_count(hald_format_t f, const char *text, size_t len);

#ifdef __cplusplus
}
#endif
#endif
