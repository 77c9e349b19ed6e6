/* Output files: written under a temporary name and renamed on commit,
 * removed on abort, special files written in place. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hald/sink.h"

static int make_dir(void **state)
{
    char *dir = strdup("/tmp/hald-sink-XXXXXX");
    if (!dir || !mkdtemp(dir))
        return -1;
    *state = dir;
    return 0;
}

static int remove_dir(void **state)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[1 << 22];
    *len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return buf;
}

static void test_commit_renames(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/out.tsv", dir);
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(path, &err);
    assert_non_null(s);
    assert_non_null(hald_sink_temp_path(s));
    assert_int_equal(hald_sink_write(s, "hello\n", 6, &err), HALD_OK);
    /* Not visible under the final name before commit. */
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    size_t len;
    char *data = slurp(path, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(data, "hello\n", 6);
    assert_int_equal(count_entries(dir), 1);
}

static void test_abort_removes_and_keeps_old(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/keep.tsv", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("old\n", fp);
    fclose(fp);
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(path, &err);
    assert_non_null(s);
    assert_int_equal(hald_sink_write(s, "new partial", 11, &err), HALD_OK);
    hald_sink_abort(s);
    size_t len;
    char *data = slurp(path, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "old\n", 4);
    assert_int_equal(count_entries(dir), 1);
}

static void test_large_and_reserve(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(path, &err);
    assert_non_null(s);
    size_t total = 0;
    for (int i = 0; i < 300000; i++) {
        char *p = hald_sink_reserve(s, 16, &err);
        assert_non_null(p);
        int n = snprintf(p, 16, "%07d\n", i);
        hald_sink_advance(s, (size_t)n);
        total += (size_t)n;
    }
    static char block[3 << 20];
    memset(block, 'x', sizeof block);
    assert_int_equal(hald_sink_write(s, block, sizeof block, &err), HALD_OK);
    total += sizeof block;
    assert_true(hald_sink_seekable(s));
    assert_int_equal(hald_sink_pwrite(s, 0, "PATCHED", 7, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((size_t)st.st_size, total);
    size_t len;
    char *data = slurp(path, &len);
    assert_memory_equal(data, "PATCHED\n0000001\n", 16);
}

static void test_dev_null_in_place(void **state)
{
    const char *dir = *state;
    hald_error_t err;
    hald_sink_t *s = hald_sink_open("/dev/null", &err);
    assert_non_null(s);
    assert_null(hald_sink_temp_path(s));
    assert_false(hald_sink_seekable(s));
    assert_int_equal(hald_sink_write(s, "x", 1, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(count_entries(dir), 0);
}

static void test_fifo_in_place(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(path, &err);
    assert_non_null(s);
    assert_null(hald_sink_temp_path(s));
    assert_int_equal(hald_sink_write(s, "abc", 3, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    char buf[8];
    assert_int_equal(read(rd, buf, sizeof buf), 3);
    close(rd);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(count_entries(dir), 1);
}

static void test_errors(void **state)
{
    const char *dir = *state;
    hald_error_t err;
    assert_null(hald_sink_open("/nonexistent-dir-hald/out.tsv", &err));
    assert_int_equal(err.code, HALD_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir-hald/out.tsv"));
    assert_null(hald_sink_open(dir, &err));
    assert_non_null(strstr(err.msg, "directory"));
}

static void test_symlink_kept(void **state)
{
    const char *dir = *state;
    char target[512], link[512];
    snprintf(target, sizeof target, "%s/target.tsv", dir);
    snprintf(link, sizeof link, "%s/link.tsv", dir);
    FILE *fp = fopen(target, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(symlink(target, link), 0);
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(link, &err);
    assert_non_null(s);
    assert_int_equal(hald_sink_write(s, "via link\n", 9, &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    size_t len;
    slurp(target, &len);
    assert_int_equal(len, 9);
}

static void commit_text(const char *path, const char *text)
{
    hald_error_t err;
    hald_sink_t *s = hald_sink_open(path, &err);
    if (!s)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(hald_sink_write(s, text, strlen(text), &err), HALD_OK);
    assert_int_equal(hald_sink_commit(s, &err), HALD_OK);
}

/* A dangling link gets its target created, relative to the link's own
 * directory, and stays a link. */
static void test_dangling_symlink(void **state)
{
    const char *dir = *state;
    char link[512], target[512], sub[512];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(link, sizeof link, "%s/sub/link.tsv", dir);
    snprintf(target, sizeof target, "%s/sub/made.tsv", dir);
    assert_int_equal(symlink("made.tsv", link), 0);
    commit_text(link, "new\n");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    size_t len;
    assert_memory_equal(slurp(target, &len), "new\n", 4);
}

/* A file being replaced keeps its mode. */
static void test_mode_kept(void **state)
{
    const char *dir = *state;
    char path[512];
    snprintf(path, sizeof path, "%s/private.tsv", dir);
    commit_text(path, "old\n");
    assert_int_equal(chmod(path, 0600), 0);
    commit_text(path, "new\n");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(path, 0640), 0);
    commit_text(path, "newer\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
}

/* /dev/fd/N and /dev/stdout are the descriptor already open: written in
 * place at its offset, keeping what others wrote around it (appending). */
static void test_descriptor_paths(void **state)
{
    const char *dir = *state;
    char path[512], name[64];
    snprintf(path, sizeof path, "%s/job.log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "before\n", 7), 7);
    snprintf(name, sizeof name, "/dev/fd/%d", fd);
    commit_text(name, "scores\n");
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    commit_text(name, "more\n");
    assert_int_equal(write(fd, "after\n", 6), 6);
    close(fd); /* commit did not close it: not ours */
    size_t len;
    const char *got = slurp(path, &len);
    assert_int_equal(len, 25);
    assert_memory_equal(got, "before\nscores\nmore\nafter\n", 25);
    assert_int_equal(count_entries(dir), 1); /* no temporary, no other file */
}

/* The longest valid name still has a temporary that is a valid name. */
static void test_long_name(void **state)
{
    const char *dir = *state;
    char path[1024], base[256];
    memset(base, 'n', 251);
    memcpy(base + 251, ".tsv", 5); /* 255 bytes: NAME_MAX */
    snprintf(path, sizeof path, "%s/%s", dir, base);
    commit_text(path, "long\n");
    size_t len;
    slurp(path, &len);
    assert_int_equal(len, 5);
    hald_error_t err;
    assert_null(hald_sink_open("", &err));
    assert_int_equal(err.code, HALD_E_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dangling_symlink, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_mode_kept, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_descriptor_paths, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_long_name, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_commit_renames, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_abort_removes_and_keeps_old, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_large_and_reserve, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_dev_null_in_place, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_fifo_in_place, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_errors, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_symlink_kept, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
