/* Packed frames read by the rank that works on them. */
#include "frame_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void hald_frame_file_open(hald_frame_file_t *f, const char *path, uint64_t *bytes_read)
{
    int named = path && strcmp(path, "-") != 0;
    f->bytes_read = bytes_read;
    f->fd = named ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    f->open_errno = f->fd >= 0 ? 0 : named ? errno : EBADF;
}

void hald_frame_file_close(hald_frame_file_t *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

int hald_pread_frame(int fd, const char *name, char *dst, uint64_t size, uint64_t offset,
                     hald_error_t *err)
{
    uint64_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, dst + got, (size_t)(size - got), (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", name);
        if (n == 0)
            return hald_error_set(err, HALD_E_INPUT, "%s: frame at offset %llu is cut short", name,
                                  (unsigned long long)offset);
        got += (uint64_t)n;
    }
    return HALD_OK;
}

int hald_frame_file_read(const hald_frame_file_t *f, const char *name, hald_buf_t *dst,
                         uint64_t size, uint64_t offset, hald_error_t *err)
{
    if (f->fd < 0)
        return hald_error_set_errno(err, HALD_E_IO, f->open_errno,
                                    "%s: cannot open (every rank reads the packed frames it is "
                                    "dealt, so the input must be on a file system all ranks see)",
                                    name);
    dst->len = 0;
    char *p = hald_buf_reserve(dst, (size_t)size, err);
    if (!p || hald_pread_frame(f->fd, name, p, size, offset, err) != HALD_OK)
        return err->code;
    dst->len = (size_t)size;
    if (f->bytes_read)
        __atomic_add_fetch(f->bytes_read, size, __ATOMIC_RELAXED);
    return HALD_OK;
}
