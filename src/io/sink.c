/* Atomic-or-in-place output files with one large write buffer. */
#include "hald/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_BUFFER (1u << 20)
#define SINK_DIRECT (1u << 16)

struct hald_sink {
    int fd;
    int owns_fd;
    int seekable;
    int tty;
    char *name;       /* as given */
    char *final_path; /* rename target, or NULL when writing in place */
    char *temp_path;  /* temporary, or NULL */
    char *buf;
    size_t len;
    uint64_t at;      /* file offset of buf[0]: what was written or left as a gap */
    hald_sink_divert_fn divert;
    void *divert_ctx;
    /* Once other processes write into the file, every write goes by pwrite
     * at its offset (the descriptor's position is never used), and a gap
     * does not flush: the buffer holds segments, each at its own offset. */
    int positioned;
    struct segment {
        size_t from;  /* where in buf it starts (segment 0 starts at 0, at `at`) */
        uint64_t off; /* its file offset */
    } segs[64];
    size_t n_segs;
};

size_t hald_sink_buffer_size(void) { return SINK_BUFFER; }

static void sink_free(hald_sink_t *s)
{
    free(s->name);
    free(s->final_path);
    free(s->temp_path);
    free(s->buf);
    free(s);
}

static int write_all(int fd, const char *p, size_t len, const char *name, hald_error_t *err)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", name);
        }
        p += n;
        len -= (size_t)n;
    }
    return HALD_OK;
}

/* The file a rename must replace: what a symlink points to (followed
 * link by link, so that a dangling link gets its target created and the
 * link survives), or the path itself.  NULL when out of memory. */
static char *rename_target(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n <= 0)
            return cur;
        link[n] = '\0';
        char *next;
        if (link[0] == '/') {
            next = strdup(link);
        } else { /* relative to the link's directory */
            char *dir_copy = strdup(cur);
            const char *dir = dir_copy ? dirname(dir_copy) : NULL;
            size_t need = dir ? strlen(dir) + (size_t)n + 2 : 0;
            next = dir ? malloc(need) : NULL;
            if (next)
                snprintf(next, need, "%s/%s", dir, link);
            free(dir_copy);
        }
        free(cur);
        cur = next;
    }
    return cur;
}

/* ".NAME.hald-tmp.XXXXXX" must itself be a valid name: NAME is cut so
 * that the temporary fits in NAME_MAX even when NAME does. */
#define TEMP_SUFFIX ".hald-tmp.XXXXXX"

static int open_temp(hald_sink_t *s, const char *path, hald_error_t *err)
{
    s->final_path = rename_target(path);
    if (!s->final_path)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
    char *dir_copy = strdup(s->final_path), *base_copy = strdup(s->final_path);
    int rc = HALD_OK;
    if (!dir_copy || !base_copy) {
        rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        goto done;
    }
    const char *dir = dirname(dir_copy), *base = basename(base_copy);
    size_t need = strlen(dir) + strlen(base) + 32;
    s->temp_path = malloc(need);
    if (!s->temp_path) {
        rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        goto done;
    }
    int keep = (int)(NAME_MAX - 1 - (sizeof TEMP_SUFFIX - 1));
    snprintf(s->temp_path, need, "%s/.%.*s" TEMP_SUFFIX, dir, keep, base);
    s->fd = mkstemp(s->temp_path);
    if (s->fd < 0) {
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot create a temporary file in %s",
                                  path, dir);
        free(s->temp_path);
        s->temp_path = NULL;
        goto done;
    }
    /* mkstemp makes 0600.  A file being replaced keeps its mode (and its
     * owner, where we may give it); a new one gets what open would give. */
    struct stat old;
    mode_t mode;
    if (stat(s->final_path, &old) == 0) {
        mode = old.st_mode & 07777;
        if ((old.st_uid != geteuid() || old.st_gid != getegid()) &&
            fchown(s->fd, old.st_uid, old.st_gid) != 0 && errno != EPERM)
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: chown failed", s->temp_path);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (rc == HALD_OK && fchmod(s->fd, mode) != 0)
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: chmod failed", s->temp_path);
    s->seekable = 1;
done:
    free(dir_copy);
    free(base_copy);
    return rc;
}

/* "/dev/stdout", "/dev/stderr", "/dev/fd/N" and "/proc/self/fd/N" name a
 * descriptor this process already has open (the shell's redirection, with
 * its offset and append mode): the descriptor, or -1. */
static int descriptor_path(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return STDOUT_FILENO;
    if (strcmp(path, "/dev/stderr") == 0)
        return STDERR_FILENO;
    const char *num = strncmp(path, "/dev/fd/", 8) == 0 ? path + 8
                      : strncmp(path, "/proc/self/fd/", 14) == 0 ? path + 14
                                                                 : NULL;
    if (!num || *num < '0' || *num > '9')
        return -1;
    char *end;
    long fd = strtol(num, &end, 10);
    return *end == '\0' && fd <= INT_MAX ? (int)fd : -1;
}

static int open_in_place(hald_sink_t *s, const char *path, hald_error_t *err)
{
    int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO : descriptor_path(path);
    if (fd >= 0 && fcntl(fd, F_GETFD) != -1) {
        s->fd = fd;
        s->owns_fd = 0;
    } else {
        s->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (s->fd < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open for writing", path);
    }
    s->tty = isatty(s->fd);
    return HALD_OK;
}

hald_sink_t *hald_sink_open(const char *path, hald_error_t *err)
{
    if (!*path) {
        hald_error_set(err, HALD_E_USAGE, "an empty output path: give a file name, or '-' for stdout");
        return NULL;
    }
    hald_sink_t *s = calloc(1, sizeof *s);
    if (!s) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    s->fd = -1;
    s->owns_fd = 1;
    s->name = strdup(strcmp(path, "-") == 0 ? "stdout" : path);
    s->buf = malloc(SINK_BUFFER);
    if (!s->name || !s->buf) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        hald_sink_abort(s);
        return NULL;
    }
    /* Written in place: stdout, a descriptor already open (replacing the
     * file behind it would lose what the shell writes around hald), and
     * anything that is not a regular file (a device, a FIFO, a socket). */
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        hald_error_set(err, HALD_E_IO, "%s: is a directory", path);
        hald_sink_abort(s);
        return NULL;
    }
    int fd = descriptor_path(path);
    int in_place = strcmp(path, "-") == 0 || (fd >= 0 && fcntl(fd, F_GETFD) != -1) ||
                   (exists && !S_ISREG(st.st_mode));
    int rc = in_place ? open_in_place(s, path, err) : open_temp(s, path, err);
    if (rc != HALD_OK) {
        hald_sink_abort(s);
        return NULL;
    }
    return s;
}

hald_sink_t *hald_sink_from_fd(int fd, int owns_fd, const char *name, hald_error_t *err)
{
    char fallback[32];
    if (!name) {
        snprintf(fallback, sizeof fallback, "(fd %d)", fd);
        name = fallback;
    }
    hald_sink_t *s = calloc(1, sizeof *s);
    if (s) {
        s->fd = -1;
        s->name = strdup(name);
        s->buf = malloc(SINK_BUFFER);
    }
    if (!s || !s->name || !s->buf) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        hald_sink_abort(s);
        if (owns_fd)
            close(fd); /* ownership was handed over: don't leak it */
        return NULL;
    }
    s->fd = fd;
    s->owns_fd = owns_fd;
    s->tty = isatty(fd);
    return s;
}

static int pwrite_all(hald_sink_t *s, const char *p, size_t len, uint64_t off, hald_error_t *err)
{
    while (len > 0) {
        ssize_t n = pwrite(s->fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: write failed", s->name);
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return HALD_OK;
}

/* The file offset the next byte goes to. */
static uint64_t sink_end(const hald_sink_t *s)
{
    if (!s->n_segs)
        return s->at + s->len;
    const struct segment *last = &s->segs[s->n_segs - 1];
    return last->off + (s->len - last->from);
}

static int sink_flush(hald_sink_t *s, hald_error_t *err)
{
    int rc = HALD_OK;
    if (!s->positioned) {
        rc = write_all(s->fd, s->buf, s->len, s->name, err);
    } else {
        for (size_t i = 0; rc == HALD_OK && i <= s->n_segs; i++) {
            size_t from = i ? s->segs[i - 1].from : 0;
            size_t to = i < s->n_segs ? s->segs[i].from : s->len;
            uint64_t off = i ? s->segs[i - 1].off : s->at;
            if (to > from)
                rc = pwrite_all(s, s->buf + from, to - from, off, err);
        }
    }
    s->at = sink_end(s);
    s->len = 0;
    s->n_segs = 0;
    return rc;
}

void hald_sink_set_divert(hald_sink_t *s, hald_sink_divert_fn fn, void *ctx)
{
    s->divert = s->temp_path ? fn : NULL;
    s->divert_ctx = ctx;
    s->positioned |= s->divert != NULL;
}

/* Bytes another process writes: a gap.  Not flushed now: a write would
 * wait on the file's lock while another rank writes a large piece, for a
 * 16-byte block head. */
static int leave_gap(hald_sink_t *s, size_t len, hald_error_t *err)
{
    if (s->n_segs == sizeof s->segs / sizeof s->segs[0]) {
        int rc = sink_flush(s, err);
        if (rc != HALD_OK)
            return rc;
    }
    uint64_t end = sink_end(s);
    if (s->len == 0 && s->n_segs == 0)
        s->at = end + len;
    else if (s->n_segs && s->segs[s->n_segs - 1].from == s->len)
        s->segs[s->n_segs - 1].off = end + len; /* an empty segment moves on */
    else
        s->segs[s->n_segs++] = (struct segment){s->len, end + len};
    return HALD_OK;
}

int hald_sink_write(hald_sink_t *s, const void *buf, size_t len, hald_error_t *err)
{
    if (len == 0)
        return HALD_OK; /* an empty buffer may have no memory at all */
    if (s->divert) {
        int rc = s->divert(s->divert_ctx, buf, len, sink_end(s), err);
        if (rc != 0)
            return rc < 0 ? rc : leave_gap(s, len, err);
    }
    /* Large blocks (a batch of formatted rows) go straight out: copying
     * them into the buffer first would only cost a memcpy. */
    if (len >= SINK_DIRECT || s->len + len > SINK_BUFFER) {
        int rc = sink_flush(s, err);
        if (rc != HALD_OK)
            return rc;
        if (len >= SINK_DIRECT) {
            uint64_t off = s->at;
            s->at += len;
            return s->positioned ? pwrite_all(s, buf, len, off, err)
                                 : write_all(s->fd, buf, len, s->name, err);
        }
    }
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    return HALD_OK;
}

char *hald_sink_reserve(hald_sink_t *s, size_t need, hald_error_t *err)
{
    if (s->len + need > SINK_BUFFER && sink_flush(s, err) != HALD_OK)
        return NULL;
    return s->buf + s->len;
}

void hald_sink_advance(hald_sink_t *s, size_t len) { s->len += len; }

int hald_sink_seekable(const hald_sink_t *s) { return s->seekable; }

int hald_sink_fd(hald_sink_t *s, hald_error_t *err)
{
    int rc = sink_flush(s, err);
    return rc == HALD_OK ? s->fd : rc;
}

int hald_sink_pwrite(hald_sink_t *s, uint64_t off, const void *buf, size_t len,
                     hald_error_t *err)
{
    int rc = sink_flush(s, err);
    return rc == HALD_OK ? pwrite_all(s, buf, len, off, err) : rc;
}

int hald_sink_commit(hald_sink_t *s, hald_error_t *err)
{
    int rc = sink_flush(s, err);
    if (rc == HALD_OK && s->temp_path && fsync(s->fd) != 0)
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: fsync failed", s->name);
    if (s->owns_fd && s->fd >= 0) {
        if (close(s->fd) != 0 && rc == HALD_OK)
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: close failed", s->name);
        s->fd = -1;
    }
    if (rc == HALD_OK && s->temp_path) {
        if (rename(s->temp_path, s->final_path) != 0)
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot rename %s into place",
                                      s->name, s->temp_path);
        else {
            free(s->temp_path);
            s->temp_path = NULL;
        }
    }
    hald_sink_abort(s);
    return rc;
}

void hald_sink_abort(hald_sink_t *s)
{
    if (!s)
        return;
    if (s->owns_fd && s->fd >= 0)
        close(s->fd);
    if (s->temp_path)
        unlink(s->temp_path);
    sink_free(s);
}

const char *hald_sink_name(const hald_sink_t *s) { return s->name; }
const char *hald_sink_temp_path(const hald_sink_t *s) { return s->temp_path; }
int hald_sink_is_tty(const hald_sink_t *s) { return s->tty; }
