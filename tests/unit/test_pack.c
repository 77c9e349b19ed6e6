/* Unit tests for src/pack.c: packing FASTA, FASTQ and lines text into
 * record-aligned zstd frames, then checking that the file decodes to the
 * original bytes (whole, per frame, through the reader), that every frame
 * is cut at a record start, that the index counts equal what hald_parser
 * yields, that the seek table is valid, and that the index reader rejects
 * corruption; plus empty input, over-long records and shards. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "hald/pack.h"
#include "hald/reader.h"
#include "hald/recstart.h"
#include "hald/records.h"
#include "hald/sink.h"

/* ---------------------------------------------------------------- helpers */

typedef struct rng {
    uint64_t s;
} rng_t;

static uint32_t rnd(rng_t *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((r->s >> 33) % n);
}

/* A growable text. */
typedef struct text {
    char *p;
    size_t n, cap;
} text_t;

static void put(text_t *t, const char *s, size_t n)
{
    if (t->cap - t->n < n + 1) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap - t->n < n + 1)
            cap *= 2;
        t->p = realloc(t->p, cap);
        assert_non_null(t->p);
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, n);
    t->n += n;
    t->p[t->n] = '\0';
}

static void puts_(text_t *t, const char *s)
{
    put(t, s, strlen(s));
}

static void putc_(text_t *t, char c)
{
    put(t, &c, 1);
}

static void eol(text_t *t, int crlf)
{
    puts_(t, crlf ? "\r\n" : "\n");
}

static void bases(text_t *t, rng_t *r, size_t n)
{
    static const char b[] = "ACGTacgtN";
    for (size_t i = 0; i < n; i++)
        putc_(t, b[rnd(r, sizeof b - 1)]);
}

/* FASTA: descriptions (space or tab), wrapped lines, empty sequences, an
 * occasional blank line, optional CRLF and no final newline. */
static text_t gen_fasta(uint64_t seed, int nrec, int crlf)
{
    rng_t r = {seed};
    text_t t = {0};
    for (int i = 0; i < nrec; i++) {
        char h[64];
        snprintf(h, sizeof h, ">seq%d", i);
        puts_(&t, h);
        if (rnd(&r, 2))
            puts_(&t, rnd(&r, 2) ? " some description" : "\tdesc > with = signs");
        eol(&t, crlf);
        size_t len = rnd(&r, 10) == 0 ? 0 : rnd(&r, 400), wrap = 50 + rnd(&r, 30);
        for (size_t done = 0; done < len; done += wrap) {
            bases(&t, &r, len - done < wrap ? len - done : wrap);
            eol(&t, crlf);
        }
        if (rnd(&r, 15) == 0)
            eol(&t, crlf);
    }
    if (t.n && rnd(&r, 2) && t.p[t.n - 1] == '\n') /* drop the last newline */
        t.p[--t.n] = '\0';
    return t;
}

/* FASTQ: many quality lines begin with '@' or '+', some '+' lines repeat
 * the id, blank lines between some records, some empty sequences. */
static text_t gen_fastq(uint64_t seed, int nrec, int crlf)
{
    rng_t r = {seed};
    text_t t = {0};
    for (int i = 0; i < nrec; i++) {
        char h[64];
        snprintf(h, sizeof h, "@read%d", i);
        puts_(&t, h);
        if (rnd(&r, 2))
            puts_(&t, " 1:N:0:ACGT");
        eol(&t, crlf);
        size_t len = rnd(&r, 12) == 0 ? 0 : 1 + rnd(&r, 150);
        bases(&t, &r, len);
        eol(&t, crlf);
        puts_(&t, "+");
        if (rnd(&r, 3) == 0)
            puts_(&t, h + 1);
        eol(&t, crlf);
        for (size_t k = 0; k < len; k++) {
            uint32_t c = rnd(&r, 8);
            putc_(&t, k == 0 && c < 3 ? "@@+"[c] : (char)('!' + rnd(&r, 42)));
        }
        eol(&t, crlf);
        if (rnd(&r, 20) == 0)
            eol(&t, crlf);
    }
    return t;
}

/* Lines: bases, blank lines of every kind, leading blanks, CRLF. */
static text_t gen_lines(uint64_t seed, int nlines, int crlf)
{
    rng_t r = {seed};
    text_t t = {0};
    static const char *blank[] = {"", "  ", "\t", "\r", " \t "};
    for (int i = 0; i < nlines; i++) {
        uint32_t k = rnd(&r, 10);
        if (k < 2) {
            puts_(&t, blank[rnd(&r, 5)]);
        } else {
            if (k == 2)
                puts_(&t, "  ");
            bases(&t, &r, 1 + rnd(&r, 200));
        }
        eol(&t, crlf && rnd(&r, 2));
    }
    if (rnd(&r, 2))
        bases(&t, &r, 30); /* a last line without a newline */
    return t;
}

/* A packed file in memory. */
typedef struct packed {
    unsigned char *p;
    size_t n;
    hald_pack_stats_t st;
} packed_t;

static void read_file(const char *path, packed_t *pk)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    pk->n = (size_t)n;
    pk->p = malloc(pk->n + 1);
    assert_non_null(pk->p);
    assert_int_equal(fread(pk->p, 1, pk->n, f), pk->n);
    fclose(f);
}

/* Packs src (any compression) into a temporary file, reads it back, and
 * checks hald_pack_index_read on the file agrees with the memory parse. */
static int pack_to(const void *src, size_t len, const hald_pack_opts_t *o, packed_t *pk,
                   hald_error_t *err)
{
    char dir[] = "/tmp/hald_test_pack_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/out.zst", dir);
    hald_reader_t *r = hald_reader_from_memory(src, len, "in.txt", err);
    assert_non_null(r);
    hald_sink_t *s = hald_sink_open(path, err);
    assert_non_null(s);
    int rc = hald_pack(r, s, o, &pk->st, err);
    hald_reader_close(r);
    if (rc != HALD_OK) {
        hald_sink_abort(s);
        assert_int_equal(rmdir(dir), 0);
        return rc;
    }
    assert_int_equal(hald_sink_commit(s, err), HALD_OK);
    read_file(path, pk);
    assert_int_equal(pk->st.bytes_out, pk->n);

    hald_pack_index_t a, b;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(hald_pack_index_read(fd, path, &a, err), HALD_OK);
    close(fd);
    assert_int_equal(hald_pack_index_parse(pk->p, pk->n, path, &b, err), HALD_OK);
    assert_int_equal(a.n_frames, b.n_frames);
    assert_int_equal(a.format, b.format);
    if (a.n_frames)
        assert_memory_equal(a.frames, b.frames, a.n_frames * sizeof *a.frames);
    hald_pack_index_free(&a);
    hald_pack_index_free(&b);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    return HALD_OK;
}

static void pack_ok(const void *src, size_t len, const hald_pack_opts_t *o, packed_t *pk)
{
    hald_error_t err = {0};
    int rc = pack_to(src, len, o, pk, &err);
    if (rc != HALD_OK)
        fail_msg("hald_pack: %s", err.msg);
}

/* What hald_parser yields for text: the record count, and the ids. */
typedef struct parsed {
    uint64_t n;
    char **ids;
} parsed_t;

static parsed_t parse_text(const char *text, size_t len, hald_format_t f)
{
    hald_error_t err = {0};
    hald_reader_t *r = hald_reader_from_memory(text, len, "frame", &err);
    assert_non_null(r);
    hald_parser_opts_t o;
    hald_parser_opts_init(&o);
    o.format = f;
    o.max_stored = 1;
    hald_parser_t *p = hald_parser_new(r, &o, &err);
    assert_non_null(p);
    hald_batch_t b;
    hald_batch_init(&b);
    parsed_t out = {0, NULL};
    int n;
    while ((n = hald_parser_next(p, &b, &err)) > 0) {
        out.ids = realloc(out.ids, (out.n + (size_t)n) * sizeof *out.ids);
        assert_non_null(out.ids);
        for (int i = 0; i < n; i++)
            out.ids[out.n++] = strndup(b.records[i].id, b.records[i].id_len);
    }
    if (n < 0)
        fail_msg("parser: %s", err.msg);
    hald_batch_free(&b);
    hald_parser_free(p);
    hald_reader_close(r);
    return out;
}

static void parsed_free(parsed_t *p)
{
    for (uint64_t i = 0; i < p->n; i++)
        free(p->ids[i]);
    free(p->ids);
}

static uint64_t newlines(const char *s, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += s[i] == '\n';
    return c;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The zstd seekable seek table at the end matches the index. */
static void check_seek_table(const packed_t *pk, const hald_pack_index_t *idx)
{
    size_t n = (size_t)idx->n_frames, table = 17 + 8 * n;
    assert_true(pk->n >= table);
    const unsigned char *f = pk->p + pk->n - 9, *t = pk->p + pk->n - table;
    assert_int_equal(le32(f), n);
    assert_int_equal(f[4], 0);
    assert_int_equal(le32(f + 5), 0x8F92EAB1u);
    assert_int_equal(le32(t), 0x184D2A5Eu);
    assert_int_equal(le32(t + 4), 8 * n + 9);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(le32(t + 8 + 8 * k), idx->frames[k].csize);
        assert_int_equal(le32(t + 12 + 8 * k), idx->frames[k].dsize);
    }
    /* the hald index frame sits right after the data frames */
    size_t ioff = n ? (size_t)(idx->frames[n - 1].offset + idx->frames[n - 1].csize) : 0;
    assert_int_equal(le32(pk->p + ioff), 0x184D2A5Bu);
    assert_memory_equal(pk->p + ioff + 8, "HALDIDX1", 8);
    assert_int_equal(ioff + 8 + le32(pk->p + ioff + 4), pk->n - table);
}

/* The whole file decodes to text with ZSTD_decompress and the reader. */
static void check_whole(const packed_t *pk, const char *text, size_t len)
{
    char *out = malloc(len + 1);
    assert_non_null(out);
    size_t got = ZSTD_decompress(out, len + 1, pk->p, pk->n);
    assert_false(ZSTD_isError(got));
    assert_int_equal(got, len);
    assert_memory_equal(out, text, len);

    hald_error_t err = {0};
    hald_reader_t *r = hald_reader_from_memory(pk->p, pk->n, "packed", &err);
    assert_non_null(r);
    size_t total = 0;
    ssize_t n;
    while ((n = hald_reader_read(r, out + total, len + 1 - total, &err)) > 0)
        total += (size_t)n;
    assert_int_equal(n, 0);
    assert_int_equal(total, len);
    assert_memory_equal(out, text, len);
    hald_reader_close(r);
    free(out);
}

/* One frame: decodes alone to its slice of text, begins at a record start
 * (frame 0 at offset 0), ends at the first record start at or after
 * frame_size, and its counts equal the parser's on its text alone, ids
 * included once lines-format ids are shifted by first_line - 1. */
static void check_frame(const packed_t *pk, const hald_pack_index_t *idx, uint64_t k,
                        const char *text, size_t len, size_t at, size_t frame_size,
                        const parsed_t *whole)
{
    const hald_pack_frame_t *f = &idx->frames[k];
    char *out = malloc(f->dsize + 1);
    assert_non_null(out);
    size_t got = ZSTD_decompress(out, f->dsize + 1, pk->p + f->offset, f->csize);
    assert_false(ZSTD_isError(got));
    assert_int_equal(got, f->dsize);
    assert_true(at + got <= len);
    assert_memory_equal(out, text + at, got);
    assert_int_equal(ZSTD_getFrameContentSize(pk->p + f->offset, f->csize), f->dsize);
    if (k > 0)
        assert_true(at > 0 && text[at - 1] == '\n' && hald_recstart_at(idx->format, text, len, at));
    int last = k + 1 == idx->n_frames;
    if (!last) {
        assert_true(got >= frame_size);
        assert_int_equal(hald_recstart_next(idx->format, out, got, frame_size), got);
    }
    assert_int_equal(f->newlines, newlines(out, got));
    parsed_t one = parse_text(out, got, idx->format);
    assert_int_equal(f->records, one.n);
    for (uint64_t j = 0; j < one.n; j++) {
        const char *want = whole->ids[f->first_record + j];
        if (idx->format == HALD_FORMAT_LINES) {
            char id[32];
            snprintf(id, sizeof id, "%llu",
                     strtoull(one.ids[j], NULL, 10) + (unsigned long long)f->first_line - 1);
            assert_string_equal(id, want);
        } else {
            assert_string_equal(one.ids[j], want);
        }
    }
    parsed_free(&one);
    free(out);
}

/* Everything about one packed text. */
static void check_packed(const packed_t *pk, const char *text, size_t len, hald_format_t fmt,
                         size_t frame_size)
{
    hald_error_t err = {0};
    hald_pack_index_t idx;
    assert_int_equal(hald_pack_index_parse(pk->p, pk->n, "packed", &idx, &err), HALD_OK);
    assert_int_equal(idx.format, fmt);
    assert_int_equal(idx.n_frames, pk->st.frames);
    assert_int_equal(idx.total_records, pk->st.records);
    assert_int_equal(idx.total_bytes, len);
    assert_int_equal(pk->st.bytes_in, len);
    check_seek_table(pk, &idx);
    check_whole(pk, text, len);
    parsed_t whole = parse_text(text, len, fmt);
    assert_int_equal(idx.total_records, whole.n);
    size_t at = 0;
    uint64_t rec = 0, line = 1, off = 0;
    for (uint64_t k = 0; k < idx.n_frames; k++) {
        const hald_pack_frame_t *f = &idx.frames[k];
        assert_int_equal(f->offset, off);
        assert_int_equal(f->first_record, rec);
        assert_int_equal(f->first_line, line);
        check_frame(pk, &idx, k, text, len, at, frame_size, &whole);
        at += f->dsize;
        off += f->csize;
        rec += f->records;
        line += f->newlines;
    }
    assert_int_equal(at, len);
    parsed_free(&whole);
    hald_pack_index_free(&idx);
}

static void pack_and_check(const text_t *t, hald_format_t want, size_t frame_size,
                           hald_format_t given, uint64_t *frames)
{
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.frame_size = frame_size;
    o.format = given;
    packed_t pk = {0};
    pack_ok(t->p ? t->p : "", t->n, &o, &pk);
    assert_int_equal(pk.st.format, want);
    check_packed(&pk, t->p ? t->p : "", t->n, want, frame_size);
    if (frames)
        *frames = pk.st.frames;
    free(pk.p);
}

/* ---------------------------------------------------------------- formats */

static void test_fasta(void **state)
{
    (void)state;
    for (int crlf = 0; crlf < 2; crlf++) {
        text_t t = gen_fasta(7 + (uint64_t)crlf, 300, crlf);
        uint64_t frames;
        pack_and_check(&t, HALD_FORMAT_FASTA, 100, HALD_FORMAT_AUTO, &frames);
        assert_true(frames > 100);
        pack_and_check(&t, HALD_FORMAT_FASTA, 5000, HALD_FORMAT_AUTO, &frames);
        assert_true(frames > 5);
        pack_and_check(&t, HALD_FORMAT_FASTA, (size_t)4 << 20, HALD_FORMAT_FASTA, &frames);
        assert_int_equal(frames, 1);
        free(t.p);
    }
}

static void test_fastq(void **state)
{
    (void)state;
    for (int crlf = 0; crlf < 2; crlf++) {
        text_t t = gen_fastq(11 + (uint64_t)crlf, 400, crlf);
        uint64_t frames;
        pack_and_check(&t, HALD_FORMAT_FASTQ, 100, HALD_FORMAT_AUTO, &frames);
        assert_true(frames > 100);
        pack_and_check(&t, HALD_FORMAT_FASTQ, 3000, HALD_FORMAT_AUTO, NULL);
        pack_and_check(&t, HALD_FORMAT_FASTQ, 1, HALD_FORMAT_FASTQ, &frames);
        assert_int_equal(frames, 400); /* one record per frame */
        free(t.p);
    }
}

static void test_lines(void **state)
{
    (void)state;
    for (int crlf = 0; crlf < 2; crlf++) {
        text_t t = gen_lines(13 + (uint64_t)crlf, 800, crlf);
        uint64_t frames;
        pack_and_check(&t, HALD_FORMAT_LINES, 100, HALD_FORMAT_AUTO, &frames);
        assert_true(frames > 100);
        pack_and_check(&t, HALD_FORMAT_LINES, 7000, HALD_FORMAT_AUTO, NULL);
        free(t.p);
    }
    /* a lines file whose lines begin with '>' when packed as lines */
    text_t t = {0};
    for (int i = 0; i < 50; i++)
        puts_(&t, i % 3 ? ">ACGT\n\n" : "ACGT\n");
    pack_and_check(&t, HALD_FORMAT_LINES, 10, HALD_FORMAT_LINES, NULL);
    pack_and_check(&t, HALD_FORMAT_LINES, 10, HALD_FORMAT_LINES, NULL);
    free(t.p);
}

/* Leading blank lines stay in frame 0; blank-only input is one frame of
 * lines with no record. */
static void test_blank(void **state)
{
    (void)state;
    text_t t = {0};
    puts_(&t, "\n \r\n\t\n");
    pack_and_check(&t, HALD_FORMAT_LINES, 2, HALD_FORMAT_AUTO, NULL);
    puts_(&t, ">a\nAC\n>b\nGT\n");
    pack_and_check(&t, HALD_FORMAT_FASTA, 2, HALD_FORMAT_AUTO, NULL);
    free(t.p);
}

/* A compressed input packs to the very same file. */
static void test_compressed_input(void **state)
{
    (void)state;
    text_t t = gen_fastq(5, 300, 0);
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.frame_size = 1000;
    size_t cap = ZSTD_compressBound(t.n);
    void *z = malloc(cap);
    assert_non_null(z);
    size_t zn = ZSTD_compress(z, cap, t.p, t.n, 1);
    assert_false(ZSTD_isError(zn));
    packed_t a = {0}, b = {0};
    pack_ok(t.p, t.n, &o, &a);
    pack_ok(z, zn, &o, &b);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.p, b.p, a.n);
    free(a.p);
    free(b.p);
    free(z);
    free(t.p);
}

/* ---------------------------------------------------------------- sizes */

/* Records far longer than the frame size, and than the read buffer. */
static void test_long_record(void **state)
{
    (void)state;
    rng_t r = {3};
    text_t t = {0};
    puts_(&t, ">short\nACGT\n>long one\n");
    for (int i = 0; i < 20000; i++) { /* 1.2 MB of sequence */
        bases(&t, &r, 60);
        puts_(&t, "\n");
    }
    puts_(&t, ">after\nAC\n>last\nGT\n");
    uint64_t frames;
    pack_and_check(&t, HALD_FORMAT_FASTA, 12, HALD_FORMAT_AUTO, &frames);
    assert_int_equal(frames, 3); /* short, long alone, after+last */
    pack_and_check(&t, HALD_FORMAT_FASTA, 100, HALD_FORMAT_AUTO, &frames);
    assert_int_equal(frames, 2); /* short+long, after+last */
    free(t.p);
}

static void test_empty(void **state)
{
    (void)state;
    text_t t = {0};
    pack_and_check(&t, HALD_FORMAT_LINES, 100, HALD_FORMAT_AUTO, NULL);
    pack_and_check(&t, HALD_FORMAT_FASTQ, 100, HALD_FORMAT_FASTQ, NULL);

    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    packed_t pk = {0};
    pack_ok("", 0, &o, &pk);
    assert_int_equal(pk.st.frames, 0);
    assert_int_equal(pk.n, 8 + 28 + 8 + 9); /* index and seek table only */
    hald_pack_index_t idx;
    hald_error_t err = {0};
    assert_int_equal(hald_pack_index_parse(pk.p, pk.n, "e", &idx, &err), HALD_OK);
    assert_int_equal(idx.n_frames, 0);
    assert_null(idx.frames);
    uint64_t first, last;
    hald_pack_shard(&idx, 0, 1, &first, &last);
    assert_int_equal(first, 0);
    assert_int_equal(last, 0);
    hald_pack_index_free(&idx);
    free(pk.p);
}

static void test_bad_opts(void **state)
{
    (void)state;
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    assert_int_equal(o.frame_size, (size_t)4 << 20);
    assert_int_equal(o.level, 3);
    assert_int_equal(o.format, HALD_FORMAT_AUTO);
    packed_t pk = {0};
    hald_error_t err = {0};
    o.frame_size = 0;
    assert_int_equal(pack_to("a\n", 2, &o, &pk, &err), HALD_E_USAGE);
    hald_pack_opts_init(&o);
    o.level = 1000;
    assert_int_equal(pack_to("a\n", 2, &o, &pk, &err), HALD_E_USAGE);
    assert_non_null(strstr(err.msg, "level"));
}

/* ---------------------------------------------------------------- corruption */

static packed_t packed_fasta(size_t frame_size)
{
    text_t t = gen_fasta(21, 60, 0);
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.frame_size = frame_size;
    packed_t pk = {0};
    pack_ok(t.p, t.n, &o, &pk);
    free(t.p);
    return pk;
}

static int parse_rc(const void *p, size_t n, hald_error_t *err)
{
    hald_pack_index_t idx;
    int rc = hald_pack_index_parse(p, n, "bad.zst", &idx, err);
    if (rc != HALD_OK) {
        assert_int_equal(idx.n_frames, 0);
        assert_null(idx.frames);
    }
    hald_pack_index_free(&idx);
    return rc;
}

/* Every bit flip in the index and seek table is caught: negative, except
 * in the magic numbers that mark a file as packed (then 1, not packed). */
static void test_corrupt_tail(void **state)
{
    (void)state;
    packed_t pk = packed_fasta(200);
    hald_error_t err = {0};
    size_t n = (size_t)pk.st.frames;
    size_t tail = (8 + 28 + 32 * n) + (17 + 8 * n), start = pk.n - tail;
    unsigned char *c = malloc(pk.n);
    assert_non_null(c);
    for (size_t i = start; i < pk.n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(c, pk.p, pk.n);
            c[i] ^= (unsigned char)(1u << bit);
            int rc = parse_rc(c, pk.n, &err);
            size_t rel = i - start;
            int magic = rel < 4 || (rel >= 8 && rel < 16) || i >= pk.n - 4 ||
                        (i == pk.n - 5 && bit == 7);
            if (magic) {
                assert_true(rc != HALD_OK);
            } else {
                if (rc >= 0)
                    fail_msg("flip at %zu (len %zu) bit %d not caught (rc %d)", i, pk.n, bit, rc);
                assert_non_null(strstr(err.msg, "bad.zst: "));
            }
        }
    }
    free(c);
    free(pk.p);
}

/* Counts and offsets rewritten with a valid CRC are still caught by the
 * cross-checks. */
static void put32le(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void refresh_crc(unsigned char *file, size_t len, size_t n)
{
    size_t body = 24 + 32 * n, start = len - (17 + 8 * n) - (8 + body + 4);
    uint32_t crc = (uint32_t)crc32(0, file + start + 8, (unsigned)body);
    put32le(file + start + 8 + body, crc);
}

/* Entry k of the index and of the seek table, in a file with n frames. */
static unsigned char *entry(unsigned char *file, size_t len, size_t n, size_t k)
{
    return file + len - (17 + 8 * n) - (4 + 32 * n) + 32 * k;
}

static unsigned char *seek_entry(unsigned char *file, size_t len, size_t n, size_t k)
{
    return file + len - (9 + 8 * n) + 8 * k;
}

static void expect_corrupt(unsigned char *c, size_t len, size_t n, const char *why)
{
    hald_error_t err = {0};
    refresh_crc(c, len, n);
    int rc = parse_rc(c, len, &err);
    if (rc >= 0)
        fail_msg("%s: not caught (rc %d)", why, rc);
    assert_non_null(strstr(err.msg, "bad.zst: "));
}

static void test_cross_checks(void **state)
{
    (void)state;
    packed_t pk = packed_fasta(200);
    size_t n = (size_t)pk.st.frames, k = n / 2;
    assert_true(n > 3);
    unsigned char *c = malloc(pk.n);
    assert_non_null(c);
    hald_error_t err = {0};
    memcpy(c, pk.p, pk.n);
    refresh_crc(c, pk.n, n);
    assert_int_equal(parse_rc(c, pk.n, &err), HALD_OK); /* the helper itself is right */

    memcpy(c, pk.p, pk.n); /* more records than bytes */
    put32le(entry(c, pk.n, n, k) + 16, le32(entry(c, pk.n, n, k) + 12) + 1);
    expect_corrupt(c, pk.n, n, "records > dsize");
    memcpy(c, pk.p, pk.n); /* a later frame without records */
    memset(entry(c, pk.n, n, k) + 16, 0, 8);
    expect_corrupt(c, pk.n, n, "no records");
    memcpy(c, pk.p, pk.n); /* more newlines than bytes */
    put32le(entry(c, pk.n, n, k) + 28, 1);
    expect_corrupt(c, pk.n, n, "newlines");
    memcpy(c, pk.p, pk.n); /* an offset */
    put32le(entry(c, pk.n, n, k), le32(entry(c, pk.n, n, k)) + 1);
    expect_corrupt(c, pk.n, n, "offset");
    memcpy(c, pk.p, pk.n); /* offset past EOF */
    put32le(entry(c, pk.n, n, k) + 4, 7);
    expect_corrupt(c, pk.n, n, "offset high");
    memcpy(c, pk.p, pk.n); /* dsize changed in both tables: the frame header disagrees */
    put32le(entry(c, pk.n, n, k) + 12, le32(entry(c, pk.n, n, k) + 12) + 1);
    put32le(seek_entry(c, pk.n, n, k) + 4, le32(seek_entry(c, pk.n, n, k) + 4) + 1);
    expect_corrupt(c, pk.n, n, "dsize");
    memcpy(c, pk.p, pk.n); /* csize changed in both: offsets no longer add up */
    put32le(entry(c, pk.n, n, k) + 8, le32(entry(c, pk.n, n, k) + 8) + 1);
    put32le(seek_entry(c, pk.n, n, k), le32(seek_entry(c, pk.n, n, k)) + 1);
    expect_corrupt(c, pk.n, n, "csize");
    memcpy(c, pk.p, pk.n); /* a data frame's magic */
    hald_pack_index_t idx;
    assert_int_equal(hald_pack_index_parse(pk.p, pk.n, "x", &idx, &err), HALD_OK);
    c[idx.frames[k].offset] ^= 1;
    hald_pack_index_free(&idx);
    expect_corrupt(c, pk.n, n, "frame magic");
    memcpy(c, pk.p, pk.n); /* an unknown format and a future version */
    put32le(c + pk.n - (17 + 8 * n) - (4 + 32 * n) - 12, 9);
    expect_corrupt(c, pk.n, n, "format");
    memcpy(c, pk.p, pk.n);
    put32le(c + pk.n - (17 + 8 * n) - (4 + 32 * n) - 16, 2);
    expect_corrupt(c, pk.n, n, "version");
    free(c);
    free(pk.p);
}

/* Cutting the end loses the footer: the file is then "not packed" (1),
 * never a crash or a bogus index.  Cutting bytes out of the middle makes
 * the sizes disagree: negative. */
static void test_truncation(void **state)
{
    (void)state;
    packed_t pk = packed_fasta(300);
    hald_error_t err = {0};
    for (size_t len = 0; len < pk.n; len++) {
        unsigned char *c = malloc(len ? len : 1);
        assert_non_null(c);
        memcpy(c, pk.p, len);
        int rc = parse_rc(c, len, &err);
        assert_true(rc != HALD_OK);
        free(c);
    }
    unsigned char *c = malloc(pk.n);
    assert_non_null(c);
    size_t data = pk.n - (8 + 28 + 32 * (size_t)pk.st.frames) - (17 + 8 * (size_t)pk.st.frames);
    for (size_t at = 0; at < data; at += 7) {
        for (size_t cut = 1; cut <= 9; cut += 4) {
            if (at + cut > data)
                break;
            memcpy(c, pk.p, at);
            memcpy(c + at, pk.p + at + cut, pk.n - at - cut);
            int rc = parse_rc(c, pk.n - cut, &err);
            if (rc >= 0)
                fail_msg("cut of %zu at %zu not caught (rc %d)", cut, at, rc);
        }
    }
    free(c);
    free(pk.p);
}

/* Files without a hald index: 1, and an empty index. */
static void test_not_packed(void **state)
{
    (void)state;
    hald_error_t err = {0};
    const char *txt = ">a\nACGT\n";
    assert_int_equal(parse_rc(txt, strlen(txt), &err), 1);
    assert_int_equal(parse_rc("", 0, &err), 1);
    assert_int_equal(parse_rc(NULL, 0, &err), 1);

    unsigned char z[256];
    size_t zn = ZSTD_compress(z, 200, txt, strlen(txt), 3);
    assert_false(ZSTD_isError(zn));
    assert_int_equal(parse_rc(z, zn, &err), 1);

    /* a third-party seekable file: one frame, then a seek table */
    put32le(z + zn, 0x184D2A5Eu);
    put32le(z + zn + 4, 8 + 9);
    put32le(z + zn + 8, (uint32_t)zn);
    put32le(z + zn + 12, (uint32_t)strlen(txt));
    put32le(z + zn + 16, 1);
    z[zn + 20] = 0;
    put32le(z + zn + 21, 0x8F92EAB1u);
    assert_int_equal(parse_rc(z, zn + 25, &err), 1);
    /* a broken seek table is an error */
    put32le(z + zn + 16, 1000);
    assert_true(parse_rc(z, zn + 25, &err) < 0);

    /* a pipe through hald_pack_index_read: not seekable, read as a stream */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    hald_pack_index_t idx;
    assert_int_equal(hald_pack_index_read(fds[0], "pipe", &idx, &err), 1);
    assert_int_equal(idx.n_frames, 0);
    close(fds[0]);
    close(fds[1]);
}

/* ---------------------------------------------------------------- shards */

static void check_shards(const hald_pack_index_t *idx, uint64_t n)
{
    uint64_t expect_first = 0, max_rec = 0;
    for (uint64_t k = 0; k < idx->n_frames; k++)
        if (idx->frames[k].records > max_rec)
            max_rec = idx->frames[k].records;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t first, last;
        hald_pack_shard(idx, i, n, &first, &last);
        assert_int_equal(first, expect_first); /* contiguous: each frame once */
        assert_true(last >= first);
        uint64_t recs = 0;
        for (uint64_t k = first; k < last; k++)
            recs += idx->frames[k].records;
        /* within one frame's records of the ideal share */
        double ideal = (double)idx->total_records / (double)n;
        assert_true((double)recs <= ideal + (double)max_rec + 1e-9);
        assert_true((double)recs + (double)max_rec + 1e-9 >= ideal);
        expect_first = last;
    }
    assert_int_equal(expect_first, idx->n_frames);
}

static void make_index(hald_pack_index_t *idx, const uint64_t *recs, uint64_t n)
{
    memset(idx, 0, sizeof *idx);
    idx->format = HALD_FORMAT_LINES;
    idx->n_frames = n;
    idx->frames = calloc(n ? n : 1, sizeof *idx->frames);
    assert_non_null(idx->frames);
    idx->total_records = 0;
    for (uint64_t k = 0; k < n; k++) {
        idx->frames[k].records = recs[k];
        idx->frames[k].first_record = idx->total_records;
        idx->total_records += recs[k];
    }
}

static void test_shard(void **state)
{
    (void)state;
    static const uint64_t even[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    static const uint64_t skew[12] = {0, 100, 1, 1, 1, 50, 2, 2, 2, 2, 300, 1};
    hald_pack_index_t idx;
    make_index(&idx, even, 10);
    for (uint64_t n = 1; n <= 25; n++)
        check_shards(&idx, n);
    uint64_t first, last;
    hald_pack_shard(&idx, 1, 2, &first, &last);
    assert_int_equal(first, 5);
    assert_int_equal(last, 10);
    hald_pack_shard(&idx, 2, 2, &first, &last); /* no such part */
    assert_int_equal(first, last);
    hald_pack_index_free(&idx);

    make_index(&idx, skew, 12);
    for (uint64_t n = 1; n <= 30; n++)
        check_shards(&idx, n);
    hald_pack_index_free(&idx);

    /* a real packed file */
    text_t t = gen_lines(17, 3000, 0);
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.frame_size = 2000;
    packed_t pk = {0};
    pack_ok(t.p, t.n, &o, &pk);
    hald_error_t err = {0};
    assert_int_equal(hald_pack_index_parse(pk.p, pk.n, "p", &idx, &err), HALD_OK);
    assert_true(idx.n_frames > 50);
    for (uint64_t n = 1; n <= 70; n++)
        check_shards(&idx, n);
    hald_pack_index_free(&idx);
    free(pk.p);
    free(t.p);
}


/* ---------------------------------------------------------------- genomes */

/* A FASTA genome: sequences of various lengths (one empty, one shorter
 * than the context, one on a single long line, one with runs of '>' inside
 * its lines), wrapped at various widths. */
typedef struct genome_text {
    char *text;
    size_t len;
    char *seq[6];
    size_t seq_len[6];
} genome_text_t;

static void make_genome(genome_text_t *g)
{
    static const size_t lens[6] = {1000, 0, 37, 5000, 81, 2500};
    static const size_t wraps[6] = {60, 60, 10, 0, 7, 61};
    size_t cap = 64 * 1024;
    g->text = malloc(cap);
    assert_non_null(g->text);
    g->len = 0;
    unsigned seed = 7;
    for (int i = 0; i < 6; i++) {
        g->seq[i] = malloc(lens[i] + 1);
        g->seq_len[i] = lens[i];
        g->len += (size_t)snprintf(g->text + g->len, cap - g->len, ">s%d desc\n", i);
        for (size_t j = 0; j < lens[i]; j++) {
            seed = seed * 1103515245u + 12345u;
            g->seq[i][j] = "ACGTacgtN"[(seed >> 16) % 9];
            /* '>' inside a line is a base: no frame may start with one. */
            if (i == 5 && j >= 20 && j < 300 && j % wraps[i] != 0)
                g->seq[i][j] = '>';
            g->text[g->len++] = g->seq[i][j];
            if (wraps[i] && (j + 1) % wraps[i] == 0)
                g->text[g->len++] = '\n';
        }
        if (lens[i] == 0 || !wraps[i] || lens[i] % wraps[i])
            g->text[g->len++] = '\n';
    }
}

static void free_genome(genome_text_t *g)
{
    for (int i = 0; i < 6; i++)
        free(g->seq[i]);
    free(g->text);
}

static void check_genome_index(const genome_text_t *t, const hald_pack_index_t *idx)
{
    const hald_pack_genome_t *g = idx->genome;
    assert_non_null(g);
    assert_int_equal(g->n_seqs, 6);
    uint64_t total = 0;
    for (int i = 0; i < 6; i++) {
        char want[8];
        snprintf(want, sizeof want, "s%d", i);
        assert_string_equal(g->seqs[i].name, want);
        assert_int_equal(g->seqs[i].length, t->seq_len[i]);
        total += t->seq_len[i];
    }
    assert_int_equal(g->total_bases, total);
    for (uint64_t k = 0; k < idx->n_frames; k++) {
        const hald_pack_gframe_t *f = &g->frames[k];
        if (f->bases == 0)
            continue;
        const char *seq = t->seq[f->seq];
        uint64_t len = t->seq_len[f->seq], after = f->first_base + f->bases;
        uint64_t left = f->first_base < 80 ? f->first_base : 80;
        uint64_t right = len - after < 82 ? len - after : 82;
        assert_int_equal(f->left_len, left);
        assert_int_equal(f->right_len, right);
        assert_memory_equal(f->left, seq + f->first_base - left, left);
        if (right)
            assert_memory_equal(f->right, seq + after, right);
    }
}

static void test_genome(void **state)
{
    (void)state;
    genome_text_t t;
    make_genome(&t);
    static const size_t sizes[] = {1, 7, 100, 1000, 4096, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        hald_pack_opts_t o;
        hald_pack_opts_init(&o);
        o.frame_size = sizes[i];
        o.genome = 1;
        packed_t pk = {0};
        pack_ok(t.text, t.len, &o, &pk);
        hald_pack_index_t idx;
        hald_error_t err = {0};
        assert_int_equal(hald_pack_index_parse(pk.p, pk.n, "g", &idx, &err), HALD_OK);
        assert_int_equal(idx.format, HALD_FORMAT_FASTA);
        check_genome_index(&t, &idx);
        /* Frames hold one sequence's bases: no frame without its header
         * ends a sequence that another frame continues, and shards by
         * bases cover every frame once, in order. */
        for (uint64_t n = 1; n <= 5; n++) {
            uint64_t next = 0;
            for (uint64_t part = 0; part < n; part++) {
                uint64_t first, last;
                hald_pack_shard_bases(&idx, part, n, &first, &last);
                assert_int_equal(first, next);
                assert_true(last >= first);
                next = last;
            }
            assert_int_equal(next, idx.n_frames);
        }
        /* A flipped byte in the genome section is caught. */
        uint64_t at = idx.frames[idx.n_frames - 1].offset + idx.frames[idx.n_frames - 1].csize + 40;
        hald_pack_index_free(&idx);
        pk.p[at] ^= 1;
        assert_true(hald_pack_index_parse(pk.p, pk.n, "g", &idx, &err) < 0);
        assert_non_null(strstr(err.msg, "genome"));
        free(pk.p);
    }
    /* Bases before the first header are not a genome. */
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.genome = 1;
    packed_t pk = {0};
    hald_error_t err = {0};
    assert_true(pack_to("ACGT\n>a\nAC\n", 11, &o, &pk, &err) < 0);
    assert_non_null(strstr(err.msg, "expected '>'"));
    free_genome(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fasta),        cmocka_unit_test(test_fastq),
        cmocka_unit_test(test_lines),        cmocka_unit_test(test_blank),
        cmocka_unit_test(test_compressed_input), cmocka_unit_test(test_long_record),
        cmocka_unit_test(test_empty),        cmocka_unit_test(test_bad_opts),
        cmocka_unit_test(test_corrupt_tail), cmocka_unit_test(test_cross_checks),
        cmocka_unit_test(test_truncation),   cmocka_unit_test(test_not_packed),
        cmocka_unit_test(test_shard),        cmocka_unit_test(test_genome),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
