/* A request body on its way from libmicrohttpd's connection thread to the
 * run that reads it, while it arrives.  The connection thread offers each
 * piece and waits until the run has copied it out (one copy, and the
 * client is held back while the run is busy); for htslib, which opens
 * files by name, the body goes through a pipe named /dev/fd/N instead. */
#ifndef HALD_SERVE_BODY_H
#define HALD_SERVE_BODY_H

#include <pthread.h>
#include <stddef.h>

#include "hald/reader.h"

typedef struct serve_body {
    int use_pipe;
    int pipe_r, pipe_w;      /* -1 once closed */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const char *data;        /* the piece on offer */
    size_t len;
    int ended;               /* the connection has no more */
    int stopped;             /* the run reads no more */
} serve_body_t;

/* 0, or -1 (errno set) when no pipe or lock can be had. */
int serve_body_init(serve_body_t *b, int use_pipe);
void serve_body_free(serve_body_t *b);

/* The connection thread: hands over n bytes, returning once the run has
 * taken them (0), or -1 when the run reads no more. */
int serve_body_put(serve_body_t *b, const char *data, size_t n);
/* The connection thread: the body is over (or refused); the run sees its
 * end.  Idempotent. */
void serve_body_end(serve_body_t *b);

/* The run: a reader over the body (not over a pipe). */
hald_reader_t *serve_body_reader(serve_body_t *b, const char *name, hald_error_t *err);
/* The run, pipe mode: the body's /dev/fd path, for htslib. */
void serve_body_path(const serve_body_t *b, char *buf, size_t cap);
/* The run: it reads no more (a put waiting returns -1).  Idempotent. */
void serve_body_stop(serve_body_t *b);

#endif
