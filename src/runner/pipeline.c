/* The single-process scoring run.  Each step works on a whole batch so the
 * parallel engine can hand batches to threads and ranks unchanged. */
#include "hald/pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void hald_run_opts_init(hald_run_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->models = HALD_MODELS_MEAN;
    o->format = HALD_FORMAT_AUTO;
    o->out_format = HALD_OUT_TSV;
    o->threads = 1;
    o->max_length = HALD_DEFAULT_MAX_LENGTH;
}

/* Per-batch working memory, sized for the largest batch seen. */
typedef struct batch_work {
    double *scores;
    uint8_t *why;
    size_t cap; /* values */
    hald_buf_t rows;
} batch_work_t;

static int work_reserve(batch_work_t *w, size_t values, hald_error_t *err)
{
    if (values <= w->cap)
        return HALD_OK;
    double *s = realloc(w->scores, values * sizeof *s);
    if (s)
        w->scores = s;
    uint8_t *y = s ? realloc(w->why, values) : NULL;
    if (y)
        w->why = y;
    if (!s || !y)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory (scores for %zu records)", values);
    w->cap = values;
    return HALD_OK;
}

/* Counts NA reasons; under strict, the first NA is an error naming it. */
static int tally(const hald_run_opts_t *o, const hald_batch_t *b, const uint8_t *why,
                 const char *input, hald_run_stats_t *st, hald_error_t *err)
{
    int k = hald_model_count(o->models), j = 0;
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(o->models & (1u << m)))
            continue;
        for (size_t i = 0; i < b->n; i++) {
            uint8_t na = why[i * (size_t)k + (size_t)j];
            st->na[m][na] += na != HALD_NA_NONE;
        }
        j++;
    }
    return o->strict ? hald_batch_first_na_error(o->models, b, why, input, err) : HALD_OK;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress(const hald_run_opts_t *o, hald_reader_t *in, hald_run_stats_t *st,
                     double t0, double *last, int final)
{
    if (!o->progress_fn)
        return;
    double t = seconds_now();
    if (!final && t - *last < 1.0)
        return;
    *last = t;
    st->bytes_in = hald_reader_bytes_in(in);
    o->progress_fn(o->progress_ctx, st, t - t0, final);
}

int hald_run_score(const hald_scorer_t *scorer, hald_reader_t *in, hald_score_writer_t *out,
                   const hald_run_opts_t *opts, hald_run_stats_t *stats, hald_error_t *err)
{
    memset(stats, 0, sizeof *stats);
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = opts->format;
    /* Without --any-length only "is it 160?" matters, so keep 161 bases. */
    po.max_stored = scorer->any_length ? opts->max_length : HALD_WINDOW_LEN + 1;
    hald_parser_t *parser = hald_parser_new(in, &po, err);
    if (!parser)
        return err->code;

    hald_batch_t batch;
    hald_batch_init(&batch);
    batch_work_t work = {0};
    hald_buf_init(&work.rows);
    int k = hald_model_count(opts->models), rc;
    double t0 = seconds_now(), last = t0;
    while ((rc = hald_parser_next(parser, &batch, err)) > 0) {
        if ((rc = work_reserve(&work, batch.n * (size_t)k, err)) != HALD_OK)
            break;
        hald_score_batch(scorer, opts->models, &batch, work.scores, work.why);
        stats->records += batch.n;
        if ((rc = tally(opts, &batch, work.why, hald_reader_name(in), stats, err)) != HALD_OK)
            break;
        work.rows.len = 0;
        rc = hald_format_rows(opts->out_format, opts->models, &batch, work.scores, &work.rows, err);
        if (rc == HALD_OK)
            rc = hald_score_writer_rows(out, &work.rows, batch.n, err);
        if (rc != HALD_OK)
            break;
        progress(opts, in, stats, t0, &last, 0);
    }
    if (rc == 0)
        progress(opts, in, stats, t0, &last, 1);
    stats->bytes_in = hald_reader_bytes_in(in);
    hald_buf_free(&work.rows);
    free(work.scores);
    free(work.why);
    hald_batch_free(&batch);
    hald_parser_free(parser);
    return rc < 0 ? rc : HALD_OK;
}
