/* The config file parser (src/cli/config.c over inih), as every command
 * reads it: any bytes as --config FILE are either settings or a usage
 * error, never a crash; and settings that were accepted are accepted
 * again, with the same values, when read a second time. */
#include "../../src/cli/cli.h"
#include "../../src/cli/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setenv("XDG_CONFIG_HOME", "/nonexistent", 1); /* only the file under test */
    char path[512];
    fuzz_file("config", data, size, path, sizeof path);
    const cli_command_t *cmd = &CLI_COMMANDS[size % CLI_N_COMMANDS];
    char *argv[] = {(char *)cmd->name, "--config", path, NULL};
    cli_settings_t a, b;
    int rc = cli_parse(cmd, 3, argv, &a);
    FUZZ_CHECK(rc == -1 || rc == CLI_EXIT_USAGE);
    if (rc == -1) {
        FUZZ_CHECK(cli_parse(cmd, 3, argv, &b) == -1);
        FUZZ_CHECK(a.threads == b.threads && a.models == b.models && a.verbosity == b.verbosity &&
                   a.max_line == b.max_line && a.any_length == b.any_length);
        for (size_t i = 0; i < CLI_N_OPTIONS; i++)
            FUZZ_CHECK((a.text[i] == NULL) == (b.text[i] == NULL) &&
                       (!a.text[i] || strcmp(a.text[i], b.text[i]) == 0));
        cli_settings_free(&b);
    }
    cli_settings_free(&a);
    unlink(path);
    return 0;
}
