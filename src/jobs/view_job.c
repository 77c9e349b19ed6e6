/* hald view as a job: the binary source, and the score and site writers'
 * own TSV formatters, so the text is byte for byte what the run prints. */
#include "hald/view_run.h"

#include <stdlib.h>
#include <string.h>

#include "hald/binfmt.h"
#include "hald/score_writer.h"
#include "hald/site_writer.h"
#include "../io/le.h"
#include "../runner/runner.h"
#include "../sources/bin_source.h"

typedef struct view_unit {
    hald_bin_unit_t bin;     /* starts with the runner's hald_unit_t */
    /* The header, so that any rank can format the unit: only rank 0 reads it. */
    uint64_t kind, models, flags;
} view_unit_t;

static const hald_unit_field_t VIEW_FIELDS[] = {
    HALD_BIN_UNIT_FIELDS(view_unit_t, bin),
    HALD_UNIT_U64(view_unit_t, kind, HALD_TO_WORKER),
    HALD_UNIT_U64(view_unit_t, models, HALD_TO_WORKER),
    HALD_UNIT_U64(view_unit_t, flags, HALD_TO_WORKER),
};

static const hald_unit_layout_t VIEW_LAYOUT = {
    sizeof(view_unit_t), VIEW_FIELDS, sizeof VIEW_FIELDS / sizeof VIEW_FIELDS[0],
    offsetof(view_unit_t, bin.blocks),
};

typedef struct view_shared {
    const char *name;        /* the file, for messages */
} view_shared_t;

/* ================================================================ work */

/* A thread's memory: buffers only, made and freed by the runner. */
typedef struct scratch {
    hald_buf_t sites;        /* hald_scan_site_t of one sequence */
    hald_buf_t names;        /* const char * of the sites */
    hald_buf_t text;         /* the block's site names, NUL-terminated */
} scratch_t;

static int bad_payload(const view_shared_t *sh, uint64_t at, const char *what, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: block at byte offset %llu: %s", sh->name,
                          (unsigned long long)at, what);
}

/* The '\n'-ended strings after n records of `rec` bytes: *names, or an error. */
static const char *names_start(const hald_bin_block_t *b, const char *payload, size_t rec)
{
    return payload + (size_t)b->count * rec;
}

static int rows_block(const view_shared_t *sh, const view_unit_t *u, const hald_bin_block_t *b,
                      const char *payload, uint64_t at, hald_buf_t *out, hald_error_t *err)
{
    int k = hald_model_count((hald_model_set_t)u->models);
    const char *id = names_start(b, payload, 8 * (size_t)k), *end = payload + b->bytes;
    for (uint32_t i = 0; i < b->count; i++) {
        const char *nl = memchr(id, '\n', (size_t)(end - id));
        if (!nl)
            return bad_payload(sh, at, "fewer ids than records", err);
        double s[HALD_N_MODELS];
        for (int j = 0; j < k; j++)
            s[j] = hald_get_le_f64(payload + 8 * ((size_t)i * (size_t)k + (size_t)j));
        int rc = hald_tsv_row(id, (size_t)(nl - id), s, k, out, err);
        if (rc != HALD_OK)
            return rc;
        id = nl + 1;
    }
    return HALD_OK;
}

/* One site record back into the scanner's struct. */
static void read_site(const char *p, hald_model_set_t models, hald_scan_site_t *s)
{
    uint64_t w0 = hald_get_le64(p);
    memset(s, 0, sizeof *s);
    s->strand = (char)(w0 >> 32);
    s->canonical = (uint8_t)(w0 >> 40);
    s->start = hald_get_le64(p + 8);
    double first = hald_get_le_f64(p + 16);
    s->mean = models & HALD_MODELS_MEAN ? first : 0;
    s->regions = models == HALD_MODELS_REGIONS ? first : models & HALD_MODELS_REGIONS ? hald_get_le_f64(p + 24) : 0;
}

static int site_group(const view_unit_t *u, const hald_site_format_t *f, uint64_t index,
                      scratch_t *s, size_t n, hald_buf_t *out, hald_error_t *err)
{
    size_t len;
    const char *chrom = hald_bin_unit_name(&u->bin, index, &len);
    hald_site_rows_t rows = {chrom, len, (uint32_t)index,
                             (const hald_scan_site_t *)(void *)s->sites.data, n,
                             f->named ? (const char *const *)(void *)s->names.data : NULL};
    uint64_t not_written = 0;
    return hald_site_format_rows(f, &rows, out, &not_written, err);
}

static int site_block(const view_shared_t *sh, const view_unit_t *u, const hald_bin_block_t *b,
                      const char *payload, uint64_t at, scratch_t *s, hald_buf_t *out,
                      hald_error_t *err)
{
    hald_model_set_t models = (hald_model_set_t)u->models;
    hald_site_format_t f = {HALD_SCAN_OUT_TSV, models, '+', (u->flags & HALD_BIN_FLAG_NAMED) != 0};
    size_t rec = 16 + 8 * (size_t)hald_model_count(models);
    const char *name = names_start(b, payload, rec), *end = payload + b->bytes;
    s->sites.len = s->names.len = s->text.len = 0;
    hald_scan_site_t *sites = (hald_scan_site_t *)(void *)hald_buf_reserve(&s->sites, b->count * sizeof *sites, err);
    const char **names = sites ? (const char **)(void *)hald_buf_reserve(&s->names, b->count * sizeof *names, err) : NULL;
    if (!names || (f.named && hald_buf_append(&s->text, name, (size_t)(end - name), err) != HALD_OK))
        return err->code;
    char *nm = s->text.data, *nm_end = hald_buf_end(&s->text);
    size_t group = 0;
    uint64_t index = 0;
    for (uint32_t i = 0; i < b->count; i++) {
        const char *p = payload + (size_t)i * rec;
        uint64_t idx = hald_get_le32(p);
        if (i > 0 && idx != index) {
            int rc = site_group(u, &f, index, s, group, out, err);
            if (rc != HALD_OK)
                return rc;
            group = 0; /* the next sequence's sites start at 0 */
        }
        index = idx;
        read_site(p, models, &sites[group]);
        if (f.named) {
            char *nl = memchr(nm, '\n', (size_t)(nm_end - nm));
            if (!nl)
                return bad_payload(sh, at, "fewer site names than sites", err);
            *nl = '\0';
            names[group] = nm;
            nm = nl + 1;
        }
        group++;
    }
    return group ? site_group(u, &f, index, s, group, out, err) : HALD_OK;
}

static void view_work(const void *shared, void *unit, void *scratch)
{
    const view_shared_t *sh = shared;
    view_unit_t *u = unit;
    hald_error_t *err = &u->bin.base.err;
    hald_bin_walk_t w = {u->bin.blocks.data, u->bin.blocks.data + u->bin.blocks.len, u->bin.offset};
    hald_bin_block_t b;
    const char *payload;
    uint64_t at;
    while (hald_bin_walk_next(&w, &b, &payload, &at)) {
        int rc = u->kind == HALD_BIN_SITES
                     ? site_block(sh, u, &b, payload, at, scratch, &u->bin.base.out, err)
                     : rows_block(sh, u, &b, payload, at, &u->bin.base.out, err);
        if (rc != HALD_OK)
            return;
        u->bin.base.items += b.count;
    }
}

/* ================================================================ writing */

typedef struct view_job {
    hald_bin_src_t *src;
    hald_sink_t *out;
} view_job_t;

static int view_next(void *ctx, void *unit, hald_error_t *err)
{
    view_job_t *j = ctx;
    view_unit_t *u = unit;
    const hald_bin_header_t *h = hald_bin_header(j->src);
    u->kind = h->kind;
    u->models = hald_bin_header_models(h);
    u->flags = h->flags;
    return hald_bin_next(j->src, &u->bin, err);
}

static int view_take(void *ctx, void *unit, hald_error_t *err)
{
    view_job_t *j = ctx;
    view_unit_t *u = unit;
    if (u->bin.base.err.code != HALD_OK || u->bin.base.out.len == 0)
        return HALD_OK;
    return hald_sink_write(j->out, u->bin.base.out.data, u->bin.base.out.len, err);
}

static uint64_t view_bytes_in(const void *ctx)
{
    return hald_bin_bytes_in(((const view_job_t *)ctx)->src);
}

/* The TSV header of the run that wrote the file. */
static int write_header(const hald_bin_header_t *h, hald_sink_t *out, hald_error_t *err)
{
    hald_buf_t line;
    hald_buf_init(&line);
    hald_model_set_t models = hald_bin_header_models(h);
    hald_site_format_t f = {HALD_SCAN_OUT_TSV, models, '+', (h->flags & HALD_BIN_FLAG_NAMED) != 0};
    int rc = h->kind == HALD_BIN_SITES ? hald_site_header(&f, &line, err)
                                       : hald_tsv_header(models, &line, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(out, line.data, line.len, err);
    hald_buf_free(&line);
    return rc;
}

int hald_view_run(const char *path, hald_sink_t *out, const hald_run_env_t *env,
                  hald_run_stats_t *st, hald_error_t *err)
{
    view_shared_t sh = {strcmp(path, "-") == 0 ? "stdin" : path};
    hald_job_t job = {
        .task = "view",
        .items_name = "rows",
        .layout = &VIEW_LAYOUT,
        .shared = &sh,
        .next = view_next,
        .work = view_work,
        .take = view_take,
        .scratch_size = sizeof(scratch_t),
        .scratch_bufs = 3,
        .bytes_in = view_bytes_in,
    };
    memset(st, 0, sizeof *st);
    if (hald_mpi_rank(env->mpi) != 0)
        return hald_runner_run(&job, env, st, err);
    view_job_t j = {NULL, out};
    int rc = (j.src = hald_bin_open(path, err)) ? HALD_OK : err->code;
    if (rc == HALD_OK)
        rc = write_header(hald_bin_header(j.src), out, err);
    if (rc == HALD_OK) {
        job.ctx = &j;
        job.bytes_total = hald_bin_bytes_total(j.src);
        rc = hald_runner_run(&job, env, st, err);
    }
    hald_bin_close(j.src);
    return rc;
}
