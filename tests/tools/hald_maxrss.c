/* Runs a command and writes its peak resident set size, in KiB, to a file:
 *
 *   hald_maxrss RSS-FILE command [args...]
 *
 * Exits with the command's status (128 + signal if a signal ended it), so
 * it sits in a pipeline in place of the command.  Used by the long-input
 * test to show that memory stays flat however long the input. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: hald_maxrss RSS-FILE command [args...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("hald_maxrss: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid) {
        perror("hald_maxrss: wait4");
        return 2;
    }
    FILE *fp = fopen(argv[1], "w");
    if (!fp || fprintf(fp, "%ld\n", ru.ru_maxrss) < 0 || fclose(fp) != 0) {
        perror(argv[1]);
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
