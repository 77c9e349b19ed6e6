/* A synthetic genome for scan tests and benchmarks.
 *
 *   hald_randgenome [-b BASES] [-c SEQUENCES] [-s SEED] [-w WRAP]
 *
 * Random bases with planted donors (CAG|GTAAGT on either strand, every few
 * hundred bases), soft-masked (lowercase) stretches and runs of N, as
 * FASTA wrapped at WRAP (0: one line per sequence).  Deterministic for a
 * seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void fill(char *seq, size_t n, uint64_t *r)
{
    for (size_t i = 0; i < n; i++)
        seq[i] = "ACGT"[next(r) & 3];
    for (size_t i = 0; i + 9 < n; i += 200 + next(r) % 600) /* donors */
        memcpy(seq + i, next(r) & 1 ? "CAGGTAAGT" : "ACTTACCTG", 9);
    for (size_t i = 0; i + 2000 < n; i += 20000 + next(r) % 60000) { /* soft-masked */
        size_t len = 500 + next(r) % 1500;
        for (size_t j = i; j < i + len; j++)
            seq[j] = (char)(seq[j] | 0x20);
    }
    for (size_t i = 1000; i + 5000 < n; i += 2000000 + next(r) % 3000000) /* N runs */
        memset(seq + i, 'N', 100 + next(r) % 4000);
}

int main(int argc, char **argv)
{
    unsigned long long bases = 1000000, seqs = 3, seed = 1, wrap = 60;
    int opt;
    while ((opt = getopt(argc, argv, "b:c:s:w:")) != -1) {
        switch (opt) {
        case 'b': bases = strtoull(optarg, NULL, 10); break;
        case 'c': seqs = strtoull(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'w': wrap = strtoull(optarg, NULL, 10); break;
        default:
            fprintf(stderr, "usage: hald_randgenome [-b BASES] [-c SEQUENCES] [-s SEED] [-w WRAP]\n");
            return 1;
        }
    }
    if (seqs == 0)
        return 1;
    uint64_t r = seed * 0x9E3779B97F4A7C15ULL + 7;
    size_t per = (size_t)(bases / seqs);
    char *seq = malloc(per + 1);
    if (!seq)
        return 2;
    static char out[1 << 16];
    setvbuf(stdout, out, _IOFBF, sizeof out);
    for (unsigned long long c = 0; c < seqs; c++) {
        size_t n = per - (size_t)(next(&r) % (per / 10 + 1)); /* lengths differ */
        fill(seq, n, &r);
        printf(">chr%llu synthetic\n", c + 1);
        size_t w = wrap ? (size_t)wrap : n;
        for (size_t i = 0; i < n; i += w) {
            fwrite(seq + i, 1, n - i < w ? n - i : w, stdout);
            putchar('\n');
        }
    }
    free(seq);
    return fflush(stdout) == 0 ? 0 : 2;
}
