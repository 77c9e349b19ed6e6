/* hald — bases to hexamer rows, the step every model starts from.
 *
 * Each base maps to the authors' 2-bit code A=0, T=1, C=2, G=3 (case
 * folded, U read as T); anything else is an unknown base.  The hexamer
 * starting at b gets row Σ code(s[b+i])·4^(5−i), the row of the weights
 * table, or HALD_HEX_INVALID when any of its six bases is unknown.
 *
 * The scalar version is the reference; the AVX2 version must produce the
 * same rows for every input and is chosen at run time. */
#ifndef HALD_HEXAMER_H
#define HALD_HEXAMER_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HALD_HEX_LEN 6
/* One past the last row: tables carry a zero entry there, so an invalid
 * hexamer adds nothing to a sum without a branch. */
#define HALD_HEX_INVALID 4096u

typedef enum hald_cpu {
    HALD_CPU_AUTO = 0,
    HALD_CPU_SCALAR = 1,
    HALD_CPU_AVX2 = 2
} hald_cpu_t;

/* Writes rows[b] for b in 0..n-6 (n-5 values; nothing when n < 6) and
 * returns how many of them are HALD_HEX_INVALID. */
typedef size_t (*hald_hexamer_fn)(const char *seq, size_t n, uint16_t *rows);

size_t hald_hexamers_scalar(const char *seq, size_t n, uint16_t *rows);
size_t hald_hexamers_avx2(const char *seq, size_t n, uint16_t *rows);

/* The 2-bit code of every byte: 0..3 for A/T/C/G (U as T, any case),
 * 4 for anything else. */
extern const uint8_t HALD_BASE_CODE[256];

static inline unsigned hald_base_code(unsigned char c)
{
    return HALD_BASE_CODE[c];
}

/* Whether this CPU (and OS) can run the AVX2 path. */
int hald_cpu_has_avx2(void);

/* Resolves AUTO to the best available path; refuses AVX2 where the CPU
 * lacks it (HALD_E_USAGE).  Writes the chosen path to *chosen. */
int hald_cpu_select(hald_cpu_t want, hald_cpu_t *chosen, hald_error_t *err);

/* The hexamer function for a resolved path. */
hald_hexamer_fn hald_hexamer_kernel(hald_cpu_t cpu);

const char *hald_cpu_name(hald_cpu_t cpu);
/* "auto", "scalar" or "avx2"; -1 if unknown. */
int hald_cpu_parse(const char *s, hald_cpu_t *out);

#ifdef __cplusplus
}
#endif
#endif
