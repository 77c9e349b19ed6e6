/* The two HAL models against the independent reference vectors
 * (../shared/vectors/windows.tsv) on every CPU path, plus the worked
 * examples of hal-model.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/score.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

typedef struct fixture {
    hald_weights_t w;
    hald_scorer_t scorer[2]; /* strict length, any length */
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = malloc(sizeof *f);
    if (!f)
        return -1;
    hald_error_t err;
    if (hald_weights_load(HALD_SHARED_DIR "/weights/HAL_mer_scores.npz", &f->w, &err) != HALD_OK) {
        fprintf(stderr, "%s\n", err.msg);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void assert_close(double expected, double actual, const char *what, const char *id)
{
    if (isnan(expected) != isnan(actual) ||
        (!isnan(expected) && fabs(expected - actual) > 1e-9 * fmax(1.0, fabs(expected))))
        fail_msg("%s %s: expected %.17g, got %.17g", id, what, expected, actual);
}

static double parse_value(const char *s)
{
    return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL);
}

static void check_vectors(fixture_t *f, hald_cpu_t cpu)
{
    hald_scorer_init(&f->scorer[0], &f->w, cpu, 0);
    hald_scorer_init(&f->scorer[1], &f->w, cpu, 1);
    FILE *fp = fopen(HALD_SHARED_DIR "/vectors/windows.tsv", "r");
    assert_non_null(fp);
    char line[4096];
    assert_non_null(fgets(line, sizeof line, fp)); /* header */
    int rows = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *id = strtok(line, "\t"), *seq = strtok(NULL, "\t"), *mean = strtok(NULL, "\t"),
             *any = strtok(NULL, "\t"), *regions = strtok(NULL, "\t");
        assert_non_null(regions);
        size_t n = strlen(seq);
        hald_na_t why;
        assert_close(parse_value(mean), hald_score_mean(&f->scorer[0], seq, n, n, &why), "mean", id);
        assert_close(parse_value(any), hald_score_mean(&f->scorer[1], seq, n, n, &why),
                     "mean_any_length", id);
        assert_close(parse_value(regions), hald_score_regions(&f->scorer[0], seq, n, &why),
                     "regions", id);
        rows++;
    }
    fclose(fp);
    assert_true(rows >= 100);
}

static void test_vectors_scalar(void **state) { check_vectors(*state, HALD_CPU_SCALAR); }

static void test_vectors_avx2(void **state)
{
    if (!hald_cpu_has_avx2())
        skip();
    check_vectors(*state, HALD_CPU_AVX2);
}

static void test_worked_examples(void **state)
{
    fixture_t *f = *state;
    hald_scorer_t *s = &f->scorer[0];
    hald_scorer_init(s, &f->w, HALD_CPU_SCALAR, 0);
    char seq[HALD_WINDOW_LEN + 1];
    memset(seq, 'A', sizeof seq);
    hald_na_t why;
    assert_close(-0.081161921282926, hald_score_mean(s, seq, 160, 160, &why), "mean", "160xA");
    assert_int_equal(why, HALD_NA_NONE);
    assert_close(-1.277775655204484, hald_score_regions(s, seq, 160, &why), "regions", "160xA");
    /* Length rules: 161 and 159 are NA without --any-length. */
    assert_true(isnan(hald_score_mean(s, seq, 161, 161, &why)));
    assert_int_equal(why, HALD_NA_LENGTH);
    assert_true(isnan(hald_score_regions(s, seq, 159, &why)));
    assert_int_equal(why, HALD_NA_LENGTH);
    /* N at 75 and 76 lies in no used hexamer; at 74 it does. */
    seq[75] = 'N';
    seq[76] = 'n';
    assert_close(-1.277775655204484, hald_score_regions(s, seq, 160, &why), "regions", "N75-76");
    seq[74] = 'N';
    assert_true(isnan(hald_score_regions(s, seq, 160, &why)));
    assert_int_equal(why, HALD_NA_UNKNOWN_BASE);
    /* All N: no valid hexamer, mean is 0 by definition. */
    memset(seq, 'N', 160);
    assert_close(0.0, hald_score_mean(s, seq, 160, 160, &why), "mean", "allN");
}

static void test_any_length(void **state)
{
    fixture_t *f = *state;
    hald_scorer_t *s = &f->scorer[1];
    hald_scorer_init(s, &f->w, HALD_CPU_SCALAR, 1);
    hald_na_t why;
    assert_close(0.0, hald_score_mean(s, "ACGTA", 5, 5, &why), "mean", "len5");
    assert_close(0.0, hald_score_mean(s, "", 0, 0, &why), "mean", "len0");
    /* One hexamer: its column mean. */
    assert_close(0.278170936, hald_score_mean(s, "CAGGTA", 6, 6, &why) , "mean", "CAGGTA");
    /* A long sequence crosses several internal passes: compare with the
     * direct formula. */
    size_t n = 20000;
    char *seq = malloc(n);
    assert_non_null(seq);
    uint64_t x = 7;
    double sum = 0.0;
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        seq[i] = (x % 50 == 0) ? 'N' : "ACGT"[x & 3];
    }
    for (size_t b = 0; b + 6 <= n; b++) {
        uint16_t row;
        (void)hald_hexamers_scalar(seq + b, 6, &row);
        if (row != HALD_HEX_INVALID) {
            sum += s->mean_w[row];
            count++;
        }
    }
    assert_close(sum / (double)count, hald_score_mean(s, seq, n, n, &why), "mean", "long");
    /* Truncated storage: NA, never a score of a prefix. */
    assert_true(isnan(hald_score_mean(s, seq, 1000, n, &why)));
    assert_int_equal(why, HALD_NA_TOO_LONG);
    free(seq);
}

static void test_models_parse(void **state)
{
    (void)state;
    hald_model_set_t set;
    assert_int_equal(hald_model_set_parse("both", &set), 0);
    assert_int_equal(set, HALD_MODELS_BOTH);
    assert_int_equal(hald_model_count(set), 2);
    assert_int_equal(hald_model_set_parse("regions", &set), 0);
    assert_int_equal(hald_model_count(set), 1);
    assert_int_equal(hald_model_set_parse("median", &set), -1);
}

/* A batch of both models gives each model's own bits and reasons, from
 * one set of hexamer rows; windows stored short (--max-length < 160) are
 * NA, never read past what was stored. */
static void test_batch_both(void **state)
{
    fixture_t *f = *state;
    hald_scorer_init(&f->scorer[0], &f->w, HALD_CPU_SCALAR, 0);
    hald_scorer_init(&f->scorer[1], &f->w, HALD_CPU_SCALAR, 1);
    char seqs[4][161];
    for (int r = 0; r < 4; r++) {
        for (int i = 0; i < 160; i++)
            seqs[r][i] = "ACGT"[(i * 7 + r * 13 + i / 5) % 4];
        seqs[r][160] = '\0';
    }
    seqs[1][5] = 'N';  /* a used hexamer: regions NA */
    seqs[2][75] = 'N'; /* only unused starts (70-75): regions scores */
    hald_record_t recs[5] = {
        {"a", 1, seqs[0], 160, 160}, {"b", 1, seqs[1], 160, 160}, {"c", 1, seqs[2], 160, 160},
        {"d", 1, seqs[3], 150, 150}, {"e", 1, seqs[3], 160, 100}};
    hald_batch_t b;
    hald_batch_init(&b);
    b.n = 5;
    b.records = recs;
    for (int any = 0; any <= 1; any++) {
        const hald_scorer_t *sc = &f->scorer[any];
        double scores[10];
        uint8_t why[10];
        memset(why, 0xEE, sizeof why);
        hald_score_batch(sc, HALD_MODELS_BOTH, &b, scores, why);
        for (int i = 0; i < 5; i++) {
            hald_na_t na_m, na_r;
            double m = hald_score_mean(sc, recs[i].seq, recs[i].stored_len, recs[i].seq_len, &na_m);
            double g = recs[i].stored_len < recs[i].seq_len
                           ? (na_r = HALD_NA_TOO_LONG, NAN)
                           : hald_score_regions(sc, recs[i].seq, recs[i].seq_len, &na_r);
            assert_int_equal(why[2 * i], na_m);
            assert_int_equal(why[2 * i + 1], na_r);
            assert_true(why[2 * i] < HALD_N_NA && why[2 * i + 1] < HALD_N_NA);
            /* The same bits, NaN included. */
            assert_memory_equal(&scores[2 * i], &m, sizeof m);
            assert_memory_equal(&scores[2 * i + 1], &g, sizeof g);
        }
        assert_int_equal(why[3], HALD_NA_UNKNOWN_BASE);
        assert_int_equal(why[5], HALD_NA_NONE);
        assert_int_equal(why[9], HALD_NA_TOO_LONG);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_scalar),
        cmocka_unit_test(test_vectors_avx2),
        cmocka_unit_test(test_worked_examples),
        cmocka_unit_test(test_any_length),
        cmocka_unit_test(test_models_parse),
        cmocka_unit_test(test_batch_both),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
