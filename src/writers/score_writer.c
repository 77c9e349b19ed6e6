/* Score rows as TSV or binary ROWS blocks, and the in-order writer. */
#include "hald/score_writer.h"

#include <math.h>
#include <string.h>

#include "hald/binfmt.h"
#include "hald/numfmt.h"
#include "../io/le.h"

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

/* A row's id: the record's, or a line number. */
static size_t row_id(const hald_score_rows_t *r, size_t i, char num[24], const char **id)
{
    if (r->records) {
        *id = r->records[i].id;
        return r->records[i].id_len;
    }
    *id = num;
    return hald_format_u64(r->line_ids[i] + r->line_offset, num);
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

static int tsv_rows(int k, const hald_score_rows_t *r, hald_buf_t *out, hald_error_t *err)
{
    char num[24];
    for (size_t i = 0; i < r->n; i++) {
        const char *id;
        size_t id_len = row_id(r, i, num, &id);
        int rc = hald_tsv_row(id, id_len, r->scores + i * (size_t)k, k, out, err);
        if (rc != HALD_OK)
            return rc;
    }
    return HALD_OK;
}

/* ---------------------------------------------------------------- binary */

/* One chunk (hald/binfmt.h): the scores, then the ids; the writer cuts
 * chunks into ROWS blocks. */
static int bin_rows(int k, const hald_score_rows_t *r, hald_buf_t *out, hald_error_t *err)
{
    size_t at = hald_bin_chunk_begin(out, err);
    if (at == SIZE_MAX)
        return err->code;
    size_t n = r->n * (size_t)k;
    size_t id_bytes = r->records ? 0 : r->n * 21;
    for (size_t i = 0; r->records && i < r->n; i++)
        id_bytes += r->records[i].id_len + 1;
    char *p = hald_buf_reserve(out, 8 * n + id_bytes, err);
    if (!p)
        return err->code;
    char *start = p;
    /* Every NA is the same quiet NaN, so the bytes never depend on how a
     * NaN arose. */
    for (size_t i = 0; i < n; i++, p += 8)
        hald_put_le64(p, isnan(r->scores[i]) ? HALD_BIN_NA_BITS : hald_f64_bits(r->scores[i]));
    size_t names_at = out->len + (size_t)(p - start);
    char num[24];
    for (size_t i = 0; i < r->n; i++) {
        const char *id;
        size_t id_len = row_id(r, i, num, &id);
        memcpy(p, id, id_len);
        p[id_len] = '\n';
        p += id_len + 1;
    }
    out->len += (size_t)(p - start);
    return hald_bin_chunk_end(out, at, r->n, names_at, err);
}

int hald_score_format_rows(const hald_score_format_t *f, const hald_score_rows_t *rows,
                           hald_buf_t *out, hald_error_t *err)
{
    int k = hald_model_count(f->models);
    if (rows->n == 0)
        return HALD_OK;
    return f->format == HALD_OUT_BIN ? bin_rows(k, rows, out, err) : tsv_rows(k, rows, out, err);
}

/* ---------------------------------------------------------------- writer */

int hald_score_writer_begin(hald_score_writer_t *w, hald_sink_t *sink,
                            const hald_score_format_t *f, hald_error_t *err)
{
    memset(w, 0, sizeof *w);
    w->sink = sink;
    w->f = *f;
    if (f->format == HALD_OUT_BIN) {
        hald_bin_header_t h;
        uint8_t raw[HALD_BIN_HEADER_SIZE];
        hald_bin_header_init(&h, HALD_BIN_SCORES, f->models,
                             f->any_length ? HALD_BIN_FLAG_ANY_LENGTH : 0);
        hald_bin_header_encode(&h, raw);
        hald_bin_blocker_init(&w->blocks, sink, HALD_BLOCK_ROWS, h.record_size);
        return hald_sink_write(sink, raw, sizeof raw, err);
    }
    hald_buf_t line;
    hald_buf_init(&line);
    int rc = hald_tsv_header(f->models, &line, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(sink, line.data, line.len, err);
    hald_buf_free(&line);
    return rc;
}

int hald_score_writer_put(hald_score_writer_t *w, hald_buf_t *rows, uint64_t n, hald_error_t *err)
{
    w->records += n;
    if (w->f.format == HALD_OUT_BIN)
        return hald_bin_blocker_put(&w->blocks, rows, err);
    return rows->len ? hald_sink_write(w->sink, rows->data, rows->len, err) : HALD_OK;
}

int hald_score_writer_finish(hald_score_writer_t *w, hald_error_t *err)
{
    return w->f.format == HALD_OUT_BIN ? hald_bin_blocker_finish(&w->blocks, err) : HALD_OK;
}

void hald_score_writer_free(hald_score_writer_t *w)
{
    hald_bin_blocker_free(&w->blocks);
}
