/* hald command line — settings from config files and HALD_* variables.
 *
 * Layers, each over the one before: the option table's defaults,
 * /etc/hald/hald.conf, $XDG_CONFIG_HOME/hald/hald.conf (else
 * ~/.config/hald/hald.conf), --config FILE, HALD_<KEY> variables, then the
 * command line.  A file is `key = value` lines and `#` or `;` comments;
 * keys are the long option names (any-length or any_length); a [COMMAND]
 * section applies to that command alone.  Read with inih. */
#ifndef HALD_CLI_CONFIG_H
#define HALD_CLI_CONFIG_H

#include "options.h"

/* The system-wide file; a build may move it (-DHALD_SYSTEM_CONFIG=...). */
#ifndef HALD_SYSTEM_CONFIG
#define HALD_SYSTEM_CONFIG "/etc/hald/hald.conf"
#endif

/* Applies the files (the system's and the user's where they exist, then
 * `explicit_file` unless NULL, which must exist) and the environment to
 * s, which holds cmd's defaults.  Every key of every file is checked, also
 * those of other commands.  Returns 0, or -1 after printing an error that
 * names the file, the line and the key (or the variable). */
int cli_config_apply(const cli_command_t *cmd, const char *explicit_file, cli_settings_t *s);

/* The user's file: $XDG_CONFIG_HOME/hald/hald.conf or
 * $HOME/.config/hald/hald.conf, in buf; NULL if neither variable is set. */
const char *cli_user_config(char *buf, size_t cap);

/* HALD_<NAME> for an option name: upper case, '-' as '_'. */
void cli_env_name(const char *option, char *buf, size_t cap);

/* "default", "/etc/hald/hald.conf:3", "HALD_THREADS", "command line". */
void cli_origin_text(const cli_settings_t *s, size_t row, char *buf, size_t cap);

#endif
