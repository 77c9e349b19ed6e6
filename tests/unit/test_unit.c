/* The runner's units: reset keeps memory, free frees it, and the one codec
 * carries every field each way, moves the bulk instead of copying it, and
 * refuses a damaged or misdirected message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/runner/unit.h"

typedef struct toy_unit {
    hald_unit_t base;
    uint64_t kind;
    uint64_t pair[2];
    hald_buf_t input;        /* the bulk to the worker */
    hald_buf_t label;        /* to the worker */
    uint64_t answer;         /* back */
    hald_buf_t note;         /* back */
    hald_buf_t scratch;      /* never shipped */
} toy_unit_t;

static const hald_unit_field_t TOY_FIELDS[] = {
    HALD_UNIT_U64(toy_unit_t, kind, HALD_TO_WORKER),
    HALD_UNIT_U64(toy_unit_t, pair, HALD_BOTH),
    HALD_UNIT_BUF(toy_unit_t, input, HALD_TO_WORKER),
    HALD_UNIT_BUF(toy_unit_t, label, HALD_TO_WORKER),
    HALD_UNIT_U64(toy_unit_t, answer, HALD_TO_WRITER),
    HALD_UNIT_BUF(toy_unit_t, note, HALD_TO_WRITER),
    HALD_UNIT_BUF(toy_unit_t, scratch, HALD_KEEP),
};

static const hald_unit_layout_t TOY = {sizeof(toy_unit_t), TOY_FIELDS,
                                       sizeof TOY_FIELDS / sizeof TOY_FIELDS[0],
                                       offsetof(toy_unit_t, input)};

static void put(hald_buf_t *b, const char *s)
{
    hald_error_t err;
    b->len = 0;
    assert_int_equal(hald_buf_append(b, s, strlen(s), &err), HALD_OK);
}

static void test_round_trip(void **state)
{
    (void)state;
    toy_unit_t a, w;
    hald_unit_init(&TOY, &a);
    hald_unit_init(&TOY, &w);
    hald_error_t err;
    hald_buf_t msg;
    hald_buf_init(&msg);

    a.base.seq = 41;
    a.kind = 7;
    a.pair[0] = 1, a.pair[1] = UINT64_MAX;
    put(&a.input, "ACGTACGT the bulk");
    put(&a.label, "chr7");
    put(&a.scratch, "stays home");
    const char *bulk = a.input.data;
    assert_int_equal(hald_unit_encode(&TOY, &a, HALD_TO_WORKER, &msg, &err), HALD_OK);
    assert_ptr_equal(msg.data, bulk); /* moved, not copied */
    assert_int_equal(a.input.len, 0);

    assert_int_equal(hald_unit_decode(&TOY, &msg, &w, HALD_TO_WORKER, &err), HALD_OK);
    assert_ptr_equal(w.input.data, bulk); /* and moved again */
    assert_int_equal(w.base.seq, 41);
    assert_int_equal(w.kind, 7);
    assert_int_equal(w.pair[1], UINT64_MAX);
    assert_int_equal(w.input.len, strlen("ACGTACGT the bulk"));
    assert_memory_equal(w.input.data, "ACGTACGT the bulk", w.input.len);
    assert_memory_equal(w.label.data, "chr7", 4);
    assert_int_equal(w.scratch.len, 0);

    /* The worker's result back to a's slot. */
    w.answer = 42;
    w.pair[0] = 5;
    w.base.items = 3;
    w.base.na[1][2] = 9;
    hald_error_set(&w.base.err, HALD_E_INPUT, "reads.fa: record 3: bad");
    put(&w.note, "tail text");
    put(&w.base.out, "row 1\nrow 2\n");
    const char *out = w.base.out.data;
    assert_int_equal(hald_unit_encode(&TOY, &w, HALD_TO_WRITER, &msg, &err), HALD_OK);
    assert_ptr_equal(msg.data, out);
    assert_int_equal(hald_unit_decode(&TOY, &msg, &a, HALD_TO_WRITER, &err), HALD_OK);
    assert_ptr_equal(a.base.out.data, out);
    assert_int_equal(a.answer, 42);
    assert_int_equal(a.pair[0], 5);
    assert_int_equal(a.kind, 7); /* not a result field: untouched */
    assert_int_equal(a.base.items, 3);
    assert_int_equal(a.base.na[1][2], 9);
    assert_int_equal(a.base.err.code, HALD_E_INPUT);
    assert_string_equal(a.base.err.msg, "reads.fa: record 3: bad");
    assert_memory_equal(a.note.data, "tail text", 9);
    assert_memory_equal(a.base.out.data, "row 1\nrow 2\n", 12);
    assert_memory_equal(a.scratch.data, "stays home", 10);

    /* Reset empties every field but keeps the memory. */
    const char *note = a.note.data;
    hald_unit_reset(&TOY, &a);
    assert_int_equal(a.note.len + a.base.out.len + a.scratch.len + a.answer + a.pair[1], 0);
    assert_int_equal(a.base.err.code, HALD_OK);
    assert_ptr_equal(a.note.data, note);
    hald_unit_free(&TOY, &a);
    hald_unit_free(&TOY, &w);
    hald_buf_free(&msg);
}

static void test_empty_unit(void **state)
{
    (void)state;
    toy_unit_t a, w;
    hald_unit_init(&TOY, &a);
    hald_unit_init(&TOY, &w);
    hald_error_t err;
    hald_buf_t msg;
    hald_buf_init(&msg);
    assert_int_equal(hald_unit_encode(&TOY, &a, HALD_TO_WORKER, &msg, &err), HALD_OK);
    assert_int_equal(hald_unit_decode(&TOY, &msg, &w, HALD_TO_WORKER, &err), HALD_OK);
    assert_int_equal(w.input.len + w.label.len, 0);
    assert_int_equal(hald_unit_encode(&TOY, &w, HALD_TO_WRITER, &msg, &err), HALD_OK);
    assert_int_equal(hald_unit_decode(&TOY, &msg, &a, HALD_TO_WRITER, &err), HALD_OK);
    assert_int_equal(a.base.err.code, HALD_OK);
    hald_unit_free(&TOY, &a);
    hald_unit_free(&TOY, &w);
    hald_buf_free(&msg);
}

static void test_refuses_bad_messages(void **state)
{
    (void)state;
    toy_unit_t a, w;
    hald_unit_init(&TOY, &a);
    hald_unit_init(&TOY, &w);
    hald_error_t err;
    hald_buf_t msg, copy;
    hald_buf_init(&msg);
    hald_buf_init(&copy);
    a.base.seq = 5;
    put(&a.input, "some text");
    put(&a.label, "x");
    assert_int_equal(hald_unit_encode(&TOY, &a, HALD_TO_WORKER, &msg, &err), HALD_OK);
    /* Every truncation is refused. */
    for (size_t n = 0; n < msg.len; n++) {
        copy.len = 0;
        assert_int_equal(hald_buf_append(&copy, msg.data, n, &err), HALD_OK);
        assert_int_equal(hald_unit_decode(&TOY, &copy, &w, HALD_TO_WORKER, &err), HALD_E_INPUT);
    }
    /* A unit message is not a result. */
    copy.len = 0;
    assert_int_equal(hald_buf_append(&copy, msg.data, msg.len, &err), HALD_OK);
    assert_int_equal(hald_unit_decode(&TOY, &copy, &w, HALD_TO_WRITER, &err), HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "malformed"));
    /* A result for another unit is refused. */
    assert_int_equal(hald_unit_decode(&TOY, &msg, &w, HALD_TO_WORKER, &err), HALD_OK);
    assert_int_equal(hald_unit_encode(&TOY, &w, HALD_TO_WRITER, &msg, &err), HALD_OK);
    a.base.seq = 6;
    assert_int_equal(hald_unit_decode(&TOY, &msg, &a, HALD_TO_WRITER, &err), HALD_E_INPUT);
    hald_unit_free(&TOY, &a);
    hald_unit_free(&TOY, &w);
    hald_buf_free(&msg);
    hald_buf_free(&copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_unit),
        cmocka_unit_test(test_refuses_bad_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
