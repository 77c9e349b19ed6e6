/* hald — sequence records: FASTA, FASTQ or one sequence per line, parsed
 * from a hald_reader_t into bounded batches.
 *
 * A batch owns its storage and is reused between calls, so a whole run
 * needs memory for one batch (plus the parser's read buffer), whatever the
 * input size. */
#ifndef HALD_RECORDS_H
#define HALD_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_format {
    HALD_FORMAT_AUTO = 0, /* from the first non-blank byte: '>' FASTA, '@' FASTQ, else lines */
    HALD_FORMAT_FASTA = 1,
    HALD_FORMAT_FASTQ = 2,
    HALD_FORMAT_LINES = 3
} hald_format_t;

/* One record as seen by the scorer.  Pointers point into the batch. */
typedef struct hald_record {
    const char *id;   /* FASTA/FASTQ: first word of the header; lines: 1-based line number */
    uint32_t id_len;
    const char *seq;  /* raw bases as read (any case, U, N ...), no newlines */
    uint64_t seq_len; /* true length of the sequence; may exceed stored_len */
    uint64_t stored_len; /* bases kept in seq: min(seq_len, max_stored) */
} hald_record_t;

typedef struct hald_batch {
    size_t n;             /* records in the batch */
    uint64_t first_index; /* 0-based index of records[0] in the whole stream */
    hald_record_t *records;
    size_t records_cap;
    char *arena;          /* ids and sequences */
    size_t arena_len, arena_cap;
} hald_batch_t;

void hald_batch_init(hald_batch_t *b);
void hald_batch_free(hald_batch_t *b);

typedef struct hald_parser_opts {
    hald_format_t format;
    /* Bases kept per record; longer sequences keep their true seq_len but
     * only the first max_stored bases.  Callers that only score 160-nt
     * windows set this small (e.g. 161), --any-length sets it large. */
    uint64_t max_stored;
    /* A batch is full once it holds max_records records or its arena
     * exceeds max_bytes (a single record may exceed max_bytes). */
    size_t max_records;
    size_t max_bytes;
    /* Where this text sits in a larger stream, for record numbers
     * (first_index, messages) and lines-format ids: the 0-based index of its
     * first record and the 1-based number of its first line.  A piece of a
     * stream (a zstd frame, a shard) is parsed with the bases of its place. */
    uint64_t first_record;
    uint64_t first_line;
} hald_parser_opts_t;

/* Defaults: AUTO, max_stored 161, 8192 records, 4 MiB, first_record 0,
 * first_line 1. */
void hald_parser_opts_init(hald_parser_opts_t *o);

typedef struct hald_parser hald_parser_t;

/* The parser reads from r (not owned). Returns NULL with err on failure. */
hald_parser_t *hald_parser_new(hald_reader_t *r, const hald_parser_opts_t *o,
                               hald_error_t *err);

/* A parser over text already in memory (not copied; it must outlive the
 * parser): the same records and messages as through a memory reader,
 * without copying the text into a read buffer. */
hald_parser_t *hald_parser_from_memory(const char *text, size_t len, const char *name,
                                       const hald_parser_opts_t *o, hald_error_t *err);

/* Fills b with the next records (b is cleared first).  Returns the number
 * of records (> 0), 0 at end of input, or a negative status with err naming
 * the file, the record (number and id where known) and the reason, e.g.
 * "reads.fq: record 7 (r7): quality length 10 != sequence length 12". */
int hald_parser_next(hald_parser_t *p, hald_batch_t *b, hald_error_t *err);

/* Format in use (after auto-detection; AUTO before the first record). */
hald_format_t hald_parser_format(const hald_parser_t *p);
/* Index of the next record: first_record + records parsed so far. */
uint64_t hald_parser_records(const hald_parser_t *p);
/* Lines consumed so far (newline-ended), plus first_line - 1. */
uint64_t hald_parser_lines(const hald_parser_t *p);

void hald_parser_free(hald_parser_t *p);

/* The format AUTO settles on from text's first byte that is not a space,
 * tab, '\r' or newline: '>' FASTA, '@' FASTQ, anything else lines.
 * Returns 1 with *out set, or 0 if text has no such byte. */
int hald_format_detect(const char *text, size_t len, hald_format_t *out);

const char *hald_format_name(hald_format_t f);
/* "fasta", "fastq", "lines" or "auto"; returns -1 if unknown. */
int hald_format_parse(const char *s, hald_format_t *out);

#ifdef __cplusplus
}
#endif
#endif
