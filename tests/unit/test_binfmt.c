/* The binary container's writer half: chunks cut into blocks of a fixed
 * record count, so the file is the same bytes however the records were
 * split into chunks; names and sequence names land where the format says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hald/binfmt.h"

#define REC 16

/* Records i in [lo, hi) as one chunk: 16 bytes each, and names "r<i>". */
static void chunk(hald_buf_t *out, uint64_t lo, uint64_t hi, int named)
{
    hald_error_t err;
    size_t at = hald_bin_chunk_begin(out, &err);
    assert_int_not_equal(at, SIZE_MAX);
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t rec[2] = {i, ~i};
        assert_int_equal(hald_buf_append(out, rec, sizeof rec, &err), HALD_OK);
    }
    size_t names_at = out->len;
    for (uint64_t i = lo; named && i < hi; i++) {
        char s[32];
        int n = snprintf(s, sizeof s, "r%llu\n", (unsigned long long)i);
        assert_int_equal(hald_buf_append(out, s, (size_t)n, &err), HALD_OK);
    }
    assert_int_equal(hald_bin_chunk_end(out, at, hi - lo, names_at, &err), HALD_OK);
    assert_int_equal(out->len % 8, 0);
}

/* Writes n records cut at the given chunk ends; returns the file. */
static hald_buf_t write_file(uint64_t n, const uint64_t *cuts, size_t n_cuts, int named,
                             int with_names)
{
    char path[] = "/tmp/hald-binfmt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    hald_error_t err;
    hald_sink_t *sink = hald_sink_from_fd(fd, 1, path, &err);
    assert_non_null(sink);
    hald_bin_blocker_t b;
    hald_bin_blocker_init(&b, sink, HALD_BLOCK_SITE, REC);
    hald_buf_t c;
    hald_buf_init(&c);
    uint64_t lo = 0;
    if (with_names)
        assert_int_equal(hald_bin_blocker_name(&b, 0, "chrA", &err), HALD_OK);
    for (size_t k = 0; k <= n_cuts; k++) {
        uint64_t hi = k < n_cuts ? cuts[k] : n;
        if (with_names && lo <= 70000 && 70000 < hi) {
            chunk(&c, lo, 70000, named); /* a sequence starts at record 70000 */
            assert_int_equal(hald_bin_blocker_put(&b, &c, &err), HALD_OK);
            c.len = 0;
            assert_int_equal(hald_bin_blocker_name(&b, 3, "chrD", &err), HALD_OK);
            lo = 70000;
        }
        chunk(&c, lo, hi, named);
        assert_int_equal(hald_bin_blocker_put(&b, &c, &err), HALD_OK);
        c.len = 0;
        lo = hi;
    }
    assert_int_equal(hald_bin_blocker_finish(&b, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    hald_bin_blocker_free(&b);
    hald_buf_free(&c);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    hald_buf_t file;
    hald_buf_init(&file);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        assert_int_equal(hald_buf_append(&file, buf, got, &err), HALD_OK);
    fclose(fp);
    unlink(path);
    return file;
}

static void test_same_bytes_for_any_chunks(void **state)
{
    (void)state;
    const uint64_t n = 3 * HALD_BIN_BLOCK_RECORDS + 123;
    const uint64_t one[] = {0};
    const uint64_t odd[] = {1, 2, 999, 65535, 65536, 65537, 140000, 140001};
    const uint64_t many[] = {50000, 100000, 150000};
    for (int named = 0; named <= 1; named++) {
        hald_buf_t ref = write_file(n, one, 1, named, 1);
        hald_buf_t a = write_file(n, odd, sizeof odd / sizeof odd[0], named, 1);
        hald_buf_t b = write_file(n, many, 3, named, 1);
        assert_int_equal(a.len, ref.len);
        assert_memory_equal(a.data, ref.data, ref.len);
        assert_int_equal(b.len, ref.len);
        assert_memory_equal(b.data, ref.data, ref.len);

        /* Walk the blocks: NAME chrA, 65536, NAME chrD (its first record,
         * 70000, is in the second block), 65536, 65536, 123, END. */
        const char *p = ref.data, *end = ref.data + ref.len;
        uint32_t want[][2] = {{HALD_BLOCK_NAME, 1}, {HALD_BLOCK_SITE, 65536},
                              {HALD_BLOCK_NAME, 1}, {HALD_BLOCK_SITE, 65536},
                              {HALD_BLOCK_SITE, 65536}, {HALD_BLOCK_SITE, 123},
                              {HALD_BLOCK_END, 0}};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
            assert_true(end - p >= HALD_BIN_BLOCK_HEAD);
            hald_bin_block_t blk;
            hald_bin_block_decode((const uint8_t *)p, &blk);
            assert_int_equal(blk.type, want[k][0]);
            assert_int_equal(blk.count, want[k][1]);
            assert_int_equal(blk.bytes % 8, 0);
            const char *payload = p + HALD_BIN_BLOCK_HEAD;
            if (blk.type == HALD_BLOCK_NAME)
                assert_memory_equal(payload, k == 0 ? "0\tchrA\n" : "3\tchrD\n", 7);
            if (k == 3 && named) /* the second SITE block starts at record 65536 */
                assert_memory_equal(payload + 65536 * REC, "r65536\nr65537\n", 14);
            if (blk.type == HALD_BLOCK_END)
                assert_int_equal(payload[0] | payload[1] << 8 | payload[2] << 16, (int)n);
            p = payload + blk.bytes;
        }
        assert_ptr_equal(p, end);
        hald_buf_free(&ref);
        hald_buf_free(&a);
        hald_buf_free(&b);
    }
}

static void test_empty(void **state)
{
    (void)state;
    const uint64_t none[] = {0};
    hald_buf_t f = write_file(0, none, 1, 1, 0);
    assert_int_equal(f.len, HALD_BIN_BLOCK_HEAD + 16); /* the end block alone */
    hald_bin_block_t blk;
    hald_bin_block_decode((const uint8_t *)f.data, &blk);
    assert_int_equal(blk.type, HALD_BLOCK_END);
    hald_buf_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_for_any_chunks),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
