/* The record source on its own: every input form (plain, one zstd frame,
 * frames cut at arbitrary bytes, a packed file, an open reader) cut into
 * units, the units' records parsed by a worker and the straddling ones
 * joined in order, give exactly the records, ids and numbers of parsing
 * the whole text at once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "hald/pack.h"
#include "../../src/sources/record_source.h"

static char dir[] = "/tmp/hald-recsrc-XXXXXX";

/* Random records, some long, in FASTA (wrapped) or lines (with blank
 * lines), 3 to 4 MiB: several 1 MiB units. */
static char *make_text(hald_format_t fmt, size_t *len)
{
    size_t cap = 5 << 20, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    uint64_t x = 88172645463325252ull;
    for (int r = 0; n < (size_t)(3 << 20); r++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t seq = 100 + x % 300 + (r % 997 == 0 ? 200000 : 0); /* a few long ones */
        if (fmt == HALD_FORMAT_FASTA)
            n += (size_t)sprintf(t + n, ">r%d some description\n", r);
        else if (r % 50 == 0)
            t[n++] = '\n';
        for (size_t i = 0; i < seq; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t[n++] = "ACGT"[x & 3];
            if (fmt == HALD_FORMAT_FASTA && i % 60 == 59)
                t[n++] = '\n';
        }
        t[n++] = '\n';
    }
    *len = n;
    return t;
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

/* Every record's id and true length, and its number, joined into a text. */
static void append_batch(const hald_batch_t *b, hald_buf_t *out)
{
    for (size_t i = 0; i < b->n; i++) {
        char line[128];
        int n = snprintf(line, sizeof line, "%llu %.*s %llu\n",
                         (unsigned long long)(b->first_index + i), (int)b->records[i].id_len,
                         b->records[i].id, (unsigned long long)b->records[i].seq_len);
        assert_int_equal(hald_buf_append(out, line, (size_t)n, NULL), HALD_OK);
    }
}

static void expected(const char *text, size_t len, hald_format_t fmt, hald_buf_t *out)
{
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = fmt;
    hald_error_t err;
    hald_parser_t *p = hald_parser_from_memory(text, len, "x", &po, &err);
    assert_non_null(p);
    hald_batch_t b;
    hald_batch_init(&b);
    while (hald_parser_next(p, &b, &err) > 0)
        append_batch(&b, out);
    hald_batch_free(&b);
    hald_parser_free(p);
}

/* The records of the open parser, as "index id length" lines. */
static uint64_t drain(hald_recsrc_work_t *w, hald_buf_t *out)
{
    const hald_batch_t *b;
    hald_error_t err;
    int rc;
    uint64_t n = 0;
    while ((rc = hald_recsrc_next_batch(w, &b, &err)) > 0) {
        append_batch(b, out);
        n += b->n;
    }
    assert_int_equal(rc, 0);
    return n;
}

/* A worker's local lines made global, as the writer does: record numbers
 * from record_base, and lines-format ids (local line numbers) from
 * line_base. */
static void globalise(const hald_buf_t *local, uint64_t record_base, uint64_t line_offset,
                      int deferred, hald_buf_t *out)
{
    const char *p = local->data, *end = local->data + local->len;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char *q;
        unsigned long long k = strtoull(p, &q, 10) + record_base;
        unsigned long long id = strtoull(q + 1, NULL, 10);
        const char *len_at = strchr(q + 1, ' ');
        char line[128];
        int n = deferred ? snprintf(line, sizeof line, "%llu %llu%.*s", k, id + line_offset,
                                    (int)(nl + 1 - len_at), len_at)
                         : snprintf(line, sizeof line, "%llu%.*s", k, (int)(nl + 1 - q), q);
        assert_int_equal(hald_buf_append(out, line, (size_t)n, NULL), HALD_OK);
        p = nl + 1;
    }
}

/* Runs the source as a job would, on one thread, into out; path: the
 * worker reads the packed frames it is dealt from it. */
static void run_source(hald_recsrc_t *src, const char *path, hald_buf_t *out)
{
    uint64_t frames_read = 0;
    hald_recsrc_cfg_t cfg = {"x", 161, HALD_FRAME_FILE_NONE};
    if (path)
        hald_frame_file_open(&cfg.file, path, &frames_read);
    hald_recsrc_work_t *w = hald_recsrc_work_new(), *join = hald_recsrc_work_new();
    hald_record_unit_t u;
    memset(&u, 0, sizeof u);
    hald_buf_t local;
    hald_buf_init(&local);
    hald_error_t err;
    int rc;
    while ((rc = hald_recsrc_next(src, &u, &err)) > 0) {
        /* The worker's half: the unit's own records, numbered locally. */
        local.len = 0;
        assert_int_equal(hald_recsrc_open_unit(&cfg, &u, w, &err), HALD_OK);
        uint64_t n_body = drain(w, &local);
        /* The writer's half, in order. */
        rc = hald_recsrc_join_begin(src, &u, &err);
        assert_true(rc >= 0);
        if (rc == 1) {
            const char *text;
            size_t len;
            uint64_t rb, lb;
            hald_recsrc_join_text(src, &text, &len, &rb, &lb);
            assert_int_equal(hald_recsrc_open_text(&cfg, join, hald_recsrc_format(src), text, len,
                                                   rb, lb, &err), HALD_OK);
            hald_recsrc_join_done(src, drain(join, out));
            hald_recsrc_body_base(src, &u, &rb, &lb);
            globalise(&local, u.aligned ? 0 : rb, lb - 1, hald_recsrc_ids_deferred(&u), out);
            assert_int_equal(hald_recsrc_join_end(src, &u, n_body, &err), HALD_OK);
        }
        u.input.len = u.head.len = u.tail.len = u.body.len = 0;
        u.has_start = u.nl_body = u.keep_body = u.aligned = u.frames = u.read_size = 0;
    }
    assert_int_equal(rc, 0);
    /* The last carried records. */
    const char *text;
    size_t len;
    uint64_t rb, lb;
    hald_recsrc_join_text(src, &text, &len, &rb, &lb);
    assert_int_equal(hald_recsrc_open_text(&cfg, join, hald_recsrc_format(src), text, len, rb, lb,
                                           &err), HALD_OK);
    drain(join, out);
    hald_buf_free(&local);
    hald_buf_free(&u.input);
    hald_buf_free(&u.head);
    hald_buf_free(&u.tail);
    hald_buf_free(&u.body);
    hald_recsrc_work_free(w);
    hald_recsrc_work_free(join);
    /* Dealt by number: the worker read every frame, the source none. */
    if (path)
        assert_int_equal(frames_read + hald_recsrc_bytes_read(src), hald_recsrc_bytes_total(src));
    if (path && strcmp(hald_recsrc_kind(src), "packed") == 0)
        assert_int_equal(hald_recsrc_bytes_read(src), 0);
    hald_frame_file_close(&cfg.file);
}

static void check_file_as(const char *path, const char *kind, const hald_buf_t *want, uint64_t size,
                          int workers_read)
{
    hald_recsrc_opts_t o = {HALD_FORMAT_AUTO, 0, 0, workers_read};
    hald_error_t err;
    hald_recsrc_t *src = hald_recsrc_open(path, &o, &err);
    assert_non_null(src);
    assert_string_equal(hald_recsrc_kind(src), kind);
    if (size)
        assert_int_equal(hald_recsrc_bytes_total(src), size);
    hald_buf_t got;
    hald_buf_init(&got);
    run_source(src, workers_read ? path : NULL, &got);
    if (hald_recsrc_bytes_in(src) != hald_recsrc_bytes_total(src))
        fail_msg("%s (%s): %llu input bytes counted of %llu", path, kind,
                 (unsigned long long)hald_recsrc_bytes_in(src),
                 (unsigned long long)hald_recsrc_bytes_total(src));
    if (got.len != want->len || memcmp(got.data, want->data, got.len) != 0) {
        size_t i = 0;
        while (i < got.len && i < want->len && got.data[i] == want->data[i])
            i++;
        size_t from = i > 60 ? i - 60 : 0;
        fail_msg("%s (%s): the records differ from one parse of the whole text at byte %zu:\n"
                 "got  ...%.120s\nwant ...%.120s", path, kind, i, got.data + from, want->data + from);
    }
    hald_buf_free(&got);
    hald_recsrc_close(src);
}

/* Read by the source, and dealt by number (as on several ranks). */
static void check_file(const char *path, const char *kind, const hald_buf_t *want, uint64_t size)
{
    check_file_as(path, kind, want, size, 0);
    check_file_as(path, kind, want, size, 1);
}

static void every_form(hald_format_t fmt)
{
    size_t len;
    char *text = make_text(fmt, &len);
    hald_buf_t want;
    hald_buf_init(&want);
    expected(text, len, fmt, &want);
    char path[256];

    snprintf(path, sizeof path, "%s/plain", dir);
    write_file(path, text, len);
    check_file(path, "stream", &want, len);

    size_t cap = ZSTD_compressBound(len);
    char *z = malloc(cap + 64);
    size_t zn = ZSTD_compress(z, cap, text, len, 1);
    assert_false(ZSTD_isError(zn));
    snprintf(path, sizeof path, "%s/one.zst", dir);
    write_file(path, z, zn);
    check_file(path, "stream", &want, zn);

    /* Frames cut at arbitrary bytes, so records straddle them. */
    size_t mn = 0, cut = 99991;
    char *multi = malloc(2 * cap + 4096);
    for (size_t at = 0; at < len; at += cut) {
        size_t piece = len - at < cut ? len - at : cut;
        size_t r = ZSTD_compress(multi + mn, ZSTD_compressBound(piece), text + at, piece, 1);
        assert_false(ZSTD_isError(r));
        mn += r;
    }
    snprintf(path, sizeof path, "%s/multi.zst", dir);
    write_file(path, multi, mn);
    check_file(path, "frames", &want, mn);

    /* A packed file: aligned units with their numbers from the index. */
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(text, len, "mem", &err);
    snprintf(path, sizeof path, "%s/packed.zst", dir);
    hald_sink_t *s = hald_sink_open(path, &err);
    hald_pack_opts_t po;
    hald_pack_opts_init(&po);
    po.frame_size = 300000;
    assert_int_equal(hald_pack(r, s, &po, NULL, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    hald_reader_close(r);
    check_file(path, "packed", &want, 0); /* its frames, not its index, are counted */

    /* An open reader is a stream, not closed by the source. */
    r = hald_reader_from_memory(z, zn, "socket", &err);
    hald_recsrc_opts_t o = {HALD_FORMAT_AUTO, 0, 0, 0};
    hald_recsrc_t *src = hald_recsrc_open_reader(r, &o, &err);
    assert_non_null(src);
    assert_string_equal(hald_recsrc_kind(src), "stream");
    hald_buf_t got;
    hald_buf_init(&got);
    run_source(src, NULL, &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    hald_recsrc_close(src);
    hald_reader_close(r);
    o.shard_count = 2;
    r = hald_reader_from_memory(z, zn, "socket", &err);
    assert_null(hald_recsrc_open_reader(r, &o, &err));
    assert_non_null(strstr(err.msg, "--shard"));
    hald_reader_close(r);

    hald_buf_free(&got);
    hald_buf_free(&want);
    free(multi);
    free(z);
    free(text);
}

static void test_fasta(void **state)
{
    (void)state;
    every_form(HALD_FORMAT_FASTA);
}

static void test_lines(void **state)
{
    (void)state;
    every_form(HALD_FORMAT_LINES);
}

static void test_shard_needs_packed(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/small.fa", dir);
    write_file(path, ">a\nACGT\n", 8);
    hald_recsrc_opts_t o = {HALD_FORMAT_AUTO, 0, 3, 0};
    hald_error_t err;
    assert_null(hald_recsrc_open(path, &o, &err));
    assert_int_equal(err.code, HALD_E_USAGE);
    assert_non_null(strstr(err.msg, "small.fa: --shard needs a packed input"));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* An index whose counts are moved between two frames, with totals and CRC
 * still valid, passes every check of the index alone; the parse of the
 * frames must then disagree, not shift lines-format ids silently. */
static void test_index_counts_checked(void **state)
{
    (void)state;
    size_t len;
    char *text = make_text(HALD_FORMAT_LINES, &len);
    char path[256];
    snprintf(path, sizeof path, "%s/packed.zst", dir);
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(text, len, "mem", &err);
    hald_sink_t *sink = hald_sink_open(path, &err);
    hald_pack_opts_t po;
    hald_pack_opts_init(&po);
    po.frame_size = 300000;
    hald_pack_stats_t st;
    assert_int_equal(hald_pack(r, sink, &po, &st, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    hald_reader_close(r);
    free(text);

    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    unsigned char *file = malloc(32 << 20);
    assert_non_null(file);
    size_t n = fread(file, 1, 32 << 20, fp);
    fclose(fp);
    size_t frames = (size_t)st.frames;
    assert_true(frames > 3);
    size_t body = 24 + 32 * frames, start = n - (17 + 8 * frames) - (8 + body + 4);
    unsigned char *e1 = file + start + 8 + 24 + 32, *e2 = e1 + 32;
    for (int field = 16; field <= 24; field += 8) { /* records, then newlines */
        put64(e1 + field, get64(e1 + field) + 1);
        put64(e2 + field, get64(e2 + field) - 1);
    }
    uint32_t crc = (uint32_t)crc32(0, file + start + 8, (uInt)body);
    for (int i = 0; i < 4; i++)
        file[start + 8 + body + i] = (unsigned char)(crc >> (8 * i));
    write_file(path, file, n);
    free(file);

    hald_recsrc_opts_t o = {HALD_FORMAT_AUTO, 0, 0, 0};
    hald_recsrc_t *src = hald_recsrc_open(path, &o, &err);
    assert_non_null(src);
    assert_string_equal(hald_recsrc_kind(src), "packed");
    hald_recsrc_cfg_t cfg = {"x", 161, HALD_FRAME_FILE_NONE};
    hald_recsrc_work_t *w = hald_recsrc_work_new();
    hald_record_unit_t u;
    memset(&u, 0, sizeof u);
    int units = 0, caught = 0;
    while (hald_recsrc_next(src, &u, &err) > 0) {
        units++;
        assert_int_equal(hald_recsrc_open_unit(&cfg, &u, w, &err), HALD_OK);
        const hald_batch_t *b;
        int rc;
        while ((rc = hald_recsrc_next_batch(w, &b, &err)) > 0)
            ;
        if (rc < 0) {
            assert_int_equal(units, 2); /* frame 1 is the first one changed */
            assert_non_null(strstr(err.msg, "but the packed index says"));
            caught = 1;
            break;
        }
        u.input.len = 0;
    }
    assert_true(caught);
    hald_buf_free(&u.input);
    hald_recsrc_work_free(w);
    hald_recsrc_close(src);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"plain", "one.zst", "multi.zst", "packed.zst", "small.fa"};
    char path[256];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fasta),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_shard_needs_packed),
        cmocka_unit_test(test_index_counts_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
