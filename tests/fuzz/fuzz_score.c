/* hald score end to end, on made-up weights: the input as a file (cut by
 * the record source into frames, packed frames or stream units, as its
 * bytes say) on one thread with the scalar kernel, and the same bytes as
 * a stream on three threads with the AVX2 kernel (where the CPU has it),
 * must print the same rows or both fail. */
#include <string.h>

#include "hald/score_run.h"
#include "hald/weights.h"
#include "fuzz.h"

static void score(const hald_scorer_t *scorer, const char *path, const uint8_t *data, size_t size,
                  int threads, fuzz_outcome_t *o)
{
    int fd;
    hald_sink_t *out = fuzz_sink(&fd, o);
    hald_score_opts_t so;
    hald_score_opts_init(&so);
    so.models = HALD_MODELS_BOTH;
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    hald_run_stats_t st;
    if (data) {
        hald_reader_t *r = hald_reader_from_memory(data, size, path, &o->err);
        o->rc = r ? hald_score_run_reader(scorer, &so, r, out, &env, &st, &o->err) : o->err.code;
        hald_reader_close(r);
    } else {
        o->rc = hald_score_run(scorer, &so, path, out, &env, &st, &o->err);
    }
    fuzz_sink_done(out, fd, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hald_weights_t *w = fuzz_weights_new(7, 3, 101, 64.0);
    hald_scorer_t *scalar = malloc(sizeof *scalar), *fast = malloc(sizeof *fast);
    FUZZ_CHECK(scalar && fast);
    int any_length = size % 2;
    hald_scorer_init(scalar, w, HALD_CPU_SCALAR, any_length);
    hald_scorer_init(fast, w, hald_cpu_has_avx2() ? HALD_CPU_AVX2 : HALD_CPU_SCALAR, any_length);

    char path[512];
    fuzz_file("score", data, size, path, sizeof path);
    fuzz_outcome_t file, stream;
    score(scalar, path, NULL, 0, 1, &file);
    score(fast, path, data, size, 3, &stream);
    unlink(path);
    /* A file's packed index is checked; a stream skips it as the
     * skippable frame it is: a damaged index fails only the file. */
    int index_only = file.rc != HALD_OK && stream.rc == HALD_OK &&
                     (strstr(file.err.msg, "packed index") || strstr(file.err.msg, "seek table"));
    if (index_only)
        FUZZ_CHECK(strstr(file.err.msg, path) == file.err.msg);
    else
        fuzz_same_or_both_fail(&file, &stream, path);
    free(file.text);
    free(stream.text);
    free(w);
    free(scalar);
    free(fast);
    return 0;
}
