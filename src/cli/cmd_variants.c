/* hald variants: what each variant of a VCF does to the donors around it. */
#include <stdlib.h>

#include "cli.h"

static int check_options(const cli_command_t *cmd, cli_settings_t *s, hald_variants_opts_t *o)
{
    hald_variants_opts_init(o);
    if (!s->fasta) {
        cli_errorf("variants: --fasta FILE (the genome) is required");
        return EXIT_USAGE;
    }
    if (s->sites_bed && s->sites_gtf) {
        cli_errorf("--sites and --gtf: give one of them");
        return EXIT_USAGE;
    }
    o->models = s->models;
    o->lenient = s->lenient;
    o->region = s->region;
    o->site_genes = s->sites_gtf != NULL;
    o->format = cli_given(s, cmd, "out-format") ? s->variant_out
                                                 : hald_variant_out_from_name(s->out);
    return -1;
}

static void log_summary(const cli_ctx_t *c, const hald_variants_stats_t *st)
{
    cli_log(c, 1, "variants", "%llu records, %llu alleles scored (%llu reach a donor), %llu sites in %.2f s",
            (unsigned long long)st->records, (unsigned long long)st->alleles,
            (unsigned long long)st->with_sites, (unsigned long long)st->run.items, st->run.seconds);
    if (st->skipped_symbolic || st->skipped_long)
        cli_log(c, 1, "variants", "alleles skipped: %llu symbolic, %llu longer than %d bases",
                (unsigned long long)st->skipped_symbolic, (unsigned long long)st->skipped_long,
                HALD_VARIANT_MAX_ALLELE);
    if (st->skipped_ref)
        cli_log(c, 1, "variants", "%llu records skipped (--lenient): REF does not match the FASTA",
                (unsigned long long)st->skipped_ref);
}

int cmd_variants(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    hald_variants_opts_t o;
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
    hald_variants_stats_t st;
    int rc = cli_scorer(c, s, &scorer, &err);
    if (rc == HALD_OK && !(tables = hald_scan_tables_new(scorer, &err)))
        rc = err.code;
    if (rc == HALD_OK && (s->sites_bed || s->sites_gtf)) {
        rc = cli_load_sites(c, s, "variants", o.site_genes, &sites, &err);
        o.sites = &sites;
    }
    /* BGZF and BCF are binary: not for a terminal. */
    int binary = o.format == HALD_VARIANT_OUT_VCF_GZ || o.format == HALD_VARIANT_OUT_BCF;
    if (rc == HALD_OK)
        rc = cli_open_output(&job, s->vcf, s->out, binary, &out, &err);
    if (rc == HALD_OK)
        rc = hald_variants_run(tables, &o, s->fasta, s->vcf, out, &job.env, &st, &err);
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && job.rank == 0) {
        log_summary(c, &st);
        cli_log_na(c, "variants", o.models, &st.run);
        if (st.records == 0)
            cli_warn_empty(c, "variants", s->vcf, "records");
    }
    free(scorer);
    hald_scan_tables_free(tables);
    hald_sites_free(&sites);
    return cli_job_end(c, &job, rc, &err);
}
