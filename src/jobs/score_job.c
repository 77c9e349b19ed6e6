/* hald score as a job: the record source, the scorer and the score writer
 * on the one runner. */
#include "hald/score_run.h"

#include <stdlib.h>
#include <string.h>

#include "hald/binfmt.h"
#include "../runner/runner.h"
#include "../sources/record_source.h"

void hald_score_opts_init(hald_score_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->models = HALD_MODELS_MEAN;
    o->format = HALD_FORMAT_AUTO;
    o->out_format = HALD_OUT_TSV;
    o->max_length = HALD_DEFAULT_MAX_LENGTH;
}

typedef struct score_unit {
    hald_record_unit_t rec;  /* starts with the runner's hald_unit_t */
    uint64_t first_na;       /* 1 + local index of the first unscorable record; 0: none */
} score_unit_t;

static const hald_unit_field_t SCORE_FIELDS[] = {
    HALD_RECORD_UNIT_FIELDS(score_unit_t, rec),
    HALD_UNIT_U64(score_unit_t, first_na, HALD_TO_WRITER),
};

static const hald_unit_layout_t SCORE_LAYOUT = {
    sizeof(score_unit_t), SCORE_FIELDS, sizeof SCORE_FIELDS / sizeof SCORE_FIELDS[0],
    offsetof(score_unit_t, rec.input),
};

/* What every rank holds. */
typedef struct score_shared {
    const hald_scorer_t *scorer;
    hald_model_set_t models;
    int k;
    hald_score_format_t format;
    int strict;
    hald_recsrc_cfg_t src;
} score_shared_t;

/* ================================================================ scoring */

/* A thread's memory: the source's, and scores for the largest batch. */
typedef struct scratch {
    hald_recsrc_work_t *src;
    double *scores;
    uint8_t *why;
    size_t cap;
} scratch_t;

static void *scratch_new(const void *shared)
{
    (void)shared;
    scratch_t *s = calloc(1, sizeof *s);
    if (s && !(s->src = hald_recsrc_work_new())) {
        free(s);
        s = NULL;
    }
    return s;
}

static void scratch_free(void *p)
{
    scratch_t *s = p;
    if (!s)
        return;
    hald_recsrc_work_free(s->src);
    free(s->scores);
    free(s->why);
    free(s);
}

static int reserve(scratch_t *s, size_t values, hald_error_t *err)
{
    if (values <= s->cap)
        return HALD_OK;
    double *sc = realloc(s->scores, values * sizeof *sc);
    if (sc)
        s->scores = sc;
    uint8_t *why = sc ? realloc(s->why, values) : NULL;
    if (why)
        s->why = why;
    if (!sc || !why)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory (scores for %zu records)", values);
    s->cap = values;
    return HALD_OK;
}

/* Counts NA reasons into u, and where the first unscorable record is. */
static void tally(const score_shared_t *sh, const hald_batch_t *b, const uint8_t *why,
                  uint64_t first_local, score_unit_t *u)
{
    int j = 0;
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(sh->models & (1u << m)))
            continue;
        for (size_t i = 0; i < b->n; i++) {
            uint8_t na = why[i * (size_t)sh->k + (size_t)j];
            if (na == HALD_NA_NONE)
                continue;
            u->rec.base.na[m][na]++;
            if (u->first_na == 0 || first_local + i + 1 < u->first_na)
                u->first_na = first_local + i + 1;
        }
        j++;
    }
}

/* Lines-format ids of an unaligned unit are line numbers only the writer
 * knows: a chunk of n local line numbers, then their n × k scores, behind
 * a count. */
static int append_deferred(const score_shared_t *sh, const hald_batch_t *b, const double *scores,
                           hald_buf_t *out, hald_error_t *err)
{
    size_t bytes = 8 + 8 * b->n + 8 * b->n * (size_t)sh->k;
    char *p = hald_buf_reserve(out, bytes, err);
    if (!p)
        return err->code;
    uint64_t n = b->n;
    memcpy(p, &n, 8);
    for (size_t i = 0; i < b->n; i++) {
        uint64_t line = strtoull(b->records[i].id, NULL, 10);
        memcpy(p + 8 + 8 * i, &line, 8);
    }
    memcpy(p + 8 + 8 * b->n, scores, 8 * b->n * (size_t)sh->k);
    out->len += bytes;
    return HALD_OK;
}

/* Rows into the unit's output.  A packed unit's binary chunks are cut
 * where the file's blocks begin (its records' global numbers are known),
 * so that its output can be written in place without the writer reading
 * a byte of it (runner/place.h). */
static int format_rows(const score_shared_t *sh, hald_record_unit_t *rec, uint64_t first,
                       const hald_batch_t *b, const double *scores, hald_error_t *err)
{
    size_t done = 0;
    while (done < b->n) {
        size_t n = b->n - done;
        if (rec->aligned && sh->format.format == HALD_OUT_BIN) {
            uint64_t global = rec->record_base + first + done;
            uint64_t to_block = HALD_BIN_BLOCK_RECORDS - global % HALD_BIN_BLOCK_RECORDS;
            if (to_block < n)
                n = (size_t)to_block;
        }
        hald_score_rows_t rows = {n, scores + done * (size_t)sh->k, b->records + done, NULL, 0};
        int rc = hald_score_format_rows(&sh->format, &rows, &rec->base.out, err);
        if (rc != HALD_OK)
            return rc;
        done += n;
    }
    return HALD_OK;
}

/* Whether the writer needs nothing of the unit's output but its size (and
 * chunk heads): rows written whole (TSV), or binary chunks already cut at
 * blocks (format_rows). */
static int score_placeable(const void *shared, const void *unit)
{
    const score_shared_t *sh = shared;
    const score_unit_t *u = unit;
    if (u->rec.keep_body || hald_recsrc_ids_deferred(&u->rec))
        return 0;
    return sh->format.format == HALD_OUT_TSV || u->rec.aligned;
}

/* Scores the batches of the open parser into u: rows (or deferred rows)
 * into its output, counts and the first NA into its fields. */
static int score_batches(const score_shared_t *sh, scratch_t *s, int deferred, score_unit_t *u,
                         hald_error_t *err)
{
    const hald_batch_t *b;
    int rc;
    while ((rc = hald_recsrc_next_batch(s->src, &b, err)) > 0) {
        if ((rc = reserve(s, b->n * (size_t)sh->k, err)) != HALD_OK)
            return rc;
        hald_score_batch(sh->scorer, sh->models, b, s->scores, s->why);
        tally(sh, b, s->why, u->rec.base.items, u);
        uint64_t first = u->rec.base.items;
        u->rec.base.items += b->n;
        rc = deferred ? append_deferred(sh, b, s->scores, &u->rec.base.out, err)
                      : format_rows(sh, &u->rec, first, b, s->scores, err);
        if (rc != HALD_OK)
            return rc;
    }
    return rc;
}

static void score_work(const void *shared, void *unit, void *scratch)
{
    const score_shared_t *sh = shared;
    score_unit_t *u = unit;
    scratch_t *s = scratch;
    hald_error_t *err = &u->rec.base.err;
    /* A frame that does not decode has no record to name: its message
     * names its offset. */
    if (hald_recsrc_open_unit(&sh->src, &u->rec, s->src, err) != HALD_OK)
        return;
    int rc = score_batches(sh, s, hald_recsrc_ids_deferred(&u->rec), u, err);
    /* A record's failure is named by the writer, which knows its global
     * number: it reads the body again. */
    if (rc < 0 || (sh->strict && u->first_na)) {
        hald_error_t keep_err;
        if (hald_recsrc_keep_body(&u->rec, s->src, &keep_err) != HALD_OK)
            *err = keep_err;
    }
}

/* ================================================================ writing */

typedef struct score_job {
    const score_shared_t *sh;
    hald_recsrc_t *src;
    hald_score_writer_t writer;
    scratch_t *scratch;      /* for the records the writer parses itself */
    score_unit_t joined;     /* rows of the joined records */
} score_job_t;

static int score_next(void *ctx, void *unit, hald_error_t *err)
{
    score_job_t *j = ctx;
    return hald_recsrc_next(j->src, &((score_unit_t *)unit)->rec, err);
}

/* Scores text with known global numbers on the writer's side into
 * j->joined; under --strict the first unscorable record is the error. */
static int score_known(score_job_t *j, hald_format_t fmt, const char *text, size_t len,
                       uint64_t record_base, uint64_t line_base, hald_error_t *err)
{
    const score_shared_t *sh = j->sh;
    hald_unit_reset(&SCORE_LAYOUT, &j->joined);
    int rc = hald_recsrc_open_text(&sh->src, j->scratch->src, fmt, text, len, record_base,
                                   line_base, err);
    const hald_batch_t *b;
    while (rc == HALD_OK && (rc = hald_recsrc_next_batch(j->scratch->src, &b, err)) > 0) {
        if ((rc = reserve(j->scratch, b->n * (size_t)sh->k, err)) != HALD_OK)
            break;
        hald_score_batch(sh->scorer, sh->models, b, j->scratch->scores, j->scratch->why);
        tally(sh, b, j->scratch->why, j->joined.rec.base.items, &j->joined);
        j->joined.rec.base.items += b->n;
        rc = sh->strict ? hald_batch_first_na_error(sh->models, b, j->scratch->why,
                                                    sh->src.input_name, err)
                        : HALD_OK;
        hald_score_rows_t rows = {b->n, j->scratch->scores, b->records, NULL, 0};
        if (rc == HALD_OK)
            rc = hald_score_format_rows(&sh->format, &rows, &j->joined.rec.base.out, err);
    }
    return rc < 0 ? rc : HALD_OK;
}

/* Writes what score_known made, and counts it into u. */
static int put_joined(score_job_t *j, hald_unit_t *into, hald_error_t *err)
{
    const hald_unit_t *r = &j->joined.rec.base;
    into->items += r->items;
    for (int m = 0; m < HALD_N_MODELS; m++)
        for (int k = 0; k < HALD_N_NA; k++)
            into->na[m][k] += r->na[m][k];
    return hald_score_writer_put(&j->writer, &j->joined.rec.base.out, r->items, err);
}

/* A unit whose body failed (or, under --strict, holds an unscorable
 * record): its records again, with their global numbers, for the message. */
static int body_failure(score_job_t *j, score_unit_t *u, hald_error_t *err)
{
    uint64_t record_base, line_base;
    hald_recsrc_body_base(j->src, &u->rec, &record_base, &line_base);
    int rc = score_known(j, (hald_format_t)u->rec.format, u->rec.body.data ? u->rec.body.data : "",
                         u->rec.body.len, record_base, line_base, err);
    if (rc != HALD_OK)
        return rc;
    if (u->rec.base.err.code != HALD_OK) {
        *err = u->rec.base.err;
        return err->code;
    }
    return hald_error_set(err, HALD_E_UNSCORABLE, "%s: unscorable record", j->sh->src.input_name);
}

/* Rows whose ids only the writer can number (lines format, unaligned):
 * the unit's own records. */
static int put_deferred(score_job_t *j, const score_unit_t *u, uint64_t records,
                        hald_error_t *err)
{
    uint64_t record_base, line_base;
    hald_recsrc_body_base(j->src, &u->rec, &record_base, &line_base);
    hald_buf_t *rows = &j->joined.rec.base.out;
    rows->len = 0;
    const char *p = u->rec.base.out.data, *end = hald_buf_end(&u->rec.base.out);
    size_t k = (size_t)j->sh->k;
    while (p < end) {
        uint64_t n;
        memcpy(&n, p, 8);
        hald_score_rows_t r = {(size_t)n, (const double *)(const void *)(p + 8 + 8 * n), NULL,
                               (const uint64_t *)(const void *)(p + 8), line_base - 1};
        int rc = hald_score_format_rows(&j->sh->format, &r, rows, err);
        if (rc != HALD_OK)
            return rc;
        p += 8 + 8 * n + 8 * n * k;
    }
    return hald_score_writer_put(&j->writer, rows, records, err);
}

static int score_take(void *ctx, void *unit, hald_error_t *err)
{
    score_job_t *j = ctx;
    score_unit_t *u = unit;
    if (u->rec.base.err.code != HALD_OK && !u->rec.keep_body)
        return HALD_OK; /* decoding failed: no record to name; the runner reports it */
    uint64_t body_records = u->rec.base.items;
    int rc = hald_recsrc_join_begin(j->src, &u->rec, err);
    if (rc <= 0)
        return rc;
    const char *text;
    size_t len;
    uint64_t record_base, line_base;
    hald_recsrc_join_text(j->src, &text, &len, &record_base, &line_base);
    uint64_t carry_records = 0;
    if (len) {
        rc = score_known(j, hald_recsrc_format(j->src), text, len, record_base, line_base, err);
        if (rc == HALD_OK)
            rc = put_joined(j, &u->rec.base, err);
        if (rc != HALD_OK)
            return rc;
        carry_records = j->joined.rec.base.items;
    }
    hald_recsrc_join_done(j->src, carry_records);
    if (u->rec.keep_body)
        return body_failure(j, u, err);
    rc = hald_recsrc_ids_deferred(&u->rec)
             ? put_deferred(j, u, body_records, err)
             : hald_score_writer_put(&j->writer, &u->rec.base.out, body_records, err);
    return rc == HALD_OK ? hald_recsrc_join_end(j->src, &u->rec, body_records, err) : rc;
}

static int score_finish(void *ctx, hald_run_stats_t *stats, hald_error_t *err)
{
    score_job_t *j = ctx;
    const char *text;
    size_t len;
    uint64_t record_base, line_base;
    hald_recsrc_join_text(j->src, &text, &len, &record_base, &line_base);
    if (len) {
        hald_unit_t counts;
        memset(&counts, 0, sizeof counts);
        int rc = score_known(j, hald_recsrc_format(j->src), text, len, record_base, line_base, err);
        if (rc == HALD_OK)
            rc = put_joined(j, &counts, err);
        if (rc != HALD_OK)
            return rc;
        hald_recsrc_join_done(j->src, counts.items);
        stats->items += counts.items;
        for (int m = 0; m < HALD_N_MODELS; m++)
            for (int k = 0; k < HALD_N_NA; k++)
                stats->na[m][k] += counts.na[m][k];
    }
    return hald_score_writer_finish(&j->writer, err);
}

static uint64_t score_bytes_in(const void *ctx)
{
    return hald_recsrc_bytes_in(((const score_job_t *)ctx)->src);
}

static uint64_t score_bytes_read(const void *shared, const void *ctx)
{
    const score_shared_t *sh = shared;
    uint64_t own = sh->src.file.bytes_read ? __atomic_load_n(sh->src.file.bytes_read, __ATOMIC_RELAXED) : 0;
    return own + (ctx ? hald_recsrc_bytes_read(((const score_job_t *)ctx)->src) : 0);
}

/* ================================================================ entry */

/* Every rank: path or reader is the input (rank 0 only). */
static int score_run(const hald_scorer_t *scorer, const hald_score_opts_t *o, const char *path,
                     hald_reader_t *reader, hald_sink_t *out, const hald_run_env_t *env,
                     hald_run_stats_t *stats, hald_error_t *err)
{
    const char *name = reader ? hald_reader_name(reader) : path && strcmp(path, "-") == 0 ? "stdin" : path;
    score_shared_t sh = {
        .scorer = scorer,
        .models = o->models,
        .k = hald_model_count(o->models),
        .format = {o->out_format, o->models, scorer->any_length},
        .strict = o->strict,
        /* Without --any-length only "is it 160?" matters, so keep 161 bases. */
        .src = {name, scorer->any_length ? o->max_length : HALD_WINDOW_LEN + 1, HALD_FRAME_FILE_NONE},
    };
    /* On several ranks, each reads the packed frames it is dealt. */
    int workers_read = hald_mpi_size(env->mpi) > 1 && path && !reader;
    uint64_t frames_read = 0;
    if (workers_read)
        hald_frame_file_open(&sh.src.file, path, &frames_read);
    hald_job_t job = {
        .task = "score",
        .items_name = "records",
        .layout = &SCORE_LAYOUT,
        .shared = &sh,
        .next = score_next,
        .work = score_work,
        .take = score_take,
        .finish = score_finish,
        .scratch_new = scratch_new,
        .scratch_free = scratch_free,
        .bytes_in = score_bytes_in,
        .bytes_read = score_bytes_read,
        .sink = out,
        .placeable = score_placeable,
        .out_record_size = o->out_format == HALD_OUT_BIN ? 8 * (size_t)hald_model_count(o->models) : 0,
    };
    memset(stats, 0, sizeof *stats);
    if (hald_mpi_rank(env->mpi) != 0) {
        int rc = hald_runner_run(&job, env, stats, err);
        hald_frame_file_close(&sh.src.file);
        return rc;
    }

    score_job_t j;
    memset(&j, 0, sizeof j);
    j.sh = &sh;
    hald_unit_init(&SCORE_LAYOUT, &j.joined);
    hald_recsrc_opts_t so = {o->format, o->shard_index, o->shard_count, workers_read};
    int rc = HALD_OK;
    if (!(j.scratch = scratch_new(&sh)))
        rc = hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK && !(j.src = reader ? hald_recsrc_open_reader(reader, &so, err)
                                          : hald_recsrc_open(path, &so, err)))
        rc = err->code;
    if (rc == HALD_OK)
        rc = hald_score_writer_begin(&j.writer, out, &sh.format, err);
    if (rc == HALD_OK) {
        job.ctx = &j;
        job.bytes_total = hald_recsrc_bytes_total(j.src);
        rc = hald_runner_run(&job, env, stats, err);
    }
    hald_score_writer_free(&j.writer);
    hald_recsrc_close(j.src);
    hald_frame_file_close(&sh.src.file);
    scratch_free(j.scratch);
    hald_unit_free(&SCORE_LAYOUT, &j.joined);
    return rc;
}

int hald_score_run(const hald_scorer_t *scorer, const hald_score_opts_t *o, const char *path,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *stats,
                   hald_error_t *err)
{
    return score_run(scorer, o, path, NULL, out, env, stats, err);
}

int hald_score_run_reader(const hald_scorer_t *scorer, const hald_score_opts_t *o,
                          hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                          hald_run_stats_t *stats, hald_error_t *err)
{
    return score_run(scorer, o, NULL, in, out, env, stats, err);
}
