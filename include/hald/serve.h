/* hald — a long-running scoring daemon over HTTP/1.1 (hald serve).
 *
 * Each request is one run of the one runner: its body is the run's input
 * (read through a pipe while it arrives) and the run's output is spooled
 * to an unlinked temporary file, then sent from there.  Memory stays
 * bounded whatever the body's size.  The answer starts once the body has
 * been read: libmicrohttpd sends no response before it has taken the
 * request body, and clients such as Python's requests send a whole body
 * before they read anything, so a server that answered while still
 * reading would deadlock them once the buffers between them were full.
 *
 * The server holds a model (the weights, as scorers) by reference; a
 * reload swaps in a new one while running requests keep the one they
 * started with. */
#ifndef HALD_SERVE_H
#define HALD_SERVE_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/genome.h"
#include "hald/mpi.h"
#include "hald/score.h"
#include "hald/variants_run.h"
#include "hald/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What requests are scored with: shared, counted, immutable. */
typedef struct hald_serve_model hald_serve_model_t;

/* A model from loaded weights (their sha256 is reported by /health) for
 * the resolved CPU path; NULL with err set when out of memory. */
hald_serve_model_t *hald_serve_model_new(const hald_weights_t *w, hald_cpu_t cpu,
                                         hald_error_t *err);
void hald_serve_model_release(hald_serve_model_t *m);

/* Limits, each an option and a config key; reloadable. */
typedef struct hald_serve_limits {
    uint64_t max_body;        /* bytes of a request body; 0: none */
    uint64_t max_line;        /* bytes of one line of an uncompressed body; 0: none */
    unsigned max_connections; /* past it: 503 */
    unsigned idle_timeout;    /* seconds a connection may stay silent; 0: none */
    int threads;              /* scoring threads shared by the requests in flight */
} hald_serve_limits_t;

/* One line per request, and the server's own notes (level 1) and
 * warnings (level 0). */
typedef void (*hald_serve_log_fn)(void *ctx, int level, const char *line);

typedef struct hald_serve_opts {
    const char *socket_path; /* a Unix socket (created mode 0600), or NULL */
    int socket_group;        /* the socket's group may connect too (0660) */
    const char *listen;      /* TCP: PORT (loopback), HOST:PORT or [V6]:PORT; or NULL */
    hald_serve_limits_t limits;
    hald_model_set_t default_models; /* when a request names none */
    uint64_t max_length;     /* bases kept of a record under any_length */
    const hald_genome_t *genome; /* for POST /variants (the caller keeps it); NULL: 404 */
    hald_mpi_t *mpi;         /* rank 0 of an MPI job: every run also uses the other ranks */
    hald_serve_log_fn log;
    void *log_ctx;
} hald_serve_opts_t;

void hald_serve_opts_init(hald_serve_opts_t *o);

typedef struct hald_server hald_server_t;

/* Opens the sockets and starts answering, with its own threads; takes a
 * reference to m.  NULL with err set (a socket in use, a bad address). */
hald_server_t *hald_server_start(const hald_serve_opts_t *o, hald_serve_model_t *m,
                                 hald_error_t *err);
/* Requests from now on use m (a reference is taken) and these limits. */
void hald_server_reload(hald_server_t *s, hald_serve_model_t *m, const hald_serve_limits_t *l);
/* Stops accepting, lets the requests in flight finish, closes and removes
 * the socket, frees s. */
void hald_server_stop(hald_server_t *s);

/* Ranks other than 0 of an MPI daemon: the model and every run as rank
 * 0 announces them, on `threads` threads, until rank 0 stops. */
int hald_serve_follow(hald_mpi_t *mpi, int threads, hald_error_t *err);

/* The query string's settings: model=mean|regions|both; for /score and
 * /pairs any_length=0|1; for /variants format=tsv|vcf|vcf.gz|bcf and
 * lenient=0|1.  Unknown keys and bad values are errors naming them (for a
 * 400).  Exposed for the fuzz target. */
typedef struct hald_serve_query {
    hald_model_set_t models;
    int any_length;
    hald_variant_out_t format;
    int lenient;
    int variants_keys, windows_keys; /* which endpoint's keys were given */
} hald_serve_query_t;
int hald_serve_query_set(hald_serve_query_t *q, const char *key, const char *value,
                         hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
