/* The genome source: FASTA sequences cut into overlapping chunks of sites. */
#include "genome_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "hald/fastastream.h"
#include "hald/reader.h"
#include "hald/scan.h"
#include "hald/scan_run.h"
#include "hald/pack.h"
#include "genome_fetch.h"
#include "packed_genome.h"
#include "region.h"

struct hald_genome_src {
    hald_reader_t *reader;
    int owns_reader;
    hald_fasta_stream_t *fasta;
    uint64_t chunk;
    hald_sites_t *sites;      /* NULL: every start */
    uint64_t bytes_total;
    uint64_t bytes_in;        /* atomic copy of the reader's count, for progress */
    hald_buf_t name;
    int64_t chrom_index;      /* of the current sequence, -1 before the first */
    int active, ended;
    hald_buf_t buf;           /* bases [buf_off, buf_off + buf.len) */
    uint64_t buf_off, s_next;
    hald_site_chrom_t *sc;    /* with a site list: the current sequence's */
    uint64_t site_next;
    uint64_t bases_total, sequences;
    /* Every sequence name seen, to tell repeated ones (rows of different
     * sequences would share a name): open addressing, offset + 1 into names. */
    hald_buf_t seen_names;
    uint64_t *seen;
    size_t seen_cap, seen_n;
    uint64_t repeated;
    char *first_repeated;
    /* --region: one sequence read through the FASTA's index, a chunk at a
     * time (no reader, no stream); its starts [rg_beg, rg_end). */
    hald_genome_fetch_t *fetch;
    uint64_t rg_beg, rg_end, rg_len;
    /* A packed genome: a frame per unit, read by the worker. */
    hald_pack_index_t idx;
    int packed;
    uint64_t next_frame, end_frame;
};

static uint64_t name_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

/* Records a sequence name; 1 when it was seen before, 0 if new, < 0. */
static int note_name(hald_genome_src_t *g, const char *name, size_t len, hald_error_t *err)
{
    if (2 * (g->seen_n + 1) > g->seen_cap) {
        size_t cap = g->seen_cap ? 2 * g->seen_cap : 64;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t)
            return hald_error_set(err, HALD_E_NOMEM, "out of memory (sequence names)");
        for (size_t i = 0; i < g->seen_cap; i++) {
            if (!g->seen[i])
                continue;
            const char *q = g->seen_names.data + g->seen[i] - 1;
            size_t k = (size_t)name_hash(q, strlen(q)) & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = g->seen[i];
        }
        free(g->seen);
        g->seen = t;
        g->seen_cap = cap;
    }
    size_t mask = g->seen_cap - 1, k = (size_t)name_hash(name, len) & mask;
    for (; g->seen[k]; k = (k + 1) & mask) {
        const char *q = g->seen_names.data + g->seen[k] - 1;
        if (strlen(q) == len && memcmp(q, name, len) == 0)
            return 1;
    }
    g->seen[k] = g->seen_names.len + 1;
    g->seen_n++;
    if (hald_buf_append(&g->seen_names, name, len, err) != HALD_OK ||
        hald_buf_append(&g->seen_names, "", 1, err) != HALD_OK)
        return err->code;
    return 0;
}

static hald_genome_src_t *genome_new(hald_reader_t *r, int owns, uint64_t chunk,
                                     hald_sites_t *sites, hald_error_t *err)
{
    hald_genome_src_t *g = calloc(1, sizeof *g);
    if (!g) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", hald_reader_name(r));
        if (owns)
            hald_reader_close(r);
        return NULL;
    }
    g->reader = r;
    g->owns_reader = owns;
    /* Positions stay far from 2^64 whatever a caller asks for. */
    g->chunk = chunk == 0 ? HALD_SCAN_CHUNK : chunk > HALD_SCAN_CHUNK_MAX ? HALD_SCAN_CHUNK_MAX : chunk;
    g->sites = sites;
    g->chrom_index = -1;
    g->bytes_total = hald_reader_size(r);
    g->fasta = hald_fasta_stream_new(r, err);
    if (!g->fasta) {
        hald_genome_close(g);
        return NULL;
    }
    return g;
}

/* A genome packed with hald pack --genome: 1 when path is one (the index
 * read into idx), 0 when not, negative when its index is damaged. */
static int packed_genome(const char *path, hald_pack_index_t *idx, hald_error_t *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0; /* the reader says why */
    int rc = hald_pack_index_read(fd, path, idx, err);
    close(fd);
    if (rc < 0)
        return rc;
    if (rc == HALD_OK && idx->genome)
        return 1;
    hald_pack_index_free(idx);
    return 0;
}

hald_genome_src_t *hald_genome_open(const char *path, uint64_t chunk, hald_sites_t *sites,
                                    uint64_t shard_index, uint64_t shard_count, hald_error_t *err)
{
    hald_pack_index_t idx;
    memset(&idx, 0, sizeof idx);
    /* With a site list the genome is read as a stream: a packed genome
     * is a plain multi-frame zstd file too. */
    int packed = sites ? 0 : packed_genome(path, &idx, err);
    if (packed < 0)
        return NULL;
    if (!packed && shard_count) {
        hald_error_set(err, HALD_E_USAGE, "%s: --shard needs a genome packed with hald pack "
                       "--genome%s", path, sites ? " (and no --sites or --gtf)" : "");
        return NULL;
    }
    hald_reader_t *r = hald_reader_open(path, err);
    hald_genome_src_t *g = r ? genome_new(r, 1, chunk, sites, err) : NULL;
    if (!g) {
        hald_pack_index_free(&idx);
        return NULL;
    }
    if (packed) {
        g->packed = 1;
        g->idx = idx;
        g->end_frame = idx.n_frames;
        if (shard_count)
            hald_pack_shard_bases(&g->idx, shard_index, shard_count, &g->next_frame, &g->end_frame);
        g->bytes_total = 0;
        for (uint64_t k = g->next_frame; k < g->end_frame; k++)
            g->bytes_total += g->idx.frames[k].csize;
    }
    return g;
}

hald_genome_src_t *hald_genome_open_reader(hald_reader_t *r, uint64_t chunk, hald_sites_t *sites,
                                           hald_error_t *err)
{
    return genome_new(r, 0, chunk, sites, err);
}

void hald_genome_close(hald_genome_src_t *g)
{
    if (!g)
        return;
    hald_fasta_stream_free(g->fasta);
    hald_genome_fetch_close(g->fetch);
    if (g->owns_reader)
        hald_reader_close(g->reader);
    hald_buf_free(&g->name);
    hald_buf_free(&g->buf);
    hald_buf_free(&g->seen_names);
    free(g->seen);
    free(g->first_repeated);
    hald_pack_index_free(&g->idx);
    free(g);
}

const char *hald_genome_kind(const hald_genome_src_t *g) { return g->packed ? "packed" : "stream"; }

uint64_t hald_genome_bytes_read(const hald_genome_src_t *g)
{
    return g->packed ? 0 : hald_genome_bytes_in(g);
}

const char *hald_genome_name(const hald_genome_src_t *g)
{
    return g->fetch ? hald_genome_fetch_name(g->fetch) : hald_reader_name(g->reader);
}

uint64_t hald_genome_bytes_in(const hald_genome_src_t *g) { return __atomic_load_n(&g->bytes_in, __ATOMIC_RELAXED); }
uint64_t hald_genome_bytes_total(const hald_genome_src_t *g) { return g->bytes_total; }
uint64_t hald_genome_sequences(const hald_genome_src_t *g) { return g->sequences; }
uint64_t hald_genome_bases(const hald_genome_src_t *g) { return g->bases_total; }

uint64_t hald_genome_repeated(const hald_genome_src_t *g, const char **first)
{
    *first = g->first_repeated;
    return g->repeated;
}

/* Opens the next sequence: 1, 0 at the end of the file. */
static int next_sequence(hald_genome_src_t *g, hald_error_t *err)
{
    for (;;) {
        int rc = hald_fasta_next_seq(g->fasta, &g->name, err);
        if (rc <= 0)
            return rc;
        g->chrom_index++;
        g->sequences++;
        rc = note_name(g, g->name.data, g->name.len, err);
        if (rc < 0)
            return rc;
        if (rc == 1 && g->repeated++ == 0 && !(g->first_repeated = strdup(g->name.data)))
            return hald_error_set(err, HALD_E_NOMEM, "out of memory");
        g->sc = NULL;
        if (g->sites) {
            g->sc = hald_sites_find(g->sites, g->name.data, g->name.len);
            if (!g->sc)
                continue; /* nothing to score here: skip its bases */
            g->sc->seen = 1;
        }
        g->active = 1;
        g->ended = 0;
        g->buf.len = 0;
        g->buf_off = g->s_next = g->site_next = 0;
        return 1;
    }
}

/* Reads bases until the buffer reaches `upto` or the sequence ends. */
static int fill_to(hald_genome_src_t *g, uint64_t upto, hald_error_t *err)
{
    while (!g->ended && g->buf_off + g->buf.len < upto) {
        ssize_t n = hald_fasta_read_bases(g->fasta, &g->buf, (size_t)(upto - g->buf_off - g->buf.len), err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            g->ended = 1;
        g->bases_total += (uint64_t)n;
    }
    return HALD_OK;
}

/* Drops bases no later chunk needs. */
static void trim(hald_genome_src_t *g)
{
    uint64_t keep_from = g->s_next > HALD_SCAN_LEFT ? g->s_next - HALD_SCAN_LEFT : 0;
    if (keep_from <= g->buf_off)
        return;
    size_t drop = (size_t)(keep_from - g->buf_off);
    if (drop > g->buf.len)
        drop = g->buf.len;
    if (drop < g->buf.len)
        memmove(g->buf.data, g->buf.data + drop, g->buf.len - drop);
    g->buf.len -= drop;
    g->buf_off += drop;
}

/* Gives the unit bases [b0, b1): the reader's whole buffer when it is
 * exactly that (keeping a copy of the overlap with the next chunk only),
 * else a copy. */
static int hand_bases(hald_genome_src_t *g, hald_genome_unit_t *u, uint64_t b1, uint64_t s_hi,
                      uint64_t end, hald_error_t *err)
{
    if (u->b0 == g->buf_off && b1 == end && u->bases.len == 0) {
        hald_buf_t spare = u->bases;
        u->bases = g->buf;
        g->buf = spare;
        uint64_t keep = s_hi > HALD_SCAN_LEFT ? s_hi - HALD_SCAN_LEFT : 0;
        if (keep < u->b0)
            keep = u->b0;
        if (keep < end && hald_buf_append(&g->buf, u->bases.data + (keep - u->b0),
                                          (size_t)(end - keep), err) != HALD_OK)
            return err->code;
        g->buf_off = keep < end ? keep : end;
        return HALD_OK;
    }
    if (b1 > u->b0 && hald_buf_append(&u->bases, g->buf.data + (u->b0 - g->buf_off),
                                      (size_t)(b1 - u->b0), err) != HALD_OK)
        return err->code;
    return HALD_OK;
}

/* The next chunk of the current sequence: 1, or 0 when it has no more. */
static int next_chunk(hald_genome_src_t *g, hald_genome_unit_t *u, hald_error_t *err)
{
    for (;;) {
        int rc = fill_to(g, g->s_next + g->chunk + HALD_SCAN_RIGHT, err);
        if (rc != HALD_OK)
            return rc;
        uint64_t end = g->buf_off + g->buf.len;
        uint64_t seq_len = g->ended ? end : UINT64_MAX;
        uint64_t s_hi = g->s_next + g->chunk;
        if (g->ended && s_hi >= end)
            s_hi = end;
        uint64_t site_lo = g->site_next, site_hi = site_lo;
        if (g->sc) {
            const hald_site_chrom_t *sc = g->sc;
            if (g->ended && s_hi == end && sc->n > 0 && sc->sites[sc->n - 1].start >= s_hi)
                s_hi = sc->sites[sc->n - 1].start + 1; /* sites past the end: NA rows */
            while (site_hi < sc->n && sc->sites[site_hi].start < s_hi)
                site_hi++;
        }
        if (g->s_next >= s_hi)
            return 0;
        int has_work = !g->sc || site_hi > site_lo;
        if (has_work) {
            u->chrom_index = (uint64_t)g->chrom_index;
            u->seq_len = seq_len;
            u->s_lo = g->s_next;
            u->s_hi = s_hi;
            u->site_lo = site_lo;
            u->site_hi = site_hi;
            u->b0 = g->s_next > HALD_SCAN_LEFT ? g->s_next - HALD_SCAN_LEFT : 0;
            if (u->b0 < g->buf_off)
                u->b0 = g->buf_off; /* only at the start of a sequence */
            uint64_t b1 = s_hi + HALD_SCAN_RIGHT < end ? s_hi + HALD_SCAN_RIGHT : end;
            if (hald_buf_append(&u->chrom, g->name.data, g->name.len + 1, err) != HALD_OK)
                return err->code;
            if ((rc = hand_bases(g, u, b1, s_hi, end, err)) != HALD_OK)
                return rc;
        }
        g->s_next = s_hi;
        g->site_next = site_hi;
        trim(g);
        if (has_work)
            return 1;
    }
}

/* ================================================================ a region */

/* Marks the listed sequences the FASTA has, finds the region's sequence
 * and its first listed site, and sets the starts to scan. */
static int region_sites(hald_genome_src_t *g, uint64_t *limit, hald_error_t *err)
{
    for (size_t i = 0; i < g->sites->n; i++) {
        uint64_t len;
        int rc = hald_genome_fetch_length(g->fetch, g->sites->chroms[i].name, &len, NULL, err);
        if (rc < 0)
            return rc;
        g->sites->chroms[i].seen |= rc;
    }
    g->sc = hald_sites_find(g->sites, g->name.data, g->name.len);
    const hald_site_chrom_t *sc = g->sc;
    if (!sc || sc->n == 0) {
        *limit = 0; /* nothing listed here */
        return HALD_OK;
    }
    /* Listed sites past the sequence's end are NA rows, as in a whole scan. */
    if (sc->sites[sc->n - 1].start >= *limit)
        *limit = sc->sites[sc->n - 1].start + 1;
    size_t lo = 0, hi = sc->n; /* the first site at or after the region's start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sc->sites[mid].start < g->rg_beg)
            lo = mid + 1;
        else
            hi = mid;
    }
    g->site_next = lo;
    return HALD_OK;
}

static int region_start(hald_genome_src_t *g, const char *path, const char *text,
                        hald_error_t *err)
{
    hald_region_t r;
    int rc = hald_region_parse(text, &r, err);
    if (rc != HALD_OK)
        return rc;
    if (!(g->fetch = hald_genome_fetch_open(path, err)))
        return err->code;
    uint64_t index;
    rc = hald_genome_fetch_length(g->fetch, r.name, &g->rg_len, &index, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return hald_error_set(err, HALD_E_INPUT, "--region %s: %s has no sequence %s", text,
                              hald_genome_fetch_name(g->fetch), r.name);
    if (hald_buf_append(&g->name, r.name, strlen(r.name) + 1, err) != HALD_OK)
        return err->code;
    g->name.len--; /* kept NUL-terminated, as the stream's names are */
    g->chrom_index = (int64_t)index;
    g->sequences = 1;
    g->rg_beg = r.beg;
    uint64_t limit = g->rg_len;
    if (g->sites && (rc = region_sites(g, &limit, err)) != HALD_OK)
        return rc;
    g->rg_end = r.end < limit ? r.end : limit;
    if (g->rg_end < g->rg_beg)
        g->rg_end = g->rg_beg;
    g->s_next = g->rg_beg;
    g->bytes_total = g->rg_end - g->rg_beg;
    uint64_t b_end = g->rg_end < g->rg_len ? g->rg_end : g->rg_len;
    g->bases_total = b_end > g->rg_beg ? b_end - g->rg_beg : 0;
    return HALD_OK;
}

hald_genome_src_t *hald_genome_open_region(const char *path, const char *region, uint64_t chunk,
                                           hald_sites_t *sites, hald_error_t *err)
{
    hald_genome_src_t *g = calloc(1, sizeof *g);
    if (!g) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    g->chunk = chunk == 0 ? HALD_SCAN_CHUNK : chunk > HALD_SCAN_CHUNK_MAX ? HALD_SCAN_CHUNK_MAX : chunk;
    g->sites = sites;
    if (region_start(g, path, region, err) != HALD_OK) {
        hald_genome_close(g);
        return NULL;
    }
    return g;
}

/* The region's next unit: its bases (with the context, clipped to the
 * sequence) come straight from the index.  1, or 0 at the region's end. */
static int region_next(hald_genome_src_t *g, hald_genome_unit_t *u, hald_error_t *err)
{
    while (g->s_next < g->rg_end) {
        uint64_t s_lo = g->s_next;
        uint64_t s_hi = g->rg_end - s_lo > g->chunk ? s_lo + g->chunk : g->rg_end;
        uint64_t site_lo = g->site_next, site_hi = site_lo;
        if (g->sc)
            while (site_hi < g->sc->n && g->sc->sites[site_hi].start < s_hi)
                site_hi++;
        g->s_next = s_hi;
        g->site_next = site_hi;
        __atomic_store_n(&g->bytes_in, s_hi - g->rg_beg, __ATOMIC_RELAXED);
        if (g->sc && site_hi == site_lo)
            continue; /* no listed site in this chunk */
        u->chrom_index = (uint64_t)g->chrom_index;
        u->seq_len = g->rg_len;
        u->s_lo = s_lo;
        u->s_hi = s_hi;
        u->site_lo = site_lo;
        u->site_hi = site_hi;
        u->b0 = s_lo > HALD_SCAN_LEFT ? s_lo - HALD_SCAN_LEFT : 0;
        uint64_t b1 = s_hi + HALD_SCAN_RIGHT < g->rg_len ? s_hi + HALD_SCAN_RIGHT : g->rg_len;
        if (hald_buf_append(&u->chrom, g->name.data, g->name.len + 1, err) != HALD_OK)
            return err->code;
        u->bases.len = 0;
        if (b1 > u->b0) {
            uint64_t len;
            int rc = hald_genome_fetch_range(g->fetch, g->name.data, u->b0, b1, &u->bases, &len, err);
            if (rc < 0)
                return rc;
            if (rc == 0 || len != g->rg_len || u->bases.len != b1 - u->b0)
                return hald_error_set(err, HALD_E_INPUT, "%s: sequence %s changed while read",
                                      hald_genome_fetch_name(g->fetch), g->name.data);
        }
        return 1;
    }
    return 0;
}

/* ================================================================ packed */

/* A sequence met in a packed genome: counted, and its name checked. */
static int packed_sequence(hald_genome_src_t *g, uint64_t seq, hald_error_t *err)
{
    const char *name = g->idx.genome->seqs[seq].name;
    g->sequences++;
    int rc = note_name(g, name, strlen(name), err);
    if (rc < 0)
        return rc;
    if (rc == 1 && g->repeated++ == 0 && !(g->first_repeated = strdup(name)))
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    return HALD_OK;
}

/* The next frame with bases: its place and context from the index, its
 * bases read by the worker.  1, or 0 after the last frame. */
static int packed_next(hald_genome_src_t *g, hald_genome_unit_t *u, hald_error_t *err)
{
    const hald_pack_genome_t *gen = g->idx.genome;
    while (g->next_frame < g->end_frame) {
        uint64_t k = g->next_frame++;
        const hald_pack_frame_t *fr = &g->idx.frames[k];
        const hald_pack_gframe_t *f = &gen->frames[k];
        __atomic_add_fetch(&g->bytes_in, fr->csize, __ATOMIC_RELAXED);
        /* A shard that starts inside a sequence has it too. */
        if (f->seq != UINT64_MAX && (int64_t)f->seq != g->chrom_index) {
            int rc = packed_sequence(g, f->seq, err);
            if (rc != HALD_OK)
                return rc;
            g->chrom_index = (int64_t)f->seq;
        }
        if (f->bases == 0)
            continue;
        const hald_pack_seq_t *sq = &gen->seqs[f->seq];
        g->bases_total += f->bases;
        u->chrom_index = f->seq;
        u->seq_len = sq->length;
        u->s_lo = f->first_base;
        u->s_hi = f->first_base + f->bases;
        u->b0 = f->first_base - f->left_len;
        u->read_size = fr->csize;
        u->in_offset = fr->offset;
        u->left_len = f->left_len;
        if (hald_buf_append(&u->context, f->left, f->left_len, err) != HALD_OK ||
            hald_buf_append(&u->context, f->right, f->right_len, err) != HALD_OK ||
            hald_buf_append(&u->chrom, sq->name, strlen(sq->name) + 1, err) != HALD_OK)
            return err->code;
        return 1;
    }
    return 0;
}

int hald_genome_next(hald_genome_src_t *g, hald_genome_unit_t *u, hald_error_t *err)
{
    int rc;
    if (g->fetch)
        return region_next(g, u, err);
    if (g->packed)
        return packed_next(g, u, err);
    for (;;) {
        if (!g->active) {
            rc = next_sequence(g, err);
            if (rc <= 0)
                break;
        }
        rc = next_chunk(g, u, err);
        if (rc != 0)
            break;
        g->active = 0;
    }
    __atomic_store_n(&g->bytes_in, hald_fasta_bytes_in(g->fasta), __ATOMIC_RELAXED);
    return rc;
}

/* ================================================================ workers */

struct hald_genome_work {
    ZSTD_DCtx *dctx;
    hald_buf_t frame, text, name;
};

hald_genome_work_t *hald_genome_work_new(void) { return calloc(1, sizeof(hald_genome_work_t)); }

void hald_genome_work_free(hald_genome_work_t *w)
{
    if (!w)
        return;
    ZSTD_freeDCtx(w->dctx);
    hald_buf_free(&w->frame);
    hald_buf_free(&w->text);
    hald_buf_free(&w->name);
    free(w);
}

int hald_genome_read_frame(const hald_genome_cfg_t *cfg, hald_genome_unit_t *u, hald_genome_work_t *w,
                     hald_error_t *err)
{
    if (hald_frame_file_read(&cfg->file, cfg->input_name, &w->frame, u->read_size, u->in_offset,
                             err) != HALD_OK)
        return err->code;
    if (!w->dctx && !(w->dctx = ZSTD_createDCtx()))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", cfg->input_name);
    /* The index checked the frame's declared size against its own. */
    unsigned long long size = ZSTD_getFrameContentSize(w->frame.data, w->frame.len);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > HALD_PACK_MAX_FRAME)
        return hald_error_set(err, HALD_E_INPUT, "%s: zstd frame at offset %llu: no valid size",
                              cfg->input_name, (unsigned long long)u->in_offset);
    w->text.len = 0;
    if (!hald_buf_reserve(&w->text, (size_t)size, err))
        return err->code;
    size_t n = ZSTD_decompressDCtx(w->dctx, w->text.data, (size_t)size, w->frame.data, w->frame.len);
    if (ZSTD_isError(n) || n != size)
        return hald_error_set(err, HALD_E_INPUT, "%s: zstd frame at offset %llu: %s",
                              cfg->input_name, (unsigned long long)u->in_offset,
                              ZSTD_isError(n) ? ZSTD_getErrorName(n) : "shorter than it says");
    w->text.len = n;
    /* Bases: the left context, the frame's own, the right context. */
    u->bases.len = 0;
    if (hald_buf_append(&u->bases, u->context.data, (size_t)u->left_len, err) != HALD_OK)
        return err->code;
    int has_header; /* the compressed frame's memory takes the frame's bases */
    int rc = hald_genome_frame_bases(w->text.data, w->text.len, cfg->input_name, &w->frame,
                                     &w->name, &has_header, err);
    if (rc != HALD_OK)
        return rc;
    if (w->frame.len != u->s_hi - u->s_lo)
        return hald_error_set(err, HALD_E_INPUT, "%s: frame at offset %llu holds %zu bases but "
                              "the packed index says %llu (a damaged file: pack it again)",
                              cfg->input_name, (unsigned long long)u->in_offset, w->frame.len,
                              (unsigned long long)(u->s_hi - u->s_lo));
    if (hald_buf_append(&u->bases, w->frame.data, w->frame.len, err) != HALD_OK ||
        hald_buf_append(&u->bases, u->context.data + u->left_len,
                        u->context.len - (size_t)u->left_len, err) != HALD_OK)
        return err->code;
    return HALD_OK;
}
