/* hald pairs as a job: the pair source, the scorer and effect columns on
 * the one runner. */
#include "hald/pairs_run.h"

#include <math.h>
#include <string.h>

#include "hald/effect.h"
#include "../runner/runner.h"
#include "../sources/pair_source.h"

void hald_pairs_opts_init(hald_pairs_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->models = HALD_MODELS_BOTH;
    o->max_length = UINT64_C(1) << 28;
}

typedef struct pairs_unit {
    hald_unit_t base;
    uint64_t first_pair;     /* 0-based number of the unit's first pair */
    hald_buf_t input;        /* encoded pairs (pair_source.h) */
} pairs_unit_t;

static const hald_unit_field_t PAIRS_FIELDS[] = {
    HALD_UNIT_U64(pairs_unit_t, first_pair, HALD_TO_WORKER),
    HALD_UNIT_BUF(pairs_unit_t, input, HALD_TO_WORKER),
};

static const hald_unit_layout_t PAIRS_LAYOUT = {
    sizeof(pairs_unit_t), PAIRS_FIELDS, sizeof PAIRS_FIELDS / sizeof PAIRS_FIELDS[0],
    offsetof(pairs_unit_t, input),
};

typedef struct pairs_shared {
    const hald_scorer_t *scorer;
    hald_model_set_t models;
    int strict;
    const char *input_name;
} pairs_shared_t;

/* ================================================================ work */

/* One window's score with model m; NaN and *why when it has none. */
static double score_one(const hald_scorer_t *s, hald_model_t m, const char *seq, uint64_t stored,
                        uint64_t len, hald_na_t *why)
{
    *why = HALD_NA_NONE;
    return m == HALD_MODEL_MEAN ? hald_score_mean(s, seq, stored, len, why)
                                : hald_score_regions(s, seq, len, why);
}

static int pair_row(const pairs_shared_t *sh, pairs_unit_t *u, const hald_pair_t *p,
                    uint64_t number, hald_error_t *err)
{
    double ref[HALD_N_MODELS], alt[HALD_N_MODELS];
    int k = 0;
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(sh->models & (1u << m)))
            continue;
        hald_na_t why_ref, why_alt;
        ref[k] = score_one(sh->scorer, (hald_model_t)m, p->ref, p->ref_stored, p->ref_len, &why_ref);
        alt[k] = score_one(sh->scorer, (hald_model_t)m, p->alt, p->alt_stored, p->alt_len, &why_alt);
        hald_na_t why = why_ref ? why_ref : why_alt;
        if (why && sh->strict)
            return hald_error_set(err, HALD_E_UNSCORABLE,
                                  "%s: pair %llu (%.*s): cannot score %s with model %s: %s",
                                  sh->input_name, (unsigned long long)number + 1,
                                  (int)(p->id_len > 200 ? 200 : p->id_len), p->id,
                                  why_ref ? "ref" : "alt", hald_model_name((hald_model_t)m),
                                  hald_na_name(why));
        u->base.na[m][why] += why != HALD_NA_NONE;
        k++;
    }
    char *o = hald_buf_reserve(&u->base.out, p->id_len + 1 + (size_t)k * HALD_EFFECT_COLS_MAX, err);
    if (!o)
        return err->code;
    char *start = o;
    if (p->id_len)
        memcpy(o, p->id, p->id_len);
    o = hald_effect_cols(o + p->id_len, ref, alt, k);
    *o++ = '\n';
    u->base.out.len += (size_t)(o - start);
    return HALD_OK;
}

static void pairs_work(const void *shared, void *unit, void *scratch)
{
    (void)scratch;
    const pairs_shared_t *sh = shared;
    pairs_unit_t *u = unit;
    const char *p = u->input.data, *end = hald_buf_end(&u->input);
    hald_pair_t pair;
    int rc;
    while ((rc = hald_pair_decode(&p, end, &pair)) > 0) {
        if (pair_row(sh, u, &pair, u->first_pair + u->base.items, &u->base.err) != HALD_OK)
            return;
        u->base.items++;
    }
    if (rc < 0)
        hald_error_set(&u->base.err, HALD_E_INPUT, "%s: a unit of pairs does not decode",
                       sh->input_name);
}

/* ================================================================ writing */

typedef struct pairs_job {
    hald_pair_src_t *src;
    hald_sink_t *out;
    uint64_t pairs;          /* dealt so far */
} pairs_job_t;

static int pairs_next(void *ctx, void *unit, hald_error_t *err)
{
    pairs_job_t *j = ctx;
    pairs_unit_t *u = unit;
    uint64_t n;
    u->first_pair = j->pairs;
    int rc = hald_pair_src_next(j->src, &u->input, &n, err);
    j->pairs += n;
    return rc;
}

static int pairs_take(void *ctx, void *unit, hald_error_t *err)
{
    pairs_job_t *j = ctx;
    pairs_unit_t *u = unit;
    if (u->base.err.code != HALD_OK || !u->base.out.len)
        return HALD_OK; /* a failure is the runner's to report */
    return hald_sink_write(j->out, u->base.out.data, u->base.out.len, err);
}

static uint64_t pairs_bytes_in(const void *ctx)
{
    return hald_pair_src_bytes_in(((const pairs_job_t *)ctx)->src);
}

/* ================================================================ entry */

static int write_header(hald_sink_t *out, hald_model_set_t models, hald_error_t *err)
{
    hald_buf_t line;
    hald_buf_init(&line);
    int rc = hald_buf_append(&line, "id", 2, err);
    if (rc == HALD_OK)
        rc = hald_effect_header(models, &line, err);
    if (rc == HALD_OK)
        rc = hald_buf_append(&line, "\n", 1, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(out, line.data, line.len, err);
    hald_buf_free(&line);
    return rc;
}

static int pairs_run(const hald_scorer_t *scorer, const hald_pairs_opts_t *o, const char *path,
                     hald_reader_t *reader, hald_sink_t *out, const hald_run_env_t *env,
                     hald_run_stats_t *stats, hald_error_t *err)
{
    const char *name = reader ? hald_reader_name(reader) : path && strcmp(path, "-") == 0 ? "stdin" : path;
    pairs_shared_t sh = {scorer, o->models, o->strict, name};
    hald_job_t job = {
        .task = "pairs",
        .items_name = "pairs",
        .layout = &PAIRS_LAYOUT,
        .shared = &sh,
        .next = pairs_next,
        .work = pairs_work,
        .take = pairs_take,
        .bytes_in = pairs_bytes_in,
    };
    memset(stats, 0, sizeof *stats);
    if (hald_mpi_rank(env->mpi) != 0)
        return hald_runner_run(&job, env, stats, err);

    /* Without --any-length only "is it 160?" matters, so keep 161 bases. */
    uint64_t keep = scorer->any_length ? o->max_length : HALD_WINDOW_LEN + 1;
    pairs_job_t j = {NULL, out, 0};
    j.src = reader ? hald_pair_src_open_reader(reader, keep, err) : hald_pair_src_open(path, keep, err);
    int rc = j.src ? write_header(out, o->models, err) : err->code;
    if (rc == HALD_OK) {
        job.ctx = &j;
        job.bytes_total = hald_pair_src_bytes_total(j.src);
        rc = hald_runner_run(&job, env, stats, err);
    }
    hald_pair_src_close(j.src);
    return rc;
}

int hald_pairs_run(const hald_scorer_t *scorer, const hald_pairs_opts_t *o, const char *path,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *stats,
                   hald_error_t *err)
{
    return pairs_run(scorer, o, path, NULL, out, env, stats, err);
}

int hald_pairs_run_reader(const hald_scorer_t *scorer, const hald_pairs_opts_t *o,
                          hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                          hald_run_stats_t *stats, hald_error_t *err)
{
    return pairs_run(scorer, o, NULL, in, out, env, stats, err);
}
