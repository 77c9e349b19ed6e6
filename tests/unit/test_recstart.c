/* Unit tests for src/recstart.c: record starts in FASTA, FASTQ and lines
 * text; CRLF, blank lines, FASTQ quality lines beginning with '@' and '+',
 * starts at the very end of the buffer, none at all, and a randomised
 * comparison with a naive line-by-line reference. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hald/recstart.h"

/* ---------------------------------------------------------------- helpers */

#define S(lit) (lit), (sizeof(lit) - 1)

/* Every start hald_recstart_next finds, in order, from offset 0. */
static size_t all_starts(hald_format_t f, const char *t, size_t len, size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t p = hald_recstart_next(f, t, len, 0); p < len;
         p = hald_recstart_next(f, t, len, p + 1)) {
        assert_true(n < max);
        out[n++] = p;
    }
    return n;
}

static void expect_starts(hald_format_t f, const char *t, size_t len, const size_t *want,
                          size_t nwant)
{
    size_t got[64];
    size_t n = all_starts(f, t, len, got, 64);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
    assert_int_equal(hald_recstart_last(f, t, len), n ? want[n - 1] : len);
}

/* Offset of the k-th occurrence (0-based) of needle in t. */
static size_t at(const char *t, const char *needle, int k)
{
    const char *p = t;
    for (;;) {
        p = strstr(p, needle);
        assert_non_null(p);
        if (k-- == 0)
            return (size_t)(p - t);
        p++;
    }
}

/* ---------------------------------------------------------------- FASTA */

static void test_fasta(void **state)
{
    (void)state;
    const char *t = ">a desc\nACGT\nAC\n>b\n\n>c\nA";
    size_t len = strlen(t);
    size_t want[] = {at(t, ">b", 0), at(t, ">c", 0)};
    expect_starts(HALD_FORMAT_FASTA, t, len, want, 2);
    assert_true(hald_recstart_at(HALD_FORMAT_FASTA, t, len, 0));
    assert_int_equal(hald_recstart_count(HALD_FORMAT_FASTA, t, len), 3);
    /* from inside a line, at a line start, and past the last start */
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, t, len, 3), want[0]);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, t, len, want[0]), want[0]);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, t, len, want[1] + 1), len);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, t, len, len + 5), len);
}

static void test_fasta_crlf(void **state)
{
    (void)state;
    const char *t = ">a\r\nAC\r\n\r\n>b x\r\nGT\r\n";
    size_t want[] = {at(t, ">b", 0)};
    expect_starts(HALD_FORMAT_FASTA, t, strlen(t), want, 1);
    assert_int_equal(hald_recstart_count(HALD_FORMAT_FASTA, t, strlen(t)), 2);
}

/* A '>' at offset 0 is not reported: the byte before the buffer is unknown. */
static void test_offset_zero(void **state)
{
    (void)state;
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, S(">a\nAC\n"), 0), 6);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_FASTA, S(">a\nAC\n")), 6);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_LINES, S("AC\n"), 0), 3);
    /* a '>' that is not at a line start never counts */
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, S("AC>x\nA>\n"), 0), 8);
}

/* ---------------------------------------------------------------- lines */

static void test_lines(void **state)
{
    (void)state;
    const char *t = "AC\n\n  \n\t\r\nGT\n  x\n\r\nlast";
    size_t len = strlen(t);
    size_t want[] = {at(t, "GT", 0), at(t, "  x", 0), at(t, "last", 0)};
    expect_starts(HALD_FORMAT_LINES, t, len, want, 3);
    assert_int_equal(hald_recstart_count(HALD_FORMAT_LINES, t, len), 4);
    assert_int_equal(hald_recstart_count(HALD_FORMAT_LINES, S("\n \n\t\n")), 0);
}

static void test_lines_crlf(void **state)
{
    (void)state;
    const char *t = "A\r\n\r\nB\r\n \r\nC\r\n";
    size_t want[] = {at(t, "B", 0), at(t, "C", 0)};
    expect_starts(HALD_FORMAT_LINES, t, strlen(t), want, 2);
}

/* A blank run reaching the end of the buffer is not yet decided. */
static void test_lines_end(void **state)
{
    (void)state;
    assert_int_equal(hald_recstart_next(HALD_FORMAT_LINES, S("A\n  \t"), 0), 5);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_LINES, S("A\n  B"), 0), 2);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_LINES, S("A\nB\n  ")), 2);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_LINES, S("A\nB"), 0), 2);
}

/* ---------------------------------------------------------------- FASTQ */

static const char fq[] = "@r1 x\nACGT\n+\n@@II\n"  /* quality starts with '@' */
                         "@r2\nAC\n+r2\n+I\n"      /* quality starts with '+' */
                         "\n"                      /* a blank line between records */
                         "@r3\n\n+\n\n"            /* an empty sequence */
                         "@r4\nA\n+\n@\n";         /* last quality is '@' */

static void test_fastq(void **state)
{
    (void)state;
    size_t len = strlen(fq);
    size_t want[] = {at(fq, "@r2", 0), at(fq, "@r3", 0), at(fq, "@r4", 0)};
    expect_starts(HALD_FORMAT_FASTQ, fq, len, want, 3);
    assert_true(hald_recstart_at(HALD_FORMAT_FASTQ, fq, len, 0));
    assert_false(hald_recstart_at(HALD_FORMAT_FASTQ, fq, len, at(fq, "@@II", 0)));
    assert_false(hald_recstart_at(HALD_FORMAT_FASTQ, fq, len, len - 2)); /* the last "@" */
    assert_int_equal(hald_recstart_count(HALD_FORMAT_FASTQ, fq, len), 4);
}

static void test_fastq_crlf(void **state)
{
    (void)state;
    const char *t = "@a\r\nAC\r\n+\r\n@I\r\n@b\r\nGT\r\n+\r\n+I\r\n";
    size_t want[] = {at(t, "@b", 0)};
    expect_starts(HALD_FORMAT_FASTQ, t, strlen(t), want, 1);
}

/* L+2 must have its first byte in the buffer before L is known to start. */
static void test_fastq_end(void **state)
{
    (void)state;
    size_t p = at(fq, "@r4", 0);
    /* cut right after "@r4\nA\n": line L+2 has no byte yet */
    size_t cut = p + 6;
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTQ, fq, cut, p), cut);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_FASTQ, fq, cut), at(fq, "@r3", 0));
    /* one more byte, the '+', decides it */
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTQ, fq, cut + 1, p), p);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_FASTQ, fq, cut + 1), p);
    /* a header alone at the end */
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTQ, S("@a\nA\n+\nI\n@b"), 0), 11);
}

/* ---------------------------------------------------------------- none */

static void test_none(void **state)
{
    (void)state;
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTA, S("ACGT\nACGT\n"), 0), 10);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_FASTA, S("ACGT\nACGT\n")), 10);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_FASTQ, S("@a\nAC\nAC\n@b\n"), 0), 12);
    assert_int_equal(hald_recstart_next(HALD_FORMAT_LINES, "", 0, 0), 0);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_LINES, "", 0), 0);
    assert_int_equal(hald_recstart_count(HALD_FORMAT_FASTA, "", 0), 0);
    assert_int_equal(hald_recstart_last(HALD_FORMAT_LINES, S("no newline")), 10);
    /* AUTO has no starts */
    assert_int_equal(hald_recstart_next(HALD_FORMAT_AUTO, S("a\nb\n"), 0), 4);
    assert_int_equal(hald_recstart_count(HALD_FORMAT_AUTO, S("a\nb\n")), 0);
}

/* ---------------------------------------------------------------- random */

/* The rules, one line at a time, written independently of the library. */
static int naive_start(hald_format_t f, const char *t, size_t len, size_t p)
{
    if (p >= len)
        return 0;
    if (f == HALD_FORMAT_FASTA)
        return t[p] == '>';
    if (f == HALD_FORMAT_LINES) {
        size_t i = p;
        while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r'))
            i++;
        return i < len && t[i] != '\n';
    }
    if (t[p] != '@')
        return 0;
    size_t q = p;
    for (int lines = 0; lines < 2; lines++) {
        while (q < len && t[q] != '\n')
            q++;
        if (q == len)
            return 0;
        q++;
    }
    return q < len && t[q] == '+';
}

static void test_random(void **state)
{
    (void)state;
    static const char alphabet[] = ">@+A \t\r\n\n\n";
    static const hald_format_t fmts[] = {HALD_FORMAT_FASTA, HALD_FORMAT_FASTQ, HALD_FORMAT_LINES};
    char t[200];
    uint64_t s = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(s >> 33) % sizeof t;
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            t[i] = alphabet[(s >> 33) % (sizeof alphabet - 1)];
        }
        for (int k = 0; k < 3; k++) {
            hald_format_t f = fmts[k];
            size_t from = len ? (size_t)(s >> 40) % (len + 1) : 0;
            size_t want = len, last = len;
            uint64_t count = naive_start(f, t, len, 0);
            for (size_t p = 1; p < len; p++) {
                if (t[p - 1] != '\n' || !naive_start(f, t, len, p))
                    continue;
                count++;
                last = p;
                if (want == len && p >= from)
                    want = p;
            }
            assert_int_equal(hald_recstart_next(f, t, len, from), want);
            assert_int_equal(hald_recstart_last(f, t, len), last);
            assert_int_equal(hald_recstart_count(f, t, len), count);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fasta),      cmocka_unit_test(test_fasta_crlf),
        cmocka_unit_test(test_offset_zero), cmocka_unit_test(test_lines),
        cmocka_unit_test(test_lines_crlf), cmocka_unit_test(test_lines_end),
        cmocka_unit_test(test_fastq),      cmocka_unit_test(test_fastq_crlf),
        cmocka_unit_test(test_fastq_end),  cmocka_unit_test(test_none),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
