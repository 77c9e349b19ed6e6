/* Shared by the fuzz targets (tests/fuzz/README.md): libFuzzer's entry
 * point, a scratch file for the APIs that take a path, an in-memory file
 * for outputs, and a check that aborts (which libFuzzer reports as a crash
 * and saves the input of). */
#ifndef HALD_TESTS_FUZZ_H
#define HALD_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hald/sink.h"
#include "hald/weights.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

/* Writes data to this process's own file under $TMPDIR (or /tmp) and puts
 * its path in path.  A failure here is the harness's, not hald's: abort. */
static inline void fuzz_file(const char *tag, const uint8_t *data, size_t size, char *path,
                             size_t cap)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/hald-fuzz-%s-%ld", dir && *dir ? dir : "/tmp", tag, (long)getpid());
    FILE *fp = fopen(path, "wb");
    FUZZ_CHECK(fp != NULL);
    FUZZ_CHECK(size == 0 || fwrite(data, 1, size, fp) == size);
    FUZZ_CHECK(fclose(fp) == 0);
}

/* An anonymous in-memory file, for a sink to write into. */
static inline int fuzz_memfd(void)
{
    int fd = memfd_create("hald-fuzz", 0);
    FUZZ_CHECK(fd >= 0);
    return fd;
}

/* Everything written to fd, NUL-terminated (free it). */
static inline char *fuzz_memfd_text(int fd, size_t *len)
{
    off_t end = lseek(fd, 0, SEEK_END);
    FUZZ_CHECK(end >= 0);
    char *p = malloc((size_t)end + 1);
    FUZZ_CHECK(p != NULL);
    FUZZ_CHECK(pread(fd, p, (size_t)end, 0) == end);
    p[end] = '\0';
    *len = (size_t)end;
    return p;
}


/* Made-up weights (free them): w[i][j] = ((i·a + j·b) mod m − m/2) / d,
 * small values of both signs, each target with its own. */
static inline hald_weights_t *fuzz_weights_new(int a, int b, int m, double d)
{
    hald_weights_t *w = calloc(1, sizeof *w);
    FUZZ_CHECK(w != NULL);
    for (int i = 0; i < HALD_N_HEXAMERS; i++)
        for (int j = 0; j < HALD_N_REGIONS; j++)
            w->w[i][j] = ((i * a + j * b) % m - m / 2) / d;
    return w;
}

/* What a run wrote into an in-memory sink, and how it ended. */
typedef struct fuzz_outcome {
    int rc;
    hald_error_t err;
    char *text;
    size_t len;
} fuzz_outcome_t;

/* A sink over a fresh in-memory file (its descriptor in *fd). */
static inline hald_sink_t *fuzz_sink(int *fd, fuzz_outcome_t *o)
{
    *fd = fuzz_memfd();
    hald_sink_t *out = hald_sink_from_fd(*fd, 0, "out", &o->err);
    FUZZ_CHECK(out != NULL);
    return out;
}

/* Commits (o->rc == HALD_OK) or aborts the sink, and keeps what it holds. */
static inline void fuzz_sink_done(hald_sink_t *out, int fd, fuzz_outcome_t *o)
{
    if (o->rc == HALD_OK)
        o->rc = hald_sink_commit(out, &o->err);
    else
        hald_sink_abort(out);
    o->text = fuzz_memfd_text(fd, &o->len);
    close(fd);
}

/* The same input as a file and as a stream: the same bytes, or both
 * failed with the file's message naming it. */
static inline void fuzz_same_or_both_fail(const fuzz_outcome_t *file, const fuzz_outcome_t *stream,
                                          const char *path)
{
    if ((file->rc == HALD_OK) != (stream->rc == HALD_OK)) {
        fprintf(stderr, "file: %d %s\nstream: %d %s\n", file->rc, file->err.msg, stream->rc,
                stream->err.msg);
        FUZZ_CHECK(!"a file and the same bytes as a stream end differently");
    }
    if (file->rc == HALD_OK)
        FUZZ_CHECK(file->len == stream->len && memcmp(file->text, stream->text, file->len) == 0);
    else
        FUZZ_CHECK(strstr(file->err.msg, path) == file->err.msg);
}

#endif
