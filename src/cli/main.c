/* hald: score DNA windows with the HAL splicing model.  A thin layer over
 * the library: parse options (src/cli/options.c), call a job, print what
 * it reports. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef int (*cmd_fn)(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);

static cmd_fn command_fn(const cli_command_t *cmd)
{
    switch (cmd->bit) {
    case CMD_SCORE: return cmd_score;
    case CMD_SCAN: return cmd_scan;
    case CMD_VIEW: return cmd_view;
    case CMD_PACK: return cmd_pack;
    case CMD_PAIRS: return cmd_pairs;
    case CMD_VARIANTS: return cmd_variants;
    case CMD_CONFIG: return cmd_config;
    case CMD_SERVE: return cmd_serve;
    case CMD_MERGE: return cmd_merge;
    default: return cmd_weights;
    }
}

/* --version, with -v the weights a run would load and their sha256. */
static int show_version(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    if (s->verbosity < 2) {
        printf("hald %s\n", HALD_VERSION);
        return 0;
    }
    return cmd_weights(c, cmd, s);
}

static int run_command(cli_ctx_t *c, const cli_command_t *cmd, int argc, char **argv)
{
    cli_settings_t s;
    c->cmd_argc = argc;
    c->cmd_argv = argv;
    int code = cli_parse(cmd, argc, argv, &s);
    if (code >= 0) {
        cli_settings_free(&s);
        return code;
    }
    c->verbosity = s.verbosity;
    if (s.version)
        code = show_version(c, cmd, &s);
    else
        code = command_fn(cmd)(c, cmd, &s);
    cli_settings_free(&s);
    return code;
}

int main(int argc, char **argv)
{
    /* Units of a few MiB are allocated and freed all run long: keep them in
     * the heap instead of mapping fresh zeroed pages for each one. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    cli_ctx_t c = {.verbosity = 1, .argc = argc, .argv = argv};
    c.start_real = cli_realtime();
    const cli_command_t *score = cli_find_command("score");
    if (argc < 2) {
        if (isatty(STDIN_FILENO)) {
            cli_print_commands(stderr);
            return EXIT_USAGE;
        }
        return run_command(&c, score, argc, argv); /* sequences on stdin */
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        cli_print_commands(stdout);
        return 0;
    }
    if (strcmp(word, "config-template") == 0) { /* conf/hald.conf (a test keeps them equal) */
        cli_print_config_template(stdout);
        return 0;
    }
    if (strcmp(word, "man") == 0) { /* for the build: hald.1 */
        cli_print_man(stdout);
        return 0;
    }
    if (word[0] == '-')
        return run_command(&c, score, argc, argv); /* hald --in ...: score */
    const cli_command_t *cmd = cli_find_command(word);
    if (!cmd) {
        cli_errorf("unknown command '%s' (hald --help lists them%s)", word,
                   access(word, F_OK) == 0 ? "; to score a file: hald score FILE" : "");
        return EXIT_USAGE;
    }
    return run_command(&c, cmd, argc - 1, argv + 1);
}
