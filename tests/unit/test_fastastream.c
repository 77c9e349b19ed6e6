/* FASTA as a stream: names, wrapped and one-line sequences handed out in
 * pieces, CRLF and blank lines, and the errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/fastastream.h"

typedef struct seqs {
    char names[8][64];
    hald_buf_t bases[8];
    int n;
    int status;
    hald_error_t err;
} seqs_t;

/* Reads everything, `piece` bases at a time. */
static void read_all(const char *text, size_t len, size_t piece, seqs_t *out)
{
    memset(out, 0, sizeof *out);
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(text, len, "g.fa", &err);
    assert_non_null(r);
    hald_fasta_stream_t *f = hald_fasta_stream_new(r, &err);
    assert_non_null(f);
    hald_buf_t name;
    hald_buf_init(&name);
    int rc;
    while ((rc = hald_fasta_next_seq(f, &name, &out->err)) > 0 && out->n < 8) {
        snprintf(out->names[out->n], sizeof out->names[0], "%s", name.data);
        hald_buf_t *b = &out->bases[out->n++];
        hald_buf_init(b);
        ssize_t k;
        while ((k = hald_fasta_read_bases(f, b, piece, &out->err)) > 0)
            assert_true((size_t)k <= piece);
        if (k < 0) {
            rc = (int)k;
            break;
        }
    }
    out->status = rc;
    hald_buf_free(&name);
    hald_fasta_stream_free(f);
    hald_reader_close(r);
}

static void free_all(seqs_t *s)
{
    for (int i = 0; i < s->n; i++)
        hald_buf_free(&s->bases[i]);
}

static void expect_seq(const seqs_t *s, int i, const char *name, const char *bases)
{
    assert_string_equal(s->names[i], name);
    assert_int_equal(s->bases[i].len, strlen(bases));
    assert_memory_equal(s->bases[i].data, bases, strlen(bases));
}

static void test_wrapped_crlf_blank(void **state)
{
    (void)state;
    const char *text = "\n>chr1 desc\r\nACGT\r\nacgN\r\n\r\n>chr2\nTT\nGG\n>empty\n>chr3\nA";
    for (size_t piece = 1; piece <= 9; piece++) {
        seqs_t s;
        read_all(text, strlen(text), piece, &s);
        assert_int_equal(s.status, 0);
        assert_int_equal(s.n, 4);
        expect_seq(&s, 0, "chr1", "ACGTacgN");
        expect_seq(&s, 1, "chr2", "TTGG");
        expect_seq(&s, 2, "empty", "");
        expect_seq(&s, 3, "chr3", "A");
        free_all(&s);
    }
}

static void test_one_long_line(void **state)
{
    (void)state;
    size_t n = 3u << 20; /* longer than the 1 MiB read buffer */
    char *text = malloc(n + 16);
    assert_non_null(text);
    memcpy(text, ">big\n", 5);
    for (size_t i = 0; i < n; i++)
        text[5 + i] = "ACGT"[(i * 7) & 3];
    text[5 + n] = '\n';
    seqs_t s;
    read_all(text, n + 6, 100000, &s);
    assert_int_equal(s.status, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.bases[0].len, n);
    assert_memory_equal(s.bases[0].data, text + 5, n);
    free_all(&s);
    free(text);
}

static void test_skipping_unread_bases(void **state)
{
    (void)state;
    hald_error_t err;
    const char *text = ">a\nAAAA\nCCCC\n>b\nGG\n";
    hald_reader_t *r = hald_reader_from_memory(text, strlen(text), "g.fa", &err);
    hald_fasta_stream_t *f = hald_fasta_stream_new(r, &err);
    hald_buf_t name, b;
    hald_buf_init(&name);
    hald_buf_init(&b);
    assert_int_equal(hald_fasta_next_seq(f, &name, &err), 1);
    assert_int_equal(hald_fasta_read_bases(f, &b, 2, &err), 2);
    assert_int_equal(hald_fasta_next_seq(f, &name, &err), 1); /* skips the rest of a */
    assert_string_equal(name.data, "b");
    b.len = 0;
    assert_int_equal(hald_fasta_read_bases(f, &b, 100, &err), 2);
    assert_int_equal(hald_fasta_next_seq(f, &name, &err), 0);
    hald_buf_free(&name);
    hald_buf_free(&b);
    hald_fasta_stream_free(f);
    hald_reader_close(r);
}

static void test_errors(void **state)
{
    (void)state;
    seqs_t s;
    read_all("ACGT\n>x\nAC\n", 11, 10, &s);
    assert_int_equal(s.status, HALD_E_INPUT);
    assert_non_null(strstr(s.err.msg, "g.fa: line 1: expected '>'"));
    free_all(&s);
    read_all(">x\nAC\x01GT\n", 10, 10, &s);
    assert_int_equal(s.status, HALD_E_INPUT);
    assert_non_null(strstr(s.err.msg, "g.fa: line 2: binary data"));
    free_all(&s);
    read_all(">\nAC\n", 5, 10, &s);
    assert_int_equal(s.status, HALD_E_INPUT);
    assert_non_null(strstr(s.err.msg, "without a name"));
    free_all(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapped_crlf_blank),
        cmocka_unit_test(test_one_long_line),
        cmocka_unit_test(test_skipping_unread_bases),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
