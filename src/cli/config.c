/* Config files and HALD_* variables under the command line: see config.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One file being read. */
typedef struct layer {
    const cli_command_t *cmd;
    cli_settings_t *s;
    cli_origin_t origin;
    const char *file;      /* kept: the name a value's origin points to */
    FILE *fp;
    unsigned line;         /* of the text inih is handling */
    char error[512];       /* the first error, "" while there is none */
} layer_t;

static int fail(layer_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(layer_t *l, const char *fmt, ...)
{
    if (!l->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->error, sizeof l->error, fmt, ap);
        va_end(ap);
    }
    return 0; /* inih: this line failed */
}

/* inih's reader: fgets that counts lines and refuses one that does not
 * fit inih's buffer (it would split it silently). */
static char *read_line(char *str, int num, void *stream)
{
    layer_t *l = stream;
    if (l->error[0] || !fgets(str, num, l->fp))
        return NULL;
    l->line++;
    size_t n = strlen(str);
    if (n + 1 == (size_t)num && str[n - 1] != '\n' && !feof(l->fp)) {
        snprintf(l->error, sizeof l->error, "a line longer than %d characters", num - 2);
        return NULL;
    }
    return str;
}

/* A value without a trailing "  # comment" (inih strips only ';'). */
static void strip_comment(char *v)
{
    for (char *p = v; *p; p++)
        if (*p == '#' && p > v && isspace((unsigned char)p[-1])) {
            *p = '\0';
            break;
        }
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1]))
        v[--n] = '\0';
}

static char *keep(cli_settings_t *s, const char *text)
{
    char *copy = strdup(text);
    if (!copy || hald_buf_append(&s->owned, &copy, sizeof copy, NULL) != HALD_OK) {
        free(copy);
        return NULL;
    }
    return copy;
}

static int on_key(void *user, const char *section, const char *name, const char *raw)
{
    layer_t *l = user;
    const cli_command_t *only = NULL;
    if (section[0]) {
        only = cli_find_command(section);
        if (!only)
            return fail(l, "unknown section [%s] (sections are command names)", section);
    }
    char value[512];
    snprintf(value, sizeof value, "%s", raw ? raw : "");
    strip_comment(value);
    size_t row = cli_find_row(name, NULL);
    if (row == CLI_N_OPTIONS || !cli_row_configurable(row))
        return fail(l, "unknown key '%s'%s", name, row == CLI_N_OPTIONS ? "" : " (not a config key)");
    /* The row of the command this line is for; every line is checked,
     * also those this run does not use. */
    const cli_command_t *target = only ? only : l->cmd;
    size_t mine = cli_find_row(name, target);
    if (only && mine == CLI_N_OPTIONS)
        return fail(l, "hald %s takes no key '%s'", section, name);
    if (mine == CLI_N_OPTIONS || (only && only != l->cmd)) {
        cli_settings_t scratch;
        memset(&scratch, 0, sizeof scratch);
        size_t check = mine == CLI_N_OPTIONS ? row : mine;
        int bad = cli_set_row(check, value, l->origin, NULL, 0, &scratch) != 0;
        cli_settings_free(&scratch);
        if (bad)
            return fail(l, "key '%s': invalid value '%s'", name, value);
        return 1;
    }
    const char *kept = keep(l->s, value);
    if (!kept)
        return fail(l, "key '%s': out of memory", name);
    if (cli_set_row(mine, kept, l->origin, l->file, l->line, l->s) != 0) {
        const cli_option_t *o = &CLI_OPTIONS[mine];
        char why[256];
        snprintf(why, sizeof why, "invalid value '%s' (expected %s)", value,
                 o->expect ? o->expect : o->kind == OPT_VALUE ? o->help : "yes or no");
        return fail(l, "key '%s': %s", name, why);
    }
    return 1;
}

/* Reads one file into s; a missing file is fine unless required. */
static int apply_file(const cli_command_t *cmd, const char *path, cli_origin_t origin, int required,
                      cli_settings_t *s)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT && !required)
            return 0;
        cli_errorf("%s: cannot read the config file: %s", path, strerror(errno));
        return -1;
    }
    const char *kept = keep(s, path);
    layer_t l = {cmd, s, origin, kept, fp, 0, ""};
    int rc = kept ? ini_parse_stream(read_line, &l, on_key, &l) : -2;
    int read_error = ferror(fp);
    fclose(fp);
    if (l.error[0]) {
        cli_errorf("%s:%u: %s", path, l.line, l.error);
        return -1;
    }
    if (rc != 0 || read_error) { /* a line inih could not parse, or no memory */
        if (rc > 0)
            cli_errorf("%s:%d: not a 'key = value' line, a [section] or a comment", path, rc);
        else
            cli_errorf("%s: cannot read the config file%s", path, rc == -2 ? ": out of memory" : "");
        return -1;
    }
    return 0;
}

const char *cli_user_config(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/hald/hald.conf", xdg);
    else if (home && home[0])
        n = snprintf(buf, cap, "%s/.config/hald/hald.conf", home);
    else
        return NULL;
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

void cli_env_name(const char *option, char *buf, size_t cap)
{
    size_t k = 0;
    for (const char *p = "HALD_"; *p && k + 1 < cap; p++)
        buf[k++] = *p;
    for (const char *p = option; *p && k + 1 < cap; p++)
        buf[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    buf[k] = '\0';
}

static int apply_env(const cli_command_t *cmd, cli_settings_t *s)
{
    for (size_t i = 0; i < CLI_N_OPTIONS; i++) {
        if (!cli_row_applies(i, cmd) || !cli_row_configurable(i))
            continue;
        char name[64];
        cli_env_name(CLI_OPTIONS[i].name, name, sizeof name);
        const char *v = getenv(name);
        if (!v || !v[0])
            continue;
        if (cli_set_row(i, v, CLI_FROM_ENV, NULL, 0, s) != 0) {
            const cli_option_t *o = &CLI_OPTIONS[i];
            cli_errorf("%s: invalid value '%s' (expected %s)", name, v,
                       o->expect ? o->expect : o->kind == OPT_VALUE ? o->help : "yes or no");
            return -1;
        }
    }
    return 0;
}

int cli_config_apply(const cli_command_t *cmd, const char *explicit_file, cli_settings_t *s)
{
    char user[4096];
    const char *user_file = cli_user_config(user, sizeof user);
    if (apply_file(cmd, HALD_SYSTEM_CONFIG, CLI_FROM_SYSTEM, 0, s) != 0 ||
        (user_file && apply_file(cmd, user_file, CLI_FROM_USER, 0, s) != 0) ||
        (explicit_file && apply_file(cmd, explicit_file, CLI_FROM_CONFIG, 1, s) != 0))
        return -1;
    return apply_env(cmd, s);
}

void cli_origin_text(const cli_settings_t *s, size_t row, char *buf, size_t cap)
{
    char env[64];
    switch ((cli_origin_t)s->origin[row]) {
    case CLI_FROM_DEFAULT:
        snprintf(buf, cap, "default");
        break;
    case CLI_FROM_SYSTEM:
    case CLI_FROM_USER:
    case CLI_FROM_CONFIG:
        snprintf(buf, cap, "%s:%u", s->origin_file[row], s->origin_line[row]);
        break;
    case CLI_FROM_ENV:
        cli_env_name(CLI_OPTIONS[row].name, env, sizeof env);
        snprintf(buf, cap, "%s", env);
        break;
    case CLI_FROM_LINE:
        snprintf(buf, cap, "command line");
        break;
    }
}
