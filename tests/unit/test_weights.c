/* Unit tests for src/weights.c: the real table, hand-built .npy/.npz images
 * (valid and broken) written to a temporary directory, and the search for
 * the weights file. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zip.h>

#include "hald/error.h"
#include "hald/sha256.h"
#include "hald/weights.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

#define REAL_NPZ HALD_SHARED_DIR "/weights/HAL_mer_scores.npz"
#define N_VALUES ((size_t)HALD_N_HEXAMERS * HALD_N_REGIONS)
#define STD_DICT "{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8), }"

typedef struct fixture {
    char dir[64];     /* mkdtemp directory, removed after the group */
    char cwd[4096];   /* restored after tests that chdir */
    double vals[N_VALUES];
} fixture_t;

/* ------------------------------------------------------------ helpers */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/hald_test_weights.XXXXXX");
    if (!mkdtemp(fx->dir) || !getcwd(fx->cwd, sizeof fx->cwd)) {
        free(fx);
        return -1;
    }
    /* Distinct, non-trivial values so any misplaced cell shows up. */
    for (size_t i = 0; i < N_VALUES; i++)
        fx->vals[i] = sin((double)i * 0.37) * 5.0 + (double)(i % 7) * 0.01;
    *state = fx;
    return 0;
}

static int group_teardown(void **state)
{
    fixture_t *fx = *state;
    int rc = nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx);
    return rc;
}

static void path_in(const fixture_t *fx, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", fx->dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static void write_bytes(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void put_le(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A .npy image: magic, version, header length, dict padded with spaces and
 * a newline to a multiple of 64 (as numpy writes it), then data. */
static uint8_t *build_npy(int version, const char *dict, const void *data, size_t data_len,
                          size_t *out_len)
{
    size_t prefix = version == 1 ? 10 : 12;
    size_t hlen = strlen(dict) + 1;
    hlen += (64 - (prefix + hlen) % 64) % 64;
    size_t total = prefix + hlen + data_len;
    uint8_t *b = malloc(total ? total : 1);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (uint8_t)version;
    b[7] = 0;
    put_le(b + 8, hlen, prefix - 8);
    memset(b + prefix, ' ', hlen);
    memcpy(b + prefix, dict, strlen(dict));
    b[prefix + hlen - 1] = '\n';
    if (data_len)
        memcpy(b + prefix + hlen, data, data_len);
    *out_len = total;
    return b;
}

/* The fixture's values as little-endian f8 (extra cells are zero). */
static uint8_t *f8_data(const fixture_t *fx, size_t n_values)
{
    uint8_t *d = calloc(n_values ? n_values : 1, 8);
    assert_non_null(d);
    for (size_t i = 0; i < n_values && i < N_VALUES; i++) {
        uint64_t bits;
        memcpy(&bits, &fx->vals[i], 8);
        put_le(d + 8 * i, bits, 8);
    }
    return d;
}

static uint8_t *std_npy(const fixture_t *fx, size_t *len)
{
    uint8_t *d = f8_data(fx, N_VALUES);
    uint8_t *b = build_npy(1, STD_DICT, d, N_VALUES * 8, len);
    free(d);
    return b;
}

static void write_npy(const fixture_t *fx, const char *name, int version, const char *dict,
                      size_t data_bytes, char *path, size_t cap)
{
    uint8_t *d = f8_data(fx, (data_bytes + 7) / 8);
    size_t len;
    uint8_t *b = build_npy(version, dict, d, data_bytes, &len);
    path_in(fx, name, path, cap);
    write_bytes(path, b, len);
    free(b);
    free(d);
}

static void write_zip(const char *path, const char *const *members, size_t n_members,
                      const void *data, size_t len, int method)
{
    zipFile zf = zipOpen64(path, APPEND_STATUS_CREATE);
    assert_non_null(zf);
    for (size_t i = 0; i < n_members; i++) {
        zip_fileinfo zi;
        memset(&zi, 0, sizeof zi);
        assert_int_equal(zipOpenNewFileInZip(zf, members[i], &zi, NULL, 0, NULL, 0, NULL, method,
                                             method ? Z_DEFAULT_COMPRESSION : 0),
                         ZIP_OK);
        assert_int_equal(zipWriteInFileInZip(zf, data, (unsigned)len), ZIP_OK);
        assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
    }
    assert_int_equal(zipClose(zf, NULL), ZIP_OK);
}

static void write_npz(const fixture_t *fx, const char *name, const char *member, int method,
                      char *path, size_t cap)
{
    size_t len;
    uint8_t *npy = std_npy(fx, &len);
    path_in(fx, name, path, cap);
    write_zip(path, &member, 1, npy, len, method);
    free(npy);
}

/* Offset of the first member's data in a zip written by write_zip. */
static size_t first_member_data(const uint8_t *z, size_t len)
{
    assert_true(len > 30);
    assert_memory_equal(z, "PK\x03\x04", 4);
    return 30 + (size_t)(z[26] | z[27] << 8) + (size_t)(z[28] | z[29] << 8);
}

static hald_weights_t *new_weights(void)
{
    hald_weights_t *w = calloc(1, sizeof *w);
    assert_non_null(w);
    return w;
}

static void assert_values(const fixture_t *fx, const hald_weights_t *w)
{
    for (size_t r = 0; r < HALD_N_HEXAMERS; r++)
        for (size_t c = 0; c < HALD_N_REGIONS; c++)
            assert_true(w->w[r][c] == fx->vals[r * HALD_N_REGIONS + c]);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("message \"%s\" lacks \"%s\"", haystack, needle);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Loads path expecting failure; the message must name the file and say why. */
static void expect_load_error(const char *path, int code, const char *why)
{
    hald_weights_t *w = new_weights();
    hald_error_t err;
    hald_error_clear(&err);
    int rc = hald_weights_load(path, w, &err);
    free(w);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_true(strncmp(err.msg, path, strlen(path)) == 0);
    assert_contains(err.msg, base_name(path));
    assert_contains(err.msg, why);
}

static void expect_npy_error(const fixture_t *fx, const char *name, int version,
                             const char *dict, size_t data_bytes, const char *why)
{
    char path[256];
    write_npy(fx, name, version, dict, data_bytes, path, sizeof path);
    expect_load_error(path, HALD_E_INPUT, why);
}

static void expect_parse_error(const void *buf, size_t len, const char *why)
{
    hald_weights_t *w = new_weights();
    hald_error_t err;
    hald_error_clear(&err);
    int rc = hald_weights_parse_npy(buf, len, "mem.npy", w, &err);
    free(w);
    assert_int_equal(rc, HALD_E_INPUT);
    assert_true(strncmp(err.msg, "mem.npy: ", 9) == 0);
    if (why)
        assert_contains(err.msg, why);
}

/* ------------------------------------------------------------ real table */

static void test_real_npz(void **state)
{
    (void)state;
    if (access(REAL_NPZ, R_OK) != 0) {
        fail_msg("%s not found: the tests need the shared weights (HALD_SHARED_DIR)", REAL_NPZ);
    }
    static const double row0[8] = {-0.025737, -0.026823, -0.148862, -0.149443,
                                   -0.163524, -0.182097, 0.062481,  -0.015291};
    hald_weights_t *w = new_weights();
    hald_error_t err;
    hald_error_clear(&err);
    assert_int_equal(hald_weights_load(REAL_NPZ, w, &err), HALD_OK);
    for (int c = 0; c < 8; c++)
        assert_true(fabs(w->w[0][c] - row0[c]) < 1e-6);
    assert_true(fabs(w->w[2292][2] - 4.124595) < 1e-6);
    assert_true(fabs(w->w[3341][5] - 5.325308) < 1e-6);
    double sum = 0;
    for (int c = 0; c < 8; c++)
        sum += w->w[0][c];
    assert_true(fabs(sum / 8 - -0.081161921282926) < 1e-12);
    char hex[65];
    hald_sha256_hex(w->sha256, hex);
    assert_string_equal(hex, HALD_WEIGHTS_SHA256);
    assert_string_equal(w->path, REAL_NPZ);
    free(w);
}

/* ------------------------------------------------------------ valid .npy */

static void load_ok(const char *path, hald_weights_t *w)
{
    hald_error_t err;
    hald_error_clear(&err);
    int rc = hald_weights_load(path, w, &err);
    if (rc != HALD_OK)
        fail_msg("load %s: %s", path, err.msg);
    assert_string_equal(w->path, path);
    size_t len;
    uint8_t *bytes = read_bytes(path, &len);
    uint8_t digest[32];
    hald_sha256(bytes, len, digest);
    free(bytes);
    assert_memory_equal(w->sha256, digest, 32);
}

static void test_npy_f8_v1(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npy(fx, "f8v1.npy", 1, STD_DICT, N_VALUES * 8, path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npy_f4_v1(void **state)
{
    fixture_t *fx = *state;
    uint8_t *d = malloc(N_VALUES * 4);
    assert_non_null(d);
    for (size_t i = 0; i < N_VALUES; i++) {
        float f = (float)fx->vals[i];
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put_le(d + 4 * i, bits, 4);
    }
    size_t len;
    uint8_t *b = build_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4096, 8), }",
                           d, N_VALUES * 4, &len);
    char path[256];
    path_in(fx, "f4v1.npy", path, sizeof path);
    write_bytes(path, b, len);
    free(b);
    free(d);

    hald_weights_t *w = new_weights();
    load_ok(path, w);
    for (size_t r = 0; r < HALD_N_HEXAMERS; r++)
        for (size_t c = 0; c < HALD_N_REGIONS; c++)
            assert_true(w->w[r][c] == (double)(float)fx->vals[r * HALD_N_REGIONS + c]);
    free(w);
}

static void test_npy_v2_v3(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    hald_weights_t *w = new_weights();
    write_npy(fx, "v2.npy", 2, STD_DICT, N_VALUES * 8, path, sizeof path);
    load_ok(path, w);
    assert_values(fx, w);
    memset(w, 0, sizeof *w);
    write_npy(fx, "v3.npy", 3, STD_DICT, N_VALUES * 8, path, sizeof path);
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npy_keys_reordered(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npy(fx, "reordered.npy", 1,
              "{ 'shape':(4096,8),'fortran_order' :False ,\t\"descr\":  '<f8'}", N_VALUES * 8,
              path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npy_python2_longs(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npy(fx, "py2.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4096L, 8L), }",
              N_VALUES * 8, path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

/* ------------------------------------------------------------ bad .npy */

static void test_npy_wrong_shape(void **state)
{
    fixture_t *fx = *state;
    expect_npy_error(fx, "shape4096x7.npy", 1,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 7), }",
                     4096 * 7 * 8, "shape (4096, 7), expected (4096, 8)");
    expect_npy_error(fx, "shape8x4096.npy", 1,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (8, 4096), }",
                     N_VALUES * 8, "shape (8, 4096), expected (4096, 8)");
    expect_npy_error(fx, "shape1d.npy", 1,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (32768,), }",
                     N_VALUES * 8, "shape (32768,)");
    expect_npy_error(fx, "shape3d.npy", 1,
                     "{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8, 1), }",
                     N_VALUES * 8, "shape (4096, 8, 1)");
}

static void test_npy_fortran_order(void **state)
{
    expect_npy_error(*state, "fortran.npy", 1,
                     "{'descr': '<f8', 'fortran_order': True, 'shape': (4096, 8), }",
                     N_VALUES * 8, "fortran_order");
}

static void test_npy_bad_dtype(void **state)
{
    fixture_t *fx = *state;
    expect_npy_error(fx, "bigendian.npy", 1,
                     "{'descr': '>f8', 'fortran_order': False, 'shape': (4096, 8), }",
                     N_VALUES * 8, "dtype '>f8'");
    expect_npy_error(fx, "int64.npy", 1,
                     "{'descr': '<i8', 'fortran_order': False, 'shape': (4096, 8), }",
                     N_VALUES * 8, "dtype '<i8'");
    expect_npy_error(fx, "object.npy", 1,
                     "{'descr': '|O', 'fortran_order': False, 'shape': (4096, 8), }",
                     N_VALUES * 8, "dtype '|O'");
}

static void test_npy_truncated_data(void **state)
{
    expect_npy_error(*state, "short.npy", 1, STD_DICT, N_VALUES * 8 - 1,
                     "truncated data: 262143 bytes, expected 262144");
}

static void test_npy_trailing_data(void **state)
{
    expect_npy_error(*state, "long.npy", 1, STD_DICT, N_VALUES * 8 + 3, "extra trailing bytes");
}

static void write_npy_with_cell(const fixture_t *fx, const char *name, size_t row, size_t col,
                                double v, char *path, size_t cap)
{
    uint8_t *d = f8_data(fx, N_VALUES);
    uint64_t bits;
    memcpy(&bits, &v, 8);
    put_le(d + 8 * (row * HALD_N_REGIONS + col), bits, 8);
    size_t len;
    uint8_t *b = build_npy(1, STD_DICT, d, N_VALUES * 8, &len);
    path_in(fx, name, path, cap);
    write_bytes(path, b, len);
    free(b);
    free(d);
}

static void test_npy_nan(void **state)
{
    char path[256];
    write_npy_with_cell(*state, "nan.npy", 17, 3, NAN, path, sizeof path);
    expect_load_error(path, HALD_E_INPUT, "non-finite value (nan) at row 17 column 3");
}

static void test_npy_inf(void **state)
{
    char path[256];
    write_npy_with_cell(*state, "inf.npy", 4095, 7, -INFINITY, path, sizeof path);
    expect_load_error(path, HALD_E_INPUT, "non-finite value (inf) at row 4095 column 7");
}

static void test_npy_truncated_header(void **state)
{
    fixture_t *fx = *state;
    size_t len;
    uint8_t *b = std_npy(fx, &len);
    char path[256];
    path_in(fx, "cut_header.npy", path, sizeof path);
    write_bytes(path, b, 40); /* header says 118 bytes, 30 follow */
    free(b);
    expect_load_error(path, HALD_E_INPUT, "truncated npy header");
}

static void test_bad_magic(void **state)
{
    fixture_t *fx = *state;
    size_t len;
    uint8_t *b = std_npy(fx, &len);
    b[5] = 'Z';
    char path[256];
    path_in(fx, "magic.npy", path, sizeof path);
    write_bytes(path, b, len);
    expect_load_error(path, HALD_E_INPUT, "not a .npz or .npy file");
    expect_parse_error(b, len, "bad magic");
    free(b);
    path_in(fx, "text.npz", path, sizeof path);
    write_bytes(path, "hello\n", 6);
    expect_load_error(path, HALD_E_INPUT, "not a .npz or .npy file");
}

static void test_empty_file(void **state)
{
    char path[256];
    path_in(*state, "empty.npy", path, sizeof path);
    write_bytes(path, "", 0);
    expect_load_error(path, HALD_E_INPUT, "empty");
}

static void test_missing_file(void **state)
{
    char path[256];
    path_in(*state, "does_not_exist.npz", path, sizeof path);
    expect_load_error(path, HALD_E_IO, strerror(ENOENT));
}

static void test_directory(void **state)
{
    fixture_t *fx = *state;
    expect_load_error(fx->dir, HALD_E_IO, strerror(EISDIR));
}

/* Header syntax the parser must reject (each message says why). */
static void test_npy_malformed_headers(void **state)
{
    (void)state;
    static const struct {
        const char *dict;
        const char *why;
    } cases[] = {
        {"", "expected '{'"},
        {"{", "expected a quoted string"},
        {"{'descr': '<f8', 'fortran_order': False}", "missing key"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8)}",
         "repeated key"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8), 'x': 1}", "unknown"},
        {"{'descr' '<f8', 'fortran_order': False, 'shape': (4096, 8)}", "expected ':'"},
        {"{'descr': '<f8, 'fortran_order': False, 'shape': (4096, 8)}", "expected ','"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8)", "expected ','"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8}", "expected ','"},
        {"{'descr': '<f8', 'fortran_order': false, 'shape': (4096, 8)}", "True or False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [4096, 8]}", "tuple"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4096 8)}", "expected ','"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-4096, 8)}", "integers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 8)}",
         "too large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}",
         "too many dimensions"},
        {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (4096, 8)}", "structured"},
        {"{'descr': '<f8\\'', 'fortran_order': False, 'shape': (4096, 8)}", "character"},
        {"{'descr': '<ffffffffffffffffffffffffffffffffffff8', 'fortran_order': False, "
         "'shape': (4096, 8)}",
         "too long"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 8)} x", "after"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        uint8_t *b = build_npy(1, cases[i].dict, NULL, 0, &len);
        expect_parse_error(b, len, cases[i].why);
        free(b);
    }
}

static void test_npy_bad_prefix(void **state)
{
    fixture_t *fx = *state;
    size_t len;
    uint8_t *b = std_npy(fx, &len);
    b[6] = 4;
    expect_parse_error(b, len, "version 4.0");
    b[6] = 1;
    put_le(b + 8, 0xffff, 2);
    expect_parse_error(b, 1000, "truncated npy header: header length 65535, only 990");
    expect_parse_error(b, 0, "truncated");
    expect_parse_error(b, 9, "truncated");
    b[6] = 2;
    expect_parse_error(b, 11, "truncated");
    put_le(b + 8, 0xffffffffu, 4);
    expect_parse_error(b, len, "truncated npy header");
    free(b);

    /* A string cut by the end of the header, with no padding after it. */
    static const uint8_t cut[] = "\x93NUMPY\x01\x00\x03\x00{'d";
    expect_parse_error(cut, sizeof cut - 1, "unterminated string");
    static const uint8_t open_dict[] = "\x93NUMPY\x01\x00\x01\x00{";
    expect_parse_error(open_dict, sizeof open_dict - 1, "expected a quoted string");
    static const uint8_t no_header[] = "\x93NUMPY\x01\x00\x00\x00";
    expect_parse_error(no_header, sizeof no_header - 1, "expected '{'");
}

/* Every prefix and many single-byte corruptions of a valid image must be
 * handled without reading out of bounds (run under valgrind/ASan). */
static void test_npy_mutations(void **state)
{
    fixture_t *fx = *state;
    size_t len;
    uint8_t *b = std_npy(fx, &len);
    hald_weights_t *w = new_weights();
    hald_error_t err;
    for (size_t cut = 0; cut < 200; cut++) {
        /* Exact-size copies so a tool sees any read past the end. */
        uint8_t *p = malloc(cut ? cut : 1);
        assert_non_null(p);
        memcpy(p, b, cut);
        assert_int_equal(hald_weights_parse_npy(p, cut, "cut", w, &err), HALD_E_INPUT);
        free(p);
    }
    uint32_t rng = 12345;
    for (int i = 0; i < 3000; i++) {
        rng = rng * 1103515245u + 12345u;
        size_t pos = (rng >> 8) % 128;
        uint8_t saved = b[pos];
        b[pos] = (uint8_t)(rng >> 24);
        int rc = hald_weights_parse_npy(b, len, "mut", w, &err);
        assert_true(rc == HALD_OK || rc == HALD_E_INPUT);
        b[pos] = saved;
    }
    assert_int_equal(hald_weights_parse_npy(b, len, "orig", w, &err), HALD_OK);
    assert_values(fx, w);
    free(w);
    free(b);
}

/* ------------------------------------------------------------ .npz */

static void test_npz_deflated(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npz(fx, "deflated.npz", "weights.npy", Z_DEFLATED, path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npz_stored(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npz(fx, "stored.npz", "weights.npy", 0, path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npz_single_other_npy(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npz(fx, "renamed.npz", "arr_0.npy", Z_DEFLATED, path, sizeof path);
    hald_weights_t *w = new_weights();
    load_ok(path, w);
    assert_values(fx, w);
    free(w);
}

static void test_npz_no_member(void **state)
{
    fixture_t *fx = *state;
    char path[256];
    write_npz(fx, "other.npz", "other.txt", Z_DEFLATED, path, sizeof path);
    expect_load_error(path, HALD_E_INPUT, "zip: no member weights.npy");

    size_t len;
    uint8_t *npy = std_npy(fx, &len);
    static const char *const two[] = {"a.npy", "b.npy"};
    path_in(fx, "two.npz", path, sizeof path);
    write_zip(path, two, 2, npy, len, Z_DEFLATED);
    free(npy);
    expect_load_error(path, HALD_E_INPUT, "zip: no member weights.npy");
}

static void test_npz_bad_member_content(void **state)
{
    fixture_t *fx = *state;
    uint8_t *d = f8_data(fx, 4096 * 7);
    size_t len;
    uint8_t *npy = build_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4096, 7), }",
                             d, 4096 * 7 * 8, &len);
    static const char *const member[] = {"weights.npy"};
    char path[256];
    path_in(fx, "shape7.npz", path, sizeof path);
    write_zip(path, member, 1, npy, len, Z_DEFLATED);
    free(npy);
    free(d);
    expect_load_error(path, HALD_E_INPUT, "shape (4096, 7), expected (4096, 8)");
}

static void flip_member_bytes(const char *src, const char *dst, size_t at, size_t n)
{
    size_t len;
    uint8_t *z = read_bytes(src, &len);
    size_t start = first_member_data(z, len) + at;
    assert_true(start + n < len);
    for (size_t i = 0; i < n; i++)
        z[start + i] ^= 0x5a;
    write_bytes(dst, z, len);
    free(z);
}

static void test_npz_corrupt_stored(void **state)
{
    fixture_t *fx = *state;
    char src[256], dst[256];
    write_npz(fx, "stored_src.npz", "weights.npy", 0, src, sizeof src);
    path_in(fx, "stored_bad.npz", dst, sizeof dst);
    flip_member_bytes(src, dst, 1000, 1);
    expect_load_error(dst, HALD_E_INPUT, "zip: CRC error in weights.npy");
}

static void test_npz_corrupt_deflated(void **state)
{
    fixture_t *fx = *state;
    char src[256], dst[256];
    write_npz(fx, "deflated_src.npz", "weights.npy", Z_DEFLATED, src, sizeof src);
    path_in(fx, "deflated_bad.npz", dst, sizeof dst);
    flip_member_bytes(src, dst, 5000, 16);
    /* Either inflate rejects the stream or the CRC check catches it. */
    expect_load_error(dst, HALD_E_INPUT, "zip: ");
}

static void test_npz_truncated(void **state)
{
    fixture_t *fx = *state;
    char src[256], dst[256];
    write_npz(fx, "whole.npz", "weights.npy", Z_DEFLATED, src, sizeof src);
    size_t len;
    uint8_t *z = read_bytes(src, &len);
    path_in(fx, "half.npz", dst, sizeof dst);
    write_bytes(dst, z, len / 2);
    free(z);
    expect_load_error(dst, HALD_E_INPUT, "zip: ");
}

/* ------------------------------------------------------------ resolve */

static void make_dirs(const char *base, const char *rel)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < sizeof path);
    for (char *p = path + strlen(base) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
            *p = '/';
        }
    }
    assert_true(mkdir(path, 0700) == 0 || errno == EEXIST);
}

static void touch(const char *base, const char *rel)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", base, rel);
    assert_true(n > 0 && (size_t)n < sizeof path);
    write_bytes(path, "x", 1);
}

static int resolve(const char *explicit_path, const char *config, const char *exe_dir,
                   char *out, size_t cap, hald_error_t *err)
{
    hald_error_clear(err);
    return hald_weights_resolve(explicit_path, config, exe_dir, out, cap, err);
}

static void test_resolve_precedence(void **state)
{
    (void)state;
    char out[4096];
    hald_error_t err;
    assert_int_equal(setenv("HALD_WEIGHTS", "/env/w.npz", 1), 0);
    assert_int_equal(resolve("/cli/w.npz", "/cfg/w.npz", NULL, out, sizeof out, &err), HALD_OK);
    assert_string_equal(out, "/cli/w.npz");
    assert_int_equal(resolve(NULL, "/cfg/w.npz", NULL, out, sizeof out, &err), HALD_OK);
    assert_string_equal(out, "/env/w.npz");
    assert_int_equal(unsetenv("HALD_WEIGHTS"), 0);
    assert_int_equal(resolve(NULL, "/cfg/w.npz", NULL, out, sizeof out, &err), HALD_OK);
    assert_string_equal(out, "/cfg/w.npz");
    /* An empty HALD_WEIGHTS counts as unset. */
    assert_int_equal(setenv("HALD_WEIGHTS", "", 1), 0);
    assert_int_equal(resolve(NULL, "/cfg/w.npz", NULL, out, sizeof out, &err), HALD_OK);
    assert_string_equal(out, "/cfg/w.npz");
    assert_int_equal(unsetenv("HALD_WEIGHTS"), 0);
    /* A path that does not fit is an error, never a truncated path. */
    char small[8];
    assert_int_equal(resolve("/a/long/path.npz", NULL, NULL, small, sizeof small, &err),
                     HALD_E_INPUT);
    assert_contains(err.msg, "too long");
}

static void chdir_to(const fixture_t *fx, const char *rel)
{
    char path[1024];
    int n = snprintf(path, sizeof path, "%s/%s", fx->dir, rel);
    assert_true(n > 0 && (size_t)n < sizeof path);
    assert_int_equal(chdir(path), 0);
}

static void test_resolve_search_cwd(void **state)
{
    fixture_t *fx = *state;
    char out[4096];
    hald_error_t err;
    assert_int_equal(unsetenv("HALD_WEIGHTS"), 0);
    make_dirs(fx->dir, "s1/weights");
    touch(fx->dir, "s1/weights/HAL_mer_scores.npy");
    chdir_to(fx, "s1");
    int rc = resolve(NULL, NULL, NULL, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(rc, HALD_OK);
    assert_string_equal(out, "weights/HAL_mer_scores.npy");

    /* The .npz is preferred when both exist. */
    touch(fx->dir, "s1/weights/HAL_mer_scores.npz");
    chdir_to(fx, "s1");
    rc = resolve(NULL, NULL, NULL, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(rc, HALD_OK);
    assert_string_equal(out, "weights/HAL_mer_scores.npz");

    /* ../shared/weights, as in a checkout next to the shared directory. */
    make_dirs(fx->dir, "s2/shared/weights");
    make_dirs(fx->dir, "s2/main");
    touch(fx->dir, "s2/shared/weights/HAL_mer_scores.npz");
    chdir_to(fx, "s2/main");
    rc = resolve(NULL, NULL, NULL, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(rc, HALD_OK);
    assert_string_equal(out, "../shared/weights/HAL_mer_scores.npz");
}

static void test_resolve_search_exe_dir(void **state)
{
    fixture_t *fx = *state;
    char out[4096], exe[512], want[1024];
    hald_error_t err;
    assert_int_equal(unsetenv("HALD_WEIGHTS"), 0);
    make_dirs(fx->dir, "e/empty/cwd");
    make_dirs(fx->dir, "e/prefix/bin");
    make_dirs(fx->dir, "e/prefix/share/hald");
    touch(fx->dir, "e/prefix/share/hald/HAL_mer_scores.npz");
    snprintf(exe, sizeof exe, "%s/e/prefix/bin", fx->dir);
    snprintf(want, sizeof want, "%s/../share/hald/HAL_mer_scores.npz", exe);
    chdir_to(fx, "e/empty/cwd");
    int rc = resolve(NULL, NULL, exe, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(rc, HALD_OK);
    assert_string_equal(out, want);

    /* A build tree's weights/ beats an installed copy. */
    make_dirs(fx->dir, "e/prefix/weights");
    touch(fx->dir, "e/prefix/weights/HAL_mer_scores.npy");
    snprintf(want, sizeof want, "%s/../weights/HAL_mer_scores.npy", exe);
    chdir_to(fx, "e/empty/cwd");
    rc = resolve(NULL, NULL, exe, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    assert_int_equal(rc, HALD_OK);
    assert_string_equal(out, want);
}

static void test_resolve_nothing_found(void **state)
{
    fixture_t *fx = *state;
    char out[4096], exe[512];
    hald_error_t err;
    assert_int_equal(unsetenv("HALD_WEIGHTS"), 0);
    make_dirs(fx->dir, "n/a/b");
    make_dirs(fx->dir, "n/x/bin");
    /* A directory with the right name is not a weights file. */
    make_dirs(fx->dir, "n/a/b/weights/HAL_mer_scores.npz");
    snprintf(exe, sizeof exe, "%s/n/x/bin", fx->dir);
    chdir_to(fx, "n/a/b");
    int rc = resolve(NULL, NULL, exe, out, sizeof out, &err);
    assert_int_equal(chdir(fx->cwd), 0);
    if (rc == HALD_OK && strncmp(out, fx->dir, strlen(fx->dir)) != 0) {
        print_message("weights installed at %s, skipping\n", out);
        skip();
    }
    assert_int_equal(rc, HALD_E_INPUT);
    assert_int_equal(err.code, HALD_E_INPUT);
    assert_contains(err.msg, "--weights");
    assert_contains(err.msg, "HALD_WEIGHTS");
    assert_contains(err.msg, "weights/fetch");
    assert_contains(err.msg, "../shared/weights");
    assert_contains(err.msg, exe);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_npz),
        cmocka_unit_test(test_npy_f8_v1),
        cmocka_unit_test(test_npy_f4_v1),
        cmocka_unit_test(test_npy_v2_v3),
        cmocka_unit_test(test_npy_keys_reordered),
        cmocka_unit_test(test_npy_python2_longs),
        cmocka_unit_test(test_npy_wrong_shape),
        cmocka_unit_test(test_npy_fortran_order),
        cmocka_unit_test(test_npy_bad_dtype),
        cmocka_unit_test(test_npy_truncated_data),
        cmocka_unit_test(test_npy_trailing_data),
        cmocka_unit_test(test_npy_nan),
        cmocka_unit_test(test_npy_inf),
        cmocka_unit_test(test_npy_truncated_header),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_npy_malformed_headers),
        cmocka_unit_test(test_npy_bad_prefix),
        cmocka_unit_test(test_npy_mutations),
        cmocka_unit_test(test_npz_deflated),
        cmocka_unit_test(test_npz_stored),
        cmocka_unit_test(test_npz_single_other_npy),
        cmocka_unit_test(test_npz_no_member),
        cmocka_unit_test(test_npz_bad_member_content),
        cmocka_unit_test(test_npz_corrupt_stored),
        cmocka_unit_test(test_npz_corrupt_deflated),
        cmocka_unit_test(test_npz_truncated),
        cmocka_unit_test(test_resolve_precedence),
        cmocka_unit_test(test_resolve_search_cwd),
        cmocka_unit_test(test_resolve_search_exe_dir),
        cmocka_unit_test(test_resolve_nothing_found),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
