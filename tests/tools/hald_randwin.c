/* Random sequence windows for tests and benchmarks.
 *
 *   hald_randwin [-n COUNT] [-l LEN] [-s SEED] [-f fasta|lines|fastq] [-w WRAP]
 *                [--messy] [--vary]
 *
 * --messy mixes in N, lowercase, U and IUPAC codes so every CPU path sees
 * unknown bases and case folding; --vary draws lengths around LEN.  The
 * generator is a fixed xorshift, so a seed gives the same file anywhere. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng { uint64_t s; } rng_t;

static uint64_t next(rng_t *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static char base(rng_t *r, int messy)
{
    static const char plain[] = "ACGT";
    static const char odd[] = "acgtuUNnRYKMSWn.";
    if (messy && next(r) % 16 == 0)
        return odd[next(r) % (sizeof odd - 1)];
    return plain[next(r) & 3];
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"messy", no_argument, NULL, 'x'}, {"vary", no_argument, NULL, 'y'}, {NULL, 0, NULL, 0}};
    unsigned long long n = 1000, len = 160, seed = 1, wrap = 0;
    const char *format = "fasta";
    int messy = 0, vary = 0, opt;
    while ((opt = getopt_long(argc, argv, "n:l:s:f:w:", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': n = strtoull(optarg, NULL, 10); break;
        case 'l': len = strtoull(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'w': wrap = strtoull(optarg, NULL, 10); break;
        case 'f': format = optarg; break;
        case 'x': messy = 1; break;
        case 'y': vary = 1; break;
        default:
            fprintf(stderr, "usage: hald_randwin [-n N] [-l LEN] [-s SEED] [-f fasta|lines|fastq] "
                            "[-w WRAP] [--messy] [--vary]\n");
            return 1;
        }
    }
    rng_t r = {seed * 0x9E3779B97F4A7C15ULL + 1};
    char *seq = malloc(len * 2 + 64);
    if (!seq)
        return 2;
    static char out[1 << 16];
    if (setvbuf(stdout, out, _IOFBF, sizeof out) != 0)
        return 2;
    for (unsigned long long i = 0; i < n; i++) {
        size_t l = len;
        if (vary && next(&r) % 8 == 0)
            l = (size_t)(next(&r) % (len + len / 4 + 1));
        for (size_t j = 0; j < l; j++)
            seq[j] = base(&r, messy);
        if (strcmp(format, "lines") == 0) {
            fwrite(seq, 1, l, stdout);
            putchar('\n');
        } else if (strcmp(format, "fastq") == 0) {
            printf("@r%llu\n%.*s\n+\n", i, (int)l, seq);
            for (size_t j = 0; j < l; j++)
                putchar('I');
            putchar('\n');
        } else {
            printf(">r%llu\n", i);
            for (size_t j = 0; j < l; j += wrap ? wrap : l) {
                size_t w = wrap && wrap < l - j ? wrap : l - j;
                fwrite(seq + j, 1, w, stdout);
                putchar('\n');
            }
        }
    }
    free(seq);
    return fflush(stdout) == 0 ? 0 : 2;
}
