/* What a part of a sharded run and its input are, measured, so that hald
 * merge can tell a part from a changed one and an input from another. */
#include "hald/merge_run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "hald/pack.h"
#include "../io/le.h"

#define READ_BYTES (1u << 20)

int hald_merge_checksum(const char *path, uint64_t *bytes, uint32_t *crc32_out, hald_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", path);
    char *buf = malloc(READ_BYTES);
    int rc = buf ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    uLong crc = crc32_z(0, Z_NULL, 0);
    uint64_t total = 0;
    while (rc == HALD_OK) {
        ssize_t k = read(fd, buf, READ_BYTES);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", path);
        if (k <= 0)
            break;
        crc = crc32_z(crc, (const Bytef *)buf, (size_t)k);
        total += (uint64_t)k;
    }
    free(buf);
    close(fd);
    *bytes = total;
    *crc32_out = (uint32_t)crc;
    return rc;
}

/* Exactly n bytes at offset off. */
static int read_at(int fd, const char *path, void *buf, size_t n, uint64_t off, hald_error_t *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", path);
        if (k == 0)
            return hald_error_set(err, HALD_E_INPUT, "%s: shorter than its index says", path);
        got += (size_t)k;
    }
    return HALD_OK;
}

/* The frame table and each frame's stored checksum, as one CRC-32. */
static int fingerprint(int fd, const char *path, const hald_pack_index_t *idx, uint32_t *out,
                       hald_error_t *err)
{
    uLong crc = crc32_z(0, Z_NULL, 0);
    for (uint64_t k = 0; k < idx->n_frames; k++) {
        const hald_pack_frame_t *f = &idx->frames[k];
        uint8_t entry[40 + 4];
        hald_put_le64(entry, f->offset);
        hald_put_le64(entry + 8, f->csize);
        hald_put_le64(entry + 16, f->dsize);
        hald_put_le64(entry + 24, f->records);
        hald_put_le64(entry + 32, f->newlines);
        if (f->csize < 4)
            return hald_error_set(err, HALD_E_INPUT, "%s: frame %llu is too short", path,
                                  (unsigned long long)k);
        int rc = read_at(fd, path, entry + 40, 4, f->offset + f->csize - 4, err);
        if (rc != HALD_OK)
            return rc;
        crc = crc32_z(crc, entry, sizeof entry);
    }
    *out = (uint32_t)crc;
    return HALD_OK;
}

int hald_merge_input_id(const char *path, uint64_t *bytes, uint32_t *fp, hald_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", path);
    struct stat st;
    hald_pack_index_t idx;
    memset(&idx, 0, sizeof idx);
    int rc = fstat(fd, &st) == 0 ? HALD_OK : hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot stat", path);
    if (rc == HALD_OK)
        rc = hald_pack_index_read(fd, path, &idx, err);
    if (rc == 1)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: not a packed file (hald pack)", path);
    if (rc == HALD_OK)
        rc = fingerprint(fd, path, &idx, fp, err);
    hald_pack_index_free(&idx);
    close(fd);
    *bytes = rc == HALD_OK ? (uint64_t)st.st_size : 0;
    return rc;
}
