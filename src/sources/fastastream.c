/* FASTA as a stream of bases, in bounded memory. */
#include "hald/fastastream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FASTA_BUF (1u << 20)
#define NAME_MAX_LEN (64u << 10)

struct hald_fasta_stream {
    hald_reader_t *r;
    char *buf;
    size_t pos, len;
    int eof;
    int line_start; /* pos is at the start of a line */
    int in_seq;     /* a sequence has begun and not ended */
    uint64_t line;  /* 1-based line of pos */
};

hald_fasta_stream_t *hald_fasta_stream_new(hald_reader_t *r, hald_error_t *err)
{
    hald_fasta_stream_t *f = calloc(1, sizeof *f);
    if (f)
        f->buf = malloc(FASTA_BUF);
    if (!f || !f->buf) {
        free(f);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", hald_reader_name(r));
        return NULL;
    }
    f->r = r;
    f->line_start = 1;
    f->line = 1;
    return f;
}

void hald_fasta_stream_free(hald_fasta_stream_t *f)
{
    if (f) {
        free(f->buf);
        free(f);
    }
}

uint64_t hald_fasta_bytes_in(const hald_fasta_stream_t *f) { return hald_reader_bytes_in(f->r); }

/* Makes sure a byte is available at pos: 1, 0 at the end, negative on error. */
static int more(hald_fasta_stream_t *f, hald_error_t *err)
{
    if (f->pos < f->len)
        return 1;
    if (f->eof)
        return 0;
    ssize_t n = hald_reader_read(f->r, f->buf, FASTA_BUF, err);
    if (n < 0)
        return (int)n;
    f->pos = 0;
    f->len = (size_t)n;
    f->eof = n == 0;
    return n > 0;
}

static int binary_error(hald_fasta_stream_t *f, unsigned char c, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: binary data (byte 0x%02x): not FASTA",
                          hald_reader_name(f->r), (unsigned long long)f->line, c);
}

/* Consumes one whole line (for headers: the name is its first word after
 * '>'; pass NULL to skip). */
static int take_line(hald_fasta_stream_t *f, hald_buf_t *name, hald_error_t *err)
{
    int in_word = name != NULL, rc;
    size_t start = 1; /* skip the '>' */
    while ((rc = more(f, err)) > 0) {
        char *p = f->buf + f->pos, *nl = memchr(p, '\n', f->len - f->pos);
        size_t n = nl ? (size_t)(nl - p) : f->len - f->pos;
        for (size_t i = start; in_word && i < n; i++) {
            if (p[i] == ' ' || p[i] == '\t' || p[i] == '\r') {
                in_word = 0;
                break;
            }
            if (name->len >= NAME_MAX_LEN)
                return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: sequence name longer than 64 KiB",
                                      hald_reader_name(f->r), (unsigned long long)f->line);
            if (hald_buf_append(name, p + i, 1, err) != HALD_OK)
                return err->code;
        }
        start = 0;
        f->pos += n;
        if (nl) {
            f->pos++;
            f->line++;
            f->line_start = 1;
            return 1;
        }
    }
    f->line_start = 1;
    return rc;
}

int hald_fasta_next_seq(hald_fasta_stream_t *f, hald_buf_t *name, hald_error_t *err)
{
    int rc;
    name->len = 0;
    while ((rc = more(f, err)) > 0) {
        char c = f->buf[f->pos];
        if (f->line_start && c == '>') {
            if ((rc = take_line(f, name, err)) < 0)
                return rc;
            if (name->len == 0)
                return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: a FASTA header without a name",
                                      hald_reader_name(f->r), (unsigned long long)f->line - 1);
            f->in_seq = 1;
            return hald_buf_append(name, "", 1, err) == HALD_OK ? (name->len--, 1) : err->code;
        }
        if (!f->in_seq && !(c == '\n' || c == '\r' || c == ' ' || c == '\t'))
            return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: expected '>' (a FASTA header)",
                                  hald_reader_name(f->r), (unsigned long long)f->line);
        if ((rc = take_line(f, NULL, err)) < 0)
            return rc;
    }
    f->in_seq = 0;
    return rc;
}

/* Appends the bases of p[0..n), dropping white space.  Most lines have
 * none: one vectorisable test, then a plain copy. */
static int copy_bases(hald_fasta_stream_t *f, const char *p, size_t n, hald_buf_t *out,
                      hald_error_t *err)
{
    char *dst = hald_buf_reserve(out, n, err);
    if (!dst)
        return err->code;
    unsigned char low = 0xff;
    for (size_t i = 0; i < n; i++)
        low = (unsigned char)p[i] < low ? (unsigned char)p[i] : low;
    if (low > ' ') {
        memcpy(dst, p, n);
        out->len += n;
        return HALD_OK;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c > ' ') {
            dst[k++] = (char)c;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') {
            return binary_error(f, c, err);
        }
    }
    out->len += k;
    return HALD_OK;
}

ssize_t hald_fasta_read_bases(hald_fasta_stream_t *f, hald_buf_t *out, size_t max,
                              hald_error_t *err)
{
    size_t before = out->len;
    while (f->in_seq && out->len - before < max) {
        int rc = more(f, err);
        if (rc < 0)
            return rc;
        if (rc == 0 || (f->line_start && f->buf[f->pos] == '>')) {
            f->in_seq = 0; /* the sequence ended: a header follows, or EOF */
            break;
        }
        char *p = f->buf + f->pos, *nl = memchr(p, '\n', f->len - f->pos);
        size_t n = nl ? (size_t)(nl - p) : f->len - f->pos;
        size_t room = max - (out->len - before);
        int whole_line = nl != NULL && n <= room;
        if (n > room)
            n = room;
        if (copy_bases(f, p, n, out, err) != HALD_OK)
            return err->code;
        f->pos += n;
        f->line_start = 0;
        if (whole_line) {
            f->pos++;
            f->line++;
            f->line_start = 1;
        }
    }
    return (ssize_t)(out->len - before);
}
