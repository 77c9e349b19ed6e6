/* Scores one window with both HAL models through libhald.
 *
 *   cc score_window.c $(pkg-config --cflags --libs --static hald) -o score_window
 *   ./score_window GTCAG...   (160 nt)
 *
 * Prints "mean<TAB>regions" as %.15g, NA where a model cannot score the
 * window, and exits 0.  The weights come from $HALD_WEIGHTS, else hald's
 * search path (./weights, ../shared/weights, $prefix/share/hald). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hald/hald.h>

static void print_score(double x, const char *end)
{
    if (x != x)
        printf("NA%s", end);
    else
        printf("%.15g%s", x, end);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SEQUENCE\n", argv[0]);
        return 1;
    }
    hald_error_t err;
    char path[4096];
    hald_weights_t *w = malloc(sizeof *w);
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    hald_cpu_t cpu;
    if (!w || !scorer) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    if (hald_weights_resolve(NULL, NULL, NULL, path, sizeof path, &err) != HALD_OK ||
        hald_weights_load(path, w, &err) != HALD_OK ||
        hald_cpu_select(HALD_CPU_AUTO, &cpu, &err) != HALD_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    hald_scorer_init(scorer, w, cpu, 0);
    const char *seq = argv[1];
    uint64_t len = strlen(seq);
    hald_na_t why;
    print_score(hald_score_mean(scorer, seq, len, len, &why), "\t");
    print_score(hald_score_regions(scorer, seq, len, &why), "\n");
    free(w);
    free(scorer);
    return 0;
}
