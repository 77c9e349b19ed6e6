/* hald serve: the daemon's life — load, listen, reload on SIGHUP, finish
 * and exit on SIGTERM.  The server itself is the library's
 * (src/serve/). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hald/serve.h"

static void log_line(void *ctx, int level, const char *line)
{
    const cli_ctx_t *c = ctx;
    if (level == 0)
        cli_warn(c, "serve", "%s", line);
    else
        cli_log(c, level, "serve", "%s", line);
}

/* The weights of s, as a model. */
static hald_serve_model_t *load_model(const cli_ctx_t *c, const cli_settings_t *s, hald_error_t *err)
{
    hald_cpu_t cpu;
    hald_weights_t *w;
    if (cli_weights(c, s, &w, &cpu, err) != HALD_OK)
        return NULL;
    hald_serve_model_t *m = hald_serve_model_new(w, cpu, err);
    free(w);
    return m;
}

/* A failure before serving: the other ranks wait for announcements that
 * will not come, so the job ends as a whole. */
static int serve_fail(hald_mpi_t *mpi, const hald_error_t *err)
{
    int code = cli_fail(err);
    if (mpi)
        hald_mpi_abort(mpi, code);
    return code;
}

static void limits_from(const cli_settings_t *s, hald_serve_limits_t *l)
{
    l->max_body = s->max_body;
    l->max_line = s->max_line;
    l->max_connections = (unsigned)s->max_connections;
    l->idle_timeout = (unsigned)s->idle_timeout;
    l->threads = cli_threads(s);
}

/* SIGHUP: the config files and the weights again, all or nothing.  The
 * sockets and the genome stay as they were started (a restart changes
 * them). */
static void reload(cli_ctx_t *c, const cli_command_t *cmd, hald_server_t *server)
{
    cli_settings_t s;
    if (cli_parse(cmd, c->cmd_argc, c->cmd_argv, &s) >= 0) {
        cli_warn(c, "serve", "reload: the settings are not valid; kept the old ones");
        cli_settings_free(&s);
        return;
    }
    hald_error_t err;
    hald_error_clear(&err);
    hald_serve_model_t *m = load_model(c, &s, &err);
    if (!m) {
        cli_warn(c, "serve", "reload: %s; kept the old weights and settings", err.msg);
        cli_settings_free(&s);
        return;
    }
    hald_serve_limits_t l;
    limits_from(&s, &l);
    hald_server_reload(server, m, &l);
    hald_serve_model_release(m);
    cli_log(c, 1, "serve", "reloaded the settings and the weights");
    cli_settings_free(&s);
}

int cmd_serve(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    /* Signals are taken by sigwait below, never by a handler; every
     * thread started from here on inherits the mask.  SIGPIPE: a client
     * gone is a write error, not the end of the daemon. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    hald_error_t err;
    hald_error_clear(&err);
    /* Under mpirun or srun: rank 0 serves, the others score what it deals. */
    hald_mpi_t *mpi = NULL;
    if (hald_mpi_start(NULL, NULL, &mpi, &err) != HALD_OK)
        return cli_fail(&err);
    if (hald_mpi_rank(mpi) != 0) {
        int rc = hald_serve_follow(mpi, cli_threads(s), &err);
        if (rc != HALD_OK) {
            cli_errorf("rank %d: %s", hald_mpi_rank(mpi), err.msg);
            hald_mpi_abort(mpi, EXIT_IO);
        }
        hald_mpi_finish(mpi);
        return 0;
    }
    hald_serve_model_t *m = load_model(c, s, &err);
    if (!m)
        return serve_fail(mpi, &err);
    hald_genome_t *genome = NULL;
    if (s->fasta) {
        double t0 = cli_realtime();
        if (!(genome = hald_genome_load(s->fasta, &err))) {
            hald_serve_model_release(m);
            return serve_fail(mpi, &err);
        }
        cli_log(c, 1, "serve", "%s: %zu sequences, %llu bases held in memory (%.1f s)", s->fasta,
                hald_genome_count(genome), (unsigned long long)hald_genome_size(genome),
                cli_realtime() - t0);
    }
    hald_serve_opts_t o;
    hald_serve_opts_init(&o);
    o.socket_path = s->socket;
    o.socket_group = s->socket_group;
    o.listen = s->listen;
    limits_from(s, &o.limits);
    o.default_models = s->models;
    o.max_length = s->max_length;
    o.genome = genome;
    o.mpi = mpi;
    o.log = log_line;
    o.log_ctx = c;
    hald_server_t *server = hald_server_start(&o, m, &err);
    hald_serve_model_release(m);
    if (!server) {
        hald_genome_free(genome);
        return serve_fail(mpi, &err);
    }
    cli_log(c, 1, "serve", "listening%s%s%s%s, %d scoring thread(s)%s%d rank(s), pid %d",
            s->socket ? " on " : "", s->socket ? s->socket : "", s->listen ? " on tcp " : "",
            s->listen ? s->listen : "", o.limits.threads, mpi ? " per rank, " : ", ",
            hald_mpi_size(mpi), (int)getpid());
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reload(c, cmd, server);
        } else if (sig != SIGPIPE) {
            cli_log(c, 1, "serve", "%s: finishing the requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
    }
    hald_server_stop(server);
    hald_genome_free(genome);
    hald_mpi_finish(mpi);
    cli_log(c, 1, "serve", "stopped");
    return 0;
}
