/* hald (internal) — the pair source: ref/alt windows for hald pairs.
 *
 * Input is a TSV whose header names `ref` and `alt` (and `id`, kept when
 * present; other columns are ignored), or FASTA whose records come in
 * ref/alt pairs (the id is the ref record's).  Rank 0 reads it serially
 * (pairs are small: the work is in scoring) and packs each unit's pairs
 * into one buffer that travels to whichever rank scores it:
 *
 *   per pair: u32 id_len, u64 ref_len, u64 ref_stored, u64 alt_len,
 *             u64 alt_stored (host order), then the id and the stored bases.
 *
 * A sequence longer than max_stored keeps its true length and its first
 * max_stored bases, as in hald score, so memory stays bounded. */
#ifndef HALD_SOURCES_PAIR_SOURCE_H
#define HALD_SOURCES_PAIR_SOURCE_H

#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/reader.h"

typedef struct hald_pair_src hald_pair_src_t;

/* Opens path ("-": stdin), or an open reader (not closed by close). */
hald_pair_src_t *hald_pair_src_open(const char *path, uint64_t max_stored, hald_error_t *err);
hald_pair_src_t *hald_pair_src_open_reader(hald_reader_t *r, uint64_t max_stored,
                                           hald_error_t *err);
void hald_pair_src_close(hald_pair_src_t *s);
const char *hald_pair_src_name(const hald_pair_src_t *s);
uint64_t hald_pair_src_bytes_in(const hald_pair_src_t *s);
uint64_t hald_pair_src_bytes_total(const hald_pair_src_t *s);

/* Appends the next pairs (up to a unit's worth) to bulk; *n gets their
 * count.  Returns 1, 0 at the end of the input, or negative with err
 * naming the file, the line or record and the reason. */
int hald_pair_src_next(hald_pair_src_t *s, hald_buf_t *bulk, uint64_t *n, hald_error_t *err);

/* One pair, pointing into a unit's buffer. */
typedef struct hald_pair {
    const char *id, *ref, *alt;
    uint32_t id_len;
    uint64_t ref_len, ref_stored, alt_len, alt_stored;
} hald_pair_t;

/* The pair at *p (advanced past it); 1, 0 at end, -1 if the buffer is cut. */
int hald_pair_decode(const char **p, const char *end, hald_pair_t *out);

#endif
