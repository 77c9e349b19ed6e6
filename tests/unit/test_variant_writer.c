/* Variant effects as text: TSV rows, the HAL entries (largest |delta|,
 * ties to the first, NA skipped, genes), and HAL spliced into a VCF line
 * with every other byte kept. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "hald/variant_writer.h"
#include "hald/variants_run.h"

static hald_variant_site_t site(uint64_t start, char strand, double r0, double a0, double r1,
                                double a1)
{
    hald_variant_site_t v;
    memset(&v, 0, sizeof v);
    v.start = v.alt_start = start;
    v.strand = strand;
    v.ref[0] = r0;
    v.alt[0] = a0;
    v.ref[1] = r1;
    v.alt[1] = a1;
    v.gt_ref = 1;
    v.name = UINT32_MAX;
    return v;
}

static void text_is(const hald_buf_t *b, const char *want)
{
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
}

static void test_tsv_rows(void **state)
{
    (void)state;
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    hald_allele_text_t a = {"chr1", 101, "A", "G", 1, 1};
    hald_variant_site_t v[1] = {site(90, '-', 0.5, 0.25, NAN, 2.0)};
    v[0].gt_alt = 0;
    assert_int_equal(hald_variant_tsv_rows(&a, v, 1, HALD_MODELS_BOTH, NULL, &b, &err), HALD_OK);
    text_is(&b, "chr1\t101\tA\tG\t90\t92\t-\tyes\tno\t0.5\t0.25\t-0.25\t0.437823499114202"
                "\tNA\t2\tNA\tNA\n");
    b.len = 0;
    assert_int_equal(hald_variant_tsv_header(HALD_MODELS_MEAN, 1, &b, &err), HALD_OK);
    text_is(&b, "chrom\tpos\tref\talt\tstart\tend\tstrand\tgt_ref\tgt_alt\tname\tref_mean\t"
                "alt_mean\tdelta_mean\tsigmoid_mean\n");
    hald_buf_free(&b);
}

static void test_hal_entries(void **state)
{
    (void)state;
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    hald_allele_text_t a = {"chr1", 101, "A", "G", 1, 1};
    /* mean: |-0.5| at 10 beats 0.25; regions: a tie at 10 and 20 (the first
     * wins), NA at 30 ignored. */
    hald_variant_site_t v[3] = {site(10, '+', 1.0, 0.5, 1.0, 2.0), site(20, '-', 1.0, 1.25, 3.0, 4.0),
                                site(30, '+', 1.0, 1.0, NAN, 9.0)};
    int entries = 0;
    assert_int_equal(hald_variant_hal_entries(&a, v, 3, HALD_MODELS_BOTH, NULL, &entries, &b, &err),
                     HALD_OK);
    assert_int_equal(entries, 2);
    text_is(&b, "G|mean|11|+|1|0.5|-0.5,G|regions|11|+|1|2|1");
    /* A second allele continues the list; genes: ',' becomes '&'. */
    const char *names[3] = {"A,B", "C", "D"};
    hald_allele_text_t t = {"chr1", 101, "A", "T", 1, 1};
    assert_int_equal(hald_variant_hal_entries(&t, v, 1, HALD_MODELS_MEAN, names, &entries, &b, &err),
                     HALD_OK);
    text_is(&b, "G|mean|11|+|1|0.5|-0.5,G|regions|11|+|1|2|1,T|mean|A&B|11|+|1|0.5|-0.5");
    /* No site, or NA only: no entry. */
    b.len = 0;
    entries = 0;
    assert_int_equal(hald_variant_hal_entries(&a, v + 2, 1, HALD_MODELS_REGIONS, NULL, &entries, &b, &err),
                     HALD_OK);
    assert_int_equal(entries, 0);
    assert_int_equal(b.len, 0);
    hald_buf_free(&b);
}

static void spliced(const char *line, const char *hal, const char *want)
{
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    assert_int_equal(hald_vcf_line_set_hal(line, strlen(line), hal, strlen(hal), &b, &err), HALD_OK);
    text_is(&b, want);
    hald_buf_free(&b);
}

static void test_splice(void **state)
{
    (void)state;
    spliced("c\t5\t.\tA\tG\t50.00\tPASS\t.", "x", "c\t5\t.\tA\tG\t50.00\tPASS\tHAL=x");
    spliced("c\t5\trs1\tA\tG\t.\t.\tDP=5;HAL=old;AF=0.5\tGT\t0/1", "new",
            "c\t5\trs1\tA\tG\t.\t.\tDP=5;AF=0.5;HAL=new\tGT\t0/1");
    spliced("c\t5\t.\tA\tG\t.\t.\tHAL=old", "", "c\t5\t.\tA\tG\t.\t.\t.");
    spliced("c\t5\t.\tA\tG\t.\t.\tHALO=1;FLAG", "", "c\t5\t.\tA\tG\t.\t.\tHALO=1;FLAG");
    spliced("c\t5\t.\tA\tG\t.\t.\tHAL;DP=1", "y", "c\t5\t.\tA\tG\t.\t.\tDP=1;HAL=y");
}

static void test_out_names(void **state)
{
    (void)state;
    assert_int_equal(hald_variant_out_from_name("a.vcf"), HALD_VARIANT_OUT_VCF);
    assert_int_equal(hald_variant_out_from_name("a.vcf.gz"), HALD_VARIANT_OUT_VCF_GZ);
    assert_int_equal(hald_variant_out_from_name("a.vcf.bgz"), HALD_VARIANT_OUT_VCF_GZ);
    assert_int_equal(hald_variant_out_from_name("a.bcf"), HALD_VARIANT_OUT_BCF);
    assert_int_equal(hald_variant_out_from_name("a.tsv"), HALD_VARIANT_OUT_TSV);
    assert_int_equal(hald_variant_out_from_name(NULL), HALD_VARIANT_OUT_TSV);
    hald_variant_out_t f;
    assert_int_equal(hald_variant_out_parse("vcf.gz", &f), 0);
    assert_int_equal(f, HALD_VARIANT_OUT_VCF_GZ);
    assert_int_equal(hald_variant_out_parse("vcfgz", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv_rows),
        cmocka_unit_test(test_hal_entries),
        cmocka_unit_test(test_splice),
        cmocka_unit_test(test_out_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
