/* The daemon: libmicrohttpd's connection threads, one run of the runner
 * per scoring request.  See hald/serve.h. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp, memfd_create */
#include "hald/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <htslib/hts.h>

#include "hald/pairs_run.h"
#include "hald/reader.h"
#include "hald/score_run.h"
#include "hald/sha256.h"
#include "hald/sink.h"
#include "body.h"
#include "listen.h"
#include "metrics.h"

/* ================================================================ the model */

struct hald_serve_model {
    hald_scorer_t scorer[2]; /* [any_length] */
    hald_scan_tables_t *tables; /* /variants */
    hald_weights_t weights;  /* sent to the other ranks of an MPI daemon */
    char sha256[65];
    uint64_t id;             /* set by the server that installs it */
    int refs;
};

hald_serve_model_t *hald_serve_model_new(const hald_weights_t *w, hald_cpu_t cpu, hald_error_t *err)
{
    hald_serve_model_t *m = malloc(sizeof *m);
    if (!m) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory (the model)");
        return NULL;
    }
    m->weights = *w;
    m->id = 0;
    hald_scorer_init(&m->scorer[0], w, cpu, 0);
    hald_scorer_init(&m->scorer[1], w, cpu, 1);
    hald_sha256_hex(w->sha256, m->sha256);
    m->refs = 1;
    if (!(m->tables = hald_scan_tables_new(&m->scorer[0], err))) {
        free(m);
        return NULL;
    }
    return m;
}

static hald_serve_model_t *model_ref(hald_serve_model_t *m)
{
    __atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

void hald_serve_model_release(hald_serve_model_t *m)
{
    if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        hald_scan_tables_free(m->tables);
        free(m);
    }
}

/* ================================================================ options */

void hald_serve_opts_init(hald_serve_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->limits.max_body = 0;
    o->limits.max_line = UINT64_C(1) << 20;
    o->limits.max_connections = 64;
    o->limits.idle_timeout = 60;
    o->limits.threads = 1;
    o->default_models = HALD_MODELS_MEAN;
    o->max_length = UINT64_C(1) << 28;
}

int hald_serve_query_set(hald_serve_query_t *q, const char *key, const char *value,
                         hald_error_t *err)
{
    if (strcmp(key, "model") == 0) {
        if (value && hald_model_set_parse(value, &q->models) == 0)
            return HALD_OK;
        return hald_error_set(err, HALD_E_USAGE, "model=%.40s: expected mean, regions or both",
                              value ? value : "");
    }
    int *flag = strcmp(key, "any_length") == 0 ? &q->any_length
                : strcmp(key, "lenient") == 0  ? &q->lenient
                                               : NULL;
    if (flag) {
        if (value && (strcmp(value, "0") == 0 || strcmp(value, "1") == 0)) {
            *flag = value[0] == '1';
            *(flag == &q->any_length ? &q->windows_keys : &q->variants_keys) = 1;
            return HALD_OK;
        }
        return hald_error_set(err, HALD_E_USAGE, "%s=%.40s: expected 0 or 1", key, value ? value : "");
    }
    if (strcmp(key, "format") == 0) {
        q->variants_keys = 1;
        if (value && hald_variant_out_parse(value, &q->format) == 0)
            return HALD_OK;
        return hald_error_set(err, HALD_E_USAGE, "format=%.40s: expected tsv, vcf, vcf.gz or bcf",
                              value ? value : "");
    }
    return hald_error_set(err, HALD_E_USAGE,
                          "unknown parameter '%.40s' (model, any_length; for /variants format, lenient)", key);
}

/* ================================================================ the server */

#define MAX_DAEMONS 2
#define CONNECTION_MEMORY (256 << 10)

struct hald_server {
    struct MHD_Daemon *daemons[MAX_DAEMONS];
    int n_daemons;
    char *socket_path;       /* removed at the end */
    pthread_mutex_t lock;    /* model and limits */
    hald_serve_model_t *model;
    hald_serve_limits_t limits;
    hald_serve_opts_t opts;
    serve_metrics_t metrics;
    uint64_t connections;    /* open, counted by libmicrohttpd's notifications */
    char tmpdir[512];
    /* MPI: the other ranks take one run at a time, in the order rank 0
     * announces them. */
    pthread_mutex_t lane;
    uint64_t next_model_id, announced_model;
};

/* What rank 0 announces to the other ranks of an MPI daemon (the same
 * machine type on every rank: sent as bytes). */
typedef enum { ANNOUNCE_MODEL = 'M', ANNOUNCE_RUN = 'R', ANNOUNCE_QUIT = 'Q' } announce_kind_t;
typedef struct announce_run {
    char kind;               /* first, as in every announcement */
    int ep;
    hald_serve_query_t query;
    uint64_t max_length;
} announce_run_t;

static void logf_(hald_server_t *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void logf_(hald_server_t *s, int level, const char *fmt, ...)
{
    if (!s->opts.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->opts.log(s->opts.log_ctx, level, line);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ================================================================ requests */

typedef struct request {
    hald_server_t *srv;
    serve_endpoint_t ep;
    const char *method;
    char url[72];            /* as asked, for the log (cut short) */
    hald_serve_model_t *model;
    hald_serve_limits_t limits;
    hald_serve_query_t query;
    double t0;
    int threads;
    serve_body_t body;       /* on its way to the run */
    int body_ready;
    int spool;               /* the run's output; -1 once handed to the response */
    uint64_t spool_size;
    pthread_t worker;
    int worker_started, worker_joined;
    int rc;                  /* the run's outcome, read after the join */
    hald_error_t err;
    hald_run_stats_t stats;
    uint64_t body_bytes;
    int sniffed, plain;      /* an uncompressed body: its lines are checked */
    uint64_t length;         /* Content-Length, or UINT64_MAX */
    int ran_inline;          /* scored on the connection's thread */
    uint64_t line_len, lines;
    int discarding;          /* the rest of the body is read and dropped */
    unsigned status;         /* the answer's; 0 until decided */
    int queued;              /* an answer was handed to libmicrohttpd */
    char message[HALD_ERROR_MSG_MAX + 64];
    uint64_t bytes_out;
} request_t;

/* One run of an endpoint's job, as every rank calls it: rank 0 with the
 * body (a reader, or for /variants a VCF path htslib opens) and the
 * sink, the other ranks with neither. */
static int run_job(const hald_serve_model_t *m, serve_endpoint_t ep, const hald_serve_query_t *q,
                   uint64_t max_length, const hald_genome_t *genome, hald_reader_t *in,
                   const char *vcf, hald_sink_t *out, const hald_run_env_t *env,
                   hald_run_stats_t *st, hald_error_t *err)
{
    if (ep == EP_VARIANTS) {
        hald_variants_opts_t o;
        hald_variants_opts_init(&o);
        o.models = q->models;
        o.format = q->format;
        o.lenient = q->lenient;
        o.genome = genome;
        o.vcf_label = "request body";
        hald_variants_stats_t vst;
        int rc = hald_variants_run(m->tables, &o, NULL, vcf, out, env, &vst, err);
        *st = vst.run;
        st->items = vst.records;
        return rc;
    }
    const hald_scorer_t *scorer = &m->scorer[q->any_length];
    if (ep == EP_SCORE) {
        hald_score_opts_t o;
        hald_score_opts_init(&o);
        o.models = q->models;
        o.max_length = max_length;
        return hald_score_run_reader(scorer, &o, in, out, env, st, err);
    }
    hald_pairs_opts_t o;
    hald_pairs_opts_init(&o);
    o.models = q->models;
    o.max_length = max_length;
    return hald_pairs_run_reader(scorer, &o, in, out, env, st, err);
}

/* The request's run on this rank (and the others, when env->mpi is set
 * and they were told). */
static void run_here(request_t *r, hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env)
{
    char vcf[32] = "";
    if (r->ep == EP_VARIANTS)
        serve_body_path(&r->body, vcf, sizeof vcf);
    r->rc = run_job(r->model, r->ep, &r->query, r->srv->opts.max_length, r->srv->opts.genome, in,
                    vcf, out, env, &r->stats, &r->err);
}

static int announce_model(hald_mpi_t *mpi, const hald_serve_model_t *m, hald_error_t *err)
{
    hald_buf_t msg = {0};
    char kind = ANNOUNCE_MODEL;
    int rc = hald_buf_append(&msg, &kind, 1, err);
    if (rc == HALD_OK)
        rc = hald_buf_append(&msg, &m->weights, sizeof m->weights, err);
    if (rc == HALD_OK)
        rc = hald_mpi_announce(mpi, msg.data, msg.len, err);
    hald_buf_free(&msg);
    return rc;
}

/* An MPI daemon: one run at a time over all the ranks, each announced
 * (with its model, when that changed) before it starts. */
static void run_on_ranks(request_t *r, hald_reader_t *in, hald_sink_t *out, hald_run_env_t *env)
{
    hald_server_t *s = r->srv;
    hald_mpi_t *mpi = s->opts.mpi;
    pthread_mutex_lock(&s->lane);
    announce_run_t a;
    memset(&a, 0, sizeof a);
    a.kind = ANNOUNCE_RUN;
    a.ep = (int)r->ep;
    a.query = r->query;
    a.max_length = s->opts.max_length;
    r->rc = s->announced_model == r->model->id ? HALD_OK : announce_model(mpi, r->model, &r->err);
    if (r->rc == HALD_OK) {
        s->announced_model = r->model->id;
        r->rc = hald_mpi_announce(mpi, &a, sizeof a, &r->err);
    }
    if (r->rc == HALD_OK) {
        uint64_t released = hald_mpi_releases(mpi);
        env->mpi = mpi;
        env->recover = 1;
        run_here(r, in, out, env);
        hald_error_t ignored;
        if (hald_mpi_releases(mpi) == released) /* it failed before its runner started */
            (void)hald_mpi_release(mpi, &ignored);
    }
    pthread_mutex_unlock(&s->lane);
}

/* Runs into out (where it could be made: else err holds why), then
 * commits or drops what it wrote. */
static void run_into(request_t *r, hald_reader_t *in, hald_sink_t *out, hald_run_env_t *env)
{
    if (!out) {
        r->rc = r->err.code;
        return;
    }
    if (r->srv->opts.mpi)
        run_on_ranks(r, in, out, env);
    else
        run_here(r, in, out, env);
    if (r->rc == HALD_OK)
        r->rc = hald_sink_commit(out, &r->err);
    else
        hald_sink_abort(out);
}

static void *run_request(void *arg)
{
    request_t *r = arg;
    hald_error_clear(&r->err);
    hald_reader_t *in = r->ep == EP_VARIANTS ? NULL : serve_body_reader(&r->body, "request body", &r->err);
    hald_sink_t *out = in || r->ep == EP_VARIANTS ? hald_sink_from_fd(r->spool, 0, "response", &r->err)
                                                  : NULL;
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = r->threads;
    run_into(r, in, out, &env);
    /* The connection thread, waiting to hand over more of the body, learns
     * that the run has stopped. */
    hald_reader_close(in);
    serve_body_stop(&r->body);
    return NULL;
}

/* An unlinked file in the temporary directory: the output of one run. */
static int spool_open(const hald_server_t *s)
{
    int fd = open(s->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[600];
    snprintf(path, sizeof path, "%s/hald-serve.XXXXXX", s->tmpdir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

static int start_run(request_t *r)
{
    r->spool = spool_open(r->srv);
    if (r->spool < 0 || serve_body_init(&r->body, r->ep == EP_VARIANTS) != 0)
        return -1;
    r->body_ready = 1;
    if (pthread_create(&r->worker, NULL, run_request, r) != 0)
        return -1;
    r->worker_started = 1;
    return 0;
}

static void end_body(request_t *r)
{
    if (r->body_ready)
        serve_body_end(&r->body);
}

static void join_run(request_t *r)
{
    end_body(r);
    if (r->worker_started && !r->worker_joined) {
        pthread_join(r->worker, NULL);
        r->worker_joined = 1;
    }
}

static void request_free(request_t *r)
{
    join_run(r);
    if (r->body_ready)
        serve_body_free(&r->body);
    if (r->spool >= 0)
        close(r->spool);
    hald_serve_model_release(r->model);
    free(r);
}

/* ---------------------------------------------------------------- answers */

static enum MHD_Result answer_text(struct MHD_Connection *c, request_t *r, unsigned status,
                                   const char *type, const char *text, size_t len)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->ep <= EP_VARIANTS ? "POST" : "GET");
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    r->bytes_out = len;
    r->queued = ok == MHD_YES;
    return ok;
}

/* An error: the status and a one-line message. */
static enum MHD_Result answer_error(struct MHD_Connection *c, request_t *r, unsigned status,
                                    const char *message)
{
    if (message != r->message)
        snprintf(r->message, sizeof r->message, "%s", message);
    char body[sizeof r->message + 2];
    int n = snprintf(body, sizeof body, "%s\n", r->message);
    return answer_text(c, r, status, "text/plain; charset=utf-8", body, (size_t)n);
}

static enum MHD_Result answer_run(struct MHD_Connection *c, request_t *r)
{
    join_run(r);
    if (r->status) /* decided while reading: over a limit */
        return answer_error(c, r, r->status, r->message);
    if (r->rc != HALD_OK) {
        unsigned status = r->rc == HALD_E_IO || r->rc == HALD_E_NOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR
                                                                     : MHD_HTTP_BAD_REQUEST;
        return answer_error(c, r, status, r->err.msg);
    }
    struct stat st;
    if (fstat(r->spool, &st) != 0)
        return answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the spooled answer is gone");
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64((uint64_t)st.st_size, r->spool, 0);
    if (!resp)
        return MHD_NO;
    r->spool = -1; /* the response closes it */
    static const char *const types[] = {"text/tab-separated-values", "text/plain; charset=utf-8",
                                        "application/gzip", "application/octet-stream"};
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            r->ep == EP_VARIANTS ? types[r->query.format] : types[0]);
    enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    r->status = MHD_HTTP_OK;
    r->spool_size = (uint64_t)st.st_size;
    r->queued = ok == MHD_YES;
    return ok;
}

/* ---------------------------------------------------------------- the body */

/* Gzip or zstd (also a skippable frame: packed files): lines are checked
 * by the run's own limits, after decompression. */
static int compressed(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return 1;
    if (n >= 4 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd && p[0] == 0x28)
        return 1;
    return n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

/* Checks a piece of an uncompressed body against the line limit. */
static int lines_ok(request_t *r, const char *p, size_t n)
{
    uint64_t max = r->limits.max_line;
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t k = nl ? (size_t)(nl - p) : (size_t)(end - p);
        r->line_len += k;
        if (max && r->line_len > max) {
            snprintf(r->message, sizeof r->message,
                     "request body: line %llu is longer than %llu bytes (the --max-line limit)",
                     (unsigned long long)r->lines + 1, (unsigned long long)max);
            return 0;
        }
        if (!nl)
            break;
        r->lines++;
        r->line_len = 0;
        p = nl + 1;
    }
    return 1;
}

/* Stops feeding the run: what it has read stays read, its answer is
 * replaced by r->status. */
static void refuse_rest(request_t *r, unsigned status)
{
    r->status = status;
    r->discarding = 1;
    end_body(r);
}

static void take_body(request_t *r, const char *data, size_t n)
{
    r->body_bytes += n;
    if (r->discarding)
        return;
    if (r->limits.max_body && r->body_bytes > r->limits.max_body) {
        snprintf(r->message, sizeof r->message,
                 "request body: more than %llu bytes (the --max-body limit)",
                 (unsigned long long)r->limits.max_body);
        refuse_rest(r, MHD_HTTP_CONTENT_TOO_LARGE);
        return;
    }
    if (!r->sniffed) {
        r->sniffed = 1;
        r->plain = !compressed((const unsigned char *)data, n);
    }
    if (r->plain && !lines_ok(r, data, n)) {
        refuse_rest(r, MHD_HTTP_CONTENT_TOO_LARGE);
        return;
    }
    if (serve_body_put(&r->body, data, n) != 0) { /* the run has stopped: an error it reports */
        r->discarding = 1;
        end_body(r);
    }
}

/* ---------------------------------------------------------------- routing */

static serve_endpoint_t endpoint(const char *url)
{
    static const struct { const char *path; serve_endpoint_t ep; } routes[] = {
        {"/score", EP_SCORE}, {"/pairs", EP_PAIRS}, {"/variants", EP_VARIANTS},
        {"/health", EP_HEALTH}, {"/metrics", EP_METRICS},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(url, routes[i].path) == 0)
            return routes[i].ep;
    return EP_OTHER;
}

typedef struct query_walk {
    hald_serve_query_t *q;
    hald_error_t *err;
    int bad;
} query_walk_t;

static enum MHD_Result on_argument(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    query_walk_t *w = cls;
    if (hald_serve_query_set(w->q, key, value, w->err) != HALD_OK) {
        w->bad = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

static enum MHD_Result first_call(hald_server_t *s, struct MHD_Connection *c, request_t *r,
                                  const char *method)
{
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0, get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;
    if (r->ep == EP_OTHER)
        return answer_error(c, r, MHD_HTTP_NOT_FOUND, "no such endpoint (POST /score, /pairs, "
                                                      "/variants; GET /health, /metrics)");
    if (r->ep <= EP_VARIANTS ? !post : !get)
        return answer_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED,
                            r->ep <= EP_VARIANTS ? "use POST" : "use GET");
    if (__atomic_load_n(&s->connections, __ATOMIC_RELAXED) > r->limits.max_connections)
        return answer_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE,
                            "at the connection limit (--max-connections); try again");
    if (r->ep == EP_HEALTH) {
        char body[160];
        int n = snprintf(body, sizeof body, "{\"status\":\"ok\",\"weights_sha256\":\"%s\"}\n",
                         r->model->sha256);
        return answer_text(c, r, MHD_HTTP_OK, "application/json", body, (size_t)n);
    }
    if (r->ep == EP_METRICS) {
        hald_buf_t text = {0};
        hald_error_t err;
        hald_error_clear(&err);
        enum MHD_Result ok =
            serve_metrics_text(&s->metrics, &text, &err) == HALD_OK
                ? answer_text(c, r, MHD_HTTP_OK, "text/plain; version=0.0.4", text.data, text.len)
                : answer_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
        hald_buf_free(&text);
        return ok;
    }
    if (r->ep == EP_VARIANTS && !s->opts.genome)
        return answer_error(c, r, MHD_HTTP_NOT_FOUND,
                            "/variants needs a genome: this server was started without --fasta");
    /* As the file runs: score's model is the server's --model, the others' both. */
    r->query.models = r->ep == EP_SCORE ? s->opts.default_models : HALD_MODELS_BOTH;
    hald_error_t err;
    hald_error_clear(&err);
    query_walk_t walk = {&r->query, &err, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_argument, &walk);
    if (walk.bad)
        return answer_error(c, r, MHD_HTTP_BAD_REQUEST, err.msg);
    if (r->ep == EP_VARIANTS ? r->query.windows_keys : r->query.variants_keys)
        return answer_error(c, r, MHD_HTTP_BAD_REQUEST,
                            r->ep == EP_VARIANTS ? "any_length is for /score and /pairs"
                                                 : "format and lenient are for /variants");
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    r->length = length ? strtoull(length, NULL, 10) : UINT64_MAX;
    if (length && r->limits.max_body && r->length > r->limits.max_body) {
        snprintf(r->message, sizeof r->message,
                 "request body: %s bytes, more than %llu (the --max-body limit)", length,
                 (unsigned long long)r->limits.max_body);
        return answer_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, r->message);
    }
    uint64_t flying = __atomic_load_n(&s->metrics.in_flight, __ATOMIC_RELAXED);
    r->threads = r->limits.threads / (int)(flying ? flying : 1);
    if (r->threads < 1)
        r->threads = 1;
    return MHD_YES; /* the run starts with the body */
}

/* A body that arrived whole with its headers (one piece of at most
 * libmicrohttpd's buffer): scored here on the connection's own thread,
 * answered from memory — no thread, no file.  Most requests of a
 * pipeline's single windows are these. */
static void run_inline(request_t *r, const char *data, size_t n)
{
    r->ran_inline = 1;
    r->body_bytes += n;
    if (n && !compressed((const unsigned char *)data, n) && !lines_ok(r, data, n)) {
        r->status = MHD_HTTP_CONTENT_TOO_LARGE;
        return;
    }
    hald_error_clear(&r->err);
    r->spool = memfd_create("hald-answer", MFD_CLOEXEC);
    hald_reader_t *in = r->spool >= 0 ? hald_reader_from_memory(data, n, "request body", &r->err) : NULL;
    hald_sink_t *out = in ? hald_sink_from_fd(r->spool, 0, "response", &r->err) : NULL;
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = 1;
    if (r->spool < 0)
        r->rc = hald_error_set(&r->err, HALD_E_IO, "no memory for the answer");
    else
        run_into(r, in, out, &env);
    hald_reader_close(in);
}

/* The body's first piece: the whole body (scored at once), or the start
 * of a longer one (a run of its own, fed as the body arrives). */
static void begin_body(request_t *r, const char *data, size_t n)
{
    if (r->ep != EP_VARIANTS && r->length == n) {
        run_inline(r, data, n);
        return;
    }
    if (start_run(r) != 0) {
        snprintf(r->message, sizeof r->message,
                 "cannot start the run (no memory, threads or temporary space)");
        r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r->discarding = 1;
        r->body_bytes += n;
        return;
    }
    take_body(r, data, n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    hald_server_t *s = cls;
    request_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = s;
        r->t0 = now();
        r->ep = endpoint(url);
        snprintf(r->url, sizeof r->url, "%s", url);
        r->method = strcmp(method, MHD_HTTP_METHOD_POST) == 0 ? "POST"
                    : strcmp(method, MHD_HTTP_METHOD_GET) == 0 ? "GET" : "other";
        r->spool = -1;
        pthread_mutex_lock(&s->lock);
        r->model = model_ref(s->model);
        r->limits = s->limits;
        pthread_mutex_unlock(&s->lock);
        __atomic_fetch_add(&s->metrics.in_flight, 1, __ATOMIC_RELAXED);
        *con_cls = r;
        return first_call(s, c, r, method);
    }
    if (r->status && !r->discarding)
        return MHD_YES; /* answered already */
    if (*upload_data_size) {
        if (!r->worker_started && !r->ran_inline && !r->discarding)
            begin_body(r, upload_data, *upload_data_size);
        else
            take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!r->worker_started && !r->ran_inline && !r->status)
        begin_body(r, "", 0); /* an empty body */
    return answer_run(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    hald_server_t *s = cls;
    request_t *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    join_run(r); /* a client gone mid-body: the run ends at the cut */
    /* An answer handed over counts as its status even when the connection
     * then ended badly (a client that closes as soon as it has read an
     * error, while libmicrohttpd still expects to go on); without one, the
     * client went away before it was answered. */
    unsigned status = r->queued ? r->status : 0;
    int whole = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    uint64_t out = r->status == MHD_HTTP_OK && r->ep <= EP_VARIANTS ? r->spool_size : r->bytes_out;
    uint64_t windows = status == MHD_HTTP_OK && r->ep <= EP_VARIANTS ? r->stats.items : 0;
    serve_metrics_count(&s->metrics, r->ep, status, windows, r->body_bytes, whole ? out : 0);
    double ms = 1e3 * (now() - r->t0);
    const char *path = r->url;
    if (!r->queued)
        logf_(s, 1, "%s %s: the client went away (%llu bytes in), %.1f ms", r->method, path,
              (unsigned long long)r->body_bytes, ms);
    else if (r->status == MHD_HTTP_OK && r->ep <= EP_VARIANTS)
        logf_(s, 1, "%s %s %u %llu %s %llu bytes in %llu bytes out %.1f ms", r->method, path,
              r->status, (unsigned long long)windows, r->ep == EP_PAIRS ? "pairs" : "records",
              (unsigned long long)r->body_bytes, (unsigned long long)out, ms);
    else if (r->status == MHD_HTTP_OK)
        logf_(s, 1, "%s %s %u %llu bytes out %.1f ms", r->method, path, r->status,
              (unsigned long long)out, ms);
    else
        logf_(s, 1, "%s %s %u %llu bytes in %.1f ms: %s", r->method, path, r->status,
              (unsigned long long)r->body_bytes, ms, r->message);
    __atomic_fetch_sub(&s->metrics.in_flight, 1, __ATOMIC_RELAXED);
    request_free(r);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    (void)socket_context;
    hald_server_t *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        __atomic_fetch_add(&s->connections, 1, __ATOMIC_RELAXED);
    else
        __atomic_fetch_sub(&s->connections, 1, __ATOMIC_RELAXED);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    hald_server_t *s = cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    logf_(s, 2, "libmicrohttpd: %s", line); /* the request's own line says what happened */
}

/* ================================================================ start, reload, stop */

static int start_daemon(hald_server_t *s, int fd, hald_error_t *err)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    /* libmicrohttpd's own cap sits above ours, so that a client past ours
     * gets a 503 rather than a closed socket. */
    unsigned cap = s->limits.max_connections + 16;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_CONNECTION_LIMIT, cap, MHD_OPTION_CONNECTION_TIMEOUT, s->limits.idle_timeout,
        /* Bodies arrive in pieces of up to about this: fewer hand-overs to
         * the run than with libmicrohttpd's 32 KiB. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)CONNECTION_MEMORY / 4,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_END);
    if (!d) {
        close(fd);
        return hald_error_set(err, HALD_E_IO, "cannot start the HTTP server (libmicrohttpd)");
    }
    s->daemons[s->n_daemons++] = d;
    return HALD_OK;
}

static int start_listeners(hald_server_t *s, const hald_serve_opts_t *o, hald_error_t *err);

hald_server_t *hald_server_start(const hald_serve_opts_t *o, hald_serve_model_t *m, hald_error_t *err)
{
    if (!o->socket_path && !o->listen) {
        hald_error_set(err, HALD_E_USAGE, "hald serve: give --socket PATH or --listen [HOST:]PORT");
        return NULL;
    }
    hald_server_t *s = calloc(1, sizeof *s);
    if (!s) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory");
        return NULL;
    }
    /* htslib warns on stderr about what a request's VCF lacks; the request's
     * answer says what matters, and no client may flood the daemon's log. */
    hts_set_log_level(HTS_LOG_ERROR);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->lane, NULL);
    s->opts = *o;
    s->limits = o->limits;
    m->id = ++s->next_model_id;
    s->model = model_ref(m);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->tmpdir, sizeof s->tmpdir, "%s", tmp && tmp[0] == '/' ? tmp : "/tmp");
    /* The server's threads (libmicrohttpd's and the runs') inherit this
     * thread's signal mask: with SIGPIPE blocked there, a run that stops
     * reading its body is an EPIPE for the connection thread, not the
     * end of the process. */
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    int ok = start_listeners(s, o, err);
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    if (!ok) {
        hald_server_stop(s);
        return NULL;
    }
    return s;
}

/* The Unix socket and the TCP port asked for, each with its daemon. */
static int start_listeners(hald_server_t *s, const hald_serve_opts_t *o, hald_error_t *err)
{
    if (o->socket_path) {
        s->socket_path = strdup(o->socket_path);
        int fd = s->socket_path ? hald_listen_unix(o->socket_path, o->socket_group, err) : -1;
        if (!s->socket_path)
            hald_error_set(err, HALD_E_NOMEM, "out of memory");
        if (fd < 0 || start_daemon(s, fd, err) != HALD_OK) {
            if (fd >= 0)
                unlink(s->socket_path);
            free(s->socket_path);
            s->socket_path = NULL;
            return 0;
        }
    }
    if (o->listen) {
        int fd = hald_listen_tcp(o->listen, err);
        if (fd < 0 || start_daemon(s, fd, err) != HALD_OK)
            return 0;
    }
    return 1;
}

void hald_server_reload(hald_server_t *s, hald_serve_model_t *m, const hald_serve_limits_t *l)
{
    pthread_mutex_lock(&s->lock);
    hald_serve_model_t *old = s->model;
    m->id = ++s->next_model_id;
    s->model = model_ref(m);
    s->limits = *l;
    pthread_mutex_unlock(&s->lock);
    hald_serve_model_release(old);
}

void hald_server_stop(hald_server_t *s)
{
    if (!s)
        return;
    /* No new connections; the ones in flight finish. */
    for (int i = 0; i < s->n_daemons; i++) {
        MHD_socket fd = MHD_quiesce_daemon(s->daemons[i]);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    if (s->socket_path)
        unlink(s->socket_path);
    while (__atomic_load_n(&s->metrics.in_flight, __ATOMIC_ACQUIRE) > 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < s->n_daemons; i++)
        MHD_stop_daemon(s->daemons[i]);
    if (s->opts.mpi) { /* the other ranks' loops end */
        char quit = ANNOUNCE_QUIT;
        hald_error_t err;
        pthread_mutex_lock(&s->lane);
        if (hald_mpi_announce(s->opts.mpi, &quit, 1, &err) != HALD_OK)
            logf_(s, 0, "%s", err.msg);
        pthread_mutex_unlock(&s->lane);
    }
    hald_serve_model_release(s->model);
    pthread_mutex_destroy(&s->lane);
    pthread_mutex_destroy(&s->lock);
    free(s->socket_path);
    free(s);
}

/* ================================================================ other ranks */

int hald_serve_follow(hald_mpi_t *mpi, int threads, hald_error_t *err)
{
    hald_serve_model_t *m = NULL;
    hald_buf_t msg = {0};
    int rc;
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    env.mpi = mpi;
    env.recover = 1;
    while ((rc = hald_mpi_wait_announcement(mpi, &msg, err)) == HALD_OK) {
        char kind = msg.len ? msg.data[0] : 0;
        if (kind == ANNOUNCE_QUIT) {
            break;
        } else if (kind == ANNOUNCE_MODEL && msg.len == 1 + sizeof(hald_weights_t)) {
            hald_weights_t *w = malloc(sizeof *w);
            hald_cpu_t cpu;
            if (!w) {
                rc = hald_error_set(err, HALD_E_NOMEM, "out of memory");
                break;
            }
            memcpy(w, msg.data + 1, sizeof *w);
            hald_serve_model_t *next = hald_cpu_select(HALD_CPU_AUTO, &cpu, err) == HALD_OK
                                           ? hald_serve_model_new(w, cpu, err)
                                           : NULL;
            free(w);
            if (!next) {
                rc = err->code;
                break;
            }
            hald_serve_model_release(m);
            m = next;
        } else if (kind == ANNOUNCE_RUN && msg.len == sizeof(announce_run_t) && m) {
            announce_run_t a;
            memcpy(&a, msg.data, sizeof a);
            hald_error_t run_err; /* rank 0 reports the run's errors to its client */
            hald_error_clear(&run_err);
            hald_run_stats_t st;
            (void)run_job(m, (serve_endpoint_t)a.ep, &a.query, a.max_length, NULL, NULL, NULL, NULL,
                          &env, &st, &run_err);
        } else {
            rc = hald_error_set(err, HALD_E_IO, "MPI: an announcement this rank does not understand");
            break;
        }
    }
    hald_serve_model_release(m);
    hald_buf_free(&msg);
    return rc;
}
