/* hald — a FASTA file as a stream of sequences of any length.
 *
 * Unlike the record parser (records.h), which holds a record whole, this
 * hands out a sequence's bases in pieces, so a 250 Mb chromosome (wrapped
 * or on one line) needs only the memory the caller keeps.  Bases are
 * returned as in the file (case kept); line breaks, '\r', spaces and tabs
 * are dropped. */
#ifndef HALD_FASTASTREAM_H
#define HALD_FASTASTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_fasta_stream hald_fasta_stream_t;

/* Reads from r (not owned). */
hald_fasta_stream_t *hald_fasta_stream_new(hald_reader_t *r, hald_error_t *err);
void hald_fasta_stream_free(hald_fasta_stream_t *f);

/* Moves to the next sequence: 1 with its name (first word of the header)
 * in name, 0 at the end of the file, negative on error (text before the
 * first '>', binary data, a read error).  Bases of the current sequence not
 * yet read are skipped. */
int hald_fasta_next_seq(hald_fasta_stream_t *f, hald_buf_t *name, hald_error_t *err);

/* Appends up to `max` bases of the current sequence to out: returns the
 * number appended (> 0), 0 when the sequence has ended, negative on error. */
ssize_t hald_fasta_read_bases(hald_fasta_stream_t *f, hald_buf_t *out, size_t max,
                              hald_error_t *err);

/* Compressed bytes consumed (progress). */
uint64_t hald_fasta_bytes_in(const hald_fasta_stream_t *f);

#ifdef __cplusplus
}
#endif
#endif
