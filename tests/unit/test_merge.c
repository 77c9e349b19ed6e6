/* hald merge (src/jobs/merge_job.c, src/sources/part_source.c): the parts
 * of a run put together are the bytes of the whole run, wherever they were
 * cut — text with and without a header line, binary sites with sequences
 * cut between parts (named once) and blocks cut anywhere, named or not, on
 * one thread and several; a part changed since it was written is refused,
 * naming it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hald/hald.h"

static char dir[] = "/tmp/hald-test-merge.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* dir/name, valid for the whole test (parts keep their paths). */
static const char *path_of(const char *name)
{
    static char buf[256][256];
    static size_t next;
    assert_true(next < 256);
    char *p = buf[next++];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A part as its run wrote it: measured now. */
static hald_merge_part_t part_of(const char *path, uint64_t records)
{
    hald_merge_part_t p = {path, 0, 0, records};
    hald_error_t err;
    assert_int_equal(hald_merge_checksum(path, &p.bytes, &p.crc32, &err), HALD_OK);
    return p;
}

/* Merges parts into `out` on `threads` threads; the status, with err. */
static int merge(const hald_merge_part_t *parts, size_t n, hald_merge_format_t f, const char *out,
                 int threads, hald_error_t *err)
{
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    hald_run_stats_t st;
    hald_sink_t *sink = hald_sink_open(out, err);
    assert_non_null(sink);
    int rc = hald_merge_run(parts, n, f, sink, &env, &st, err);
    if (rc == HALD_OK)
        return hald_sink_commit(sink, err);
    hald_sink_abort(sink);
    return rc;
}

static void assert_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = read_file(a, &na), *y = read_file(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

/* ================================================================ text */

static void test_text_with_header(void **state)
{
    (void)state;
    const char *texts[] = {"id\tmean\nr1\t0.5\nr2\tNA\n", "id\tmean\n", "id\tmean\nr3\t-1\n"};
    hald_merge_part_t parts[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d.tsv", i);
        write_file(path_of(name), texts[i], strlen(texts[i]));
        parts[i] = part_of(path_of(name), i == 0 ? 2 : i == 1 ? 0 : 1);
    }
    hald_error_t err;
    for (int threads = 1; threads <= 3; threads += 2) {
        assert_int_equal(merge(parts, 3, HALD_MERGE_TEXT_HEADER, path_of("t.tsv"), threads, &err), HALD_OK);
        size_t len;
        char *got = read_file(path_of("t.tsv"), &len);
        const char *want = "id\tmean\nr1\t0.5\nr2\tNA\nr3\t-1\n";
        assert_int_equal(len, strlen(want));
        assert_memory_equal(got, want, len);
        free(got);
    }
}

static void test_text_without_header(void **state)
{
    (void)state;
    const char *texts[] = {"", "chr1\t10\t12\t.\t0.5\t+\n", "", "chr2\t5\t7\t.\t1\t-\n"};
    hald_merge_part_t parts[4];
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "b%d.bed", i);
        write_file(path_of(name), texts[i], strlen(texts[i]));
        parts[i] = part_of(path_of(name), HALD_MERGE_UNCOUNTED);
    }
    hald_error_t err;
    assert_int_equal(merge(parts, 4, HALD_MERGE_TEXT, path_of("b.bed"), 2, &err), HALD_OK);
    size_t len;
    char *got = read_file(path_of("b.bed"), &len);
    assert_int_equal(len, strlen(texts[1]) + strlen(texts[3]));
    assert_memory_equal(got, texts[1], strlen(texts[1]));
    free(got);
}

/* A text part that is long: many units, the header in the first alone. */
static void test_text_many_units(void **state)
{
    (void)state;
    hald_buf_t a, b, all;
    hald_buf_init(&a);
    hald_buf_init(&b);
    hald_buf_init(&all);
    hald_error_t err;
    const char *head = "chrom\tstart\n";
    assert_int_equal(hald_buf_append(&a, head, strlen(head), &err), HALD_OK);
    assert_int_equal(hald_buf_append(&b, head, strlen(head), &err), HALD_OK);
    assert_int_equal(hald_buf_append(&all, head, strlen(head), &err), HALD_OK);
    for (int i = 0; i < 400000; i++) {
        char row[48];
        int n = snprintf(row, sizeof row, "chr%d\t%d\n", i % 7, i);
        assert_int_equal(hald_buf_append(i < 150000 ? &a : &b, row, (size_t)n, &err), HALD_OK);
        assert_int_equal(hald_buf_append(&all, row, (size_t)n, &err), HALD_OK);
    }
    write_file(path_of("l1.tsv"), a.data, a.len);
    write_file(path_of("l2.tsv"), b.data, b.len);
    write_file(path_of("l.want"), all.data, all.len);
    hald_merge_part_t parts[2] = {part_of(path_of("l1.tsv"), 150000), part_of(path_of("l2.tsv"), 250000)};
    assert_int_equal(merge(parts, 2, HALD_MERGE_TEXT_HEADER, path_of("l.tsv"), 3, &err), HALD_OK);
    assert_same_file(path_of("l.tsv"), path_of("l.want"));
    hald_buf_free(&a);
    hald_buf_free(&b);
    hald_buf_free(&all);
}

/* ================================================================ sites */

/* Sites per sequence: across block boundaries (65,536), tiny, and one that
 * fills a block exactly. */
static const size_t SEQ_SITES[] = {70000, 3, 150000, 1, 65536, 20};
#define N_SEQS (sizeof SEQ_SITES / sizeof SEQ_SITES[0])

typedef struct site_rec {
    uint32_t seq;
    hald_scan_site_t s;
    char name[32];
} site_rec_t;

/* The sites of sequences with counts[q] sites each. */
static site_rec_t *make_sites_of(const size_t *counts, size_t n_seqs, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < n_seqs; i++)
        total += counts[i];
    site_rec_t *r = calloc(total, sizeof *r);
    assert_non_null(r);
    size_t k = 0;
    for (uint32_t q = 0; q < n_seqs; q++) {
        for (size_t i = 0; i < counts[q]; i++, k++) {
            r[k].seq = q;
            r[k].s.start = 7 * i;
            r[k].s.strand = i % 2 ? '-' : '+';
            r[k].s.canonical = i % 3 == 0;
            r[k].s.mean = (double)(q * 1000003 + i) / 7;
            r[k].s.regions = -r[k].s.mean;
            snprintf(r[k].name, sizeof r[k].name, i % 5 ? "site%zu" : "", i);
        }
    }
    *n = total;
    return r;
}

static site_rec_t *make_sites(size_t *n)
{
    return make_sites_of(SEQ_SITES, N_SEQS, n);
}

/* What a run writes for sites [lo, hi): puts of at most `piece` sites of
 * one sequence, as a scan's units are. */
static void write_sites(const char *path, const site_rec_t *r, size_t lo, size_t hi, int named,
                        hald_model_set_t models, size_t piece)
{
    hald_error_t err;
    hald_sink_t *sink = hald_sink_open(path, &err);
    assert_non_null(sink);
    hald_site_format_t f = {HALD_SCAN_OUT_BIN, models, '+', named};
    hald_site_writer_t w;
    assert_int_equal(hald_site_writer_begin(&w, sink, &f, &err), HALD_OK);
    hald_buf_t buf;
    hald_buf_init(&buf);
    hald_scan_site_t *sites = calloc(piece, sizeof *sites);
    const char **names = calloc(piece, sizeof *names);
    assert_true(sites && names);
    for (size_t i = lo; i < hi;) {
        size_t j = i;
        while (j < hi && r[j].seq == r[i].seq && j - i < piece) {
            sites[j - i] = r[j].s;
            names[j - i] = r[j].name;
            j++;
        }
        char chrom[16];
        snprintf(chrom, sizeof chrom, "chr%u", r[i].seq + 1);
        hald_site_rows_t rows = {chrom, strlen(chrom), r[i].seq, sites, j - i, named ? names : NULL};
        uint64_t not_written = 0;
        buf.len = 0;
        assert_int_equal(hald_site_format_rows(&f, &rows, &buf, &not_written, &err), HALD_OK);
        assert_int_equal(hald_site_writer_put(&w, r[i].seq, chrom, &buf, j - i, &err), HALD_OK);
        i = j;
    }
    assert_int_equal(hald_site_writer_finish(&w, &err), HALD_OK);
    hald_site_writer_free(&w);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    hald_buf_free(&buf);
    free(sites);
    free(names);
}

static void sites_case(int named, hald_model_set_t models, int threads)
{
    size_t n;
    site_rec_t *r = make_sites(&n);
    write_sites(path_of("whole.bin"), r, 0, n, named, models, 100000);
    /* Cuts inside a sequence, at a sequence's end, at a block's end, twice
     * at one place (an empty part), and inside the sequence of one site. */
    const size_t cuts[] = {0, 65536 + 17, 70000, 70002, 70002, 170000, 220004, 220005, n - 10, n};
    size_t n_parts = sizeof cuts / sizeof cuts[0] - 1;
    hald_merge_part_t parts[16];
    for (size_t i = 0; i < n_parts; i++) {
        char name[32];
        snprintf(name, sizeof name, "s%zu.bin", i);
        write_sites(path_of(name), r, cuts[i], cuts[i + 1], named, models, 333 + 1000 * i);
        parts[i] = part_of(path_of(name), cuts[i + 1] - cuts[i]);
    }
    hald_error_t err;
    int rc = merge(parts, n_parts, HALD_MERGE_BIN, path_of("merged.bin"), threads, &err);
    if (rc != HALD_OK)
        fail_msg("%s", err.msg);
    assert_same_file(path_of("merged.bin"), path_of("whole.bin"));
    free(r);
}

static void test_sites(void **state)
{
    (void)state;
    sites_case(0, HALD_MODELS_BOTH, 1);
    sites_case(0, HALD_MODELS_MEAN, 3);
}

/* A draft assembly: thousands of sequences to a block, some without a
 * site; parts cut between and inside them. */
static void test_many_sequences(void **state)
{
    (void)state;
    enum { SEQS = 40000 };
    size_t *counts = malloc(SEQS * sizeof *counts), n;
    assert_non_null(counts);
    for (size_t q = 0; q < SEQS; q++)
        counts[q] = (q * 7) % 5; /* 0 to 4 sites */
    site_rec_t *r = make_sites_of(counts, SEQS, &n);
    write_sites(path_of("many.bin"), r, 0, n, 1, HALD_MODELS_MEAN, 1000);
    const size_t cuts[] = {0, 1, 30001, 65536, 65537, n - 5, n};
    hald_merge_part_t parts[6];
    for (size_t i = 0; i < 6; i++) {
        char name[32];
        snprintf(name, sizeof name, "many%zu.bin", i);
        write_sites(path_of(name), r, cuts[i], cuts[i + 1], 1, HALD_MODELS_MEAN, 777);
        parts[i] = part_of(path_of(name), cuts[i + 1] - cuts[i]);
    }
    hald_error_t err;
    if (merge(parts, 6, HALD_MERGE_BIN, path_of("many.merged"), 2, &err) != HALD_OK)
        fail_msg("%s", err.msg);
    assert_same_file(path_of("many.merged"), path_of("many.bin"));
    free(counts);
    free(r);
}

static void test_named_sites(void **state)
{
    (void)state;
    sites_case(1, HALD_MODELS_BOTH, 3);
    sites_case(1, HALD_MODELS_REGIONS, 1);
}

/* ================================================================ refusals */

static void expect_refused(const hald_merge_part_t *parts, size_t n, hald_merge_format_t f,
                           const char *names, const char *says)
{
    hald_error_t err;
    assert_int_not_equal(merge(parts, n, f, path_of("refused.out"), 2, &err), HALD_OK);
    if (!strstr(err.msg, names) || !strstr(err.msg, says))
        fail_msg("'%s' does not name %s and say %s", err.msg, names, says);
    assert_int_not_equal(access(path_of("refused.out"), F_OK), 0);
}

static void test_refusals(void **state)
{
    (void)state;
    write_file(path_of("r1.tsv"), "id\tmean\nr1\t1\n", 13);
    write_file(path_of("r2.tsv"), "id\tmean\nr2\t2\n", 13);
    write_file(path_of("r3.tsv"), "id\tregions\nr3\t3\n", 16);
    hald_merge_part_t ok[2] = {part_of(path_of("r1.tsv"), 1), part_of(path_of("r2.tsv"), 1)};
    hald_merge_part_t p[2];

    memcpy(p, ok, sizeof p);
    p[1].bytes++;
    expect_refused(p, 2, HALD_MERGE_TEXT_HEADER, "r2.tsv", "truncated since it was written");
    memcpy(p, ok, sizeof p);
    p[1].crc32 ^= 1;
    expect_refused(p, 2, HALD_MERGE_TEXT_HEADER, "r2.tsv", "changed since it was written");
    memcpy(p, ok, sizeof p);
    p[0].records = 2;
    expect_refused(p, 2, HALD_MERGE_TEXT_HEADER, "r1.tsv", "1 records, but its run wrote 2");
    p[0] = ok[0];
    p[1] = part_of(path_of("r3.tsv"), 1);
    expect_refused(p, 2, HALD_MERGE_TEXT_HEADER, "r3.tsv", "header line differs from");
    p[1] = (hald_merge_part_t){path_of("gone.tsv"), 13, 0, 1};
    expect_refused(p, 2, HALD_MERGE_TEXT_HEADER, "gone.tsv", "cannot open");

    /* A binary part cut short, its record saying so: no end block. */
    size_t n;
    site_rec_t *r = make_sites(&n);
    write_sites(path_of("c.bin"), r, 0, 100, 0, HALD_MODELS_BOTH, 50);
    size_t len;
    char *bytes = read_file(path_of("c.bin"), &len);
    write_file(path_of("c.bin"), bytes, len - 32);
    hald_merge_part_t cut = part_of(path_of("c.bin"), 100);
    expect_refused(&cut, 1, HALD_MERGE_BIN, "c.bin", "no end block");
    free(bytes);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_with_header),
        cmocka_unit_test(test_text_without_header),
        cmocka_unit_test(test_text_many_units),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_named_sites),
        cmocka_unit_test(test_many_sequences),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
