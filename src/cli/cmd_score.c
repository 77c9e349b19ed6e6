/* hald score: the default subcommand. */
#include <stdlib.h>

#include "cli.h"
#include "part.h"

static void log_summary(const cli_ctx_t *c, hald_model_set_t models, const hald_run_stats_t *st)
{
    cli_log(c, 1, "score", "%llu records in %.2f s (%.0f records/s)", (unsigned long long)st->items,
            st->seconds, st->seconds > 0 ? (double)st->items / st->seconds : 0.0);
    cli_log_na(c, "score", models, st);
}

int cmd_score(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    int code = cli_input(cmd, s);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, s, &job, &err) != HALD_OK)
        return cli_fail(&err);
    hald_score_opts_t o;
    hald_score_opts_init(&o);
    o.models = s->models;
    o.format = s->format;
    o.out_format = s->score_out;
    o.strict = s->strict;
    o.max_length = s->max_length;
    o.shard_index = s->shard_index;
    o.shard_count = s->shard_count;
    hald_scorer_t *scorer = NULL;
    hald_sink_t *out = NULL;
    hald_run_stats_t st;
    int rc = cli_scorer(c, s, &scorer, &err);
    if (rc == HALD_OK)
        rc = cli_open_output(&job, s->in, s->out, o.out_format == HALD_OUT_BIN, &out, &err);
    if (rc == HALD_OK)
        rc = hald_score_run(scorer, &o, s->in, out, &job.env, &st, &err);
    int renamed = out && hald_sink_temp_path(out); /* a file: a part gets its manifest */
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && renamed)
        rc = cli_part_write(c, cmd, s, o.out_format == HALD_OUT_BIN ? "bin" : "tsv", o.models, st.items, &err);
    if (rc == HALD_OK && job.rank == 0) {
        log_summary(c, o.models, &st);
        if (st.items == 0)
            cli_warn_empty(c, "score", s->in, "records");
    }
    free(scorer);
    return cli_job_end(c, &job, rc, &err);
}
