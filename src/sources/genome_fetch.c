/* A genome FASTA by sequence name: faidx for an indexed plain or bgzip
 * file, checked against the file first; a stream, reopened when a wanted
 * sequence lies behind, for everything else. */
#include "genome_fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/faidx.h>
#include <zlib.h>

#include "hald/fastastream.h"
#include "../io/le.h"
#include "../io/lines.h"

#define NONE UINT64_MAX
/* Bases asked of faidx at a time: a chromosome is read in pieces, so its
 * memory is the sequence plus one piece, not twice the sequence. */
#define PIECE ((uint64_t)4 << 20)
/* Bases asked of the stream at a time. */
#define STREAM_PIECE ((size_t)1 << 20)
/* Far beyond any genome; keeps offset arithmetic from overflowing. */
#define MAX_LEN ((uint64_t)1 << 62)
/* htslib reads .fai lines into a 64 KiB buffer: a longer line it would
 * cut, so hald refuses it first. */
#define FAI_MAX_LINE ((size_t)60000)
/* Bytes before a sequence searched for its header line; a longer header
 * is checked for its newline only. */
#define HEADER_WINDOW ((uint64_t)4096)
/* BGZF: blocks of at most 64 KiB, compressed or not, with an 18-byte head. */
#define BGZF_MAX 65536
#define BGZF_HEAD 18

typedef enum { KIND_PLAIN, KIND_BGZF, KIND_GZIP, KIND_ZSTD } kind_t;

/* ================================================================ names */

/* Names to numbers, open addressing; a slot holds its name's offset + 1
 * in `names` (0: empty).  The first number given a name stays. */
typedef struct name_slot {
    uint64_t at, value;
} name_slot_t;

typedef struct name_table {
    hald_buf_t names;
    name_slot_t *slots;
    size_t cap, n;
} name_table_t;

static uint64_t name_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h ^ (h >> 29);
}

static uint64_t table_find(const name_table_t *t, const char *name, size_t len)
{
    if (t->cap == 0)
        return NONE;
    size_t mask = t->cap - 1;
    for (size_t k = (size_t)name_hash(name, len) & mask; t->slots[k].at; k = (k + 1) & mask) {
        const char *q = t->names.data + t->slots[k].at - 1;
        if (strlen(q) == len && memcmp(q, name, len) == 0)
            return t->slots[k].value;
    }
    return NONE;
}

static void table_put(name_slot_t *slots, size_t cap, const hald_buf_t *names, name_slot_t s)
{
    const char *q = names->data + s.at - 1;
    size_t k = (size_t)name_hash(q, strlen(q)) & (cap - 1);
    while (slots[k].at)
        k = (k + 1) & (cap - 1);
    slots[k] = s;
}

/* Adds name -> value: 1 if the name was there already (kept), 0 if added,
 * negative on error. */
static int table_add(name_table_t *t, const char *name, size_t len, uint64_t value,
                     hald_error_t *err)
{
    if (table_find(t, name, len) != NONE)
        return 1;
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        name_slot_t *s = calloc(cap, sizeof *s);
        if (!s)
            return hald_error_set(err, HALD_E_NOMEM, "out of memory (sequence names)");
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].at)
                table_put(s, cap, &t->names, t->slots[i]);
        free(t->slots);
        t->slots = s;
        t->cap = cap;
    }
    name_slot_t slot = {t->names.len + 1, value};
    if (hald_buf_append(&t->names, name, len, err) != HALD_OK ||
        hald_buf_append(&t->names, "", 1, err) != HALD_OK)
        return err->code;
    table_put(t->slots, t->cap, &t->names, slot);
    t->n++;
    return 0;
}

static void table_free(name_table_t *t)
{
    hald_buf_free(&t->names);
    free(t->slots);
}

/* ================================================================ state */

typedef struct fai_entry {
    uint64_t name;                 /* offset into the index table's names */
    uint64_t len, offset, end;     /* end: the byte after the last base */
    uint64_t line_bases, line_width;
    int checked;                   /* header and end found where the .fai says */
} fai_entry_t;

typedef struct gzi_entry {
    uint64_t caddr, uaddr;         /* a block's offset in the file and in the text */
} gzi_entry_t;

struct hald_genome_fetch {
    const hald_genome_t *genome;   /* held in memory: every read is a copy from it */
    char *path;                    /* NULL over a reader handed in */
    char *name;                    /* for messages: the path, or "stdin" */
    uint64_t size;                 /* of a regular file, else 0 */
    uint64_t bytes_in;             /* atomic copy, for progress */
    int indexed;
    char why[768];                 /* not indexed: why, and how to index */

    /* indexed */
    kind_t kind;
    int fd;
    faidx_t *fai;
    name_table_t fai_names;        /* name -> entry */
    fai_entry_t *ent;
    size_t n_ent, cap_ent;
    gzi_entry_t *gzi;              /* bgzip: {0, 0}, then the .gzi's entries */
    size_t n_gzi;
    uint64_t usize;                /* bytes of FASTA text (uncompressed) */
    uint64_t read_bytes;           /* file bytes read through the index */
    unsigned char *cblk, *ublk;    /* one compressed block, and its text */
    uint64_t ublk_at;              /* where the block in ublk starts in the file */
    size_t ublk_len;
    int ublk_valid;
    z_stream zs;
    int zs_ready;
    hald_buf_t raw;                /* bytes read for the checks */

    /* sequential */
    hald_reader_t *reader;
    int owns_reader, reopenable;
    hald_fasta_stream_t *fasta;
    name_table_t seen;             /* name -> number of its first sequence */
    hald_buf_t cur_name;
    uint64_t cur;                  /* the sequence the stream is in; NONE before the first */
    int unread;                    /* cur's bases are all still to come */
    int at_eof, seen_all;          /* this pass, some pass, reached the end */
    uint64_t pass_bytes;           /* input bytes of earlier passes */
};

static void note_progress(hald_genome_fetch_t *g)
{
    uint64_t v = g->indexed ? g->read_bytes : g->pass_bytes + hald_reader_bytes_in(g->reader);
    __atomic_store_n(&g->bytes_in, v, __ATOMIC_RELAXED);
}

/* How to index this file, for messages. */
static const char *how_to_index(const hald_genome_fetch_t *g, char *buf, size_t cap)
{
    if (g->kind == KIND_BGZF)
        snprintf(buf, cap, "`samtools faidx %s` (it writes %s.gzi too; or `bgzip -r %s` for the .gzi alone)",
                 g->name, g->name, g->name);
    else
        snprintf(buf, cap, "`samtools faidx %s`", g->name);
    return buf;
}

static int stale_fai(const hald_genome_fetch_t *g, const char *seq, const char *what,
                     hald_error_t *err)
{
    char how[512];
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: sequence %s: %s: %s.fai is stale or belongs to another file; "
                          "index the FASTA again: %s",
                          g->name, seq, what, g->name, how_to_index(g, how, sizeof how));
}

static int stale_gzi(const hald_genome_fetch_t *g, uint64_t caddr, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: %s.gzi does not match the file (at byte %llu): it is stale or "
                          "belongs to another file; make it again with `bgzip -r %s`",
                          g->name, g->name, (unsigned long long)caddr, g->name);
}

/* ================================================================ raw bytes */

/* Reads n bytes at off of the file: the number read (short at its end),
 * or negative. */
static ssize_t pread_full(hald_genome_fetch_t *g, void *buf, size_t n, uint64_t off,
                          hald_error_t *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(g->fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: reading byte %llu", g->name,
                                        (unsigned long long)(off + got));
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

static int is_bgzf_head(const unsigned char *h)
{
    return h[0] == 0x1f && h[1] == 0x8b && h[2] == 8 && (h[3] & 4) && hald_get_le16(h + 10) == 6 &&
           h[12] == 'B' && h[13] == 'C' && hald_get_le16(h + 14) == 2;
}

/* The BGZF block at caddr: its size in the file and the bytes of text it
 * holds, read from its head and tail alone. */
static int block_info(hald_genome_fetch_t *g, uint64_t caddr, uint64_t *bsize, uint64_t *isize,
                      hald_error_t *err)
{
    unsigned char h[BGZF_HEAD], t[4];
    ssize_t n = caddr < g->size ? pread_full(g, h, sizeof h, caddr, err) : 0;
    if (n < 0)
        return (int)n;
    if (n != (ssize_t)sizeof h || !is_bgzf_head(h))
        return stale_gzi(g, caddr, err);
    *bsize = (uint64_t)hald_get_le16(h + 16) + 1;
    if (*bsize < BGZF_HEAD + 8 || caddr + *bsize > g->size)
        return stale_gzi(g, caddr, err);
    if ((n = pread_full(g, t, sizeof t, caddr + *bsize - 4, err)) < 0)
        return (int)n;
    *isize = hald_get_le32(t);
    if (n != (ssize_t)sizeof t || *isize > BGZF_MAX)
        return stale_gzi(g, caddr, err);
    return HALD_OK;
}

/* The last .gzi block starting at or before text offset off (as
 * bgzf_useek picks it). */
static size_t block_index(const hald_genome_fetch_t *g, uint64_t off)
{
    size_t lo = 0, hi = g->n_gzi; /* gzi[lo].uaddr <= off < gzi[hi].uaddr */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->gzi[mid].uaddr <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Checks that the block htslib will seek to for text offset off is the
 * one the .gzi says and holds off: bgzf_useek asserts it, so a stale .gzi
 * would abort the program inside htslib. */
static int check_seek(hald_genome_fetch_t *g, uint64_t off, hald_error_t *err)
{
    size_t i = block_index(g, off);
    const gzi_entry_t *b = &g->gzi[i];
    uint64_t bsize, isize;
    int rc = block_info(g, b->caddr, &bsize, &isize, err);
    if (rc != HALD_OK)
        return rc;
    if (off - b->uaddr > isize ||
        (i + 1 < g->n_gzi && (b[1].caddr != b->caddr + bsize || b[1].uaddr != b->uaddr + isize)))
        return stale_gzi(g, b->caddr, err);
    return HALD_OK;
}

/* Decompresses the block at caddr into ublk (kept for the next call). */
static int load_block(hald_genome_fetch_t *g, uint64_t caddr, uint64_t *bsize, hald_error_t *err)
{
    uint64_t isize;
    int rc = block_info(g, caddr, bsize, &isize, err);
    if (rc != HALD_OK || (g->ublk_valid && g->ublk_at == caddr))
        return rc;
    ssize_t n = pread_full(g, g->cblk, (size_t)*bsize, caddr, err);
    if (n < 0)
        return (int)n;
    g->ublk_valid = 0;
    if (inflateReset(&g->zs) != Z_OK)
        return hald_error_set(err, HALD_E_NOMEM, "%s: zlib: out of memory", g->name);
    g->zs.next_in = g->cblk;
    g->zs.avail_in = (uInt)n;
    g->zs.next_out = g->ublk;
    g->zs.avail_out = BGZF_MAX;
    int zr = inflate(&g->zs, Z_FINISH);
    size_t out = BGZF_MAX - g->zs.avail_out;
    if (zr != Z_STREAM_END || out != isize)
        return hald_error_set(err, HALD_E_INPUT, "%s: the BGZF block at byte %llu is corrupt",
                              g->name, (unsigned long long)caddr);
    g->ublk_at = caddr;
    g->ublk_len = out;
    g->ublk_valid = 1;
    return HALD_OK;
}

/* Appends up to n bytes of FASTA text at off to out (fewer at the end of
 * the text): bgzip blocks are found through the .gzi and checked. */
static int raw_read(hald_genome_fetch_t *g, uint64_t off, size_t n, hald_buf_t *out,
                    hald_error_t *err)
{
    if (off >= g->usize)
        return HALD_OK;
    if (n > g->usize - off)
        n = (size_t)(g->usize - off);
    char *dst = hald_buf_reserve(out, n, err);
    if (!dst)
        return err->code;
    if (g->kind != KIND_BGZF) {
        ssize_t k = pread_full(g, dst, n, off, err);
        if (k < 0)
            return (int)k;
        out->len += (size_t)k;
        return HALD_OK;
    }
    int rc = check_seek(g, off, err);
    if (rc != HALD_OK)
        return rc;
    size_t i = block_index(g, off);
    uint64_t caddr = g->gzi[i].caddr, uaddr = g->gzi[i].uaddr, bsize;
    while (n > 0 && caddr < g->size) {
        if ((rc = load_block(g, caddr, &bsize, err)) != HALD_OK)
            return rc;
        if (off < uaddr + g->ublk_len) {
            size_t from = (size_t)(off - uaddr), k = g->ublk_len - from;
            if (k > n)
                k = n;
            memcpy(out->data + out->len, g->ublk + from, k);
            out->len += k;
            off += k;
            n -= k;
        }
        caddr += bsize;
        uaddr += g->ublk_len;
    }
    return HALD_OK;
}

/* ================================================================ the index */

/* Reads PATH.gzi, then walks the blocks after its last entry to the end
 * of the file: that both checks the tail of the .gzi and gives the size
 * of the text. */
static int load_gzi(hald_genome_fetch_t *g, const char *path, hald_error_t *err)
{
    int rc = HALD_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
    unsigned char w[16];
    uint64_t n = 0;
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
    else if (fread(w, 1, 8, f) != 8 || (n = hald_get_le64(w)) > ((uint64_t)st.st_size - 8) / 16 ||
             8 + 16 * n != (uint64_t)st.st_size)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: not a .gzi index (its size does not fit its count): "
                            "make it again with `bgzip -r %s`", path, g->name);
    else if (!(g->gzi = malloc((size_t)(n + 1) * sizeof *g->gzi)))
        rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
    if (rc == HALD_OK) {
        g->gzi[0].caddr = g->gzi[0].uaddr = 0;
        g->n_gzi = 1;
    }
    for (uint64_t i = 0; rc == HALD_OK && i < n; i++) {
        if (fread(w, 1, 16, f) != 16) {
            rc = hald_error_set(err, HALD_E_INPUT, "%s: truncated: entry %llu of %llu missing",
                                path, (unsigned long long)i + 1, (unsigned long long)n);
            break;
        }
        gzi_entry_t e = {hald_get_le64(w), hald_get_le64(w + 8)};
        const gzi_entry_t *prev = &g->gzi[g->n_gzi - 1];
        if (e.caddr <= prev->caddr || e.uaddr < prev->uaddr || e.caddr >= g->size)
            rc = stale_gzi(g, e.caddr, err);
        else
            g->gzi[g->n_gzi++] = e;
    }
    if (fclose(f) != 0 && rc == HALD_OK)
        rc = hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
    uint64_t caddr = rc == HALD_OK ? g->gzi[g->n_gzi - 1].caddr : g->size;
    uint64_t uaddr = rc == HALD_OK ? g->gzi[g->n_gzi - 1].uaddr : 0;
    while (rc == HALD_OK && caddr < g->size) {
        uint64_t bsize, isize;
        rc = block_info(g, caddr, &bsize, &isize, err);
        caddr += bsize;
        uaddr += isize;
    }
    g->usize = uaddr;
    return rc;
}

/* A whole decimal field: 1 when it is one. */
static int field_u64(const char *p, size_t n, uint64_t *v)
{
    *v = 0;
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        *v = *v * 10 + (uint64_t)(p[i] - '0');
    }
    return 1;
}

/* One .fai line: NAME LENGTH OFFSET LINEBASES LINEWIDTH, tab-separated. */
static int fai_line(hald_genome_fetch_t *g, const hald_lines_t *in, const char *line, size_t n,
                    hald_error_t *err)
{
    const char *f[6];
    size_t len[6], k = 0;
    for (size_t i = 0, start = 0; i <= n && k < 6; i++)
        if (i == n || line[i] == '\t') {
            f[k] = line + start;
            len[k++] = i - start;
            start = i + 1;
        }
    fai_entry_t e = {0};
    uint64_t v[4];
    int ok = k == 5 && len[0] > 0;
    for (size_t i = 0; ok && i < len[0]; i++)
        ok = !isspace((unsigned char)f[0][i]) && f[0][i] != '\0';
    for (int i = 0; ok && i < 4; i++)
        ok = field_u64(f[i + 1], len[i + 1], &v[i]);
    if (!ok)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: not a FASTA index line "
                              "(NAME, LENGTH, OFFSET, LINEBASES, LINEWIDTH separated by tabs)%s",
                              in->name, (unsigned long long)in->lineno,
                              k == 6 ? ": a FASTQ index?" : "");
    e.len = v[0];
    e.offset = v[1];
    e.line_bases = v[2];
    e.line_width = v[3];
    e.end = e.offset;
    char seq[128];
    snprintf(seq, sizeof seq, "%.*s", (int)(len[0] < 100 ? len[0] : 100), f[0]);
    if (e.len > MAX_LEN || e.line_width > UINT32_MAX || e.line_bases > e.line_width ||
        (e.len > 0 && e.line_bases == 0) || e.offset == 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: impossible numbers for sequence %s",
                              in->name, (unsigned long long)in->lineno, seq);
    if (e.len > 0) {
        uint64_t last = e.len - 1, lines;
        if (__builtin_mul_overflow(last / e.line_bases, e.line_width, &lines) ||
            __builtin_add_overflow(e.offset, lines + last % e.line_bases + 1, &e.end))
            e.end = UINT64_MAX;
    }
    if (e.end > g->usize) {
        char what[160];
        snprintf(what, sizeof what, "the index puts its end at byte %llu, past the end of the text (%llu bytes)",
                 (unsigned long long)e.end, (unsigned long long)g->usize);
        return stale_fai(g, seq, what, err);
    }
    e.name = g->fai_names.names.len;
    int rc = table_add(&g->fai_names, f[0], len[0], g->n_ent, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return hald_error_set(err, HALD_E_INPUT, "%s: line %llu: sequence %s is listed twice",
                              in->name, (unsigned long long)in->lineno, seq);
    if (g->n_ent == g->cap_ent) {
        size_t cap = g->cap_ent ? 2 * g->cap_ent : 64;
        fai_entry_t *t = realloc(g->ent, cap * sizeof *t);
        if (!t)
            return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", in->name);
        g->ent = t;
        g->cap_ent = cap;
    }
    g->ent[g->n_ent++] = e;
    return HALD_OK;
}

/* Reads PATH.fai ourselves, so that htslib is only ever given an index
 * it reads without complaint, and so that lengths are 64-bit. */
static int load_fai(hald_genome_fetch_t *g, const char *path, hald_error_t *err)
{
    hald_lines_t in;
    int rc = hald_lines_open(&in, path, FAI_MAX_LINE, "a FASTA index", err);
    if (rc != HALD_OK)
        return rc;
    const char *line;
    size_t n;
    while ((rc = hald_lines_next(&in, &line, &n, err)) > 0)
        if (n > 0 && (rc = fai_line(g, &in, line, n, err)) != HALD_OK)
            break;
    hald_lines_close(&in);
    return rc < 0 ? rc : HALD_OK;
}

/* Loads PATH.fai (and PATH.gzi for bgzip), checks them, then faidx. */
static int open_index(hald_genome_fetch_t *g, const char *fai, const char *gzi, hald_error_t *err)
{
    int rc = HALD_OK;
    g->usize = g->size;
    if (g->kind == KIND_BGZF) {
        g->cblk = malloc(BGZF_MAX);
        g->ublk = malloc(BGZF_MAX);
        if (!g->cblk || !g->ublk)
            return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", g->name);
        if (inflateInit2(&g->zs, 15 + 16) != Z_OK) /* gzip framing: each block is a member */
            return hald_error_set(err, HALD_E_NOMEM, "%s: zlib: out of memory", g->name);
        g->zs_ready = 1;
        rc = load_gzi(g, gzi, err);
    }
    if (rc == HALD_OK)
        rc = load_fai(g, fai, err);
    if (rc != HALD_OK)
        return rc;
    /* flags 0: never FAI_CREATE, so nothing is written beside the input. */
    g->fai = fai_load3(g->path, fai, g->kind == KIND_BGZF ? gzi : NULL, 0);
    if (!g->fai)
        return hald_error_set(err, HALD_E_INPUT, "%s: htslib could not load the index %s", g->name, fai);
    if (faidx_nseq(g->fai) < 0 || (size_t)faidx_nseq(g->fai) != g->n_ent)
        return hald_error_set(err, HALD_E_INPUT, "%s: htslib reads %d sequences in %s, hald %zu",
                              g->name, faidx_nseq(g->fai), fai, g->n_ent);
    g->indexed = 1;
    return HALD_OK;
}

/* The first bytes tell the compression (as hald_reader does), and
 * whether gzip is BGZF. */
static int detect_kind(hald_genome_fetch_t *g, hald_error_t *err)
{
    unsigned char h[BGZF_HEAD] = {0};
    ssize_t n = pread_full(g, h, sizeof h, 0, err);
    if (n < 0)
        return (int)n;
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        g->kind = KIND_ZSTD;
    else if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
        g->kind = n == BGZF_HEAD && is_bgzf_head(h) ? KIND_BGZF : KIND_GZIP;
    else
        g->kind = KIND_PLAIN;
    return HALD_OK;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Decides between the index and the stream; fills why when it is the
 * stream.  1: indexed, 0: not, negative on error. */
static int choose(hald_genome_fetch_t *g, const char *fai, const char *gzi, hald_error_t *err)
{
    int rc = detect_kind(g, err);
    if (rc != HALD_OK)
        return rc;
    const char *p = g->name;
    switch (g->kind) {
    case KIND_GZIP:
        snprintf(g->why, sizeof g->why, "%s is gzip but not bgzip, which cannot be read at random: "
                 "recompress it (`zcat %s | bgzip -i > NEW.fa.gz`) and index that (`samtools faidx NEW.fa.gz`)",
                 p, p);
        return 0;
    case KIND_ZSTD:
        snprintf(g->why, sizeof g->why, "%s is zstd, which cannot be read at random: "
                 "recompress it (`zstd -dc %s | bgzip -i > NEW.fa.gz`) and index that (`samtools faidx NEW.fa.gz`)",
                 p, p);
        return 0;
    default:
        break;
    }
    char how[512];
    if (!is_file(fai)) {
        snprintf(g->why, sizeof g->why, "%s has no index %s: make it with %s", p, fai,
                 how_to_index(g, how, sizeof how));
        return 0;
    }
    if (g->kind == KIND_BGZF && !is_file(gzi)) {
        snprintf(g->why, sizeof g->why, "%s is bgzip and has %s but no %s: make it with `bgzip -r %s`",
                 p, fai, gzi, p);
        return 0;
    }
    return 1;
}

/* ================================================================ the stream */

static int stream_start(hald_genome_fetch_t *g, hald_error_t *err)
{
    g->fasta = hald_fasta_stream_new(g->reader, err);
    if (!g->fasta)
        return err->code;
    g->cur = NONE;
    g->unread = g->at_eof = 0;
    return HALD_OK;
}

static int stream_reopen(hald_genome_fetch_t *g, hald_error_t *err)
{
    g->pass_bytes += hald_reader_bytes_in(g->reader);
    hald_fasta_stream_free(g->fasta);
    g->fasta = NULL;
    hald_reader_close(g->reader);
    g->reader = hald_reader_open(g->path, err);
    return g->reader ? stream_start(g, err) : err->code;
}

/* Moves to the next sequence: 1, 0 at the end of the file. */
static int stream_advance(hald_genome_fetch_t *g, hald_error_t *err)
{
    int rc = hald_fasta_next_seq(g->fasta, &g->cur_name, err);
    if (rc <= 0) {
        if (rc == 0)
            g->at_eof = g->seen_all = 1;
        g->unread = 0;
        return rc;
    }
    g->cur = g->cur == NONE ? 0 : g->cur + 1;
    g->unread = 1;
    rc = table_add(&g->seen, g->cur_name.data, g->cur_name.len, g->cur, err);
    return rc < 0 ? rc : 1;
}

static int passed_error(const hald_genome_fetch_t *g, const char *name, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_USAGE,
                          "%s: sequence %s comes before the current one (%s) and %s cannot be read "
                          "again: sequences are asked for in another order than the FASTA's (the "
                          "VCF's chromosome order differs from the FASTA's); give the FASTA as a "
                          "file with an index (`samtools faidx`, or `bgzip -i` and `samtools faidx`)",
                          g->name, name, g->cur == NONE ? "none" : g->cur_name.data, g->name);
}

static int stream_seq(hald_genome_fetch_t *g, const char *name, hald_buf_t *seq, hald_error_t *err)
{
    size_t len = strlen(name);
    uint64_t want = table_find(&g->seen, name, len);
    if (want == NONE && g->seen_all)
        return 0; /* every name of the file has been met */
    int ahead = g->cur != NONE && !g->at_eof && (want > g->cur || (want == g->cur && g->unread));
    if (want != NONE && !ahead) {
        if (!g->reopenable)
            return passed_error(g, name, err);
        int rc = stream_reopen(g, err);
        if (rc != HALD_OK)
            return rc;
    }
    while (!(g->cur != NONE && g->unread && g->cur == want)) {
        int rc = stream_advance(g, err);
        if (rc < 0)
            return rc;
        if (rc == 0 && want != NONE)
            return hald_error_set(err, HALD_E_INPUT, "%s: sequence %s was there before and is not now: "
                                  "did the file change while hald read it?", g->name, name);
        if (rc == 0)
            return 0;
        if (want == NONE && g->cur_name.len == len && memcmp(g->cur_name.data, name, len) == 0)
            want = g->cur;
    }
    seq->len = 0;
    ssize_t n;
    while ((n = hald_fasta_read_bases(g->fasta, seq, STREAM_PIECE, err)) > 0)
        note_progress(g);
    if (n < 0)
        return (int)n;
    g->unread = 0;
    note_progress(g);
    return 1;
}

/* ================================================================ reading through the index */

static fai_entry_t *find_entry(const hald_genome_fetch_t *g, const char *name)
{
    uint64_t i = table_find(&g->fai_names, name, strlen(name));
    return i == NONE || !faidx_has_seq(g->fai, name) ? NULL : &g->ent[i];
}

static uint64_t base_offset(const fai_entry_t *e, uint64_t p)
{
    return e->offset + p / e->line_bases * e->line_width + p % e->line_bases;
}

/* The file position of text offset off: compressed for bgzip (the block
 * it is in), for progress. */
static uint64_t file_pos(const hald_genome_fetch_t *g, uint64_t off)
{
    return g->kind == KIND_BGZF ? g->gzi[block_index(g, off)].caddr : off;
}

/* Checks, once per sequence, that its header line ends where the .fai
 * puts the first base and names it, and that its last base is followed by
 * a line end (or the end of the file). */
static int check_entry(hald_genome_fetch_t *g, fai_entry_t *e, const char *name, hald_error_t *err)
{
    if (e->checked)
        return HALD_OK;
    uint64_t from = e->offset > HEADER_WINDOW ? e->offset - HEADER_WINDOW : 0;
    g->raw.len = 0;
    int rc = raw_read(g, from, (size_t)(e->offset - from), &g->raw, err);
    if (rc != HALD_OK)
        return rc;
    const char *w = g->raw.data;
    size_t n = g->raw.len, nl = strlen(name);
    if (n != e->offset - from || w[n - 1] != '\n')
        return stale_fai(g, name, "no line end just before its first base", err);
    size_t k = n - 1;
    while (k > 0 && w[k - 1] != '\n')
        k--;
    if (k > 0 || from == 0) { /* the whole header line is in the window */
        const char *h = w + k;
        size_t hl = n - 1 - k;
        if (hl < 1 + nl || h[0] != '>' || memcmp(h + 1, name, nl) != 0 ||
            (hl > 1 + nl && !isspace((unsigned char)h[1 + nl])))
            return stale_fai(g, name, "the line before its first base is not its header", err);
    }
    if (e->end < g->usize) {
        g->raw.len = 0;
        if ((rc = raw_read(g, e->end, 1, &g->raw, err)) != HALD_OK)
            return rc;
        char c = g->raw.len ? g->raw.data[0] : '?';
        int ok = c == '\n' || c == '\r' || (e->len == 0 && c == '>');
        if (!ok)
            return stale_fai(g, name, "its last base is not at the end of a line", err);
    }
    e->checked = 1;
    return HALD_OK;
}

/* Bases [beg, end) of entry e (beg < end <= e->len) into seq, in pieces
 * through faidx. */
static int index_read(hald_genome_fetch_t *g, fai_entry_t *e, const char *name, uint64_t beg,
                      uint64_t end, hald_buf_t *seq, hald_error_t *err)
{
    int rc = check_entry(g, e, name, err);
    if (rc != HALD_OK)
        return rc;
    seq->len = 0;
    if (end - beg > SIZE_MAX / 2 || !hald_buf_reserve(seq, (size_t)(end - beg), err))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory for %llu bases of %s", g->name,
                              (unsigned long long)(end - beg), name);
    for (uint64_t p = beg; p < end;) {
        uint64_t q = end - p > PIECE ? p + PIECE : end;
        if (g->kind == KIND_BGZF && (rc = check_seek(g, base_offset(e, p), err)) != HALD_OK)
            return rc;
        hts_pos_t n = 0;
        char *s = faidx_fetch_seq64(g->fai, name, (hts_pos_t)p, (hts_pos_t)q - 1, &n);
        if (!s)
            return hald_error_set(err, HALD_E_IO, "%s: reading %s:%llu-%llu failed (htslib faidx)",
                                  g->name, name, (unsigned long long)p + 1, (unsigned long long)q);
        /* '>' among the bases: the lines are not as long as the .fai says. */
        int bad = n != (hts_pos_t)(q - p) || memchr(s, '>', (size_t)n) != NULL;
        if (!bad) {
            memcpy(seq->data + seq->len, s, (size_t)n);
            seq->len += (size_t)n;
        }
        free(s);
        if (bad)
            return stale_fai(g, name, "its lines are not as the index says", err);
        g->read_bytes += file_pos(g, base_offset(e, q - 1) + 1) - file_pos(g, base_offset(e, p));
        note_progress(g);
        p = q;
    }
    return HALD_OK;
}

static int not_indexed(const hald_genome_fetch_t *g, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_USAGE, "%s", g->why);
}

/* ================================================================ API */

static hald_genome_fetch_t *fetch_new(const char *name, hald_error_t *err)
{
    hald_genome_fetch_t *g = calloc(1, sizeof *g);
    if (g && !(g->name = strdup(name))) {
        free(g);
        g = NULL;
    }
    if (!g) {
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    g->fd = -1;
    g->cur = NONE;
    return g;
}

static int open_path(hald_genome_fetch_t *g, const char *path, hald_error_t *err)
{
    if (strcmp(path, "-") == 0) {
        snprintf(g->why, sizeof g->why, "stdin cannot be read at random: give the FASTA as a file "
                 "with an index (`samtools faidx`, or `bgzip -i` and `samtools faidx`)");
        g->owns_reader = 1;
        g->reader = hald_reader_open("-", err);
        return g->reader ? stream_start(g, err) : err->code;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
    if (!(g->path = strdup(path)))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
    g->owns_reader = 1;
    if (!S_ISREG(st.st_mode)) { /* a pipe: read once, like stdin */
        snprintf(g->why, sizeof g->why, "%s is not a regular file and cannot be read at random: give "
                 "the FASTA as a file with an index (`samtools faidx`, or `bgzip -i` and `samtools faidx`)",
                 path);
        g->reader = hald_reader_open(path, err);
        return g->reader ? stream_start(g, err) : err->code;
    }
    g->size = (uint64_t)st.st_size;
    do
        g->fd = open(path, O_RDONLY | O_CLOEXEC);
    while (g->fd < 0 && errno == EINTR);
    if (g->fd < 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s", path);
    size_t n = strlen(path) + 5;
    char *fai = malloc(n), *gzi = malloc(n);
    int rc = fai && gzi ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
    if (rc == HALD_OK) {
        snprintf(fai, n, "%s.fai", path);
        snprintf(gzi, n, "%s.gzi", path);
        rc = choose(g, fai, gzi, err);
    }
    if (rc == 1)
        rc = open_index(g, fai, gzi, err);
    free(fai);
    free(gzi);
    if (rc < 0 || g->indexed)
        return rc;
    close(g->fd); /* the stream reads through its own descriptor */
    g->fd = -1;
    g->reopenable = 1;
    g->reader = hald_reader_open(path, err);
    return g->reader ? stream_start(g, err) : err->code;
}

hald_genome_fetch_t *hald_genome_fetch_open(const char *path, hald_error_t *err)
{
    if (!path) {
        hald_error_set(err, HALD_E_USAGE, "no FASTA path");
        return NULL;
    }
    hald_genome_fetch_t *g = fetch_new(strcmp(path, "-") == 0 ? "stdin" : path, err);
    if (g && open_path(g, path, err) != HALD_OK) {
        hald_genome_fetch_close(g);
        return NULL;
    }
    return g;
}

hald_genome_fetch_t *hald_genome_fetch_open_reader(hald_reader_t *r, hald_error_t *err)
{
    hald_genome_fetch_t *g = fetch_new(hald_reader_name(r), err);
    if (!g)
        return NULL;
    snprintf(g->why, sizeof g->why, "%s is a stream and cannot be read at random: give the FASTA "
             "as a file with an index (`samtools faidx`, or `bgzip -i` and `samtools faidx`)", g->name);
    g->reader = r;
    g->size = hald_reader_size(r);
    if (stream_start(g, err) != HALD_OK) {
        hald_genome_fetch_close(g);
        return NULL;
    }
    return g;
}

hald_genome_fetch_t *hald_genome_fetch_open_genome(const hald_genome_t *genome, hald_error_t *err)
{
    hald_genome_fetch_t *g = fetch_new(hald_genome_path(genome), err);
    if (g) {
        g->genome = genome;
        g->indexed = 1;
    }
    return g;
}

/* A sequence of the genome in memory: [beg, end) of it into seq. */
static int genome_range(hald_genome_fetch_t *g, const char *name, uint64_t beg, uint64_t end,
                        hald_buf_t *seq, uint64_t *seq_len, hald_error_t *err)
{
    const char *bases;
    uint64_t len;
    if (!hald_genome_get(g->genome, name, &bases, &len, NULL))
        return 0;
    *seq_len = len;
    if (end > len)
        end = len;
    seq->len = 0;
    if (beg < end && hald_buf_append(seq, bases + beg, (size_t)(end - beg), err) != HALD_OK)
        return err->code;
    return 1;
}

void hald_genome_fetch_close(hald_genome_fetch_t *g)
{
    if (!g)
        return;
    if (g->fai)
        fai_destroy(g->fai);
    if (g->fd >= 0)
        close(g->fd);
    if (g->zs_ready)
        inflateEnd(&g->zs);
    free(g->cblk);
    free(g->ublk);
    free(g->gzi);
    free(g->ent);
    table_free(&g->fai_names);
    hald_buf_free(&g->raw);
    hald_fasta_stream_free(g->fasta);
    if (g->owns_reader)
        hald_reader_close(g->reader);
    table_free(&g->seen);
    hald_buf_free(&g->cur_name);
    free(g->path);
    free(g->name);
    free(g);
}

int hald_genome_fetch_indexed(const hald_genome_fetch_t *g) { return g->indexed; }
const char *hald_genome_fetch_name(const hald_genome_fetch_t *g) { return g->name; }
uint64_t hald_genome_fetch_bytes_in(const hald_genome_fetch_t *g) { return __atomic_load_n(&g->bytes_in, __ATOMIC_RELAXED); }
uint64_t hald_genome_fetch_bytes_total(const hald_genome_fetch_t *g) { return g->size; }

int hald_genome_fetch_seq(hald_genome_fetch_t *g, const char *name, hald_buf_t *seq,
                          hald_error_t *err)
{
    uint64_t len;
    if (g->genome)
        return genome_range(g, name, 0, UINT64_MAX, seq, &len, err);
    if (!g->indexed)
        return stream_seq(g, name, seq, err);
    fai_entry_t *e = find_entry(g, name);
    if (!e)
        return 0;
    seq->len = 0;
    int rc = e->len ? index_read(g, e, name, 0, e->len, seq, err) : check_entry(g, e, name, err);
    return rc == HALD_OK ? 1 : rc;
}

int hald_genome_fetch_length(const hald_genome_fetch_t *g, const char *name, uint64_t *len,
                             uint64_t *index, hald_error_t *err)
{
    if (g->genome) {
        const char *bases;
        return hald_genome_get(g->genome, name, &bases, len, index);
    }
    if (!g->indexed)
        return not_indexed(g, err);
    const fai_entry_t *e = find_entry(g, name);
    if (!e)
        return 0;
    *len = e->len;
    if (index)
        *index = (uint64_t)(e - g->ent);
    return 1;
}

int hald_genome_fetch_range(hald_genome_fetch_t *g, const char *name, uint64_t beg,
                            uint64_t end, hald_buf_t *seq, uint64_t *seq_len, hald_error_t *err)
{
    if (g->genome)
        return genome_range(g, name, beg, end, seq, seq_len, err);
    if (!g->indexed)
        return not_indexed(g, err);
    fai_entry_t *e = find_entry(g, name);
    if (!e)
        return 0;
    *seq_len = e->len;
    if (end > e->len)
        end = e->len;
    seq->len = 0;
    if (beg >= end)
        return 1;
    int rc = index_read(g, e, name, beg, end, seq, err);
    return rc == HALD_OK ? 1 : rc;
}
