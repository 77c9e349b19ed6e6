/* hald command line: what the subcommands share. */
#ifndef HALD_CLI_H
#define HALD_CLI_H

#include <stdio.h>

#include "hald/hald.h"
#include "options.h"

/* What every subcommand knows about the run: verbosity and the command
 * line for the closing log line.  Passed around, never global. */
typedef struct cli_ctx {
    int verbosity; /* 0 quiet (-q), 1 default, 2+ verbose (-v) */
    int argc;
    char **argv;
    int cmd_argc;      /* the command's own arguments (argv[0] its name): */
    char **cmd_argv;   /* hald serve parses them again on SIGHUP */
    double start_real;
} cli_ctx_t;

#define EXIT_USAGE CLI_EXIT_USAGE
#define EXIT_IO 2

void cli_log(const cli_ctx_t *c, int level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "[W::func] message" on stderr unless -q. */
void cli_warn(const cli_ctx_t *c, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A run that read nothing is not an error (an empty shard of a pipeline),
 * but worth a word: "[W::func] NAME: no WHAT". */
void cli_warn_empty(const cli_ctx_t *c, const char *func, const char *input, const char *what);
/* "[E::hald] message" on stderr, whatever the verbosity. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err and returns the exit code for its status. */
int cli_fail(const hald_error_t *err);
/* The closing "[M::main] Version ... Real time ... Peak RSS" line (-v). */
/* The "N unscorable (NA): reason: count, ..." lines of a run's models. */
void cli_log_na(const cli_ctx_t *c, const char *func, hald_model_set_t models,
                const hald_run_stats_t *st);
void cli_log_footer(const cli_ctx_t *c);
double cli_realtime(void);

/* Resolves and loads the weights (--weights, HALD_WEIGHTS, search path). */
int cli_load_weights(const cli_ctx_t *c, const char *explicit_path, hald_weights_t *w,
                     hald_error_t *err);

/* Removes `path` (a temporary output) if a signal ends the process before
 * it is renamed; NULL stops guarding.  The one piece of global state: a
 * signal handler can reach nothing else. */
void cli_guard_temp(const char *path);

/* A run that may be one rank of an MPI job, with its threads and progress
 * display. */
typedef struct cli_job {
    hald_mpi_t *mpi;         /* NULL: a single process */
    int rank;
    hald_run_env_t env;
    /* progress display */
    int tty;
    unsigned interval;       /* seconds between lines when not a terminal */
    double last_line;
    int shown;               /* a progress line is on the terminal */
} cli_job_t;

/* A progress report as one line: "[M::scan] 123 sites, 80.1 MB/s, 2.0 s,
 * 45% (3 s left)"; on a terminal it starts with '\r' to rewrite itself
 * and ends with a newline only when final. */
void cli_progress_line(char *buf, size_t cap, const hald_progress_t *p, int tty);

/* Starts MPI when launched as one of several ranks, quiets ranks other
 * than 0 (rank 0 speaks for the job), and sets threads and progress from
 * the settings.  Returns HALD_OK or err. */
int cli_job_start(cli_ctx_t *c, const cli_settings_t *s, cli_job_t *job, hald_error_t *err);
/* --threads, else $OMP_NUM_THREADS, else the cores this process may use. */
int cli_threads(const cli_settings_t *s);
/* Opens the output on rank 0 (NULL elsewhere), refusing a terminal for
 * binary output and the input file itself, and guards its temporary. */
int cli_open_output(const cli_job_t *job, const char *in, const char *path, int binary,
                    hald_sink_t **out, hald_error_t *err);
/* Commits (rc == HALD_OK) or aborts the output. */
int cli_close_output(hald_sink_t *out, int rc, hald_error_t *err);
/* Ends the run with its status: on failure prints err (prefixed with the
 * rank) and ends every rank; else finalises MPI and prints the -v footer.
 * Returns the exit code. */
int cli_job_end(cli_ctx_t *c, cli_job_t *job, int rc, hald_error_t *err);
/* The settings' weights, loaded (free *out), and their CPU path. */
int cli_weights(const cli_ctx_t *c, const cli_settings_t *s, hald_weights_t **out, hald_cpu_t *cpu,
                hald_error_t *err);
/* A scorer for the settings' weights, CPU path and --any-length. */
int cli_scorer(const cli_ctx_t *c, const cli_settings_t *s, hald_scorer_t **out,
               hald_error_t *err);

/* The input: --in or the operand; stdin ("-") when neither is given and
 * stdin is not a terminal.  Returns -1 to go on, or an exit code. */
int cli_input(const cli_command_t *cmd, cli_settings_t *s);

/* The sites of --sites or --gtf, sorted and merged; genes: GTF sites
 * named by gene rather than transcript. */
int cli_load_sites(const cli_ctx_t *c, const cli_settings_t *s, const char *func, int genes,
                   hald_sites_t *sites, hald_error_t *err);

int cmd_score(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_scan(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_view(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_pack(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_variants(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_pairs(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_weights(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_config(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_serve(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);
int cmd_merge(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s);

#endif
