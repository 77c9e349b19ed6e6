/* The scan kernel alone: hald_scan_chunk over random sequence in memory,
 * no decompression, parsing or output, to tell kernel time from the rest.
 *
 *   hald_scankernel [-b BASES] [-m both|mean] [-c CPU] [WEIGHTS]
 *
 * Prints ns per base and per site, best of 3.  WEIGHTS as for hald (the
 * search path when omitted). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hald/scan.h"
#include "hald/weights.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int fail(const char *what, const hald_error_t *err)
{
    fprintf(stderr, "hald_scankernel: %s: %s\n", what, err->msg);
    return 1;
}

int main(int argc, char **argv)
{
    size_t n = 20000000;
    hald_model_set_t models = HALD_MODELS_BOTH;
    hald_cpu_t want = HALD_CPU_AUTO;
    int opt;
    while ((opt = getopt(argc, argv, "b:m:c:")) != -1) {
        int ok = 1;
        if (opt == 'b')
            n = (size_t)strtoull(optarg, NULL, 10);
        else if (opt == 'm')
            ok = strcmp(optarg, "mean") == 0 ? (models = HALD_MODELS_MEAN, 1) : strcmp(optarg, "both") == 0;
        else if (opt == 'c')
            ok = hald_cpu_parse(optarg, &want) == 0;
        else
            ok = 0;
        if (!ok || n < 200) {
            fprintf(stderr, "usage: hald_scankernel [-b BASES >= 200] [-m both|mean] [-c auto|scalar|avx2] [WEIGHTS]\n");
            return 2;
        }
    }
    hald_error_t err;
    char path[4096];
    hald_cpu_t cpu;
    if (hald_weights_resolve(optind < argc ? argv[optind] : NULL, NULL, NULL, path, sizeof path,
                             &err) != HALD_OK)
        return fail("weights", &err);
    hald_weights_t *w = malloc(sizeof *w);
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    char *seq = malloc(n + 1);
    if (!w || !scorer || !seq) {
        fprintf(stderr, "hald_scankernel: out of memory\n");
        return 1;
    }
    if (hald_weights_load(path, w, &err) != HALD_OK)
        return fail(path, &err);
    if (hald_cpu_select(want, &cpu, &err) != HALD_OK)
        return fail("cpu", &err);
    hald_scorer_init(scorer, w, cpu, 0);
    hald_scan_tables_t *t = hald_scan_tables_new(scorer, &err);
    if (!t)
        return fail("tables", &err);
    uint64_t r = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        seq[i] = "ACGT"[(r >> 20) & 3];
    }
    /* Blocks as hald scan scores them. */
    const uint64_t block = 16384;
    hald_buf_t sites;
    hald_buf_init(&sites);
    double best = 1e30;
    size_t count = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = now_s();
        count = 0;
        for (uint64_t lo = 0; lo < n; lo += block) {
            uint64_t hi = lo + block < n ? lo + block : n;
            uint64_t b0 = lo > 80 ? lo - 80 : 0, b1 = hi + 82 < n ? hi + 82 : n;
            sites.len = 0;
            if (hald_scan_chunk(t, seq + b0, b0, (size_t)(b1 - b0), n, lo, hi, models, &sites,
                                &err) != HALD_OK)
                return fail("scan", &err);
            count += sites.len / sizeof(hald_scan_site_t);
        }
        double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    printf("%s, %s, %zu bases, %zu sites: %.3f ns/base, %.2f ns/site\n", hald_cpu_name(cpu),
           models == HALD_MODELS_MEAN ? "mean" : "both", n, count, best / (double)n * 1e9,
           count ? best / (double)count * 1e9 : 0.0);
    hald_buf_free(&sites);
    hald_scan_tables_free(t);
    free(seq);
    free(scorer);
    free(w);
    return 0;
}
