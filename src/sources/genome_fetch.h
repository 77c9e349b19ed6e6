/* hald (internal) — a genome FASTA by sequence name: whole sequences (hald
 * variants reads a VCF chromosome by chromosome) and ranges (--region).
 *
 * A plain or bgzip FASTA with an index beside it (PATH.fai, and for bgzip
 * PATH.gzi) is read at random through htslib's faidx; anything else
 * (gzip, zstd, no index, stdin) as a stream, reopened from the start when
 * a sequence lies behind the current position.  Nothing is ever written
 * beside the user's input: faidx is loaded without FAI_CREATE, and an
 * index that is missing is reported, never built.
 *
 * An index is checked against its FASTA before htslib reads through it (a
 * stale .fai or .gzi would otherwise give wrong bases, htslib messages on
 * stderr, or an assertion failure inside bgzf_useek): every .fai line must
 * parse and fit the file, a sequence's header line and end must lie where
 * the .fai says when it is first read, and every .gzi block htslib seeks
 * to must be the block the .gzi says.  Errors name the files and say how
 * to index again. */
#ifndef HALD_SOURCES_GENOME_FETCH_H
#define HALD_SOURCES_GENOME_FETCH_H

#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/genome.h"
#include "hald/reader.h"

typedef struct hald_genome_fetch hald_genome_fetch_t;

/* Opens a FASTA: plain, gzip, bgzip or zstd ("-": stdin).  Random access
 * when it is plain or bgzip with its index beside it; else a sequential
 * stream (reopened when needed, except for stdin and other non-regular
 * files).  NULL with err on failure, also for an index that does not fit
 * its FASTA. */
hald_genome_fetch_t *hald_genome_fetch_open(const char *path, hald_error_t *err);
/* Sequential over an open reader (not closed, never reopened): a sequence
 * already passed is an error. */
hald_genome_fetch_t *hald_genome_fetch_open_reader(hald_reader_t *r, hald_error_t *err);
/* Over a genome held in memory (not owned): random access, no file. */
hald_genome_fetch_t *hald_genome_fetch_open_genome(const hald_genome_t *genome, hald_error_t *err);
void hald_genome_fetch_close(hald_genome_fetch_t *g);
int hald_genome_fetch_indexed(const hald_genome_fetch_t *g);
/* The FASTA's name for messages (the path, or "stdin"). */
const char *hald_genome_fetch_name(const hald_genome_fetch_t *g);

/* Loads the whole sequence `name` into seq (seq->len = its length,
 * replacing what seq held; bases as in the file, case kept).  Returns 1,
 * 0 when the FASTA has no such sequence (after searching all of it),
 * negative with err on failure.  Memory: the one sequence (plus constant).
 * A FASTA with a name twice gives its first sequence of that name. */
int hald_genome_fetch_seq(hald_genome_fetch_t *g, const char *name, hald_buf_t *seq,
                          hald_error_t *err);

/* Indexed only: the length of sequence `name` and its 0-based number in
 * the index (FASTA order); index may be NULL.  1, 0 when absent, negative
 * on error (HALD_E_USAGE telling how to index the FASTA when it is not
 * indexed). */
int hald_genome_fetch_length(const hald_genome_fetch_t *g, const char *name, uint64_t *len,
                             uint64_t *index, hald_error_t *err);

/* Indexed only: bases [beg, end) (0-based, clipped to the sequence) of
 * name into seq, and the sequence's full length into *seq_len.  Returns 1,
 * 0 when absent, negative on error (HALD_E_USAGE with a message telling to
 * index the FASTA — `samtools faidx`, or `bgzip -i` and `samtools faidx` —
 * when it is not indexed). */
int hald_genome_fetch_range(hald_genome_fetch_t *g, const char *name, uint64_t beg,
                            uint64_t end, hald_buf_t *seq, uint64_t *seq_len, hald_error_t *err);

/* Input bytes consumed so far (any thread; for progress: reopened streams
 * count again, indexed reads count the file span read), and the file size
 * when it is a regular file (else 0). */
uint64_t hald_genome_fetch_bytes_in(const hald_genome_fetch_t *g);
uint64_t hald_genome_fetch_bytes_total(const hald_genome_fetch_t *g);

#endif
