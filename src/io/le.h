/* hald (internal) — little-endian integers and doubles at any address.
 *
 * Every binary format hald writes or reads (score and scan binaries, the
 * packed index, the npy header) is little-endian.  These helpers are the
 * one place that says so: glibc's <endian.h> makes them plain loads and
 * stores on little-endian hosts and byte swaps elsewhere. */
#ifndef HALD_IO_LE_H
#define HALD_IO_LE_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

static inline void hald_put_le16(void *p, uint16_t v)
{
    v = htole16(v);
    memcpy(p, &v, sizeof v);
}

static inline void hald_put_le32(void *p, uint32_t v)
{
    v = htole32(v);
    memcpy(p, &v, sizeof v);
}

static inline void hald_put_le64(void *p, uint64_t v)
{
    v = htole64(v);
    memcpy(p, &v, sizeof v);
}

static inline uint16_t hald_get_le16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return le16toh(v);
}

static inline uint32_t hald_get_le32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32toh(v);
}

static inline uint64_t hald_get_le64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64toh(v);
}

/* The bits of a double as a little-endian u64 (and back). */
static inline uint64_t hald_f64_bits(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static inline double hald_bits_f64(uint64_t bits)
{
    double x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

static inline double hald_get_le_f64(const void *p)
{
    return hald_bits_f64(hald_get_le64(p));
}

#endif
