/* hald — a genome held in memory: every sequence of a FASTA (plain, gzip,
 * bgzip or zstd), read once.  hald serve keeps one so that each
 * /variants request reads no file; shared read-only by any number of
 * threads. */
#ifndef HALD_GENOME_H
#define HALD_GENOME_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_genome hald_genome_t;

/* Reads every sequence of the FASTA at path.  NULL with err set (naming
 * the file) on failure. */
hald_genome_t *hald_genome_load(const char *path, hald_error_t *err);
void hald_genome_free(hald_genome_t *g);

/* The path it was read from, its sequences and bases in all. */
const char *hald_genome_path(const hald_genome_t *g);
size_t hald_genome_count(const hald_genome_t *g);
uint64_t hald_genome_size(const hald_genome_t *g);

/* The sequence called name (the first, if the FASTA names two alike):
 * 1 with its bases (case kept), length and number in FASTA order (index
 * may be NULL); 0 if there is none. */
int hald_genome_get(const hald_genome_t *g, const char *name, const char **bases, uint64_t *len,
                    uint64_t *index);

#ifdef __cplusplus
}
#endif
#endif
