/* TSV and binary score rows, and the in-order writer. */
#include "hald/output.h"

#include <math.h>
#include <string.h>

#include "hald/numfmt.h"

int hald_out_format_parse(const char *s, hald_out_format_t *out)
{
    if (strcmp(s, "tsv") == 0)
        *out = HALD_OUT_TSV;
    else if (strcmp(s, "bin") == 0)
        *out = HALD_OUT_BIN;
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- binary */

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* One float64, little-endian; every NA is the same quiet NaN so output
 * bytes never depend on how a NaN arose. */
static void put_f64(uint8_t *p, double x)
{
    uint64_t bits;
    if (isnan(x))
        bits = UINT64_C(0x7ff8000000000000);
    else
        memcpy(&bits, &x, sizeof bits);
    put_u64(p, bits);
}

void hald_bin_header_init(hald_bin_header_t *h, hald_model_set_t set, uint32_t flags)
{
    memset(h, 0, sizeof *h);
    for (int m = 0; m < HALD_N_MODELS; m++)
        if (set & (1u << m))
            h->models[h->n_models++] = (hald_model_t)m;
    h->n_records = HALD_BIN_UNKNOWN_COUNT;
    h->flags = flags;
}

void hald_bin_header_encode(const hald_bin_header_t *h, uint8_t out[HALD_BIN_HEADER_SIZE])
{
    memset(out, 0, HALD_BIN_HEADER_SIZE);
    memcpy(out, HALD_BIN_MAGIC, sizeof HALD_BIN_MAGIC); /* with its NUL: 8 bytes */
    put_u32(out + 8, HALD_BIN_VERSION);
    put_u32(out + 12, h->n_models);
    put_u64(out + 16, h->n_records);
    for (uint32_t i = 0; i < h->n_models; i++)
        out[24 + i] = (uint8_t)(h->models[i] + 1);
    put_u32(out + 32, h->flags);
    put_u32(out + 36, HALD_BIN_HEADER_SIZE);
}

int hald_bin_header_decode(const uint8_t in[HALD_BIN_HEADER_SIZE], const char *name,
                           hald_bin_header_t *h, hald_error_t *err)
{
    memset(h, 0, sizeof *h);
    if (memcmp(in, HALD_BIN_MAGIC, sizeof HALD_BIN_MAGIC) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: not a hald binary score file (bad magic)", name);
    uint32_t version = get_u32(in + 8), header_size = get_u32(in + 36);
    if (version != HALD_BIN_VERSION)
        return hald_error_set(err, HALD_E_INPUT, "%s: binary format version %u, this hald reads %u",
                              name, version, HALD_BIN_VERSION);
    if (header_size != HALD_BIN_HEADER_SIZE)
        return hald_error_set(err, HALD_E_INPUT, "%s: header size %u, expected %u", name,
                              header_size, HALD_BIN_HEADER_SIZE);
    h->n_models = get_u32(in + 12);
    if (h->n_models < 1 || h->n_models > HALD_N_MODELS)
        return hald_error_set(err, HALD_E_INPUT, "%s: %u models in header, expected 1 or 2", name,
                              h->n_models);
    for (uint32_t i = 0; i < h->n_models; i++) {
        unsigned code = in[24 + i];
        if (code < 1 || code > HALD_N_MODELS)
            return hald_error_set(err, HALD_E_INPUT, "%s: unknown model code %u in header", name, code);
        h->models[i] = (hald_model_t)(code - 1);
    }
    h->n_records = get_u64(in + 16);
    h->flags = get_u32(in + 32);
    return HALD_OK;
}

static int bin_rows(hald_model_set_t set, const hald_batch_t *b, const double *scores,
                    hald_buf_t *out, hald_error_t *err)
{
    size_t n = b->n * (size_t)hald_model_count(set);
    uint8_t *p = (uint8_t *)hald_buf_reserve(out, n * 8, err);
    if (!p)
        return err ? err->code : HALD_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        put_f64(p + 8 * i, scores[i]);
    out->len += n * 8;
    return HALD_OK;
}

/* ---------------------------------------------------------------- TSV */

int hald_tsv_header(hald_model_set_t set, hald_buf_t *out, hald_error_t *err)
{
    int rc = hald_buf_append(out, "id", 2, err);
    for (int m = 0; m < HALD_N_MODELS && rc == HALD_OK; m++)
        if (set & (1u << m)) {
            const char *name = hald_model_name((hald_model_t)m);
            rc = hald_buf_append(out, "\t", 1, err);
            if (rc == HALD_OK)
                rc = hald_buf_append(out, name, strlen(name), err);
        }
    return rc == HALD_OK ? hald_buf_append(out, "\n", 1, err) : rc;
}

int hald_tsv_row(const char *id, size_t id_len, const double *scores, int k,
                 hald_buf_t *out, hald_error_t *err)
{
    char *p = hald_buf_reserve(out, id_len + (size_t)k * (HALD_G15_MAX + 1) + 1, err);
    if (!p)
        return err ? err->code : HALD_E_NOMEM;
    char *start = p;
    memcpy(p, id, id_len);
    p += id_len;
    for (int j = 0; j < k; j++) {
        *p++ = '\t';
        if (isnan(scores[j])) {
            memcpy(p, "NA", 2);
            p += 2;
        } else {
            p += hald_format_g15(scores[j], p);
        }
    }
    *p++ = '\n';
    out->len += (size_t)(p - start);
    return HALD_OK;
}

static int tsv_rows(hald_model_set_t set, const hald_batch_t *b, const double *scores,
                    hald_buf_t *out, hald_error_t *err)
{
    int k = hald_model_count(set);
    for (size_t i = 0; i < b->n; i++) {
        const hald_record_t *r = &b->records[i];
        int rc = hald_tsv_row(r->id, r->id_len, scores + i * (size_t)k, k, out, err);
        if (rc != HALD_OK)
            return rc;
    }
    return HALD_OK;
}

int hald_format_rows(hald_out_format_t fmt, hald_model_set_t set, const hald_batch_t *b,
                     const double *scores, hald_buf_t *out, hald_error_t *err)
{
    return fmt == HALD_OUT_BIN ? bin_rows(set, b, scores, out, err)
                               : tsv_rows(set, b, scores, out, err);
}

/* ---------------------------------------------------------------- writer */

int hald_score_writer_begin(hald_score_writer_t *w, hald_sink_t *sink, hald_out_format_t fmt,
                            hald_model_set_t set, uint32_t flags, hald_error_t *err)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->format = fmt;
    hald_bin_header_init(&w->bin, set, flags);
    if (fmt == HALD_OUT_BIN) {
        uint8_t header[HALD_BIN_HEADER_SIZE];
        hald_bin_header_encode(&w->bin, header);
        return hald_sink_write(sink, header, sizeof header, err);
    }
    hald_buf_t line;
    hald_buf_init(&line);
    int rc = hald_tsv_header(set, &line, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(sink, line.data, line.len, err);
    hald_buf_free(&line);
    return rc;
}

int hald_score_writer_rows(hald_score_writer_t *w, const hald_buf_t *rows, size_t n,
                           hald_error_t *err)
{
    w->records += n;
    return hald_sink_write(w->sink, rows->data, rows->len, err);
}

int hald_score_writer_finish(hald_score_writer_t *w, hald_error_t *err)
{
    if (w->format != HALD_OUT_BIN || !hald_sink_seekable(w->sink))
        return HALD_OK;
    uint8_t count[8];
    put_u64(count, w->records);
    return hald_sink_pwrite(w->sink, 16, count, sizeof count, err);
}
