/* hald — a decompressing byte stream over a file, stdin or memory.
 *
 * One input window (a 1 MiB buffer for descriptors, the caller's memory
 * otherwise) feeds either a plain copy, zstd or zlib.  Decoders write
 * straight into the caller's buffer, so each decoded byte is written once.
 * Errors are latched in the reader so that every later call repeats them. */
#include "hald/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>
#include <zstd.h>

/* Large reads matter for throughput: one syscall per MiB, not per 128 KiB. */
enum { IN_CHUNK = 1 << 20 };
/* zlib counts input and output in 32-bit uInt; stay well below that. */
#define MAX_SPAN ((size_t)1 << 30)

enum { RUNNING = 0, AT_EOF = 1, FAILED = -1 };

struct hald_reader {
    char *name;
    hald_compression_t comp;
    int state;
    hald_error_t saved; /* the latched error once state == FAILED */

    /* Source: a descriptor or a pull function (inbuf holds what was
     * read), or memory. */
    int fd, owns_fd, is_mem;
    hald_pull_fn pull;
    void *pull_ctx;
    const unsigned char *mem;
    size_t mem_len, mem_off;
    unsigned char *inbuf;

    /* The current input window and how far the decoder got in it. */
    const unsigned char *in;
    size_t in_len, in_pos;
    int src_eof; /* no input beyond the current window */
    uint64_t bytes_in;

    ZSTD_DCtx *zd;
    size_t zret; /* last ZSTD_decompressStream result: 0 = between frames */
    uint64_t frame_at; /* compressed offset of the frame being decoded */
    z_stream zs;
    int zs_ready, member_done;
};

/* Latches the error already formatted in r->saved and hands it out. */
static int latch(hald_reader_t *r, hald_error_t *err)
{
    r->state = FAILED;
    if (err)
        *err = r->saved;
    return r->saved.code;
}

static ssize_t read_retry(hald_reader_t *r, void *buf, size_t cap)
{
    if (r->pull)
        return r->pull(r->pull_ctx, buf, cap);
    ssize_t n;
    do
        n = read(r->fd, buf, cap);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Makes the next piece of compressed input the current window.  Only called
 * once the window is used up; leaves an empty window (src_eof) at the end. */
static int refill(hald_reader_t *r)
{
    if (r->is_mem) {
        size_t n = r->mem_len - r->mem_off;
        if (n > MAX_SPAN)
            n = MAX_SPAN;
        r->in = r->mem + r->mem_off;
        r->in_len = n;
        r->mem_off += n;
        r->src_eof = r->mem_off == r->mem_len;
    } else {
        ssize_t n = read_retry(r, r->inbuf, IN_CHUNK);
        if (n < 0)
            return hald_error_set_errno(&r->saved, HALD_E_IO, errno, "%s: read", r->name);
        r->in = r->inbuf;
        r->in_len = (size_t)n;
        r->src_eof = n == 0;
    }
    r->in_pos = 0;
    return 0;
}

/* Reads until at least 4 bytes are buffered (or EOF) so the magic can be
 * seen; those bytes stay in the window and are decoded like any others. */
static int prime_fd(hald_reader_t *r)
{
    r->in = r->inbuf;
    while (r->in_len < 4) {
        ssize_t n = read_retry(r, r->inbuf + r->in_len, IN_CHUNK - r->in_len);
        if (n < 0)
            return hald_error_set_errno(&r->saved, HALD_E_IO, errno, "%s: read", r->name);
        if (n == 0) {
            r->src_eof = 1;
            break;
        }
        r->in_len += (size_t)n;
    }
    return 0;
}

static hald_compression_t detect(const unsigned char *p, size_t n)
{
    static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    if (n >= 4 && memcmp(p, zstd_magic, 4) == 0)
        return HALD_COMP_ZSTD;
    /* A skippable frame (0x184D2A50..5F) may open a zstd stream: pzstd
     * writes one first. */
    if (n >= 4 && (p[0] & 0xF0) == 0x50 && p[1] == 0x2A && p[2] == 0x4D && p[3] == 0x18)
        return HALD_COMP_ZSTD;
    if (n >= 4 && p[0] == 0x1F && p[1] == 0x8B)
        return HALD_COMP_GZIP;
    return HALD_COMP_PLAIN;
}

static int init_decoder(hald_reader_t *r)
{
    if (r->comp == HALD_COMP_ZSTD) {
        r->zd = ZSTD_createDCtx();
        if (!r->zd)
            return hald_error_set(&r->saved, HALD_E_NOMEM, "%s: out of memory (zstd)", r->name);
        r->zret = 1; /* a frame has started: ending now would be truncation */
    } else if (r->comp == HALD_COMP_GZIP) {
        /* 15 + 16: gzip wrapper only, so a zlib or raw stream is rejected. */
        if (inflateInit2(&r->zs, 15 + 16) != Z_OK)
            return hald_error_set(&r->saved, HALD_E_NOMEM, "%s: out of memory (zlib)", r->name);
        r->zs_ready = 1;
    }
    return 0;
}

/* A whole input shorter than a magic number that starts like one (two or
 * three bytes of zstd's or gzip's) is a compressed file cut short, not text:
 * 0xB5 and 0x8B are not text. */
static int check_short(hald_reader_t *r)
{
    const unsigned char *p = r->is_mem ? r->mem : r->inbuf;
    size_t n = r->is_mem ? r->mem_len : r->in_len;
    if (n < 2 || n >= 4 || (!r->is_mem && !r->src_eof))
        return 0;
    if (p[0] == 0x28 && p[1] == 0xB5 && (n < 3 || p[2] == 0x2F))
        return hald_error_set(&r->saved, HALD_E_INPUT, "%s: truncated zstd stream (%zu bytes)",
                              r->name, n);
    if (p[0] == 0x1F && p[1] == 0x8B)
        return hald_error_set(&r->saved, HALD_E_INPUT, "%s: truncated gzip stream (%zu bytes)",
                              r->name, n);
    return 0;
}

/* Allocates a reader; the source fields are filled by the caller. */
static hald_reader_t *reader_alloc(const char *name, hald_error_t *err)
{
    hald_reader_t *r = calloc(1, sizeof *r);
    if (r)
        r->name = strdup(name);
    if (!r || !r->name) {
        free(r);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    r->fd = -1;
    return r;
}

/* Detects the compression and sets up its decoder; frees r on failure. */
static hald_reader_t *reader_start(hald_reader_t *r, hald_error_t *err)
{
    int rc = 0;
    if (r->is_mem) {
        r->comp = detect(r->mem, r->mem_len);
        r->src_eof = r->mem_len == 0;
    } else {
        rc = prime_fd(r);
        if (rc == 0)
            r->comp = detect(r->inbuf, r->in_len);
    }
    if (rc == 0 && r->comp == HALD_COMP_PLAIN)
        rc = check_short(r);
    if (rc == 0)
        rc = init_decoder(r);
    if (rc < 0) {
        if (err)
            *err = r->saved;
        hald_reader_close(r);
        return NULL;
    }
    return r;
}

hald_reader_t *hald_reader_from_fd(int fd, int owns_fd, const char *name,
                                   hald_error_t *err)
{
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "(fd %d)", fd);
        name = fallback;
    }
    hald_reader_t *r = reader_alloc(name, err);
    if (!r) {
        if (owns_fd) /* ownership was handed over: don't leak it */
            close(fd);
        return NULL;
    }
    r->fd = fd;
    r->owns_fd = owns_fd;
    r->inbuf = malloc(IN_CHUNK);
    if (!r->inbuf) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        hald_reader_close(r);
        return NULL;
    }
    return reader_start(r, err);
}

hald_reader_t *hald_reader_from_pull(hald_pull_fn pull, void *ctx, const char *name,
                                     hald_error_t *err)
{
    hald_reader_t *r = reader_alloc(name ? name : "(stream)", err);
    if (!r)
        return NULL;
    r->pull = pull;
    r->pull_ctx = ctx;
    if (!(r->inbuf = malloc(IN_CHUNK))) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", r->name);
        hald_reader_close(r);
        return NULL;
    }
    return reader_start(r, err);
}

hald_reader_t *hald_reader_open(const char *path, hald_error_t *err)
{
    if (!path) {
        hald_error_set(err, HALD_E_USAGE, "no input path");
        return NULL;
    }
    if (strcmp(path, "-") == 0)
        return hald_reader_from_fd(STDIN_FILENO, 0, "(stdin)", err);
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
        return NULL;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* a hint only */
    return hald_reader_from_fd(fd, 1, path, err);
}

hald_reader_t *hald_reader_from_memory(const void *buf, size_t len,
                                       const char *name, hald_error_t *err)
{
    if (!name)
        name = "(memory)";
    if (!buf && len > 0) {
        hald_error_set(err, HALD_E_USAGE, "%s: NULL buffer", name);
        return NULL;
    }
    hald_reader_t *r = reader_alloc(name, err);
    if (!r)
        return NULL;
    r->is_mem = 1;
    r->mem = buf;
    r->mem_len = len;
    return reader_start(r, err);
}

static ssize_t read_plain(hald_reader_t *r, unsigned char *buf, size_t cap)
{
    for (;;) {
        if (r->in_pos < r->in_len) {
            size_t n = r->in_len - r->in_pos;
            if (n > cap)
                n = cap;
            memcpy(buf, r->in + r->in_pos, n);
            r->in_pos += n;
            r->bytes_in += n;
            return (ssize_t)n;
        }
        if (r->src_eof)
            return 0;
        if (r->is_mem) {
            if (refill(r) < 0)
                return r->saved.code;
            continue;
        }
        /* Once the detection bytes are gone, read straight into buf. */
        ssize_t n = read_retry(r, buf, cap);
        if (n < 0)
            return hald_error_set_errno(&r->saved, HALD_E_IO, errno, "%s: read", r->name);
        r->src_eof = n == 0;
        r->bytes_in += (uint64_t)n;
        return n;
    }
}

static ssize_t read_zstd(hald_reader_t *r, unsigned char *buf, size_t cap)
{
    for (;;) {
        if (r->in_pos == r->in_len && !r->src_eof && refill(r) < 0)
            return r->saved.code;
        int input_left = r->in_pos < r->in_len;
        /* Between frames with no input left is a clean end; calling the
         * decoder again would make it ask for the next frame header. */
        if (!input_left && r->zret == 0)
            return 0;
        ZSTD_inBuffer ib = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer ob = {buf, cap, 0};
        if (r->zret == 0)
            r->frame_at = r->bytes_in; /* a new frame (or junk) starts here */
        size_t ret = ZSTD_decompressStream(r->zd, &ob, &ib);
        r->bytes_in += ib.pos - r->in_pos;
        r->in_pos = ib.pos;
        if (ZSTD_isError(ret))
            return hald_error_set(&r->saved, HALD_E_INPUT, "%s: zstd frame at offset %llu: %s",
                                  r->name, (unsigned long long)r->frame_at, ZSTD_getErrorName(ret));
        r->zret = ret;
        if (ob.pos > 0)
            return (ssize_t)ob.pos;
        /* Nothing came out of a mid-frame decoder with no input left. */
        if (!input_left && r->src_eof)
            return hald_error_set(&r->saved, HALD_E_INPUT, "%s: truncated zstd stream",
                                  r->name);
    }
}

/* After a member ends, what follows must be another member. */
static int next_member(hald_reader_t *r)
{
    if (r->in[r->in_pos] != 0x1F)
        return hald_error_set(&r->saved, HALD_E_INPUT,
                              "%s: gzip: trailing garbage after the last member", r->name);
    if (inflateReset(&r->zs) != Z_OK)
        return hald_error_set(&r->saved, HALD_E_INPUT, "%s: gzip: cannot reset", r->name);
    r->member_done = 0;
    return 0;
}

static int gzip_status(hald_reader_t *r, int ret)
{
    switch (ret) {
    case Z_OK:
    case Z_BUF_ERROR: /* no progress possible yet: more input is needed */
        return 0;
    case Z_STREAM_END:
        r->member_done = 1;
        return 0;
    case Z_MEM_ERROR:
        return hald_error_set(&r->saved, HALD_E_NOMEM, "%s: gzip: out of memory", r->name);
    default:
        return hald_error_set(&r->saved, HALD_E_INPUT, "%s: gzip: %s", r->name,
                              r->zs.msg ? r->zs.msg : "invalid data");
    }
}

static ssize_t read_gzip(hald_reader_t *r, unsigned char *buf, size_t cap)
{
    for (;;) {
        if (r->in_pos == r->in_len && !r->src_eof && refill(r) < 0)
            return r->saved.code;
        if (r->member_done) {
            if (r->in_pos == r->in_len)
                return 0;
            if (next_member(r) < 0)
                return r->saved.code;
        }
        size_t avail = r->in_len - r->in_pos;
        r->zs.next_in = r->in + r->in_pos;
        r->zs.avail_in = (uInt)avail;
        r->zs.next_out = buf;
        r->zs.avail_out = (uInt)cap;
        int ret = inflate(&r->zs, Z_NO_FLUSH);
        size_t used = avail - r->zs.avail_in;
        r->in_pos += used;
        r->bytes_in += used;
        if (gzip_status(r, ret) < 0)
            return r->saved.code;
        size_t produced = cap - r->zs.avail_out;
        if (produced > 0)
            return (ssize_t)produced;
        if (!r->member_done && r->in_pos == r->in_len && r->src_eof)
            return hald_error_set(&r->saved, HALD_E_INPUT, "%s: truncated gzip stream",
                                  r->name);
    }
}

ssize_t hald_reader_read(hald_reader_t *r, void *buf, size_t cap, hald_error_t *err)
{
    if (!r)
        return hald_error_set(err, HALD_E_USAGE, "hald_reader_read: NULL reader");
    if (r->state == FAILED)
        return latch(r, err);
    if (r->state == AT_EOF)
        return 0;
    /* A 0-byte read could not be told apart from the end of the stream. */
    if (cap == 0 || !buf)
        return hald_error_set(err, HALD_E_USAGE, "%s: read with an empty buffer", r->name);
    if (cap > MAX_SPAN)
        cap = MAX_SPAN;
    ssize_t n;
    if (r->comp == HALD_COMP_ZSTD)
        n = read_zstd(r, buf, cap);
    else if (r->comp == HALD_COMP_GZIP)
        n = read_gzip(r, buf, cap);
    else
        n = read_plain(r, buf, cap);
    if (n < 0)
        return latch(r, err);
    if (n == 0)
        r->state = AT_EOF;
    return n;
}

hald_compression_t hald_reader_compression(const hald_reader_t *r)
{
    return r ? r->comp : HALD_COMP_PLAIN;
}

const char *hald_reader_name(const hald_reader_t *r)
{
    return r ? r->name : "";
}

uint64_t hald_reader_bytes_in(const hald_reader_t *r)
{
    return r ? r->bytes_in : 0;
}

uint64_t hald_reader_size(const hald_reader_t *r)
{
    struct stat st;
    if (!r)
        return 0;
    if (r->is_mem)
        return r->mem_len;
    return fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

void hald_reader_close(hald_reader_t *r)
{
    if (!r)
        return;
    ZSTD_freeDCtx(r->zd);
    if (r->zs_ready)
        inflateEnd(&r->zs);
    if (r->owns_fd && r->fd >= 0)
        close(r->fd);
    free(r->inbuf);
    free(r->name);
    free(r);
}
