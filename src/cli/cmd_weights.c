/* hald weights: which table a run would use, and whether it is the
 * published one. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_weights(cli_ctx_t *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"weights", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *explicit_path = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "w:h", opts, NULL)) != -1) {
        if (opt == 'w')
            explicit_path = optarg;
        else if (opt == 'h') {
            puts("Usage: hald weights [--weights PATH]\n"
                 "Prints the weights file a run would load, its sha256 and whether it is the\n"
                 "published HAL table; exit 1 if it cannot be loaded.");
            return 0;
        } else
            return EXIT_USAGE;
    }
    hald_weights_t *w = malloc(sizeof *w);
    if (!w) {
        cli_error(c, "out of memory");
        return EXIT_IO;
    }
    hald_error_t err;
    hald_error_clear(&err);
    cli_ctx_t quiet = *c;
    quiet.verbosity = 0;
    int rc = cli_load_weights(&quiet, explicit_path, w, &err);
    if (rc != HALD_OK) {
        free(w);
        return cli_fail(c, &err);
    }
    char hex[65];
    hald_sha256_hex(w->sha256, hex);
    int published = strcmp(hex, HALD_WEIGHTS_SHA256) == 0;
    printf("hald %s\nweights\t%s\nsha256\t%s\npublished\t%s\nshape\t%d x %d\n", HALD_VERSION,
           w->path, hex, published ? "yes" : "no (not the published HAL_mer_scores.npz)",
           HALD_N_HEXAMERS, HALD_N_REGIONS);
    free(w);
    return 0;
}
