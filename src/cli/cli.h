/* hald command line: shared pieces of the subcommands. */
#ifndef HALD_CLI_H
#define HALD_CLI_H

#include <stdio.h>

#include "hald/engine.h"
#include "hald/error.h"
#include "hald/mpi.h"
#include "hald/score.h"
#include "hald/weights.h"

/* What every subcommand knows about the run: verbosity and the command
 * line for the closing log line.  Passed around, never global. */
typedef struct cli_ctx {
    int verbosity; /* 0 quiet (-q), 1 default, 2+ verbose (-v) */
    int argc;
    char **argv;
    double start_real;
    const char *prog;
} cli_ctx_t;

#define EXIT_USAGE 1
#define EXIT_IO 2

void cli_log(const cli_ctx_t *c, int level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cli_error(const cli_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints err and returns the exit code for its status. */
int cli_fail(const cli_ctx_t *c, const hald_error_t *err);
/* The closing "[M::main] Version ... Real time ... Peak RSS" line (-v). */
void cli_log_footer(const cli_ctx_t *c);

double cli_realtime(void);
/* Directory of the running executable, or NULL. */
const char *cli_exe_dir(char *buf, size_t cap);
/* Resolves and loads the weights (--weights, HALD_WEIGHTS, search path). */
int cli_load_weights(const cli_ctx_t *c, const char *explicit_path, hald_weights_t *w,
                     hald_error_t *err);
/* Parses a positive count with optional K/M/G (powers of 1024) suffix;
 * -1 on overflow or junk. */
int cli_parse_size(const char *s, unsigned long long *out);

/* Removes `path` (a temporary output) if a signal ends the process before
 * it is renamed; NULL stops guarding.  The one piece of global state: a
 * signal handler can reach nothing else. */
void cli_guard_temp(const char *path);

/* A run that may be one rank of an MPI job. */
typedef struct cli_job {
    hald_mpi_t *mpi; /* NULL: a single process */
    int rank;
    hald_transport_t tp;
} cli_job_t;

/* Starts MPI when launched as one of several ranks; quiets ranks other
 * than 0 (rank 0 speaks for the job).  Returns HALD_OK or err. */
int cli_job_start(cli_ctx_t *c, cli_job_t *job, hald_error_t *err);
/* The transport to the other ranks, or NULL for a single process. */
const hald_transport_t *cli_job_transport(const cli_job_t *job);
/* Ends the run with its status: on failure prints err (prefixed with the
 * rank) and ends every rank; else finalises MPI and prints the -v footer.
 * Returns the exit code. */
int cli_job_end(cli_ctx_t *c, cli_job_t *job, int rc, hald_error_t *err);

int cmd_score(cli_ctx_t *c, int argc, char **argv);
int cmd_pack(cli_ctx_t *c, int argc, char **argv);
int cmd_scan(cli_ctx_t *c, int argc, char **argv);
int cmd_view(cli_ctx_t *c, int argc, char **argv);
int cmd_weights(cli_ctx_t *c, int argc, char **argv);

#endif
