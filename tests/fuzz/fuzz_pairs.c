/* hald pairs end to end, on made-up weights: the input (a TSV of pairs,
 * FASTA pairs, compressed or not, or anything) as a file on one thread
 * with the scalar kernel, and as a stream on three threads with the AVX2
 * kernel where the CPU has it, must print the same rows or both fail,
 * and a failure must name the input. */
#include <string.h>

#include "hald/pairs_run.h"
#include "hald/weights.h"
#include "fuzz.h"

static void pairs(const hald_scorer_t *scorer, const char *path, const uint8_t *data, size_t size,
                  int threads, fuzz_outcome_t *o)
{
    int fd;
    hald_sink_t *out = fuzz_sink(&fd, o);
    hald_pairs_opts_t po;
    hald_pairs_opts_init(&po);
    hald_run_env_t env;
    hald_run_env_init(&env);
    env.threads = threads;
    hald_run_stats_t st;
    if (data) {
        hald_reader_t *r = hald_reader_from_memory(data, size, path, &o->err);
        o->rc = r ? hald_pairs_run_reader(scorer, &po, r, out, &env, &st, &o->err) : o->err.code;
        hald_reader_close(r);
    } else {
        o->rc = hald_pairs_run(scorer, &po, path, out, &env, &st, &o->err);
    }
    fuzz_sink_done(out, fd, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hald_weights_t *w = fuzz_weights_new(5, 11, 97, 32.0);
    hald_scorer_t *scalar = malloc(sizeof *scalar), *fast = malloc(sizeof *fast);
    FUZZ_CHECK(scalar && fast);
    int any_length = size % 2;
    hald_scorer_init(scalar, w, HALD_CPU_SCALAR, any_length);
    hald_scorer_init(fast, w, hald_cpu_has_avx2() ? HALD_CPU_AVX2 : HALD_CPU_SCALAR, any_length);

    char path[512];
    fuzz_file("pairs", data, size, path, sizeof path);
    fuzz_outcome_t file, stream;
    pairs(scalar, path, NULL, 0, 1, &file);
    pairs(fast, path, data, size, 3, &stream);
    unlink(path);
    fuzz_same_or_both_fail(&file, &stream, path);
    free(file.text);
    free(stream.text);
    free(w);
    free(scalar);
    free(fast);
    return 0;
}
