/* hald weights: which table a run would use, and whether it is the
 * published one. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_weights(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    (void)cmd;
    hald_weights_t *w = malloc(sizeof *w);
    if (!w) {
        cli_errorf("out of memory");
        return EXIT_IO;
    }
    hald_error_t err;
    hald_error_clear(&err);
    cli_ctx_t quiet = *c;
    quiet.verbosity = 0;
    if (cli_load_weights(&quiet, s->weights, w, &err) != HALD_OK) {
        free(w);
        cli_fail(&err);
        return EXIT_USAGE; /* docs/hald-weights.md: 1 when it cannot be loaded, whatever the cause */
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
