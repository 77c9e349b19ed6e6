/* Compares the numeric columns of two TSV files at a tolerance.
 *
 *   hald_tsvcmp [--tol 1e-9] [--rows-only] EXPECTED ACTUAL COL[=ACTUAL_COL] ...
 *
 * Rows are matched by position; a value passes when both are NA or
 * |a-e| <= tol * max(1, |e|).  Prints each mismatch (up to 20) and a
 * closing "N passed, M failed" line; exit 1 on any mismatch, a different
 * row count, or a missing column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 64
#define LINE_MAX_LEN (1 << 20)

typedef struct table {
    FILE *fp;
    char *line;
    char *header_copy;
    char *fields[MAX_COLS];
    int nfields;
    char *header[MAX_COLS];
    int nheader;
} table_t;

static int split(char *line, char **fields)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < MAX_COLS;) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static int open_table(table_t *t, const char *path)
{
    t->fp = fopen(path, "r");
    t->line = malloc(LINE_MAX_LEN);
    if (!t->fp || !t->line || !fgets(t->line, LINE_MAX_LEN, t->fp)) {
        fprintf(stderr, "hald_tsvcmp: %s: cannot read a header line\n", path);
        return -1;
    }
    t->header_copy = strdup(t->line);
    if (!t->header_copy)
        return -1;
    t->nheader = split(t->header_copy, t->header);
    return 0;
}

static void close_table(table_t *t)
{
    if (t->fp)
        fclose(t->fp);
    free(t->line);
    free(t->header_copy);
}

static int column(const table_t *t, const char *name)
{
    for (int i = 0; i < t->nheader; i++)
        if (strcmp(t->header[i], name) == 0 || (t->header[i][0] == '#' && strcmp(t->header[i] + 1, name) == 0))
            return i;
    return -1;
}

static int next_row(table_t *t)
{
    if (!fgets(t->line, LINE_MAX_LEN, t->fp))
        return 0;
    t->nfields = split(t->line, t->fields);
    return 1;
}

static int same(const char *e, const char *a, double tol)
{
    int e_na = strcmp(e, "NA") == 0, a_na = strcmp(a, "NA") == 0;
    if (e_na || a_na)
        return e_na && a_na;
    char *end1, *end2;
    double x = strtod(e, &end1), y = strtod(a, &end2);
    if (*end1 || *end2 || end1 == e || end2 == a)
        return strcmp(e, a) == 0;
    return fabs(x - y) <= tol * fmax(1.0, fabs(x));
}

int main(int argc, char **argv)
{
    double tol = 1e-9;
    int arg = 1;
    if (arg + 1 < argc && strcmp(argv[arg], "--tol") == 0) {
        tol = strtod(argv[arg + 1], NULL);
        arg += 2;
    }
    if (argc - arg < 3) {
        fprintf(stderr, "usage: hald_tsvcmp [--tol T] EXPECTED ACTUAL COL[=ACTUAL_COL] ...\n");
        return 2;
    }
    table_t e = {0}, a = {0};
    if (open_table(&e, argv[arg]) || open_table(&a, argv[arg + 1]))
        return 2;
    int ncols = argc - arg - 2, ecol[MAX_COLS], acol[MAX_COLS];
    for (int i = 0; i < ncols && i < MAX_COLS; i++) {
        char *spec = argv[arg + 2 + i], *eq = strchr(spec, '=');
        const char *aname = eq ? eq + 1 : spec;
        if (eq)
            *eq = '\0';
        ecol[i] = column(&e, spec);
        acol[i] = column(&a, aname);
        if (ecol[i] < 0 || acol[i] < 0) {
            fprintf(stderr, "hald_tsvcmp: column %s/%s missing\n", spec, aname);
            printf("0 passed, 1 failed\n");
            close_table(&e);
            close_table(&a);
            return 1;
        }
    }
    long passed = 0, failed = 0, row = 0;
    for (;;) {
        int he = next_row(&e), ha = next_row(&a);
        if (!he && !ha)
            break;
        row++;
        if (he != ha) {
            fprintf(stderr, "row %ld: %s has no such row\n", row, he ? argv[arg + 1] : argv[arg]);
            failed++;
            break;
        }
        for (int i = 0; i < ncols; i++) {
            const char *x = ecol[i] < e.nfields ? e.fields[ecol[i]] : "";
            const char *y = acol[i] < a.nfields ? a.fields[acol[i]] : "";
            if (same(x, y, tol)) {
                passed++;
            } else if (failed++ < 20) {
                fprintf(stderr, "row %ld column %s: expected %s, got %s\n", row, e.header[ecol[i]], x, y);
            }
        }
    }
    printf("%ld passed, %ld failed\n", passed, failed);
    close_table(&e);
    close_table(&a);
    return failed ? 1 : 0;
}
