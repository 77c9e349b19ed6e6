/* hald scan: every donor site of a genome, or the listed ones. */
#include <stdlib.h>

#include "cli.h"
#include "part.h"

static void warn_missing(const cli_ctx_t *c, const hald_sites_t *sites, const char *genome)
{
    uint64_t names = 0, missing = 0;
    for (size_t i = 0; i < sites->n; i++) {
        const hald_site_chrom_t *sc = &sites->chroms[i];
        if (sc->seen)
            continue;
        names++;
        missing += sc->n;
        cli_warn(c, "scan", "sequence %s is not in %s: its %zu site(s) are skipped", sc->name,
                 genome, sc->n);
    }
    if (names)
        cli_log(c, 1, "scan", "%llu sequence name(s) of the sites not in the genome; %llu sites skipped",
                (unsigned long long)names, (unsigned long long)missing);
}

static void log_summary(const cli_ctx_t *c, const hald_scan_opts_t *o, const hald_scan_stats_t *st)
{
    double secs = st->run.seconds;
    cli_log(c, 1, "scan", "%llu sequences, %llu bases, %llu sites in %.2f s (%.1f Mb/s)",
            (unsigned long long)st->sequences, (unsigned long long)st->bases,
            (unsigned long long)st->run.items, secs, secs > 0 ? (double)st->bases / 1e6 / secs : 0.0);
    uint64_t na = st->run.na[HALD_MODEL_REGIONS][HALD_NA_UNKNOWN_BASE];
    if (na && (o->out.models & HALD_MODELS_REGIONS))
        cli_log(c, 1, "scan", "regions: %llu sites NA (unknown base in a used hexamer)",
                (unsigned long long)na);
    if (st->not_written)
        cli_log(c, 1, "scan", "%llu NA sites not written (BED and bedGraph have no NA)",
                (unsigned long long)st->not_written);
    if (st->repeated_names)
        cli_warn(c, "scan", "%llu sequence(s) named like an earlier one (first: %s): "
                 "their rows share the name", (unsigned long long)st->repeated_names,
                 st->first_repeated);
}

/* Checks the options against each other; -1 to go on, else an exit code. */
static int check_options(const cli_command_t *cmd, cli_settings_t *s, hald_scan_opts_t *o)
{
    hald_scan_opts_init(o);
    o->out.format = s->scan_out;
    o->out.models = s->models;
    o->out.strand = s->strand;
    o->chunk = s->chunk_size;
    o->region = s->region;
    o->shard_index = s->shard_index;
    o->shard_count = s->shard_count;
    int one_model = s->scan_out == HALD_SCAN_OUT_BED || s->scan_out == HALD_SCAN_OUT_BEDGRAPH;
    if (one_model && !cli_given(s, cmd, "model"))
        o->out.models = HALD_MODELS_MEAN;
    if (one_model && o->out.models == HALD_MODELS_BOTH) {
        cli_errorf("--out-format %s shows one model: --model mean or --model regions",
                   s->scan_out == HALD_SCAN_OUT_BED ? "bed" : "bedgraph");
        return EXIT_USAGE;
    }
    if (s->sites_bed && s->sites_gtf) {
        cli_errorf("--sites and --gtf: give one of them");
        return EXIT_USAGE;
    }
    return cli_input(cmd, s);
}

int cmd_scan(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    hald_scan_opts_t o;
    int code = check_options(cmd, s, &o);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, s, &job, &err) != HALD_OK)
        return cli_fail(&err);
    hald_sites_t sites;
    hald_sites_init(&sites);
    hald_scorer_t *scorer = NULL;
    hald_scan_tables_t *tables = NULL;
    hald_sink_t *out = NULL;
    hald_scan_stats_t st;
    int rc = cli_scorer(c, s, &scorer, &err);
    if (rc == HALD_OK && !(tables = hald_scan_tables_new(scorer, &err)))
        rc = err.code;
    if (rc == HALD_OK && (s->sites_bed || s->sites_gtf)) {
        rc = cli_load_sites(c, s, "scan", 0, &sites, &err);
        o.sites = &sites;
    }
    if (rc == HALD_OK)
        rc = cli_open_output(&job, s->in, s->out, o.out.format == HALD_SCAN_OUT_BIN, &out, &err);
    if (rc == HALD_OK)
        rc = hald_scan_run(tables, &o, s->in, out, &job.env, &st, &err);
    int renamed = out && hald_sink_temp_path(out); /* a file: a part gets its manifest */
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && renamed)
        rc = cli_part_write(c, cmd, s, cli_part_scan_format(o.out.format), o.out.models,
                            st.run.items, &err);
    if (rc == HALD_OK && job.rank == 0) {
        log_summary(c, &o, &st);
        if (st.sequences == 0)
            cli_warn_empty(c, "scan", s->in, "sequences");
        if (o.sites)
            warn_missing(c, o.sites, s->in);
    }
    free(scorer);
    hald_scan_tables_free(tables);
    hald_sites_free(&sites);
    return cli_job_end(c, &job, rc, &err);
}
