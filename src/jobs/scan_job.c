/* hald scan as a job: the genome source, the scan kernel and the site
 * writer on the one runner. */
#include "hald/scan_run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/binfmt.h"
#include "../runner/runner.h"
#include "../sources/genome_source.h"

void hald_scan_opts_init(hald_scan_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->out.format = HALD_SCAN_OUT_TSV;
    o->out.models = HALD_MODELS_BOTH;
    o->out.strand = '+';
    o->chunk = HALD_SCAN_CHUNK;
}

typedef struct scan_unit {
    hald_genome_unit_t g;    /* starts with the runner's hald_unit_t */
    uint64_t not_written;
} scan_unit_t;

static const hald_unit_field_t SCAN_FIELDS[] = {
    HALD_GENOME_UNIT_FIELDS(scan_unit_t, g),
    HALD_UNIT_U64(scan_unit_t, not_written, HALD_TO_WRITER),
};

static const hald_unit_layout_t SCAN_LAYOUT = {
    sizeof(scan_unit_t), SCAN_FIELDS, sizeof SCAN_FIELDS / sizeof SCAN_FIELDS[0],
    offsetof(scan_unit_t, g.bases),
};

typedef struct scan_shared {
    const hald_scan_tables_t *tables;
    hald_site_format_t out;  /* named exactly when there is a site list */
    const hald_sites_t *sites;
    const char *input_name;
    hald_genome_cfg_t src;   /* for packed frames this rank reads */
} scan_shared_t;

/* ================================================================ work */

/* Starts scored at a time within a unit, so that a block's site records
 * are still in the cache when formatted. */
#define SITE_BLOCK 16384

/* A thread's memory. */
typedef struct scratch {
    hald_buf_t sites;        /* hald_scan_site_t */
    hald_buf_t names;        /* const char *, with a site list */
    hald_genome_work_t *frames; /* reading packed frames */
} scratch_t;

static void scratch_free(void *p)
{
    scratch_t *s = p;
    if (!s)
        return;
    hald_buf_free(&s->sites);
    hald_buf_free(&s->names);
    hald_genome_work_free(s->frames);
    free(s);
}

static void *scratch_new(const void *shared)
{
    (void)shared;
    scratch_t *s = calloc(1, sizeof *s);
    if (s && !(s->frames = hald_genome_work_new())) {
        free(s);
        s = NULL;
    }
    return s;
}

static void count_sites(scan_unit_t *u, const hald_scan_site_t *s, size_t n)
{
    u->g.base.items += n;
    for (size_t i = 0; i < n; i++) {
        u->g.base.na[HALD_MODEL_MEAN][s[i].na_mean] += s[i].na_mean != 0;
        u->g.base.na[HALD_MODEL_REGIONS][s[i].na_regions] += s[i].na_regions != 0;
    }
}

static int format_sites(const scan_shared_t *sh, scan_unit_t *u, const hald_scan_site_t *s,
                        size_t n, const char *const *names, hald_error_t *err)
{
    count_sites(u, s, n);
    hald_site_rows_t rows = {u->g.chrom.data, u->g.chrom.len - 1, (uint32_t)u->g.chrom_index,
                             s, n, names};
    return hald_site_format_rows(&sh->out, &rows, &u->g.base.out, &u->not_written, err);
}

/* The listed sites of the unit, each scored on its own. */
static int listed_sites(const scan_shared_t *sh, scan_unit_t *u, scratch_t *s, hald_error_t *err)
{
    hald_genome_unit_t *g = &u->g;
    const hald_site_chrom_t *sc = hald_sites_find(sh->sites, g->chrom.data, g->chrom.len - 1);
    if (!sc || g->site_hi > sc->n)
        return hald_error_set(err, HALD_E_INPUT, "%s: sites of %s not found", sh->input_name,
                              g->chrom.data);
    size_t n = (size_t)(g->site_hi - g->site_lo);
    s->sites.len = s->names.len = 0;
    hald_scan_site_t *sites = (hald_scan_site_t *)(void *)hald_buf_reserve(&s->sites, n * sizeof *sites, err);
    const char **names = sites ? (const char **)(void *)hald_buf_reserve(&s->names, n * sizeof *names, err) : NULL;
    if (!names)
        return err->code;
    /* Sorted sites, scored together: neighbours share one pass of sums. */
    memset(sites, 0, n * sizeof *sites);
    for (size_t i = 0; i < n; i++) {
        const hald_site_t *site = &sc->sites[g->site_lo + i];
        sites[i].start = site->start;
        sites[i].strand = site->strand;
        sites[i].name = UINT32_MAX;
        names[i] = hald_site_name(sc, site);
    }
    hald_scan_sites(sh->tables, g->bases.data, g->b0, g->bases.len, g->seq_len, sites, n);
    return format_sites(sh, u, sites, n, names, err);
}

static void scan_work(const void *shared, void *unit, void *scratch)
{
    const scan_shared_t *sh = shared;
    scan_unit_t *u = unit;
    scratch_t *s = scratch;
    hald_genome_unit_t *g = &u->g;
    hald_error_t *err = &g->base.err;
    if (g->read_size && hald_genome_read_frame(&sh->src, g, s->frames, err) != HALD_OK)
        return;
    if (sh->sites) {
        listed_sites(sh, u, s, err);
        return;
    }
    /* Binary records of the whole unit form one chunk: the writer then
     * writes whole blocks from the unit's memory. */
    int one_chunk = sh->out.format == HALD_SCAN_OUT_BIN;
    size_t chunk_at = one_chunk ? hald_bin_chunk_begin(&g->base.out, err) : 0;
    if (chunk_at == SIZE_MAX)
        return;
    for (uint64_t lo = g->s_lo; lo < g->s_hi; lo += SITE_BLOCK) {
        uint64_t hi = g->s_hi - lo > SITE_BLOCK ? lo + SITE_BLOCK : g->s_hi;
        s->sites.len = 0;
        if (hald_scan_chunk(sh->tables, g->bases.data, g->b0, g->bases.len, g->seq_len, lo, hi,
                            sh->out.models, &s->sites, err) != HALD_OK)
            return;
        const hald_scan_site_t *sites = (const hald_scan_site_t *)(void *)s->sites.data;
        size_t n = s->sites.len / sizeof *sites;
        if (one_chunk) {
            count_sites(u, sites, n);
            hald_site_rows_t rows = {g->chrom.data, g->chrom.len - 1, (uint32_t)g->chrom_index,
                                     sites, n, NULL};
            if (hald_site_bin_records(&sh->out, &rows, &g->base.out, err) != HALD_OK)
                return;
        } else if (format_sites(sh, u, sites, n, NULL, err) != HALD_OK) {
            return;
        }
    }
    if (one_chunk)
        hald_bin_chunk_end(&g->base.out, chunk_at, g->base.items, g->base.out.len, err);
}

/* The writer needs nothing of a unit's output but its size and chunk
 * heads: rows written whole, or binary sites without names (the blocker
 * cuts those by count alone).  So the rank that made it writes it
 * (runner/place.h). */
static int scan_placeable(const void *shared, const void *unit)
{
    (void)unit;
    const scan_shared_t *sh = shared;
    return sh->out.format != HALD_SCAN_OUT_BIN || !sh->out.named;
}

/* ================================================================ writing */

typedef struct scan_job {
    hald_genome_src_t *src;
    hald_site_writer_t writer;
    uint64_t not_written;
} scan_job_t;

static int scan_next(void *ctx, void *unit, hald_error_t *err)
{
    return hald_genome_next(((scan_job_t *)ctx)->src, &((scan_unit_t *)unit)->g, err);
}

static int scan_take(void *ctx, void *unit, hald_error_t *err)
{
    scan_job_t *j = ctx;
    scan_unit_t *u = unit;
    if (u->g.base.err.code != HALD_OK)
        return HALD_OK; /* the runner reports it */
    j->not_written += u->not_written;
    return hald_site_writer_put(&j->writer, (uint32_t)u->g.chrom_index, u->g.chrom.data,
                                &u->g.base.out, u->g.base.items, err);
}

static int scan_finish(void *ctx, hald_run_stats_t *stats, hald_error_t *err)
{
    (void)stats;
    return hald_site_writer_finish(&((scan_job_t *)ctx)->writer, err);
}

static uint64_t scan_bytes_in(const void *ctx)
{
    return hald_genome_bytes_in(((const scan_job_t *)ctx)->src);
}

static uint64_t scan_bytes_read(const void *shared, const void *ctx)
{
    const scan_shared_t *sh = shared;
    uint64_t own = sh->src.file.bytes_read ? __atomic_load_n(sh->src.file.bytes_read, __ATOMIC_RELAXED) : 0;
    return own + (ctx ? hald_genome_bytes_read(((const scan_job_t *)ctx)->src) : 0);
}

/* ================================================================ entry */

static int scan_run(const hald_scan_tables_t *t, const hald_scan_opts_t *o, const char *path,
                    hald_reader_t *reader, hald_sink_t *out, const hald_run_env_t *env,
                    hald_scan_stats_t *st, hald_error_t *err)
{
    const char *name = reader ? hald_reader_name(reader) : path && strcmp(path, "-") == 0 ? "stdin" : path;
    scan_shared_t sh = {t, o->out, o->sites, name, {name, HALD_FRAME_FILE_NONE}};
    sh.out.named = o->sites != NULL;
    /* Every rank may be dealt packed frames to read. */
    uint64_t frames_read = 0;
    if (path && !reader && !o->region && !o->sites)
        hald_frame_file_open(&sh.src.file, path, &frames_read);
    hald_job_t job = {
        .task = "scan",
        .items_name = "sites",
        .layout = &SCAN_LAYOUT,
        .shared = &sh,
        .next = scan_next,
        .work = scan_work,
        .take = scan_take,
        .finish = scan_finish,
        .scratch_new = scratch_new,
        .scratch_free = scratch_free,
        .bytes_in = scan_bytes_in,
        .bytes_read = scan_bytes_read,
        .sink = out,
        .placeable = scan_placeable,
        .out_record_size = o->out.format == HALD_SCAN_OUT_BIN
                               ? 16 + 8 * (size_t)hald_model_count(o->out.models)
                               : 0,
    };
    memset(st, 0, sizeof *st);
    if (hald_mpi_rank(env->mpi) != 0) {
        int rc = hald_runner_run(&job, env, &st->run, err);
        hald_frame_file_close(&sh.src.file);
        return rc;
    }

    scan_job_t j;
    memset(&j, 0, sizeof j);
    int rc = HALD_OK;
    if (o->region && reader)
        rc = hald_error_set(err, HALD_E_USAGE, "--region %s: %s is a stream; a region needs a FASTA "
                            "file with an index", o->region, name);
    else if (o->region && o->shard_count)
        rc = hald_error_set(err, HALD_E_USAGE, "--region and --shard: choose one");
    else if (o->region)
        j.src = hald_genome_open_region(path, o->region, o->chunk, o->sites, err);
    else if (reader && o->shard_count)
        rc = hald_error_set(err, HALD_E_USAGE, "--shard: %s is a stream; a shard needs a genome "
                            "packed with hald pack --genome", name);
    else
        j.src = reader ? hald_genome_open_reader(reader, o->chunk, o->sites, err)
                       : hald_genome_open(path, o->chunk, o->sites, o->shard_index,
                                          o->shard_count, err);
    if (rc == HALD_OK && !j.src)
        rc = err->code;
    if (rc == HALD_OK)
        rc = hald_site_writer_begin(&j.writer, out, &sh.out, err);
    if (rc == HALD_OK) {
        job.ctx = &j;
        job.bytes_total = hald_genome_bytes_total(j.src);
        rc = hald_runner_run(&job, env, &st->run, err);
    }
    if (j.src) {
        const char *first;
        st->sequences = hald_genome_sequences(j.src);
        st->bases = hald_genome_bases(j.src);
        st->repeated_names = hald_genome_repeated(j.src, &first);
        if (first)
            snprintf(st->first_repeated, sizeof st->first_repeated, "%s", first);
    }
    st->not_written = j.not_written;
    hald_site_writer_free(&j.writer);
    hald_genome_close(j.src);
    hald_frame_file_close(&sh.src.file);
    return rc;
}

int hald_scan_run(const hald_scan_tables_t *t, const hald_scan_opts_t *o, const char *path,
                  hald_sink_t *out, const hald_run_env_t *env, hald_scan_stats_t *st,
                  hald_error_t *err)
{
    return scan_run(t, o, path, NULL, out, env, st, err);
}

int hald_scan_run_reader(const hald_scan_tables_t *t, const hald_scan_opts_t *o,
                         hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                         hald_scan_stats_t *st, hald_error_t *err)
{
    return scan_run(t, o, NULL, in, out, env, st, err);
}
