/* Unit tests for src/records.c: FASTA, FASTQ and lines formats, their
 * edge cases (CRLF, blank lines, missing final newline, empty sequences),
 * errors, batching, arena growth, max_stored truncation, lines far longer
 * than the read buffer, a randomised round trip, compressed input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "hald/records.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

/* ---------------------------------------------------------------- helpers */

/* An owned copy of one parsed record. */
typedef struct rec {
    char *id;
    char *seq; /* the stored bases */
    uint64_t seq_len, stored_len;
} rec_t;

typedef struct result {
    rec_t *v;
    size_t n, cap;
    size_t batches;
    int status; /* last hald_parser_next value: 0 or negative */
    hald_error_t err;
    hald_format_t fmt;
    uint64_t first_index0; /* first_index of the first batch */
} result_t;

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    assert_non_null(d);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Checks the batch invariants and copies its records out. */
static void take_batch(const hald_batch_t *b, const hald_parser_opts_t *o, result_t *res)
{
    if (res->batches == 0)
        res->first_index0 = b->first_index;
    assert_int_equal(b->first_index, o->first_record + res->n);
    assert_true(b->n <= o->max_records);
    for (size_t i = 0; i < b->n; i++) {
        const hald_record_t *r = &b->records[i];
        assert_true(r->id >= b->arena && r->id + r->id_len < b->arena + b->arena_len);
        assert_true(r->seq >= b->arena && r->seq + r->stored_len < b->arena + b->arena_len);
        assert_int_equal(r->id[r->id_len], '\0');
        assert_int_equal(r->seq[r->stored_len], '\0');
        assert_int_equal(r->stored_len, r->seq_len < o->max_stored ? r->seq_len : o->max_stored);
        if (res->n == res->cap) {
            res->cap = res->cap ? res->cap * 2 : 64;
            res->v = realloc(res->v, res->cap * sizeof *res->v);
            assert_non_null(res->v);
        }
        rec_t *c = &res->v[res->n++];
        c->id = dup_n(r->id, r->id_len);
        c->seq = dup_n(r->seq, (size_t)r->stored_len);
        c->seq_len = r->seq_len;
        c->stored_len = r->stored_len;
    }
}

/* Parses a whole reader; stops at the first error. */
static void parse_reader(hald_reader_t *rd, const hald_parser_opts_t *o, result_t *res)
{
    memset(res, 0, sizeof *res);
    hald_parser_t *p = hald_parser_new(rd, o, &res->err);
    assert_non_null(p);
    assert_int_equal(hald_parser_records(p), o->first_record);
    hald_batch_t b;
    hald_batch_init(&b);
    int rc;
    while ((rc = hald_parser_next(p, &b, &res->err)) > 0) {
        assert_int_equal((size_t)rc, b.n);
        take_batch(&b, o, res);
        res->batches++;
        assert_int_equal(hald_parser_records(p), o->first_record + res->n);
    }
    res->status = rc;
    res->fmt = hald_parser_format(p);
    /* Both the end and an error are sticky. */
    hald_error_t again;
    assert_int_equal(hald_parser_next(p, &b, &again), rc);
    assert_int_equal(b.n, 0);
    if (rc < 0)
        assert_string_equal(again.msg, res->err.msg);
    hald_batch_free(&b);
    hald_parser_free(p);
}

static void parse_mem(const void *buf, size_t len, const hald_parser_opts_t *o, result_t *res)
{
    hald_error_t err;
    hald_reader_t *rd = hald_reader_from_memory(buf, len, "in.txt", &err);
    assert_non_null(rd);
    parse_reader(rd, o, res);
    hald_reader_close(rd);
}

static void parse_str(const char *text, hald_format_t fmt, result_t *res)
{
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.format = fmt;
    parse_mem(text, strlen(text), &o, res);
}

static void result_free(result_t *res)
{
    for (size_t i = 0; i < res->n; i++) {
        free(res->v[i].id);
        free(res->v[i].seq);
    }
    free(res->v);
    memset(res, 0, sizeof *res);
}

static void expect_rec(const result_t *res, size_t i, const char *id, const char *seq)
{
    assert_true(i < res->n);
    assert_string_equal(res->v[i].id, id);
    assert_string_equal(res->v[i].seq, seq);
    assert_int_equal(res->v[i].seq_len, strlen(seq));
}

/* Parses text and expects exactly the (id, seq) pairs given, NULL-ended. */
static void expect_all(const char *text, hald_format_t fmt, hald_format_t detected, ...)
{
    result_t res;
    parse_str(text, fmt, &res);
    if (res.status != 0)
        fail_msg("unexpected error: %s", res.err.msg);
    assert_int_equal(res.fmt, detected);
    va_list ap;
    va_start(ap, detected);
    size_t i = 0;
    for (const char *id; (id = va_arg(ap, const char *)) != NULL; i++)
        expect_rec(&res, i, id, va_arg(ap, const char *));
    va_end(ap);
    assert_int_equal(res.n, i);
    result_free(&res);
}

/* Parsing must fail with a message holding every given fragment. */
static void expect_error(const char *text, hald_format_t fmt, const char *frag1, const char *frag2)
{
    result_t res;
    parse_str(text, fmt, &res);
    assert_int_equal(res.status, HALD_E_INPUT);
    assert_int_equal(res.err.code, HALD_E_INPUT);
    if (!strstr(res.err.msg, frag1) || (frag2 && !strstr(res.err.msg, frag2)) ||
        strncmp(res.err.msg, "in.txt: ", 8) != 0)
        fail_msg("message '%s' lacks '%s' / '%s'", res.err.msg, frag1, frag2 ? frag2 : "");
    result_free(&res);
}

/* xorshift64: the tests' own deterministic randomness. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A growable text buffer for generated inputs. */
typedef struct text {
    char *p;
    size_t n, cap;
} text_t;

static void put(text_t *t, const char *s, size_t n)
{
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2 + 1024;
        t->p = realloc(t->p, t->cap);
        assert_non_null(t->p);
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
}

static void puts_(text_t *t, const char *s)
{
    put(t, s, strlen(s));
}

/* ---------------------------------------------------------------- FASTA */

static void test_empty_input(void **state)
{
    (void)state;
    expect_all("", HALD_FORMAT_AUTO, HALD_FORMAT_AUTO, NULL);
    expect_all("\n\r\n  \t \n\n", HALD_FORMAT_AUTO, HALD_FORMAT_AUTO, NULL);
    expect_all("", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, NULL);
    expect_all("\n\n", HALD_FORMAT_FASTQ, HALD_FORMAT_FASTQ, NULL);
    expect_all(" \n", HALD_FORMAT_LINES, HALD_FORMAT_LINES, NULL);
}

static void test_fasta_basic(void **state)
{
    (void)state;
    expect_all(">r1\nACGT\n>r2 some description\nacgun\n>r3\tdesc\nNNNN\n", HALD_FORMAT_AUTO,
               HALD_FORMAT_FASTA, "r1", "ACGT", "r2", "acgun", "r3", "NNNN", NULL);
}

static void test_fasta_wrapped(void **state)
{
    (void)state;
    char seq[201];
    for (int i = 0; i < 200; i++)
        seq[i] = "ACGTU"[i % 5];
    seq[200] = '\0';
    const size_t widths[] = {60, 1, 7, 200, 500};
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        text_t t = {0};
        puts_(&t, ">wrapped x\n");
        for (size_t i = 0; i < 200; i += widths[w]) {
            put(&t, seq + i, 200 - i < widths[w] ? 200 - i : widths[w]);
            puts_(&t, "\n");
        }
        puts_(&t, ">next\nAC\n");
        put(&t, "", 1);
        hald_parser_opts_t o;
        hald_parser_opts_init(&o);
        o.max_stored = 1000;
        result_t res;
        parse_mem(t.p, t.n - 1, &o, &res);
        assert_int_equal(res.status, 0);
        assert_int_equal(res.n, 2);
        expect_rec(&res, 0, "wrapped", seq);
        expect_rec(&res, 1, "next", "AC");
        result_free(&res);
        free(t.p);
    }
}

static void test_fasta_crlf_blank_and_no_final_newline(void **state)
{
    (void)state;
    expect_all("\r\n\r\n>a x\r\nAC\r\nGT\r\n\r\n>b\r\nTT\r\n", HALD_FORMAT_AUTO, HALD_FORMAT_FASTA,
               "a", "ACGT", "b", "TT", NULL);
    expect_all(">a\nACGT", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "a", "ACGT", NULL);
    expect_all(">a\nAC\r\nGT\r", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "a", "ACGT", NULL);
    expect_all(">a", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "a", "", NULL);
    expect_all(">a\n\n  \n>b\n\nAC\n \t\n", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "a", "", "b",
               "AC", NULL);
}

static void test_fasta_blanks_inside_lines(void **state)
{
    (void)state;
    /* Spaces, tabs and CRs vanish anywhere in a FASTA sequence. */
    expect_all(">a\nAC GT\tAA\r\n  CC \n", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "a", "ACGTAACC",
               NULL);
}

static void test_fasta_empty_sequences(void **state)
{
    (void)state;
    expect_all(">a\n>b\nACGT\n>c\n>d\n", HALD_FORMAT_AUTO, HALD_FORMAT_FASTA, "a", "", "b", "ACGT",
               "c", "", "d", "", NULL);
    expect_all(">\nACGT\n", HALD_FORMAT_AUTO, HALD_FORMAT_FASTA, "", "ACGT", NULL);
}

static void test_fasta_raw_bytes_kept(void **state)
{
    (void)state;
    /* Case, U, N, IUPAC codes and even non-ASCII bytes reach the scorer raw. */
    expect_all(">x\nacgtURYn\xc3\xa9-*\n", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "x",
               "acgtURYn\xc3\xa9-*", NULL);
    expect_all(">\xc3\xa9t\xc3\xa9 d\nAC\n", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "\xc3\xa9t\xc3\xa9",
               "AC", NULL);
}

static void test_bases_for_a_piece_of_a_stream(void **state)
{
    (void)state;
    /* Text from the middle of a stream keeps its global numbers. */
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.format = HALD_FORMAT_LINES;
    o.first_record = 41;
    o.first_line = 100;
    const char *text = "ACGT\n\nGGCC\n";
    result_t res;
    parse_mem(text, strlen(text), &o, &res);
    assert_int_equal(res.status, HALD_OK);
    assert_int_equal(res.n, 2);
    expect_rec(&res, 0, "100", "ACGT");
    expect_rec(&res, 1, "102", "GGCC");
    assert_int_equal(res.first_index0, 41);
    result_free(&res);
    o.format = HALD_FORMAT_FASTQ;
    const char *bad = "@a\nAC\n+\nII\n@b\nAC\n+\nI\n";
    parse_mem(bad, strlen(bad), &o, &res);
    assert_int_equal(res.status, HALD_E_INPUT);
    if (!strstr(res.err.msg, "record 43 (b)"))
        fail_msg("message '%s' lacks the global record number", res.err.msg);
    result_free(&res);
}

static void test_binary_rejected(void **state)
{
    (void)state;
    /* Control bytes are binary or corrupt input, not unknown bases. */
    expect_error(">x\nAC\x01GT\n", HALD_FORMAT_FASTA, "line 2", "binary data (byte 0x01)");
    expect_error("ACGT\nAC\x1bGT\n", HALD_FORMAT_LINES, "line 2", "binary");
    expect_error("@r\nAC\x02T\n+\nIIII\n", HALD_FORMAT_FASTQ, "line 2", "binary");
    /* White space of any kind is still fine. */
    expect_all(">x\nAC\vGT\f\n", HALD_FORMAT_FASTA, HALD_FORMAT_FASTA, "x", "AC\vGT\f", NULL);
}

static void test_fasta_forced_mismatch(void **state)
{
    (void)state;
    expect_error("ACGT\n>a\nAC\n", HALD_FORMAT_FASTA, "line 1: expected '>'", NULL);
    expect_error("\n\r\nACGT\n", HALD_FORMAT_FASTA, "line 3: expected '>'", NULL);
    expect_error("@r1\nACGT\n+\nIIII\n", HALD_FORMAT_FASTA, "line 1:", "'>'");
    /* A stray leading space before '>' under auto-detection. */
    expect_error("  >a\nAC\n", HALD_FORMAT_AUTO, "line 1: expected '>'", NULL);
}

/* ---------------------------------------------------------------- FASTQ */

static void test_fastq_basic(void **state)
{
    (void)state;
    expect_all("@r1 desc\nACGT\n+\nIIII\n@r2\nGG\n+r2 again\n!!\n", HALD_FORMAT_AUTO,
               HALD_FORMAT_FASTQ, "r1", "ACGT", "r2", "GG", NULL);
    expect_all("@r1\r\nACGT\r\n+\r\nIIII\r\n\r\n\r\n@r2\r\nGG\r\n+\r\n@@\r\n", HALD_FORMAT_AUTO,
               HALD_FORMAT_FASTQ, "r1", "ACGT", "r2", "GG", NULL);
    /* No final newline; a quality line that starts with '@'. */
    expect_all("@r1\nAC\n+\n@I", HALD_FORMAT_FASTQ, HALD_FORMAT_FASTQ, "r1", "AC", NULL);
    /* An empty read. */
    expect_all("@e\n\n+\n\n@f\nA\n+\nI\n", HALD_FORMAT_FASTQ, HALD_FORMAT_FASTQ, "e", "", "f", "A",
               NULL);
    expect_all("@e\n\n+\n", HALD_FORMAT_FASTQ, HALD_FORMAT_FASTQ, "e", "", NULL);
}

static void test_fastq_errors(void **state)
{
    (void)state;
    expect_error("@r1\nACGT\n+\nIIII\n@r2\nACGTAC\n+\nIIII\n", HALD_FORMAT_AUTO,
                 "record 2 (r2): quality length 4 != sequence length 6", NULL);
    expect_error("@r1\nACGT\n+\nIIIIII\n", HALD_FORMAT_AUTO, "record 1 (r1): quality length 6",
                 NULL);
    expect_error("@r1\nACGT\n+\nIIII\n@r2 x\nAC\n", HALD_FORMAT_AUTO,
                 "record 2 (r2): truncated FASTQ record", NULL);
    expect_error("@r1\nACGT\n+\nIIII\n@r2\n", HALD_FORMAT_AUTO, "record 2 (r2): truncated", NULL);
    expect_error("@r1\nACGT\n+\nII", HALD_FORMAT_AUTO, "record 1 (r1): truncated", NULL);
    expect_error("@r1\nACGT\n+\n", HALD_FORMAT_AUTO, "record 1 (r1): truncated", NULL);
    expect_error("@r1\nACGT\nIIII\n", HALD_FORMAT_AUTO, "record 1 (r1): expected a '+'", NULL);
    expect_error("@r1\nACGT\n-\nIIII\n", HALD_FORMAT_AUTO, "record 1 (r1): expected a '+'", NULL);
    expect_error("@r1\nACGT\n+\nIIII\nr2\nAC\n+\nII\n", HALD_FORMAT_AUTO,
                 "line 5: expected '@' at the start of FASTQ record 2", NULL);
    expect_error(">a\nACGT\n", HALD_FORMAT_FASTQ, "line 1: expected '@'", NULL);
}

/* ---------------------------------------------------------------- lines */

static void test_lines_format(void **state)
{
    (void)state;
    expect_all("ACGT\n\nGGCC  \r\n \t\nTT\r\nacgu", HALD_FORMAT_AUTO, HALD_FORMAT_LINES, "1", "ACGT",
               "3", "GGCC", "5", "TT", "6", "acgu", NULL);
    /* Leading blank lines count; inner blanks are kept, trailing ones cut. */
    expect_all("\n\n A C \n", HALD_FORMAT_LINES, HALD_FORMAT_LINES, "3", " A C", NULL);
    /* Forced lines format takes '>' lines as sequences. */
    expect_all(">a\nAC\n", HALD_FORMAT_LINES, HALD_FORMAT_LINES, "1", ">a", "2", "AC", NULL);
}

static void test_format_names(void **state)
{
    (void)state;
    static const char *names[] = {"auto", "fasta", "fastq", "lines"};
    for (int i = 0; i < 4; i++) {
        hald_format_t f;
        assert_int_equal(hald_format_parse(names[i], &f), 0);
        assert_int_equal(f, (hald_format_t)i);
        assert_string_equal(hald_format_name(f), names[i]);
    }
    hald_format_t f = HALD_FORMAT_FASTQ;
    assert_int_equal(hald_format_parse("fa", &f), -1);
    assert_int_equal(hald_format_parse("", &f), -1);
    assert_int_equal(hald_format_parse(NULL, &f), -1);
    assert_int_equal(f, HALD_FORMAT_FASTQ);
}

static void test_opts_defaults_and_bad_args(void **state)
{
    (void)state;
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    assert_int_equal(o.format, HALD_FORMAT_AUTO);
    assert_int_equal(o.max_stored, 161);
    assert_int_equal(o.max_records, 8192);
    assert_int_equal(o.max_bytes, 4u << 20);
    hald_error_t err;
    hald_reader_t *rd = hald_reader_from_memory("", 0, "x", &err);
    assert_non_null(rd);
    o.max_records = 0;
    assert_null(hald_parser_new(rd, &o, &err));
    assert_int_equal(err.code, HALD_E_USAGE);
    assert_null(hald_parser_new(NULL, NULL, &err));
    hald_parser_t *p = hald_parser_new(rd, NULL, &err); /* NULL opts: defaults */
    assert_non_null(p);
    assert_int_equal(hald_parser_format(p), HALD_FORMAT_AUTO);
    hald_parser_free(p);
    hald_parser_free(NULL);
    hald_batch_free(NULL);
    hald_reader_close(rd);
}

/* ---------------------------------------------------------------- batches */

static void test_batch_limits(void **state)
{
    (void)state;
    text_t t = {0};
    char line[64];
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof line, ">r%d\nACGT%d\n", i, i);
        puts_(&t, line);
    }
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.max_records = 3;
    hald_error_t err;
    hald_reader_t *rd = hald_reader_from_memory(t.p, t.n, "b.fa", &err);
    hald_parser_t *p = hald_parser_new(rd, &o, &err);
    assert_non_null(p);
    hald_batch_t b;
    hald_batch_init(&b);
    const size_t sizes[] = {3, 3, 3, 1};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(hald_parser_next(p, &b, &err), (int)sizes[k]);
        assert_int_equal(b.first_index, 3 * k);
        for (size_t i = 0; i < b.n; i++) {
            snprintf(line, sizeof line, "r%zu", 3 * k + i);
            assert_string_equal(b.records[i].id, line);
        }
    }
    assert_int_equal(hald_parser_next(p, &b, &err), 0);
    assert_int_equal(hald_parser_records(p), 10);
    hald_batch_free(&b);
    hald_parser_free(p);
    hald_reader_close(rd);

    /* max_bytes 0: every batch is full after one record. */
    o.max_records = 100;
    o.max_bytes = 0;
    result_t res;
    parse_mem(t.p, t.n, &o, &res);
    assert_int_equal(res.status, 0);
    assert_int_equal(res.n, 10);
    assert_int_equal(res.batches, 10);
    result_free(&res);
    free(t.p);
}

static void test_arena_growth_keeps_pointers(void **state)
{
    (void)state;
    /* Long ids and sequences make the arena move many times in one batch. */
    text_t t = {0};
    uint64_t s = 42;
    size_t id_lens[300];
    for (int i = 0; i < 300; i++) {
        id_lens[i] = 1 + rnd(&s) % 9000;
        puts_(&t, ">");
        for (size_t k = 0; k < id_lens[i]; k++)
            put(&t, &"abcdefghij"[(i + (int)k) % 10], 1);
        puts_(&t, " desc\n");
        for (int k = 0; k < i * 3; k++)
            put(&t, &"ACGT"[(i + k) % 4], 1);
        puts_(&t, "\n");
    }
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.max_stored = 100000;
    o.max_bytes = SIZE_MAX;
    result_t res;
    parse_mem(t.p, t.n, &o, &res);
    assert_int_equal(res.status, 0);
    assert_int_equal(res.batches, 1);
    assert_int_equal(res.n, 300);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(strlen(res.v[i].id), id_lens[i]);
        assert_int_equal(res.v[i].id[0], "abcdefghij"[i % 10]);
        assert_int_equal(res.v[i].seq_len, (uint64_t)i * 3);
        for (int k = 0; k < i * 3; k++)
            assert_int_equal(res.v[i].seq[k], "ACGT"[(i + k) % 4]);
    }
    result_free(&res);
    free(t.p);
}

/* ---------------------------------------------------------------- lengths */

static void test_max_stored(void **state)
{
    (void)state;
    char seq[1001];
    for (int i = 0; i < 1000; i++)
        seq[i] = "ACGT"[(i * 7) % 4];
    seq[1000] = '\0';
    char qual[1001];
    memset(qual, 'I', 1000);
    qual[1000] = '\0';
    for (int f = 0; f < 3; f++) {
        text_t t = {0};
        if (f == 0) { /* FASTA, on two lines */
            puts_(&t, ">a\n");
            put(&t, seq, 500);
            puts_(&t, "\n");
            puts_(&t, seq + 500);
        } else if (f == 1) {
            puts_(&t, "@a\n");
            puts_(&t, seq);
            puts_(&t, "\n+\n");
            puts_(&t, qual);
        } else {
            puts_(&t, seq);
        }
        puts_(&t, "\n");
        const uint64_t caps[] = {161, 0, 999, 1000, 5000};
        for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
            hald_parser_opts_t o;
            hald_parser_opts_init(&o);
            o.max_stored = caps[c];
            result_t res;
            parse_mem(t.p, t.n, &o, &res);
            if (res.status != 0)
                fail_msg("%s", res.err.msg);
            assert_int_equal(res.n, 1);
            assert_int_equal(res.v[0].seq_len, 1000);
            uint64_t want = caps[c] < 1000 ? caps[c] : 1000;
            assert_int_equal(res.v[0].stored_len, want);
            assert_memory_equal(res.v[0].seq, seq, (size_t)want);
            result_free(&res);
        }
        free(t.p);
    }
}

/* One line of n bases (plus optional trailing blanks), far longer than the
 * parser's read buffer, in each format. */
static void check_long_line(size_t n, size_t trailing_blanks, const char *fmt_prefix,
                            const char *fmt_suffix)
{
    size_t pre = strlen(fmt_prefix), suf = strlen(fmt_suffix);
    size_t len = pre + n + trailing_blanks + suf;
    char *buf = malloc(len);
    assert_non_null(buf);
    memcpy(buf, fmt_prefix, pre);
    for (size_t i = 0; i < n; i++)
        buf[pre + i] = "ACGT"[(i / 3) % 4];
    memset(buf + pre + n, ' ', trailing_blanks);
    memcpy(buf + pre + n + trailing_blanks, fmt_suffix, suf);
    hald_parser_opts_t o;
    hald_parser_opts_init(&o); /* max_stored 161 */
    result_t res;
    parse_mem(buf, len, &o, &res);
    if (res.status != 0)
        fail_msg("%s", res.err.msg);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.v[0].seq_len, n);
    assert_int_equal(res.v[0].stored_len, 161);
    assert_memory_equal(res.v[0].seq, buf + pre, 161);
    assert_string_equal(res.v[1].seq, "GATTACA");
    result_free(&res);
    free(buf);
}

static void test_long_lines_bounded(void **state)
{
    (void)state;
    const size_t n = 50u * 1000 * 1000;
    check_long_line(n, 0, ">big one\n", "\n>next\nGATTACA\n");
    check_long_line(n, 0, "", "\nGATTACA");
    /* 3 MiB of trailing blanks: they straddle several buffer refills. */
    check_long_line(5u << 20, 3u << 20, "", "\r\n\nGATTACA\n");
    check_long_line(5u << 20, 3u << 20, ">x\n", "\r\n>y\nGATTACA\n");
}

static void test_long_fastq_and_header(void **state)
{
    (void)state;
    /* A 3 MiB FASTQ read, and a 3 MiB header description. */
    const size_t n = 3u << 20;
    text_t t = {0};
    puts_(&t, "@long ");
    for (size_t i = 0; i < n; i++)
        put(&t, "d", 1);
    puts_(&t, "\n");
    for (size_t i = 0; i < n; i++)
        put(&t, &"ACGT"[i % 4], 1);
    puts_(&t, "\n+\n");
    for (size_t i = 0; i < n; i++)
        put(&t, "F", 1);
    puts_(&t, "\n@s\nGATTACA\n+\nIIIIIII\n");
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    result_t res;
    parse_mem(t.p, t.n, &o, &res);
    if (res.status != 0)
        fail_msg("%s", res.err.msg);
    assert_int_equal(res.n, 2);
    assert_string_equal(res.v[0].id, "long");
    assert_int_equal(res.v[0].seq_len, n);
    assert_int_equal(res.v[0].stored_len, 161);
    expect_rec(&res, 1, "s", "GATTACA");
    result_free(&res);

    /* One quality byte short, with a newline: a length mismatch. */
    t.n -= strlen("\n@s\nGATTACA\n+\nIIIIIII\n") + 1;
    puts_(&t, "\n");
    parse_mem(t.p, t.n, &o, &res);
    assert_int_equal(res.status, HALD_E_INPUT);
    assert_non_null(strstr(res.err.msg, "record 1 (long): quality length 3145727 != sequence length 3145728"));
    result_free(&res);
    free(t.p);
}

static void test_id_longer_than_buffer(void **state)
{
    (void)state;
    const size_t n = 2u << 20;
    text_t t = {0};
    puts_(&t, ">a\nAC\nGT\n>b\r\nGG\r\n>");
    for (size_t i = 0; i < n; i++)
        put(&t, "i", 1);
    puts_(&t, "\nACGT\n");
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    result_t res;
    parse_mem(t.p, t.n, &o, &res);
    assert_int_equal(res.status, HALD_E_INPUT);
    assert_non_null(strstr(res.err.msg, "line 6: record id longer"));
    result_free(&res);
    free(t.p);
}

/* ---------------------------------------------------------------- random */

/* What a generated input must parse to. */
typedef struct expect {
    char **ids, **seqs;
    size_t n, cap;
} expect_t;

static void expect_add(expect_t *e, const char *id, const char *seq, size_t len)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 1024;
        e->ids = realloc(e->ids, e->cap * sizeof *e->ids);
        e->seqs = realloc(e->seqs, e->cap * sizeof *e->seqs);
        assert_true(e->ids && e->seqs);
    }
    e->ids[e->n] = dup_n(id, strlen(id));
    e->seqs[e->n++] = dup_n(seq, len);
}

static void expect_free(expect_t *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->ids[i]);
        free(e->seqs[i]);
    }
    free(e->ids);
    free(e->seqs);
}

static size_t random_seq(uint64_t *s, char *out, size_t max)
{
    size_t len = rnd(s) % (max + 1);
    for (size_t k = 0; k < len; k++)
        out[k] = "ACGTNacgtnU"[rnd(s) % 11];
    return len;
}

/* FASTA: lengths 0..400, random wrap widths, descriptions, CRLF, blank lines. */
static void gen_fasta(uint64_t *s, size_t n, text_t *t, expect_t *e)
{
    char seq[401], id[48];
    for (size_t i = 0; i < n; i++) {
        size_t len = random_seq(s, seq, 400), width = 1 + rnd(s) % 120;
        const char *eol = rnd(s) % 8 ? "\n" : "\r\n";
        snprintf(id, sizeof id, "s%zu_%llu", i, (unsigned long long)(rnd(s) % 100000));
        expect_add(e, id, seq, len);
        puts_(t, ">");
        puts_(t, id);
        puts_(t, rnd(s) % 3 ? "" : (rnd(s) % 2 ? " d e s c" : "\tdesc"));
        puts_(t, eol);
        for (size_t k = 0; k < len; k += width) {
            put(t, seq + k, len - k < width ? len - k : width);
            puts_(t, eol);
        }
        if (rnd(s) % 50 == 0)
            puts_(t, rnd(s) % 2 ? "\n" : " \r\n");
    }
}

/* FASTQ: 4-line records, some CRLF, blank lines between records. */
static void gen_fastq(uint64_t *s, size_t n, text_t *t, expect_t *e)
{
    char seq[401], qual[401], id[48];
    for (size_t i = 0; i < n; i++) {
        size_t len = random_seq(s, seq, 400);
        const char *eol = rnd(s) % 8 ? "\n" : "\r\n";
        for (size_t k = 0; k < len; k++)
            qual[k] = (char)('!' + rnd(s) % 94);
        snprintf(id, sizeof id, "q%zu", i);
        expect_add(e, id, seq, len);
        puts_(t, "@");
        puts_(t, id);
        puts_(t, rnd(s) % 2 ? " desc" : "");
        puts_(t, eol);
        put(t, seq, len);
        puts_(t, eol);
        puts_(t, rnd(s) % 2 ? "+" : "+q");
        puts_(t, eol);
        put(t, qual, len);
        puts_(t, eol);
        if (rnd(s) % 50 == 0)
            puts_(t, "\n");
    }
}

/* Lines: ids are physical line numbers; blank lines, trailing blanks, CRLF. */
static void gen_lines(uint64_t *s, size_t n, text_t *t, expect_t *e)
{
    char seq[401], id[24];
    size_t line = 0;
    for (size_t i = 0; i < n; i++) {
        while (rnd(s) % 20 == 0) {
            puts_(t, rnd(s) % 2 ? "\n" : " \t\r\n");
            line++;
        }
        size_t len = 1 + random_seq(s, seq + 1, 399);
        seq[0] = 'G'; /* a line never starts with a blank */
        snprintf(id, sizeof id, "%zu", ++line);
        expect_add(e, id, seq, len);
        put(t, seq, len);
        puts_(t, rnd(s) % 5 ? "" : "  ");
        puts_(t, rnd(s) % 8 ? "\n" : "\r\n");
    }
}

static void compare(const result_t *res, const expect_t *e, uint64_t max_stored)
{
    if (res->status != 0)
        fail_msg("%s", res->err.msg);
    assert_int_equal(res->n, e->n);
    for (size_t i = 0; i < e->n; i++) {
        size_t len = strlen(e->seqs[i]);
        assert_string_equal(res->v[i].id, e->ids[i]);
        assert_int_equal(res->v[i].seq_len, len);
        assert_int_equal(res->v[i].stored_len, len < max_stored ? len : max_stored);
        assert_memory_equal(res->v[i].seq, e->seqs[i], (size_t)res->v[i].stored_len);
    }
}

typedef void gen_fn(uint64_t *s, size_t n, text_t *t, expect_t *e);

/* Random records of one format must all come back, whatever max_stored
 * and batch size (so refills and batch ends fall everywhere). */
static void round_trip(gen_fn *gen, size_t n, hald_format_t detected)
{
    uint64_t s = 0x9E3779B97F4A7C15ull;
    text_t t = {0};
    expect_t e = {0};
    gen(&s, n, &t, &e);
    const uint64_t caps[] = {UINT64_MAX, 161, 7};
    for (int c = 0; c < 3; c++) {
        hald_parser_opts_t o;
        hald_parser_opts_init(&o);
        o.max_stored = caps[c];
        o.max_records = 1000 + 17 * (size_t)c;
        result_t res;
        parse_mem(t.p, t.n, &o, &res);
        compare(&res, &e, caps[c]);
        assert_int_equal(res.fmt, detected);
        result_free(&res);
    }
    expect_free(&e);
    free(t.p);
}

static void test_random_fasta_round_trip(void **state)
{
    (void)state;
    round_trip(gen_fasta, 100000, HALD_FORMAT_FASTA);
}

static void test_random_fastq_round_trip(void **state)
{
    (void)state;
    round_trip(gen_fastq, 30000, HALD_FORMAT_FASTQ);
}

static void test_random_lines_round_trip(void **state)
{
    (void)state;
    round_trip(gen_lines, 30000, HALD_FORMAT_LINES);
}

/* Feeds a pipe in small random pieces, so the parser's reads end at
 * arbitrary bytes (mid-line, between '\r' and '\n', inside ids). */
typedef struct feeder {
    int fd;
    const char *p;
    size_t n;
} feeder_t;

static void *feed(void *arg)
{
    feeder_t *f = arg;
    uint64_t s = 12345;
    for (size_t off = 0; off < f->n;) {
        size_t k = 1 + rnd(&s) % 300;
        if (k > f->n - off)
            k = f->n - off;
        ssize_t w = write(f->fd, f->p + off, k);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static void pipe_round_trip(gen_fn *gen, size_t n)
{
    uint64_t s = 77;
    text_t t = {0};
    expect_t e = {0};
    gen(&s, n, &t, &e);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    feeder_t f = {fds[1], t.p, t.n};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, feed, &f), 0);
    hald_error_t err;
    hald_reader_t *rd = hald_reader_from_fd(fds[0], 1, "pipe", &err);
    assert_non_null(rd);
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.max_stored = UINT64_MAX;
    result_t res;
    parse_reader(rd, &o, &res);
    hald_reader_close(rd);
    assert_int_equal(pthread_join(th, NULL), 0);
    compare(&res, &e, UINT64_MAX);
    result_free(&res);
    expect_free(&e);
    free(t.p);
}

static void test_random_small_reads(void **state)
{
    (void)state;
    pipe_round_trip(gen_fasta, 5000);
    pipe_round_trip(gen_fastq, 3000);
    pipe_round_trip(gen_lines, 3000);
}

/* ---------------------------------------------------------------- compressed */

static void test_compressed_input(void **state)
{
    (void)state;
    text_t t = {0};
    char line[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(line, sizeof line, "@q%d\nACGTACGTAC\n+\nIIIIIIIIII\n", i);
        puts_(&t, line);
    }
    /* zstd */
    size_t cap = ZSTD_compressBound(t.n);
    unsigned char *z = malloc(cap);
    assert_non_null(z);
    size_t zn = ZSTD_compress(z, cap, t.p, t.n, 3);
    assert_false(ZSTD_isError(zn));
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    result_t res;
    parse_mem(z, zn, &o, &res);
    assert_int_equal(res.status, 0);
    assert_int_equal(res.n, 20000);
    assert_int_equal(res.fmt, HALD_FORMAT_FASTQ);
    expect_rec(&res, 19999, "q19999", "ACGTACGTAC");
    result_free(&res);
    /* A truncated zstd stream: the decoder's error comes through unchanged. */
    parse_mem(z, zn / 2, &o, &res);
    assert_true(res.status < 0);
    assert_string_equal(res.err.msg, "in.txt: truncated zstd stream");
    result_free(&res);
    free(z);

    /* gzip */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong gcap = deflateBound(&zs, (uLong)t.n);
    unsigned char *g = malloc(gcap);
    assert_non_null(g);
    zs.next_in = (Bytef *)t.p;
    zs.avail_in = (uInt)t.n;
    zs.next_out = g;
    zs.avail_out = (uInt)gcap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t gn = gcap - zs.avail_out;
    deflateEnd(&zs);
    parse_mem(g, gn, &o, &res);
    assert_int_equal(res.status, 0);
    assert_int_equal(res.n, 20000);
    expect_rec(&res, 0, "q0", "ACGTACGTAC");
    result_free(&res);
    free(g);
    free(t.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_fasta_basic),
        cmocka_unit_test(test_fasta_wrapped),
        cmocka_unit_test(test_fasta_crlf_blank_and_no_final_newline),
        cmocka_unit_test(test_fasta_blanks_inside_lines),
        cmocka_unit_test(test_fasta_empty_sequences),
        cmocka_unit_test(test_fasta_raw_bytes_kept),
        cmocka_unit_test(test_fasta_forced_mismatch),
        cmocka_unit_test(test_binary_rejected),
        cmocka_unit_test(test_bases_for_a_piece_of_a_stream),
        cmocka_unit_test(test_fastq_basic),
        cmocka_unit_test(test_fastq_errors),
        cmocka_unit_test(test_lines_format),
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_opts_defaults_and_bad_args),
        cmocka_unit_test(test_batch_limits),
        cmocka_unit_test(test_arena_growth_keeps_pointers),
        cmocka_unit_test(test_max_stored),
        cmocka_unit_test(test_long_lines_bounded),
        cmocka_unit_test(test_long_fastq_and_header),
        cmocka_unit_test(test_id_longer_than_buffer),
        cmocka_unit_test(test_random_fasta_round_trip),
        cmocka_unit_test(test_random_fastq_round_trip),
        cmocka_unit_test(test_random_lines_round_trip),
        cmocka_unit_test(test_random_small_reads),
        cmocka_unit_test(test_compressed_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
