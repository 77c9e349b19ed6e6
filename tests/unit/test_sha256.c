/* Unit tests for src/sha256.c: FIPS 180-4 example vectors and the digest
 * of the published weights file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/sha256.h"
#include "hald/weights.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

static void hex_of(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_oneshot(const char *msg, const char *want)
{
    uint8_t d[32];
    char hex[65];
    hald_sha256(msg, strlen(msg), d);
    hex_of(d, hex);
    assert_string_equal(hex, want);
}

static void test_empty(void **state)
{
    (void)state;
    check_oneshot("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
    (void)state;
    check_oneshot("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_448_bits(void **state)
{
    (void)state;
    check_oneshot("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bits(void **state)
{
    (void)state;
    check_oneshot("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a' fed in chunks of awkward sizes, crossing block edges. */
static void test_million_a(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 63, 64, 65, 7, 127, 128, 129, 1000, 3};
    char buf[1000];
    memset(buf, 'a', sizeof buf);
    hald_sha256_t ctx;
    hald_sha256_init(&ctx);
    size_t done = 0;
    for (size_t i = 0; done < 1000000; i++) {
        size_t n = sizes[i % (sizeof sizes / sizeof *sizes)];
        if (n > 1000000 - done)
            n = 1000000 - done;
        hald_sha256_update(&ctx, buf, n);
        done += n;
    }
    uint8_t d[32];
    char hex[65];
    hald_sha256_final(&ctx, d);
    hex_of(d, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length around the padding boundary, one-shot vs byte-at-a-time. */
static void test_incremental_matches_oneshot(void **state)
{
    (void)state;
    uint8_t msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof msg; len++) {
        uint8_t a[32], b[32];
        hald_sha256(msg, len, a);
        hald_sha256_t ctx;
        hald_sha256_init(&ctx);
        for (size_t i = 0; i < len; i++)
            hald_sha256_update(&ctx, msg + i, 1);
        hald_sha256_final(&ctx, b);
        assert_memory_equal(a, b, 32);
    }
}

static void test_hex(void **state)
{
    (void)state;
    uint8_t d[32];
    char want[65], got[65];
    for (int i = 0; i < 32; i++)
        d[i] = (uint8_t)(i * 8 + 7);
    hex_of(d, want);
    memset(got, 'x', sizeof got);
    hald_sha256_hex(d, got);
    assert_string_equal(got, want);
}

static void test_real_weights_file(void **state)
{
    (void)state;
    const char *path = HALD_SHARED_DIR "/weights/HAL_mer_scores.npz";
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("%s not found: the tests need the shared weights (HALD_SHARED_DIR)", path);
    }
    hald_sha256_t ctx;
    hald_sha256_init(&ctx);
    char buf[4099]; /* not a multiple of 64, to exercise partial blocks */
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        hald_sha256_update(&ctx, buf, n);
    assert_false(ferror(f));
    fclose(f);
    uint8_t d[32];
    char hex[65];
    hald_sha256_final(&ctx, d);
    hald_sha256_hex(d, hex);
    assert_string_equal(hex, HALD_WEIGHTS_SHA256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abc),
        cmocka_unit_test(test_448_bits),
        cmocka_unit_test(test_896_bits),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_incremental_matches_oneshot),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_real_weights_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
