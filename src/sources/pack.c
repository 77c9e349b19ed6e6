/* Packed files: record-aligned zstd frames, a hald index and a zstd
 * seekable seek table (layout in docs/packed-format.md).
 *
 * Packing keeps the pending decoded text in one buffer (about twice the
 * frame size, more only while a single record is longer than that), cuts
 * frames at the first record start at or after frame_size bytes, and
 * streams each frame through one zstd context into the sink.  Reading the
 * index trusts nothing: every size is cross-checked between the hald index,
 * the seek table, the file size and the zstd frame headers, and the index
 * carries a CRC-32 so that flipped counts are caught too. */
#include "hald/pack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "hald/recstart.h"

#define SKIP_HALD 0x184D2A5Bu   /* skippable frame holding the hald index */
#define SKIP_SEEK 0x184D2A5Eu   /* skippable frame holding the seek table */
#define SEEK_MAGIC 0x8F92EAB1u  /* zstd seekable footer */
#define ZSTD_FRAME_MAGIC 0xFD2FB528u
#define IDX_MAGIC "HALDIDX1"
#define IDX_VERSION 1u

enum {
    SKIP_HEAD = 8,      /* skippable magic + u32 size */
    IDX_HEAD = 24,      /* "HALDIDX1", version, format, n_frames */
    IDX_ENTRY = 32,     /* offset, csize, dsize, records, newlines */
    IDX_CRC = 4,
    SEEK_ENTRY = 8,
    SEEK_FOOTER = 9,
    FRAME_HEAD_MAX = 18 /* ZSTD_FRAMEHEADERSIZE_MAX, static-only in zstd.h */
};

/* The largest read buffer: one byte more than a frame may hold, so that a
 * full buffer without a cut proves a record too long to pack. */
#define BUF_MAX ((size_t)HALD_PACK_MAX_FRAME + 1)

/* The most frames whose index still fits a skippable frame's u32 size. */
#define MAX_FRAMES (((uint64_t)UINT32_MAX - IDX_HEAD - IDX_CRC) / IDX_ENTRY)

/* ---------------------------------------------------------------- bytes */

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* zlib's crc32 takes uInt lengths; index pieces are far smaller. */
static uint32_t crc_update(uint32_t crc, const unsigned char *p, size_t n)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

static uint64_t count_newlines(const char *s, size_t n)
{
    uint64_t c = 0;
    const char *end = s + n;
    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        c++;
        s++;
    }
    return c;
}

/* ---------------------------------------------------------------- packing */

typedef struct packer {
    hald_reader_t *in;
    hald_sink_t *out;
    hald_pack_opts_t o;
    hald_format_t fmt;
    hald_error_t *err;
    const char *name; /* the input, for messages */

    char *buf;        /* pending text is buf[pos, len) */
    size_t pos, len, cap;
    int eof;

    ZSTD_CCtx *cctx;
    unsigned char *zout;
    size_t zcap;

    hald_pack_frame_t *frames;
    size_t n, fcap;
    uint64_t off;     /* bytes written so far */
    uint64_t records, lines, bytes_in;
} packer_t;

void hald_pack_opts_init(hald_pack_opts_t *o)
{
    o->frame_size = (size_t)4 << 20;
    o->level = 3;
    o->format = HALD_FORMAT_AUTO;
}

static int zstd_fail(packer_t *pk, size_t code)
{
    return hald_error_set(pk->err, HALD_E_IO, "%s: zstd compression: %s",
                          hald_sink_name(pk->out), ZSTD_getErrorName(code));
}

static int check_opts(const hald_pack_opts_t *o, hald_error_t *err)
{
    if (o->frame_size == 0 || o->frame_size > HALD_PACK_MAX_FRAME)
        return hald_error_set(err, HALD_E_USAGE, "pack: frame size %zu is not in 1..%u",
                              o->frame_size, HALD_PACK_MAX_FRAME);
    if (o->level < ZSTD_minCLevel() || o->level > ZSTD_maxCLevel())
        return hald_error_set(err, HALD_E_USAGE, "pack: zstd level %d is not in %d..%d",
                              o->level, ZSTD_minCLevel(), ZSTD_maxCLevel());
    if ((unsigned)o->format > HALD_FORMAT_LINES)
        return hald_error_set(err, HALD_E_USAGE, "pack: unknown format %d", (int)o->format);
    return HALD_OK;
}

/* Content size and checksum in every frame: readers can then size their
 * buffers from the header and detect corruption per frame. */
static int setup_cctx(packer_t *pk)
{
    pk->cctx = ZSTD_createCCtx();
    if (!pk->cctx)
        return hald_error_set(pk->err, HALD_E_NOMEM, "%s: out of memory (zstd)", pk->name);
    size_t r = ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_compressionLevel, pk->o.level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(pk->cctx, ZSTD_c_checksumFlag, 1);
    return ZSTD_isError(r) ? zstd_fail(pk, r) : HALD_OK;
}

static int packer_init(packer_t *pk, hald_reader_t *in, hald_sink_t *out,
                       const hald_pack_opts_t *o, hald_error_t *err)
{
    memset(pk, 0, sizeof *pk);
    pk->in = in;
    pk->out = out;
    pk->o = *o;
    pk->fmt = o->format;
    pk->err = err;
    pk->name = hald_reader_name(in);
    /* Twice the frame size lets one read serve a whole frame plus the
     * lookahead that finds its end; a longer record grows the buffer. */
    size_t f = o->frame_size;
    pk->cap = f < ((size_t)64 << 10) ? (size_t)128 << 10 : 2 * f;
    if (pk->cap > BUF_MAX)
        pk->cap = BUF_MAX;
    pk->buf = malloc(pk->cap);
    pk->zcap = ZSTD_CStreamOutSize();
    pk->zout = malloc(pk->zcap);
    if (!pk->buf || !pk->zout)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", pk->name);
    return setup_cctx(pk);
}

static void packer_free(packer_t *pk)
{
    free(pk->buf);
    free(pk->zout);
    free(pk->frames);
    ZSTD_freeCCtx(pk->cctx);
}

static int out_write(packer_t *pk, const void *p, size_t n)
{
    int rc = hald_sink_write(pk->out, p, n, pk->err);
    if (rc == HALD_OK)
        pk->off += n;
    return rc;
}

/* Moves the pending text to the front and reads until the buffer is full
 * or the input ends. */
static int fill(packer_t *pk)
{
    if (pk->pos > 0) {
        memmove(pk->buf, pk->buf + pk->pos, pk->len - pk->pos);
        pk->len -= pk->pos;
        pk->pos = 0;
    }
    while (!pk->eof && pk->len < pk->cap) {
        ssize_t r = hald_reader_read(pk->in, pk->buf + pk->len, pk->cap - pk->len, pk->err);
        if (r < 0)
            return (int)r;
        pk->eof = r == 0;
        pk->len += (size_t)r;
    }
    return HALD_OK;
}

static int too_long(packer_t *pk)
{
    return hald_error_set(pk->err, HALD_E_INPUT,
                          "%s: record %llu: more than %u bytes without a record start; "
                          "a packed frame cannot hold it",
                          pk->name, (unsigned long long)(pk->records + 1), HALD_PACK_MAX_FRAME);
}

/* Called with a full buffer that holds no cut: one record (or a blank
 * prefix) is longer than the buffer.  Stops at the u32 frame limit. */
static int grow(packer_t *pk)
{
    if (pk->cap >= BUF_MAX)
        return too_long(pk);
    size_t cap = pk->cap > BUF_MAX / 2 ? BUF_MAX : pk->cap * 2;
    char *b = realloc(pk->buf, cap);
    if (!b)
        return hald_error_set(pk->err, HALD_E_NOMEM, "%s: out of memory (a %zu-byte record buffer)",
                              pk->name, cap);
    pk->buf = b;
    pk->cap = cap;
    return HALD_OK;
}

/* As the parser does: the first byte that is not a space, tab, '\r' or
 * newline decides.  Blank (or empty) input is packed as lines. */
static void resolve_format(packer_t *pk)
{
    if (!hald_format_detect(pk->buf + pk->pos, pk->len - pk->pos, &pk->fmt) && pk->eof)
        pk->fmt = HALD_FORMAT_LINES;
}

static int push_frame(packer_t *pk, const hald_pack_frame_t *f)
{
    if (pk->n == pk->fcap) {
        size_t cap = pk->fcap ? pk->fcap * 2 : 64;
        hald_pack_frame_t *v = realloc(pk->frames, cap * sizeof *v);
        if (!v)
            return hald_error_set(pk->err, HALD_E_NOMEM, "%s: out of memory", pk->name);
        pk->frames = v;
        pk->fcap = cap;
    }
    pk->frames[pk->n++] = *f;
    return HALD_OK;
}

/* One zstd frame with its content size pledged, streamed to the sink. */
static int compress_frame(packer_t *pk, const char *text, size_t n, uint64_t *csize)
{
    size_t r = ZSTD_CCtx_reset(pk->cctx, ZSTD_reset_session_only);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setPledgedSrcSize(pk->cctx, n);
    if (ZSTD_isError(r))
        return zstd_fail(pk, r);
    ZSTD_inBuffer in = {text, n, 0};
    uint64_t start = pk->off;
    do {
        ZSTD_outBuffer ob = {pk->zout, pk->zcap, 0};
        r = ZSTD_compressStream2(pk->cctx, &ob, &in, ZSTD_e_end);
        if (ZSTD_isError(r))
            return zstd_fail(pk, r);
        int rc = out_write(pk, pk->zout, ob.pos);
        if (rc < 0)
            return rc;
    } while (r != 0);
    *csize = pk->off - start;
    return HALD_OK;
}

/* Writes buf[pos, pos + n) as the next frame. */
static int emit(packer_t *pk, size_t n)
{
    const char *text = pk->buf + pk->pos;
    if (n > HALD_PACK_MAX_FRAME)
        return too_long(pk);
    if (pk->n >= MAX_FRAMES)
        return hald_error_set(pk->err, HALD_E_USAGE,
                              "%s: more than %llu frames; use a larger frame size", pk->name,
                              (unsigned long long)MAX_FRAMES);
    hald_pack_frame_t f = {.offset = pk->off, .dsize = (uint32_t)n,
                           .records = hald_recstart_count(pk->fmt, text, n),
                           .newlines = count_newlines(text, n)};
    uint64_t csize = 0;
    int rc = compress_frame(pk, text, n, &csize);
    if (rc < 0)
        return rc;
    if (csize > UINT32_MAX)
        return hald_error_set(pk->err, HALD_E_INPUT, "%s: frame %zu compresses to %llu bytes, "
                              "more than a packed frame can record", pk->name, pk->n,
                              (unsigned long long)csize);
    f.csize = (uint32_t)csize;
    f.first_record = pk->records;
    f.first_line = 1 + pk->lines;
    if ((rc = push_frame(pk, &f)) < 0)
        return rc;
    pk->pos += n;
    pk->bytes_in += n;
    pk->records += f.records;
    pk->lines += f.newlines;
    return HALD_OK;
}

/* Emits every frame whose end (a record start at or after frame_size
 * bytes) is already decidable from the buffer. */
static int emit_ready(packer_t *pk)
{
    if (pk->fmt == HALD_FORMAT_AUTO)
        return HALD_OK;
    for (;;) {
        size_t pend = pk->len - pk->pos;
        size_t cut = hald_recstart_next(pk->fmt, pk->buf + pk->pos, pend, pk->o.frame_size);
        if (cut >= pend)
            return HALD_OK;
        int rc = emit(pk, cut);
        if (rc < 0)
            return rc;
    }
}

static int pack_text(packer_t *pk)
{
    for (;;) {
        int rc = fill(pk);
        if (rc < 0)
            return rc;
        if (pk->fmt == HALD_FORMAT_AUTO)
            resolve_format(pk);
        if ((rc = emit_ready(pk)) < 0)
            return rc;
        if (pk->eof)
            return pk->len > pk->pos ? emit(pk, pk->len - pk->pos) : HALD_OK;
        if (pk->pos == 0 && pk->len == pk->cap && (rc = grow(pk)) < 0)
            return rc;
    }
}

static void put_entry(unsigned char *e, const hald_pack_frame_t *f)
{
    put64(e, f->offset);
    put32(e + 8, f->csize);
    put32(e + 12, f->dsize);
    put64(e + 16, f->records);
    put64(e + 24, f->newlines);
}

static int write_index(packer_t *pk)
{
    unsigned char h[SKIP_HEAD + IDX_HEAD], e[IDX_ENTRY];
    put32(h, SKIP_HALD);
    put32(h + 4, (uint32_t)(IDX_HEAD + (uint64_t)pk->n * IDX_ENTRY + IDX_CRC));
    memcpy(h + 8, IDX_MAGIC, 8);
    put32(h + 16, IDX_VERSION);
    put32(h + 20, (uint32_t)pk->fmt);
    put64(h + 24, pk->n);
    uint32_t crc = crc_update(0, h + SKIP_HEAD, IDX_HEAD);
    int rc = out_write(pk, h, sizeof h);
    for (size_t k = 0; rc == HALD_OK && k < pk->n; k++) {
        put_entry(e, &pk->frames[k]);
        crc = crc_update(crc, e, sizeof e);
        rc = out_write(pk, e, sizeof e);
    }
    if (rc == HALD_OK) {
        put32(e, crc);
        rc = out_write(pk, e, IDX_CRC);
    }
    return rc;
}

/* The zstd seekable format's table, without checksums. */
static int write_seek_table(packer_t *pk)
{
    unsigned char b[SKIP_HEAD + SEEK_FOOTER];
    put32(b, SKIP_SEEK);
    put32(b + 4, (uint32_t)((uint64_t)pk->n * SEEK_ENTRY + SEEK_FOOTER));
    int rc = out_write(pk, b, SKIP_HEAD);
    for (size_t k = 0; rc == HALD_OK && k < pk->n; k++) {
        put32(b, pk->frames[k].csize);
        put32(b + 4, pk->frames[k].dsize);
        rc = out_write(pk, b, SEEK_ENTRY);
    }
    if (rc == HALD_OK) {
        put32(b, (uint32_t)pk->n);
        b[4] = 0;
        put32(b + 5, SEEK_MAGIC);
        rc = out_write(pk, b, SEEK_FOOTER);
    }
    return rc;
}

int hald_pack(hald_reader_t *in, hald_sink_t *out, const hald_pack_opts_t *o,
              hald_pack_stats_t *st, hald_error_t *err)
{
    hald_pack_opts_t def;
    if (!o) {
        hald_pack_opts_init(&def);
        o = &def;
    }
    if (!in || !out)
        return hald_error_set(err, HALD_E_USAGE, "hald_pack: NULL argument");
    int rc = check_opts(o, err);
    if (rc < 0)
        return rc;
    packer_t pk;
    rc = packer_init(&pk, in, out, o, err);
    if (rc == HALD_OK)
        rc = pack_text(&pk);
    if (rc == HALD_OK)
        rc = write_index(&pk);
    if (rc == HALD_OK)
        rc = write_seek_table(&pk);
    if (rc == HALD_OK && st) {
        st->frames = pk.n;
        st->records = pk.records;
        st->bytes_in = pk.bytes_in;
        st->bytes_out = pk.off;
        st->format = pk.fmt;
    }
    packer_free(&pk);
    return rc;
}

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
    if (get32(f + 5) != SEEK_MAGIC)
        return 1;
    if (f[4] & 0x7C)
        return corrupt(s, err, "seek table descriptor has reserved bits set");
    if (f[4] & 0x80)
        return 1; /* checksummed entries: a third-party seekable file, never ours */
    l->desc = f[4];
    l->n = get32(f);
    uint64_t table = SKIP_HEAD + l->n * SEEK_ENTRY + SEEK_FOOTER;
    if (table > s->size)
        return corrupt(s, err, "seek table is larger than the file");
    l->seek_off = s->size - table;
    if ((rc = src_read(s, l->seek_off, h, sizeof h, err)) < 0)
        return rc;
    if (get32(h) != SKIP_SEEK || (uint64_t)get32(h + 4) + SKIP_HEAD != table)
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
    if (get32(h) != SKIP_HALD || memcmp(h + SKIP_HEAD, IDX_MAGIC, 8) != 0)
        return 1;
    if (get32(h + 4) != l->idx_len)
        return corrupt(s, err, "index frame size does not match the seek table");
    if (l->desc != 0) /* other tools may use the unused bits; hald writes 0 */
        return corrupt(s, err, "seek table descriptor is not 0");
    return 0;
}

/* Loads the index payload and checks its CRC, version, format and count. */
static int load_payload(const src_t *s, const layout_t *l, unsigned char **out,
                        hald_format_t *fmt, hald_error_t *err)
{
    unsigned char *p = malloc((size_t)l->idx_len);
    if (!p)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (packed index)", s->name);
    int rc = src_read(s, l->idx_off + SKIP_HEAD, p, (size_t)l->idx_len, err);
    size_t body = (size_t)l->idx_len - IDX_CRC;
    if (rc == HALD_OK && crc_update(0, p, body) != get32(p + body))
        rc = corrupt(s, err, "checksum mismatch");
    if (rc == HALD_OK && get32(p + 8) != IDX_VERSION)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: packed index version %u is not supported",
                            s->name, get32(p + 8));
    uint32_t f = rc == HALD_OK ? get32(p + 12) : 0;
    if (rc == HALD_OK && (f < HALD_FORMAT_FASTA || f > HALD_FORMAT_LINES))
        rc = corrupt(s, err, "unknown record format");
    if (rc == HALD_OK && get64(p + 16) != l->n)
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
    if (n < 4 || get32(h) != ZSTD_FRAME_MAGIC)
        return frame_fail(s, err, k, "not a zstd frame");
    if (ZSTD_getFrameContentSize(h, n) != f->dsize)
        return frame_fail(s, err, k, "the frame header's content size differs from the index");
    return HALD_OK;
}

/* One entry against the seek table entry se and the running totals. */
static int check_entry(const src_t *s, uint64_t k, const hald_pack_frame_t *f,
                       const unsigned char *se, uint64_t expect_off, hald_error_t *err)
{
    if (f->offset != expect_off)
        return frame_fail(s, err, k, "offset is not the end of the previous frame");
    if (f->csize != get32(se) || f->dsize != get32(se + 4))
        return frame_fail(s, err, k, "sizes differ from the seek table");
    if (f->dsize == 0 || f->csize == 0)
        return frame_fail(s, err, k, "empty frame");
    if (f->records > f->dsize || f->newlines > f->dsize)
        return frame_fail(s, err, k, "more records or lines than bytes");
    if (k > 0 && f->records == 0)
        return frame_fail(s, err, k, "a frame after the first holds no record start");
    return HALD_OK;
}

static int build_frames(const src_t *s, const layout_t *l, const unsigned char *payload,
                        const unsigned char *seek, hald_pack_index_t *idx, hald_error_t *err)
{
    idx->frames = l->n ? calloc((size_t)l->n, sizeof *idx->frames) : NULL;
    if (l->n && !idx->frames)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (packed index)", s->name);
    uint64_t off = 0, rec = 0, line = 1, bytes = 0;
    for (uint64_t k = 0; k < l->n; k++) {
        const unsigned char *e = payload + IDX_HEAD + k * IDX_ENTRY;
        hald_pack_frame_t *f = &idx->frames[k];
        *f = (hald_pack_frame_t){.offset = get64(e), .csize = get32(e + 8),
                                 .dsize = get32(e + 12), .records = get64(e + 16),
                                 .newlines = get64(e + 24), .first_record = rec,
                                 .first_line = line};
        int rc = check_entry(s, k, f, seek + k * SEEK_ENTRY, off, err);
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
    if (off != l->idx_off)
        return corrupt(s, err, "data frames do not end where the index begins");
    idx->n_frames = l->n;
    idx->total_records = rec;
    idx->total_bytes = bytes;
    return HALD_OK;
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
    rc = load_payload(s, &l, &payload, &idx->format, err);
    if (rc == HALD_OK && l.n > 0) {
        /* The seek table lies inside the file, so n * 8 fits in memory terms. */
        seek = malloc((size_t)(l.n * SEEK_ENTRY));
        rc = seek ? src_read(s, l.seek_off + SKIP_HEAD, seek, (size_t)(l.n * SEEK_ENTRY), err)
                  : hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (seek table)", s->name);
    }
    if (rc == HALD_OK)
        rc = build_frames(s, &l, payload, seek, idx, err);
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
    free(idx->frames);
    memset(idx, 0, sizeof *idx);
}

/* ---------------------------------------------------------------- shards */

/* Records before frame k (k may be n_frames). */
static uint64_t records_before(const hald_pack_index_t *idx, uint64_t k)
{
    return k < idx->n_frames ? idx->frames[k].first_record : idx->total_records;
}

/* The first frame of part i: the frame boundary whose record count is
 * nearest to i/n of the total (ties to the earlier boundary).  It never
 * decreases with i, so parts are contiguous and cover every frame once. */
static uint64_t shard_boundary(const hald_pack_index_t *idx, uint64_t i, uint64_t n)
{
    uint64_t nf = idx->n_frames;
    if (i == 0)
        return 0;
    if (i >= n)
        return nf;
    if (idx->total_records == 0) /* nothing to balance: spread the frames */
        return (uint64_t)((unsigned __int128)nf * i / n);
    unsigned __int128 t = (unsigned __int128)idx->total_records * i; /* the target, times n */
    uint64_t lo = 0, hi = nf;
    while (lo < hi) { /* the first boundary at or past the target */
        uint64_t mid = lo + (hi - lo) / 2;
        if ((unsigned __int128)records_before(idx, mid) * n >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo > 0) {
        unsigned __int128 below = t - (unsigned __int128)records_before(idx, lo - 1) * n;
        unsigned __int128 above = (unsigned __int128)records_before(idx, lo) * n - t;
        if (below <= above)
            lo--;
    }
    return lo;
}

void hald_pack_shard(const hald_pack_index_t *idx, uint64_t i, uint64_t n, uint64_t *first,
                     uint64_t *last)
{
    uint64_t nf = idx ? idx->n_frames : 0;
    if (!idx || n == 0 || i >= n) { /* no such part: an empty range */
        *first = *last = nf;
        return;
    }
    *first = shard_boundary(idx, i, n);
    *last = shard_boundary(idx, i + 1, n);
}
