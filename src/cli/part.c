/* Part manifests (FILE.hald-part): writing them after a sharded run,
 * reading them for hald merge, and checking a set of them. */
#include "part.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "hald-part"
#define MANIFEST_MAX (1u << 20) /* far more than any manifest */

void cli_part_init(cli_part_t *p)
{
    memset(p, 0, sizeof *p);
}

void cli_part_free(cli_part_t *p)
{
    free(p->path);
    free(p->options);
    free(p->input);
    cli_part_init(p);
}

/* ================================================================ describing */

/* A copy of text with control characters (a newline in a path) as '?':
 * one manifest line each. */
static char *one_line(const char *text, hald_error_t *err)
{
    char *t = strdup(text);
    if (!t) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory");
        return NULL;
    }
    for (char *q = t; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = '?';
    return t;
}

/* Options that change the bytes of a run's output, but for those with
 * their own lines or that a part's siblings may give otherwise: where the
 * files are (in, out, weights: its sha256 is recorded), which part
 * (shard), and --strict, which changes no byte of a run that succeeds. */
static int shapes_output(size_t row, const cli_command_t *cmd)
{
    static const char *const own[] = {"in", "out", "shard", "out-format", "model", "weights", "strict"};
    const cli_option_t *o = &CLI_OPTIONS[row];
    if (!cli_row_applies(row, cmd) || !cli_row_configurable(row) ||
        (strcmp(o->group, "Input") != 0 && strcmp(o->group, "Model") != 0 &&
         strcmp(o->group, "Output") != 0))
        return 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(o->name, own[i]) == 0)
            return 0;
    return 1;
}

/* "name=value\n" for each option that shapes the output, in table order. */
static char *options_text(const cli_command_t *cmd, const cli_settings_t *s, hald_error_t *err)
{
    hald_buf_t b;
    hald_buf_init(&b);
    int rc = HALD_OK;
    for (size_t i = 0; rc == HALD_OK && i < CLI_N_OPTIONS; i++) {
        if (!shapes_output(i, cmd))
            continue;
        const cli_option_t *o = &CLI_OPTIONS[i];
        const char *value = s->text[i] ? s->text[i] : "";
        if (o->kind == OPT_FLAG)
            value = *(const int *)(const void *)((const char *)s + o->offset) ? "yes" : "no";
        char *v = one_line(value, err);
        rc = v ? HALD_OK : err->code;
        if (rc == HALD_OK)
            rc = hald_buf_append(&b, o->name, strlen(o->name), err);
        if (rc == HALD_OK)
            rc = hald_buf_append(&b, "=", 1, err);
        if (rc == HALD_OK)
            rc = hald_buf_append(&b, v, strlen(v), err);
        if (rc == HALD_OK)
            rc = hald_buf_append(&b, "\n", 1, err);
        free(v);
    }
    if (rc == HALD_OK)
        rc = hald_buf_append(&b, "", 1, err); /* the NUL */
    if (rc != HALD_OK) {
        hald_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static const char *models_name(hald_model_set_t m)
{
    return m == HALD_MODELS_BOTH ? "both" : m == HALD_MODELS_REGIONS ? "regions" : "mean";
}

/* The sha256 of the weights the run used: found and loaded again as the
 * run did, without its log line. */
static int weights_sha256(const cli_ctx_t *c, const cli_settings_t *s, char hex[65], hald_error_t *err)
{
    cli_ctx_t quiet = *c;
    quiet.verbosity = 0;
    hald_weights_t *w = malloc(sizeof *w);
    if (!w)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    int rc = cli_load_weights(&quiet, s->weights, w, err);
    if (rc == HALD_OK)
        hald_sha256_hex(w->sha256, hex);
    free(w);
    return rc;
}

int cli_part_describe(const cli_ctx_t *c, const cli_command_t *cmd, const cli_settings_t *s,
                      const char *format, hald_model_set_t models, uint64_t records,
                      cli_part_t *p, hald_error_t *err)
{
    cli_part_init(p);
    snprintf(p->command, sizeof p->command, "%s", cmd->name);
    snprintf(p->format, sizeof p->format, "%s", format);
    snprintf(p->models, sizeof p->models, "%s", models_name(models));
    p->shard = s->shard_index + 1;
    p->shards = s->shard_count;
    p->records = records;
    int rc = (p->path = strdup(s->out)) ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK && !(p->input = one_line(s->in, err)))
        rc = err->code;
    if (rc == HALD_OK && !(p->options = options_text(cmd, s, err)))
        rc = err->code;
    if (rc == HALD_OK)
        rc = weights_sha256(c, s, p->weights, err);
    if (rc == HALD_OK)
        rc = hald_merge_input_id(s->in, &p->input_bytes, &p->input_fingerprint, err);
    if (rc == HALD_OK)
        rc = hald_merge_checksum(s->out, &p->bytes, &p->crc, err);
    if (rc != HALD_OK)
        cli_part_free(p);
    return rc;
}

/* ================================================================ the text */

int cli_part_format(const cli_part_t *p, hald_buf_t *out, hald_error_t *err)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     MAGIC " %d\ncommand %s\nshard %" PRIu64 "/%" PRIu64 "\nformat %s\nmodels %s\n"
                     "weights %s\n",
                     CLI_PART_VERSION, p->command, p->shard, p->shards, p->format, p->models, p->weights);
    int rc = hald_buf_append(out, head, (size_t)n, err);
    for (const char *o = p->options; rc == HALD_OK && o && *o;) {
        const char *nl = strchr(o, '\n');
        size_t len = nl ? (size_t)(nl - o) : strlen(o);
        rc = hald_buf_append(out, "option ", 7, err);
        if (rc == HALD_OK)
            rc = hald_buf_append(out, o, len, err);
        if (rc == HALD_OK)
            rc = hald_buf_append(out, "\n", 1, err);
        o += len + (nl != NULL);
    }
    if (rc == HALD_OK)
        rc = hald_buf_append(out, "input ", 6, err);
    if (rc == HALD_OK)
        rc = hald_buf_append(out, p->input, strlen(p->input), err);
    n = snprintf(head, sizeof head,
                 "\ninput-bytes %" PRIu64 "\ninput-fingerprint %08" PRIx32 "\nrecords %" PRIu64
                 "\nbytes %" PRIu64 "\ncrc32 %08" PRIx32 "\n",
                 p->input_bytes, p->input_fingerprint, p->records, p->bytes, p->crc);
    return rc == HALD_OK ? hald_buf_append(out, head, (size_t)n, err) : rc;
}

enum {
    K_COMMAND, K_SHARD, K_FORMAT, K_MODELS, K_WEIGHTS, K_INPUT, K_INPUT_BYTES, K_INPUT_FP,
    K_RECORDS, K_BYTES, K_CRC, K_N,
    K_OPTION = K_N /* any number of times */
};
static const char *const KEYS[] = {"command", "shard", "format", "models", "weights", "input",
                                   "input-bytes", "input-fingerprint", "records", "bytes", "crc32",
                                   "option"};

/* A decimal u64: digits only. */
static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*v < '0' || *v > '9')
        return -1;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

/* Exactly 8 hex digits. */
static int parse_crc(const char *v, uint32_t *out)
{
    if (strlen(v) != 8 || strspn(v, "0123456789abcdef") != 8)
        return -1;
    *out = (uint32_t)strtoul(v, NULL, 16);
    return 0;
}

static int one_of(const char *v, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return 0;
    return -1;
}

static int word(const char *v, char *dst, size_t cap, const char *const *names, size_t n)
{
    if (one_of(v, names, n) != 0)
        return -1;
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int append_option(cli_part_t *p, const char *v)
{
    size_t had = p->options ? strlen(p->options) : 0, len = strlen(v);
    char *o = realloc(p->options, had + len + 2);
    if (!o)
        return -2;
    memcpy(o + had, v, len);
    memcpy(o + had + len, "\n", 2);
    p->options = o;
    return 0;
}

/* One "key value" line into p: 0, -1 for a bad value, -2 out of memory. */
static int set_key(cli_part_t *p, int key, const char *v)
{
    static const char *const commands[] = {"score", "scan"};
    static const char *const formats[] = {"tsv", "bed", "bedgraph", "bin"};
    static const char *const models[] = {"mean", "regions", "both"};
    unsigned long long i, n;
    int used = 0;
    switch (key) {
    case K_COMMAND: return word(v, p->command, sizeof p->command, commands, 2);
    case K_FORMAT: return word(v, p->format, sizeof p->format, formats, 4);
    case K_MODELS: return word(v, p->models, sizeof p->models, models, 3);
    case K_SHARD:
        if (sscanf(v, "%llu/%llu%n", &i, &n, &used) != 2 || v[used] || i < 1 || i > n)
            return -1;
        p->shard = i;
        p->shards = n;
        return 0;
    case K_WEIGHTS:
        if (strlen(v) != 64 || strspn(v, "0123456789abcdef") != 64)
            return -1;
        memcpy(p->weights, v, 65);
        return 0;
    case K_INPUT:
        if (!*v)
            return -1;
        return (p->input = strdup(v)) ? 0 : -2;
    case K_INPUT_BYTES: return parse_u64(v, &p->input_bytes);
    case K_INPUT_FP: return parse_crc(v, &p->input_fingerprint);
    case K_RECORDS: return parse_u64(v, &p->records);
    case K_BYTES: return parse_u64(v, &p->bytes);
    case K_CRC: return parse_crc(v, &p->crc);
    default: return append_option(p, v);
    }
}

static int bad_line(const char *name, unsigned line, const char *what, const char *key, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s:%u: %s%s%s", name, line, what, key ? " " : "",
                          key ? key : "");
}

/* The first line: the magic and the version this hald reads. */
static int check_magic(const char *line, const char *name, hald_error_t *err)
{
    char want[32];
    snprintf(want, sizeof want, MAGIC " %d", CLI_PART_VERSION);
    if (strcmp(line, want) == 0)
        return HALD_OK;
    if (strncmp(line, MAGIC " ", sizeof MAGIC) == 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: manifest version %.16s, this hald reads %d", name,
                              line + sizeof MAGIC, CLI_PART_VERSION);
    return hald_error_set(err, HALD_E_INPUT, "%s: not a hald part manifest", name);
}

int cli_part_parse(const char *text, size_t len, const char *name, cli_part_t *p, hald_error_t *err)
{
    cli_part_init(p);
    char *copy = malloc(len + 1);
    if (!copy)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    memcpy(copy, text, len);
    copy[len] = '\0';
    int rc = len && copy[len - 1] == '\n' && strlen(copy) == len
                 ? HALD_OK
                 : hald_error_set(err, HALD_E_INPUT, "%s: not a hald part manifest (cut short or binary)", name);
    unsigned seen = 0, line = 0;
    for (char *l = copy, *nl; rc == HALD_OK && (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
        *nl = '\0';
        if (++line == 1) {
            rc = check_magic(l, name, err);
            continue;
        }
        char *v = strchr(l, ' ');
        if (v)
            *v++ = '\0';
        int key = 0;
        while (key <= K_OPTION && strcmp(l, KEYS[key]) != 0)
            key++;
        if (key > K_OPTION || !v)
            rc = bad_line(name, line, key > K_OPTION ? "unknown key" : "no value for", l, err);
        else if (key < K_N && (seen & (1u << key)))
            rc = bad_line(name, line, "given twice:", l, err);
        else if ((rc = set_key(p, key, v)) != 0)
            rc = rc == -2 ? hald_error_set(err, HALD_E_NOMEM, "out of memory")
                          : bad_line(name, line, "a bad value for", l, err);
        seen |= key < K_N ? 1u << key : 0;
    }
    for (int k = 0; rc == HALD_OK && k < K_N; k++)
        if (!(seen & (1u << k)))
            rc = hald_error_set(err, HALD_E_INPUT, "%s: no %s line", name, KEYS[k]);
    if (rc == HALD_OK && !p->options && !(p->options = strdup("")))
        rc = hald_error_set(err, HALD_E_NOMEM, "out of memory");
    free(copy);
    if (rc != HALD_OK)
        cli_part_free(p);
    return rc;
}

/* ================================================================ files */

int cli_part_write(const cli_ctx_t *c, const cli_command_t *cmd, const cli_settings_t *s,
                   const char *format, hald_model_set_t models, uint64_t records,
                   hald_error_t *err)
{
    if (!s->shard_count)
        return HALD_OK;
    cli_part_t p;
    hald_buf_t text, path;
    hald_buf_init(&text);
    hald_buf_init(&path);
    int rc = cli_part_describe(c, cmd, s, format, models, records, &p, err);
    if (rc == HALD_OK)
        rc = cli_part_format(&p, &text, err);
    if (rc == HALD_OK && (hald_buf_append(&path, s->out, strlen(s->out), err) != HALD_OK ||
                          hald_buf_append(&path, CLI_PART_SUFFIX, sizeof CLI_PART_SUFFIX, err) != HALD_OK))
        rc = err->code;
    hald_sink_t *sink = rc == HALD_OK ? hald_sink_open(path.data, err) : NULL;
    if (rc == HALD_OK && !sink)
        rc = err->code;
    if (rc == HALD_OK)
        rc = hald_sink_write(sink, text.data, text.len, err);
    if (rc == HALD_OK)
        rc = hald_sink_commit(sink, err); /* a temporary renamed: never half a manifest */
    else
        hald_sink_abort(sink);
    if (rc == HALD_OK)
        cli_log(c, 2, cmd->name, "part %" PRIu64 " of %" PRIu64 ": %s", p.shard, p.shards, path.data);
    cli_part_free(&p);
    hald_buf_free(&text);
    hald_buf_free(&path);
    return rc;
}

/* The whole of a small file: *text (NUL-terminated, to free), or an error. */
static int slurp(const char *path, char **text, size_t *len, hald_error_t *err)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hald_error_set_errno(err, errno == ENOENT ? HALD_E_INPUT : HALD_E_IO, errno, "%s", path);
    char *buf = malloc(MANIFEST_MAX + 1);
    size_t got = 0;
    int rc = buf ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    while (rc == HALD_OK && got <= MANIFEST_MAX) {
        ssize_t k = read(fd, buf + got, MANIFEST_MAX + 1 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", path);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (rc == HALD_OK && got > MANIFEST_MAX)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: too large for a part manifest", path);
    if (rc != HALD_OK) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = got;
    return HALD_OK;
}

int cli_part_read(const char *part, cli_part_t *p, hald_error_t *err)
{
    cli_part_init(p);
    size_t n = strlen(part);
    char *manifest = malloc(n + sizeof CLI_PART_SUFFIX), *text = NULL;
    if (!manifest)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    memcpy(manifest, part, n);
    memcpy(manifest + n, CLI_PART_SUFFIX, sizeof CLI_PART_SUFFIX);
    size_t len = 0;
    hald_error_t why;
    int rc = slurp(manifest, &text, &len, &why);
    if (rc != HALD_OK)
        hald_error_set(err, rc, "%s: no manifest (%.900s): not written by a run with --shard I/N "
                       "--out FILE, or lost", part, why.msg);
    else
        rc = cli_part_parse(text, len, manifest, p, err);
    if (rc == HALD_OK && !(p->path = strdup(part)))
        rc = hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (rc != HALD_OK)
        cli_part_free(p);
    free(text);
    free(manifest);
    return rc;
}

/* ================================================================ a set */

/* The line of options that starts at o (empty: "(none)"), into buf. */
static void option_line(const char *o, char *buf, size_t cap)
{
    size_t len = strcspn(o, "\n");
    snprintf(buf, cap, "%.*s", len ? (int)len : 6, len ? o : "(none)");
}

/* Names the first option that two parts' runs set differently. */
static int differ_options(const cli_part_t *a, const cli_part_t *b, hald_error_t *err)
{
    size_t line = 0;
    for (size_t i = 0; a->options[i] && a->options[i] == b->options[i]; i++)
        if (a->options[i] == '\n')
            line = i + 1;
    char va[256], vb[256];
    option_line(a->options + line, va, sizeof va);
    option_line(b->options + line, vb, sizeof vb);
    return hald_error_set(err, HALD_E_INPUT, "%s: run with --%s, but %s with --%s", b->path, vb, a->path, va);
}

/* Whether part b comes from the same run as part a (other than its shard). */
static int same_run(const cli_part_t *a, const cli_part_t *b, hald_error_t *err)
{
    if (strcmp(a->command, b->command) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: written by hald %s, but %s by hald %s", b->path,
                              b->command, a->path, a->command);
    if (a->shards != b->shards)
        return hald_error_set(err, HALD_E_INPUT, "%s: shard %" PRIu64 " of %" PRIu64 ", but %s is one of %" PRIu64,
                              b->path, b->shard, b->shards, a->path, a->shards);
    if (a->input_bytes != b->input_bytes || a->input_fingerprint != b->input_fingerprint)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: from another input than %s (%.300s: %" PRIu64 " bytes, fingerprint %08" PRIx32
                              "; %.300s: %" PRIu64 " bytes, fingerprint %08" PRIx32 ")",
                              b->path, a->path, b->input, b->input_bytes, b->input_fingerprint, a->input,
                              a->input_bytes, a->input_fingerprint);
    if (strcmp(a->format, b->format) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: format %s, but %s is %s", b->path, b->format,
                              a->path, a->format);
    if (strcmp(a->models, b->models) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: models %s, but %s has %s", b->path, b->models,
                              a->path, a->models);
    if (strcmp(a->weights, b->weights) != 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: scored with other weights (sha256 %.12s...) than %s (%.12s...)",
                              b->path, b->weights, a->path, a->weights);
    if (strcmp(a->options, b->options) != 0)
        return differ_options(a, b, err);
    return HALD_OK;
}

/* The shards of 1..N that no part is (parts sorted, none twice), listed
 * as far as a line allows. */
static int missing(const cli_part_t *const *sorted, size_t n, uint64_t shards, hald_error_t *err)
{
    if (n == shards)
        return HALD_OK;
    char list[512] = "";
    size_t len = 0;
    int full = 0;
    uint64_t want = 1;
    for (size_t i = 0; i <= n && !full; i++) {
        uint64_t next = i < n ? sorted[i]->shard : shards + 1;
        for (; want < next && !full; want++) {
            full = len + 32 > sizeof list;
            if (full)
                len += (size_t)snprintf(list + len, sizeof list - len, ", ...");
            else
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%" PRIu64, len ? ", " : "", want);
        }
        want = next + 1;
    }
    return hald_error_set(err, HALD_E_INPUT, "%" PRIu64 " of %" PRIu64 " shards missing: %s (each of 1..%" PRIu64
                          " must be given once)", shards - n, shards, list, shards);
}

/* By shard, then in the order given. */
static int shard_order(const void *a, const void *b)
{
    const cli_part_t *x = *(const cli_part_t *const *)a, *y = *(const cli_part_t *const *)b;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return x < y ? -1 : x > y;
}

int cli_part_order(const cli_part_t *parts, size_t n, const cli_part_t **sorted, hald_error_t *err)
{
    if (n == 0)
        return hald_error_set(err, HALD_E_USAGE, "no parts to merge");
    for (size_t i = 0; i < n; i++) {
        int rc = i ? same_run(&parts[0], &parts[i], err) : HALD_OK;
        if (rc != HALD_OK)
            return rc;
        sorted[i] = &parts[i];
    }
    qsort(sorted, n, sizeof *sorted, shard_order);
    for (size_t i = 1; i < n; i++)
        if (sorted[i]->shard == sorted[i - 1]->shard)
            return hald_error_set(err, HALD_E_INPUT, "shard %" PRIu64 " of %" PRIu64 " given twice: %s and %s",
                                  sorted[i]->shard, sorted[i]->shards, sorted[i - 1]->path, sorted[i]->path);
    return missing(sorted, n, parts[0].shards, err);
}

const char *cli_part_scan_format(hald_scan_out_t f)
{
    switch (f) {
    case HALD_SCAN_OUT_BED: return "bed";
    case HALD_SCAN_OUT_BEDGRAPH: return "bedgraph";
    case HALD_SCAN_OUT_BIN: return "bin";
    default: return "tsv";
    }
}
