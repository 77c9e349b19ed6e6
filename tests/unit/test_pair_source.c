/* The pair source and the line reader under it: TSV and FASTA pairs from
 * memory, units that decode to what was read, sequences past the stored
 * maximum, and errors that name the input, the line or record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "hald/effect.h"
#include "../../src/io/lines.h"
#include "../../src/sources/pair_source.h"

/* Reads every pair of text; returns the count, or the error status. */
static int read_all(const char *text, uint64_t max_stored, hald_buf_t *bulk, hald_error_t *err)
{
    hald_reader_t *r = hald_reader_from_memory(text, strlen(text), "mem", err);
    assert_non_null(r);
    hald_pair_src_t *s = hald_pair_src_open_reader(r, max_stored, err);
    assert_non_null(s);
    uint64_t total = 0, n;
    int rc;
    while ((rc = hald_pair_src_next(s, bulk, &n, err)) > 0)
        total += n;
    hald_pair_src_close(s);
    hald_reader_close(r);
    return rc < 0 ? rc : (int)total;
}

static void expect_pair(const char **p, const char *end, const char *id, const char *ref,
                        const char *alt)
{
    hald_pair_t pr;
    assert_int_equal(hald_pair_decode(p, end, &pr), 1);
    assert_int_equal(pr.id_len, strlen(id));
    assert_memory_equal(pr.id, id, pr.id_len);
    assert_int_equal(pr.ref_len, strlen(ref));
    assert_int_equal(pr.ref_stored, strlen(ref));
    assert_memory_equal(pr.ref, ref, pr.ref_stored);
    assert_int_equal(pr.alt_len, strlen(alt));
    assert_memory_equal(pr.alt, alt, pr.alt_stored);
}

static void test_tsv(void **state)
{
    (void)state;
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    hald_error_clear(&err);
    /* Columns found by name; CRLF, blank lines and extra columns ignored;
     * an empty side is a pair too (it scores NA). */
    const char *text = "note\talt\tid\tref\r\n\nx\tTTT\tp1\tAAA\r\ny\t\tp2\tCC\n";
    assert_int_equal(read_all(text, 161, &b, &err), 2);
    const char *p = b.data, *end = hald_buf_end(&b);
    expect_pair(&p, end, "p1", "AAA", "TTT");
    expect_pair(&p, end, "p2", "CC", "");
    hald_pair_t pr;
    assert_int_equal(hald_pair_decode(&p, end, &pr), 0);
    /* Without an id column, ids are line numbers; "#id" is a header. */
    b.len = 0;
    assert_int_equal(read_all("#ref\talt\nA\tC\nG\tT\n", 161, &b, &err), 2);
    p = b.data;
    end = hald_buf_end(&b);
    expect_pair(&p, end, "2", "A", "C");
    expect_pair(&p, end, "3", "G", "T");
    hald_buf_free(&b);
}

static void test_fasta_and_limits(void **state)
{
    (void)state;
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    hald_error_clear(&err);
    /* Wrapped sequences; the id is the ref's first word; a sequence
     * longer than max_stored keeps its length and its first bases. */
    const char *text = ">a ref side\nACG\nTA\n>a_alt\nGGGGGGGGGG\n>b\n\n>b2\nT\n";
    assert_int_equal(read_all(text, 8, &b, &err), 2);
    const char *p = b.data, *end = hald_buf_end(&b);
    hald_pair_t pr;
    assert_int_equal(hald_pair_decode(&p, end, &pr), 1);
    assert_memory_equal(pr.id, "a", 1);
    assert_int_equal(pr.ref_len, 5);
    assert_memory_equal(pr.ref, "ACGTA", 5);
    assert_int_equal(pr.alt_len, 10);
    assert_int_equal(pr.alt_stored, 8);
    expect_pair(&p, end, "b", "", "T");
    /* A buffer cut short does not decode. */
    const char *q = b.data;
    assert_int_equal(hald_pair_decode(&q, b.data + 20, &pr), -1);
    hald_buf_free(&b);
}

static void test_errors(void **state)
{
    (void)state;
    hald_buf_t b;
    hald_buf_init(&b);
    hald_error_t err;
    hald_error_clear(&err);
    assert_int_equal(read_all("id\tref\nx\tA\n", 161, &b, &err), HALD_E_INPUT);
    assert_string_equal(err.msg, "mem: line 1: the header names no 'alt' column (a TSV of pairs "
                                 "needs columns named ref and alt, or FASTA in ref/alt pairs)");
    assert_int_equal(read_all("ref\talt\tid\nA\tC\n", 161, &b, &err), HALD_E_INPUT);
    assert_string_equal(err.msg, "mem: line 2: 2 fields, the header has 3");
    assert_int_equal(read_all(">r1\nA\n>a1\nC\n>r2 x\nG\n", 161, &b, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "mem: record 3 (r2): a ref without its alt"));
    /* An empty input is no pairs, not an error. */
    assert_int_equal(read_all("", 161, &b, &err), 0);
    hald_buf_free(&b);
}

static void test_long_line(void **state)
{
    (void)state;
    hald_error_t err;
    hald_error_clear(&err);
    hald_reader_t *r = hald_reader_from_memory("ab\ncdefgh", 9, "mem", &err);
    hald_lines_t in;
    assert_int_equal(hald_lines_from_reader(&in, r, 4, "pairs", &err), HALD_OK);
    const char *line;
    size_t n;
    assert_int_equal(hald_lines_next(&in, &line, &n, &err), 1);
    assert_int_equal(n, 2);
    assert_int_equal(hald_lines_next(&in, &line, &n, &err), HALD_E_INPUT);
    assert_string_equal(err.msg, "mem: line 2: longer than 4 bytes (not pairs?)");
    hald_lines_close(&in);
    hald_reader_close(r);
}

static void test_effect_cols(void **state)
{
    (void)state;
    double ref[2] = {1.0, 0.5}, alt[2] = {1.5, 0.0 / 0.0};
    char buf[2 * HALD_EFFECT_COLS_MAX + 1];
    char *end = hald_effect_cols(buf, ref, alt, 2);
    *end = '\0';
    assert_string_equal(buf, "\t1\t1.5\t0.5\t0.622459331201855\t0.5\tNA\tNA\tNA");
    assert_true(hald_sigmoid(0.0) == 0.5);
    hald_buf_t h;
    hald_buf_init(&h);
    hald_error_t err;
    assert_int_equal(hald_effect_header(HALD_MODELS_REGIONS, &h, &err), HALD_OK);
    assert_int_equal(h.len, strlen("\tref_regions\talt_regions\tdelta_regions\tsigmoid_regions"));
    assert_memory_equal(h.data, "\tref_regions\talt_regions\tdelta_regions\tsigmoid_regions", h.len);
    hald_buf_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_fasta_and_limits),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_effect_cols),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
