/* hald: score DNA windows with the HAL splicing model.  A thin layer over
 * the library: parse options, call it, print what it reports. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void main_usage(FILE *fp)
{
    fputs("Usage: hald <command> [options]   (the command defaults to score)\n\n"
          "Commands:\n"
          "  score     score sequences with the HAL model (default)\n"
          "  view      print a binary score file as TSV\n"
          "  scan      score every donor site of a genome, both strands\n"
          "  pack      rewrite input as record-aligned zstd frames with a seek index\n"
          "  weights   show which weights table is used and its sha256\n\n"
          "'hald <command> --help' shows a command's options; 'hald --help' those of score.\n",
          fp);
}

int main(int argc, char **argv)
{
    /* Units of a few MiB are allocated and freed all run long: keep them in
     * the heap instead of mapping fresh zeroed pages for each one. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    cli_ctx_t c = {.verbosity = 1, .argc = argc, .argv = argv, .prog = "hald"};
    c.start_real = cli_realtime();
    if (argc >= 2) {
        const char *cmd = argv[1];
        if (strcmp(cmd, "score") == 0)
            return cmd_score(&c, argc - 1, argv + 1);
        if (strcmp(cmd, "view") == 0)
            return cmd_view(&c, argc - 1, argv + 1);
        if (strcmp(cmd, "weights") == 0)
            return cmd_weights(&c, argc - 1, argv + 1);
        if (strcmp(cmd, "pack") == 0)
            return cmd_pack(&c, argc - 1, argv + 1);
        if (strcmp(cmd, "scan") == 0)
            return cmd_scan(&c, argc - 1, argv + 1);
        if (strcmp(cmd, "help") == 0) {
            main_usage(stdout);
            return 0;
        }
    }
    return cmd_score(&c, argc, argv);
}
