/* The pair source: see pair_source.h. */
#include "pair_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/lines.h"

/* Pairs and bytes per unit. */
#define UNIT_PAIRS 16384
#define UNIT_BYTES ((size_t)4 << 20)
#define PAIR_HEAD (4 + 4 * 8)

typedef enum { PAIRS_TSV, PAIRS_FASTA } pairs_format_t;

typedef struct fasta_rec {
    hald_buf_t id, seq;
    uint64_t len;            /* true length; seq holds min(len, max_stored) */
    uint64_t number;         /* 1-based record number */
} fasta_rec_t;

struct hald_pair_src {
    hald_lines_t lines;
    hald_reader_t *reader;   /* owned unless from a caller */
    int owns_reader;
    uint64_t max_stored;
    pairs_format_t format;
    int started;             /* the header (TSV) or first line (FASTA) is read */
    size_t col_id, col_ref, col_alt, n_cols; /* TSV; col_id == SIZE_MAX: none */
    /* FASTA: a header line read ahead, and the two records of a pair */
    int have_header;
    uint64_t records;
    fasta_rec_t rec[2];
    hald_buf_t pending_header;
};

/* ---------------------------------------------------------------- opening */

static hald_pair_src_t *open_on(hald_reader_t *r, int owns, uint64_t max_stored, hald_error_t *err)
{
    hald_pair_src_t *s = calloc(1, sizeof *s);
    if (!s) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory");
        if (owns)
            hald_reader_close(r);
        return NULL;
    }
    s->reader = r;
    s->owns_reader = owns;
    s->max_stored = max_stored;
    /* A line holds at most two stored sequences and some columns. */
    size_t max_line = max_stored > (UINT64_C(1) << 30) ? (size_t)1 << 31
                                                       : (size_t)(2 * max_stored + (1 << 20));
    if (hald_lines_from_reader(&s->lines, r, max_line, "a table of pairs or FASTA", err) != HALD_OK) {
        hald_pair_src_close(s);
        return NULL;
    }
    return s;
}

hald_pair_src_t *hald_pair_src_open(const char *path, uint64_t max_stored, hald_error_t *err)
{
    hald_reader_t *r = hald_reader_open(path, err);
    return r ? open_on(r, 1, max_stored, err) : NULL;
}

hald_pair_src_t *hald_pair_src_open_reader(hald_reader_t *r, uint64_t max_stored,
                                           hald_error_t *err)
{
    return open_on(r, 0, max_stored, err);
}

void hald_pair_src_close(hald_pair_src_t *s)
{
    if (!s)
        return;
    hald_lines_close(&s->lines);
    if (s->owns_reader)
        hald_reader_close(s->reader);
    for (int i = 0; i < 2; i++) {
        hald_buf_free(&s->rec[i].id);
        hald_buf_free(&s->rec[i].seq);
    }
    hald_buf_free(&s->pending_header);
    free(s);
}

const char *hald_pair_src_name(const hald_pair_src_t *s) { return hald_reader_name(s->reader); }
uint64_t hald_pair_src_bytes_in(const hald_pair_src_t *s) { return hald_reader_bytes_in(s->reader); }
uint64_t hald_pair_src_bytes_total(const hald_pair_src_t *s) { return hald_reader_size(s->reader); }

/* ---------------------------------------------------------------- encoding */

typedef struct seq_ref {
    const char *p;
    uint64_t len;
} seq_ref_t;

static int put_pair(hald_pair_src_t *s, hald_buf_t *bulk, const char *id, size_t id_len,
                    seq_ref_t ref, seq_ref_t alt, hald_error_t *err)
{
    uint64_t rs = ref.len < s->max_stored ? ref.len : s->max_stored;
    uint64_t as = alt.len < s->max_stored ? alt.len : s->max_stored;
    if (id_len > UINT32_MAX)
        id_len = UINT32_MAX;
    char *p = hald_buf_reserve(bulk, PAIR_HEAD + id_len + rs + as, err);
    if (!p)
        return err->code;
    uint32_t il = (uint32_t)id_len;
    uint64_t lens[4] = {ref.len, rs, alt.len, as};
    memcpy(p, &il, 4);
    memcpy(p + 4, lens, sizeof lens);
    p += PAIR_HEAD;
    if (id_len) /* memcpy from NULL, even of 0 bytes, is undefined */
        memcpy(p, id, id_len);
    if (rs)
        memcpy(p + id_len, ref.p, rs);
    if (as)
        memcpy(p + id_len + rs, alt.p, as);
    bulk->len += PAIR_HEAD + id_len + rs + as;
    return HALD_OK;
}

int hald_pair_decode(const char **p, const char *end, hald_pair_t *out)
{
    if (*p == end)
        return 0;
    if ((size_t)(end - *p) < PAIR_HEAD)
        return -1;
    uint32_t il;
    uint64_t lens[4];
    memcpy(&il, *p, 4);
    memcpy(lens, *p + 4, sizeof lens);
    const char *q = *p + PAIR_HEAD;
    if (lens[1] > lens[0] || lens[3] > lens[2] || (size_t)(end - q) < il ||
        (uint64_t)(end - q - il) < lens[1] || (uint64_t)(end - q - il) - lens[1] < lens[3])
        return -1;
    out->id = q;
    out->id_len = il;
    out->ref = q + il;
    out->ref_len = lens[0];
    out->ref_stored = lens[1];
    out->alt = out->ref + lens[1];
    out->alt_len = lens[2];
    out->alt_stored = lens[3];
    *p = out->alt + lens[3];
    return 1;
}

/* ---------------------------------------------------------------- TSV */

typedef struct field {
    const char *p;
    size_t n;
} field_t;

/* The i-th tab-separated field of a line, or 0 if it has fewer. */
static int nth_field(const char *line, size_t n, size_t i, field_t *f)
{
    const char *p = line, *end = line + n;
    for (size_t k = 0;; k++) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        if (k == i) {
            f->p = p;
            f->n = t ? (size_t)(t - p) : (size_t)(end - p);
            return 1;
        }
        if (!t)
            return 0;
        p = t + 1;
    }
}

static int read_header(hald_pair_src_t *s, const char *line, size_t n, hald_error_t *err)
{
    s->col_id = s->col_ref = s->col_alt = SIZE_MAX;
    field_t f;
    for (size_t i = 0; nth_field(line, n, i, &f); i++) {
        if (i == 0 && f.n && f.p[0] == '#') { /* "#id\tref\talt" */
            f.p++;
            f.n--;
        }
        size_t *col = f.n == 2 && memcmp(f.p, "id", 2) == 0    ? &s->col_id
                      : f.n == 3 && memcmp(f.p, "ref", 3) == 0 ? &s->col_ref
                      : f.n == 3 && memcmp(f.p, "alt", 3) == 0 ? &s->col_alt
                                                               : NULL;
        if (col && *col == SIZE_MAX)
            *col = i;
        s->n_cols = i + 1;
    }
    if (s->col_ref == SIZE_MAX || s->col_alt == SIZE_MAX)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: line %llu: the header names no '%s' column (a TSV of pairs needs "
                              "columns named ref and alt, or FASTA in ref/alt pairs)",
                              s->lines.name, (unsigned long long)s->lines.lineno,
                              s->col_ref == SIZE_MAX ? "ref" : "alt");
    return HALD_OK;
}

static int tsv_row(hald_pair_src_t *s, const char *line, size_t n, hald_buf_t *bulk,
                   hald_error_t *err)
{
    field_t id, ref, alt;
    if (!nth_field(line, n, s->col_ref, &ref) || !nth_field(line, n, s->col_alt, &alt) ||
        (s->col_id != SIZE_MAX && !nth_field(line, n, s->col_id, &id))) {
        size_t fields = 1;
        for (size_t i = 0; i < n; i++)
            fields += line[i] == '\t';
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: %zu fields, the header has %zu",
                              s->lines.name, (unsigned long long)s->lines.lineno, fields, s->n_cols);
    }
    char num[24];
    if (s->col_id == SIZE_MAX) { /* as hald score numbers lines */
        id.p = num;
        id.n = (size_t)snprintf(num, sizeof num, "%llu", (unsigned long long)s->lines.lineno);
    }
    return put_pair(s, bulk, id.p, id.n, (seq_ref_t){ref.p, ref.n}, (seq_ref_t){alt.p, alt.n}, err);
}

/* ---------------------------------------------------------------- FASTA */

/* The first word of a header line (after '>'). */
static field_t header_id(const char *line, size_t n)
{
    size_t i = 1;
    while (i < n && line[i] != ' ' && line[i] != '\t')
        i++;
    return (field_t){line + 1, i - 1};
}

/* Reads one record whose header is pending; 1, 0 at the end, negative. */
static int fasta_record(hald_pair_src_t *s, fasta_rec_t *r, hald_error_t *err)
{
    if (!s->have_header)
        return 0;
    r->id.len = r->seq.len = 0;
    r->len = 0;
    r->number = ++s->records;
    field_t id = header_id(s->pending_header.data, s->pending_header.len);
    if (hald_buf_append(&r->id, id.p, id.n, err) != HALD_OK)
        return err->code;
    s->have_header = 0;
    const char *line;
    size_t n;
    int rc;
    while ((rc = hald_lines_next(&s->lines, &line, &n, err)) > 0) {
        if (n && line[0] == '>') {
            s->pending_header.len = 0;
            if (hald_buf_append(&s->pending_header, line, n, err) != HALD_OK)
                return err->code;
            s->have_header = 1;
            break;
        }
        uint64_t keep = r->len < s->max_stored ? s->max_stored - r->len : 0;
        if (keep > n)
            keep = n;
        if (keep && hald_buf_append(&r->seq, line, (size_t)keep, err) != HALD_OK)
            return err->code;
        r->len += n;
    }
    return rc < 0 ? rc : 1;
}

static int fasta_pair(hald_pair_src_t *s, hald_buf_t *bulk, hald_error_t *err)
{
    int rc = fasta_record(s, &s->rec[0], err);
    if (rc <= 0)
        return rc;
    if ((rc = fasta_record(s, &s->rec[1], err)) < 0)
        return rc;
    fasta_rec_t *ref = &s->rec[0], *alt = &s->rec[1];
    if (rc == 0)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: record %llu (%.*s): a ref without its alt (FASTA pairs come as "
                              "ref, alt, ref, alt ...)",
                              s->lines.name, (unsigned long long)ref->number,
                              (int)(ref->id.len > 200 ? 200 : ref->id.len), ref->id.data);
    rc = put_pair(s, bulk, ref->id.data ? ref->id.data : "", ref->id.len,
                  (seq_ref_t){ref->seq.data, ref->len}, (seq_ref_t){alt->seq.data, alt->len}, err);
    return rc == HALD_OK ? 1 : rc;
}

/* ---------------------------------------------------------------- units */

/* The first line that is not blank decides: '>' FASTA, else a TSV header. */
static int start(hald_pair_src_t *s, hald_error_t *err)
{
    const char *line;
    size_t n;
    int rc;
    while ((rc = hald_lines_next(&s->lines, &line, &n, err)) > 0 && n == 0)
        ;
    if (rc <= 0)
        return rc;
    s->started = 1;
    if (line[0] == '>') {
        s->format = PAIRS_FASTA;
        s->have_header = 1;
        return hald_buf_append(&s->pending_header, line, n, err) == HALD_OK ? 1 : err->code;
    }
    s->format = PAIRS_TSV;
    return read_header(s, line, n, err) == HALD_OK ? 1 : err->code;
}

int hald_pair_src_next(hald_pair_src_t *s, hald_buf_t *bulk, uint64_t *n_pairs, hald_error_t *err)
{
    *n_pairs = 0;
    int rc = 1;
    if (!s->started && (rc = start(s, err)) <= 0)
        return rc;
    while (*n_pairs < UNIT_PAIRS && bulk->len < UNIT_BYTES) {
        if (s->format == PAIRS_FASTA) {
            rc = fasta_pair(s, bulk, err);
        } else {
            const char *line;
            size_t n;
            while ((rc = hald_lines_next(&s->lines, &line, &n, err)) > 0 && n == 0)
                ;
            if (rc > 0)
                rc = tsv_row(s, line, n, bulk, err) == HALD_OK ? 1 : err->code;
        }
        if (rc <= 0)
            break;
        ++*n_pairs;
    }
    if (rc < 0)
        return rc;
    return *n_pairs > 0;
}
