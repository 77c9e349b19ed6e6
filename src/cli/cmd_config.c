/* hald config: the settings a command would run with, and where each
 * comes from. */
#include <string.h>

#include "cli.h"
#include "config.h"

static void show(const char *key, const char *value, const char *origin)
{
    int n = printf("%s = %s", key, value);
    printf("%*s# %s\n", n < 32 ? 32 - n : 1, "", origin);
}

int cmd_config(cli_ctx_t *c, const cli_command_t *cmd, cli_settings_t *s)
{
    (void)c;
    (void)cmd;
    const char *name = s->in ? s->in : "score";
    const cli_command_t *target = cli_find_command(name);
    if (!target || target->bit == CMD_CONFIG) {
        cli_errorf("hald config: unknown command '%s' (hald --help lists them)", name);
        return EXIT_USAGE;
    }
    /* The layers alone: the same files and variables, no command line. */
    char *argv[] = {(char *)target->name, s->config ? "--config" : NULL, (char *)s->config, NULL};
    cli_settings_t t;
    int code = cli_parse(target, s->config ? 3 : 1, argv, &t);
    if (code >= 0) {
        cli_settings_free(&t);
        return code;
    }
    char user[4096];
    const char *user_file = cli_user_config(user, sizeof user);
    printf("# hald %s: each setting, and where it comes from (lowest first: default, %s, %s,\n"
           "# --config FILE, HALD_* variables, the command line)\n",
           target->name, HALD_SYSTEM_CONFIG, user_file ? user_file : "~/.config/hald/hald.conf");
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        if (!cli_row_applies(i, target) || !cli_row_configurable(i))
            continue;
        const cli_option_t *o = &CLI_OPTIONS[i];
        char origin[4200];
        cli_origin_text(&t, i, origin, sizeof origin);
        if (o->kind == OPT_QUIET || o->kind == OPT_VERBOSE) {
            char n[16];
            snprintf(n, sizeof n, "%d", t.verbosity > 1 ? t.verbosity - 1 : 0);
            show(o->name, o->kind == OPT_QUIET ? (t.verbosity == 0 ? "yes" : "no") : n, origin);
        } else if (o->kind == OPT_FLAG) {
            show(o->name, *(const int *)((const char *)&t + o->offset) ? "yes" : "no", origin);
        } else {
            show(o->name, t.text[i] ? t.text[i] : "", t.text[i] ? origin : "unset");
        }
    }
    cli_settings_free(&t);
    return 0;
}
