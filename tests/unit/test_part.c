/* Part manifests (src/cli/part.c): the text round-trips; a damaged or
 * foreign manifest is refused with the line; a set of parts is put in
 * shard order or refused for a shard missing or given twice and for parts
 * of different runs; a sharded run's manifest measures the part, the
 * input and the weights, and a run without --shard writes none. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../src/cli/part.h"

static char dir[] = "/tmp/hald-test-part.XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
    static char buf[64][256];
    static size_t next;
    assert_true(next < 64);
    char *p = buf[next++];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

/* A manifest as a run of score shard i of n would write it. */
static void sample(cli_part_t *p, uint64_t i, uint64_t n, const char *path)
{
    cli_part_init(p);
    p->path = strdup(path);
    p->options = strdup("format=auto\nany-length=no\nmax-length=256M\n");
    p->input = strdup("reads.zst");
    assert_true(p->path && p->options && p->input);
    strcpy(p->command, "score");
    strcpy(p->format, "tsv");
    strcpy(p->models, "both");
    strcpy(p->weights, HALD_WEIGHTS_SHA256);
    p->shard = i;
    p->shards = n;
    p->input_bytes = 17233720;
    p->input_fingerprint = 0xf49f8625u;
    p->records = 75000 + i;
    p->bytes = 2000000 + i;
    p->crc = 0x9af833efu ^ (uint32_t)i;
}

static void format(const cli_part_t *p, hald_buf_t *text)
{
    hald_error_t err;
    hald_buf_init(text);
    assert_int_equal(cli_part_format(p, text, &err), HALD_OK);
    assert_int_equal(hald_buf_append(text, "", 1, &err), HALD_OK); /* a C string for the checks */
    text->len--;
}

static void test_round_trip(void **state)
{
    (void)state;
    cli_part_t a, b;
    sample(&a, 3, 16, "part.3.tsv");
    hald_buf_t text;
    format(&a, &text);
    hald_error_t err;
    assert_int_equal(cli_part_parse(text.data, text.len, "m", &b, &err), HALD_OK);
    assert_string_equal(b.command, "score");
    assert_int_equal(b.shard, 3);
    assert_int_equal(b.shards, 16);
    assert_string_equal(b.format, "tsv");
    assert_string_equal(b.models, "both");
    assert_string_equal(b.weights, HALD_WEIGHTS_SHA256);
    assert_string_equal(b.options, a.options);
    assert_string_equal(b.input, "reads.zst");
    assert_int_equal(b.input_bytes, a.input_bytes);
    assert_int_equal(b.input_fingerprint, a.input_fingerprint);
    assert_int_equal(b.records, a.records);
    assert_int_equal(b.bytes, a.bytes);
    assert_int_equal(b.crc, a.crc);
    /* The text is the documented one (docs/hald-merge.md). */
    assert_non_null(strstr(text.data, "hald-part 1\ncommand score\nshard 3/16\nformat tsv\nmodels both\n"));
    assert_non_null(strstr(text.data, "\noption max-length=256M\ninput reads.zst\ninput-bytes 17233720\n"
                                      "input-fingerprint f49f8625\nrecords 75003\nbytes 2000003\ncrc32 9af833ec\n"));
    cli_part_free(&b);

    /* A run whose command has no such option: no option lines. */
    free(a.options);
    a.options = strdup("");
    hald_buf_free(&text);
    format(&a, &text);
    assert_null(strstr(text.data, "option"));
    assert_int_equal(cli_part_parse(text.data, text.len, "m", &b, &err), HALD_OK);
    assert_string_equal(b.options, "");
    cli_part_free(&b);
    cli_part_free(&a);
    hald_buf_free(&text);
}

/* The manifest text with `from` replaced by `to` must be refused, saying `says`. */
static void expect_bad(const char *from, const char *to, const char *says)
{
    cli_part_t a, b;
    sample(&a, 2, 4, "p");
    hald_buf_t text;
    format(&a, &text);
    char edited[4096];
    const char *at = strstr(text.data, from);
    assert_non_null(at);
    snprintf(edited, sizeof edited, "%.*s%s%s", (int)(at - text.data), text.data, to, at + strlen(from));
    hald_error_t err;
    assert_int_not_equal(cli_part_parse(edited, strlen(edited), "p.hald-part", &b, &err), HALD_OK);
    if (!strstr(err.msg, says) || !strstr(err.msg, "p.hald-part"))
        fail_msg("'%s' does not say '%s'", err.msg, says);
    cli_part_free(&a);
    hald_buf_free(&text);
}

static void test_refused_text(void **state)
{
    (void)state;
    expect_bad("hald-part 1\n", "hald-part 2\n", "manifest version 2, this hald reads 1");
    expect_bad("hald-part 1\n", "id\tmean\n", "not a hald part manifest");
    expect_bad("shard 2/4\n", "", "no shard line");
    expect_bad("shard 2/4\n", "shard 5/4\n", ":3: a bad value for shard");
    expect_bad("shard 2/4\n", "shard 0/4\n", "a bad value for shard");
    expect_bad("format tsv\n", "format csv\n", "a bad value for format");
    expect_bad("command score\n", "command score\ncommand scan\n", ":3: given twice: command");
    expect_bad("records ", "colour blue\nrecords ", "unknown key colour");
    expect_bad("crc32 ", "crc32 x", "a bad value for crc32");
    expect_bad("bytes 2000002\n", "bytes -1\n", "a bad value for bytes");
    expect_bad("bytes 2000002\n", "bytes\n", "no value for bytes");
    expect_bad("weights ", "weights 00", "a bad value for weights");
    expect_bad("crc32 9af833ed\n", "crc32 9af833ed", "cut short");
}

/* ================================================================ a set */

static void expect_order_refused(cli_part_t *parts, size_t n, const char *says)
{
    const cli_part_t *sorted[16];
    hald_error_t err;
    assert_int_not_equal(cli_part_order(parts, n, sorted, &err), HALD_OK);
    if (!strstr(err.msg, says))
        fail_msg("'%s' does not say '%s'", err.msg, says);
}

static void test_order(void **state)
{
    (void)state;
    cli_part_t parts[5];
    const char *names[] = {"part.10", "part.2", "part.1", "part.3", "part.4"};
    const uint64_t shard[] = {10, 2, 1, 3, 4};
    for (int i = 0; i < 5; i++)
        sample(&parts[i], shard[i], 10, names[i]);
    const cli_part_t *sorted[16];
    hald_error_t err;
    expect_order_refused(parts, 5, "5 of 10 shards missing: 5, 6, 7, 8, 9 (each of 1..10 must be given once)");
    for (int i = 0; i < 5; i++)
        parts[i].shards = 5;
    parts[0].shard = 5;
    assert_int_equal(cli_part_order(parts, 5, sorted, &err), HALD_OK);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(sorted[i]->shard, i + 1);
    assert_string_equal(sorted[4]->path, "part.10");

    parts[3].shard = 2;
    expect_order_refused(parts, 5, "shard 2 of 5 given twice: part.2 and part.3");
    parts[3].shard = 3;
    parts[2].shards = 6;
    expect_order_refused(parts, 5, "part.1: shard 1 of 6, but part.10 is one of 5");
    parts[2].shards = 5;
    parts[4].input_fingerprint ^= 1;
    expect_order_refused(parts, 5, "part.4: from another input than part.10");
    parts[4].input_fingerprint ^= 1;
    strcpy(parts[1].format, "bin");
    expect_order_refused(parts, 5, "part.2: format bin, but part.10 is tsv");
    strcpy(parts[1].format, "tsv");
    strcpy(parts[1].models, "mean");
    expect_order_refused(parts, 5, "part.2: models mean, but part.10 has both");
    strcpy(parts[1].models, "both");
    strcpy(parts[3].command, "scan");
    expect_order_refused(parts, 5, "part.3: written by hald scan, but part.10 by hald score");
    strcpy(parts[3].command, "score");
    parts[3].weights[0] = '0';
    expect_order_refused(parts, 5, "part.3: scored with other weights");
    strcpy(parts[3].weights, HALD_WEIGHTS_SHA256);
    free(parts[2].options);
    parts[2].options = strdup("format=auto\nany-length=yes\nmax-length=256M\n");
    expect_order_refused(parts, 5, "part.1: run with --any-length=yes, but part.10 with --any-length=no");
    for (int i = 0; i < 5; i++)
        cli_part_free(&parts[i]);
}

/* ================================================================ a run */

static void pack(const char *text, const char *path)
{
    hald_error_t err;
    hald_reader_t *in = hald_reader_from_memory(text, strlen(text), "mem", &err);
    hald_sink_t *out = hald_sink_open(path, &err);
    assert_true(in && out);
    hald_pack_opts_t o;
    hald_pack_opts_init(&o);
    o.frame_size = 16;
    assert_int_equal(hald_pack(in, out, &o, NULL, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(out, &err), HALD_OK);
    hald_reader_close(in);
}

static int parse_args(const char *cmd, cli_settings_t *s, int argc, char **argv)
{
    argv[0] = (char *)cmd;
    return cli_parse(cli_find_command(cmd), argc, argv, s);
}

static void test_write(void **state)
{
    (void)state;
    const char *in = path_of("in.zst"), *out = path_of("part.2.tsv"), *manifest = path_of("part.2.tsv.hald-part");
    pack(">a\nACGT\n>b\nCCGG\n>c\nTTTT\n", in);
    const char *rows = "id\tmean\nb\tNA\n";
    FILE *f = fopen(out, "wb");
    assert_non_null(f);
    fputs(rows, f);
    fclose(f);
    char weights[512];
    snprintf(weights, sizeof weights, "%s/weights/HAL_mer_scores.npz", HALD_SHARED_DIR);
    char *argv[] = {NULL, "--shard", "2/3", "--in", (char *)in, "--out", (char *)out, "--weights", weights,
                    "--max-length", "1M", NULL};
    cli_settings_t s;
    assert_int_equal(parse_args("score", &s, 11, argv), -1);
    cli_ctx_t c = {.verbosity = 0};
    hald_error_t err;
    assert_int_equal(cli_part_write(&c, cli_find_command("score"), &s, "tsv", HALD_MODELS_MEAN, 1, &err), HALD_OK);
    cli_part_t p;
    int rc = cli_part_read(out, &p, &err);
    if (rc != HALD_OK)
        fail_msg("%s", err.msg);
    struct stat st;
    assert_int_equal(stat(in, &st), 0);
    assert_string_equal(p.path, out);
    assert_int_equal(p.shard, 2);
    assert_int_equal(p.shards, 3);
    assert_string_equal(p.command, "score");
    assert_string_equal(p.models, "mean");
    assert_string_equal(p.weights, HALD_WEIGHTS_SHA256);
    assert_string_equal(p.options, "format=auto\nany-length=no\nmax-length=1M\n");
    assert_string_equal(p.input, in);
    assert_int_equal(p.input_bytes, (uint64_t)st.st_size);
    assert_int_equal(p.records, 1);
    assert_int_equal(p.bytes, strlen(rows));
    assert_int_equal(p.crc, (uint32_t)crc32(0, (const Bytef *)rows, (uInt)strlen(rows)));
    cli_part_free(&p);

    /* The input's fingerprint follows its frames' text. */
    uint64_t bytes;
    uint32_t fp1, fp2;
    assert_int_equal(hald_merge_input_id(in, &bytes, &fp1, &err), HALD_OK);
    pack(">a\nACGT\n>b\nCCGA\n>c\nTTTT\n", path_of("other.zst"));
    assert_int_equal(hald_merge_input_id(path_of("other.zst"), &bytes, &fp2, &err), HALD_OK);
    assert_int_not_equal(fp1, fp2);
    assert_int_not_equal(hald_merge_input_id(out, &bytes, &fp2, &err), HALD_OK);
    assert_non_null(strstr(err.msg, "not a packed file"));

    /* No --shard: no manifest. */
    unlink(manifest);
    char *plain[] = {NULL, "--in", (char *)in, "--out", (char *)out, NULL};
    assert_int_equal(parse_args("score", &s, 5, plain), -1);
    assert_int_equal(cli_part_write(&c, cli_find_command("score"), &s, "tsv", HALD_MODELS_MEAN, 1, &err), HALD_OK);
    assert_int_not_equal(access(manifest, F_OK), 0);
    assert_int_not_equal(cli_part_read(out, &p, &err), HALD_OK);
    assert_non_null(strstr(err.msg, "part.2.tsv: no manifest"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused_text),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_write),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
