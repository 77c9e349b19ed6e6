/* hald (internal) — a genome region as samtools writes it: "chr",
 * "chr:beg-end" or "chr:beg" (1-based, inclusive; commas allowed in the
 * numbers), for --region. */
#ifndef HALD_SOURCES_REGION_H
#define HALD_SOURCES_REGION_H

#include <stdint.h>

#include "hald/error.h"

typedef struct hald_region {
    char name[256];
    uint64_t beg, end;   /* 0-based, half-open; end UINT64_MAX: to the sequence's end */
    int whole;           /* only a name was given */
} hald_region_t;

/* Parses text into r: HALD_OK, or HALD_E_USAGE with err naming the text.
 * The text is split at its last ':' when what follows reads as positions;
 * else all of it is the name (names may hold ':', as HLA contigs do). */
int hald_region_parse(const char *text, hald_region_t *r, hald_error_t *err);

#endif
