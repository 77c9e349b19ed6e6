/* Unit tests for src/reader.c: plain, zstd and gzip streams from memory,
 * files and pipes; multi-frame / multi-member input; truncated and corrupt
 * input must end in an error, never in a clean (short) end of stream. */
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

#include "hald/reader.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

/* ---------------------------------------------------------------- helpers */

typedef struct buf {
    unsigned char *p;
    size_t n;
} buf_t;

/* Deterministic DNA-like text with newlines, compressible but not trivially. */
static buf_t make_text(size_t n, uint32_t seed)
{
    buf_t b = {malloc(n ? n : 1), n};
    assert_non_null(b.p);
    uint32_t x = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.p[i] = (i % 61 == 60) ? '\n' : "ACGTacgtN"[x % 9];
    }
    return b;
}

static buf_t zstd_of(const void *src, size_t n, int checksum)
{
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum)));
    buf_t b = {malloc(ZSTD_compressBound(n)), 0};
    assert_non_null(b.p);
    b.n = ZSTD_compress2(c, b.p, ZSTD_compressBound(n), src, n);
    assert_false(ZSTD_isError(b.n));
    ZSTD_freeCCtx(c);
    return b;
}

/* One gzip member (windowBits 31 = gzip wrapper). */
static buf_t gzip_of(const void *src, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong cap = deflateBound(&z, (uLong)n);
    buf_t b = {malloc(cap), 0};
    assert_non_null(b.p);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = b.p;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    b.n = cap - z.avail_out;
    deflateEnd(&z);
    return b;
}

static buf_t concat(const buf_t *parts, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        n += parts[i].n;
    buf_t b = {malloc(n ? n : 1), n};
    assert_non_null(b.p);
    for (size_t i = 0, off = 0; i < k; off += parts[i].n, i++)
        memcpy(b.p + off, parts[i].p, parts[i].n);
    return b;
}

/* A zstd skippable frame: magic 0x184D2A5?, 4-byte size, payload. */
static buf_t skippable(size_t payload)
{
    buf_t b = {calloc(8 + payload, 1), 8 + payload};
    assert_non_null(b.p);
    const unsigned char hdr[8] = {0x53, 0x2A, 0x4D, 0x18, (unsigned char)payload,
                                  (unsigned char)(payload >> 8), 0, 0};
    memcpy(b.p, hdr, 8);
    return b;
}

/* Reads r to its end with reads of at most cap bytes.  Returns the bytes;
 * *status is the final return value (0 or negative). */
static buf_t drain(hald_reader_t *r, size_t cap, ssize_t *status, hald_error_t *err)
{
    buf_t out = {NULL, 0};
    size_t out_cap = 0;
    unsigned char *chunk = malloc(cap);
    assert_non_null(chunk);
    ssize_t n;
    while ((n = hald_reader_read(r, chunk, cap, err)) > 0) {
        assert_true((size_t)n <= cap);
        if (out.n + (size_t)n > out_cap) {
            out_cap = (out.n + (size_t)n) * 2;
            out.p = realloc(out.p, out_cap);
            assert_non_null(out.p);
        }
        memcpy(out.p + out.n, chunk, (size_t)n);
        out.n += (size_t)n;
    }
    *status = n;
    free(chunk);
    return out;
}

static void assert_same(const buf_t *got, const void *want, size_t n)
{
    assert_int_equal(got->n, n);
    if (n)
        assert_memory_equal(got->p, want, n);
}

/* Whole stream from memory must decode to want with a clean end. */
static void check_memory(const buf_t *in, const void *want, size_t want_n, size_t cap,
                         hald_compression_t comp)
{
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(in->p, in->n, "mem", &err);
    assert_non_null(r);
    assert_int_equal(hald_reader_compression(r), comp);
    ssize_t st;
    buf_t got = drain(r, cap, &st, &err);
    assert_int_equal(st, 0);
    assert_same(&got, want, want_n);
    assert_int_equal(hald_reader_bytes_in(r), in->n);
    /* The end of stream is sticky. */
    unsigned char one;
    assert_int_equal(hald_reader_read(r, &one, 1, &err), 0);
    free(got.p);
    hald_reader_close(r);
}

/* Decoding `in` must end in an error whose message has one of the words. */
static void check_fails(const buf_t *in, size_t cap, const char *w1, const char *w2)
{
    hald_error_t err;
    memset(&err, 0, sizeof err);
    hald_reader_t *r = hald_reader_from_memory(in->p, in->n, "cut.zst", &err);
    assert_non_null(r);
    ssize_t st;
    buf_t got = drain(r, cap, &st, &err);
    assert_true(st < 0);
    assert_int_equal(err.code, (int)st);
    assert_non_null(strstr(err.msg, "cut.zst"));
    if (!strstr(err.msg, w1) && !(w2 && strstr(err.msg, w2)))
        fail_msg("unexpected message: %s", err.msg);
    /* The error is sticky and repeated. */
    hald_error_t again;
    unsigned char one;
    assert_int_equal(hald_reader_read(r, &one, 1, &again), st);
    assert_string_equal(again.msg, err.msg);
    free(got.p);
    hald_reader_close(r);
}

static char *temp_file(const void *data, size_t n)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/hald_test_reader_XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
    assert_int_equal(close(fd), 0);
    return path;
}

/* ---------------------------------------------------------------- plain */

static void test_plain_memory(void **state)
{
    (void)state;
    static const char text[] = ">r1\nACGT\n>r2\nGGCC\n";
    buf_t in = {(unsigned char *)(uintptr_t)text, sizeof text - 1};
    check_memory(&in, text, in.n, 1 << 20, HALD_COMP_PLAIN);
    check_memory(&in, text, in.n, 1, HALD_COMP_PLAIN);
    check_memory(&in, text, in.n, 5, HALD_COMP_PLAIN);
}

static void test_plain_short(void **state)
{
    (void)state;
    /* Fewer than 4 bytes are plain data, unless they start like a
     * compressed stream: then the file was cut short (issue 9). */
    static const unsigned char text[] = {'A', '\n'};
    buf_t in = {(unsigned char *)(uintptr_t)text, 2};
    check_memory(&in, text, 2, 16, HALD_COMP_PLAIN);
    in.n = 1;
    check_memory(&in, text, 1, 16, HALD_COMP_PLAIN);
    static const unsigned char cut[][3] = {{0x28, 0xB5, 0x2F}, {0x28, 0xB5, 0}, {0x1F, 0x8B, 0}};
    static const size_t lens[] = {3, 2, 2};
    static const char *what[] = {"truncated zstd", "truncated zstd", "truncated gzip"};
    for (size_t i = 0; i < 3; i++) {
        hald_error_t err;
        assert_null(hald_reader_from_memory(cut[i], lens[i], "cut", &err));
        assert_int_equal(err.code, HALD_E_INPUT);
        assert_non_null(strstr(err.msg, what[i]));
    }
}

static void test_plain_file(void **state)
{
    (void)state;
    buf_t text = make_text(3 * 1024 * 1024 + 17, 7);
    char *path = temp_file(text.p, text.n);
    hald_error_t err;
    hald_reader_t *r = hald_reader_open(path, &err);
    assert_non_null(r);
    assert_string_equal(hald_reader_name(r), path);
    assert_int_equal(hald_reader_compression(r), HALD_COMP_PLAIN);
    ssize_t st;
    buf_t got = drain(r, 1 << 20, &st, &err);
    assert_int_equal(st, 0);
    assert_same(&got, text.p, text.n);
    assert_int_equal(hald_reader_bytes_in(r), text.n);
    hald_reader_close(r);
    free(got.p);
    unlink(path);
    free(path);
    free(text.p);
}

static void test_empty(void **state)
{
    (void)state;
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory(NULL, 0, "empty", &err);
    assert_non_null(r);
    unsigned char b[8];
    assert_int_equal(hald_reader_read(r, b, sizeof b, &err), 0);
    assert_int_equal(hald_reader_read(r, b, sizeof b, &err), 0);
    hald_reader_close(r);

    char *path = temp_file("", 0);
    r = hald_reader_open(path, &err);
    assert_non_null(r);
    assert_int_equal(hald_reader_compression(r), HALD_COMP_PLAIN);
    assert_int_equal(hald_reader_read(r, b, sizeof b, &err), 0);
    hald_reader_close(r);
    unlink(path);
    free(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    hald_error_t err;
    memset(&err, 0, sizeof err);
    const char *path = "/nonexistent/hald/reads.fa.zst";
    assert_null(hald_reader_open(path, &err));
    assert_int_equal(err.code, HALD_E_IO);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, "No such file"));
}

static void test_zero_cap(void **state)
{
    (void)state;
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_memory("ACGT", 4, "mem", &err);
    assert_non_null(r);
    unsigned char b[4];
    assert_true(hald_reader_read(r, b, 0, &err) < 0);
    /* A usage error does not poison the stream. */
    assert_int_equal(hald_reader_read(r, b, 4, &err), 4);
    hald_reader_close(r);
}

/* ---------------------------------------------------------------- zstd */

static void test_zstd_single(void **state)
{
    (void)state;
    buf_t text = make_text(300000, 3);
    buf_t z = zstd_of(text.p, text.n, 0);
    check_memory(&z, text.p, text.n, 1 << 20, HALD_COMP_ZSTD);
    check_memory(&z, text.p, text.n, 4096, HALD_COMP_ZSTD);
    free(z.p);
    free(text.p);
}

static void test_zstd_multi_frame(void **state)
{
    (void)state;
    buf_t a = make_text(100000, 11), b = make_text(5000, 12);
    buf_t parts[5] = {zstd_of(a.p, a.n, 1), skippable(100), zstd_of(b.p, b.n, 0),
                      zstd_of("", 0, 0), skippable(0)};
    buf_t all = concat(parts, 5);
    buf_t ab[2] = {a, b};
    buf_t want = concat(ab, 2);
    check_memory(&all, want.p, want.n, 1 << 20, HALD_COMP_ZSTD);
    check_memory(&all, want.p, want.n, 777, HALD_COMP_ZSTD);
    /* A skippable frame may also open the stream (as pzstd writes it). */
    buf_t lead[2] = {parts[1], parts[0]};
    buf_t led = concat(lead, 2);
    check_memory(&led, a.p, a.n, 1 << 20, HALD_COMP_ZSTD);
    for (size_t i = 0; i < 5; i++)
        free(parts[i].p);
    free(led.p);
    free(all.p);
    free(want.p);
    free(a.p);
    free(b.p);
}

static void test_zstd_one_byte_reads(void **state)
{
    (void)state;
    buf_t text = make_text(20000, 5);
    buf_t parts[2] = {zstd_of(text.p, 10000, 0), zstd_of(text.p + 10000, 10000, 1)};
    buf_t z = concat(parts, 2);
    check_memory(&z, text.p, text.n, 1, HALD_COMP_ZSTD);
    free(parts[0].p);
    free(parts[1].p);
    free(z.p);
    free(text.p);
}

static void test_zstd_truncated(void **state)
{
    (void)state;
    buf_t text = make_text(200000, 9);
    buf_t z = zstd_of(text.p, text.n, 0);
    /* Just the magic, the frame header, a block header, mid-data, one short. */
    const size_t cuts[] = {4, 5, 6, 9, 12, 100, z.n / 2, z.n - 3, z.n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        buf_t cut = {z.p, cuts[i]};
        check_fails(&cut, 1 << 20, "truncated", "zstd:");
        check_fails(&cut, 1000, "truncated", "zstd:");
    }
    /* A whole first frame then a cut second one. */
    buf_t parts[2] = {z, z};
    buf_t two = concat(parts, 2);
    buf_t cut = {two.p, z.n + z.n / 3};
    check_fails(&cut, 1 << 16, "truncated", "zstd:");
    free(two.p);
    free(z.p);
    free(text.p);
}

static void test_zstd_trailing_garbage(void **state)
{
    (void)state;
    buf_t text = make_text(1000, 2);
    buf_t parts[2] = {zstd_of(text.p, text.n, 0), {(unsigned char *)"garbage!", 8}};
    buf_t all = concat(parts, 2);
    char where[64]; /* the junk is named at its own offset */
    snprintf(where, sizeof where, "zstd frame at offset %zu:", parts[0].n);
    check_fails(&all, 4096, where, NULL);
    free(parts[0].p);
    free(all.p);
    free(text.p);
}

static void test_zstd_corrupt(void **state)
{
    (void)state;
    buf_t text = make_text(100000, 4);
    buf_t z = zstd_of(text.p, text.n, 1); /* checksummed: any damage is caught */
    for (size_t at = 20; at < z.n; at += z.n / 7) {
        buf_t bad = {malloc(z.n), z.n};
        assert_non_null(bad.p);
        memcpy(bad.p, z.p, z.n);
        bad.p[at] ^= 0x5A;
        bad.p[at + 1 < z.n ? at + 1 : at] ^= 0xA5;
        check_fails(&bad, 1 << 20, "zstd frame at offset 0:", "truncated");
        free(bad.p);
    }
    free(z.p);
    free(text.p);
}

static void test_zstd_large_file(void **state)
{
    (void)state;
    buf_t text = make_text(20u * 1024 * 1024, 21);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    assert_non_null(c);
    buf_t z = {malloc(ZSTD_compressBound(text.n)), 0};
    assert_non_null(z.p);
    z.n = ZSTD_compressCCtx(c, z.p, ZSTD_compressBound(text.n), text.p, text.n, 1);
    assert_false(ZSTD_isError(z.n));
    ZSTD_freeCCtx(c);

    check_memory(&z, text.p, text.n, 1 << 20, HALD_COMP_ZSTD);

    char *path = temp_file(z.p, z.n);
    hald_error_t err;
    hald_reader_t *r = hald_reader_open(path, &err);
    assert_non_null(r);
    assert_int_equal(hald_reader_compression(r), HALD_COMP_ZSTD);
    ssize_t st;
    buf_t got = drain(r, 1 << 20, &st, &err);
    assert_int_equal(st, 0);
    assert_same(&got, text.p, text.n);
    assert_int_equal(hald_reader_bytes_in(r), z.n);
    hald_reader_close(r);
    unlink(path);
    free(path);
    free(got.p);
    free(z.p);
    free(text.p);
}

/* ---------------------------------------------------------------- gzip */

static void test_gzip_single(void **state)
{
    (void)state;
    buf_t text = make_text(250000, 8);
    buf_t g = gzip_of(text.p, text.n);
    check_memory(&g, text.p, text.n, 1 << 20, HALD_COMP_GZIP);
    check_memory(&g, text.p, text.n, 1, HALD_COMP_GZIP);
    check_memory(&g, text.p, text.n, 1000, HALD_COMP_GZIP);
    free(g.p);
    free(text.p);
}

static void test_gzip_multi_member(void **state)
{
    (void)state;
    buf_t a = make_text(70000, 31), b = make_text(3, 32);
    buf_t parts[3] = {gzip_of(a.p, a.n), gzip_of("", 0), gzip_of(b.p, b.n)};
    buf_t all = concat(parts, 3);
    buf_t ab[2] = {a, b};
    buf_t want = concat(ab, 2);
    check_memory(&all, want.p, want.n, 1 << 20, HALD_COMP_GZIP);
    check_memory(&all, want.p, want.n, 1, HALD_COMP_GZIP);
    for (size_t i = 0; i < 3; i++)
        free(parts[i].p);
    free(all.p);
    free(want.p);
    free(a.p);
    free(b.p);
}

static void test_gzip_truncated(void **state)
{
    (void)state;
    buf_t text = make_text(100000, 13);
    buf_t g = gzip_of(text.p, text.n);
    const size_t cuts[] = {4, 10, 11, 20, g.n / 2, g.n - 8, g.n - 4, g.n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        buf_t cut = {g.p, cuts[i]};
        check_fails(&cut, 1 << 20, "truncated gzip", NULL);
        check_fails(&cut, 3, "truncated gzip", NULL);
    }
    free(g.p);
    free(text.p);
}

static void test_gzip_corrupt(void **state)
{
    (void)state;
    buf_t text = make_text(100000, 14);
    buf_t g = gzip_of(text.p, text.n);
    for (size_t at = 12; at < g.n; at += g.n / 9) {
        buf_t bad = {malloc(g.n), g.n};
        assert_non_null(bad.p);
        memcpy(bad.p, g.p, g.n);
        bad.p[at] ^= 0xFF;
        check_fails(&bad, 1 << 20, "gzip:", "truncated");
        free(bad.p);
    }
    /* Not another member after the first. */
    buf_t parts[2] = {g, {(unsigned char *)"\0\0\0\0", 4}};
    buf_t trailing = concat(parts, 2);
    check_fails(&trailing, 4096, "trailing garbage", NULL);
    free(trailing.p);
    free(g.p);
    free(text.p);
}

/* ---------------------------------------------------------------- fds */

static void test_pipe_fd(void **state)
{
    (void)state;
    /* Small enough to fit in the pipe buffer, so no writer process is needed. */
    buf_t text = make_text(30000, 17);
    buf_t g = gzip_of(text.p, text.n);
    assert_true(g.n < 60000);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], g.p, g.n), (ssize_t)g.n);
    assert_int_equal(close(fds[1]), 0);
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_fd(fds[0], 1, "(stdin)", &err);
    assert_non_null(r);
    assert_string_equal(hald_reader_name(r), "(stdin)");
    assert_int_equal(hald_reader_compression(r), HALD_COMP_GZIP);
    ssize_t st;
    buf_t got = drain(r, 7, &st, &err);
    assert_int_equal(st, 0);
    assert_same(&got, text.p, text.n);
    hald_reader_close(r); /* closes fds[0]: owns_fd */
    free(got.p);
    free(g.p);
    free(text.p);
}

static void test_pipe_plain_tiny_writes(void **state)
{
    (void)state;
    /* Two bytes in the pipe: detection must not wait for four forever and
     * must not lose them. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "AC", 2), 2);
    assert_int_equal(close(fds[1]), 0);
    hald_error_t err;
    hald_reader_t *r = hald_reader_from_fd(fds[0], 0, NULL, &err);
    assert_non_null(r);
    ssize_t st;
    buf_t got = drain(r, 100, &st, &err);
    assert_int_equal(st, 0);
    assert_same(&got, "AC", 2);
    hald_reader_close(r);
    assert_int_equal(close(fds[0]), 0); /* still ours: owns_fd was 0 */
    free(got.p);
}

/* Writes a buffer into a pipe a few bytes at a time, then closes it. */
typedef struct trickle {
    int fd;
    buf_t data;
} trickle_t;

static void *trickle(void *arg)
{
    trickle_t *t = arg;
    for (size_t off = 0, k = 1; off < t->data.n; off += k, k = k % 3 + 1) {
        if (k > t->data.n - off)
            k = t->data.n - off;
        if (write(t->fd, t->data.p + off, k) != (ssize_t)k)
            break;
        if (off < 16)
            usleep(2000); /* let the reader see the magic in pieces */
    }
    close(t->fd);
    return NULL;
}

static void test_pipe_trickle(void **state)
{
    (void)state;
    /* The magic arrives in 1-3 byte reads: detection must keep reading. */
    buf_t text = make_text(50000, 29);
    buf_t streams[2] = {zstd_of(text.p, text.n, 1), gzip_of(text.p, text.n)};
    const hald_compression_t comp[2] = {HALD_COMP_ZSTD, HALD_COMP_GZIP};
    for (int i = 0; i < 2; i++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        trickle_t t = {fds[1], streams[i]};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, trickle, &t), 0);
        hald_error_t err;
        hald_reader_t *r = hald_reader_from_fd(fds[0], 1, "trickle", &err);
        assert_non_null(r);
        assert_int_equal(hald_reader_compression(r), comp[i]);
        ssize_t st;
        buf_t got = drain(r, 1 << 20, &st, &err);
        hald_reader_close(r);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(st, 0);
        assert_same(&got, text.p, text.n);
        free(got.p);
        free(streams[i].p);
    }
    free(text.p);
}

static void test_stdin_dash(void **state)
{
    (void)state;
    buf_t text = make_text(20000, 19);
    buf_t z = zstd_of(text.p, text.n, 1);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], z.p, z.n), (ssize_t)z.n);
    assert_int_equal(close(fds[1]), 0);
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    assert_int_equal(close(fds[0]), 0);
    hald_error_t err;
    hald_reader_t *r = hald_reader_open("-", &err);
    assert_non_null(r);
    assert_string_equal(hald_reader_name(r), "(stdin)");
    ssize_t st;
    buf_t got = drain(r, 1 << 20, &st, &err);
    hald_reader_close(r);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    assert_int_equal(close(saved), 0);
    assert_int_equal(st, 0);
    assert_same(&got, text.p, text.n);
    free(got.p);
    free(z.p);
    free(text.p);
}

static void test_zstd_file_truncated(void **state)
{
    (void)state;
    buf_t text = make_text(3u * 1024 * 1024, 23);
    buf_t z = zstd_of(text.p, text.n, 0);
    char *path = temp_file(z.p, z.n - 5);
    hald_error_t err;
    hald_reader_t *r = hald_reader_open(path, &err);
    assert_non_null(r);
    ssize_t st;
    buf_t got = drain(r, 1 << 20, &st, &err);
    assert_true(st < 0);
    assert_int_equal(err.code, HALD_E_INPUT);
    assert_non_null(strstr(err.msg, path));
    hald_reader_close(r);
    unlink(path);
    free(path);
    free(got.p);
    free(z.p);
    free(text.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_memory),
        cmocka_unit_test(test_plain_short),
        cmocka_unit_test(test_plain_file),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_zero_cap),
        cmocka_unit_test(test_zstd_single),
        cmocka_unit_test(test_zstd_multi_frame),
        cmocka_unit_test(test_zstd_one_byte_reads),
        cmocka_unit_test(test_zstd_truncated),
        cmocka_unit_test(test_zstd_trailing_garbage),
        cmocka_unit_test(test_zstd_corrupt),
        cmocka_unit_test(test_zstd_large_file),
        cmocka_unit_test(test_gzip_single),
        cmocka_unit_test(test_gzip_multi_member),
        cmocka_unit_test(test_gzip_truncated),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_pipe_fd),
        cmocka_unit_test(test_pipe_plain_tiny_writes),
        cmocka_unit_test(test_pipe_trickle),
        cmocka_unit_test(test_stdin_dash),
        cmocka_unit_test(test_zstd_file_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
