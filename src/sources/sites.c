/* hald — the donor sites to score, read from BED or GTF.
 *
 * Sites live per chromosome: an array of 16-byte {start, name offset,
 * strand} and an arena of NUL-terminated names, so even a GENCODE GTF
 * (about 2e6 exon rows) costs a few tens of MB.  Chromosomes are found by
 * name through an open-addressing index.
 *
 * A GTF is read in two steps, because a transcript's exons may be anywhere
 * in the file: every exon row becomes a 16-byte {start, length, transcript}
 * and transcript ids are interned once; then the exons are sorted by
 * (transcript, start) and each transcript's donors are emitted.  Duplicate
 * sites are merged later, in hald_sites_finish, for BED and GTF alike. */
#include "hald/sites.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/reader.h"
#include "../io/lines.h"

/* No BED or GTF line is this long: a file without newlines is refused
 * before it takes much memory. */
#define MAX_LINE ((size_t)1 << 20)
/* Far beyond any genome, and keeps start + 2 and end + 1 from overflowing. */
#define MAX_COORD ((uint64_t)1 << 62)
#define NO_TX_NAME UINT32_MAX

/* --------------------------------------------------------------- helpers */

/* Grows *p (of *cap elements) to hold at least need elements, doubling. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return -1;
        n *= 2;
    }
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* FNV-1a with a final mix, so the low bits (the table slot) depend on
 * every byte. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

typedef struct field {
    const char *p;
    size_t n;
} field_t;

/* Splits p[0..n) at tabs into at most max fields; returns how many. */
static size_t split_tabs(const char *p, size_t n, field_t *f, size_t max)
{
    const char *end = p + n;
    size_t k = 0;
    while (k < max) {
        const char *t = memchr(p, '\t', (size_t)(end - p));
        f[k].p = p;
        f[k].n = t ? (size_t)(t - p) : (size_t)(end - p);
        k++;
        if (!t)
            break;
        p = t + 1;
    }
    return k;
}

/* A plain decimal number (no sign, no blanks) up to MAX_COORD. */
static int parse_coord(field_t f, uint64_t *out)
{
    size_t i = 0;
    while (i + 1 < f.n && f.p[i] == '0')
        i++;
    if (f.n == 0 || f.n - i > 19)
        return -1;
    uint64_t v = 0;
    for (; i < f.n; i++) {
        unsigned d = (unsigned)(unsigned char)f.p[i] - '0';
        if (d > 9)
            return -1;
        v = v * 10 + d;
    }
    if (v > MAX_COORD)
        return -1;
    *out = v;
    return 0;
}

/* Messages quote at most this much of a bad field. */
static int quote_len(field_t f)
{
    return f.n > 40 ? 40 : (int)f.n;
}

/* ----------------------------------------------------------- chromosomes */

/* The slot holding name, or the empty slot where it would go. */
static size_t index_slot(const hald_sites_t *s, const char *name, size_t len, uint64_t h)
{
    size_t mask = s->index_cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        uint32_t v = s->index[i];
        if (!v)
            return i;
        const hald_site_chrom_t *c = &s->chroms[v - 1];
        if (c->name_len == len && memcmp(c->name, name, len) == 0)
            return i;
    }
}

/* Re-inserts every chromosome into an emptied index of the current size. */
static void index_fill(hald_sites_t *s)
{
    memset(s->index, 0, s->index_cap * sizeof *s->index);
    for (size_t i = 0; i < s->n; i++) {
        const hald_site_chrom_t *c = &s->chroms[i];
        uint64_t h = hash_bytes(c->name, c->name_len);
        s->index[index_slot(s, c->name, c->name_len, h)] = (uint32_t)(i + 1);
    }
}

/* Keeps the index at most half full, so probes stay short. */
static int index_reserve(hald_sites_t *s, size_t n)
{
    if (s->index_cap && n <= s->index_cap / 2)
        return 0;
    size_t cap = s->index_cap ? s->index_cap : 64;
    while (n > cap / 2)
        cap *= 2;
    uint32_t *idx = malloc(cap * sizeof *idx);
    if (!idx)
        return -1;
    free(s->index);
    s->index = idx;
    s->index_cap = cap;
    index_fill(s);
    return 0;
}

/* The index of the chromosome called name[0..len), added if new.
 * *hint (the last one used; SIZE_MAX for none) spares the hash when rows
 * come grouped by chromosome, as they usually do. */
static int chrom_get(hald_sites_t *s, const char *name, size_t len, size_t *hint, size_t *out)
{
    if (*hint < s->n && s->chroms[*hint].name_len == len &&
        memcmp(s->chroms[*hint].name, name, len) == 0) {
        *out = *hint;
        return 0;
    }
    if (s->n >= UINT32_MAX - 1 || index_reserve(s, s->n + 1) < 0)
        return -1;
    size_t slot = index_slot(s, name, len, hash_bytes(name, len));
    if (!s->index[slot]) {
        if (grow((void **)&s->chroms, &s->cap, s->n + 1, sizeof *s->chroms) < 0)
            return -1;
        hald_site_chrom_t *c = &s->chroms[s->n];
        memset(c, 0, sizeof *c);
        if (!(c->name = malloc(len + 1)))
            return -1;
        memcpy(c->name, name, len);
        c->name[len] = '\0';
        c->name_len = len;
        s->index[slot] = (uint32_t)++s->n;
    }
    *out = *hint = s->index[slot] - 1;
    return 0;
}

static void chrom_free(hald_site_chrom_t *c)
{
    free(c->name);
    free(c->sites);
    free(c->names);
}

enum { ADD_NOMEM = -1, ADD_TOOBIG = -2 };

/* Appends name p[0..n) to the chromosome's arena; offsets must fit 32 bits
 * (and never equal HALD_SITE_NO_NAME) to keep sites at 16 bytes. */
static int chrom_add_name(hald_site_chrom_t *c, const char *p, size_t n, uint32_t *off)
{
    if (n > (size_t)UINT32_MAX - 1 - c->names_len)
        return ADD_TOOBIG;
    if (grow((void **)&c->names, &c->names_cap, c->names_len + n + 1, 1) < 0)
        return ADD_NOMEM;
    memcpy(c->names + c->names_len, p, n);
    c->names[c->names_len + n] = '\0';
    *off = (uint32_t)c->names_len;
    c->names_len += n + 1;
    return 0;
}

static int chrom_add_site(hald_site_chrom_t *c, uint64_t start, char strand, uint32_t name_off)
{
    if (grow((void **)&c->sites, &c->cap, c->n + 1, sizeof *c->sites) < 0)
        return ADD_NOMEM;
    hald_site_t *site = &c->sites[c->n++];
    site->start = start;
    site->strand = strand;
    site->name_off = name_off;
    return 0;
}

/* The message for a failed chrom_add_* (where = "<file>: line N" or "<file>"). */
static int add_failed(hald_error_t *err, int rc, const char *where, const hald_site_chrom_t *c)
{
    if (rc == ADD_TOOBIG)
        return hald_error_set(err, HALD_E_INPUT, "%s: site names on %s exceed 4 GiB", where,
                              c->name);
    return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", where);
}

/* ------------------------------------------------------------------- BED */

static int is_bed_header(const char *p, size_t n, const char *word)
{
    size_t w = strlen(word);
    return n >= w && memcmp(p, word, w) == 0 && (n == w || p[w] == ' ' || p[w] == '\t');
}

/* Blank, comment, "track" and "browser" lines carry no site. */
static int bed_skip(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    return i == n || p[0] == '#' || is_bed_header(p, n, "track") ||
           is_bed_header(p, n, "browser");
}

static int bed_row(hald_sites_t *s, const hald_lines_t *in, const char *line, size_t n,
                   size_t *hint, hald_error_t *err)
{
    const char *file = in->name;
    unsigned long long ln = (unsigned long long)in->lineno;
    field_t f[6];
    size_t k = split_tabs(line, n, f, 6);
    if (k < 6)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: line %llu: expected at least 6 tab-separated columns "
                              "(chrom start end name score strand), found %zu", file, ln, k);
    if (f[0].n == 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: empty chromosome name",
                              file, ln);
    uint64_t start = 0, end = 0;
    if (parse_coord(f[1], &start) < 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: bad start '%.*s'", file, ln,
                              quote_len(f[1]), f[1].p);
    if (parse_coord(f[2], &end) < 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: bad end '%.*s'", file, ln,
                              quote_len(f[2]), f[2].p);
    if (end != start + 2)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: line %llu: end %llu is not start + 2 (a site is its "
                              "2-base GT, or AC on the plus strand for '-')", file, ln,
                              (unsigned long long)end);
    if (f[5].n != 1 || (f[5].p[0] != '+' && f[5].p[0] != '-'))
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: line %llu: bad strand '%.*s' (expected + or -)", file, ln,
                              quote_len(f[5]), f[5].p);

    size_t ci;
    if (chrom_get(s, f[0].p, f[0].n, hint, &ci) < 0)
        return hald_error_set(err, HALD_E_NOMEM, "%s: line %llu: out of memory", file, ln);
    hald_site_chrom_t *c = &s->chroms[ci];
    uint32_t off = HALD_SITE_NO_NAME;
    int rc = 0;
    if (f[3].n && !(f[3].n == 1 && f[3].p[0] == '.'))
        rc = chrom_add_name(c, f[3].p, f[3].n, &off);
    if (!rc)
        rc = chrom_add_site(c, start, f[5].p[0], off);
    if (rc) {
        char where[HALD_ERROR_MSG_MAX / 2];
        snprintf(where, sizeof where, "%s: line %llu", file, ln);
        return add_failed(err, rc, where, c);
    }
    s->total++;
    return 0;
}

int hald_sites_read_bed(hald_sites_t *s, const char *path, hald_error_t *err)
{
    hald_lines_t in;
    int rc = hald_lines_open(&in, path, MAX_LINE, "BED or GTF", err);
    if (rc < 0)
        return rc;
    const char *line;
    size_t n, hint = SIZE_MAX;
    while ((rc = hald_lines_next(&in, &line, &n, err)) > 0) {
        if (bed_skip(line, n))
            continue;
        if ((rc = bed_row(s, &in, line, n, &hint, err)) < 0)
            break;
    }
    hald_lines_close(&in);
    return rc < 0 ? rc : HALD_OK;
}

/* ------------------------------------------------------------------- GTF */

typedef struct gtf_exon {
    uint64_t start; /* 1-based, as in the file */
    uint32_t len;   /* end - start + 1 */
    uint32_t tx;
} gtf_exon_t;

/* A transcript is keyed by (id, chrom, strand): a few annotations reuse
 * an id on chrX and chrY, and those must not become one transcript. */
typedef struct gtf_tx {
    size_t id_off;
    uint32_t id_len;
    uint32_t label_len;      /* the sites' name: the id, or the gene's */
    size_t label_off;
    uint32_t chrom;
    uint32_t hash;
    uint32_t name_off; /* in the chrom's arena once a donor needs it */
    char strand;
} gtf_tx_t;

typedef struct gtf_state {
    gtf_exon_t *ex;
    size_t nex, cap_ex;
    gtf_tx_t *tx;
    size_t ntx, cap_tx;
    char *ids;
    size_t ids_len, ids_cap;
    uint32_t *slots; /* transcript index + 1, 0 = empty */
    size_t nslots;
} gtf_state_t;

static void gtf_free(gtf_state_t *g)
{
    free(g->ex);
    free(g->tx);
    free(g->ids);
    free(g->slots);
}

static uint32_t tx_hash(field_t id, size_t chrom, char strand)
{
    uint64_t h = hash_bytes(id.p, id.n);
    h ^= ((uint64_t)chrom << 1 | (strand == '-')) * 0x9e3779b97f4a7c15ULL;
    return (uint32_t)(h ^ h >> 32);
}

static int tx_equal(const gtf_state_t *g, const gtf_tx_t *t, field_t id, uint32_t h,
                    size_t chrom, char strand)
{
    return t->hash == h && t->chrom == chrom && t->strand == strand && t->id_len == id.n &&
           memcmp(g->ids + t->id_off, id.p, id.n) == 0;
}

/* Rebuilds the transcript table at twice the size from the stored hashes. */
static int tx_rehash(gtf_state_t *g)
{
    size_t cap = g->nslots ? g->nslots * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < g->ntx; i++) {
        size_t j = g->tx[i].hash & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(g->slots);
    g->slots = slots;
    g->nslots = cap;
    return 0;
}

/* The index of transcript (id, chrom, strand), interned if new. */
static int tx_get(gtf_state_t *g, field_t id, field_t label, size_t chrom, char strand,
                  uint32_t *out)
{
    if ((g->ntx + 1) * 2 > g->nslots && tx_rehash(g) < 0)
        return -1;
    uint32_t h = tx_hash(id, chrom, strand);
    size_t mask = g->nslots - 1, j = h & mask;
    for (; g->slots[j]; j = (j + 1) & mask) {
        if (tx_equal(g, &g->tx[g->slots[j] - 1], id, h, chrom, strand)) {
            *out = g->slots[j] - 1;
            return 0;
        }
    }
    int own_label = label.p != id.p;
    size_t bytes = id.n + (own_label ? label.n : 0);
    if (g->ntx >= UINT32_MAX - 1 || id.n >= UINT32_MAX || label.n >= UINT32_MAX ||
        grow((void **)&g->tx, &g->cap_tx, g->ntx + 1, sizeof *g->tx) < 0 ||
        grow((void **)&g->ids, &g->ids_cap, g->ids_len + bytes, 1) < 0)
        return -1;
    gtf_tx_t *t = &g->tx[g->ntx];
    t->id_off = t->label_off = g->ids_len;
    t->id_len = (uint32_t)id.n;
    t->label_len = (uint32_t)label.n;
    if (own_label) {
        t->label_off = g->ids_len + id.n;
        memcpy(g->ids + t->label_off, label.p, label.n);
    }
    t->chrom = (uint32_t)chrom;
    t->hash = h;
    t->name_off = NO_TX_NAME;
    t->strand = strand;
    memcpy(g->ids + g->ids_len, id.p, id.n);
    g->ids_len += bytes;
    g->slots[j] = (uint32_t)++g->ntx;
    *out = (uint32_t)(g->ntx - 1);
    return 0;
}

/* Finds `key value;` in a GTF attribute column.  Walks the pairs rather
 * than searching, so "original_transcript_id" or a quoted value that
 * contains the key never matches. */
static int find_attr(field_t a, const char *key, field_t *out)
{
    const char *p = a.p, *end = a.p + a.n;
    size_t klen = strlen(key);
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';'))
            p++;
        const char *k = p;
        while (p < end && *p != ' ' && *p != ';' && *p != '"')
            p++;
        size_t kn = (size_t)(p - k);
        while (p < end && *p == ' ')
            p++;
        field_t v = {p, 0};
        if (p < end && *p == '"') {
            v.p = ++p;
            while (p < end && *p != '"')
                p++;
            v.n = (size_t)(p - v.p);
        } else {
            while (p < end && *p != ';')
                p++;
            v.n = (size_t)(p - v.p);
            while (v.n && v.p[v.n - 1] == ' ')
                v.n--;
        }
        if (kn == klen && memcmp(k, key, klen) == 0) {
            *out = v;
            return 1;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 0;
}

/* Checks an exon row's coordinates and strand.  Returns 1 to use the row,
 * 0 to skip it (strand unknown), or a negative status. */
static int gtf_exon_fields(const field_t *f, const hald_lines_t *in, uint64_t *start,
                           uint64_t *end, hald_error_t *err)
{
    const char *file = in->name;
    unsigned long long ln = (unsigned long long)in->lineno;
    if (parse_coord(f[3], start) < 0 || *start < 1)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: bad start '%.*s'", file, ln,
                              quote_len(f[3]), f[3].p);
    if (parse_coord(f[4], end) < 0 || *end < *start)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: bad end '%.*s'", file, ln,
                              quote_len(f[4]), f[4].p);
    if (*end - *start >= UINT32_MAX)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: exon longer than 4 Gb",
                              file, ln);
    if (f[6].n == 1 && (f[6].p[0] == '+' || f[6].p[0] == '-'))
        return 1;
    if (f[6].n == 1 && (f[6].p[0] == '.' || f[6].p[0] == '?'))
        return 0;
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: line %llu: bad strand '%.*s' (expected +, -, . or ?)", file, ln,
                          quote_len(f[6]), f[6].p);
}

static int gtf_row(hald_sites_t *s, gtf_state_t *g, const hald_lines_t *in, const char *line,
                   size_t n, size_t *hint, hald_error_t *err)
{
    field_t f[9];
    size_t k = split_tabs(line, n, f, 9);
    if (k < 9)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: line %llu: expected 9 tab-separated columns, found %zu",
                              in->name, (unsigned long long)in->lineno, k);
    if (f[2].n != 4 || memcmp(f[2].p, "exon", 4) != 0)
        return 0;
    uint64_t start = 0, end = 0;
    int rc = gtf_exon_fields(f, in, &start, &end, err);
    if (rc <= 0) {
        s->skipped_rows += rc == 0;
        return rc;
    }
    field_t id;
    if (!find_attr(f[8], "transcript_id", &id) || id.n == 0) {
        s->skipped_rows++;
        return 0;
    }
    field_t label = id;
    if (s->name_genes && !(find_attr(f[8], "gene_name", &label) && label.n) &&
        !(find_attr(f[8], "gene_id", &label) && label.n))
        label = id;
    size_t ci;
    uint32_t ti;
    if (f[0].n == 0 || chrom_get(s, f[0].p, f[0].n, hint, &ci) < 0 ||
        tx_get(g, id, label, ci, f[6].p[0], &ti) < 0 ||
        grow((void **)&g->ex, &g->cap_ex, g->nex + 1, sizeof *g->ex) < 0)
        return hald_error_set(err, f[0].n ? HALD_E_NOMEM : HALD_E_INPUT,
                              "%s: line %llu: %s", in->name, (unsigned long long)in->lineno,
                              f[0].n ? "out of memory" : "empty chromosome name");
    gtf_exon_t *e = &g->ex[g->nex++];
    e->start = start;
    e->len = (uint32_t)(end - start + 1);
    e->tx = ti;
    return 0;
}

static int cmp_exon(const void *pa, const void *pb)
{
    const gtf_exon_t *a = pa, *b = pb;
    if (a->tx != b->tx)
        return a->tx < b->tx ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static int same_exon(const gtf_exon_t *a, const gtf_exon_t *b)
{
    return a->start == b->start && a->len == b->len;
}

/* Adds one donor of transcript t, storing its id in the chromosome's arena
 * the first time, so all its donors share one copy. */
static int add_donor(hald_sites_t *s, const gtf_state_t *g, gtf_tx_t *t, uint64_t start,
                     const char *file, hald_error_t *err)
{
    hald_site_chrom_t *c = &s->chroms[t->chrom];
    int rc = 0;
    if (t->name_off == NO_TX_NAME)
        rc = chrom_add_name(c, g->ids + t->label_off, t->label_len, &t->name_off);
    if (!rc)
        rc = chrom_add_site(c, start, t->strand, t->name_off);
    if (rc)
        return add_failed(err, rc, file, c);
    s->total++;
    return 0;
}

/* Emits the donors of one transcript, exons ex[0..n) sorted by start.  An
 * exon repeated row for row counts once (only its last copy is looked at),
 * so a duplicate last exon cannot make a donor. */
static int emit_transcript(hald_sites_t *s, gtf_state_t *g, const gtf_exon_t *ex, size_t n,
                           const char *file, hald_error_t *err)
{
    gtf_tx_t *t = &g->tx[ex[0].tx];
    int rc = 0;
    for (size_t k = 0; k + 1 < n && !rc; k++) {
        if (same_exon(&ex[k], &ex[k + 1]))
            continue;
        if (t->strand == '+') {
            /* The intron starts right after the 1-based inclusive end. */
            rc = add_donor(s, g, t, ex[k].start + ex[k].len - 1, file, err);
        } else if (ex[k + 1].start < 3) {
            s->skipped_donors++;
        } else {
            /* Minus: the intron's GT is the AC at 1-based start-2, start-1. */
            rc = add_donor(s, g, t, ex[k + 1].start - 3, file, err);
        }
    }
    return rc;
}

/* Sorts the exons by (transcript, start) and emits every transcript's
 * donors, transcripts in order of first appearance. */
static int gtf_emit(hald_sites_t *s, gtf_state_t *g, const char *file, hald_error_t *err)
{
    if (g->nex)
        qsort(g->ex, g->nex, sizeof *g->ex, cmp_exon);
    for (size_t i = 0; i < g->nex;) {
        size_t j = i + 1;
        while (j < g->nex && g->ex[j].tx == g->ex[i].tx)
            j++;
        int rc = emit_transcript(s, g, g->ex + i, j - i, file, err);
        if (rc < 0)
            return rc;
        i = j;
    }
    return 0;
}

int hald_sites_read_gtf(hald_sites_t *s, const char *path, hald_error_t *err)
{
    hald_lines_t in;
    int rc = hald_lines_open(&in, path, MAX_LINE, "BED or GTF", err);
    if (rc < 0)
        return rc;
    gtf_state_t g;
    memset(&g, 0, sizeof g);
    const char *line;
    size_t n, hint = SIZE_MAX;
    while ((rc = hald_lines_next(&in, &line, &n, err)) > 0) {
        if (n == 0 || line[0] == '#')
            continue;
        if ((rc = gtf_row(s, &g, &in, line, n, &hint, err)) < 0)
            break;
    }
    if (rc == 0)
        rc = gtf_emit(s, &g, in.name, err);
    gtf_free(&g);
    hald_lines_close(&in);
    return rc < 0 ? rc : HALD_OK;
}

/* ---------------------------------------------------------------- finish */

/* Name offsets grow in reading order, so they break ties by first
 * appearance (and nameless sites, HALD_SITE_NO_NAME, come last). */
static int cmp_site(const void *pa, const void *pb)
{
    const hald_site_t *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->strand != b->strand)
        return a->strand == '+' ? -1 : 1;
    return (a->name_off > b->name_off) - (a->name_off < b->name_off);
}

/* The distinct names of one run of equal sites, in order of first
 * appearance, with a hash set over them so that each name is checked once:
 * a site listed 40,000 times under as many names merges in linear time. */
typedef struct offs {
    uint32_t *v;
    size_t n, cap;
    uint32_t *set;           /* open addressing: offset + 1, 0 = empty */
    size_t set_cap;          /* a power of two, at least twice the run */
} offs_t;

/* Adds off's name unless an equal name is kept: 1 when added, 0 when
 * already there. */
static int keep_name(const hald_site_chrom_t *c, offs_t *kept, uint32_t off)
{
    const char *name = c->names + off;
    size_t mask = kept->set_cap - 1, k = (size_t)hash_bytes(name, strlen(name)) & mask;
    for (; kept->set[k]; k = (k + 1) & mask)
        if (strcmp(c->names + kept->set[k] - 1, name) == 0)
            return 0;
    kept->set[k] = off + 1;
    kept->v[kept->n++] = off;
    return 1;
}

/* The name of the merged sites[i..j): their distinct names joined by ','
 * (a new arena string only when there are several). */
static int merge_names(hald_site_chrom_t *c, size_t i, size_t j, offs_t *kept, uint32_t *out)
{
    size_t total = 0, need = 16;
    while (need < 2 * (j - i))
        need *= 2;
    if (grow((void **)&kept->v, &kept->cap, j - i, sizeof *kept->v) < 0)
        return ADD_NOMEM;
    if (need > kept->set_cap) {
        uint32_t *set = realloc(kept->set, need * sizeof *set);
        if (!set)
            return ADD_NOMEM;
        kept->set = set;
        kept->set_cap = need;
    }
    memset(kept->set, 0, kept->set_cap * sizeof *kept->set);
    kept->n = 0;
    for (size_t k = i; k < j; k++) {
        uint32_t off = c->sites[k].name_off;
        if (off != HALD_SITE_NO_NAME && keep_name(c, kept, off))
            total += strlen(c->names + off) + 1;
    }
    *out = kept->n ? kept->v[0] : HALD_SITE_NO_NAME;
    if (kept->n < 2)
        return 0;
    if (total > (size_t)UINT32_MAX - 1 - c->names_len)
        return ADD_TOOBIG;
    if (grow((void **)&c->names, &c->names_cap, c->names_len + total, 1) < 0)
        return ADD_NOMEM;
    /* The sources lie below names_len, the copy above: no overlap. */
    char *w = c->names + c->names_len;
    for (size_t k = 0; k < kept->n; k++) {
        size_t len = strlen(c->names + kept->v[k]);
        memcpy(w, c->names + kept->v[k], len);
        w[len] = k + 1 < kept->n ? ',' : '\0';
        w += len + 1;
    }
    *out = (uint32_t)c->names_len;
    c->names_len += total;
    return 0;
}

/* Sorts one chromosome's sites and merges equal (start, strand) runs. */
static int chrom_finish(hald_site_chrom_t *c, offs_t *kept)
{
    if (c->n > 1)
        qsort(c->sites, c->n, sizeof *c->sites, cmp_site);
    size_t w = 0;
    for (size_t i = 0; i < c->n;) {
        size_t j = i + 1;
        while (j < c->n && c->sites[j].start == c->sites[i].start &&
               c->sites[j].strand == c->sites[i].strand)
            j++;
        hald_site_t site = c->sites[i];
        if (j - i > 1) {
            int rc = merge_names(c, i, j, kept, &site.name_off);
            if (rc < 0)
                return rc;
        }
        c->sites[w++] = site; /* w <= i: the run was read first */
        i = j;
    }
    c->n = w;
    return 0;
}

int hald_sites_finish(hald_sites_t *s, hald_error_t *err)
{
    offs_t kept = {NULL, 0, 0, NULL, 0};
    for (size_t i = 0; i < s->n; i++) {
        int rc = chrom_finish(&s->chroms[i], &kept);
        if (rc < 0) {
            free(kept.v);
            free(kept.set);
            return add_failed(err, rc, "merging duplicate sites", &s->chroms[i]);
        }
    }
    free(kept.v);
    free(kept.set);
    /* Drop chromosomes left without sites (say, only single-exon
     * transcripts), so "in the sites but not in the FASTA" means something. */
    size_t w = 0;
    s->total = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->chroms[i].n == 0) {
            chrom_free(&s->chroms[i]);
            continue;
        }
        s->total += s->chroms[i].n;
        s->chroms[w++] = s->chroms[i];
    }
    s->n = w;
    if (s->index_cap)
        index_fill(s); /* fewer entries: the same table still fits */
    return HALD_OK;
}

/* ------------------------------------------------------------ public API */

void hald_sites_init(hald_sites_t *s)
{
    memset(s, 0, sizeof *s);
}

void hald_sites_free(hald_sites_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        chrom_free(&s->chroms[i]);
    free(s->chroms);
    free(s->index);
    memset(s, 0, sizeof *s);
}

hald_site_chrom_t *hald_sites_find(const hald_sites_t *s, const char *name, size_t len)
{
    if (!s->index_cap)
        return NULL;
    uint32_t v = s->index[index_slot(s, name, len, hash_bytes(name, len))];
    return v ? &s->chroms[v - 1] : NULL;
}

const char *hald_site_name(const hald_site_chrom_t *c, const hald_site_t *site)
{
    return site->name_off == HALD_SITE_NO_NAME ? "" : c->names + site->name_off;
}
