/* hald pack: any input as record-aligned zstd frames with a seek index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hald/pack.h"
#include "hald/reader.h"
#include "hald/sink.h"

static void pack_usage(FILE *fp)
{
    fputs("Usage: hald pack [options] --in FILE --out FILE.zst\n"
          "Rewrites sequences (FASTA, FASTQ or lines; plain, gzip or zstd) as zstd frames\n"
          "that each hold whole records, plus a seek index: runs on the packed file decode\n"
          "frames in parallel and --shard I/N starts without scanning.  The text is kept\n"
          "byte for byte (zstd -dc restores it); see docs/packed-format.md.\n\n"
          "  -i, --in PATH          input ('-' is stdin) [-]\n"
          "  -o, --out PATH         packed output (written atomically)\n"
          "  -f, --format FMT       auto|fasta|fastq|lines [auto]\n"
          "      --frame-size N     decoded bytes per frame, K/M/G suffixes [4M]\n"
          "  -l, --level N          zstd level [3]\n"
          "  -q, --quiet            errors only\n"
          "  -h, --help             this help\n",
          fp);
}

int cmd_pack(cli_ctx_t *c, int argc, char **argv)
{
    enum { OPT_FRAME_SIZE = 256 };
    static const struct option opts[] = {
        {"in", required_argument, NULL, 'i'},       {"out", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},   {"frame-size", required_argument, NULL, OPT_FRAME_SIZE},
        {"level", required_argument, NULL, 'l'},    {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    hald_pack_opts_t po;
    hald_pack_opts_init(&po);
    const char *in = "-", *out = NULL;
    unsigned long long n;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:o:f:l:qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'f':
            if (hald_format_parse(optarg, &po.format) != 0) {
                cli_error(c, "--format: invalid value '%s' (expected auto, fasta, fastq or lines)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FRAME_SIZE:
            if (cli_parse_size(optarg, &n) != 0 || n < 1 || n > HALD_PACK_MAX_FRAME) {
                cli_error(c, "--frame-size: invalid value '%s' (expected 1 to 4G, e.g. 4M)", optarg);
                return EXIT_USAGE;
            }
            po.frame_size = (size_t)n;
            break;
        case 'l':
            if (cli_parse_size(optarg, &n) != 0 || n < 1 || n > 22) {
                cli_error(c, "--level: invalid value '%s' (expected 1 to 22)", optarg);
                return EXIT_USAGE;
            }
            po.level = (int)n;
            break;
        case 'q': c->verbosity = 0; break;
        case 'h': pack_usage(stdout); return 0;
        default: pack_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        in = argv[optind++];
    if (!out || optind < argc) {
        cli_error(c, "pack: expected --out FILE and one input (see hald pack --help)");
        return EXIT_USAGE;
    }
    hald_error_t err;
    hald_error_clear(&err);
    hald_reader_t *r = hald_reader_open(in, &err);
    hald_sink_t *s = r ? hald_sink_open(out, &err) : NULL;
    int rc = s ? HALD_OK : err.code;
    if (s && hald_sink_is_tty(s))
        rc = hald_error_set(&err, HALD_E_USAGE, "refusing to write compressed data to a terminal");
    cli_guard_temp(s ? hald_sink_temp_path(s) : NULL);
    hald_pack_stats_t st;
    if (rc == HALD_OK)
        rc = hald_pack(r, s, &po, &st, &err);
    if (rc == HALD_OK) {
        rc = hald_sink_commit(s, &err);
        s = NULL;
    }
    hald_sink_abort(s);
    cli_guard_temp(NULL);
    hald_reader_close(r);
    if (rc != HALD_OK)
        return cli_fail(c, &err);
    cli_log(c, 1, "pack", "%llu records (%s) in %llu frames; %llu bytes of text to %llu",
            (unsigned long long)st.records, hald_format_name(st.format),
            (unsigned long long)st.frames, (unsigned long long)st.bytes_in,
            (unsigned long long)st.bytes_out);
    return 0;
}
