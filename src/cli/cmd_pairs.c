/* hald pairs: ref and alt windows, their delta and sigmoid. */
#include <stdlib.h>

#include "cli.h"

int cmd_pairs(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    int code = cli_input(cmd, s);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, s, &job, &err) != HALD_OK)
        return cli_fail(&err);
    hald_pairs_opts_t o;
    hald_pairs_opts_init(&o);
    o.models = s->models;
    o.strict = s->strict;
    o.max_length = s->max_length;
    hald_scorer_t *scorer = NULL;
    hald_sink_t *out = NULL;
    hald_run_stats_t st;
    int rc = cli_scorer(c, s, &scorer, &err);
    if (rc == HALD_OK)
        rc = cli_open_output(&job, s->in, s->out, 0, &out, &err);
    if (rc == HALD_OK)
        rc = hald_pairs_run(scorer, &o, s->in, out, &job.env, &st, &err);
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && job.rank == 0) {
        cli_log(c, 1, "pairs", "%llu pairs in %.2f s", (unsigned long long)st.items, st.seconds);
        cli_log_na(c, "pairs", o.models, &st);
        if (st.items == 0)
            cli_warn_empty(c, "pairs", s->in, "pairs");
    }
    free(scorer);
    return cli_job_end(c, &job, rc, &err);
}
