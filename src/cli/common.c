/* Logging in minimap2's style, exit codes, weights lookup for the CLI. */
#include "cli.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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
    fprintf(stderr, "[M::%s] ", func);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_error(const cli_ctx_t *c, const char *fmt, ...)
{
    (void)c; /* errors print even under -q */
    va_list ap;
    va_start(ap, fmt);
    fputs("[E::hald] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const cli_ctx_t *c, const hald_error_t *err)
{
    cli_error(c, "%s", err->msg[0] ? err->msg : "unknown error");
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

const char *cli_exe_dir(char *buf, size_t cap)
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
    char exe_dir_buf[PATH_MAX], path[PATH_MAX];
    const char *exe_dir = cli_exe_dir(exe_dir_buf, sizeof exe_dir_buf);
    int rc = hald_weights_resolve(explicit_path, NULL, exe_dir, path, sizeof path, err);
    if (rc != HALD_OK)
        return rc;
    rc = hald_weights_load(path, w, err);
    if (rc != HALD_OK)
        return rc;
    char hex[65];
    hald_sha256_hex(w->sha256, hex);
    cli_log(c, 2, "weights", "%s (sha256 %s%s)", path, hex,
            strcmp(hex, HALD_WEIGHTS_SHA256) == 0 ? ", the published table" : ", NOT the published table");
    return HALD_OK;
}

int cli_parse_size(const char *s, unsigned long long *out)
{
    errno = 0;
    char *end;
    if (*s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
        if (*end)
            return -1;
    }
    if (shift && v > (ULLONG_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
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
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
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

/* ---------------------------------------------------------------- jobs */

int cli_job_start(cli_ctx_t *c, cli_job_t *job, hald_error_t *err)
{
    memset(job, 0, sizeof *job);
    int rc = hald_mpi_start(NULL, NULL, &job->mpi, err);
    if (rc != HALD_OK)
        return rc;
    job->rank = hald_mpi_rank(job->mpi);
    if (job->rank != 0 && c->verbosity < 2)
        c->verbosity = 0;
    if (job->mpi)
        hald_mpi_transport(job->mpi, &job->tp);
    return HALD_OK;
}

const hald_transport_t *cli_job_transport(const cli_job_t *job)
{
    return job->mpi ? &job->tp : NULL;
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
        int code = cli_fail(c, err);
        if (job->mpi)
            hald_mpi_abort(job->mpi, code); /* ends every rank; temporaries are gone */
        return code;
    }
    if (hald_mpi_finish(job->mpi) != HALD_OK) {
        cli_error(c, "MPI_Finalize failed");
        return EXIT_IO;
    }
    if (job->rank == 0)
        cli_log_footer(c);
    return 0;
}
