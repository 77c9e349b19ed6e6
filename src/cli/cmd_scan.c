/* hald scan: every donor site of a genome, or the listed ones. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hald/scan.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static void scan_usage(FILE *fp)
{
    fputs("Usage: hald scan [options] --in genome.fa[.gz|.zst]\n"
          "Scores every GT on both strands whose 160-nt window lies inside its sequence\n"
          "(0-based half-open coordinates of the GT; a minus-strand site is the AC on the\n"
          "plus strand), or only the sites of --sites / --gtf.\n\n"
          "  -i, --in PATH          genome FASTA, plain, gzip or zstd; '-' is stdin\n"
          "  -o, --out PATH         output ('-' is stdout) [-]\n"
          "  -O, --out-format FMT   tsv|bed|bedgraph|bin [tsv]\n"
          "  -m, --model M          mean|regions|both [both; bed and bedgraph: mean]\n"
          "      --strand S         bedgraph: + or - [+]\n"
          "      --sites FILE       BED6 of sites (GT intervals as above) to score instead\n"
          "      --gtf FILE         GTF: donors of every exon but a transcript's last\n"
          "  -w, --weights PATH     HAL_mer_scores.npz or .npy\n"
          "  -t, --threads N        threads [$OMP_NUM_THREADS, else the cores available]\n"
          "      --cpu PATH         auto|scalar|avx2 [auto]\n"
          "      --chunk-size N     sites per unit of work [1M]\n"
          "  -q, --quiet / -v, --verbose / -h, --help\n",
          fp);
}

typedef struct scan_args {
    const char *in, *out, *weights, *sites_bed, *sites_gtf;
    hald_cpu_t cpu;
    int model_given, threads_given;
    hald_scan_opts_t o;
} scan_args_t;

static int parse_scan_args(cli_ctx_t *c, int argc, char **argv, scan_args_t *a)
{
    enum { OPT_STRAND = 256, OPT_SITES, OPT_GTF, OPT_CPU, OPT_CHUNK };
    static const struct option opts[] = {
        {"in", required_argument, NULL, 'i'},      {"out", required_argument, NULL, 'o'},
        {"out-format", required_argument, NULL, 'O'}, {"model", required_argument, NULL, 'm'},
        {"strand", required_argument, NULL, OPT_STRAND}, {"sites", required_argument, NULL, OPT_SITES},
        {"gtf", required_argument, NULL, OPT_GTF}, {"weights", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'}, {"cpu", required_argument, NULL, OPT_CPU},
        {"quiet", no_argument, NULL, 'q'},         {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},          {"chunk-size", required_argument, NULL, OPT_CHUNK},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->out = "-";
    hald_scan_opts_init(&a->o);
    unsigned long long n;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:o:O:m:w:t:qvh", opts, NULL)) != -1) {
        switch (opt) {
        case 'i': a->in = optarg; break;
        case 'o': a->out = optarg; break;
        case 'w': a->weights = optarg; break;
        case OPT_SITES: a->sites_bed = optarg; break;
        case OPT_GTF: a->sites_gtf = optarg; break;
        case 'O':
            if (hald_scan_out_parse(optarg, &a->o.out_format) != 0) {
                cli_error(c, "--out-format: invalid value '%s' (expected tsv, bed, bedgraph or bin)", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'm':
            if (hald_model_set_parse(optarg, &a->o.models) != 0) {
                cli_error(c, "--model: invalid value '%s' (expected mean, regions or both)", optarg);
                return EXIT_USAGE;
            }
            a->model_given = 1;
            break;
        case OPT_STRAND:
            if ((optarg[0] != '+' && optarg[0] != '-') || optarg[1]) {
                cli_error(c, "--strand: invalid value '%s' (expected + or -)", optarg);
                return EXIT_USAGE;
            }
            a->o.strand = optarg[0];
            break;
        case 't':
            if (cli_parse_size(optarg, &n) != 0 || n < 1 || n > 4096) {
                cli_error(c, "--threads: invalid value '%s' (expected a count from 1 to 4096)", optarg);
                return EXIT_USAGE;
            }
            a->o.threads = (int)n;
            a->threads_given = 1;
            break;
        case OPT_CPU:
            if (hald_cpu_parse(optarg, &a->cpu) != 0) {
                cli_error(c, "--cpu: invalid value '%s' (expected auto, scalar or avx2)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_CHUNK:
            if (cli_parse_size(optarg, &n) != 0 || n < 1) {
                cli_error(c, "--chunk-size: invalid value '%s' (expected a positive size, e.g. 1M)", optarg);
                return EXIT_USAGE;
            }
            a->o.chunk = n;
            break;
        case 'q': c->verbosity = 0; break;
        case 'v': c->verbosity++; break;
        case 'h': scan_usage(stdout); return 0;
        default: scan_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc && !a->in)
        a->in = argv[optind++];
    if (optind < argc || !a->in) {
        scan_usage(stderr);
        return EXIT_USAGE;
    }
    int one_model = a->o.out_format == HALD_SCAN_OUT_BED || a->o.out_format == HALD_SCAN_OUT_BEDGRAPH;
    if (one_model && !a->model_given)
        a->o.models = HALD_MODELS_MEAN;
    if (one_model && a->o.models == HALD_MODELS_BOTH) {
        cli_error(c, "--out-format %s shows one model: --model mean or --model regions",
                  a->o.out_format == HALD_SCAN_OUT_BED ? "bed" : "bedgraph");
        return EXIT_USAGE;
    }
    if (a->sites_bed && a->sites_gtf) {
        cli_error(c, "--sites and --gtf: give one of them");
        return EXIT_USAGE;
    }
#ifdef _OPENMP
    if (!a->threads_given)
        a->o.threads = omp_get_max_threads();
#endif
    return -1;
}

static void scan_progress(void *ctx, const hald_scan_stats_t *st, double seconds, int final)
{
    const cli_ctx_t *c = ctx;
    int tty = isatty(STDERR_FILENO);
    if (c->verbosity < 1 || (!tty && c->verbosity < 2) || (!tty && !final))
        return;
    fprintf(stderr, "%s[M::scan] %llu sites, %.1f MB/s, %.1f s%s", tty ? "\r" : "",
            (unsigned long long)st->sites, seconds > 0 ? (double)st->bytes_in / 1e6 / seconds : 0.0,
            seconds, tty && !final ? "" : "\n");
}

static int load_sites(cli_ctx_t *c, const scan_args_t *a, hald_sites_t *sites, hald_error_t *err)
{
    hald_sites_init(sites);
    int rc = a->sites_bed ? hald_sites_read_bed(sites, a->sites_bed, err)
                          : hald_sites_read_gtf(sites, a->sites_gtf, err);
    if (rc == HALD_OK)
        rc = hald_sites_finish(sites, err);
    if (rc == HALD_OK)
        cli_log(c, 2, "scan", "%llu sites on %zu sequences", (unsigned long long)sites->total, sites->n);
    return rc;
}

static void warn_missing(cli_ctx_t *c, const hald_sites_t *sites, const char *genome)
{
    uint64_t names = 0, missing = 0;
    for (size_t i = 0; i < sites->n; i++) {
        const hald_site_chrom_t *sc = &sites->chroms[i];
        if (sc->seen)
            continue;
        names++;
        missing += sc->n;
        if (c->verbosity > 0)
            fprintf(stderr, "[W::scan] sequence %s is not in %s: its %zu site(s) are skipped\n",
                    sc->name, genome, sc->n);
    }
    if (names)
        cli_log(c, 1, "scan", "%llu sequence name(s) of the sites not in the genome; %llu sites skipped",
                (unsigned long long)names, (unsigned long long)missing);
}

static int scan_rank0(cli_ctx_t *c, scan_args_t *a, const hald_scan_tables_t *t,
                      const hald_transport_t *tp, hald_error_t *err)
{
    hald_sink_t *out = hald_sink_open(a->out, err);
    if (!out)
        return err->code;
    cli_guard_temp(hald_sink_temp_path(out));
    int rc = HALD_OK;
    if (a->o.out_format == HALD_SCAN_OUT_BIN && hald_sink_is_tty(out))
        rc = hald_error_set(err, HALD_E_USAGE, "refusing to write binary output to a terminal");
    a->o.progress_fn = scan_progress;
    a->o.progress_ctx = c;
    hald_scan_stats_t st;
    double t0 = cli_realtime();
    if (rc == HALD_OK)
        rc = hald_scan_run(t, a->in, out, &a->o, tp, &st, err);
    if (rc == HALD_OK) {
        rc = hald_sink_commit(out, err);
        out = NULL;
    }
    hald_sink_abort(out);
    cli_guard_temp(NULL);
    if (rc != HALD_OK)
        return rc;
    double secs = cli_realtime() - t0;
    cli_log(c, 1, "scan", "%llu sequences, %llu bases, %llu sites in %.2f s (%.1f Mb/s)",
            (unsigned long long)st.sequences, (unsigned long long)st.bases,
            (unsigned long long)st.sites, secs, secs > 0 ? (double)st.bases / 1e6 / secs : 0.0);
    if (st.na[HALD_MODEL_REGIONS][HALD_NA_UNKNOWN_BASE] && (a->o.models & HALD_MODELS_REGIONS))
        cli_log(c, 1, "scan", "regions: %llu sites NA (unknown base in a used hexamer)",
                (unsigned long long)st.na[HALD_MODEL_REGIONS][HALD_NA_UNKNOWN_BASE]);
    if (st.not_written)
        cli_log(c, 1, "scan", "%llu NA sites not written (BED and bedGraph have no NA)",
                (unsigned long long)st.not_written);
    if (a->o.sites)
        warn_missing(c, a->o.sites, a->in);
    return HALD_OK;
}

int cmd_scan(cli_ctx_t *c, int argc, char **argv)
{
    scan_args_t a;
    int code = parse_scan_args(c, argc, argv, &a);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, &job, &err) != HALD_OK)
        return cli_fail(c, &err);
    hald_sites_t sites;
    hald_sites_init(&sites);
    hald_weights_t *w = malloc(sizeof *w);
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    hald_scan_tables_t *tables = NULL;
    hald_cpu_t cpu;
    int rc = w && scorer ? hald_cpu_select(a.cpu, &cpu, &err)
                         : hald_error_set(&err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK)
        rc = cli_load_weights(c, a.weights, w, &err);
    if (rc == HALD_OK) {
        hald_scorer_init(scorer, w, cpu, 0);
        tables = hald_scan_tables_new(scorer, &err);
        if (!tables)
            rc = err.code;
    }
    if (rc == HALD_OK && (a.sites_bed || a.sites_gtf)) {
        rc = load_sites(c, &a, &sites, &err);
        a.o.sites = &sites;
    }
    if (rc == HALD_OK)
        rc = job.rank == 0 ? scan_rank0(c, &a, tables, cli_job_transport(&job), &err)
                           : hald_scan_serve(tables, a.in, &a.o, &job.tp, &err);
    free(w);
    free(scorer);
    hald_scan_tables_free(tables);
    hald_sites_free(&sites);
    return cli_job_end(c, &job, rc, &err);
}
