/* Text lines from a reader: see lines.h. */
#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { READ_CHUNK = 1 << 18 };

int hald_lines_from_reader(hald_lines_t *in, hald_reader_t *r, size_t max_line, const char *what,
                           hald_error_t *err)
{
    memset(in, 0, sizeof *in);
    in->r = r;
    in->name = hald_reader_name(r);
    in->what = what;
    in->max_line = max_line;
    in->cap = READ_CHUNK < max_line ? READ_CHUNK : max_line;
    in->buf = malloc(in->cap);
    if (!in->buf)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", in->name);
    return HALD_OK;
}

int hald_lines_open(hald_lines_t *in, const char *path, size_t max_line, const char *what,
                    hald_error_t *err)
{
    memset(in, 0, sizeof *in);
    hald_reader_t *r = hald_reader_open(path, err);
    if (!r)
        return err ? err->code : HALD_E_IO;
    int rc = hald_lines_from_reader(in, r, max_line, what, err);
    in->owns_reader = 1;
    if (rc != HALD_OK)
        hald_lines_close(in);
    return rc;
}

void hald_lines_close(hald_lines_t *in)
{
    free(in->buf);
    if (in->owns_reader)
        hald_reader_close(in->r);
    memset(in, 0, sizeof *in);
}

static void size_text(size_t n, char *out, size_t cap)
{
    if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
        snprintf(out, cap, "%zu MiB", n >> 20);
    else
        snprintf(out, cap, "%zu bytes", n);
}

/* Slides the partial line to the front and reads more after it; the buffer
 * only grows when one line fills it. */
static int fill(hald_lines_t *in, hald_error_t *err)
{
    size_t keep = in->len - in->pos;
    memmove(in->buf, in->buf + in->pos, keep);
    in->pos = 0;
    in->len = keep;
    if (in->len == in->cap) {
        if (in->cap >= in->max_line) {
            char limit[32];
            size_text(in->max_line, limit, sizeof limit);
            return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: longer than %s (not %s?)",
                                  in->name, (unsigned long long)in->lineno + 1, limit, in->what);
        }
        size_t cap = in->cap * 2 < in->max_line ? in->cap * 2 : in->max_line;
        char *b = realloc(in->buf, cap);
        if (!b)
            return hald_error_set(err, HALD_E_NOMEM, "%s: line %llu: out of memory", in->name,
                                  (unsigned long long)in->lineno + 1);
        in->buf = b;
        in->cap = cap;
    }
    ssize_t got = hald_reader_read(in->r, in->buf + in->len, in->cap - in->len, err);
    if (got < 0)
        return (int)got;
    if (got == 0)
        in->eof = 1;
    in->len += (size_t)got;
    return HALD_OK;
}

int hald_lines_next(hald_lines_t *in, const char **line, size_t *n, hald_error_t *err)
{
    for (;;) {
        char *b = in->buf + in->pos;
        size_t avail = in->len - in->pos;
        char *nl = memchr(b + in->scanned, '\n', avail - in->scanned);
        if (nl || (in->eof && avail)) {
            size_t len = nl ? (size_t)(nl - b) : avail;
            in->pos += nl ? len + 1 : len;
            in->scanned = 0;
            if (len && b[len - 1] == '\r')
                len--;
            in->lineno++;
            *line = b;
            *n = len;
            return 1;
        }
        if (in->eof)
            return 0;
        in->scanned = avail;
        int rc = fill(in, err);
        if (rc < 0)
            return rc;
    }
}
