/* The part source: the parts of a sharded run, checked, as units of their
 * bytes. */
#include "part_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes per unit (a binary unit ends at the first block end past them),
 * the longest header line looked for, and the largest block taken (as
 * hald view). */
#define UNIT_BYTES (UINT64_C(1) << 20)
#define HEADER_MAX (64u << 10)
#define BLOCK_MAX (UINT64_C(256) << 20)

struct hald_part_src {
    const hald_merge_part_t *parts;
    size_t n;
    hald_merge_format_t format;
    char *header;             /* the first part's header */
    size_t header_len;
    hald_bin_header_t bin;    /* binary parts: their header, decoded */
    size_t at;                /* the part being read */
    int fd;                   /* its descriptor, or -1 */
    uint64_t pos;             /* bytes of it read */
    uint64_t bytes_total, bytes_in;
};

/* ================================================================ checks */

/* Reads exactly n bytes from where fd stands. */
static int read_exact(int fd, const char *name, void *buf, size_t n, hald_error_t *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", name);
        if (k == 0)
            return hald_error_set(err, HALD_E_INPUT, "%s: shorter than when it was written "
                                  "(it shrank while being read)", name);
        got += (size_t)k;
    }
    return HALD_OK;
}

/* Opens part i: a regular file of the size it was written with. */
static int open_part(const hald_part_src_t *s, size_t i, int *fd, hald_error_t *err)
{
    const hald_merge_part_t *p = &s->parts[i];
    *fd = open(p->path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", p->path);
    struct stat st;
    int rc = HALD_OK;
    if (fstat(*fd, &st) != 0)
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot stat", p->path);
    else if (!S_ISREG(st.st_mode))
        rc = hald_error_set(err, HALD_E_INPUT, "%s: not a regular file", p->path);
    else if ((uint64_t)st.st_size != p->bytes)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: %llu bytes, but its run wrote %llu: %s since it was written",
                            p->path, (unsigned long long)st.st_size, (unsigned long long)p->bytes,
                            (uint64_t)st.st_size < p->bytes ? "truncated" : "grown");
    if (rc != HALD_OK) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

/* The header of part i, read from the start of fd into buf (HEADER_MAX
 * bytes): its first line, its 64 bytes, or nothing. */
static int read_header(const hald_part_src_t *s, size_t i, int fd, char *buf, size_t *len,
                       hald_error_t *err)
{
    const hald_merge_part_t *p = &s->parts[i];
    *len = 0;
    if (s->format == HALD_MERGE_TEXT)
        return HALD_OK;
    if (s->format == HALD_MERGE_BIN) {
        if (p->bytes < HALD_BIN_HEADER_SIZE + HALD_BIN_BLOCK_HEAD + 16)
            return hald_error_set(err, HALD_E_INPUT, "%s: %llu bytes, too short for a hald binary file",
                                  p->path, (unsigned long long)p->bytes);
        *len = HALD_BIN_HEADER_SIZE;
        return read_exact(fd, p->path, buf, HALD_BIN_HEADER_SIZE, err);
    }
    size_t want = p->bytes < HEADER_MAX ? (size_t)p->bytes : HEADER_MAX;
    int rc = read_exact(fd, p->path, buf, want, err);
    if (rc != HALD_OK)
        return rc;
    const char *nl = memchr(buf, '\n', want);
    if (!nl)
        return hald_error_set(err, HALD_E_INPUT, "%s: no header line", p->path);
    *len = (size_t)(nl - buf) + 1;
    return HALD_OK;
}

/* The first part's header, kept (and decoded, for a binary file). */
static int keep_header(hald_part_src_t *s, const char *buf, size_t len, hald_error_t *err)
{
    if (len && !(s->header = malloc(len)))
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (len)
        memcpy(s->header, buf, len);
    s->header_len = len;
    if (s->format != HALD_MERGE_BIN)
        return HALD_OK;
    return hald_bin_header_decode((const uint8_t *)buf, s->parts[0].path, &s->bin, err);
}

/* Every part, before anything is written. */
static int check_parts(hald_part_src_t *s, hald_error_t *err)
{
    char *buf = malloc(HEADER_MAX);
    if (!buf)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    int rc = HALD_OK;
    for (size_t i = 0; rc == HALD_OK && i < s->n; i++) {
        int fd;
        size_t len = 0;
        rc = open_part(s, i, &fd, err);
        if (rc != HALD_OK)
            break;
        rc = read_header(s, i, fd, buf, &len, err);
        close(fd);
        s->bytes_total += s->parts[i].bytes;
        if (rc == HALD_OK && i == 0)
            rc = keep_header(s, buf, len, err);
        else if (rc == HALD_OK && (len != s->header_len || (len && memcmp(buf, s->header, len) != 0)))
            rc = hald_error_set(err, HALD_E_INPUT, "%s: its %s differs from %s's: not a part of the same run",
                                s->parts[i].path, s->format == HALD_MERGE_BIN ? "binary header" : "header line",
                                s->parts[0].path);
    }
    free(buf);
    return rc;
}

hald_part_src_t *hald_part_src_open(const hald_merge_part_t *parts, size_t n,
                                    hald_merge_format_t format, hald_error_t *err)
{
    if (n == 0) {
        hald_error_set(err, HALD_E_USAGE, "no parts to merge");
        return NULL;
    }
    hald_part_src_t *s = calloc(1, sizeof *s);
    if (!s) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory");
        return NULL;
    }
    s->parts = parts;
    s->n = n;
    s->format = format;
    s->fd = -1;
    if (check_parts(s, err) != HALD_OK) {
        hald_part_src_close(s);
        return NULL;
    }
    return s;
}

void hald_part_src_close(hald_part_src_t *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->header);
    free(s);
}

const char *hald_part_src_header(const hald_part_src_t *s, size_t *len)
{
    *len = s->header_len;
    return s->header;
}

const hald_bin_header_t *hald_part_src_bin_header(const hald_part_src_t *s) { return &s->bin; }
uint64_t hald_part_src_bytes_in(const hald_part_src_t *s) { return __atomic_load_n(&s->bytes_in, __ATOMIC_RELAXED); }
uint64_t hald_part_src_bytes_total(const hald_part_src_t *s) { return s->bytes_total; }

/* ================================================================ units */

/* n more bytes of the part onto the unit. */
static int take_bytes(hald_part_src_t *s, hald_part_unit_t *u, size_t n, hald_error_t *err)
{
    char *dst = hald_buf_reserve(&u->bytes, n, err);
    if (!dst)
        return err->code;
    int rc = read_exact(s->fd, s->parts[s->at].path, dst, n, err);
    if (rc != HALD_OK)
        return rc;
    u->bytes.len += n;
    s->pos += n;
    __atomic_add_fetch(&s->bytes_in, n, __ATOMIC_RELAXED);
    return HALD_OK;
}

static int next_text(hald_part_src_t *s, const hald_merge_part_t *p, hald_part_unit_t *u,
                     hald_error_t *err)
{
    uint64_t left = p->bytes - s->pos;
    u->skip = s->pos == 0 ? s->header_len : 0;
    return take_bytes(s, u, (size_t)(left < UNIT_BYTES ? left : UNIT_BYTES), err);
}

static int bad_block(const hald_merge_part_t *p, uint64_t at, const char *what, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: block at byte offset %llu: %s", p->path,
                          (unsigned long long)at, what);
}

/* A block head that this kind of file can hold, whose payload lies inside
 * the part. */
static int check_head(const hald_part_src_t *s, const hald_merge_part_t *p, const hald_bin_block_t *b,
                      uint64_t at, hald_error_t *err)
{
    uint32_t records = s->bin.kind == HALD_BIN_SITES ? HALD_BLOCK_SITE : HALD_BLOCK_ROWS;
    if (b->bytes % 8 || b->bytes > BLOCK_MAX)
        return bad_block(p, at, "a payload size that is not a multiple of 8 up to 256 MiB", err);
    if (b->bytes > p->bytes - at - HALD_BIN_BLOCK_HEAD)
        return bad_block(p, at, "its payload runs past the end of the file", err);
    if (b->type == records)
        return (uint64_t)b->count * s->bin.record_size > b->bytes
                   ? bad_block(p, at, "more records than its size holds", err) : HALD_OK;
    if (b->type == HALD_BLOCK_NAME && s->bin.kind == HALD_BIN_SITES)
        return HALD_OK;
    if (b->type == HALD_BLOCK_END)
        return b->count == 0 && b->bytes == 16 ? HALD_OK : bad_block(p, at, "a malformed end block", err);
    return bad_block(p, at, "a block of a type this kind of file does not hold", err);
}

/* Whole blocks up to about UNIT_BYTES; the first unit of a part starts
 * with its header, and a part's last unit ends with its end block. */
static int next_blocks(hald_part_src_t *s, const hald_merge_part_t *p, hald_part_unit_t *u,
                       hald_error_t *err)
{
    int rc = HALD_OK;
    u->skip = 0;
    if (s->pos == 0) {
        u->skip = HALD_BIN_HEADER_SIZE;
        rc = take_bytes(s, u, HALD_BIN_HEADER_SIZE, err);
    }
    while (rc == HALD_OK) {
        uint64_t at = s->pos;
        if (p->bytes - at < HALD_BIN_BLOCK_HEAD)
            return hald_error_set(err, HALD_E_INPUT, "%s: no end block: truncated before it was merged",
                                  p->path);
        size_t head_at = u->bytes.len;
        if ((rc = take_bytes(s, u, HALD_BIN_BLOCK_HEAD, err)) != HALD_OK)
            return rc;
        hald_bin_block_t b;
        hald_bin_block_decode((const uint8_t *)u->bytes.data + head_at, &b);
        if ((rc = check_head(s, p, &b, at, err)) != HALD_OK ||
            (rc = take_bytes(s, u, (size_t)b.bytes, err)) != HALD_OK)
            return rc;
        if (b.type == HALD_BLOCK_END)
            return s->pos == p->bytes ? HALD_OK
                                      : hald_error_set(err, HALD_E_INPUT, "%s: %llu bytes after the end block",
                                                       p->path, (unsigned long long)(p->bytes - s->pos));
        if (b.type != HALD_BLOCK_NAME && u->bytes.len >= UNIT_BYTES)
            break; /* a NAME block stays with the block it names */
    }
    return rc;
}

int hald_part_src_next(hald_part_src_t *s, hald_part_unit_t *u, hald_error_t *err)
{
    if (s->at == s->n)
        return 0;
    const hald_merge_part_t *p = &s->parts[s->at];
    int rc = HALD_OK;
    if (s->fd < 0) {
        rc = open_part(s, s->at, &s->fd, err);
        s->pos = 0;
    }
    if (rc != HALD_OK)
        return rc;
    u->format = (uint64_t)s->format;
    u->record_size = s->bin.record_size;
    u->sites = s->bin.kind == HALD_BIN_SITES;
    u->named = u->sites && (s->bin.flags & HALD_BIN_FLAG_NAMED);
    u->offset = s->pos;
    u->part = s->at;
    rc = s->format == HALD_MERGE_BIN ? next_blocks(s, p, u, err) : next_text(s, p, u, err);
    if (rc != HALD_OK)
        return rc;
    u->length = u->bytes.len;
    if (s->pos == p->bytes) {
        u->last = 1;
        close(s->fd);
        s->fd = -1;
        s->at++;
    }
    return 1;
}
