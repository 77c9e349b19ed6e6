/* Regions "chr", "chr:beg-end", "chr:beg" to 0-based half-open ranges. */
#include "region.h"

#include <string.h>

/* Far beyond any genome, and keeps end + context from overflowing. */
#define MAX_POS ((uint64_t)1 << 62)

/* A position: digits, with commas between them as samtools allows
 * ("1,000,000").  Returns the number of characters read (0: none, or not
 * a number); *v is the value, capped at MAX_POS + 1 so that an overflow
 * reads as "too large". */
static size_t read_pos(const char *p, uint64_t *v)
{
    size_t i = 0;
    int digits = 0;
    *v = 0;
    for (; p[i]; i++) {
        if (p[i] == ',' && digits && p[i + 1] >= '0' && p[i + 1] <= '9')
            continue;
        if (p[i] < '0' || p[i] > '9')
            break;
        digits++;
        *v = *v > MAX_POS ? MAX_POS + 1 : *v * 10 + (uint64_t)(p[i] - '0');
    }
    return digits ? i : 0;
}

/* Reads "beg", "beg-" or "beg-end" filling the whole of p: 1 if it does,
 * 0 if it is no range (then p is part of a name). */
static int read_range(const char *p, uint64_t *beg, uint64_t *end, int *has_end)
{
    size_t n = read_pos(p, beg);
    if (n == 0)
        return 0;
    p += n;
    *has_end = 0;
    if (*p == '\0')
        return 1;
    if (*p++ != '-')
        return 0;
    if (*p == '\0')
        return 1; /* "beg-": to the end, as samtools reads it */
    n = read_pos(p, end);
    *has_end = 1;
    return n > 0 && p[n] == '\0';
}

int hald_region_parse(const char *text, hald_region_t *r, hald_error_t *err)
{
    memset(r, 0, sizeof *r);
    if (!text || !*text)
        return hald_error_set(err, HALD_E_USAGE, "--region: empty region");
    size_t name_len = strlen(text);
    uint64_t beg = 0, end = 0;
    int has_end = 0, ranged = 0;
    const char *colon = strrchr(text, ':');
    if (colon && read_range(colon + 1, &beg, &end, &has_end)) {
        ranged = 1;
        name_len = (size_t)(colon - text);
    }
    if (name_len == 0)
        return hald_error_set(err, HALD_E_USAGE, "--region %s: no sequence name", text);
    if (name_len >= sizeof r->name)
        return hald_error_set(err, HALD_E_USAGE, "--region %.64s...: sequence name longer than %zu bytes",
                              text, sizeof r->name - 1);
    memcpy(r->name, text, name_len);
    r->name[name_len] = '\0';
    if (!ranged) {
        r->whole = 1;
        r->end = UINT64_MAX;
        return HALD_OK;
    }
    if (beg == 0)
        return hald_error_set(err, HALD_E_USAGE, "--region %s: positions are 1-based: the start must be 1 or more",
                              text);
    if (beg > MAX_POS || (has_end && end > MAX_POS))
        return hald_error_set(err, HALD_E_USAGE, "--region %s: position too large", text);
    if (has_end && end < beg)
        return hald_error_set(err, HALD_E_USAGE, "--region %s: the end comes before the start", text);
    r->beg = beg - 1;
    r->end = has_end ? end : UINT64_MAX;
    return HALD_OK;
}
