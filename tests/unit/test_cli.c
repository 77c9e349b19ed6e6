/* The command line's option table (src/cli/options.c) and progress line
 * (src/cli/common.c): every subcommand parses from the one table, with its
 * defaults; the table is consistent; help, the man page and progress lines
 * say what they should. */
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

#include "../../src/cli/cli.h"
#include "../../src/cli/config.h"

static int parse(const char *cmd, cli_settings_t *s, ...)
{
    char *argv[32] = {(char *)cmd};
    int argc = 1;
    va_list ap;
    va_start(ap, s);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL)
        argv[argc++] = (char *)a;
    va_end(ap);
    return cli_parse(cli_find_command(cmd), argc, argv, s);
}

static void test_defaults(void **state)
{
    (void)state;
    cli_settings_t s;
    assert_int_equal(parse("score", &s, NULL), -1);
    assert_int_equal(s.models, HALD_MODELS_MEAN);
    assert_string_equal(s.in, "-");
    assert_string_equal(s.out, "-");
    assert_int_equal(s.score_out, HALD_OUT_TSV);
    assert_int_equal(s.format, HALD_FORMAT_AUTO);
    assert_int_equal(s.max_length, UINT64_C(256) << 20);
    assert_int_equal(s.threads, 0); /* OMP_NUM_THREADS, else the cores */
    assert_int_equal(s.progress_interval, 10);
    assert_int_equal(s.verbosity, 1);
    assert_int_equal(s.shard_count, 0);
    assert_false(cli_given(&s, cli_find_command("score"), "in"));

    assert_int_equal(parse("scan", &s, NULL), -1);
    assert_int_equal(s.models, HALD_MODELS_BOTH);
    assert_int_equal(s.scan_out, HALD_SCAN_OUT_TSV);
    assert_int_equal(s.strand, '+');
    assert_int_equal(s.chunk_size, UINT64_C(1) << 20);

    assert_int_equal(parse("pack", &s, NULL), -1);
    assert_null(s.out);
    assert_int_equal(s.frame_size, UINT64_C(4) << 20);
    assert_int_equal(s.level, 3);
}

static void test_values(void **state)
{
    (void)state;
    cli_settings_t s;
    const cli_command_t *score = cli_find_command("score");
    assert_int_equal(parse("score", &s, "-m", "both", "-O", "bin", "--threads", "3", "--shard", "2/5",
                           "-vv", "--any-length", "--max-length", "2K", "reads.fa", NULL), -1);
    assert_int_equal(s.models, HALD_MODELS_BOTH);
    assert_int_equal(s.score_out, HALD_OUT_BIN);
    assert_int_equal(s.threads, 3);
    assert_int_equal(s.shard_index, 1);
    assert_int_equal(s.shard_count, 5);
    assert_int_equal(s.verbosity, 3);
    assert_int_equal(s.any_length, 1);
    assert_int_equal(s.max_length, 2048);
    assert_string_equal(s.in, "reads.fa");
    assert_true(cli_given(&s, score, "in")); /* the operand counts as --in */
    assert_true(cli_given(&s, score, "model"));
    assert_false(cli_given(&s, score, "cpu"));

    assert_int_equal(parse("scan", &s, "-O", "bedgraph", "--strand", "-", "--chunk-size", "7",
                           "-q", "--in", "g.fa", NULL), -1);
    assert_int_equal(s.scan_out, HALD_SCAN_OUT_BEDGRAPH);
    assert_int_equal(s.strand, '-');
    assert_int_equal(s.chunk_size, 7);
    assert_int_equal(s.verbosity, 0);
    assert_string_equal(s.in, "g.fa");
}

static void test_errors(void **state)
{
    (void)state;
    cli_settings_t s;
    assert_int_equal(parse("score", &s, "--model", "median", NULL), 1);
    assert_int_equal(parse("score", &s, "--threads", "0", NULL), 1);
    assert_int_equal(parse("score", &s, "--shard", "4/3", NULL), 1);
    assert_int_equal(parse("score", &s, "-O", "bed", NULL), 1);  /* a scan format */
    assert_int_equal(parse("scan", &s, "--strand", "x", NULL), 1);
    assert_int_equal(parse("score", &s, "--sites", "a.bed", NULL), 1); /* scan's option */
    assert_int_equal(parse("score", &s, "--out", NULL), 1);
    assert_int_equal(parse("score", &s, "a.fa", "b.fa", NULL), 1);
    assert_int_equal(parse("pack", &s, "--level", "23", NULL), 1);
    assert_int_equal(parse("weights", &s, "--threads", "2", NULL), 1);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Each layer over the one before: default < user file < --config < HALD_*
 * < command line; a [command] section for that command alone; origins
 * name the file and line. */
static void test_config_layers(void **state)
{
    (void)state;
    char dir[] = "/tmp/hald-test-cli.XXXXXX", path[256], conf[256], user[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hald", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(user, sizeof user, "%s/hald/hald.conf", dir);
    snprintf(conf, sizeof conf, "%s/extra.conf", dir);
    write_file(user, "# the user's\nthreads = 3\nmodel = regions\nchunk_size = 2M ; inline\n"
                     "[scan]\nmodel = mean\nstrand = -   # a comment\n");
    write_file(conf, "\nthreads = 5\nany-length = yes\n");
    assert_int_equal(setenv("XDG_CONFIG_HOME", dir, 1), 0);
    unsetenv("HALD_THREADS");
    unsetenv("HALD_MODEL");
    cli_settings_t s;

    assert_int_equal(parse("score", &s, NULL), -1);
    assert_int_equal(s.threads, 3);
    assert_int_equal(s.models, HALD_MODELS_REGIONS); /* the global line; [scan] is scan's */
    size_t row = cli_find_row("threads", cli_find_command("score"));
    assert_int_equal(s.origin[row], CLI_FROM_USER);
    char origin[512], want[512];
    cli_origin_text(&s, row, origin, sizeof origin);
    snprintf(want, sizeof want, "%s:2", user);
    assert_string_equal(origin, want);
    cli_settings_free(&s);

    assert_int_equal(parse("scan", &s, NULL), -1);
    assert_int_equal(s.models, HALD_MODELS_MEAN);
    assert_int_equal(s.strand, '-');
    assert_int_equal(s.chunk_size, UINT64_C(2) << 20);
    cli_settings_free(&s);

    assert_int_equal(parse("score", &s, "--config", conf, NULL), -1);
    assert_int_equal(s.threads, 5);
    assert_int_equal(s.any_length, 1);
    cli_settings_free(&s);

    assert_int_equal(setenv("HALD_THREADS", "7", 1), 0);
    assert_int_equal(parse("score", &s, "--config", conf, NULL), -1);
    assert_int_equal(s.threads, 7);
    assert_int_equal(s.origin[row], CLI_FROM_ENV);
    cli_settings_free(&s);
    assert_int_equal(parse("score", &s, "--config", conf, "-t", "2", NULL), -1);
    assert_int_equal(s.threads, 2);
    assert_int_equal(s.origin[row], CLI_FROM_LINE);
    cli_settings_free(&s);

    /* Errors: each names the file and line (checked by e2e/config.sh). */
    assert_int_equal(setenv("HALD_THREADS", "none", 1), 0);
    assert_int_equal(parse("score", &s, NULL), 1);
    cli_settings_free(&s);
    unsetenv("HALD_THREADS");
    static const char *const bad[] = {
        "treads = 2\n", "threads = 0\n", "[nosuch]\nthreads = 2\n", "[scan]\nany-length = yes\n",
        "[score]\nthreads = x\n", "help = yes\n", "just words\n", "strict = maybe\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(conf, bad[i]);
        assert_int_equal(parse("score", &s, "--config", conf, NULL), 1);
        cli_settings_free(&s);
    }
    char long_line[600];
    memset(long_line, 'a', sizeof long_line);
    memcpy(long_line, "weights = ", 10);
    long_line[sizeof long_line - 2] = '\n';
    long_line[sizeof long_line - 1] = '\0';
    write_file(conf, long_line); /* refused, not cut to inih's 200 bytes */
    assert_int_equal(parse("score", &s, "--config", conf, NULL), 1);
    cli_settings_free(&s);
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    assert_int_equal(parse("score", &s, "--config", path, NULL), 1);
    cli_settings_free(&s);

    unlink(conf);
    unlink(user);
    snprintf(path, sizeof path, "%s/hald", dir);
    rmdir(path);
    rmdir(dir);
    unsetenv("XDG_CONFIG_HOME");
}

/* One row per option and command; every default parses (cli_parse aborts
 * otherwise); every command takes --help, --version, -q and -v. */
static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < CLI_N_COMMANDS; c++) {
        const cli_command_t *cmd = &CLI_COMMANDS[c];
        cli_settings_t s;
        char *argv[] = {(char *)cmd->name, NULL};
        assert_int_equal(cli_parse(cmd, 1, argv, &s), -1);
        for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
            const cli_option_t *a = &CLI_OPTIONS[i];
            if (!(a->commands & cmd->bit))
                continue;
            assert_non_null(a->help);
            assert_true(strlen(a->help) > 5);
            for (size_t j = i + 1; j < CLI_N_OPTIONS; j++) {
                const cli_option_t *b = &CLI_OPTIONS[j];
                if (!(b->commands & cmd->bit))
                    continue;
                if (strcmp(a->name, b->name) == 0 || (a->letter && a->letter == b->letter))
                    fail_msg("hald %s: --%s and --%s clash", cmd->name, a->name, b->name);
            }
        }
        const char *must[] = {"help", "version", "quiet", "verbose"};
        for (size_t k = 0; k < 4; k++)
            assert_int_equal(cli_given(&s, cmd, must[k]), 0); /* exists, not given */
    }
}

/* Help and the man page are made from the table: every option shows. */
static void test_help_and_man(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    for (size_t c = 0; c < CLI_N_COMMANDS; c++) {
        const cli_command_t *cmd = &CLI_COMMANDS[c];
        FILE *fp = open_memstream(&text, &len);
        cli_print_help(fp, cmd);
        fclose(fp);
        /* Words keep their spaces, and no line passes 80 columns. */
        for (const char *line = text; *line;) {
            const char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            if (n > 80)
                fail_msg("hald %s --help: a line of %zu columns: %.*s", cmd->name, n, (int)n, line);
            line += n + (nl != NULL);
        }
        char first_words[32];
        snprintf(first_words, sizeof first_words, "%.*s", 20, cmd->description);
        if (!strstr(text, first_words))
            fail_msg("hald %s --help lost the description's spaces", cmd->name);
        for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
            const cli_option_t *o = &CLI_OPTIONS[i];
            char want[64];
            snprintf(want, sizeof want, "--%s", o->name);
            if ((o->commands & cmd->bit) && !strstr(text, want))
                fail_msg("hald %s --help lacks %s", cmd->name, want);
        }
        free(text);
    }
    FILE *fp = open_memstream(&text, &len);
    cli_print_man(fp);
    fclose(fp);
    assert_non_null(strstr(text, ".TH HALD 1"));
    for (size_t c = 0; c < CLI_N_COMMANDS; c++) {
        char want[64];
        snprintf(want, sizeof want, ".SH \"HALD %s\"", CLI_COMMANDS[c].name);
        assert_non_null(strstr(text, want));
    }
    assert_non_null(strstr(text, "\\fB\\-\\-progress\\-interval\\fR"));
    free(text);
}

static void test_progress_line(void **state)
{
    (void)state;
    char line[256];
    hald_progress_t p = {"scan", "sites", 123456, 50000000, 200000000, 2.0, 0};
    cli_progress_line(line, sizeof line, &p, 0);
    assert_string_equal(line, "[M::scan] 123456 sites, 25.0 MB/s, 2.0 s, 25% (6 s left)\n");
    cli_progress_line(line, sizeof line, &p, 1);
    assert_string_equal(line, "\r[M::scan] 123456 sites, 25.0 MB/s, 2.0 s, 25% (6 s left)\033[K");
    p.final = 1;
    p.bytes_in = p.bytes_total;
    cli_progress_line(line, sizeof line, &p, 1);
    assert_string_equal(line, "\r[M::scan] 123456 sites, 100.0 MB/s, 2.0 s, 100%\033[K\n");
    hald_progress_t pipe = {"score", "records", 7, 1000000, 0, 1.0, 0}; /* size unknown */
    cli_progress_line(line, sizeof line, &pipe, 0);
    assert_string_equal(line, "[M::score] 7 records, 1.0 MB/s, 1.0 s\n");
    hald_progress_t slow = {"pack", "records", 1, 1, 1000, 100.0, 0};
    cli_progress_line(line, sizeof line, &slow, 0);
    assert_non_null(strstr(line, ", 0% (27.8 h left)")); /* 1 byte of 1000 in 100 s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_config_layers),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_help_and_man),
        cmocka_unit_test(test_progress_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
