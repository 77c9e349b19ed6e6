/* A request body handed from a connection thread to its run: see body.h. */
#define _GNU_SOURCE /* pipe2, F_SETPIPE_SZ */
#include "body.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int serve_body_init(serve_body_t *b, int use_pipe)
{
    memset(b, 0, sizeof *b);
    b->pipe_r = b->pipe_w = -1;
    b->use_pipe = use_pipe;
    if (pthread_mutex_init(&b->lock, NULL) != 0)
        return -1;
    if (pthread_cond_init(&b->cond, NULL) != 0) {
        pthread_mutex_destroy(&b->lock);
        return -1;
    }
    if (use_pipe) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) {
            serve_body_free(b);
            return -1;
        }
        b->pipe_r = p[0];
        b->pipe_w = p[1];
        (void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups; the default works too */
    }
    return 0;
}

static void close_end(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* One side is done: its end of the pipe closed, or its flag raised for
 * the other side waiting on the lock. */
static void side_done(serve_body_t *b, int *pipe_end, int *flag)
{
    if (b->use_pipe) {
        close_end(pipe_end);
        return;
    }
    pthread_mutex_lock(&b->lock);
    *flag = 1;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

void serve_body_free(serve_body_t *b)
{
    close_end(&b->pipe_r);
    close_end(&b->pipe_w);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
}

static int put_pipe(serve_body_t *b, const char *data, size_t n)
{
    while (n) {
        ssize_t w = write(b->pipe_w, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) /* EPIPE: the run has closed its end */
            return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

int serve_body_put(serve_body_t *b, const char *data, size_t n)
{
    if (b->use_pipe)
        return put_pipe(b, data, n);
    pthread_mutex_lock(&b->lock);
    b->data = data;
    b->len = n;
    pthread_cond_broadcast(&b->cond);
    while (b->len && !b->stopped)
        pthread_cond_wait(&b->cond, &b->lock);
    int rc = b->len ? -1 : 0;
    b->data = NULL;
    b->len = 0;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

void serve_body_end(serve_body_t *b)
{
    side_done(b, &b->pipe_w, &b->ended);
}

static ssize_t pull(void *ctx, void *buf, size_t cap)
{
    serve_body_t *b = ctx;
    pthread_mutex_lock(&b->lock);
    while (!b->len && !b->ended)
        pthread_cond_wait(&b->cond, &b->lock);
    size_t n = b->len < cap ? b->len : cap;
    if (n) { /* else the body has ended */
        memcpy(buf, b->data, n);
        b->data += n;
        b->len -= n;
        if (!b->len)
            pthread_cond_broadcast(&b->cond); /* the connection thread may go on */
    }
    pthread_mutex_unlock(&b->lock);
    return (ssize_t)n;
}

hald_reader_t *serve_body_reader(serve_body_t *b, const char *name, hald_error_t *err)
{
    return hald_reader_from_pull(pull, b, name, err);
}

void serve_body_path(const serve_body_t *b, char *buf, size_t cap)
{
    snprintf(buf, cap, "/dev/fd/%d", b->pipe_r);
}

void serve_body_stop(serve_body_t *b)
{
    side_done(b, &b->pipe_r, &b->stopped);
}
