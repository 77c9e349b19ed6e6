/* hald scan: the FASTA streamed in chunks of sites with their context
 * bases, scored on threads or ranks, written in order.  Chunks overlap by
 * the 162 bases a site's window needs, so every chunk is scored on its own
 * and the fixed-point sums make the output independent of the split. */
#include "hald/scan.h"

#include <math.h>
#include <stdio.h>
#if defined __SSE2__ && defined __x86_64__
#define HAVE_STREAM_STORES 1
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hald/fastastream.h"
#include "hald/numfmt.h"
#include "hald/opipe.h"
#include "hald/output.h"
#include "hald/reader.h"
#include "hald/serve.h"

#define SLOTS_PER_THREAD 3
#define SLOTS_PER_RANK 6
#define SCAN_BIN_MAGIC "HALDSCN"
#define SCAN_BIN_HEADER 64u

int hald_scan_out_parse(const char *s, hald_scan_out_t *out)
{
    static const char *names[] = {"tsv", "bed", "bedgraph", "bin"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (hald_scan_out_t)i;
            return 0;
        }
    return -1;
}

void hald_scan_opts_init(hald_scan_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->models = HALD_MODELS_BOTH;
    o->strand = '+';
    o->threads = 1;
    o->chunk = HALD_SCAN_CHUNK;
}

/* ================================================================ units */

typedef struct scan_unit {
    uint64_t seq;            /* order in the output */
    uint32_t chrom_index;    /* 0-based, in FASTA order */
    hald_buf_t chrom;        /* name, NUL-terminated */
    uint64_t seq_len;        /* UINT64_MAX while the sequence goes on */
    uint64_t b0, s_lo, s_hi;
    uint64_t site_lo, site_hi; /* sites mode: range in the chromosome's list */
    hald_buf_t bases;
    int rank;
    /* results */
    hald_error_t err;
    hald_buf_t out;
    uint64_t n_sites, not_written;
    uint64_t na[HALD_N_MODELS][HALD_N_NA];
    hald_buf_t sites;        /* scratch: hald_scan_site_t */
} scan_unit_t;

static void unit_reset(scan_unit_t *u)
{
    scan_unit_t keep = *u;
    memset(u, 0, sizeof *u);
    u->chrom = keep.chrom, u->bases = keep.bases, u->out = keep.out, u->sites = keep.sites;
    u->chrom.len = u->bases.len = u->out.len = u->sites.len = 0;
    hald_error_clear(&u->err);
}

static void unit_free(scan_unit_t *u)
{
    hald_buf_free(&u->chrom);
    hald_buf_free(&u->bases);
    hald_buf_free(&u->out);
    hald_buf_free(&u->sites);
}

/* A unit's output starts with room for this head, so that a serving rank
 * sends the output as its result message without copying it, and rank 0
 * takes the message as the unit's output. */
typedef struct result_head {
    uint64_t seq;
    int64_t code;
    char msg[HALD_ERROR_MSG_MAX];
    uint64_t n_sites, not_written;
    uint64_t na[HALD_N_MODELS][HALD_N_NA];
    uint64_t payload; /* bytes of output after the head */
} result_head_t;

/* Empties a unit's output, keeping room for the head. */
static int out_begin(scan_unit_t *u, hald_error_t *err)
{
    u->out.len = 0;
    if (!hald_buf_reserve(&u->out, sizeof(result_head_t), err))
        return err->code;
    u->out.len = sizeof(result_head_t);
    return HALD_OK;
}

/* ================================================================ output */

typedef struct scan_cfg {
    const hald_scan_tables_t *t;
    const hald_scan_opts_t *o;
    const char *input_name;
} scan_cfg_t;

static int model_of_one(hald_model_set_t set)
{
    return set == HALD_MODELS_REGIONS ? HALD_MODEL_REGIONS : HALD_MODEL_MEAN;
}

static size_t put_num(char *p, double x)
{
    if (isnan(x)) {
        memcpy(p, "NA", 2);
        return 2;
    }
    return hald_format_g15(x, p);
}

static size_t put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return n;
}

static uint64_t bin_score(double x)
{
    uint64_t bits = UINT64_C(0x7ff8000000000000); /* the one NaN of the format */
    if (!isnan(x))
        memcpy(&bits, &x, 8);
    return bits;
}

/* A site's binary record (docs/scan-binary-format.md) as little-endian
 * words in rec; returns its size in bytes (16 + 8 per model). */
static inline size_t bin_record(hald_model_set_t models, uint32_t chrom_index,
                                const hald_scan_site_t *s, uint64_t rec[4])
{
    rec[0] = chrom_index | (uint64_t)(uint8_t)s->strand << 32 | (uint64_t)s->canonical << 40;
    rec[1] = s->start;
    rec[2] = bin_score(models & HALD_MODELS_MEAN ? s->mean : s->regions);
    rec[3] = bin_score(s->regions);
    return 16 + 8 * (size_t)hald_model_count(models);
}

/* One site in the output format: 1 when written, 0 when the format leaves
 * it out (NA in BED or bedGraph, the other strand in bedGraph), negative
 * on error. */
static int format_site(const scan_cfg_t *c, const scan_unit_t *u, const hald_scan_site_t *s,
                       const char *name, hald_buf_t *out, hald_error_t *err)
{
    const hald_scan_opts_t *o = c->o;
    size_t name_len = name ? strlen(name) : 0, chrom_len = u->chrom.len;
    char *p = hald_buf_reserve(out, chrom_len + name_len + 160, err);
    if (!p)
        return err->code;
    char *start = p;
    double v[HALD_N_MODELS] = {s->mean, s->regions};
    if (o->out_format == HALD_SCAN_OUT_BIN) {
        uint64_t rec[4];
        size_t size = bin_record(o->models, u->chrom_index, s, rec);
        memcpy(p, rec, size); /* little-endian hosts; see docs */
        out->len += size;
        return 1;
    }
    if (o->out_format == HALD_SCAN_OUT_BED || o->out_format == HALD_SCAN_OUT_BEDGRAPH) {
        double x = v[model_of_one(o->models)];
        if (o->out_format == HALD_SCAN_OUT_BEDGRAPH && s->strand != o->strand)
            return 0;
        if (isnan(x))
            return 0;
    }
    p += put_str(p, u->chrom.data, chrom_len);
    *p++ = '\t';
    p += hald_format_u64(s->start, p);
    *p++ = '\t';
    p += hald_format_u64(s->start + 2, p);
    *p++ = '\t';
    if (o->out_format == HALD_SCAN_OUT_BEDGRAPH) {
        p += put_num(p, v[model_of_one(o->models)]);
    } else if (o->out_format == HALD_SCAN_OUT_BED) {
        p += name_len ? put_str(p, name, name_len) : put_str(p, ".", 1);
        *p++ = '\t';
        p += put_num(p, v[model_of_one(o->models)]);
        *p++ = '\t';
        *p++ = s->strand;
    } else {
        *p++ = s->strand;
        for (int m = 0; m < HALD_N_MODELS; m++)
            if (o->models & (1u << m)) {
                *p++ = '\t';
                p += put_num(p, v[m]);
            }
        if (o->sites) {
            *p++ = '\t';
            p += name_len ? put_str(p, name, name_len) : put_str(p, ".", 1);
            p += put_str(p, s->canonical ? "\tyes" : "\tno", s->canonical ? 4 : 3);
        }
    }
    *p++ = '\n';
    out->len += (size_t)(p - start);
    return 1;
}

static int write_header(const hald_scan_opts_t *o, hald_sink_t *sink, hald_error_t *err)
{
    char text[256];
    int n = 0;
    switch (o->out_format) {
    case HALD_SCAN_OUT_TSV:
        n = snprintf(text, sizeof text, "chrom\tstart\tend\tstrand%s%s%s\n",
                     o->models & HALD_MODELS_MEAN ? "\tmean" : "",
                     o->models & HALD_MODELS_REGIONS ? "\tregions" : "",
                     o->sites ? "\tname\tcanonical" : "");
        break;
    case HALD_SCAN_OUT_BEDGRAPH:
        n = snprintf(text, sizeof text,
                     "track type=bedGraph name=\"HAL %s %c\" description=\"hald scan\"\n",
                     hald_model_name((hald_model_t)model_of_one(o->models)), o->strand);
        break;
    case HALD_SCAN_OUT_BIN: {
        uint8_t h[SCAN_BIN_HEADER] = {0};
        uint32_t version = 1, k = (uint32_t)hald_model_count(o->models), size = SCAN_BIN_HEADER;
        uint32_t flags = o->sites ? 1u : 0u;
        memcpy(h, SCAN_BIN_MAGIC, sizeof SCAN_BIN_MAGIC);
        memcpy(h + 8, &version, 4);
        memcpy(h + 12, &k, 4);
        int j = 0;
        for (int m = 0; m < HALD_N_MODELS; m++)
            if (o->models & (1u << m))
                h[16 + j++] = (uint8_t)(m + 1);
        memcpy(h + 24, &flags, 4);
        memcpy(h + 28, &size, 4);
        return hald_sink_write(sink, h, sizeof h, err);
    }
    case HALD_SCAN_OUT_BED:
        return HALD_OK;
    }
    return hald_sink_write(sink, text, (size_t)n, err);
}

/* ================================================================ work */

static void count_site(scan_unit_t *u, const hald_scan_site_t *s)
{
    u->n_sites++;
    if (s->na_mean)
        u->na[HALD_MODEL_MEAN][s->na_mean]++;
    if (s->na_regions)
        u->na[HALD_MODEL_REGIONS][s->na_regions]++;
}

/* Counts a site and writes it to the unit's output; sites the format
 * leaves out (NA in BED or bedGraph; bedGraph's other strand is not
 * counted) are counted as not written.  Negative on error. */
static int emit_site(const scan_cfg_t *c, scan_unit_t *u, const hald_scan_site_t *s,
                     const char *name, hald_error_t *err)
{
    count_site(u, s);
    int rc = format_site(c, u, s, name, &u->out, err);
    u->not_written += rc == 0 && (c->o->out_format != HALD_SCAN_OUT_BEDGRAPH || s->strand == c->o->strand);
    return rc;
}

/* Starts scored at a time within a unit. */
#define SITE_BLOCK 16384

/* A unit's binary output (4 MB a unit) is written once and read only by
 * the sink: streaming stores skip reading each cache line in first. */
static inline void store_record(char *p, const uint64_t rec[4], size_t size)
{
#ifdef HAVE_STREAM_STORES
    for (size_t i = 0; i < size / 8; i++)
        _mm_stream_si64((long long *)(void *)(p + 8 * i), (long long)rec[i]);
#else
    memcpy(p, rec, size); /* little-endian hosts; see docs */
#endif
}

static inline void stores_done(void)
{
#ifdef HAVE_STREAM_STORES
    _mm_sfence(); /* streaming stores are weakly ordered */
#endif
}

/* Sites as binary records (docs/scan-binary-format.md), counted: the bulk
 * of a genome scan, so without format_site's per-site choices. */
static int put_bin_sites(hald_model_set_t models, scan_unit_t *u, const hald_scan_site_t *s,
                         size_t n, hald_error_t *err)
{
    size_t size = 16 + 8 * (size_t)hald_model_count(models);
    char *p = hald_buf_reserve(&u->out, n * size, err);
    if (!p)
        return err->code;
    for (size_t i = 0; i < n; i++, p += size) {
        uint64_t rec[4];
        store_record(p, rec, bin_record(models, u->chrom_index, &s[i], rec));
        u->na[HALD_MODEL_MEAN][s[i].na_mean] += s[i].na_mean != 0;
        u->na[HALD_MODEL_REGIONS][s[i].na_regions] += s[i].na_regions != 0;
    }
    stores_done();
    u->out.len += n * size;
    u->n_sites += n;
    return HALD_OK;
}

static void scan_unit_work(const scan_cfg_t *c, scan_unit_t *u)
{
    hald_error_t *err = &u->err;
    u->sites.len = 0;
    if (out_begin(u, err) != HALD_OK)
        return;
    const hald_site_chrom_t *sc = NULL;
    if (c->o->sites) {
        sc = hald_sites_find(c->o->sites, u->chrom.data, u->chrom.len);
        if (!sc || u->site_hi > sc->n) {
            hald_error_set(err, HALD_E_INPUT, "%s: sites of %s not found", c->input_name, u->chrom.data);
            return;
        }
        for (uint64_t i = u->site_lo; i < u->site_hi; i++) {
            hald_scan_site_t s;
            hald_scan_one(c->t, u->bases.data, u->b0, u->bases.len, u->seq_len, sc->sites[i].start,
                          sc->sites[i].strand, &s);
            if (emit_site(c, u, &s, hald_site_name(sc, &sc->sites[i]), err) < 0)
                return;
        }
        return;
    }
    /* A unit's sites scored and written a block at a time, so that they
     * are still in the cache when written. */
    for (uint64_t lo = u->s_lo; lo < u->s_hi; lo += SITE_BLOCK) {
        uint64_t hi = u->s_hi - lo > SITE_BLOCK ? lo + SITE_BLOCK : u->s_hi;
        u->sites.len = 0;
        if (hald_scan_chunk(c->t, u->bases.data, u->b0, u->bases.len, u->seq_len, lo, hi,
                            c->o->models, &u->sites, err) != HALD_OK)
            return;
        const hald_scan_site_t *s = (const hald_scan_site_t *)u->sites.data;
        size_t n = u->sites.len / sizeof *s;
        if (c->o->out_format == HALD_SCAN_OUT_BIN) {
            if (put_bin_sites(c->o->models, u, s, n, err) != HALD_OK)
                return;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (emit_site(c, u, &s[i], NULL, err) < 0)
                return;
    }
}

/* ================================================================ reading */

typedef struct scan_reader {
    hald_reader_t *reader;
    hald_fasta_stream_t *fasta;
    hald_buf_t name;
    int64_t chrom_index;      /* of the current sequence, -1 before the first */
    int active, ended;
    hald_buf_t buf;           /* bases [buf_off, buf_off + buf.len) */
    uint64_t buf_off, s_next;
    hald_site_chrom_t *sc;    /* sites mode: the current sequence's sites */
    uint64_t site_next;
    uint64_t bases_total, sequences;
} scan_reader_t;

/* Opens the next sequence: 1, 0 at the end of the file. */
static int next_sequence(const scan_cfg_t *c, scan_reader_t *r, hald_error_t *err)
{
    for (;;) {
        int rc = hald_fasta_next_seq(r->fasta, &r->name, err);
        if (rc <= 0)
            return rc;
        r->chrom_index++;
        r->sequences++;
        r->sc = NULL;
        if (c->o->sites) {
            r->sc = hald_sites_find(c->o->sites, r->name.data, r->name.len);
            if (!r->sc)
                continue; /* nothing to score here: skip its bases */
            r->sc->seen = 1;
        }
        r->active = 1;
        r->ended = 0;
        r->buf.len = 0;
        r->buf_off = r->s_next = r->site_next = 0;
        return 1;
    }
}

/* Reads bases until the buffer reaches `upto` or the sequence ends. */
static int fill_to(scan_reader_t *r, uint64_t upto, hald_error_t *err)
{
    while (!r->ended && r->buf_off + r->buf.len < upto) {
        ssize_t n = hald_fasta_read_bases(r->fasta, &r->buf, (size_t)(upto - r->buf_off - r->buf.len), err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            r->ended = 1;
        r->bases_total += (uint64_t)n;
    }
    return HALD_OK;
}

/* Drops bases no later chunk needs. */
static void trim(scan_reader_t *r)
{
    uint64_t keep_from = r->s_next > HALD_SCAN_LEFT ? r->s_next - HALD_SCAN_LEFT : 0;
    if (keep_from <= r->buf_off)
        return;
    size_t drop = (size_t)(keep_from - r->buf_off);
    if (drop > r->buf.len)
        drop = r->buf.len;
    if (drop < r->buf.len)
        memmove(r->buf.data, r->buf.data + drop, r->buf.len - drop);
    r->buf.len -= drop;
    r->buf_off += drop;
}

/* The next chunk of the current sequence: 1, or 0 when it has no more. */
static int next_chunk(const scan_cfg_t *c, scan_reader_t *r, scan_unit_t *u, hald_error_t *err)
{
    for (;;) {
        uint64_t chunk = c->o->chunk ? c->o->chunk : HALD_SCAN_CHUNK;
        int rc = fill_to(r, r->s_next + chunk + HALD_SCAN_RIGHT, err);
        if (rc != HALD_OK)
            return rc;
        uint64_t end = r->buf_off + r->buf.len;
        uint64_t seq_len = r->ended ? end : UINT64_MAX;
        uint64_t s_hi = r->s_next + chunk;
        if (r->ended && s_hi >= end)
            s_hi = end;
        uint64_t site_lo = r->site_next, site_hi = site_lo;
        if (r->sc) {
            const hald_site_chrom_t *sc = r->sc;
            if (r->ended && s_hi == end && sc->n > 0 && sc->sites[sc->n - 1].start >= s_hi)
                s_hi = sc->sites[sc->n - 1].start + 1; /* sites past the end: NA rows */
            while (site_hi < sc->n && sc->sites[site_hi].start < s_hi)
                site_hi++;
        }
        if (r->s_next >= s_hi)
            return 0;
        int has_work = !r->sc || site_hi > site_lo;
        if (has_work) {
            u->chrom_index = (uint32_t)r->chrom_index;
            u->seq_len = seq_len;
            u->s_lo = r->s_next;
            u->s_hi = s_hi;
            u->site_lo = site_lo;
            u->site_hi = site_hi;
            u->b0 = r->s_next > HALD_SCAN_LEFT ? r->s_next - HALD_SCAN_LEFT : 0;
            uint64_t b1 = s_hi + HALD_SCAN_RIGHT < end ? s_hi + HALD_SCAN_RIGHT : end;
            if (u->b0 < r->buf_off)
                u->b0 = r->buf_off; /* only at the start of a sequence */
            if (hald_buf_append(&u->chrom, r->name.data, r->name.len + 1, err) != HALD_OK)
                return err->code;
            u->chrom.len--; /* the NUL stays, uncounted */
            if (u->b0 == r->buf_off && b1 == end && u->bases.len == 0) {
                /* The unit takes the whole buffer; the reader keeps a copy
                 * of the overlap with the next chunk only. */
                hald_buf_t spare = u->bases;
                u->bases = r->buf;
                r->buf = spare;
                uint64_t keep = s_hi > HALD_SCAN_LEFT ? s_hi - HALD_SCAN_LEFT : 0;
                if (keep < u->b0)
                    keep = u->b0;
                if (keep < end && hald_buf_append(&r->buf, u->bases.data + (keep - u->b0),
                                                  (size_t)(end - keep), err) != HALD_OK)
                    return err->code;
                r->buf_off = keep < end ? keep : end;
            } else if (b1 > u->b0 && hald_buf_append(&u->bases, r->buf.data + (u->b0 - r->buf_off),
                                                     (size_t)(b1 - u->b0), err) != HALD_OK) {
                return err->code;
            }
        }
        r->s_next = s_hi;
        r->site_next = site_hi;
        trim(r);
        if (has_work)
            return 1;
    }
}

/* ================================================================ pipeline */

typedef struct scan_engine {
    scan_cfg_t cfg;
    const hald_transport_t *tp;
    scan_reader_t rd;
    uint64_t next_seq;
    hald_sink_t *sink;
    hald_scan_stats_t *st;
    hald_error_t read_err, write_err;
    hald_buf_t msg_out, msg_in;
    hald_dealer_t dealer;
    double t0, last;
} scan_engine_t;

/* ---------------------------------------------------------------- codec */

static int put_buf(hald_buf_t *m, const hald_buf_t *b, hald_error_t *err)
{
    uint64_t n = b->len;
    int rc = hald_buf_append(m, &n, 8, err);
    return rc == HALD_OK && n ? hald_buf_append(m, b->data, b->len, err) : rc;
}

static int get_buf(const char **p, size_t *left, hald_buf_t *b, hald_error_t *err)
{
    uint64_t n;
    if (*left < 8)
        return -1;
    memcpy(&n, *p, 8);
    *p += 8, *left -= 8;
    if (n > *left)
        return -1;
    b->len = 0;
    if (n && hald_buf_append(b, *p, (size_t)n, err) != HALD_OK)
        return -1;
    *p += n, *left -= (size_t)n;
    return 0;
}

static int encode_unit(const scan_unit_t *u, hald_buf_t *m, hald_error_t *err)
{
    uint64_t head[8] = {u->seq, u->chrom_index, u->seq_len, u->b0, u->s_lo, u->s_hi, u->site_lo,
                        u->site_hi};
    m->len = 0;
    int rc = hald_buf_append(m, head, sizeof head, err);
    if (rc == HALD_OK)
        rc = put_buf(m, &u->chrom, err);
    return rc == HALD_OK ? put_buf(m, &u->bases, err) : rc;
}

static int decode_unit(const hald_buf_t *m, scan_unit_t *u, hald_error_t *err)
{
    uint64_t head[8];
    const char *p = m->data;
    size_t left = m->len;
    unit_reset(u);
    if (left < sizeof head)
        return hald_error_set(err, HALD_E_INPUT, "malformed scan unit message");
    memcpy(head, p, sizeof head);
    p += sizeof head, left -= sizeof head;
    if (get_buf(&p, &left, &u->chrom, err) != 0 || get_buf(&p, &left, &u->bases, err) != 0 ||
        hald_buf_append(&u->chrom, "", 1, err) != HALD_OK)
        return hald_error_set(err, HALD_E_INPUT, "malformed scan unit message");
    u->chrom.len--;
    u->seq = head[0], u->chrom_index = (uint32_t)head[1], u->seq_len = head[2], u->b0 = head[3];
    u->s_lo = head[4], u->s_hi = head[5], u->site_lo = head[6], u->site_hi = head[7];
    return HALD_OK;
}

static int encode_result(scan_unit_t *u, hald_buf_t *m, hald_error_t *err)
{
    if (u->out.len < sizeof(result_head_t)) { /* the work failed before any output */
        int rc = out_begin(u, err);
        if (rc != HALD_OK)
            return rc;
    }
    result_head_t h;
    memset(&h, 0, sizeof h);
    h.seq = u->seq;
    h.code = u->err.code;
    memcpy(h.msg, u->err.msg, sizeof h.msg);
    h.n_sites = u->n_sites;
    h.not_written = u->not_written;
    memcpy(h.na, u->na, sizeof h.na);
    h.payload = u->out.len - sizeof h;
    memcpy(u->out.data, &h, sizeof h);
    hald_buf_t spare = *m;
    *m = u->out;
    u->out = spare;
    u->out.len = 0;
    return HALD_OK;
}

static int decode_result(hald_buf_t *m, scan_unit_t *u, hald_error_t *err)
{
    result_head_t h;
    if (m->len < sizeof h)
        return hald_error_set(err, HALD_E_INPUT, "malformed scan result message");
    memcpy(&h, m->data, sizeof h);
    if (h.seq != u->seq || h.payload != m->len - sizeof h)
        return hald_error_set(err, HALD_E_INPUT, "malformed scan result for unit %llu",
                              (unsigned long long)u->seq);
    memcpy(u->err.msg, h.msg, sizeof u->err.msg);
    u->err.msg[sizeof u->err.msg - 1] = '\0';
    u->err.code = (hald_status_t)h.code;
    u->n_sites = h.n_sites, u->not_written = h.not_written;
    memcpy(u->na, h.na, sizeof u->na);
    hald_buf_t spare = u->out;
    u->out = *m;
    *m = spare;
    m->len = 0;
    return HALD_OK;
}

/* ---------------------------------------------------------------- steps */

static int scan_read(void *ctx, void *slot)
{
    scan_engine_t *e = ctx;
    scan_unit_t *u = slot;
    unit_reset(u);
    for (;;) {
        if (!e->rd.active) {
            int rc = next_sequence(&e->cfg, &e->rd, &e->read_err);
            if (rc <= 0)
                return rc;
        }
        int rc = next_chunk(&e->cfg, &e->rd, u, &e->read_err);
        if (rc < 0)
            return rc;
        if (rc > 0)
            break;
        e->rd.active = 0;
    }
    u->seq = e->next_seq++;
    if (e->tp && e->tp->n_ranks > 1) {
        u->rank = hald_dealer_pick(&e->dealer);
        if (u->rank != 0) {
            int rc = encode_unit(u, &e->msg_out, &e->read_err);
            if (rc == HALD_OK)
                rc = e->tp->send_unit(e->tp->ctx, u->rank, &e->msg_out, &e->read_err);
            if (rc != HALD_OK)
                return rc;
        }
    }
    return 1;
}

static void scan_work(void *ctx, void *slot)
{
    scan_engine_t *e = ctx;
    scan_unit_t *u = slot;
    if (u->rank == 0)
        scan_unit_work(&e->cfg, u);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int scan_write(void *ctx, void *slot)
{
    scan_engine_t *e = ctx;
    scan_unit_t *u = slot;
    if (u->rank != 0) {
        int rc = e->tp->poll_result(e->tp->ctx, u->rank, &e->msg_in, &e->write_err);
        if (rc == 0)
            return HALD_OPIPE_AGAIN;
        if (rc < 0 || decode_result(&e->msg_in, u, &e->write_err) != HALD_OK)
            return e->write_err.code;
        hald_dealer_done(&e->dealer, u->rank);
    }
    if (u->err.code != HALD_OK) {
        if (u->rank != 0)
            return hald_error_set(&e->write_err, u->err.code, "rank %d: %.*s", u->rank,
                                  HALD_ERROR_MSG_MAX - 32, u->err.msg);
        e->write_err = u->err;
        return u->err.code;
    }
    int rc = u->out.len <= sizeof(result_head_t)
                 ? HALD_OK
                 : hald_sink_write(e->sink, u->out.data + sizeof(result_head_t),
                                   u->out.len - sizeof(result_head_t), &e->write_err);
    if (rc != HALD_OK)
        return rc;
    hald_scan_stats_t *st = e->st;
    st->sites += u->n_sites;
    st->not_written += u->not_written;
    for (int m = 0; m < HALD_N_MODELS; m++)
        for (int k = 0; k < HALD_N_NA; k++)
            st->na[m][k] += u->na[m][k];
    const hald_scan_opts_t *o = e->cfg.o;
    double t = now_s();
    if (o->progress_fn && t - e->last >= 1.0) {
        e->last = t;
        st->bytes_in = hald_fasta_bytes_in(e->rd.fasta);
        o->progress_fn(o->progress_ctx, st, t - e->t0, 0);
    }
    return HALD_OK;
}

static void scan_unit_init(void *u)
{
    memset(u, 0, sizeof(scan_unit_t)); /* empty buffers are all zero */
}

static void scan_unit_fini(void *u) { unit_free(u); }
static int scan_decode(const hald_buf_t *m, void *u, hald_error_t *err) { return decode_unit(m, u, err); }
static void scan_process(void *cfg, void *u) { scan_unit_work(cfg, u); }
static int scan_encode_result(void *u, hald_buf_t *m, hald_error_t *err)
{
    return encode_result(u, m, err);
}

static const hald_unit_ops_t SCAN_UNIT_OPS = {sizeof(scan_unit_t), scan_unit_init, scan_unit_fini,
                                              scan_decode, scan_process, scan_encode_result};

int hald_scan_run(const hald_scan_tables_t *t, const char *path, hald_sink_t *out,
                  const hald_scan_opts_t *o, const hald_transport_t *tp, hald_scan_stats_t *st,
                  hald_error_t *err)
{
    scan_engine_t e;
    memset(&e, 0, sizeof e);
    memset(st, 0, sizeof *st);
    e.tp = tp;
    e.sink = out;
    e.st = st;
    e.rd.chrom_index = -1;
    e.t0 = e.last = now_s();
    hald_error_clear(&e.read_err);
    hald_error_clear(&e.write_err);
    e.rd.reader = hald_reader_open(path, err);
    if (!e.rd.reader)
        return err->code;
    e.cfg = (scan_cfg_t){t, o, hald_reader_name(e.rd.reader)};
    int rc = hald_dealer_init(&e.dealer, tp ? tp->n_ranks : 1, SLOTS_PER_RANK, err);
    e.rd.fasta = rc == HALD_OK ? hald_fasta_stream_new(e.rd.reader, err) : NULL;
    if (!e.rd.fasta)
        rc = err->code;
    if (rc == HALD_OK)
        rc = write_header(o, out, err);
    if (rc == HALD_OK) {
        int threads = o->threads > 0 ? o->threads : 1;
        size_t ranks = tp ? (size_t)tp->n_ranks : 1;
        static const hald_opipe_steps_t steps = {scan_read, scan_work, scan_write};
        rc = hald_run_slots(&steps, &e, &SCAN_UNIT_OPS,
                            SLOTS_PER_THREAD * (size_t)threads + SLOTS_PER_RANK * (ranks - 1),
                            threads);
        if (rc != HALD_OK)
            *err = e.write_err.code != HALD_OK ? e.write_err
                   : e.read_err.code != HALD_OK ? e.read_err
                                                : (hald_error_t){rc, "out of memory"};
    }
    st->sequences = e.rd.sequences;
    st->bases = e.rd.bases_total;
    st->bytes_in = hald_reader_bytes_in(e.rd.reader);
    if (rc == HALD_OK && o->progress_fn)
        o->progress_fn(o->progress_ctx, st, now_s() - e.t0, 1);
    if (rc == HALD_OK && tp && tp->n_ranks > 1)
        rc = tp->send_end(tp->ctx, err);
    hald_fasta_stream_free(e.rd.fasta);
    hald_reader_close(e.rd.reader);
    hald_buf_free(&e.rd.name);
    hald_buf_free(&e.rd.buf);
    hald_buf_free(&e.msg_out);
    hald_buf_free(&e.msg_in);
    hald_dealer_free(&e.dealer);
    return rc;
}

/* ---------------------------------------------------------------- serving */

int hald_scan_serve(const hald_scan_tables_t *t, const char *name, const hald_scan_opts_t *o,
                    const hald_transport_t *tp, hald_error_t *err)
{
    scan_cfg_t cfg = {t, o, name};
    return hald_serve(tp, &SCAN_UNIT_OPS, &cfg, o->threads, err);
}
