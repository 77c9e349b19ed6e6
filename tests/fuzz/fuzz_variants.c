/* hald variants end to end, on made-up weights and a fixed two-sequence
 * genome: the input is the VCF (or BCF, gzip, anything).  The TSV run on
 * one thread and the annotated-VCF run on three threads must both succeed
 * or both fail, a TSV must hold one row per site counted, and a failure
 * must name the VCF. */
#include <string.h>

#include <htslib/hts_log.h>

#include "hald/scan.h"
#include "hald/variants_run.h"
#include "hald/weights.h"
#include "fuzz.h"

/* Deterministic bases with GT and AC every few positions, an N run and
 * lowercase: sites on both strands, NA windows, case. */
static void genome_file(char *path, size_t cap)
{
    static char made[512];
    if (!made[0]) {
        char text[2700];
        size_t n = 0;
        uint32_t x = 12345;
        n += (size_t)snprintf(text + n, sizeof text - n, ">c1 first\n");
        for (int i = 0; i < 2000; i++) {
            x = x * 1103515245u + 12345u;
            text[n++] = i >= 900 && i < 910 ? 'N' : i % 37 == 0 ? 'G' : i % 37 == 1 ? 'T'
                      : "ACGTacgt"[(x >> 16) & 7];
        }
        n += (size_t)snprintf(text + n, sizeof text - n, "\n>c2\n");
        for (int i = 0; i < 300; i++)
            text[n++] = "ACGGTAAGTC"[i % 10];
        text[n++] = '\n';
        fuzz_file("variants-genome", (const uint8_t *)text, n, made, sizeof made);
    }
    snprintf(path, cap, "%s", made);
}

static void run(const hald_scan_tables_t *t, const char *genome, const char *vcf,
                hald_variant_out_t format, int lenient, int threads, fuzz_outcome_t *o,
                hald_variants_stats_t *st)
{
    int fd;
    hald_sink_t *out = fuzz_sink(&fd, o);
    hald_variants_opts_t vo;
    hald_variants_opts_init(&vo);
    vo.format = format;
    vo.lenient = lenient;
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    o->rc = hald_variants_run(t, &vo, genome, vcf, out, &env, st, &o->err);
    fuzz_sink_done(out, fd, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hts_set_log_level(HTS_LOG_OFF); /* htslib's own words on bad lines: noise here */
    hald_weights_t *w = fuzz_weights_new(7, 3, 101, 64.0);
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    FUZZ_CHECK(scorer);
    hald_scorer_init(scorer, w, HALD_CPU_SCALAR, 0);
    hald_error_t err;
    hald_scan_tables_t *t = hald_scan_tables_new(scorer, &err);
    FUZZ_CHECK(t != NULL);

    char genome[512], vcf[512];
    genome_file(genome, sizeof genome);
    fuzz_file("variants", data, size, vcf, sizeof vcf);
    int lenient = size % 2;
    fuzz_outcome_t tsv, ann;
    hald_variants_stats_t tsv_st, ann_st;
    run(t, genome, vcf, HALD_VARIANT_OUT_TSV, lenient, 1, &tsv, &tsv_st);
    run(t, genome, vcf, HALD_VARIANT_OUT_VCF, lenient, 3, &ann, &ann_st);
    unlink(vcf);
    if ((tsv.rc == HALD_OK) != (ann.rc == HALD_OK)) {
        fprintf(stderr, "tsv: %d %s\nvcf: %d %s\n", tsv.rc, tsv.err.msg, ann.rc, ann.err.msg);
        FUZZ_CHECK(!"the TSV and the VCF run end differently");
    }
    if (tsv.rc == HALD_OK) {
        size_t lines = 0;
        for (size_t i = 0; i < tsv.len; i++)
            lines += tsv.text[i] == '\n';
        FUZZ_CHECK(lines == tsv_st.run.items + 1); /* the header, a row per site */
        FUZZ_CHECK(tsv_st.run.items == ann_st.run.items && tsv_st.alleles == ann_st.alleles);
    } else {
        FUZZ_CHECK(strstr(tsv.err.msg, vcf) == tsv.err.msg || strstr(tsv.err.msg, genome));
    }
    free(tsv.text);
    free(ann.text);
    hald_scan_tables_free(t);
    free(w);
    free(scorer);
    return 0;
}
