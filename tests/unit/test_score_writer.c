/* Score rows: TSV text, ROWS blocks of the binary container, its header,
 * and the writer's end block. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hald/binfmt.h"
#include "hald/score_writer.h"

static const hald_record_t RECS[2] = {{.id = "r1", .id_len = 2}, {.id = "second", .id_len = 6}};

static void test_tsv(void **state)
{
    (void)state;
    double scores[4] = {-0.081161921282926, 1.5, NAN, -1.277775655204484};
    hald_buf_t out;
    hald_buf_init(&out);
    hald_error_t err;
    hald_score_format_t f = {HALD_OUT_TSV, HALD_MODELS_BOTH, 0};
    hald_score_rows_t rows = {2, scores, RECS, NULL, 0};
    assert_int_equal(hald_tsv_header(HALD_MODELS_BOTH, &out, &err), HALD_OK);
    assert_int_equal(hald_score_format_rows(&f, &rows, &out, &err), HALD_OK);
    const char *expect = "id\tmean\tregions\nr1\t-0.081161921282926\t1.5\nsecond\tNA\t-1.27777565520448\n";
    assert_int_equal(out.len, strlen(expect));
    assert_memory_equal(out.data, expect, out.len);
    out.len = 0;
    assert_int_equal(hald_tsv_header(HALD_MODELS_REGIONS, &out, &err), HALD_OK);
    assert_memory_equal(out.data, "id\tregions\n", out.len);
    hald_buf_free(&out);
}

/* Lines-format ids: numbers plus an offset the writer knows. */
static void test_tsv_line_ids(void **state)
{
    (void)state;
    double scores[2] = {0.5, 2};
    uint64_t lines[2] = {1, 7};
    hald_score_format_t f = {HALD_OUT_TSV, HALD_MODELS_MEAN, 0};
    hald_score_rows_t rows = {2, scores, NULL, lines, 99};
    hald_buf_t out;
    hald_buf_init(&out);
    hald_error_t err;
    assert_int_equal(hald_score_format_rows(&f, &rows, &out, &err), HALD_OK);
    assert_int_equal(out.len, strlen("100\t0.5\n106\t2\n"));
    assert_memory_equal(out.data, "100\t0.5\n106\t2\n", out.len);
    hald_buf_free(&out);
}

static void test_bin_rows(void **state)
{
    (void)state;
    double scores[2] = {0.25, -NAN};
    hald_buf_t out;
    hald_buf_init(&out);
    hald_error_t err;
    hald_score_format_t f = {HALD_OUT_BIN, HALD_MODELS_MEAN, 0};
    hald_score_rows_t rows = {2, scores, RECS, NULL, 0};
    assert_int_equal(hald_score_format_rows(&f, &rows, &out, &err), HALD_OK);
    /* A chunk for the writer: count, bytes of ids, two scores, "r1\nsecond\n"
     * padded to 8. */
    assert_int_equal(out.len, 16 + 16 + 16);
    assert_int_equal(out.data[0], 2);
    assert_int_equal(out.data[8], 10);
    const uint8_t quarter[8] = {0, 0, 0, 0, 0, 0, 0xD0, 0x3F};
    const uint8_t nan[8] = {0, 0, 0, 0, 0, 0, 0xF8, 0x7F}; /* one canonical NaN */
    assert_memory_equal(out.data + 16, quarter, 8);
    assert_memory_equal(out.data + 24, nan, 8);
    assert_memory_equal(out.data + 32, "r1\nsecond\n\0\0\0\0\0", 16);
    hald_buf_free(&out);
}

static void test_header_round_trip(void **state)
{
    (void)state;
    hald_bin_header_t h, back;
    hald_bin_header_init(&h, HALD_BIN_SCORES, HALD_MODELS_BOTH, HALD_BIN_FLAG_ANY_LENGTH);
    uint8_t raw[HALD_BIN_HEADER_SIZE];
    hald_bin_header_encode(&h, raw);
    assert_memory_equal(raw, "HALDSCR\0", 8);
    assert_int_equal(raw[8], 2); /* version */
    assert_int_equal(raw[24], 1);
    assert_int_equal(raw[25], 2);
    hald_error_t err;
    assert_int_equal(hald_bin_header_decode(raw, "x.bin", &back, &err), HALD_OK);
    assert_int_equal(back.kind, HALD_BIN_SCORES);
    assert_int_equal(back.n_models, 2);
    assert_int_equal(back.models[1], HALD_MODEL_REGIONS);
    assert_int_equal(back.flags, HALD_BIN_FLAG_ANY_LENGTH);
    assert_int_equal(back.record_size, 16);
    assert_int_equal(hald_bin_header_models(&back), HALD_MODELS_BOTH);

    hald_bin_header_init(&h, HALD_BIN_SITES, HALD_MODELS_REGIONS, HALD_BIN_FLAG_NAMED);
    hald_bin_header_encode(&h, raw);
    assert_memory_equal(raw, "HALDSCN\0", 8);
    assert_int_equal(hald_bin_header_decode(raw, "s.bin", &back, &err), HALD_OK);
    assert_int_equal(back.kind, HALD_BIN_SITES);
    assert_int_equal(back.record_size, 24);

    uint8_t bad[HALD_BIN_HEADER_SIZE];
    memcpy(bad, raw, sizeof bad);
    bad[0] = 'X';
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "x.bin"));
    memcpy(bad, raw, sizeof bad);
    bad[8] = 1; /* version 1 files are not read: ids and names came with 2 */
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "version"));
    memcpy(bad, raw, sizeof bad);
    bad[16] = 3;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    memcpy(bad, raw, sizeof bad);
    bad[24] = 7;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    memcpy(bad, raw, sizeof bad);
    bad[32] = 16;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "record size"));
}

static void test_writer_end_block(void **state)
{
    (void)state;
    char dir[] = "/tmp/hald-out-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/s.bin", dir);
    hald_error_t err;
    hald_sink_t *sink = hald_sink_open(path, &err);
    assert_non_null(sink);
    hald_score_writer_t w;
    hald_score_format_t f = {HALD_OUT_BIN, HALD_MODELS_MEAN, 0};
    assert_int_equal(hald_score_writer_begin(&w, sink, &f, &err), HALD_OK);
    double scores[2] = {1.0, 2.0};
    hald_score_rows_t rows = {2, scores, RECS, NULL, 0};
    hald_buf_t block;
    hald_buf_init(&block);
    for (int i = 0; i < 2; i++) { /* the writer may keep the buffer: format again */
        block.len = 0;
        assert_int_equal(hald_score_format_rows(&f, &rows, &block, &err), HALD_OK);
        assert_int_equal(hald_score_writer_put(&w, &block, 2, &err), HALD_OK);
    }
    assert_int_equal(hald_score_writer_finish(&w, &err), HALD_OK);
    hald_score_writer_free(&w);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t raw[512];
    size_t n = fread(raw, 1, sizeof raw, fp);
    fclose(fp);
    /* One ROWS block of four records: 4 scores, "r1\nsecond\n" twice padded to 24. */
    assert_int_equal(n, HALD_BIN_HEADER_SIZE + 16 + 32 + 24 + 32);
    hald_bin_block_t rows_block;
    hald_bin_block_decode(raw + HALD_BIN_HEADER_SIZE, &rows_block);
    assert_int_equal(rows_block.type, HALD_BLOCK_ROWS);
    assert_int_equal(rows_block.count, 4);
    assert_memory_equal(raw + HALD_BIN_HEADER_SIZE + 16 + 32, "r1\nsecond\nr1\nsecond\n\0\0\0\0", 24);
    hald_bin_block_t end;
    hald_bin_block_decode(raw + n - 32, &end);
    assert_int_equal(end.type, HALD_BLOCK_END);
    assert_int_equal(end.bytes, 16);
    assert_int_equal(raw[n - 16], 4); /* four records */
    hald_buf_free(&block);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_tsv_line_ids),
        cmocka_unit_test(test_bin_rows),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_writer_end_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
