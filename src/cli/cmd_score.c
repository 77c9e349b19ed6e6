/* hald score: the default subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hald/engine.h"
#include "hald/sink.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct score_args {
    const char *in, *out, *weights;
    hald_cpu_t cpu;
    int any_length;
    int threads_given;
    hald_engine_opts_t engine;
} score_args_t;

static void score_usage(FILE *fp)
{
    fputs(
        "Usage: hald [score] [options] [--in] FILE\n"
        "Score 160-nt windows around 5' splice donors with the HAL model.\n\n"
        "Input:\n"
        "  -i, --in PATH          sequences: FASTA, FASTQ or one per line; plain, gzip or\n"
        "                         zstd (by magic bytes); '-' is stdin [-]\n"
        "  -f, --format FMT       auto|fasta|fastq|lines [auto]\n"
        "      --any-length       score the mean model on windows of any length\n"
        "      --max-length N     under --any-length, longer records are NA [256M]\n"
        "Model:\n"
        "  -m, --model M          mean|regions|both [mean]\n"
        "  -w, --weights PATH     HAL_mer_scores.npz or .npy [$HALD_WEIGHTS, then the\n"
        "                         search path: ./weights, ../shared/weights, ...]\n"
        "      --strict           the first unscorable record is an error\n"
        "Output:\n"
        "  -o, --out PATH         '-' is stdout [-]; files are written atomically\n"
        "  -O, --out-format FMT   tsv|bin [tsv] (bin: see docs/binary-format.md)\n"
        "Run:\n"
        "  -t, --threads N        threads [$OMP_NUM_THREADS, else the cores available]\n"
        "      --shard I/N        only the I-th of N record-balanced parts (1-based I)\n"
        "                         of a packed input (hald pack)\n"
        "      --progress         progress on stderr (default when it is a terminal)\n"
        "      --cpu PATH         auto|scalar|avx2 [auto]\n"
        "  -q, --quiet            errors only\n"
        "  -v, --verbose          more detail (repeatable)\n"
        "  -h, --help             this help\n"
        "  -V, --version          version (-v: and the weights' sha256)\n",
        fp);
}

enum { OPT_ANY_LENGTH = 256, OPT_STRICT, OPT_CPU, OPT_MAX_LENGTH, OPT_SHARD, OPT_PROGRESS };

static const struct option SCORE_OPTIONS[] = {
    {"in", required_argument, NULL, 'i'},
    {"out", required_argument, NULL, 'o'},
    {"out-format", required_argument, NULL, 'O'},
    {"model", required_argument, NULL, 'm'},
    {"weights", required_argument, NULL, 'w'},
    {"format", required_argument, NULL, 'f'},
    {"any-length", no_argument, NULL, OPT_ANY_LENGTH},
    {"max-length", required_argument, NULL, OPT_MAX_LENGTH},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"threads", required_argument, NULL, 't'},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int bad_value(cli_ctx_t *c, const char *opt, const char *value, const char *allowed)
{
    cli_error(c, "%s: invalid value '%s' (expected %s)", opt, value, allowed);
    return EXIT_USAGE;
}

/* "I/N", 1-based I, into a 0-based index and a count. */
static int parse_shard(const char *s, uint64_t *index, uint64_t *count)
{
    unsigned long long i, n;
    char slash;
    int used = 0;
    if (sscanf(s, "%llu%c%llu%n", &i, &slash, &n, &used) != 3 || slash != '/' ||
        s[used] != '\0' || i < 1 || n < 1 || i > n)
        return -1;
    *index = i - 1;
    *count = n;
    return 0;
}

/* Threads when --threads is not given: OMP_NUM_THREADS, else the cores
 * this process may run on (OpenMP reads both). */
static int default_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* Returns -1 to go on, else an exit code. */
static int parse_score_args(cli_ctx_t *c, int argc, char **argv, score_args_t *a)
{
    memset(a, 0, sizeof *a);
    a->out = "-";
    hald_engine_opts_init(&a->engine);
    int opt, show_version = 0;
    unsigned long long n;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:o:O:m:w:f:t:qvhV", SCORE_OPTIONS, NULL)) != -1) {
        switch (opt) {
        case 'i': a->in = optarg; break;
        case 'o': a->out = optarg; break;
        case 'w': a->weights = optarg; break;
        case 'O':
            if (hald_out_format_parse(optarg, &a->engine.run.out_format) != 0)
                return bad_value(c, "--out-format", optarg, "tsv or bin");
            break;
        case 'm':
            if (hald_model_set_parse(optarg, &a->engine.run.models) != 0)
                return bad_value(c, "--model", optarg, "mean, regions or both");
            break;
        case 'f':
            if (hald_format_parse(optarg, &a->engine.run.format) != 0)
                return bad_value(c, "--format", optarg, "auto, fasta, fastq or lines");
            break;
        case OPT_CPU:
            if (hald_cpu_parse(optarg, &a->cpu) != 0)
                return bad_value(c, "--cpu", optarg, "auto, scalar or avx2");
            break;
        case 't':
            if (cli_parse_size(optarg, &n) != 0 || n < 1 || n > 4096)
                return bad_value(c, "--threads", optarg, "a count from 1 to 4096");
            a->engine.run.threads = (int)n;
            a->threads_given = 1;
            break;
        case OPT_SHARD:
            if (parse_shard(optarg, &a->engine.shard_index, &a->engine.shard_count) != 0)
                return bad_value(c, "--shard", optarg, "I/N with 1 <= I <= N, e.g. 3/16");
            break;
        case OPT_PROGRESS: a->engine.progress = 1; break;
        case OPT_MAX_LENGTH:
            if (cli_parse_size(optarg, &n) != 0 || n < 1)
                return bad_value(c, "--max-length", optarg, "a positive size such as 1M");
            a->engine.run.max_length = n;
            break;
        case OPT_ANY_LENGTH: a->any_length = 1; break;
        case OPT_STRICT: a->engine.run.strict = 1; break;
        case 'q': c->verbosity = 0; break;
        case 'v': c->verbosity++; break;
        case 'h': score_usage(stdout); return 0;
        case 'V': show_version = 1; break;
        default: score_usage(stderr); return EXIT_USAGE;
        }
    }
    if (show_version) {
        char *args[] = {argv[0], NULL};
        return c->verbosity >= 2 ? cmd_weights(c, 1, args) : (printf("hald %s\n", HALD_VERSION), 0);
    }
    if (optind < argc && !a->in)
        a->in = argv[optind++];
    if (optind < argc) {
        cli_error(c, "unexpected argument '%s' (one input per run; see --help)", argv[optind]);
        return EXIT_USAGE;
    }
    if (!a->in) {
        if (isatty(STDIN_FILENO)) {
            score_usage(stderr);
            return EXIT_USAGE;
        }
        a->in = "-";
    }
    if (!a->threads_given)
        a->engine.run.threads = default_threads();
    if (isatty(STDERR_FILENO) && c->verbosity > 0)
        a->engine.progress = 1;
    if (c->verbosity >= 2)
        a->engine.progress = 1;
    return -1;
}

static void log_summary(const cli_ctx_t *c, const score_args_t *a, const hald_run_stats_t *st,
                        double seconds)
{
    cli_log(c, 1, "score", "%llu records in %.2f s (%.0f records/s)",
            (unsigned long long)st->records, seconds,
            seconds > 0 ? (double)st->records / seconds : 0.0);
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(a->engine.run.models & (1u << m)))
            continue;
        uint64_t total = 0;
        char detail[512] = "";
        size_t len = 0;
        for (int r = 1; r < HALD_N_NA; r++) {
            if (!st->na[m][r])
                continue;
            total += st->na[m][r];
            len += (size_t)snprintf(detail + len, len < sizeof detail ? sizeof detail - len : 0,
                                    "%s%s: %llu", len ? ", " : "", hald_na_name((hald_na_t)r),
                                    (unsigned long long)st->na[m][r]);
        }
        if (total)
            cli_log(c, 1, "score", "%s: %llu unscorable (NA): %s", hald_model_name((hald_model_t)m),
                    (unsigned long long)total, detail);
    }
}

static int build_scorer(cli_ctx_t *c, const score_args_t *a, hald_scorer_t **out,
                        hald_error_t *err)
{
    hald_cpu_t cpu;
    int rc = hald_cpu_select(a->cpu, &cpu, err);
    if (rc != HALD_OK)
        return rc;
    hald_weights_t *w = malloc(sizeof *w);
    hald_scorer_t *scorer = malloc(sizeof *scorer);
    if (!w || !scorer) {
        free(w);
        free(scorer);
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    }
    rc = cli_load_weights(c, a->weights, w, err);
    if (rc == HALD_OK)
        hald_scorer_init(scorer, w, cpu, a->any_length);
    free(w);
    if (rc != HALD_OK) {
        free(scorer);
        return rc;
    }
    cli_log(c, 2, "score", "CPU path: %s; %d thread(s)", hald_cpu_name(cpu), a->engine.run.threads);
    *out = scorer;
    return HALD_OK;
}

/* Progress on stderr: rewritten in place on a terminal, a line every ten
 * seconds otherwise (-v into a log). */
static void show_progress(void *ctx, const hald_run_stats_t *st, double seconds, int final)
{
    const cli_ctx_t *c = ctx;
    int tty = isatty(STDERR_FILENO);
    static const double LOG_EVERY = 10.0;
    if (!tty && !final && (int)(seconds / LOG_EVERY) == (int)((seconds - 1.0) / LOG_EVERY))
        return;
    double mb_s = seconds > 0 ? (double)st->bytes_in / 1e6 / seconds : 0.0;
    fprintf(stderr, "%s[M::score] %llu records, %.1f MB/s, %.1f s%s", tty ? "\r" : "",
            (unsigned long long)st->records, mb_s, seconds, tty ? (final ? "\n" : "") : "\n");
    (void)c;
}

static int run_rank0(cli_ctx_t *c, const score_args_t *a, const hald_scorer_t *scorer,
                     const hald_transport_t *tp, hald_error_t *err)
{
    hald_sink_t *out = hald_sink_open(a->out, err);
    if (!out)
        return err->code;
    cli_guard_temp(hald_sink_temp_path(out));
    int rc = HALD_OK;
    if (a->engine.run.out_format == HALD_OUT_BIN && hald_sink_is_tty(out))
        rc = hald_error_set(err, HALD_E_USAGE, "refusing to write binary scores to a terminal (use --out)");
    hald_score_writer_t writer;
    hald_run_stats_t stats;
    hald_engine_opts_t eo = a->engine;
    eo.progress_fn = show_progress;
    eo.progress_ctx = c;
    double t0 = cli_realtime();
    if (rc == HALD_OK)
        rc = hald_score_writer_begin(&writer, out, eo.run.out_format, eo.run.models,
                                     a->any_length ? HALD_BIN_FLAG_ANY_LENGTH : 0, err);
    if (rc == HALD_OK)
        rc = hald_engine_run(scorer, a->in, &writer, &eo, tp, &stats, err);
    if (rc == HALD_OK)
        rc = hald_score_writer_finish(&writer, err);
    if (rc == HALD_OK) {
        rc = hald_sink_commit(out, err);
        out = NULL;
    }
    hald_sink_abort(out);
    cli_guard_temp(NULL);
    if (rc == HALD_OK)
        log_summary(c, a, &stats, cli_realtime() - t0);
    return rc;
}

int cmd_score(cli_ctx_t *c, int argc, char **argv)
{
    score_args_t a;
    int code = parse_score_args(c, argc, argv, &a);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, &job, &err) != HALD_OK)
        return cli_fail(c, &err);
    hald_scorer_t *scorer = NULL;
    int rc = build_scorer(c, &a, &scorer, &err);
    if (rc == HALD_OK)
        rc = job.rank == 0 ? run_rank0(c, &a, scorer, cli_job_transport(&job), &err)
                           : hald_engine_serve(scorer, a.in, &a.engine, &job.tp, &err);
    free(scorer);
    return cli_job_end(c, &job, rc, &err);
}
