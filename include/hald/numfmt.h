/* hald — fast decimal formatting of scores for text output.
 *
 * hald_format_g15 writes exactly what printf("%.15g") writes (15
 * significant digits, shortest form, C locale), about ten times faster: a
 * TSV of millions of scores must not cost more than decompressing them.
 * 15 digits round-trip any double to 5e-15 relative. */
#ifndef HALD_NUMFMT_H
#define HALD_NUMFMT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest output, with the terminating NUL: "-1.23456789012345e-308". */
#define HALD_G15_MAX 32

/* Writes x into out (at least HALD_G15_MAX bytes), NUL-terminated; returns
 * the length.  NaN and infinities are written as printf writes them. */
size_t hald_format_g15(double x, char *out);

/* Writes the decimal digits of v into out (at least 21 bytes), no NUL;
 * returns the length. */
size_t hald_format_u64(unsigned long long v, char *out);

#ifdef __cplusplus
}
#endif
#endif
