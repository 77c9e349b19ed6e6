/* Reading a packed file's index, which trusts nothing: every size is
 * cross-checked between the hald index, the seek table, the file size and
 * the zstd frame headers, and the index carries a CRC-32 so that flipped
 * counts are caught too.  Then --shard: record-balanced runs of frames. */
#include "hald/pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "packed_format.h"
#include "packed_genome.h"
#include "../io/le.h"

/* ---------------------------------------------------------------- reading */

/* The packed file: a memory image or a descriptor read with pread. */
typedef struct src {
    const unsigned char *mem;
    int fd;
    uint64_t size;
    const char *name;
} src_t;

static int corrupt(const src_t *s, hald_error_t *err, const char *what)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: corrupt packed index: %s", s->name, what);
}

static int src_read(const src_t *s, uint64_t off, void *buf, size_t n, hald_error_t *err)
{
    if (off > s->size || n > s->size - off)
        return corrupt(s, err, "a size points past the end of the file");
    if (s->mem) {
        memcpy(buf, s->mem + off, n);
        return HALD_OK;
    }
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(s->fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read", s->name);
        if (r == 0)
            return hald_error_set(err, HALD_E_IO, "%s: file shrank while its index was read",
                                  s->name);
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return HALD_OK;
}

/* Where the parts are, from the seek table footer inward. */
typedef struct layout {
    uint64_t n;         /* frames per the seek table */
    uint64_t seek_off;  /* the seek table's skippable frame */
    uint64_t idx_off;   /* the hald index's skippable frame */
    uint64_t idx_len;   /* its payload: IDX_HEAD + n * IDX_ENTRY + IDX_CRC */
    unsigned desc;      /* the seek table descriptor byte */
} layout_t;

/* Returns 0 with the seek table placed, 1 if the file has no seekable
 * footer, or a negative status for a broken seek table. */
static int find_seek_table(const src_t *s, layout_t *l, hald_error_t *err)
{
    unsigned char f[SEEK_FOOTER], h[SKIP_HEAD];
    if (s->size < SKIP_HEAD + SEEK_FOOTER)
        return 1;
    int rc = src_read(s, s->size - SEEK_FOOTER, f, sizeof f, err);
    if (rc < 0)
        return rc;
    if (hald_get_le32(f + 5) != SEEK_MAGIC)
        return 1;
    if (f[4] & 0x7C)
        return corrupt(s, err, "seek table descriptor has reserved bits set");
    if (f[4] & 0x80)
        return 1; /* checksummed entries: a third-party seekable file, never ours */
    l->desc = f[4];
    l->n = hald_get_le32(f);
    uint64_t table = SKIP_HEAD + l->n * SEEK_ENTRY + SEEK_FOOTER;
    if (table > s->size)
        return corrupt(s, err, "seek table is larger than the file");
    l->seek_off = s->size - table;
    if ((rc = src_read(s, l->seek_off, h, sizeof h, err)) < 0)
        return rc;
    if (hald_get_le32(h) != SKIP_SEEK || (uint64_t)hald_get_le32(h + 4) + SKIP_HEAD != table)
        return corrupt(s, err, "seek table frame header does not match its footer");
    return 0;
}

/* Returns 0 with the hald index placed right before the seek table, or 1
 * if none is there (a seekable file from another tool). */
static int find_index(const src_t *s, layout_t *l, hald_error_t *err)
{
    unsigned char h[SKIP_HEAD + 8];
    l->idx_len = IDX_HEAD + l->n * IDX_ENTRY + IDX_CRC;
    if (l->seek_off < SKIP_HEAD + l->idx_len)
        return 1;
    l->idx_off = l->seek_off - SKIP_HEAD - l->idx_len;
    int rc = src_read(s, l->idx_off, h, sizeof h, err);
    if (rc < 0)
        return rc;
    if (hald_get_le32(h) != SKIP_HALD || memcmp(h + SKIP_HEAD, IDX_MAGIC, 8) != 0)
        return 1;
    if (hald_get_le32(h + 4) != l->idx_len)
        return corrupt(s, err, "index frame size does not match the seek table");
    if (l->desc != 0) /* other tools may use the unused bits; hald writes 0 */
        return corrupt(s, err, "seek table descriptor is not 0");
    return 0;
}

/* Loads the index payload and checks its CRC, version, format and count. */
static int load_payload(const src_t *s, const layout_t *l, unsigned char **out,
                        hald_format_t *fmt, int *genome, hald_error_t *err)
{
    unsigned char *p = malloc((size_t)l->idx_len);
    if (!p)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (packed index)", s->name);
    int rc = src_read(s, l->idx_off + SKIP_HEAD, p, (size_t)l->idx_len, err);
    size_t body = (size_t)l->idx_len - IDX_CRC;
    if (rc == HALD_OK && hald_packed_crc(0, p, body) != hald_get_le32(p + body))
        rc = corrupt(s, err, "checksum mismatch");
    if (rc == HALD_OK && hald_get_le32(p + 8) != IDX_VERSION)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: packed index version %u is not supported",
                            s->name, hald_get_le32(p + 8));
    uint32_t f = rc == HALD_OK ? hald_get_le32(p + 12) : 0;
    *genome = f == IDX_FORMAT_GENOME;
    if (*genome)
        f = HALD_FORMAT_FASTA;
    if (rc == HALD_OK && (f < HALD_FORMAT_FASTA || f > HALD_FORMAT_LINES))
        rc = corrupt(s, err, "unknown record format");
    if (rc == HALD_OK && hald_get_le64(p + 16) != l->n)
        rc = corrupt(s, err, "frame count differs from the seek table's");
    if (rc < 0) {
        free(p);
        return rc;
    }
    *fmt = (hald_format_t)f;
    *out = p;
    return HALD_OK;
}

static int frame_fail(const src_t *s, hald_error_t *err, uint64_t k, const char *what)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: corrupt packed index: frame %llu: %s",
                          s->name, (unsigned long long)k, what);
}

/* The frame's own header must be a zstd frame declaring dsize bytes. */
static int check_frame_header(const src_t *s, uint64_t k, const hald_pack_frame_t *f,
                              hald_error_t *err)
{
    unsigned char h[FRAME_HEAD_MAX];
    size_t n = f->csize < sizeof h ? f->csize : sizeof h;
    int rc = src_read(s, f->offset, h, n, err);
    if (rc < 0)
        return rc;
    if (n < 4 || hald_get_le32(h) != ZSTD_FRAME_MAGIC)
        return frame_fail(s, err, k, "not a zstd frame");
    if (ZSTD_getFrameContentSize(h, n) != f->dsize)
        return frame_fail(s, err, k, "the frame header's content size differs from the index");
    return HALD_OK;
}

/* One entry against the seek table entry se and the running totals. */
static int check_entry(const src_t *s, uint64_t k, const hald_pack_frame_t *f,
                       const unsigned char *se, uint64_t expect_off, int genome, hald_error_t *err)
{
    if (f->offset != expect_off)
        return frame_fail(s, err, k, "offset is not the end of the previous frame");
    if (f->csize != hald_get_le32(se) || f->dsize != hald_get_le32(se + 4))
        return frame_fail(s, err, k, "sizes differ from the seek table");
    if (f->dsize > HALD_PACK_MAX_FRAME)
        return frame_fail(s, err, k, "decodes to more than 256 MiB (made by an older hald pack: pack it again)");
    if (f->dsize == 0 || f->csize == 0)
        return frame_fail(s, err, k, "empty frame");
    if (f->records > f->dsize || f->newlines > f->dsize)
        return frame_fail(s, err, k, "more records or lines than bytes");
    if (k > 0 && f->records == 0 && !genome) /* a genome's frames continue sequences */
        return frame_fail(s, err, k, "a frame after the first holds no record start");
    return HALD_OK;
}

static int build_frames(const src_t *s, const layout_t *l, const unsigned char *payload,
                        const unsigned char *seek, int genome, hald_pack_index_t *idx,
                        uint64_t *data_end, hald_error_t *err)
{
    idx->frames = l->n ? calloc((size_t)l->n, sizeof *idx->frames) : NULL;
    if (l->n && !idx->frames)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (packed index)", s->name);
    uint64_t off = 0, rec = 0, line = 1, bytes = 0;
    for (uint64_t k = 0; k < l->n; k++) {
        const unsigned char *e = payload + IDX_HEAD + k * IDX_ENTRY;
        hald_pack_frame_t *f = &idx->frames[k];
        *f = (hald_pack_frame_t){.offset = hald_get_le64(e), .csize = hald_get_le32(e + 8),
                                 .dsize = hald_get_le32(e + 12), .records = hald_get_le64(e + 16),
                                 .newlines = hald_get_le64(e + 24), .first_record = rec,
                                 .first_line = line};
        int rc = check_entry(s, k, f, seek + k * SEEK_ENTRY, off, genome, err);
        if (rc == HALD_OK && off + f->csize > l->idx_off)
            rc = frame_fail(s, err, k, "runs into the index");
        if (rc == HALD_OK)
            rc = check_frame_header(s, k, f, err);
        if (rc < 0)
            return rc;
        off += f->csize; /* each term is checked against the file size: no overflow */
        rec += f->records;
        line += f->newlines;
        bytes += f->dsize;
    }
    if (off != l->idx_off && !genome)
        return corrupt(s, err, "data frames do not end where the index begins");
    *data_end = off;
    idx->n_frames = l->n;
    idx->total_records = rec;
    idx->total_bytes = bytes;
    return HALD_OK;
}

/* A genome's section fills the gap between its data frames and the index. */
static int load_genome(const src_t *s, uint64_t from, uint64_t to, hald_pack_index_t *idx,
                       hald_error_t *err)
{
    unsigned char h[SKIP_HEAD];
    if (to - from < SKIP_HEAD)
        return corrupt(s, err, "no genome section before the index");
    int rc = src_read(s, from, h, sizeof h, err);
    if (rc < 0)
        return rc;
    if (hald_get_le32(h) != SKIP_GENOME || hald_get_le32(h + 4) != to - from - SKIP_HEAD)
        return corrupt(s, err, "the genome section does not fill the gap before the index");
    size_t len = (size_t)(to - from - SKIP_HEAD);
    unsigned char *p = malloc(len ? len : 1);
    if (!p)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (genome index)", s->name);
    rc = src_read(s, from + SKIP_HEAD, p, len, err);
    if (rc == HALD_OK)
        rc = hald_pack_genome_parse(p, len, idx, s->name, err);
    free(p);
    return rc;
}

static int load_index(const src_t *s, hald_pack_index_t *idx, hald_error_t *err)
{
    layout_t l = {0, 0, 0, 0, 0};
    int rc = find_seek_table(s, &l, err);
    if (rc == 0)
        rc = find_index(s, &l, err);
    if (rc != 0)
        return rc;
    unsigned char *payload = NULL, *seek = NULL;
    int genome = 0;
    uint64_t data_end = 0;
    rc = load_payload(s, &l, &payload, &idx->format, &genome, err);
    if (rc == HALD_OK && l.n > 0) {
        /* The seek table lies inside the file, so n * 8 fits in memory terms. */
        seek = malloc((size_t)(l.n * SEEK_ENTRY));
        rc = seek ? src_read(s, l.seek_off + SKIP_HEAD, seek, (size_t)(l.n * SEEK_ENTRY), err)
                  : hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (seek table)", s->name);
    }
    if (rc == HALD_OK)
        rc = build_frames(s, &l, payload, seek, genome, idx, &data_end, err);
    if (rc == HALD_OK && genome)
        rc = load_genome(s, data_end, l.idx_off, idx, err);
    free(payload);
    free(seek);
    return rc;
}

static int index_from(const src_t *s, hald_pack_index_t *idx, hald_error_t *err)
{
    if (!idx)
        return hald_error_set(err, HALD_E_USAGE, "hald_pack_index: NULL index");
    memset(idx, 0, sizeof *idx);
    int rc = load_index(s, idx, err);
    if (rc != HALD_OK)
        hald_pack_index_free(idx);
    return rc;
}

int hald_pack_index_read(int fd, const char *name, hald_pack_index_t *idx, hald_error_t *err)
{
    src_t s = {NULL, fd, 0, name ? name : "(packed file)"};
    struct stat st;
    if (idx)
        memset(idx, 0, sizeof *idx);
    if (fstat(fd, &st) != 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: stat", s.name);
    if (!S_ISREG(st.st_mode))
        return 1; /* a pipe or device cannot be seeked: read it as a stream */
    s.size = (uint64_t)st.st_size;
    return index_from(&s, idx, err);
}

int hald_pack_index_parse(const void *file, size_t len, const char *name,
                          hald_pack_index_t *idx, hald_error_t *err)
{
    src_t s = {file, -1, len, name ? name : "(packed file)"};
    if (!file && len > 0)
        return hald_error_set(err, HALD_E_USAGE, "hald_pack_index_parse: NULL buffer");
    if (!file)
        s.mem = (const unsigned char *)"";
    return index_from(&s, idx, err);
}

void hald_pack_index_free(hald_pack_index_t *idx)
{
    if (!idx)
        return;
    hald_pack_genome_free(idx->genome);
    free(idx->frames);
    memset(idx, 0, sizeof *idx);
}

/* ---------------------------------------------------------------- shards */

/* What parts balance, before frame k (k may be n_frames): records, or a
 * genome's bases. */
typedef uint64_t (*weight_fn)(const hald_pack_index_t *idx, uint64_t k);

static uint64_t records_before(const hald_pack_index_t *idx, uint64_t k)
{
    return k < idx->n_frames ? idx->frames[k].first_record : idx->total_records;
}

static uint64_t bases_before(const hald_pack_index_t *idx, uint64_t k)
{
    const hald_pack_genome_t *g = idx->genome;
    return k < idx->n_frames ? g->frames[k].bases_before : g->total_bases;
}

/* The first frame of part i: the frame boundary whose record count is
 * nearest to i/n of the total (ties to the earlier boundary).  It never
 * decreases with i, so parts are contiguous and cover every frame once. */
static uint64_t shard_boundary(const hald_pack_index_t *idx, weight_fn before, uint64_t i,
                               uint64_t n)
{
    uint64_t nf = idx->n_frames, total = before(idx, nf);
    if (i == 0)
        return 0;
    if (i >= n)
        return nf;
    if (total == 0) /* nothing to balance: spread the frames */
        return (uint64_t)((unsigned __int128)nf * i / n);
    unsigned __int128 t = (unsigned __int128)total * i; /* the target, times n */
    uint64_t lo = 0, hi = nf;
    while (lo < hi) { /* the first boundary at or past the target */
        uint64_t mid = lo + (hi - lo) / 2;
        if ((unsigned __int128)before(idx, mid) * n >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo > 0) {
        unsigned __int128 below = t - (unsigned __int128)before(idx, lo - 1) * n;
        unsigned __int128 above = (unsigned __int128)before(idx, lo) * n - t;
        if (below <= above)
            lo--;
    }
    return lo;
}

static void shard(const hald_pack_index_t *idx, weight_fn before, uint64_t i, uint64_t n,
                  uint64_t *first, uint64_t *last)
{
    uint64_t nf = idx ? idx->n_frames : 0;
    if (!idx || n == 0 || i >= n) { /* no such part: an empty range */
        *first = *last = nf;
        return;
    }
    *first = shard_boundary(idx, before, i, n);
    *last = shard_boundary(idx, before, i + 1, n);
}

void hald_pack_shard(const hald_pack_index_t *idx, uint64_t i, uint64_t n, uint64_t *first,
                     uint64_t *last)
{
    shard(idx, records_before, i, n, first, last);
}

void hald_pack_shard_bases(const hald_pack_index_t *idx, uint64_t i, uint64_t n, uint64_t *first,
                           uint64_t *last)
{
    shard(idx, idx && idx->genome ? bases_before : records_before, i, n, first, last);
}
