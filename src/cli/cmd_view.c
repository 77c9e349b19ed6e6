/* hald view: a binary score or scan file back as the TSV its run writes. */
#include "cli.h"

int cmd_view(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    int code = cli_input(cmd, s);
    if (code >= 0)
        return code;
    hald_error_t err;
    hald_error_clear(&err);
    cli_job_t job;
    if (cli_job_start(c, s, &job, &err) != HALD_OK)
        return cli_fail(&err);
    hald_sink_t *out = NULL;
    hald_run_stats_t st;
    int rc = cli_open_output(&job, s->in, s->out, 0, &out, &err);
    if (rc == HALD_OK)
        rc = hald_view_run(s->in, out, &job.env, &st, &err);
    rc = cli_close_output(out, rc, &err);
    if (rc == HALD_OK && job.rank == 0)
        cli_log(c, 2, "view", "%llu rows in %.2f s", (unsigned long long)st.items, st.seconds);
    return cli_job_end(c, &job, rc, &err);
}
