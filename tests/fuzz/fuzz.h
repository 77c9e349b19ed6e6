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
#include <sys/mman.h>
#include <unistd.h>

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

#endif
