/* The binary source: a whole file comes out as units of blocks with the
 * sequence names their records need; a truncated, padded, miscounted or
 * damaged file is an error naming the file and the byte offset. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hald/site_writer.h"
#include "../../src/sources/bin_source.h"

static char path[] = "/tmp/hald-binsrc-XXXXXX";

/* A sites file: n sites per sequence over three sequences, the middle one
 * without sites. */
static hald_buf_t sites_file(size_t n)
{
    if (strstr(path, "XXXXXX") == NULL) { /* a file from the last call */
        unlink(path);
        strcpy(path, "/tmp/hald-binsrc-XXXXXX");
    }
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    hald_error_t err;
    hald_sink_t *sink = hald_sink_from_fd(fd, 1, path, &err);
    hald_site_format_t f = {HALD_SCAN_OUT_BIN, HALD_MODELS_BOTH, '+', 0};
    hald_site_writer_t w;
    assert_int_equal(hald_site_writer_begin(&w, sink, &f, &err), HALD_OK);
    hald_scan_site_t *s = calloc(n, sizeof *s);
    for (size_t i = 0; i < n; i++)
        s[i] = (hald_scan_site_t){.start = 100 + i, .mean = 0.5, .regions = -1, .strand = '+'};
    const char *names[3] = {"chrA", "chrB", "chrC"};
    hald_buf_t out;
    hald_buf_init(&out);
    for (uint32_t c = 0; c < 3; c += 2) {
        hald_site_rows_t rows = {names[c], 4, c, s, n, NULL};
        uint64_t skipped = 0;
        out.len = 0;
        assert_int_equal(hald_site_format_rows(&f, &rows, &out, &skipped, &err), HALD_OK);
        assert_int_equal(hald_site_writer_put(&w, c, names[c], &out, n, &err), HALD_OK);
    }
    assert_int_equal(hald_site_writer_finish(&w, &err), HALD_OK);
    hald_site_writer_free(&w);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    free(s);
    FILE *fp = fopen(path, "rb");
    hald_buf_t file;
    hald_buf_init(&file);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        assert_int_equal(hald_buf_append(&file, buf, got, &err), HALD_OK);
    fclose(fp);
    hald_buf_free(&out);
    return file;
}

static void put_file(const char *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* Reads the file through the source: HALD_OK with the records and the
 * names they were given, or the first error. */
static int read_all(uint64_t *records, int *named_ok, hald_error_t *err)
{
    hald_bin_src_t *s = hald_bin_open(path, err);
    if (!s)
        return err->code;
    hald_bin_unit_t u;
    memset(&u, 0, sizeof u);
    int rc;
    *records = 0;
    *named_ok = 1;
    while ((rc = hald_bin_next(s, &u, err)) > 0) {
        hald_bin_walk_t w = {u.blocks.data, u.blocks.data + u.blocks.len, u.offset};
        hald_bin_block_t b;
        const char *payload;
        uint64_t at;
        while (hald_bin_walk_next(&w, &b, &payload, &at)) {
            *records += b.count;
            for (uint32_t i = 0; i < b.count; i++) {
                uint32_t seq;
                memcpy(&seq, payload + i * 32, 4);
                size_t len;
                const char *name = hald_bin_unit_name(&u, seq, &len);
                *named_ok &= len == 4 && name[3] == "ABC"[seq] && name[4] == '\0';
            }
        }
        u.blocks.len = u.names.len = 0;
    }
    hald_buf_free(&u.blocks);
    hald_buf_free(&u.names);
    hald_bin_close(s);
    return rc < 0 ? rc : HALD_OK;
}

static void expect_error(const char *data, size_t n, const char *what)
{
    put_file(data, n);
    uint64_t records;
    int named_ok;
    hald_error_t err;
    assert_int_equal(read_all(&records, &named_ok, &err), HALD_E_INPUT);
    if (!strstr(err.msg, what) || !strstr(err.msg, path))
        fail_msg("expected '%s' naming the file, got '%s'", what, err.msg);
}

static void test_whole_file(void **state)
{
    (void)state;
    size_t n = HALD_BIN_BLOCK_RECORDS + 1000; /* chrA spans two blocks */
    hald_buf_t f = sites_file(n);
    put_file(f.data, f.len);
    uint64_t records;
    int named_ok;
    hald_error_t err;
    assert_int_equal(read_all(&records, &named_ok, &err), HALD_OK);
    assert_int_equal(records, 2 * n);
    assert_true(named_ok); /* every record found its sequence's name */
    hald_buf_free(&f);
}

static void test_damage(void **state)
{
    (void)state;
    hald_buf_t f = sites_file(10);
    char *c = malloc(f.len + 64);
    /* Cut anywhere: the end block is missing, or a block is truncated. */
    for (size_t cut = 64; cut < f.len; cut += 7)
        expect_error(f.data, cut, "truncated");
    /* Bytes after the end block. */
    memcpy(c, f.data, f.len);
    memcpy(c + f.len, "garbage!", 8);
    expect_error(c, f.len + 8, "data after the end block");
    /* A wrong count in the end block. */
    memcpy(c, f.data, f.len);
    c[f.len - 16] ^= 1;
    expect_error(c, f.len, "the end block counts 21 records, the file holds 20");
    /* An unknown block type, named with its offset. */
    memcpy(c, f.data, f.len);
    memcpy(c + 64, "XXXX", 4);
    expect_error(c, f.len, "block at byte offset 64");
    /* A payload size that is not a multiple of 8. */
    memcpy(c, f.data, f.len);
    c[64 + 8] ^= 1;
    expect_error(c, f.len, "multiple of 8");
    /* A score file's ROWS block in a sites file. */
    memcpy(c, f.data, f.len);
    uint64_t name_bytes;
    memcpy(&name_bytes, c + 64 + 8, 8);
    size_t site_at = 64 + 16 + (size_t)name_bytes; /* after the NAME block */
    assert_memory_equal(c + site_at, "SITE", 4);
    memcpy(c + site_at, "ROWS", 4);
    expect_error(c, f.len, "does not hold");
    /* Not a hald file, an empty file, another version. */
    expect_error("#!/bin/sh\necho not a hald file\n", 31, "truncated header");
    expect_error("", 0, "empty");
    memcpy(c, f.data, f.len);
    c[8] = 1;
    expect_error(c, f.len, "version 1, this hald reads version 2");
    free(c);
    hald_buf_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_file),
        cmocka_unit_test(test_damage),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(path);
    return rc;
}
