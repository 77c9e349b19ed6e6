/* Fast %.15g: byte-identical to printf on hand-picked and random values. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hald/numfmt.h"

static void check(double x)
{
    char fast[HALD_G15_MAX], ref[64];
    size_t n = hald_format_g15(x, fast);
    snprintf(ref, sizeof ref, "%.15g", x);
    if (strcmp(fast, ref) != 0)
        fail_msg("%a: fast '%s' printf '%s'", x, fast, ref);
    assert_int_equal(n, strlen(ref));
}

static void test_fixed_values(void **state)
{
    (void)state;
    const double values[] = {
        0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.3, 1e-5, 1e-4, 9.99999999999999e-5, 0.0001,
        123456789012345.0, 999999999999999.0, 1e15, 1e16, 1.5e300, 4.9e-324, 2.2250738585072014e-308,
        -0.081161921282926, -1.277775655204484, 0.011145471574580764, 14.86994098921293,
        0.99999999999999994, 9.9999999999999995, 0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 1e22, 1e23,
        123.456, 5e-324, 1.7976931348623157e308, NAN, INFINITY, -INFINITY, 1e-7, 12345.6789,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        check(values[i]);
}

/* Around every power of ten the fast path covers: where the exponent
 * guess and the rounding to 15 digits change. */
static void test_powers_of_ten(void **state)
{
    (void)state;
    for (int k = -7; k <= 17; k++) {
        double p = pow(10.0, k);
        const double around[] = {p, nextafter(p, 0.0), nextafter(p, INFINITY), p * (1 - 4e-16),
                                 p * (1 - 6e-16), p * (1 + 4e-16), p * 0.999999999999999,
                                 p * 0.9999999999999995, p * 9.999999999999995, p * 9.99999999999995};
        for (size_t i = 0; i < sizeof around / sizeof around[0]; i++) {
            double x = around[i];
            for (int j = 0; j < 8; j++, x = nextafter(x, INFINITY)) {
                check(x);
                check(-x);
            }
        }
    }
}

static void test_random_values(void **state)
{
    (void)state;
    uint64_t s = 12345;
    for (int i = 0; i < 2000000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double x;
        if (i & 1) { /* any bit pattern */
            memcpy(&x, &s, sizeof x);
        } else { /* the range scores live in */
            x = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * pow(10.0, (double)(int)(s % 12) - 6);
        }
        check(x);
    }
}

static void test_u64(void **state)
{
    (void)state;
    char buf[24];
    const unsigned long long values[] = {0, 7, 10, 99, 100, 12345, 18446744073709551615ULL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char ref[24];
        snprintf(ref, sizeof ref, "%llu", values[i]);
        size_t n = hald_format_u64(values[i], buf);
        assert_int_equal(n, strlen(ref));
        assert_memory_equal(buf, ref, n);
    }
    /* Every digit count and the boundaries between them. */
    unsigned long long p = 1;
    for (int d = 0; d < 20; d++, p *= 10) {
        for (unsigned long long v = p > 3 ? p - 3 : 0; v < p + 3; v++) {
            char ref[24];
            snprintf(ref, sizeof ref, "%llu", v);
            size_t n = hald_format_u64(v, buf);
            assert_int_equal(n, strlen(ref));
            assert_memory_equal(buf, ref, n);
        }
    }
    uint64_t r = 12345;
    for (int i = 0; i < 200000; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        unsigned long long v = r >> (r % 64);
        char ref[24];
        snprintf(ref, sizeof ref, "%llu", v);
        size_t n = hald_format_u64(v, buf);
        assert_int_equal(n, strlen(ref));
        assert_memory_equal(buf, ref, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_values),
        cmocka_unit_test(test_powers_of_ten),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_u64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
