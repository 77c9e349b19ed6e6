/* Logging in minimap2's style, exit codes, weights, jobs and progress. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sched.h>

double cli_realtime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_log(const cli_ctx_t *c, int level, const char *func, const char *fmt, ...)
{
    if (c->verbosity < level)
        return;
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr); /* one line at a time from the daemon's threads */
    fprintf(stderr, "[M::%s] ", func);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

void cli_warn(const cli_ctx_t *c, const char *func, const char *fmt, ...)
{
    if (c->verbosity < 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr); /* one line at a time from the daemon's threads */
    fprintf(stderr, "[W::%s] ", func);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}

void cli_warn_empty(const cli_ctx_t *c, const char *func, const char *input, const char *what)
{
    cli_warn(c, func, "%s: no %s", strcmp(input, "-") == 0 ? "(stdin)" : input, what);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[E::hald] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const hald_error_t *err)
{
    cli_errorf("%s", err->msg[0] ? err->msg : "unknown error");
    switch (err->code) {
    case HALD_E_IO:
    case HALD_E_NOMEM:
        return EXIT_IO;
    default:
        return EXIT_USAGE;
    }
}

void cli_log_footer(const cli_ctx_t *c)
{
    if (c->verbosity < 2)
        return;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                 (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    fprintf(stderr, "[M::main] Version: %s\n[M::main] CMD:", HALD_VERSION);
    for (int i = 0; i < c->argc; i++)
        fprintf(stderr, " %s", c->argv[i]);
    fprintf(stderr, "\n[M::main] Real time: %.3f sec; CPU: %.3f sec; Peak RSS: %.3f GB\n",
            cli_realtime() - c->start_real, cpu, (double)ru.ru_maxrss / 1048576.0);
}

/* ---------------------------------------------------------------- weights */

/* Directory of the running executable, or NULL. */
static const char *exe_dir(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return buf;
}

int cli_load_weights(const cli_ctx_t *c, const char *explicit_path, hald_weights_t *w,
                     hald_error_t *err)
{
    char dir_buf[PATH_MAX], path[PATH_MAX];
    const char *dir = exe_dir(dir_buf, sizeof dir_buf);
    int rc = hald_weights_resolve(explicit_path, NULL, dir, path, sizeof path, err);
    if (rc != HALD_OK)
        return rc;
    rc = hald_weights_load(path, w, err);
    if (rc != HALD_OK)
        return rc;
    if (c->verbosity >= 2) {
        char hex[65];
        hald_sha256_hex(w->sha256, hex);
        cli_log(c, 2, "weights", "%s (sha256 %s%s)", path, hex,
                strcmp(hex, HALD_WEIGHTS_SHA256) == 0 ? ", the published table"
                                                      : ", NOT the published table");
    }
    return HALD_OK;
}

int cli_weights(const cli_ctx_t *c, const cli_settings_t *s, hald_weights_t **out, hald_cpu_t *cpu,
                hald_error_t *err)
{
    *out = NULL;
    int rc = hald_cpu_select(s->cpu, cpu, err);
    if (rc != HALD_OK)
        return rc;
    hald_weights_t *w = malloc(sizeof *w);
    if (!w)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    rc = cli_load_weights(c, s->weights, w, err);
    if (rc != HALD_OK) {
        free(w);
        return rc;
    }
    *out = w;
    return HALD_OK;
}

int cli_scorer(const cli_ctx_t *c, const cli_settings_t *s, hald_scorer_t **out, hald_error_t *err)
{
    hald_cpu_t cpu;
    hald_weights_t *w;
    int rc = cli_weights(c, s, &w, &cpu, err);
    if (rc != HALD_OK)
        return rc;
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    if (scorer)
        hald_scorer_init(scorer, w, cpu, s->any_length);
    free(w);
    if (!scorer)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    cli_log(c, 2, "main", "CPU path: %s", hald_cpu_name(cpu));
    *out = scorer;
    return HALD_OK;
}

/* ---------------------------------------------------------------- input */

int cli_input(const cli_command_t *cmd, cli_settings_t *s)
{
    if (!cli_given(s, cmd, "in") && isatty(STDIN_FILENO)) {
        cli_errorf("no input: give a FILE, or '-' for stdin (see hald %s --help)", cmd->name);
        return EXIT_USAGE;
    }
    return -1;
}

/* ---------------------------------------------------------------- signals */

static char guarded_path[PATH_MAX];

static void remove_guarded(int sig)
{
    if (guarded_path[0])
        unlink(guarded_path); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_guard_temp(const char *path)
{
    /* Every signal whose default action ends the process and that a
     * handler may catch. */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE,
                               SIGALRM, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF};
    if (!path || strlen(path) >= sizeof guarded_path) {
        guarded_path[0] = '\0';
        return;
    }
    memcpy(guarded_path, path, strlen(path) + 1);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = remove_guarded;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---------------------------------------------------------------- progress */

static void format_eta(char *buf, size_t cap, double seconds)
{
    if (seconds < 90)
        snprintf(buf, cap, "%.0f s", seconds);
    else if (seconds < 5400)
        snprintf(buf, cap, "%.0f min", seconds / 60);
    else
        snprintf(buf, cap, "%.1f h", seconds / 3600);
}

void cli_progress_line(char *buf, size_t cap, const hald_progress_t *p, int tty)
{
    char where[64] = "";
    if (p->bytes_total > 0 && p->bytes_in <= p->bytes_total) {
        double frac = (double)p->bytes_in / (double)p->bytes_total;
        if (p->final) {
            snprintf(where, sizeof where, ", 100%%");
        } else if (frac > 0) {
            char eta[32];
            format_eta(eta, sizeof eta, p->seconds * (1 - frac) / frac);
            snprintf(where, sizeof where, ", %.0f%% (%s left)", 100 * frac, eta);
        }
    }
    double mb_s = p->seconds > 0 ? (double)p->bytes_in / 1e6 / p->seconds : 0.0;
    snprintf(buf, cap, "%s[M::%s] %llu %s, %.1f MB/s, %.1f s%s%s%s", tty ? "\r" : "", p->task,
             (unsigned long long)p->items, p->items_name, mb_s, p->seconds, where,
             tty ? "\033[K" : "", !tty || p->final ? "\n" : "");
}

/* On a terminal the line is rewritten in place; otherwise (a Slurm log) a
 * plain line every `interval` seconds, and one at the end. */
static void show_progress(void *ctx, const hald_progress_t *p)
{
    cli_job_t *job = ctx;
    if (!job->tty && !p->final && p->seconds - job->last_line < (double)job->interval)
        return;
    job->last_line = p->seconds;
    char line[256];
    cli_progress_line(line, sizeof line, p, job->tty);
    fputs(line, stderr);
    fflush(stderr);
}

/* -v on several ranks: what each rank read and moved, so that the traffic
 * through rank 0 can be checked. */
static void show_rank_io(void *ctx, int rank, const hald_rank_io_t *io)
{
    cli_log(ctx, 2, "mpi", "rank %d: read %llu bytes, sent %llu bytes, received %llu bytes", rank,
            (unsigned long long)io->read, (unsigned long long)io->sent,
            (unsigned long long)io->received);
    if (rank == 0 && io->units_away)
        cli_log(ctx, 2, "mpi", "rank 0: %llu units worked elsewhere, %.1f us of its serial steps each",
                (unsigned long long)io->units_away, 1e6 * io->serial_seconds / (double)io->units_away);
}

/* ---------------------------------------------------------------- jobs */

/* Threads when --threads is not given: OMP_NUM_THREADS, as OpenMP
 * programs do, else the cores this process may run on (one per rank when
 * mpirun binds ranks to cores). */
static int default_threads(void)
{
    const char *env = getenv("OMP_NUM_THREADS");
    char *end;
    unsigned long long n = env ? strtoull(env, &end, 10) : 0;
    if (env && end != env && (*end == '\0' || *end == ',') && n >= 1)
        return n < 4096 ? (int)n : 4096; /* "4,2" (nested levels): the first; --threads' cap */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set) < 4096 ? CPU_COUNT(&set) : 4096;
    return 1;
}

int cli_threads(const cli_settings_t *s)
{
    return s->threads ? (int)s->threads : default_threads();
}

int cli_job_start(cli_ctx_t *c, const cli_settings_t *s, cli_job_t *job, hald_error_t *err)
{
    memset(job, 0, sizeof *job);
    hald_run_env_init(&job->env);
    int rc = hald_mpi_start(NULL, NULL, &job->mpi, err);
    if (rc != HALD_OK)
        return rc;
    job->rank = hald_mpi_rank(job->mpi);
    if (job->rank != 0 && c->verbosity < 2)
        c->verbosity = 0;
    job->env.mpi = job->mpi;
    job->env.threads = cli_threads(s);
    job->tty = isatty(STDERR_FILENO);
    job->interval = (unsigned)s->progress_interval;
    int wanted = s->progress || c->verbosity >= 2 || (job->tty && c->verbosity >= 1);
    if (job->rank == 0 && c->verbosity >= 1 && wanted) {
        job->env.progress = show_progress;
        job->env.progress_ctx = job;
    }
    if (job->rank == 0 && job->mpi && c->verbosity >= 2) {
        job->env.rank_io = show_rank_io;
        job->env.rank_io_ctx = c;
    }
    cli_log(c, 2, "main", "%d thread(s) on rank %d of %d", job->env.threads, job->rank,
            hald_mpi_size(job->mpi));
    return HALD_OK;
}

int cli_open_output(const cli_job_t *job, const char *in, const char *path, int binary,
                    hald_sink_t **out, hald_error_t *err)
{
    *out = NULL;
    if (job->rank != 0)
        return HALD_OK;
    /* Writing the input's own inode would destroy it as it is read. */
    struct stat a, b;
    if (in && strcmp(in, "-") != 0 && strcmp(path, "-") != 0 && stat(in, &a) == 0 &&
        stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino && S_ISREG(a.st_mode))
        return hald_error_set(err, HALD_E_USAGE, "%s: --out is the input file itself", path);
    hald_sink_t *s = hald_sink_open(path, err);
    if (!s)
        return err->code;
    /* Under mpirun every rank's stdout is a pseudo-terminal that mpirun
     * copies, raw, to its own stdout, which may well be a file: only
     * without a launcher does a terminal mean a person's screen. */
    int launched = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK");
    if (binary && hald_sink_is_tty(s) && !launched) {
        hald_sink_abort(s);
        return hald_error_set(err, HALD_E_USAGE, "refusing to write binary output to a terminal (use --out)");
    }
    cli_guard_temp(hald_sink_temp_path(s));
    *out = s;
    return HALD_OK;
}

int cli_close_output(hald_sink_t *out, int rc, hald_error_t *err)
{
    if (rc == HALD_OK && out)
        rc = hald_sink_commit(out, err);
    else
        hald_sink_abort(out);
    cli_guard_temp(NULL);
    return rc;
}

int cli_job_end(cli_ctx_t *c, cli_job_t *job, int rc, hald_error_t *err)
{
    if (rc != HALD_OK) {
        if (job->rank != 0) {
            hald_error_t ranked = *err;
            hald_error_set(&ranked, err->code, "rank %d: %.*s", job->rank,
                           HALD_ERROR_MSG_MAX - 32, err->msg);
            *err = ranked;
        }
        int code = cli_fail(err);
        if (job->mpi)
            hald_mpi_abort(job->mpi, code); /* ends every rank; temporaries are gone */
        return code;
    }
    if (hald_mpi_finish(job->mpi) != HALD_OK) {
        cli_errorf("MPI_Finalize failed");
        return EXIT_IO;
    }
    if (job->rank == 0)
        cli_log_footer(c);
    return 0;
}

void cli_log_na(const cli_ctx_t *c, const char *func, hald_model_set_t models,
                const hald_run_stats_t *st)
{
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(models & (1u << m)))
            continue;
        uint64_t total = 0;
        char detail[512] = "";
        size_t len = 0;
        for (int r = 1; r < HALD_N_NA; r++) {
            if (!st->na[m][r])
                continue;
            total += st->na[m][r];
            len += (size_t)snprintf(detail + len, len < sizeof detail ? sizeof detail - len : 0,
                                    "%s%s: %llu", len ? ", " : "", hald_na_name((hald_na_t)r),
                                    (unsigned long long)st->na[m][r]);
        }
        if (total)
            cli_log(c, 1, func, "%s: %llu unscorable (NA): %s", hald_model_name((hald_model_t)m),
                    (unsigned long long)total, detail);
    }
}

int cli_load_sites(const cli_ctx_t *c, const cli_settings_t *s, const char *func, int genes,
                   hald_sites_t *sites, hald_error_t *err)
{
    sites->name_genes = genes;
    int rc = s->sites_bed ? hald_sites_read_bed(sites, s->sites_bed, err)
                          : hald_sites_read_gtf(sites, s->sites_gtf, err);
    if (rc == HALD_OK)
        rc = hald_sites_finish(sites, err);
    if (rc == HALD_OK)
        cli_log(c, 2, func, "%llu sites on %zu sequences", (unsigned long long)sites->total, sites->n);
    return rc;
}
