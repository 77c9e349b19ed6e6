/* Donor site lists: BED rows and GTF exons to sorted, merged sites per
 * chromosome, with coordinates checked by hand against the rules in
 * sites.h, and errors that name the file and line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hald/sites.h"

/* ------------------------------------------------------------- fixtures */

static int make_dir(void **state)
{
    char *dir = strdup("/tmp/hald-sites-XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

/* Writes text to dir/name; the path is returned in path. */
static void write_file(const char *dir, const char *name, const char *text, char *path,
                       size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void write_gz(const char *dir, const char *name, const char *text, char *path,
                     size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, text, (unsigned)strlen(text)), (int)strlen(text));
    assert_int_equal(gzclose(f), Z_OK);
}

static void expect_site(const hald_site_chrom_t *c, size_t i, uint64_t start, char strand,
                        const char *name)
{
    assert_true(i < c->n);
    assert_int_equal(c->sites[i].start, start);
    assert_int_equal(c->sites[i].strand, strand);
    assert_string_equal(hald_site_name(c, &c->sites[i]), name);
}

static const hald_site_chrom_t *chrom(const hald_sites_t *s, const char *name)
{
    const hald_site_chrom_t *c = hald_sites_find(s, name, strlen(name));
    assert_non_null(c);
    assert_string_equal(c->name, name);
    return c;
}

/* ------------------------------------------------------------------ BED */

static void test_bed_basic(void **state)
{
    char path[512];
    write_file(*state, "a.bed",
               "# a comment\r\n"
               "track name=donors\r\n"
               "browser position chr1:1-100\r\n"
               "\r\n"
               "chr2\t100\t102\tb1\t0\t-\r\n"
               "chr1\t50\t52\ta2\t0\t+\r\n"
               "chr1\t10\t12\ta1\t0\t-\r\n"
               "chr1\t10\t12\ta0\t0\t+\r\n"
               "chr1\t50\t52\ta3\t0\t+\textra\tcolumns\r\n"
               "chr1\t50\t52\ta2\t0\t+\r\n"
               "chr1\t50\t52\t.\t0\t-\r\n"
               "chr2\t5\t7\tb0\t0\t+",
               path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_OK);
    assert_int_equal(s.total, 8);
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    assert_int_equal(s.total, 6);
    assert_int_equal(s.n, 2);

    const hald_site_chrom_t *c1 = chrom(&s, "chr1");
    assert_int_equal(c1->n, 4);
    expect_site(c1, 0, 10, '+', "a0");
    expect_site(c1, 1, 10, '-', "a1");
    expect_site(c1, 2, 50, '+', "a2,a3"); /* first-appearance order, a2 once */
    expect_site(c1, 3, 50, '-', "");
    const hald_site_chrom_t *c2 = chrom(&s, "chr2");
    assert_int_equal(c2->n, 2);
    expect_site(c2, 0, 5, '+', "b0");
    expect_site(c2, 1, 100, '-', "b1");

    /* Finishing again changes nothing. */
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    assert_int_equal(s.total, 6);
    expect_site(chrom(&s, "chr1"), 2, 50, '+', "a2,a3");
    hald_sites_free(&s);
}

static void test_bed_find(void **state)
{
    char path[512];
    write_file(*state, "f.bed", "chr1\t10\t12\tx\t0\t+\nchrUn_KI270302v1\t0\t2\ty\t0\t-\n",
               path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_null(hald_sites_find(&s, "chr1", 4)); /* empty set */
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_OK);
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    assert_non_null(hald_sites_find(&s, "chr1", 4));
    assert_non_null(hald_sites_find(&s, "chr1 description", 4)); /* by length */
    assert_non_null(hald_sites_find(&s, "chrUn_KI270302v1", 16));
    assert_null(hald_sites_find(&s, "chr10", 5));
    assert_null(hald_sites_find(&s, "chr", 3));
    assert_null(hald_sites_find(&s, "chrZ", 4));
    assert_null(hald_sites_find(&s, "", 0));
    hald_sites_free(&s);
}

/* Enough contigs to grow the index several times, and a line longer than
 * the first read buffer. */
static void test_bed_many_contigs(void **state)
{
    enum { N = 5000, LONG = 600000 };
    char path[512];
    snprintf(path, sizeof path, "%s/many.bed", (char *)*state);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = N - 1; i >= 0; i--)
        fprintf(f, "ctg%d\t%d\t%d\tn%d\t0\t%c\n", i, i, i + 2, i, i % 2 ? '-' : '+');
    fputs("ctg7\t1\t3\t", f);
    for (int i = 0; i < LONG; i++)
        fputc('L', f);
    fputs("\t0\t+\n", f);
    assert_int_equal(fclose(f), 0);

    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_OK);
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    assert_int_equal(s.n, N);
    assert_int_equal(s.total, N + 1);
    for (int i = 0; i < N; i++) {
        char name[32], site[32];
        snprintf(name, sizeof name, "ctg%d", i);
        snprintf(site, sizeof site, "n%d", i);
        const hald_site_chrom_t *c = chrom(&s, name);
        expect_site(c, i == 7, (uint64_t)i, i % 2 ? '-' : '+', site); /* ctg7 also has 1 */
    }
    const hald_site_chrom_t *c7 = chrom(&s, "ctg7");
    assert_int_equal(c7->n, 2);
    assert_int_equal(c7->sites[0].start, 1);
    const char *lname = hald_site_name(c7, &c7->sites[0]);
    assert_int_equal(strlen(lname), LONG);
    assert_int_equal(strspn(lname, "L"), LONG);
    hald_sites_free(&s);
}

/* Reads a one-error BED (the bad row on line 2) and checks the message. */
static void expect_bed_error(const char *dir, const char *row, const char *reason)
{
    char path[512], text[256];
    snprintf(text, sizeof text, "chr1\t10\t12\tok\t0\t+\n%s\n", row);
    write_file(dir, "bad.bed", text, path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_error_clear(&err);
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_E_INPUT);
    assert_int_equal(err.code, HALD_E_INPUT);
    char want[600];
    snprintf(want, sizeof want, "%s: line 2: ", path);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, reason))
        fail_msg("message '%s' lacks '%s' ... '%s'", err.msg, want, reason);
    hald_sites_free(&s);
}

static void test_bed_errors(void **state)
{
    expect_bed_error(*state, "chr1\t10\t13\tx\t0\t+", "not start + 2");
    expect_bed_error(*state, "chr1\t10\t12\tx\t0\t.", "bad strand '.'");
    expect_bed_error(*state, "chr1\t10\t12\tx\t0", "found 5");
    expect_bed_error(*state, "chr1\tten\t12\tx\t0\t+", "bad start 'ten'");
    expect_bed_error(*state, "chr1\t-1\t1\tx\t0\t+", "bad start '-1'");
    expect_bed_error(*state, "chr1\t10\t12x\tx\t0\t+", "bad end '12x'");
    expect_bed_error(*state, "chr1 10 12 x 0 +", "found 1");
    expect_bed_error(*state, "\t10\t12\tx\t0\t+", "empty chromosome name");
}

static void test_missing_file(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/absent.bed", (char *)*state);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_E_IO);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(hald_sites_read_gtf(&s, path, &err), HALD_E_IO);
    hald_sites_free(&s);
}

/* ------------------------------------------------------------------ GTF */

#define ATTR(g, t) "gene_id \"" g "\"; transcript_id \"" t "\"; gene_type \"protein_coding\"; tag \"basic\";"
#define ROW(chr, feat, a, b, strand, g, t) \
    chr "\tTEST\t" feat "\t" a "\t" b "\t.\t" strand "\t.\t" ATTR(g, t) "\n"

/* tP (+, chr1): exons 100-200, 300-400, 500-600 -> donors 200, 400.
 * tM (-, chr1): exons 1000-1100, 1200-1300, 1400-1500 -> 1197, 1397.
 * tX (+, chr2): 10-20, 30-40 -> 20, its key hidden behind a longer one.
 * tS (+, chr5): one exon -> nothing, and chr5 disappears.
 * tA, tB (+, chr3): both end an exon at 200 -> one site "tA,tB".
 * tE (-, chr4): exons 1-1, 2-4, 3-9 -> 2-4 would start at -1 (dropped),
 *               3-9 gives 0.
 * Ignored: a CDS ending at 180, gene/transcript rows, strand '.', no id. */
static const char GTF[] =
    "##description: hand-made\n"
    "#!genome-build test\n"
    ROW("chr1", "gene", "100", "600", "+", "G1", "tP")
    ROW("chr1", "transcript", "100", "600", "+", "G1", "tP")
    ROW("chr1", "exon", "500", "600", "+", "G1", "tP")
    ROW("chr1", "exon", "1400", "1500", "-", "G2", "tM")
    ROW("chr1", "exon", "100", "200", "+", "G1", "tP")
    "chr2\tTEST\texon\t30\t40\t.\t+\t.\tgene_id \"G3\"; original_transcript_id \"WRONG\"; "
    "transcript_id \"tX\"; note \"transcript_id here\";\n"
    ROW("chr1", "CDS", "150", "180", "+", "G1", "tP")
    ROW("chr1", "exon", "1000", "1100", "-", "G2", "tM")
    ROW("chr3", "exon", "100", "200", "+", "G4", "tA")
    ROW("chr2", "exon", "10", "20", "+", "G3", "tX")
    ROW("chr1", "exon", "300", "400", "+", "G1", "tP")
    ROW("chr3", "exon", "50", "200", "+", "G4", "tB")
    ROW("chr1", "exon", "1200", "1300", "-", "G2", "tM")
    ROW("chr5", "exon", "700", "800", "+", "G5", "tS")
    ROW("chr3", "exon", "300", "400", "+", "G4", "tA")
    ROW("chr3", "exon", "350", "450", "+", "G4", "tB")
    ROW("chr4", "exon", "3", "9", "-", "G6", "tE")
    ROW("chr4", "exon", "1", "1", "-", "G6", "tE")
    ROW("chr4", "exon", "2", "4", "-", "G6", "tE")
    ROW("chr4", "exon", "10", "20", ".", "G7", "tDot")
    "chr4\tTEST\texon\t30\t40\t.\t+\t.\tgene_id \"G8\";\n"
    "\n";

static void check_gtf_sites(hald_sites_t *s)
{
    hald_error_t err;
    assert_int_equal(s->skipped_rows, 2);
    assert_int_equal(s->skipped_donors, 1);
    assert_int_equal(hald_sites_finish(s, &err), HALD_OK);
    assert_int_equal(s->total, 7);
    assert_int_equal(s->n, 4);

    const hald_site_chrom_t *c1 = chrom(s, "chr1");
    assert_int_equal(c1->n, 4);
    expect_site(c1, 0, 200, '+', "tP");
    expect_site(c1, 1, 400, '+', "tP");
    expect_site(c1, 2, 1197, '-', "tM");
    expect_site(c1, 3, 1397, '-', "tM");
    const hald_site_chrom_t *c2 = chrom(s, "chr2");
    assert_int_equal(c2->n, 1);
    expect_site(c2, 0, 20, '+', "tX");
    const hald_site_chrom_t *c3 = chrom(s, "chr3");
    assert_int_equal(c3->n, 1);
    expect_site(c3, 0, 200, '+', "tA,tB");
    const hald_site_chrom_t *c4 = chrom(s, "chr4");
    assert_int_equal(c4->n, 1);
    expect_site(c4, 0, 0, '-', "tE");
    assert_null(hald_sites_find(s, "chr5", 4));
}

static void test_gtf_plain(void **state)
{
    char path[512];
    write_file(*state, "a.gtf", GTF, path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_gtf(&s, path, &err), HALD_OK);
    check_gtf_sites(&s);
    hald_sites_free(&s);
}

static void test_gtf_gzip(void **state)
{
    char path[512];
    write_gz(*state, "a.gtf.gz", GTF, path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_gtf(&s, path, &err), HALD_OK);
    check_gtf_sites(&s);
    hald_sites_free(&s);
}

/* Merged names follow the first appearance of each transcript, not the
 * order of the rows that make the donor; a repeated exon row adds nothing
 * (in particular no donor after a duplicated last exon). */
static void test_gtf_order_and_duplicates(void **state)
{
    char path[512];
    write_file(*state, "o.gtf",
               ROW("c", "exon", "500", "600", "+", "g", "t2")
               ROW("c", "exon", "500", "600", "-", "g", "t1")
               ROW("c", "exon", "100", "200", "+", "g", "t1")
               ROW("c", "exon", "500", "600", "+", "g", "t1")
               ROW("c", "exon", "100", "200", "+", "g", "t2")
               ROW("c", "exon", "500", "600", "+", "g", "t2")
               ROW("c", "exon", "100", "203", "-", "g", "t1"),
               path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_gtf(&s, path, &err), HALD_OK);
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    const hald_site_chrom_t *c = chrom(&s, "c");
    assert_int_equal(c->n, 2);
    expect_site(c, 0, 200, '+', "t2,t1"); /* t2's first row comes first */
    expect_site(c, 1, 497, '-', "t1");    /* the '-' t1 is its own transcript */
    hald_sites_free(&s);
}

static void expect_gtf_error(const char *dir, const char *row, const char *reason)
{
    char path[512], text[512];
    snprintf(text, sizeof text, "# header\n" ROW("chr1", "exon", "1", "5", "+", "g", "t") "%s\n",
             row);
    write_file(dir, "bad.gtf", text, path, sizeof path);
    hald_sites_t s;
    hald_error_t err;
    hald_sites_init(&s);
    assert_int_equal(hald_sites_read_gtf(&s, path, &err), HALD_E_INPUT);
    char want[600];
    snprintf(want, sizeof want, "%s: line 3: ", path);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, reason))
        fail_msg("message '%s' lacks '%s' ... '%s'", err.msg, want, reason);
    hald_sites_free(&s);
}

static void test_gtf_errors(void **state)
{
    expect_gtf_error(*state, "chr1\tT\texon\t1\t5\t.\t+", "found 7");
    expect_gtf_error(*state, "chr1\tT\texon\tx1\t5\t.\t+\t.\ttranscript_id \"t\";",
                     "bad start 'x1'");
    expect_gtf_error(*state, "chr1\tT\texon\t0\t5\t.\t+\t.\ttranscript_id \"t\";",
                     "bad start '0'");
    expect_gtf_error(*state, "chr1\tT\texon\t9\t5\t.\t+\t.\ttranscript_id \"t\";",
                     "bad end '5'");
    expect_gtf_error(*state, "chr1\tT\texon\t1\t5\t.\tplus\t.\ttranscript_id \"t\";",
                     "bad strand 'plus'");
}

/* One site listed 40,000 times: its distinct names, in order of first
 * appearance, each once (the merge is linear: it took 2.3 s, quadratic). */
static void test_bed_many_duplicates(void **state)
{
    const char *dir = *state;
    size_t cap = 40000 * 40, n = 0;
    char *text = malloc(cap), path[512];
    assert_non_null(text);
    for (int i = 0; i < 40000; i++)
        n += (size_t)snprintf(text + n, cap - n, "chrA\t500\t502\tn%d\t0\t+\n", i % 30000);
    write_file(dir, "dup.bed", text, path, sizeof path);
    hald_sites_t s;
    hald_sites_init(&s);
    hald_error_t err;
    assert_int_equal(hald_sites_read_bed(&s, path, &err), HALD_OK);
    assert_int_equal(hald_sites_finish(&s, &err), HALD_OK);
    const hald_site_chrom_t *c = hald_sites_find(&s, "chrA", 4);
    assert_non_null(c);
    assert_int_equal(c->n, 1);
    const char *name = hald_site_name(c, &c->sites[0]);
    size_t commas = 0;
    for (const char *p = name; *p; p++)
        commas += *p == ',';
    assert_int_equal(commas, 29999);
    assert_memory_equal(name, "n0,n1,n2,", 9);
    assert_non_null(strstr(name, ",n29999"));
    assert_null(strstr(name, ",n0,"));
    hald_sites_free(&s);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bed_basic, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_bed_find, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_bed_many_contigs, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_bed_errors, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_missing_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_gtf_plain, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_gtf_gzip, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_gtf_order_and_duplicates, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_gtf_errors, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_bed_many_duplicates, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
