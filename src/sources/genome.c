/* A genome held in memory: see hald/genome.h. */
#define _GNU_SOURCE /* qsort_r */
#include "hald/genome.h"

#include <stdlib.h>
#include <string.h>

#include "hald/buf.h"
#include "hald/fastastream.h"
#include "hald/reader.h"

typedef struct entry {
    size_t name;             /* offset into names (NUL-terminated) */
    uint64_t at, len;        /* bases [at, at + len) of bases */
    uint64_t number;         /* in FASTA order */
} entry_t;

struct hald_genome {
    char *path;
    hald_buf_t names, bases;
    entry_t *by_name;        /* sorted by name, then number */
    size_t n;
    uint64_t size;
};

static int cmp_entry(const void *a, const void *b, void *ctx)
{
    const hald_genome_t *g = ctx;
    const entry_t *x = a, *y = b;
    int c = strcmp(g->names.data + x->name, g->names.data + y->name);
    return c ? c : (x->number > y->number) - (x->number < y->number);
}

void hald_genome_free(hald_genome_t *g)
{
    if (!g)
        return;
    free(g->path);
    hald_buf_free(&g->names);
    hald_buf_free(&g->bases);
    free(g->by_name);
    free(g);
}

static int read_all(hald_genome_t *g, hald_fasta_stream_t *f, hald_buf_t *entries, hald_error_t *err)
{
    hald_buf_t name = {0};
    int rc;
    while ((rc = hald_fasta_next_seq(f, &name, err)) == 1) {
        entry_t e = {g->names.len, g->bases.len, 0, entries->len / sizeof(entry_t)};
        if (hald_buf_append(&g->names, name.data, name.len, err) != HALD_OK ||
            hald_buf_append(&g->names, "", 1, err) != HALD_OK) {
            rc = err->code;
            break;
        }
        ssize_t k;
        while ((k = hald_fasta_read_bases(f, &g->bases, 1 << 20, err)) > 0)
            ;
        if (k < 0) {
            rc = (int)k;
            break;
        }
        e.len = g->bases.len - e.at;
        if (hald_buf_append(entries, &e, sizeof e, err) != HALD_OK) {
            rc = err->code;
            break;
        }
    }
    hald_buf_free(&name);
    return rc < 0 ? rc : HALD_OK;
}

hald_genome_t *hald_genome_load(const char *path, hald_error_t *err)
{
    hald_genome_t *g = calloc(1, sizeof *g);
    if (!g || !(g->path = strdup(path))) {
        free(g);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    hald_reader_t *r = hald_reader_open(path, err);
    hald_fasta_stream_t *f = r ? hald_fasta_stream_new(r, err) : NULL;
    hald_buf_t entries = {0};
    int rc = f ? read_all(g, f, &entries, err) : err->code;
    hald_fasta_stream_free(f);
    hald_reader_close(r);
    if (rc == HALD_OK) {
        g->n = entries.len / sizeof(entry_t);
        g->by_name = (entry_t *)(void *)entries.data; /* the buffer's memory becomes the table */
        entries.data = NULL;
        g->size = g->bases.len;
        if (g->n)
            qsort_r(g->by_name, g->n, sizeof *g->by_name, cmp_entry, g);
        else
            rc = hald_error_set(err, HALD_E_INPUT, "%s: no sequences", path);
    }
    hald_buf_free(&entries);
    if (rc != HALD_OK) {
        hald_genome_free(g);
        return NULL;
    }
    return g;
}

const char *hald_genome_path(const hald_genome_t *g) { return g->path; }
size_t hald_genome_count(const hald_genome_t *g) { return g->n; }
uint64_t hald_genome_size(const hald_genome_t *g) { return g->size; }

int hald_genome_get(const hald_genome_t *g, const char *name, const char **bases, uint64_t *len,
                    uint64_t *index)
{
    size_t lo = 0, hi = g->n; /* the first entry not below name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(g->names.data + g->by_name[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->n || strcmp(g->names.data + g->by_name[lo].name, name) != 0)
        return 0;
    const entry_t *e = &g->by_name[lo];
    *bases = g->bases.data + e->at;
    *len = e->len;
    if (index)
        *index = e->number;
    return 1;
}
