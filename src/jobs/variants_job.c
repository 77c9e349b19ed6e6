/* hald variants as a job: the VCF source, the variant sites and the TSV
 * or VCF writer on the one runner. */
#include "hald/variants_run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hald/effect.h"
#include "hald/variant.h"
#include "hald/variant_writer.h"
#include "../runner/runner.h"
#include "../sources/vcf_source.h"
#include "../writers/vcf_writer.h"

void hald_variants_opts_init(hald_variants_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->models = HALD_MODELS_BOTH;
}

typedef struct variants_unit {
    hald_vcf_unit_t v;       /* starts with the runner's hald_unit_t */
    uint64_t alleles, with_sites, skipped_symbolic, skipped_long, skipped_ref;
} variants_unit_t;

static const hald_unit_field_t VARIANTS_FIELDS[] = {
    HALD_VCF_UNIT_FIELDS(variants_unit_t, v),
    HALD_UNIT_U64(variants_unit_t, alleles, HALD_TO_WRITER),
    HALD_UNIT_U64(variants_unit_t, with_sites, HALD_TO_WRITER),
    HALD_UNIT_U64(variants_unit_t, skipped_symbolic, HALD_TO_WRITER),
    HALD_UNIT_U64(variants_unit_t, skipped_long, HALD_TO_WRITER),
    HALD_UNIT_U64(variants_unit_t, skipped_ref, HALD_TO_WRITER),
};

static const hald_unit_layout_t VARIANTS_LAYOUT = {
    sizeof(variants_unit_t), VARIANTS_FIELDS, sizeof VARIANTS_FIELDS / sizeof VARIANTS_FIELDS[0],
    offsetof(variants_unit_t, v.bases),
};

typedef struct variants_shared {
    const hald_scan_tables_t *tables;
    hald_model_set_t models;
    int vcf_out;             /* HAL values per record, not TSV rows */
    int lenient;
    const hald_sites_t *sites;
    int genes;
    const char *vcf_name, *fasta_name;
} variants_shared_t;

/* ================================================================ work */

typedef struct scratch {
    hald_variant_scratch_t vs;
    hald_buf_t sites;        /* hald_variant_site_t of one allele */
    hald_buf_t names;        /* const char *, with a site list */
} scratch_t;

static void *scratch_new(const void *shared)
{
    (void)shared;
    scratch_t *s = calloc(1, sizeof *s);
    return s;
}

static void scratch_free(void *p)
{
    scratch_t *s = p;
    if (!s)
        return;
    hald_variant_scratch_free(&s->vs);
    hald_buf_free(&s->sites);
    hald_buf_free(&s->names);
    free(s);
}

static int symbolic(const char *alt, size_t n)
{
    return (n && alt[0] == '<') || memchr(alt, '[', n) || memchr(alt, ']', n) ||
           (n == 1 && (alt[0] == '*' || alt[0] == '.')) || n == 0;
}

/* Whether REF is what the FASTA has at pos (case aside). */
static int ref_matches(const hald_vcf_unit_t *v, const hald_vcf_rec_t *r)
{
    if (r->pos < v->b0 || r->pos - v->b0 > v->bases.len || r->ref_len > v->bases.len - (r->pos - v->b0))
        return 0;
    const char *g = v->bases.data + (r->pos - v->b0);
    for (uint32_t i = 0; i < r->ref_len; i++)
        if ((g[i] & ~0x20) != (r->ref[i] & ~0x20))
            return 0;
    return 1;
}

static int ref_mismatch(const variants_shared_t *sh, const hald_vcf_unit_t *v,
                        const hald_vcf_rec_t *r, hald_error_t *err)
{
    const char *chrom = v->chrom.data;
    if (r->pos > v->seq_len || r->ref_len > v->seq_len - r->pos)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: record %llu (%s:%llu): REF goes past the end of %s (%llu bases in %s)",
                              sh->vcf_name, (unsigned long long)r->number, chrom,
                              (unsigned long long)r->pos + 1, chrom, (unsigned long long)v->seq_len,
                              sh->fasta_name);
    int shown = r->ref_len > 60 ? 60 : (int)r->ref_len;
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: record %llu (%s:%llu): REF %.*s does not match %s (%.*s) (--lenient "
                          "skips such records)",
                          sh->vcf_name, (unsigned long long)r->number, chrom,
                          (unsigned long long)r->pos + 1, shown, r->ref, sh->fasta_name, shown,
                          v->bases.data + (r->pos - v->b0));
}

/* Counts rows whose delta is NA, by model and the first side's reason. */
static void count_na(variants_unit_t *u, const hald_variant_site_t *v, size_t n, hald_model_set_t models)
{
    for (size_t i = 0; i < n; i++)
        for (int m = 0; m < HALD_N_MODELS; m++) {
            uint8_t why = v[i].na_ref[m] ? v[i].na_ref[m] : v[i].na_alt[m];
            if ((models & (1u << m)) && why)
                u->v.base.na[m][why]++;
        }
}

/* The sites of one allele, formatted into the unit: TSV rows, or HAL
 * entries counted in *entries. */
static int one_allele(const variants_shared_t *sh, variants_unit_t *u, scratch_t *s,
                      const hald_site_chrom_t *listed, const hald_vcf_rec_t *r, const char *alt,
                      size_t alt_len, int *entries, hald_error_t *err)
{
    hald_vcf_unit_t *v = &u->v;
    static const hald_site_t NO_SITES[1];
    hald_allele_t allele = {r->pos, r->ref, alt, r->ref_len, alt_len};
    s->sites.len = 0;
    long m = hald_variant_sites(sh->tables, v->bases.data, v->b0, v->bases.len, v->seq_len, &allele,
                                sh->sites ? (listed ? listed->sites : NO_SITES) : NULL,
                                listed ? listed->n : 0, &s->vs, &s->sites, err);
    if (m < 0)
        return (int)m;
    u->alleles++;
    u->with_sites += m > 0;
    u->v.base.items += (uint64_t)m;
    const hald_variant_site_t *sites = (const hald_variant_site_t *)(void *)s->sites.data;
    count_na(u, sites, (size_t)m, sh->models);
    const char *const *names = NULL;
    if (listed && m) {
        s->names.len = 0;
        const char **n = (const char **)(void *)hald_buf_reserve(&s->names, (size_t)m * sizeof *n, err);
        if (!n)
            return err->code;
        for (long i = 0; i < m; i++)
            n[i] = hald_site_name(listed, &listed->sites[sites[i].name]);
        names = n;
    }
    hald_allele_text_t text = {v->chrom.data, r->pos + 1, r->ref, alt, r->ref_len, alt_len};
    if (sh->vcf_out)
        return hald_variant_hal_entries(&text, sites, (size_t)m, sh->models,
                                        sh->genes ? names : NULL, entries, &v->base.out, err);
    return hald_variant_tsv_rows(&text, sites, (size_t)m, sh->models, names, &v->base.out, err);
}

/* Every ALT allele of a record. */
static int one_record(const variants_shared_t *sh, variants_unit_t *u, scratch_t *s,
                      const hald_site_chrom_t *listed, const hald_vcf_rec_t *r, hald_error_t *err)
{
    int entries = 0, checked = 0;
    const char *p = r->alts, *end = r->alts + r->alts_len;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
        const char *alt = p;
        p = comma ? comma + 1 : end;
        if (symbolic(alt, n)) {
            u->skipped_symbolic++;
            continue;
        }
        if (r->ref_len > HALD_VARIANT_MAX_ALLELE || n > HALD_VARIANT_MAX_ALLELE) {
            u->skipped_long++;
            continue;
        }
        if (!checked) {
            if (!ref_matches(&u->v, r)) {
                if (!sh->lenient)
                    return ref_mismatch(sh, &u->v, r, err);
                u->skipped_ref++;
                break;
            }
            checked = 1;
        }
        int rc = one_allele(sh, u, s, listed, r, alt, n, &entries, err);
        if (rc != HALD_OK)
            return rc;
    }
    return sh->vcf_out ? hald_buf_append(&u->v.base.out, "\n", 1, err) : HALD_OK;
}

static void variants_work(const void *shared, void *unit, void *scratch)
{
    const variants_shared_t *sh = shared;
    variants_unit_t *u = unit;
    hald_error_t *err = &u->v.base.err;
    const hald_site_chrom_t *listed =
        sh->sites ? hald_sites_find(sh->sites, u->v.chrom.data, u->v.chrom.len - 1) : NULL;
    const char *p = u->v.records.data, *end = hald_buf_end(&u->v.records);
    hald_vcf_rec_t r;
    int rc;
    while ((rc = hald_vcf_rec_decode(&p, end, &r)) > 0)
        if (one_record(sh, u, scratch, listed, &r, err) != HALD_OK)
            return;
    if (rc < 0)
        hald_error_set(err, HALD_E_INPUT, "%s: a unit of records does not decode", sh->vcf_name);
}

/* ================================================================ writing */

typedef struct variants_job {
    hald_vcf_src_t *src;
    hald_sink_t *out;
    int vcf_out;
    hald_vcf_writer_t vcf;
    hald_buf_t contigs;      /* undeclared contigs met, for the writer's header */
    hald_buf_t line;         /* a kept line, being written */
    hald_variants_stats_t *st;
} variants_job_t;

static int variants_next(void *ctx, void *unit, hald_error_t *err)
{
    return hald_vcf_src_next(((variants_job_t *)ctx)->src, &((variants_unit_t *)unit)->v, err);
}

static int mismatch(variants_job_t *j, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: a unit's annotations do not match its records",
                          hald_vcf_src_name(j->src));
}

/* One record again with its HAL value hal[0..n): the line as read (a
 * text VCF), or htslib's record. */
static int write_record(variants_job_t *j, const char *hal, size_t n, hald_error_t *err)
{
    if (hald_vcf_src_keeps_lines(j->src)) {
        int rc = hald_vcf_src_take_line(j->src, &j->line, err);
        if (rc <= 0)
            return rc < 0 ? rc : mismatch(j, err);
        return hald_vcf_writer_put_line(&j->vcf, j->line.data ? j->line.data : "", j->line.len,
                                        hal, n, err);
    }
    bcf1_t *rec = hald_vcf_src_take(j->src);
    if (!rec)
        return mismatch(j, err);
    int rc = hald_vcf_writer_put(&j->vcf, rec, hal, n, err);
    hald_vcf_src_recycle(j->src, rec);
    return rc;
}

/* The unit's records again, each with its line of HAL entries. */
static int write_records(variants_job_t *j, variants_unit_t *u, hald_error_t *err)
{
    const char *p = u->v.base.out.data, *end = hald_buf_end(&u->v.base.out);
    hald_vcf_src_new_contigs(j->src, &j->contigs);
    if (hald_vcf_writer_add_contigs(&j->vcf, &j->contigs, err) != HALD_OK)
        return err->code;
    for (uint64_t i = 0; i < u->v.n_records; i++) {
        const char *nl = p ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!nl)
            return mismatch(j, err);
        int rc = write_record(j, p, (size_t)(nl - p), err);
        if (rc != HALD_OK)
            return rc;
        p = nl + 1;
    }
    return HALD_OK;
}

static int variants_take(void *ctx, void *unit, hald_error_t *err)
{
    variants_job_t *j = ctx;
    variants_unit_t *u = unit;
    if (u->v.base.err.code != HALD_OK)
        return HALD_OK; /* the runner reports it */
    j->st->alleles += u->alleles;
    j->st->with_sites += u->with_sites;
    j->st->skipped_symbolic += u->skipped_symbolic;
    j->st->skipped_long += u->skipped_long;
    j->st->skipped_ref += u->skipped_ref;
    if (j->vcf_out)
        return write_records(j, u, err);
    return u->v.base.out.len ? hald_sink_write(j->out, u->v.base.out.data, u->v.base.out.len, err)
                             : HALD_OK;
}

static uint64_t variants_bytes_in(const void *ctx)
{
    return hald_vcf_src_bytes_in(((const variants_job_t *)ctx)->src);
}

/* ================================================================ entry */

static int begin_output(variants_job_t *j, const hald_variants_opts_t *o, hald_error_t *err)
{
    if (j->vcf_out)
        return hald_vcf_writer_begin(&j->vcf, j->out, hald_vcf_src_header(j->src), o->format,
                                     o->sites && o->site_genes, err);
    hald_buf_t line;
    hald_buf_init(&line);
    int rc = hald_variant_tsv_header(o->models, o->sites != NULL, &line, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(j->out, line.data, line.len, err);
    hald_buf_free(&line);
    return rc;
}

int hald_variants_run(const hald_scan_tables_t *t, const hald_variants_opts_t *o,
                      const char *fasta, const char *vcf, hald_sink_t *out,
                      const hald_run_env_t *env, hald_variants_stats_t *st, hald_error_t *err)
{
    int vcf_out = o->format != HALD_VARIANT_OUT_TSV;
    variants_shared_t sh = {t, o->models, vcf_out, o->lenient, o->sites, o->site_genes,
                            o->vcf_label ? o->vcf_label : vcf && strcmp(vcf, "-") == 0 ? "stdin" : vcf,
                            o->genome ? hald_genome_path(o->genome) : fasta};
    hald_job_t job = {
        .task = "variants",
        .items_name = "sites",
        .layout = &VARIANTS_LAYOUT,
        .shared = &sh,
        .next = variants_next,
        .work = variants_work,
        .take = variants_take,
        .scratch_new = scratch_new,
        .scratch_free = scratch_free,
        .bytes_in = variants_bytes_in,
    };
    memset(st, 0, sizeof *st);
    if (hald_mpi_rank(env->mpi) != 0)
        return hald_runner_run(&job, env, &st->run, err);

    variants_job_t j;
    memset(&j, 0, sizeof j);
    j.out = out;
    j.vcf_out = vcf_out;
    j.st = st;
    int rc = HALD_OK;
    /* Text VCF out of a text VCF: each line as read, HAL spliced in. */
    hald_vcf_keep_t keep = o->format == HALD_VARIANT_OUT_BCF ? HALD_VCF_KEEP_RECORDS
                           : vcf_out                         ? HALD_VCF_KEEP_LINES
                                                             : HALD_VCF_KEEP_NONE;
    hald_vcf_inputs_t in = {vcf, o->vcf_label, fasta, o->genome, o->region};
    if (!(j.src = hald_vcf_src_open(&in, keep, err)))
        rc = err->code;
    if (rc == HALD_OK)
        rc = begin_output(&j, o, err);
    if (rc == HALD_OK) {
        struct stat sb; /* progress: how far into a VCF file (compressed bytes) */
        job.ctx = &j;
        job.bytes_total = strcmp(vcf, "-") != 0 && stat(vcf, &sb) == 0 && S_ISREG(sb.st_mode)
                              ? (uint64_t)sb.st_size
                              : 0;
        rc = hald_runner_run(&job, env, &st->run, err);
    }
    if (rc == HALD_OK && vcf_out)
        rc = hald_vcf_writer_finish(&j.vcf, err);
    if (j.src)
        st->records = hald_vcf_src_records(j.src);
    hald_vcf_writer_free(&j.vcf);
    hald_vcf_src_close(j.src);
    hald_buf_free(&j.contigs);
    hald_buf_free(&j.line);
    return rc;
}
