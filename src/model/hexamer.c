/* Scalar hexamer rows (the reference) and the run-time CPU dispatch. */
#include "hald/hexamer.h"

#include <string.h>

/* A table, not a switch: the scalar path is the reference, but it should
 * not be needlessly slow either. */
#define X4 4, 4, 4, 4
#define X16 X4, X4, X4, X4
const uint8_t HALD_BASE_CODE[256] = {
    X16, X16, X16, X16,                                  /* 0x00-0x3f */
    4, 0, 4, 2, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, 4,      /* 0x40 @ A . C . . . G */
    4, 4, 4, 4, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,      /* 0x50 . . . . T U */
    4, 0, 4, 2, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, 4,      /* 0x60 ` a . c . . . g */
    4, 4, 4, 4, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,      /* 0x70 . . . . t u */
    X16, X16, X16, X16, X16, X16, X16, X16,              /* 0x80-0xff */
};
#undef X16
#undef X4

size_t hald_hexamers_scalar(const char *seq, size_t n, uint16_t *rows)
{
    size_t invalid = 0;
    /* Rolling 12-bit row plus a 6-bit mask of which of the last six bases
     * were unknown: one pass, no re-reading of bases. */
    unsigned row = 0, unknown = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned code = hald_base_code((unsigned char)seq[i]);
        row = ((row << 2) | (code & 3u)) & 0xFFFu;
        unknown = ((unknown << 1) | (code >> 2)) & 0x3Fu;
        if (i >= HALD_HEX_LEN - 1) {
            rows[i - (HALD_HEX_LEN - 1)] = (uint16_t)(unknown ? HALD_HEX_INVALID : row);
            invalid += unknown != 0;
        }
    }
    return invalid;
}

int hald_cpu_has_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

int hald_cpu_select(hald_cpu_t want, hald_cpu_t *chosen, hald_error_t *err)
{
    switch (want) {
    case HALD_CPU_AUTO:
        *chosen = hald_cpu_has_avx2() ? HALD_CPU_AVX2 : HALD_CPU_SCALAR;
        return HALD_OK;
    case HALD_CPU_SCALAR:
        *chosen = HALD_CPU_SCALAR;
        return HALD_OK;
    case HALD_CPU_AVX2:
        if (!hald_cpu_has_avx2())
            return hald_error_set(err, HALD_E_USAGE, "--cpu avx2: this CPU has no AVX2");
        *chosen = HALD_CPU_AVX2;
        return HALD_OK;
    }
    return hald_error_set(err, HALD_E_USAGE, "unknown CPU path %d", (int)want);
}

hald_hexamer_fn hald_hexamer_kernel(hald_cpu_t cpu)
{
    return cpu == HALD_CPU_AVX2 ? hald_hexamers_avx2 : hald_hexamers_scalar;
}

const char *hald_cpu_name(hald_cpu_t cpu)
{
    switch (cpu) {
    case HALD_CPU_SCALAR: return "scalar";
    case HALD_CPU_AVX2: return "avx2";
    default: return "auto";
    }
}

int hald_cpu_parse(const char *s, hald_cpu_t *out)
{
    static const struct { const char *name; hald_cpu_t cpu; } names[] = {
        {"auto", HALD_CPU_AUTO}, {"scalar", HALD_CPU_SCALAR}, {"avx2", HALD_CPU_AVX2}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].cpu;
            return 0;
        }
    return -1;
}
