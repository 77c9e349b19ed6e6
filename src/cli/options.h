/* hald command line — the one option table.
 *
 * Every option of every subcommand is one row: name, short letter, kind of
 * value, default, help text, which subcommands take it and where its value
 * goes.  getopt_long's table, each subcommand's --help, the man page (and,
 * with the config file, its keys) are all made from these rows, so they
 * cannot disagree. */
#ifndef HALD_CLI_OPTIONS_H
#define HALD_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hald/buf.h"
#include "hald/hexamer.h"
#include "hald/records.h"
#include "hald/score.h"
#include "hald/score_writer.h"
#include "hald/site_writer.h"
#include "hald/variants_run.h"

/* The exit status of a usage error. */
#define CLI_EXIT_USAGE 1

/* Subcommands, as bits of an option's `commands`. */
enum {
    CMD_SCORE = 1u << 0,
    CMD_SCAN = 1u << 1,
    CMD_VIEW = 1u << 2,
    CMD_PACK = 1u << 3,
    CMD_WEIGHTS = 1u << 4,
    CMD_PAIRS = 1u << 5,
    CMD_VARIANTS = 1u << 6,
    CMD_CONFIG = 1u << 7,
    CMD_SERVE = 1u << 8,
    CMD_MERGE = 1u << 9,
    CMD_ALL = (1u << 10) - 1,
    /* long-running: threads, progress */
    CMD_RUNS = CMD_SCORE | CMD_SCAN | CMD_VIEW | CMD_PACK | CMD_PAIRS | CMD_VARIANTS | CMD_MERGE,
    CMD_MODELS = CMD_SCORE | CMD_SCAN | CMD_PAIRS | CMD_VARIANTS | CMD_SERVE /* load the weights */
};

/* Every value any subcommand takes, after parsing. */
typedef struct cli_settings {
    const char *in, *out, *weights;
    const char *sites_bed, *sites_gtf;
    const char *fasta, *vcf, *region;
    int lenient;
    const char *socket, *listen; /* hald serve */
    int socket_group;
    uint64_t max_connections, max_body, max_line, idle_timeout;
    hald_variant_out_t variant_out;
    hald_format_t format;
    hald_model_set_t models;
    hald_out_format_t score_out;
    hald_scan_out_t scan_out;
    hald_cpu_t cpu;
    char strand;
    int any_length, strict, progress, genome;
    uint64_t threads;          /* 0: $OMP_NUM_THREADS, else the cores available */
    uint64_t max_length, chunk_size, frame_size, level;
    uint64_t shard_index, shard_count; /* 0-based index; count 0: no shard */
    uint64_t progress_interval;        /* seconds between lines when stderr is not a terminal */
    int verbosity;             /* 0 quiet, 1 default, 2+ verbose */
    int help, version;
    uint64_t given;            /* bit i: option row i was on the command line */
    const char *config;        /* --config FILE */
    char **operands;           /* hald merge: its PART operands */
    size_t n_operands;
    /* Where each row's value came from: its text as given (NULL: unset),
     * the layer (cli_origin_t) and, for a file, which one and the line. */
    const char *text[64];
    uint8_t origin[64];
    const char *origin_file[64];
    unsigned origin_line[64];
    hald_buf_t owned;          /* char *: strings copied from config files */
} cli_settings_t;

/* The layers a value comes from, lowest first: each overrides the ones
 * before it. */
typedef enum cli_origin {
    CLI_FROM_DEFAULT,
    CLI_FROM_SYSTEM,  /* /etc/hald/hald.conf */
    CLI_FROM_USER,    /* $XDG_CONFIG_HOME/hald/hald.conf */
    CLI_FROM_CONFIG,  /* --config FILE */
    CLI_FROM_ENV,     /* HALD_<KEY> */
    CLI_FROM_LINE     /* the command line */
} cli_origin_t;

typedef enum cli_opt_kind {
    OPT_FLAG,      /* no value: sets an int to 1 */
    OPT_VALUE,     /* a value, checked and stored by the row's parser */
    OPT_QUIET,     /* -q: verbosity 0 */
    OPT_VERBOSE    /* -v: verbosity + 1 (repeatable) */
} cli_opt_kind_t;

typedef struct cli_option cli_option_t;
/* Parses text into the settings field at `dst`: 0, or -1 (the caller
 * names the option, the value and `expect`). */
typedef int (*cli_parse_fn)(const cli_option_t *o, const char *text, void *dst);

struct cli_option {
    const char *name;        /* long name (and config key) */
    char letter;             /* short option, 0 if none */
    cli_opt_kind_t kind;
    const char *metavar;     /* the value's name in help: FILE, N, ... */
    const char *def;         /* default as shown and parsed; NULL: none */
    unsigned commands;       /* CMD_* bits */
    const char *group;       /* help section: Input, Model, Output, Run, General */
    const char *help;
    const char *expect;      /* what a valid value looks like, for errors */
    size_t offset;           /* of the value in cli_settings_t */
    cli_parse_fn parse;
    uint64_t min, max;       /* numbers: the valid range */
};

typedef struct cli_command {
    const char *name;
    unsigned bit;
    const char *usage;       /* after "hald NAME " */
    const char *summary;     /* one line, for the command list */
    const char *description; /* a paragraph for --help and the man page */
} cli_command_t;

extern const cli_option_t CLI_OPTIONS[];
extern const size_t CLI_N_OPTIONS;
extern const cli_command_t CLI_COMMANDS[];
extern const size_t CLI_N_COMMANDS;

/* Parses a count with optional K/M/G (powers of 1024) suffix; -1 on
 * overflow or junk. */
int cli_parse_size(const char *s, unsigned long long *out);
/* The command called name, or NULL. */
const cli_command_t *cli_find_command(const char *name);
/* Parses argv (argv[0] is the command's name) for cmd into s, defaults
 * first.  Returns -1 to go on, or an exit code (after printing help, the
 * version or an error). */
int cli_parse(const cli_command_t *cmd, int argc, char **argv, cli_settings_t *s);
/* Frees what parsing kept (strings read from config files). */
void cli_settings_free(cli_settings_t *s);
/* Sets option row `row` from text, as a config file or variable gives it
 * (flags take yes/no, true/false, on/off or 1/0; verbose a count), or from
 * the command line (text NULL for a flag, -q or -v); records the origin.
 * Returns 0, or -1 for a value the row does not accept. */
int cli_set_row(size_t row, const char *text, cli_origin_t origin, const char *file,
                unsigned line, cli_settings_t *s);
/* Whether row applies to cmd. */
int cli_row_applies(size_t row, const cli_command_t *cmd);
/* The row called name (dashes or underscores) that cmd takes, or for cmd
 * NULL the first row of that name; CLI_N_OPTIONS if none. */
size_t cli_find_row(const char *name, const cli_command_t *cmd);
/* Whether a row can be set by a config file or variable (not --help,
 * --version or --config). */
int cli_row_configurable(size_t row);
/* Whether the option `name` was given on the command line. */
int cli_given(const cli_settings_t *s, const cli_command_t *cmd, const char *name);
/* The subcommand's --help text. */
void cli_print_help(FILE *fp, const cli_command_t *cmd);
/* The list of subcommands (hald --help). */
void cli_print_commands(FILE *fp);
/* conf/hald.conf: every key, commented out, with the defaults. */
void cli_print_config_template(FILE *fp);
/* The man page, hald.1, in roff. */
void cli_print_man(FILE *fp);

#endif
