/* hald (internal) — the record source: sequences (FASTA, FASTQ, lines) as
 * units of work, and units as batches of records.
 *
 * The input is cut into units, each a piece of the decoded stream:
 *   - packed files (hald pack): one record-aligned zstd frame per unit,
 *     with its global record and line numbers from the index;
 *   - other multi-frame zstd files: a group of whole compressed frames,
 *     decoded by whoever works on the unit;
 *   - everything else (single-frame zstd, gzip, plain, stdin): pieces of
 *     decoded text, decoded by the reading thread.
 * Pieces that are not record-aligned are cut at record starts: the worker
 * parses the records wholly inside its piece and hands back the text
 * before its first record start (head) and from its last one (tail); in
 * order, the writer side joins tail and next head and parses the records
 * that straddled.  So a record split across frames is parsed once, exactly
 * as in one stream, whatever the threads or ranks.
 *
 * The source knows nothing of threads, ranks, models or output: a job
 * embeds hald_record_unit_t in its unit, lists HALD_RECORD_UNIT_FIELDS in
 * its layout, and asks the source for batches (docs/design.md). */
#ifndef HALD_SOURCES_RECORD_SOURCE_H
#define HALD_SOURCES_RECORD_SOURCE_H

#include <stdint.h>

#include "hald/reader.h"
#include "hald/records.h"
#include "../runner/unit.h"
#include "frame_file.h"

/* Decoded text per unit of unaligned input. */
#define HALD_UNIT_TEXT (UINT64_C(1) << 20)
/* Compressed bytes per unit of multi-frame zstd (whole frames), and the
 * decoded bytes a unit's frames may declare before the unit ends. */
#define HALD_UNIT_FRAMES (UINT64_C(1) << 20)
#define HALD_UNIT_FRAMES_TEXT (UINT64_C(8) << 20)
/* Largest compressed frame taken whole; the rest of a file from a larger
 * frame on is decoded as one stream by the reading thread. */
#define HALD_FRAME_MAX (UINT64_C(64) << 20)
/* Largest decoded unit, and largest record a join may hold. */
#define HALD_UNIT_TEXT_MAX (UINT64_C(256) << 20)

typedef struct hald_record_unit {
    hald_unit_t base;
    /* to the worker */
    uint64_t frames;         /* input holds whole compressed zstd frames, not text */
    uint64_t format;         /* hald_format_t, as detected so far */
    uint64_t aligned;        /* starts and ends at record boundaries, numbers known */
    uint64_t record_base;    /* aligned: 0-based index of the first record */
    uint64_t line_base;      /* aligned: 1-based number of the first line */
    uint64_t in_offset;      /* frames: compressed offset, for messages */
    uint64_t index_records;  /* packed: the frame's records and lines as its */
    uint64_t index_lines;    /* index entry says, checked against the parse */
    uint64_t read_size;      /* > 0: input is empty, and the worker reads this
                              * many compressed bytes at in_offset itself */
    hald_buf_t input;        /* text, or compressed frames (the bulk) */
    /* back to the writer */
    uint64_t has_start;      /* a record starts inside the text */
    uint64_t nl_body;        /* lines in the body (counted by the parser) */
    uint64_t keep_body;      /* the writer must re-read the body (for a message) */
    hald_buf_t head, tail;   /* text before the first / from the last record start */
    hald_buf_t body;         /* the body's text, when keep_body */
} hald_record_unit_t;

/* The layout entries of a hald_record_unit_t found at `member` of `type`. */
#define HALD_RECORD_UNIT_FIELDS(type, member)                             \
    HALD_UNIT_U64(type, member.frames, HALD_TO_WORKER),                   \
    HALD_UNIT_U64(type, member.format, HALD_TO_WORKER),                   \
    HALD_UNIT_U64(type, member.aligned, HALD_TO_WORKER),                  \
    HALD_UNIT_U64(type, member.record_base, HALD_TO_WORKER),              \
    HALD_UNIT_U64(type, member.line_base, HALD_TO_WORKER),                \
    HALD_UNIT_U64(type, member.in_offset, HALD_TO_WORKER),                \
    HALD_UNIT_U64(type, member.index_records, HALD_TO_WORKER),            \
    HALD_UNIT_U64(type, member.index_lines, HALD_TO_WORKER),              \
    HALD_UNIT_U64(type, member.read_size, HALD_TO_WORKER),                \
    HALD_UNIT_BUF(type, member.input, HALD_TO_WORKER),                    \
    HALD_UNIT_U64(type, member.has_start, HALD_TO_WRITER),                \
    HALD_UNIT_U64(type, member.nl_body, HALD_TO_WRITER),                  \
    HALD_UNIT_U64(type, member.keep_body, HALD_TO_WRITER),                \
    HALD_UNIT_BUF(type, member.head, HALD_TO_WRITER),                     \
    HALD_UNIT_BUF(type, member.tail, HALD_TO_WRITER),                     \
    HALD_UNIT_BUF(type, member.body, HALD_TO_WRITER)

/* ================================================================ rank 0 */

typedef struct hald_recsrc_opts {
    hald_format_t format;    /* AUTO: from the first non-blank byte */
    uint64_t shard_index;    /* --shard I/N of a packed input (0-based I) */
    uint64_t shard_count;    /* 0: the whole input */
    /* Packed input: deal frame numbers, not frame bytes; whoever works on
     * a unit reads its frame (every rank opens the file: hald_recsrc_cfg_t). */
    int workers_read;
} hald_recsrc_opts_t;

typedef struct hald_recsrc hald_recsrc_t;

/* Opens path ("-": stdin) and sees what kind of input it is. */
hald_recsrc_t *hald_recsrc_open(const char *path, const hald_recsrc_opts_t *o, hald_error_t *err);
/* The same over an open reader (a pipe, a socket): a stream, which the
 * source reads but does not close. */
hald_recsrc_t *hald_recsrc_open_reader(hald_reader_t *r, const hald_recsrc_opts_t *o,
                                       hald_error_t *err);
void hald_recsrc_close(hald_recsrc_t *s);
/* How the input is cut: "stream" (decoded text), "frames" (groups of
 * whole zstd frames) or "packed" (one indexed frame per unit). */
const char *hald_recsrc_kind(const hald_recsrc_t *s);
/* The input's name for messages ("stdin" for "-"). */
const char *hald_recsrc_name(const hald_recsrc_t *s);
/* Input bytes consumed (any thread may ask), and what there is to consume
 * when it is known: a regular file's size, or a packed file's frames of
 * this shard (else 0). */
uint64_t hald_recsrc_bytes_in(const hald_recsrc_t *s);
uint64_t hald_recsrc_bytes_total(const hald_recsrc_t *s);
/* Input bytes the source itself read from the file (not the frames
 * workers read). */
uint64_t hald_recsrc_bytes_read(const hald_recsrc_t *s);
/* The next unit (reset by the caller): 1, 0 at the end, or negative. */
int hald_recsrc_next(hald_recsrc_t *s, hald_record_unit_t *u, hald_error_t *err);

/* In input order, for each unit, the writer side joins records that
 * straddle units.  join_begin adds the unit's head to the records carried
 * over from earlier units and returns 1 when those are complete (a record
 * starts in this unit), 0 when the unit only lengthened one long record
 * (nothing to write yet), or negative.  After a 1: write the carried
 * records (join_text, then join_done with their count), then the unit's
 * own (numbered from body_base), then call join_end with their count.  At
 * the end of the input, join_text holds the last carried records. */
int hald_recsrc_join_begin(hald_recsrc_t *s, const hald_record_unit_t *u, hald_error_t *err);
void hald_recsrc_join_text(const hald_recsrc_t *s, const char **text, size_t *len,
                           uint64_t *record_base, uint64_t *line_base);
void hald_recsrc_join_done(hald_recsrc_t *s, uint64_t carry_records);
void hald_recsrc_body_base(const hald_recsrc_t *s, const hald_record_unit_t *u,
                           uint64_t *record_base, uint64_t *line_base);
int hald_recsrc_join_end(hald_recsrc_t *s, const hald_record_unit_t *u, uint64_t body_records,
                         hald_error_t *err);
/* The format the carried records are in (as detected; AUTO if the input
 * had no record). */
hald_format_t hald_recsrc_format(const hald_recsrc_t *s);

/* ================================================================ workers */

/* What every rank needs to read a unit's records the same way. */
typedef struct hald_recsrc_cfg {
    const char *input_name;  /* for messages */
    uint64_t max_stored;     /* bases kept per record (see hald_parser_opts_t) */
    /* The input as this rank opened it, for packed frames it is dealt
     * (hald_frame_file_open on every rank of a run on several). */
    hald_frame_file_t file;
} hald_recsrc_cfg_t;

/* A worker thread's memory, kept from unit to unit. */
typedef struct hald_recsrc_work hald_recsrc_work_t;
hald_recsrc_work_t *hald_recsrc_work_new(void);
void hald_recsrc_work_free(hald_recsrc_work_t *w);

/* Readies a unit's records: decodes its frames, cuts unaligned text at
 * record starts (filling head, tail and has_start) and opens a parser over
 * the records in between; the last next_batch fills nl_body. */
int hald_recsrc_open_unit(const hald_recsrc_cfg_t *cfg, hald_record_unit_t *u,
                          hald_recsrc_work_t *w, hald_error_t *err);
/* The unit's next batch of records (in the worker's batch, valid until the
 * next call): > 0 records, 0 at the end, or negative.  Record numbers are
 * global for aligned units, local (from 0, lines from 1) otherwise. */
int hald_recsrc_next_batch(hald_recsrc_work_t *w, const hald_batch_t **b, hald_error_t *err);
/* Keeps the unit's body text for the writer (keep_body): a message about
 * one of its records needs the global numbers only the writer knows. */
int hald_recsrc_keep_body(hald_record_unit_t *u, hald_recsrc_work_t *w, hald_error_t *err);
/* Whether the unit's record ids are lines-format line numbers that only
 * the writer can number (the batch ids are then local). */
int hald_recsrc_ids_deferred(const hald_record_unit_t *u);

/* A parser over text with given numbers, in the worker's memory. */
int hald_recsrc_open_text(const hald_recsrc_cfg_t *cfg, hald_recsrc_work_t *w, hald_format_t fmt,
                          const char *text, size_t len, uint64_t record_base, uint64_t line_base,
                          hald_error_t *err);

#endif
