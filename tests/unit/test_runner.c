/* The one runner with a toy job on 1 to 4 threads: every unit worked on
 * once, taken in order, with per-thread scratch, totals, progress, and the
 * first failure of the source, a worker or the writer reported as such. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/runner/runner.h"

typedef struct toy_unit {
    hald_unit_t base;
    uint64_t value;
    hald_buf_t payload;
} toy_unit_t;

static const hald_unit_field_t TOY_FIELDS[] = {
    HALD_UNIT_U64(toy_unit_t, value, HALD_TO_WORKER),
    HALD_UNIT_BUF(toy_unit_t, payload, HALD_TO_WORKER),
};
static const hald_unit_layout_t TOY = {sizeof(toy_unit_t), TOY_FIELDS, 2,
                                       offsetof(toy_unit_t, payload)};

typedef struct toy {
    uint64_t n, next;         /* units to make, made */
    uint64_t fail_read_at;    /* the source fails there (0: never) */
    uint64_t fail_work_at;    /* a worker fails there */
    uint64_t fail_take_at;    /* the writer fails there */
    uint64_t taken;
    int finished;
    uint64_t scratch_made;
    hald_buf_t text;          /* what take wrote, in order */
    int progress_calls, final_calls;
} toy_t;

static int toy_next(void *ctx, void *unit, hald_error_t *err)
{
    toy_t *t = ctx;
    toy_unit_t *u = unit;
    if (t->next == t->n)
        return 0;
    t->next++;
    if (t->next == t->fail_read_at)
        return hald_error_set(err, HALD_E_INPUT, "toy: cannot read unit %llu", (unsigned long long)t->next);
    u->value = t->next;
    char s[32];
    int len = snprintf(s, sizeof s, "v%llu", (unsigned long long)t->next);
    return hald_buf_append(&u->payload, s, (size_t)len, err) == HALD_OK ? 1 : err->code;
}

static void toy_work(const void *shared, void *unit, void *scratch)
{
    const toy_t *t = shared;
    toy_unit_t *u = unit;
    uint64_t *uses = scratch;
    (*uses)++;
    if (u->value == t->fail_work_at) {
        hald_error_set(&u->base.err, HALD_E_INPUT, "toy: unit %llu is bad", (unsigned long long)u->value);
        return;
    }
    /* Uneven work, so that threads finish out of order. */
    if (u->value % 7 == 0)
        usleep(200);
    char s[64];
    int len = snprintf(s, sizeof s, "%.*s=%llu\n", (int)u->payload.len, u->payload.data,
                       (unsigned long long)(u->value * u->value));
    hald_buf_append(&u->base.out, s, (size_t)len, &u->base.err);
    u->base.items = 1;
    u->base.na[HALD_MODEL_REGIONS][HALD_NA_LENGTH] = u->value % 2;
}

static int toy_take(void *ctx, void *unit, hald_error_t *err)
{
    toy_t *t = ctx;
    toy_unit_t *u = unit;
    t->taken++;
    if (t->taken == t->fail_take_at)
        return hald_error_set(err, HALD_E_IO, "toy: cannot write unit %llu", (unsigned long long)t->taken);
    return hald_buf_append(&t->text, u->base.out.data, u->base.out.len, err);
}

static int toy_finish(void *ctx, hald_run_stats_t *st, hald_error_t *err)
{
    (void)st, (void)err;
    ((toy_t *)ctx)->finished = 1;
    return HALD_OK;
}

static void *scratch_new(const void *shared)
{
    (void)shared;
    return calloc(1, sizeof(uint64_t));
}

static void progress(void *ctx, const hald_progress_t *p)
{
    toy_t *t = ctx;
    t->progress_calls++;
    t->final_calls += p->final;
    if (p->final)
        assert_int_equal(p->items, t->n);
}

static int run(toy_t *t, int threads, hald_run_stats_t *st, hald_error_t *err)
{
    hald_job_t job = {.task = "toy", .items_name = "units", .layout = &TOY, .shared = t, .ctx = t,
                      .next = toy_next, .work = toy_work, .take = toy_take, .finish = toy_finish,
                      .scratch_new = scratch_new, .scratch_free = free};
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    env.progress = progress;
    env.progress_ctx = t;
    return hald_runner_run(&job, &env, st, err);
}

static void expect_text(const toy_t *t)
{
    hald_buf_t want;
    hald_buf_init(&want);
    for (uint64_t v = 1; v <= t->n; v++) {
        char s[64];
        int len = snprintf(s, sizeof s, "v%llu=%llu\n", (unsigned long long)v,
                           (unsigned long long)(v * v));
        assert_int_equal(hald_buf_append(&want, s, (size_t)len, NULL), HALD_OK);
    }
    assert_int_equal(t->text.len, want.len);
    assert_memory_equal(t->text.data, want.data, want.len);
    hald_buf_free(&want);
}

static void test_in_order(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        for (uint64_t n = 0; n <= 200; n += n < 3 ? 1 : 61) {
            toy_t t = {.n = n};
            hald_run_stats_t st;
            hald_error_t err;
            assert_int_equal(run(&t, threads, &st, &err), HALD_OK);
            expect_text(&t);
            assert_int_equal(t.taken, n);
            assert_true(t.finished);
            assert_int_equal(st.items, n);
            assert_int_equal(st.na[HALD_MODEL_REGIONS][HALD_NA_LENGTH], (n + 1) / 2);
            assert_int_equal(t.final_calls, 1);
            hald_buf_free(&t.text);
        }
    }
}

static void test_failures(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 3; threads++) {
        hald_error_t err;
        hald_run_stats_t st;
        toy_t t = {.n = 50, .fail_read_at = 20};
        assert_int_equal(run(&t, threads, &st, &err), HALD_E_INPUT);
        assert_string_equal(err.msg, "toy: cannot read unit 20");
        assert_false(t.finished);
        assert_int_equal(t.final_calls, 0);
        hald_buf_free(&t.text);

        toy_t w = {.n = 50, .fail_work_at = 33};
        assert_int_equal(run(&w, threads, &st, &err), HALD_E_INPUT);
        assert_string_equal(err.msg, "toy: unit 33 is bad");
        assert_int_equal(w.taken, 33); /* everything before it was written */
        hald_buf_free(&w.text);

        toy_t k = {.n = 50, .fail_take_at = 10};
        assert_int_equal(run(&k, threads, &st, &err), HALD_E_IO);
        assert_string_equal(err.msg, "toy: cannot write unit 10");
        assert_int_equal(k.taken, 10);
        hald_buf_free(&k.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
