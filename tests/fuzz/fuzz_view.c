/* hald view's reader of the binary formats (scores and sites): whatever
 * the bytes, the TSV printed or an error naming the file, and the same
 * bytes and outcome on one thread and on three. */
#include <string.h>

#include "hald/sink.h"
#include "hald/view_run.h"
#include "fuzz.h"

static int view(const char *path, int threads, char **text, size_t *len, hald_error_t *err)
{
    int fd = fuzz_memfd();
    hald_sink_t *out = hald_sink_from_fd(fd, 0, "out", err);
    FUZZ_CHECK(out != NULL);
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    hald_run_stats_t st;
    int rc = hald_view_run(path, out, &env, &st, err);
    if (rc == HALD_OK)
        rc = hald_sink_commit(out, err);
    else
        hald_sink_abort(out);
    *text = fuzz_memfd_text(fd, len);
    close(fd);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_file("view", data, size, path, sizeof path);
    char *one, *three;
    size_t one_len, three_len;
    hald_error_t err1, err3;
    int rc1 = view(path, 1, &one, &one_len, &err1);
    int rc3 = view(path, 3, &three, &three_len, &err3);
    unlink(path);
    FUZZ_CHECK(rc1 == rc3);
    if (rc1 == HALD_OK) {
        FUZZ_CHECK(one_len == three_len && memcmp(one, three, one_len) == 0);
    } else {
        FUZZ_CHECK(strstr(err1.msg, path) == err1.msg);
        FUZZ_CHECK(strcmp(err1.msg, err3.msg) == 0);
    }
    free(one);
    free(three);
    return 0;
}
