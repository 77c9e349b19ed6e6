/* Score rows: TSV text, binary layout and header, the writer's count patch. */
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

#include "hald/output.h"

static hald_batch_t two_records(hald_record_t recs[2])
{
    recs[0] = (hald_record_t){.id = "r1", .id_len = 2};
    recs[1] = (hald_record_t){.id = "second", .id_len = 6};
    hald_batch_t b;
    hald_batch_init(&b);
    b.n = 2;
    b.records = recs;
    return b;
}

static void test_tsv(void **state)
{
    (void)state;
    hald_record_t recs[2];
    hald_batch_t b = two_records(recs);
    double scores[4] = {-0.081161921282926, 1.5, NAN, -1.277775655204484};
    hald_buf_t out;
    hald_buf_init(&out);
    hald_error_t err;
    assert_int_equal(hald_tsv_header(HALD_MODELS_BOTH, &out, &err), HALD_OK);
    assert_int_equal(hald_format_rows(HALD_OUT_TSV, HALD_MODELS_BOTH, &b, scores, &out, &err), HALD_OK);
    const char *expect = "id\tmean\tregions\nr1\t-0.081161921282926\t1.5\nsecond\tNA\t-1.27777565520448\n";
    assert_int_equal(out.len, strlen(expect));
    assert_memory_equal(out.data, expect, out.len);
    out.len = 0;
    assert_int_equal(hald_tsv_header(HALD_MODELS_REGIONS, &out, &err), HALD_OK);
    assert_memory_equal(out.data, "id\tregions\n", out.len);
    hald_buf_free(&out);
}

static void test_bin_rows(void **state)
{
    (void)state;
    hald_record_t recs[2];
    hald_batch_t b = two_records(recs);
    double scores[2] = {0.25, -NAN};
    hald_buf_t out;
    hald_buf_init(&out);
    hald_error_t err;
    assert_int_equal(hald_format_rows(HALD_OUT_BIN, HALD_MODELS_MEAN, &b, scores, &out, &err), HALD_OK);
    assert_int_equal(out.len, 16);
    const uint8_t quarter[8] = {0, 0, 0, 0, 0, 0, 0xD0, 0x3F};
    const uint8_t nan[8] = {0, 0, 0, 0, 0, 0, 0xF8, 0x7F}; /* one canonical NaN */
    assert_memory_equal(out.data, quarter, 8);
    assert_memory_equal(out.data + 8, nan, 8);
    hald_buf_free(&out);
}

static void test_header_round_trip(void **state)
{
    (void)state;
    hald_bin_header_t h, back;
    hald_bin_header_init(&h, HALD_MODELS_BOTH, HALD_BIN_FLAG_ANY_LENGTH);
    h.n_records = 12345;
    uint8_t raw[HALD_BIN_HEADER_SIZE];
    hald_bin_header_encode(&h, raw);
    assert_memory_equal(raw, "HALDSCR\0", 8);
    assert_int_equal(raw[24], 1);
    assert_int_equal(raw[25], 2);
    hald_error_t err;
    assert_int_equal(hald_bin_header_decode(raw, "x.bin", &back, &err), HALD_OK);
    assert_int_equal(back.n_models, 2);
    assert_int_equal(back.models[1], HALD_MODEL_REGIONS);
    assert_int_equal(back.n_records, 12345);
    assert_int_equal(back.flags, HALD_BIN_FLAG_ANY_LENGTH);

    uint8_t bad[HALD_BIN_HEADER_SIZE];
    memcpy(bad, raw, sizeof bad);
    bad[0] = 'X';
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "x.bin"));
    memcpy(bad, raw, sizeof bad);
    bad[8] = 9;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "version"));
    memcpy(bad, raw, sizeof bad);
    bad[12] = 3;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
    memcpy(bad, raw, sizeof bad);
    bad[25] = 7;
    assert_int_equal(hald_bin_header_decode(bad, "x.bin", &back, &err), HALD_E_INPUT);
}

static void test_writer_patches_count(void **state)
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
    assert_int_equal(hald_score_writer_begin(&w, sink, HALD_OUT_BIN, HALD_MODELS_MEAN, 0, &err), HALD_OK);
    hald_record_t recs[2];
    hald_batch_t b = two_records(recs);
    double scores[2] = {1.0, 2.0};
    hald_buf_t rows;
    hald_buf_init(&rows);
    assert_int_equal(hald_format_rows(HALD_OUT_BIN, HALD_MODELS_MEAN, &b, scores, &rows, &err), HALD_OK);
    assert_int_equal(hald_score_writer_rows(&w, &rows, 2, &err), HALD_OK);
    assert_int_equal(hald_score_writer_rows(&w, &rows, 2, &err), HALD_OK);
    assert_int_equal(hald_score_writer_finish(&w, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(sink, &err), HALD_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t raw[HALD_BIN_HEADER_SIZE + 64];
    assert_int_equal(fread(raw, 1, sizeof raw, fp), HALD_BIN_HEADER_SIZE + 32);
    fclose(fp);
    hald_bin_header_t h;
    assert_int_equal(hald_bin_header_decode(raw, path, &h, &err), HALD_OK);
    assert_int_equal(h.n_records, 4);
    hald_buf_free(&rows);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsv),
        cmocka_unit_test(test_bin_rows),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_writer_patches_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
