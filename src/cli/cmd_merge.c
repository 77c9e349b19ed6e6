/* hald merge: the parts of a sharded run (--shard I/N), as the one file a
 * run over the whole input writes. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "part.h"

/* How the merge puts parts of a format together. */
static hald_merge_format_t merge_format(const char *format)
{
    if (strcmp(format, "bin") == 0)
        return HALD_MERGE_BIN;
    if (strcmp(format, "bed") == 0)
        return HALD_MERGE_TEXT;
    return HALD_MERGE_TEXT_HEADER; /* TSV, and bedGraph's track line */
}

/* The records a part's file holds: a row or binary record per record or
 * site of its run, but BED and bedGraph leave NA sites out (and bedGraph
 * the other strand), so their rows are not the run's count. */
static uint64_t records_held(const cli_part_t *p)
{
    if (strcmp(p->format, "bed") == 0 || strcmp(p->format, "bedgraph") == 0)
        return HALD_MERGE_UNCOUNTED;
    return p->records;
}

static int same_file(const struct stat *a, const char *path)
{
    struct stat b;
    return stat(path, &b) == 0 && a->st_dev == b.st_dev && a->st_ino == b.st_ino;
}

/* --out naming a part or its manifest would replace it. */
static int out_is_a_part(const char *out, const cli_part_t *parts, size_t n, hald_error_t *err)
{
    struct stat o;
    if (strcmp(out, "-") == 0 || stat(out, &o) != 0 || !S_ISREG(o.st_mode))
        return HALD_OK;
    size_t len = strlen(out), suffix = strlen(CLI_PART_SUFFIX);
    for (size_t i = 0; i < n; i++)
        if (same_file(&o, parts[i].path))
            return hald_error_set(err, HALD_E_USAGE, "%s: --out is one of the parts", out);
    if (len > suffix && strcmp(out + len - suffix, CLI_PART_SUFFIX) == 0)
        return hald_error_set(err, HALD_E_USAGE, "%s: --out names a part manifest", out);
    return HALD_OK;
}

/* Whether operand i is the manifest of another operand (a glob such as
 * "parts/part.*" names both): 1, 0, or an error for a manifest alone. */
static int manifest_operand(const cli_settings_t *s, size_t i, hald_error_t *err)
{
    const char *m = s->operands[i];
    size_t len = strlen(m), suffix = strlen(CLI_PART_SUFFIX);
    if (len <= suffix || strcmp(m + len - suffix, CLI_PART_SUFFIX) != 0)
        return 0;
    for (size_t j = 0; j < s->n_operands; j++)
        if (strlen(s->operands[j]) == len - suffix && strncmp(s->operands[j], m, len - suffix) == 0)
            return 1;
    return hald_error_set(err, HALD_E_USAGE, "%s: a part's manifest: name the part (%.*s)", m,
                          (int)(len - suffix), m);
}

/* Rank 0: every part's manifest, checked as a set, and the parts in shard
 * order as the merge takes them (*n: the parts, manifests named beside
 * them left out). */
static int plan(const cli_settings_t *s, cli_part_t *parts, hald_merge_part_t *todo, size_t *n_parts,
                hald_error_t *err)
{
    size_t n = 0;
    int rc = HALD_OK;
    for (size_t i = 0; rc == HALD_OK && i < s->n_operands; i++) {
        int skip = manifest_operand(s, i, err);
        if (skip < 0)
            rc = skip;
        else if (!skip)
            rc = cli_part_read(s->operands[i], &parts[n++], err);
    }
    *n_parts = n;
    const cli_part_t **sorted = rc == HALD_OK ? calloc(n, sizeof *sorted) : NULL;
    if (rc == HALD_OK && !sorted)
        rc = hald_error_set(err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK)
        rc = cli_part_order(parts, n, sorted, err);
    for (size_t i = 0; rc == HALD_OK && i < n; i++)
        todo[i] = (hald_merge_part_t){sorted[i]->path, sorted[i]->bytes, sorted[i]->crc,
                                      records_held(sorted[i])};
    if (rc == HALD_OK)
        rc = out_is_a_part(s->out, parts, n, err);
    free(sorted);
    return rc;
}

int cmd_merge(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    if (s->n_operands == 0) {
        cli_errorf("no parts: hald merge [--out FILE] PART... (see hald %s --help)", cmd->name);
        return EXIT_USAGE;
    }
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, s, &job, &err) != HALD_OK)
        return cli_fail(&err);
    size_t n = s->n_operands;
    cli_part_t *parts = calloc(n, sizeof *parts);
    hald_merge_part_t *todo = calloc(n, sizeof *todo);
    int rc = parts && todo ? HALD_OK : hald_error_set(&err, HALD_E_NOMEM, "out of memory");
    if (rc == HALD_OK && job.rank == 0)
        rc = plan(s, parts, todo, &n, &err);
    hald_merge_format_t format = job.rank == 0 && rc == HALD_OK ? merge_format(parts[0].format) : HALD_MERGE_TEXT;
    hald_sink_t *out = NULL;
    hald_run_stats_t st;
    if (rc == HALD_OK)
        rc = cli_open_output(&job, NULL, s->out, format == HALD_MERGE_BIN, &out, &err);
    if (rc == HALD_OK)
        rc = hald_merge_run(job.rank == 0 ? todo : NULL, n, format, out, &job.env, &st, &err);
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && job.rank == 0)
        cli_log(c, 1, "merge", "%zu parts of hald %s, %llu records in %.2f s", n, parts[0].command,
                (unsigned long long)st.items, st.seconds);
    for (size_t i = 0; parts && i < s->n_operands; i++)
        cli_part_free(&parts[i]);
    free(parts);
    free(todo);
    return cli_job_end(c, &job, rc, &err);
}
