/* The option table, and parsing, --help and the man page made from it. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "config.h"

/* ================================================================ values */

static int parse_string(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    *(const char **)dst = text;
    return 0;
}

int cli_parse_size(const char *s, unsigned long long *out)
{
    errno = 0;
    char *end;
    if (*s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
            end += strlen(end);
        if (*end)
            return -1;
    }
    if (shift && v > (ULLONG_MAX >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

/* A count or size (K/M/G suffixes) within the row's range. */
static int parse_number(const cli_option_t *o, const char *text, void *dst)
{
    unsigned long long v;
    if (cli_parse_size(text, &v) != 0 || v < o->min || v > o->max)
        return -1;
    *(uint64_t *)dst = v;
    return 0;
}

static int parse_format(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_format_parse(text, dst);
}

static int parse_models(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_model_set_parse(text, dst);
}

static int parse_cpu(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_cpu_parse(text, dst);
}

static int parse_score_out(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_out_format_parse(text, dst);
}

static int parse_scan_out(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_scan_out_parse(text, dst);
}

static int parse_variant_out(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    return hald_variant_out_parse(text, dst);
}

static int parse_strand(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    if ((text[0] != '+' && text[0] != '-') || text[1])
        return -1;
    *(char *)dst = text[0];
    return 0;
}

/* "I/N", 1-based I, into a 0-based index and a count. */
static int parse_shard(const cli_option_t *o, const char *text, void *dst)
{
    (void)o;
    unsigned long long i, n;
    char slash;
    int used = 0;
    if (sscanf(text, "%llu%c%llu%n", &i, &slash, &n, &used) != 3 || slash != '/' ||
        text[used] != '\0' || i < 1 || n < 1 || i > n)
        return -1;
    uint64_t *pair = dst; /* shard_index, then shard_count */
    pair[0] = i - 1;
    pair[1] = n;
    return 0;
}

/* ================================================================ the table */

#define AT(field) offsetof(cli_settings_t, field)
#define FLAG(name, letter, cmds, group, field, help) \
    {name, letter, OPT_FLAG, NULL, NULL, cmds, group, help, NULL, AT(field), NULL, 0, 0}
#define VALUE(name, letter, meta, def, cmds, group, field, parse, expect, help) \
    {name, letter, OPT_VALUE, meta, def, cmds, group, help, expect, AT(field), parse, 0, 0}
#define NUMBER(name, letter, meta, def, cmds, group, field, lo, hi, expect, help) \
    {name, letter, OPT_VALUE, meta, def, cmds, group, help, expect, AT(field), parse_number, lo, hi}

const cli_option_t CLI_OPTIONS[] = {
    /* Input */
    VALUE("in", 'i', "PATH", "-", CMD_SCORE | CMD_PACK | CMD_VIEW, "Input", in, parse_string, NULL,
          "input: plain, gzip or zstd (by magic bytes); '-' is stdin"),
    VALUE("in", 'i', "PATH", "-", CMD_SCAN, "Input", in, parse_string, NULL,
          "genome FASTA: plain, gzip or zstd; '-' is stdin"),
    VALUE("in", 'i', "PATH", "-", CMD_PAIRS, "Input", in, parse_string, NULL,
          "pairs: a TSV whose header names ref and alt (and id), or FASTA in ref/alt pairs; "
          "plain, gzip or zstd; '-' is stdin"),
    VALUE("format", 'f', "FMT", "auto", CMD_SCORE | CMD_PACK, "Input", format, parse_format,
          "auto, fasta, fastq or lines", "auto|fasta|fastq|lines: auto is '>' FASTA, '@' FASTQ, else one sequence per line"),
    FLAG("any-length", 0, CMD_SCORE | CMD_PAIRS, "Input", any_length,
         "score the mean model on windows of any length (regions stays 160 nt)"),
    NUMBER("max-length", 0, "N", "256M", CMD_SCORE | CMD_PAIRS | CMD_SERVE, "Input", max_length, 1, UINT64_MAX,
           "a positive size such as 1M", "under --any-length, longer records are NA"),
    VALUE("shard", 0, "I/N", NULL, CMD_SCORE | CMD_SCAN, "Input", shard_index, parse_shard,
          "I/N with 1 <= I <= N, e.g. 3/16",
          "only the I-th of N parts (1-based I) of a packed input, balanced by records (score) or "
          "by bases (scan of a genome packed with hald pack --genome)"),
    VALUE("fasta", 0, "FILE", NULL, CMD_VARIANTS, "Input", fasta, parse_string, NULL,
          "genome FASTA: plain, gzip, bgzip or zstd (random access when bgzip or plain with a .fai "
          "and, for bgzip, a .gzi beside it)"),
    VALUE("fasta", 0, "FILE", NULL, CMD_SERVE, "Input", fasta, parse_string, NULL,
          "genome FASTA (plain, gzip, bgzip or zstd), held in memory for POST /variants"),
    VALUE("vcf", 0, "FILE", "-", CMD_VARIANTS, "Input", vcf, parse_string, NULL,
          "variants: VCF or BCF, plain or bgzip, sorted within each chromosome; '-' is stdin"),
    VALUE("region", 'r', "REGION", NULL, CMD_SCAN, "Input", region, parse_string,
          NULL, "only CHR or CHR:BEG-END (1-based, inclusive); needs a FASTA with a .fai index"),
    VALUE("region", 'r', "REGION", NULL, CMD_VARIANTS, "Input", region, parse_string, NULL,
          "only the records overlapping CHR or CHR:BEG-END (1-based, inclusive); with a .fai, "
          "only that part of the FASTA is read"),
    FLAG("lenient", 0, CMD_VARIANTS, "Input", lenient,
         "skip and count records whose REF disagrees with the FASTA (default: an error)"),
    VALUE("sites", 0, "FILE", NULL, CMD_SCAN | CMD_VARIANTS, "Input", sites_bed, parse_string, NULL,
          "score only these sites: BED6 of GT intervals (start of the G, end start + 2, strand)"),
    VALUE("gtf", 0, "FILE", NULL, CMD_SCAN | CMD_VARIANTS, "Input", sites_gtf, parse_string, NULL,
          "score only the donors of a GTF: every exon end but a transcript's last"),
    /* Model */
    VALUE("model", 'm', "M", "mean", CMD_SCORE, "Model", models, parse_models,
          "mean, regions or both", "mean|regions|both"),
    VALUE("model", 'm', "M", "both", CMD_SCAN, "Model", models, parse_models,
          "mean, regions or both", "mean|regions|both (bed and bedgraph: one model, default mean)"),
    VALUE("model", 'm', "M", "both", CMD_PAIRS | CMD_VARIANTS, "Model", models, parse_models,
          "mean, regions or both", "mean|regions|both"),
    VALUE("model", 'm', "M", "mean", CMD_SERVE, "Model", models, parse_models,
          "mean, regions or both", "mean|regions|both: for requests that name none (?model=)"),
    VALUE("weights", 'w', "FILE", NULL, CMD_MODELS | CMD_WEIGHTS, "Model", weights,
          parse_string, NULL,
          "HAL_mer_scores.npz or .npy [$HALD_WEIGHTS, then the search path: ./weights, "
          "../shared/weights, beside the program, $prefix/share/hald]"),
    FLAG("strict", 0, CMD_SCORE, "Model", strict, "the first unscorable record is an error"),
    FLAG("strict", 0, CMD_PAIRS, "Model", strict, "the first unscorable window is an error"),
    /* Output */
    VALUE("out", 'o', "PATH", "-", CMD_SCORE | CMD_SCAN | CMD_VIEW | CMD_PAIRS | CMD_VARIANTS | CMD_MERGE, "Output", out, parse_string, NULL,
          "output; '-' is stdout; files are written under a temporary name and renamed when complete"),
    VALUE("out", 'o', "PATH", NULL, CMD_PACK, "Output", out, parse_string, NULL,
          "the packed file (written atomically)"),
    VALUE("out-format", 'O', "FMT", "tsv", CMD_SCORE, "Output", score_out, parse_score_out,
          "tsv or bin", "tsv|bin (bin: docs/binary-format.md; hald view prints it)"),
    VALUE("out-format", 'O', "FMT", "tsv", CMD_SCAN, "Output", scan_out, parse_scan_out,
          "tsv, bed, bedgraph or bin", "tsv|bed|bedgraph|bin"),
    VALUE("out-format", 'O', "FMT", NULL, CMD_VARIANTS, "Output", variant_out, parse_variant_out,
          "tsv, vcf, vcf.gz or bcf",
          "tsv|vcf|vcf.gz|bcf [from the --out name: .vcf, .vcf.gz, .bcf; else tsv]"),
    VALUE("strand", 0, "S", "+", CMD_SCAN, "Output", strand, parse_strand, "+ or -",
          "bedgraph: the strand to show, + or -"),
    NUMBER("frame-size", 0, "N", "4M", CMD_PACK, "Output", frame_size, 1, UINT64_C(256) << 20,
           "1 to 256M, e.g. 4M", "decoded bytes per frame, K/M/G suffixes"),
    NUMBER("level", 'l', "N", "3", CMD_PACK, "Output", level, 1, 22, "1 to 22", "zstd level"),
    FLAG("genome", 0, CMD_PACK, "Output", genome,
         "pack a FASTA genome for hald scan: frames end at line ends and before headers, and "
         "record where their bases lie, so that ranks and --shard scan frames on their own"),
    /* Serve */
    VALUE("socket", 0, "PATH", NULL, CMD_SERVE, "Serve", socket, parse_string, NULL,
          "listen on this Unix socket, created mode 0600 (curl --unix-socket PATH)"),
    FLAG("socket-group", 0, CMD_SERVE, "Serve", socket_group,
         "the socket's group may connect too (mode 0660)"),
    VALUE("listen", 0, "ADDR", NULL, CMD_SERVE, "Serve", listen, parse_string, NULL,
          "listen on TCP: PORT (on 127.0.0.1), HOST:PORT or [V6]:PORT"),
    NUMBER("max-connections", 0, "N", "64", CMD_SERVE, "Serve", max_connections, 1, 100000,
           "a count from 1 to 100000", "connections at once; more get 503"),
    NUMBER("max-body", 0, "N", "0", CMD_SERVE, "Serve", max_body, 0, UINT64_MAX,
           "a size such as 10G, 0 for none", "bytes of one request body, 0 for no limit; more get 413"),
    NUMBER("max-line", 0, "N", "1M", CMD_SERVE, "Serve", max_line, 0, UINT64_MAX,
           "a size such as 1M, 0 for none", "bytes of one line of an uncompressed body; longer get 413"),
    NUMBER("idle-timeout", 0, "S", "60", CMD_SERVE, "Serve", idle_timeout, 0, 86400,
           "seconds from 0 to 86400", "seconds a connection may stay silent (0: no limit)"),
    /* Run */
    NUMBER("threads", 't', "N", NULL, CMD_RUNS | CMD_SERVE, "Run", threads, 1, 4096, "a count from 1 to 4096",
           "threads [$OMP_NUM_THREADS, else the cores available]"),
    VALUE("cpu", 0, "PATH", "auto", CMD_MODELS, "Run", cpu, parse_cpu,
          "auto, scalar or avx2", "auto|scalar|avx2: the kernels to use"),
    NUMBER("chunk-size", 0, "N", "1M", CMD_SCAN, "Run", chunk_size, 1, UINT64_C(1) << 30,
           "1 to 1G, e.g. 1M", "site starts per unit of work"),
    FLAG("progress", 0, CMD_RUNS, "Run", progress,
         "progress on stderr, with % and time left for files (default on a terminal)"),
    NUMBER("progress-interval", 0, "S", "10", CMD_RUNS, "Run", progress_interval, 1, 86400,
           "seconds from 1 to 86400", "seconds between progress lines when stderr is not a terminal"),
    /* General */
    {"quiet", 'q', OPT_QUIET, NULL, NULL, CMD_ALL, "General", "errors only", NULL, AT(verbosity), NULL, 0, 0},
    {"verbose", 'v', OPT_VERBOSE, NULL, NULL, CMD_ALL, "General", "more detail (repeatable)", NULL,
     AT(verbosity), NULL, 0, 0},
    VALUE("config", 0, "FILE", NULL, CMD_ALL, "General", config, parse_string, NULL,
          "settings file: over $XDG_CONFIG_HOME/hald/hald.conf and /etc/hald/hald.conf, under "
          "HALD_* variables and the command line (docs/config.md)"),
    FLAG("help", 'h', CMD_ALL, "General", help, "this help"),
    FLAG("version", 'V', CMD_ALL, "General", version, "the version (with -v: and the weights' sha256)"),
};
const size_t CLI_N_OPTIONS = sizeof CLI_OPTIONS / sizeof CLI_OPTIONS[0];
_Static_assert(offsetof(cli_settings_t, shard_count) == offsetof(cli_settings_t, shard_index) + 8,
               "parse_shard stores the index, then the count");
_Static_assert(sizeof CLI_OPTIONS / sizeof CLI_OPTIONS[0] <= 64, "cli_settings_t.given has 64 bits");

const cli_command_t CLI_COMMANDS[] = {
    {"score", CMD_SCORE, "[options] [--in] FILE",
     "score sequences with the HAL model (the default command)",
     "Scores each record (FASTA, FASTQ or one sequence per line) as a 160-nt window around a 5' "
     "splice donor: 80 nt of exon, then 80 of intron starting with the GT.  One row per record, "
     "in input order, byte-identical for any number of threads and MPI ranks."},
    {"scan", CMD_SCAN, "[options] [--in] genome.fa[.gz|.zst]",
     "score every donor site of a genome, both strands",
     "Scores every GT on both strands whose 160-nt window lies inside its sequence (0-based "
     "half-open coordinates of the GT; a minus-strand site is the AC on the plus strand), or "
     "only the sites of --sites or --gtf."},
    {"view", CMD_VIEW, "[options] [--in] FILE",
     "print a binary score or scan file as the TSV its run would have written",
     "Reads a binary file of hald score or hald scan (--out-format bin; compressed or not, or "
     "stdin) and prints the TSV the same run writes with --out-format tsv."},
    {"pack", CMD_PACK, "[options] [--in] FILE --out FILE.zst",
     "rewrite input as record-aligned zstd frames with a seek index",
     "Rewrites sequences (FASTA, FASTQ or lines; plain, gzip or zstd) as zstd frames that each "
     "hold whole records, plus a seek index: runs on the packed file decode frames in parallel "
     "and --shard I/N starts without scanning.  The text is kept byte for byte (zstd -dc "
     "restores it); see docs/packed-format.md."},
    {"pairs", CMD_PAIRS, "[options] [--in] FILE",
     "score the effect of a change: ref and alt windows, delta and sigmoid",
     "Scores each pair of 160-nt windows, ref and alt, and writes per model ref_M, alt_M, "
     "delta_M = alt_M - ref_M and sigmoid_M = 1/(1+exp(-delta_M)), NA where either window cannot "
     "be scored.  The authors' A5SS share of the distal donor is sigmoid(SD2 - SD1): the pair "
     "with SD1 as ref and SD2 as alt."},
    {"variants", CMD_VARIANTS, "[options] --fasta genome.fa --vcf calls.vcf[.gz]|calls.bcf",
     "score what each variant of a VCF does to the donors around it",
     "Applies each ALT allele (SNVs and indels up to 50 bp; multi-allelic records split) to the "
     "genome and scores every donor site (GT on plus, AC on minus) that the reference or the "
     "alternate haplotype has and whose window contains the change: the reference window, the "
     "alternate window, delta and sigmoid per model.  TSV rows, or the input records with an "
     "INFO field HAL (the site of largest |delta| per allele and model) as VCF or BCF."},
    {"serve", CMD_SERVE, "[options] --socket PATH | --listen [HOST:]PORT",
     "a scoring daemon over HTTP: POST /score and /pairs, GET /health and /metrics",
     "Keeps the weights loaded and answers HTTP/1.1 requests on a Unix socket (mode 0600) or "
     "TCP (loopback unless an address is named): POST /score and POST /pairs take what hald "
     "score and hald pairs read and answer with the TSV they write; GET /health gives the "
     "weights' sha256, GET /metrics Prometheus counters.  SIGTERM finishes the requests in "
     "flight and exits; SIGHUP reloads the config and the weights.  See docs/hald-serve.md."},
    {"config", CMD_CONFIG, "[--config FILE] [COMMAND]",
     "print the settings a command would run with, and where each comes from",
     "Prints every setting COMMAND (default score) takes as a config line, key = value, with "
     "where the value comes from: the built-in default, /etc/hald/hald.conf, "
     "$XDG_CONFIG_HOME/hald/hald.conf, --config FILE or a HALD_* variable.  Exit 1 if a "
     "file or variable has an unknown key or a bad value."},
    {"merge", CMD_MERGE, "[options] [--out FILE] PART...",
     "join the parts of a sharded run (--shard I/N) into the one run's output",
     "Writes the parts that hald score or hald scan wrote with --shard I/N --out PART, in shard "
     "order whatever the order given, as exactly the bytes one run over the whole input writes: "
     "TSV with its header once, BED, or binary with its records cut into blocks again.  Each "
     "part's manifest (PART.hald-part) must say it is a shard of the same run; a shard missing "
     "or given twice, or a part changed since it was written, is an error and nothing is "
     "written.  See docs/hald-merge.md."},
    {"weights", CMD_WEIGHTS, "[--weights FILE]", "show which weights table is used and its sha256",
     "Prints the weights file a run would load, its sha256 and whether it is the published HAL "
     "table; exit 1 if it cannot be loaded."},
};
const size_t CLI_N_COMMANDS = sizeof CLI_COMMANDS / sizeof CLI_COMMANDS[0];

const cli_command_t *cli_find_command(const char *name)
{
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        if (strcmp(CLI_COMMANDS[i].name, name) == 0)
            return &CLI_COMMANDS[i];
    return NULL;
}

/* ================================================================ parsing */

static int applies(const cli_option_t *o, const cli_command_t *cmd)
{
    return (o->commands & cmd->bit) != 0;
}

int cli_row_applies(size_t row, const cli_command_t *cmd)
{
    return applies(&CLI_OPTIONS[row], cmd);
}

/* Option names match with '-' and '_' alike, as config keys and
 * variables spell them. */
static int same_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
            return 0;
    return *a == *b;
}

size_t cli_find_row(const char *name, const cli_command_t *cmd)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++)
        if (same_name(CLI_OPTIONS[i].name, name) && (!cmd || applies(&CLI_OPTIONS[i], cmd)))
            return i;
    return CLI_N_OPTIONS;
}

int cli_row_configurable(size_t row)
{
    const char *n = CLI_OPTIONS[row].name;
    return strcmp(n, "help") != 0 && strcmp(n, "version") != 0 && strcmp(n, "config") != 0;
}

/* yes/no, true/false, on/off, 1/0: 1 or 0, -1 for anything else. */
static int parse_bool(const char *t)
{
    static const char *const yes[] = {"1", "yes", "true", "on"}, *const no[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(t, yes[i]) == 0)
            return 1;
        if (strcasecmp(t, no[i]) == 0)
            return 0;
    }
    return -1;
}

int cli_set_row(size_t row, const char *text, cli_origin_t origin, const char *file,
                unsigned line, cli_settings_t *s)
{
    const cli_option_t *o = &CLI_OPTIONS[row];
    void *dst = (char *)s + o->offset;
    int v = 1;
    switch (o->kind) {
    case OPT_FLAG:
        if (text && (v = parse_bool(text)) < 0)
            return -1;
        *(int *)dst = v;
        break;
    case OPT_QUIET:
        if (text && (v = parse_bool(text)) < 0)
            return -1;
        if (v)
            s->verbosity = 0;
        break;
    case OPT_VERBOSE:
        if (text) { /* a count: verbose = 2 is -v -v */
            unsigned long long n;
            if (cli_parse_size(text, &n) != 0 || n > 10)
                return -1;
            s->verbosity = 1 + (int)n;
        } else {
            s->verbosity++;
        }
        break;
    case OPT_VALUE:
        if (o->parse(o, text, dst) != 0)
            return -1;
        break;
    }
    s->text[row] = text ? text : "yes";
    s->origin[row] = (uint8_t)origin;
    s->origin_file[row] = file;
    s->origin_line[row] = line;
    return 0;
}

void cli_settings_free(cli_settings_t *s)
{
    char **p = (char **)(void *)s->owned.data;
    for (size_t i = 0; i < s->owned.len / sizeof *p; i++)
        free(p[i]);
    hald_buf_free(&s->owned);
}

static void set_defaults(const cli_command_t *cmd, cli_settings_t *s)
{
    memset(s, 0, sizeof *s);
    s->verbosity = 1;
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        const cli_option_t *o = &CLI_OPTIONS[i];
        if (applies(o, cmd) && o->kind == OPT_VALUE && o->def &&
            cli_set_row(i, o->def, CLI_FROM_DEFAULT, NULL, 0, s) != 0)
            abort(); /* a default the table cannot parse: a bug caught by any test */
    }
}

int cli_given(const cli_settings_t *s, const cli_command_t *cmd, const char *name)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++)
        if (applies(&CLI_OPTIONS[i], cmd) && strcmp(CLI_OPTIONS[i].name, name) == 0)
            return (s->given >> i) & 1;
    return 0;
}

/* --config's value, looked for before parsing: the file's settings lie
 * under the command line's. */
static const char *config_arg(int argc, char **argv)
{
    const char *found = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            found = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            found = argv[i] + 9;
    }
    return found;
}

int cli_parse(const cli_command_t *cmd, int argc, char **argv, cli_settings_t *s)
{
    set_defaults(cmd, s);
    if (cli_config_apply(cmd, config_arg(argc, argv), s) != 0)
        return CLI_EXIT_USAGE;
    struct option longs[64 + 1];
    char shorts[3 * 64 + 2] = ":";
    size_t n = 0, k = 1;
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        const cli_option_t *o = &CLI_OPTIONS[i];
        if (!applies(o, cmd))
            continue;
        /* getopt_long returns 256 + row for a long option, the letter for a short one. */
        longs[n++] = (struct option){o->name, o->kind == OPT_VALUE ? required_argument : no_argument,
                                     NULL, 256 + (int)i};
        if (o->letter) {
            shorts[k++] = o->letter;
            if (o->kind == OPT_VALUE)
                shorts[k++] = ':';
        }
    }
    longs[n] = (struct option){NULL, 0, NULL, 0};
    shorts[k] = '\0';
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == '?' || c == ':') {
            char what[80];
            if (optopt >= 256)
                snprintf(what, sizeof what, "--%s", CLI_OPTIONS[optopt - 256].name);
            else if (optopt)
                snprintf(what, sizeof what, "-%c", optopt);
            else
                snprintf(what, sizeof what, "%s", argv[optind - 1]);
            if (c == ':')
                cli_errorf("%s: a value is missing (see hald %s --help)", what, cmd->name);
            else
                cli_errorf("unknown option %s (see hald %s --help)", what, cmd->name);
            return CLI_EXIT_USAGE;
        }
        size_t row = 0;
        if (c >= 256) {
            row = (size_t)(c - 256);
        } else {
            while (row < CLI_N_OPTIONS && !(CLI_OPTIONS[row].letter == c && applies(&CLI_OPTIONS[row], cmd)))
                row++;
        }
        const cli_option_t *o = &CLI_OPTIONS[row];
        s->given |= UINT64_C(1) << row;
        const char *text = o->kind == OPT_VALUE ? optarg : NULL;
        if (cli_set_row(row, text, CLI_FROM_LINE, NULL, 0, s) != 0) {
            cli_errorf("--%s: invalid value '%s' (expected %s)", o->name, optarg,
                       o->expect ? o->expect : o->help);
            return CLI_EXIT_USAGE;
        }
    }
    if (s->help) {
        cli_print_help(stdout, cmd);
        return 0;
    }
    if (cmd->bit == CMD_MERGE) { /* PART...: any number of operands */
        s->operands = argv + optind;
        s->n_operands = (size_t)(argc - optind);
        return -1;
    }
    /* One input: --in, or the one operand (which counts as --in given). */
    if (optind < argc && !cli_given(s, cmd, "in")) {
        s->in = argv[optind++];
        for (size_t i = 0; i < CLI_N_OPTIONS; i++)
            if (applies(&CLI_OPTIONS[i], cmd) && strcmp(CLI_OPTIONS[i].name, "in") == 0)
                s->given |= UINT64_C(1) << i;
    }
    if (optind < argc) {
        cli_errorf("unexpected argument '%s' (one input per run; see hald %s --help)", argv[optind],
                   cmd->name);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* ================================================================ help */

#define HELP_WIDTH 80
#define HELP_INDENT 24

/* Prints text from column `col`, wrapped at HELP_WIDTH, continuation
 * lines indented by `indent`. */
static void wrap(FILE *fp, const char *text, int col, int indent)
{
    const char *p = text;
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        int len = (int)(end - p);
        if (!len)
            break;
        if (!first && col + 1 + len > HELP_WIDTH) {
            fprintf(fp, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', fp);
            col++;
        }
        fwrite(p, 1, (size_t)len, fp);
        col += len;
        first = 0;
        p = end;
    }
    fputc('\n', fp);
}

static const char *const GROUPS[] = {"Input", "Model", "Output", "Serve", "Run", "General"};

void cli_print_help(FILE *fp, const cli_command_t *cmd)
{
    fprintf(fp, "Usage: hald %s %s\n\n", cmd->name, cmd->usage);
    wrap(fp, cmd->description, 0, 0);
    for (size_t g = 0; g < sizeof GROUPS / sizeof GROUPS[0]; g++) {
        int header = 0;
        for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
            const cli_option_t *o = &CLI_OPTIONS[i];
            if (!applies(o, cmd) || strcmp(o->group, GROUPS[g]) != 0)
                continue;
            if (!header++)
                fprintf(fp, "\n%s:\n", GROUPS[g]);
            char left[64];
            int n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s", o->letter ? '-' : ' ',
                             o->letter ? o->letter : ' ', o->letter ? ", " : "  ", o->name,
                             o->metavar ? " " : "", o->metavar ? o->metavar : "");
            fputs(left, fp);
            int col = n;
            if (col >= HELP_INDENT - 1) {
                fprintf(fp, "\n%*s", HELP_INDENT, "");
                col = HELP_INDENT;
            } else {
                fprintf(fp, "%*s", HELP_INDENT - col, "");
                col = HELP_INDENT;
            }
            char text[512];
            snprintf(text, sizeof text, "%s%s%s%s", o->help, o->def ? " [" : "", o->def ? o->def : "",
                     o->def ? "]" : "");
            wrap(fp, text, col, HELP_INDENT);
        }
    }
}

void cli_print_commands(FILE *fp)
{
    fputs("Usage: hald <command> [options]\n\n"
          "Score DNA windows around 5' splice donors with the HAL model (Rosenberg et al.,\n"
          "Cell 2015), exactly, on threads and MPI ranks.\n\nCommands:\n",
          fp);
    for (size_t i = 0; i < CLI_N_COMMANDS; i++)
        fprintf(fp, "  %-9s %s\n", CLI_COMMANDS[i].name, CLI_COMMANDS[i].summary);
    fputs("\n'hald <command> --help' shows a command's options; 'hald --in FILE ...' runs score.\n"
          "hald --version prints the version; man hald has it all.\n",
          fp);
}

/* ================================================================ man page */

/* Roff text: a leading '.' or '\'' would be a request, '\' an escape. */
static void roff(FILE *fp, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", fp);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", fp);
        else if (*s == '-')
            fputs("\\-", fp);
        else
            fputc(*s, fp);
    }
}

static void man_option(FILE *fp, const cli_option_t *o)
{
    fputs(".TP\n", fp);
    if (o->letter)
        fprintf(fp, "\\fB\\-%c\\fR, ", o->letter);
    fputs("\\fB", fp);
    roff(fp, "--");
    roff(fp, o->name);
    fputs("\\fR", fp);
    if (o->metavar) {
        fputs(" \\fI", fp);
        roff(fp, o->metavar);
        fputs("\\fR", fp);
    }
    fputc('\n', fp);
    roff(fp, o->help);
    if (o->def) {
        fputs(" [default: ", fp);
        roff(fp, o->def);
        fputc(']', fp);
    }
    fputc('\n', fp);
}

void cli_print_man(FILE *fp)
{
    fprintf(fp, ".TH HALD 1 \"\" \"hald %s\" \"User Commands\"\n", HALD_VERSION);
    fputs(".SH NAME\nhald \\- score 5' splice donors with the HAL model, on threads and MPI ranks\n"
          ".SH SYNOPSIS\n", fp);
    for (size_t i = 0; i < CLI_N_COMMANDS; i++) {
        fprintf(fp, ".B hald %s\n", CLI_COMMANDS[i].name);
        roff(fp, CLI_COMMANDS[i].usage);
        fputs("\n.br\n", fp);
    }
    fputs(".SH DESCRIPTION\n"
          "hald scores 160\\-nt windows around 5' splice donors with the HAL hexamer model "
          "(Rosenberg et al., Cell 2015): the \\fBmean\\fR convention (the 8 columns averaged, "
          "applied to normalised hexamer frequencies; the default) or the authors' "
          "position\\-specific \\fBregions\\fR sum.  Output is byte\\-identical whatever the "
          "threads, MPI ranks (\\fBmpirun \\-n\\fR \\fIN\\fR \\fBhald ...\\fR) or CPU path.  "
          "Without a command, \\fBhald\\fR runs \\fBscore\\fR.\n",
          fp);
    for (size_t c = 0; c < CLI_N_COMMANDS; c++) {
        const cli_command_t *cmd = &CLI_COMMANDS[c];
        fprintf(fp, ".SH \"HALD %s\"\n", cmd->name);
        fprintf(fp, ".B hald %s\n", cmd->name);
        roff(fp, cmd->usage);
        fputs("\n.PP\n", fp);
        roff(fp, cmd->description);
        fputc('\n', fp);
        for (size_t i = 0; i < CLI_N_OPTIONS; i++)
            if (applies(&CLI_OPTIONS[i], cmd))
                man_option(fp, &CLI_OPTIONS[i]);
    }
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B HALD_WEIGHTS\nThe weights file, when \\fB\\-\\-weights\\fR is not given.\n"
          ".TP\n.B OMP_NUM_THREADS\nThreads, when \\fB\\-\\-threads\\fR is not given.\n"
          ".TP\n.B HALD_\\fIKEY\\fR\nAny setting, named as its long option in capitals with "
          "'_' for '\\-' (HALD_THREADS, HALD_CHUNK_SIZE): over the config files, under the "
          "command line.\n"
          ".SH FILES\n"
          "Settings are read from /etc/hald/hald.conf, $XDG_CONFIG_HOME/hald/hald.conf (else "
          "~/.config/hald/hald.conf) and \\fB\\-\\-config\\fR \\fIFILE\\fR, each over the one before: "
          "key = value lines, keys the long option names, a [COMMAND] section for one command; "
          "\\fBhald config\\fR \\fICOMMAND\\fR prints the result and where each value comes from.\n"
          ".PP\n"
          "The weights table HAL_mer_scores.npz (or .npy) is looked for in ./weights, "
          "\\&../shared/weights, beside the program, and in the data directory of the "
          "installation (share/hald); share/hald/fetch\\-weights downloads it and checks its "
          "sha256.\n"
          ".SH EXIT STATUS\n"
          "0 on success, 1 for a usage or input error, 2 for an I/O failure.\n"
          ".SH EXAMPLES\n"
          ".nf\n"
          "hald \\-\\-in reads.fa.zst \\-\\-model both \\-\\-out scores.tsv\n"
          "hald score \\-O bin \\-o scores.bin reads.fq.gz && hald view scores.bin\n"
          "mpirun \\-n 64 hald \\-\\-in reads.zst \\-O bin \\-o scores.bin\n"
          "hald scan \\-\\-gtf genes.gtf.gz \\-\\-in genome.fa.gz \\-o donors.tsv\n"
          ".fi\n"
          ".SH SEE ALSO\n"
          "The documents in the hald source tree: README.md and docs/.\n",
          fp);
}

/* ================================================================ config template */

/* The commands that take option `name`, and their defaults where they
 * differ, as one comment line. */
static void template_commands(FILE *fp, const char *name)
{
    fputs("# for:", fp);
    for (size_t c = 0; c < CLI_N_COMMANDS; c++) {
        size_t row = cli_find_row(name, &CLI_COMMANDS[c]);
        if (row == CLI_N_OPTIONS || CLI_COMMANDS[c].bit == CMD_CONFIG)
            continue;
        fprintf(fp, " %s", CLI_COMMANDS[c].name);
        const char *def = CLI_OPTIONS[row].def, *first = CLI_OPTIONS[cli_find_row(name, NULL)].def;
        if (def && (!first || strcmp(def, first) != 0))
            fprintf(fp, " (default %s)", def);
    }
    fputc('\n', fp);
}

void cli_print_config_template(FILE *fp)
{
    fputs("# hald.conf: hald's settings, as shipped (every line commented out: the built-in\n"
          "# defaults).  Read from /etc/hald/hald.conf, then $XDG_CONFIG_HOME/hald/hald.conf\n"
          "# (else ~/.config/hald/hald.conf), then --config FILE; HALD_<KEY> variables and\n"
          "# the command line override them.  `hald config COMMAND` shows the result.\n"
          "#\n"
          "# key = value, keys the long option names; flags take yes or no.  Lines\n"
          "# before any section apply to every command that takes the key; a [COMMAND]\n"
          "# section (e.g. [scan]) to that command alone.  Comments start with # or ;.\n",
          fp);
    for (size_t g = 0; g < sizeof GROUPS / sizeof GROUPS[0]; g++) {
        fprintf(fp, "\n# ---- %s\n", GROUPS[g]);
        for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
            const cli_option_t *o = &CLI_OPTIONS[i];
            if (strcmp(o->group, GROUPS[g]) != 0 || !cli_row_configurable(i) ||
                cli_find_row(o->name, NULL) != i)
                continue; /* each key once, at its first row */
            fputc('\n', fp);
            fprintf(fp, "# %s\n", o->help);
            template_commands(fp, o->name);
            const char *value = o->def;
            if (o->kind == OPT_FLAG || o->kind == OPT_QUIET)
                value = "no";
            else if (o->kind == OPT_VERBOSE)
                value = "0";
            fprintf(fp, "#%s =%s%s\n", o->name, value ? " " : "", value ? value : "");
        }
    }
}
