/* Scored sites as TSV, BED, bedGraph or binary SITE blocks; the writer. */
#include "hald/site_writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#if defined __SSE2__ && defined __x86_64__
#define HAVE_STREAM_STORES 1
#include <emmintrin.h>
#endif

#include "hald/binfmt.h"
#include "hald/numfmt.h"
#include "../io/le.h"

int hald_scan_out_parse(const char *s, hald_scan_out_t *out)
{
    static const char *names[] = {"tsv", "bed", "bedgraph", "bin"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (hald_scan_out_t)i;
            return 0;
        }
    return -1;
}

static int model_of_one(hald_model_set_t set)
{
    return set == HALD_MODELS_REGIONS ? HALD_MODEL_REGIONS : HALD_MODEL_MEAN;
}

/* ================================================================ text */

static size_t put_num(char *p, double x)
{
    if (isnan(x)) {
        memcpy(p, "NA", 2);
        return 2;
    }
    return hald_format_g15(x, p);
}

static size_t put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return n;
}

/* One site as a text line: 1 when written, 0 when the format leaves it
 * out (NA in BED or bedGraph, the other strand in bedGraph), negative on
 * error. */
static int text_site(const hald_site_format_t *f, const hald_site_rows_t *r,
                     const hald_scan_site_t *s, const char *name, hald_buf_t *out, hald_error_t *err)
{
    size_t name_len = name ? strlen(name) : 0;
    char *p = hald_buf_reserve(out, r->chrom_len + name_len + 160, err);
    if (!p)
        return err->code;
    char *start = p;
    double v[HALD_N_MODELS] = {s->mean, s->regions};
    if (f->format == HALD_SCAN_OUT_BED || f->format == HALD_SCAN_OUT_BEDGRAPH) {
        double x = v[model_of_one(f->models)];
        if (f->format == HALD_SCAN_OUT_BEDGRAPH && s->strand != f->strand)
            return 0;
        if (isnan(x))
            return 0;
    }
    p += put_str(p, r->chrom, r->chrom_len);
    *p++ = '\t';
    p += hald_format_u64(s->start, p);
    *p++ = '\t';
    p += hald_format_u64(s->start + 2, p);
    *p++ = '\t';
    if (f->format == HALD_SCAN_OUT_BEDGRAPH) {
        p += put_num(p, v[model_of_one(f->models)]);
    } else if (f->format == HALD_SCAN_OUT_BED) {
        p += name_len ? put_str(p, name, name_len) : put_str(p, ".", 1);
        *p++ = '\t';
        p += put_num(p, v[model_of_one(f->models)]);
        *p++ = '\t';
        *p++ = s->strand;
    } else {
        *p++ = s->strand;
        for (int m = 0; m < HALD_N_MODELS; m++)
            if (f->models & (1u << m)) {
                *p++ = '\t';
                p += put_num(p, v[m]);
            }
        if (f->named) {
            *p++ = '\t';
            p += name_len ? put_str(p, name, name_len) : put_str(p, ".", 1);
            p += put_str(p, s->canonical ? "\tyes" : "\tno", s->canonical ? 4 : 3);
        }
    }
    *p++ = '\n';
    out->len += (size_t)(p - start);
    return 1;
}

static int text_sites(const hald_site_format_t *f, const hald_site_rows_t *r, hald_buf_t *out,
                      uint64_t *not_written, hald_error_t *err)
{
    for (size_t i = 0; i < r->n; i++) {
        const hald_scan_site_t *s = &r->sites[i];
        int rc = text_site(f, r, s, r->names ? r->names[i] : NULL, out, err);
        if (rc < 0)
            return rc;
        *not_written += rc == 0 && (f->format != HALD_SCAN_OUT_BEDGRAPH || s->strand == f->strand);
    }
    return HALD_OK;
}

/* ================================================================ binary */

static uint64_t bin_score(double x)
{
    return isnan(x) ? HALD_BIN_NA_BITS : hald_f64_bits(x);
}

/* A site's binary record as little-endian words in rec; returns its size
 * in bytes (16 + 8 per model). */
static inline size_t bin_record(hald_model_set_t models, uint32_t chrom_index,
                                const hald_scan_site_t *s, uint64_t rec[4])
{
    rec[0] = htole64(chrom_index | (uint64_t)(uint8_t)s->strand << 32 | (uint64_t)s->canonical << 40);
    rec[1] = htole64(s->start);
    rec[2] = htole64(bin_score(models & HALD_MODELS_MEAN ? s->mean : s->regions));
    rec[3] = htole64(bin_score(s->regions));
    return 16 + 8 * (size_t)hald_model_count(models);
}

/* A unit's binary output (4 MB a unit) is written once and read only by
 * the sink: streaming stores skip reading each cache line in first. */
static inline void store_record(char *p, const uint64_t rec[4], size_t size)
{
#ifdef HAVE_STREAM_STORES
    for (size_t i = 0; i < size / 8; i++)
        _mm_stream_si64((long long *)(void *)(p + 8 * i), (long long)rec[i]);
#else
    memcpy(p, rec, size);
#endif
}

static inline void stores_done(void)
{
#ifdef HAVE_STREAM_STORES
    _mm_sfence(); /* streaming stores are weakly ordered */
#endif
}

int hald_site_bin_records(const hald_site_format_t *f, const hald_site_rows_t *r,
                          hald_buf_t *out, hald_error_t *err)
{
    size_t size = 16 + 8 * (size_t)hald_model_count(f->models);
    char *p = hald_buf_reserve(out, r->n * size, err);
    if (!p)
        return err->code;
    for (size_t i = 0; i < r->n; i++, p += size) {
        uint64_t rec[4];
        store_record(p, rec, bin_record(f->models, r->chrom_index, &r->sites[i], rec));
    }
    stores_done();
    out->len += r->n * size;
    return HALD_OK;
}

/* One chunk (hald/binfmt.h): the records, then the names of a named scan;
 * the writer cuts chunks into SITE blocks. */
static int bin_sites(const hald_site_format_t *f, const hald_site_rows_t *r, hald_buf_t *out,
                     hald_error_t *err)
{
    size_t at = hald_bin_chunk_begin(out, err);
    if (at == SIZE_MAX || hald_site_bin_records(f, r, out, err) != HALD_OK)
        return err->code;
    size_t names_at = out->len;
    for (size_t i = 0; f->named && i < r->n; i++) {
        const char *name = r->names ? r->names[i] : "";
        if (hald_buf_append(out, name, strlen(name), err) != HALD_OK ||
            hald_buf_append(out, "\n", 1, err) != HALD_OK)
            return err->code;
    }
    return hald_bin_chunk_end(out, at, r->n, names_at, err);
}

int hald_site_format_rows(const hald_site_format_t *f, const hald_site_rows_t *rows,
                          hald_buf_t *out, uint64_t *not_written, hald_error_t *err)
{
    if (rows->n == 0)
        return HALD_OK;
    return f->format == HALD_SCAN_OUT_BIN ? bin_sites(f, rows, out, err)
                                          : text_sites(f, rows, out, not_written, err);
}

/* ================================================================ writer */

int hald_site_header(const hald_site_format_t *f, hald_buf_t *out, hald_error_t *err)
{
    char text[256];
    int n = 0;
    switch (f->format) {
    case HALD_SCAN_OUT_TSV:
        n = snprintf(text, sizeof text, "chrom\tstart\tend\tstrand%s%s%s\n",
                     f->models & HALD_MODELS_MEAN ? "\tmean" : "",
                     f->models & HALD_MODELS_REGIONS ? "\tregions" : "",
                     f->named ? "\tname\tcanonical" : "");
        break;
    case HALD_SCAN_OUT_BEDGRAPH:
        n = snprintf(text, sizeof text,
                     "track type=bedGraph name=\"HAL %s %c\" description=\"hald scan\"\n",
                     hald_model_name((hald_model_t)model_of_one(f->models)), f->strand);
        break;
    case HALD_SCAN_OUT_BIN: {
        hald_bin_header_t h;
        uint8_t raw[HALD_BIN_HEADER_SIZE];
        hald_bin_header_init(&h, HALD_BIN_SITES, f->models, f->named ? HALD_BIN_FLAG_NAMED : 0);
        hald_bin_header_encode(&h, raw);
        return hald_buf_append(out, raw, sizeof raw, err);
    }
    case HALD_SCAN_OUT_BED:
        return HALD_OK;
    }
    return hald_buf_append(out, text, (size_t)n, err);
}

int hald_site_writer_begin(hald_site_writer_t *w, hald_sink_t *sink, const hald_site_format_t *f,
                           hald_error_t *err)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->f = *f;
    w->named_index = -1;
    hald_bin_blocker_init(&w->blocks, sink, HALD_BLOCK_SITE,
                          16 + 8 * (size_t)hald_model_count(f->models));
    hald_buf_t head;
    hald_buf_init(&head);
    int rc = hald_site_header(f, &head, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(sink, head.data, head.len, err);
    hald_buf_free(&head);
    return rc;
}

int hald_site_writer_put(hald_site_writer_t *w, uint32_t chrom_index, const char *chrom,
                         hald_buf_t *sites, uint64_t n, hald_error_t *err)
{
    w->sites += n;
    if (w->f.format != HALD_SCAN_OUT_BIN)
        return sites->len ? hald_sink_write(w->sink, sites->data, sites->len, err) : HALD_OK;
    if (n && (int64_t)chrom_index != w->named_index) {
        int rc = hald_bin_blocker_name(&w->blocks, chrom_index, chrom, err);
        if (rc != HALD_OK)
            return rc;
        w->named_index = chrom_index;
    }
    return hald_bin_blocker_put(&w->blocks, sites, err);
}

int hald_site_writer_finish(hald_site_writer_t *w, hald_error_t *err)
{
    return w->f.format == HALD_SCAN_OUT_BIN ? hald_bin_blocker_finish(&w->blocks, err) : HALD_OK;
}

void hald_site_writer_free(hald_site_writer_t *w)
{
    hald_bin_blocker_free(&w->blocks);
}
