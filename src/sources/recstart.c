/* Record starts in decoded text: see recstart.h for the rules.  Lines are
 * found with memchr / memrchr, so the cost is one library scan per line
 * plus a byte or two of checking. */
#define _GNU_SOURCE /* memrchr */
#include "hald/recstart.h"

#include <string.h>

static inline int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Start of the line after the one containing offset p, or len if that
 * line has no '\n' inside the buffer. */
static inline size_t next_line(const char *text, size_t len, size_t p)
{
    const char *nl = p < len ? memchr(text + p, '\n', len - p) : NULL;
    return nl ? (size_t)(nl - text) + 1 : len;
}

/* A non-blank byte before the end of the line: decided only once one is
 * seen, since a blank run reaching the end of the buffer may go on. */
static int lines_start(const char *text, size_t len, size_t p)
{
    for (size_t i = p; i < len; i++) {
        if (text[i] == '\n')
            return 0;
        if (!is_blank(text[i]))
            return 1;
    }
    return 0;
}

/* '@' here and '+' at the start of the line two below, which must have
 * at least its first byte in the buffer. */
static int fastq_start(const char *text, size_t len, size_t p)
{
    if (text[p] != '@')
        return 0;
    size_t l1 = next_line(text, len, p);
    size_t l2 = next_line(text, len, l1);
    return l2 < len && text[l2] == '+';
}

int hald_recstart_at(hald_format_t f, const char *text, size_t len, size_t p)
{
    if (p >= len)
        return 0;
    switch (f) {
    case HALD_FORMAT_FASTA:
        return text[p] == '>';
    case HALD_FORMAT_FASTQ:
        return fastq_start(text, len, p);
    case HALD_FORMAT_LINES:
        return lines_start(text, len, p);
    default:
        return 0;
    }
}

size_t hald_recstart_next(hald_format_t f, const char *text, size_t len, size_t from)
{
    if (from == 0)
        from = 1; /* offset 0 has no known line start before it */
    if (from > len)
        return len;
    size_t p = text[from - 1] == '\n' ? from : next_line(text, len, from);
    for (; p < len; p = next_line(text, len, p))
        if (hald_recstart_at(f, text, len, p))
            return p;
    return len;
}

size_t hald_recstart_last(hald_format_t f, const char *text, size_t len)
{
    size_t end = len; /* the '\n' before the next candidate lies in [0, end) */
    while (end > 0) {
        const char *nl = memrchr(text, '\n', end);
        if (!nl)
            break;
        size_t p = (size_t)(nl - text) + 1;
        if (hald_recstart_at(f, text, len, p))
            return p;
        end = p - 1;
    }
    return len;
}

uint64_t hald_recstart_count(hald_format_t f, const char *text, size_t len)
{
    uint64_t n = (uint64_t)hald_recstart_at(f, text, len, 0);
    for (size_t p = hald_recstart_next(f, text, len, 1); p < len;
         p = hald_recstart_next(f, text, len, p + 1))
        n++;
    return n;
}
