/* hald pack as a job: text cut into record-aligned frames (the source),
 * each frame counted and compressed by a worker, and the frames, the hald
 * index and the zstd seek table written in order (docs/packed-format.md).
 *
 * The cutter keeps the pending decoded text in one buffer (about twice
 * the frame size, more only while a single record is longer than that)
 * and cuts a frame at the first record start at or after frame_size bytes,
 * so the cut points depend only on the text and the frame size: the file
 * is the same whatever the threads. */
#include "hald/pack.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "hald/recstart.h"
#include "../io/le.h"
#include "../runner/runner.h"
#include "../sources/packed_format.h"
#include "../sources/packed_genome.h"

void hald_pack_opts_init(hald_pack_opts_t *o)
{
    o->frame_size = (size_t)4 << 20;
    o->level = 3;
    o->format = HALD_FORMAT_AUTO;
    o->genome = 0;
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

typedef struct pack_unit {
    hald_unit_t base;        /* out: the compressed frame */
    hald_buf_t text;         /* the frame's text (the bulk) */
    uint64_t format;
    uint64_t genome;         /* a genome's frame: summarise its bases too */
    uint64_t records, newlines;
    uint64_t dsize;          /* rank 0 keeps it: the text has gone to a worker */
    /* a genome's frame, for the genome section */
    uint64_t bases;
    hald_buf_t name;         /* empty: the frame continues a sequence */
    hald_buf_t head, tail;   /* its first 82 and last 80 bases */
} pack_unit_t;

static const hald_unit_field_t PACK_FIELDS[] = {
    HALD_UNIT_BUF(pack_unit_t, text, HALD_TO_WORKER),
    HALD_UNIT_U64(pack_unit_t, format, HALD_TO_WORKER),
    HALD_UNIT_U64(pack_unit_t, genome, HALD_TO_WORKER),
    HALD_UNIT_U64(pack_unit_t, records, HALD_TO_WRITER),
    HALD_UNIT_U64(pack_unit_t, newlines, HALD_TO_WRITER),
    HALD_UNIT_U64(pack_unit_t, dsize, HALD_KEEP),
    HALD_UNIT_U64(pack_unit_t, bases, HALD_TO_WRITER),
    HALD_UNIT_BUF(pack_unit_t, name, HALD_TO_WRITER),
    HALD_UNIT_BUF(pack_unit_t, head, HALD_TO_WRITER),
    HALD_UNIT_BUF(pack_unit_t, tail, HALD_TO_WRITER),
};

static const hald_unit_layout_t PACK_LAYOUT = {
    sizeof(pack_unit_t), PACK_FIELDS, sizeof PACK_FIELDS / sizeof PACK_FIELDS[0],
    offsetof(pack_unit_t, text),
};

typedef struct pack_shared {
    int level;
    const char *name;        /* the output, for messages */
    const char *input;       /* the input, for messages */
} pack_shared_t;

/* ================================================================ work */

static uint64_t count_newlines(const char *s, size_t n)
{
    uint64_t c = 0;
    for (const char *end = s + n; (s = memchr(s, '\n', (size_t)(end - s))) != NULL; s++)
        c++;
    return c;
}

static int zstd_fail(const pack_shared_t *sh, size_t code, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_IO, "%s: zstd compression: %s", sh->name,
                          ZSTD_getErrorName(code));
}

/* A thread's memory: a compression context with content size and
 * checksum in every frame, so readers size their buffers from the header
 * and catch corruption per frame; and a genome frame's bases. */
typedef struct scratch {
    ZSTD_CCtx *cctx;
    hald_buf_t bases;
} scratch_t;

static void scratch_free(void *p)
{
    scratch_t *s = p;
    if (!s)
        return;
    ZSTD_freeCCtx(s->cctx);
    hald_buf_free(&s->bases);
    free(s);
}

static void *scratch_new(const void *shared)
{
    const pack_shared_t *sh = shared;
    scratch_t *s = calloc(1, sizeof *s);
    ZSTD_CCtx *c = s ? (s->cctx = ZSTD_createCCtx()) : NULL;
    if (!c || ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, sh->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1))) {
        scratch_free(s);
        s = NULL;
    }
    return s;
}

/* A genome frame's place in its sequence is settled by the writer, in
 * order; the worker says what it holds. */
static int summarise_bases(const pack_shared_t *sh, pack_unit_t *u, scratch_t *s,
                           hald_error_t *err)
{
    int has_header;
    int rc = hald_genome_frame_bases(u->text.data ? u->text.data : "", u->text.len, sh->input,
                                     &s->bases, &u->name, &has_header, err);
    if (rc != HALD_OK)
        return rc;
    u->bases = s->bases.len;
    size_t h = s->bases.len < HALD_PACK_RIGHT ? s->bases.len : HALD_PACK_RIGHT;
    size_t t = s->bases.len < HALD_PACK_LEFT ? s->bases.len : HALD_PACK_LEFT;
    u->records = (uint64_t)has_header;
    if (hald_buf_append(&u->head, s->bases.data, h, err) != HALD_OK ||
        hald_buf_append(&u->tail, hald_buf_end(&s->bases) - t, t, err) != HALD_OK)
        return err->code;
    return HALD_OK;
}

static void pack_work(const void *shared, void *unit, void *scratch)
{
    const pack_shared_t *sh = shared;
    pack_unit_t *u = unit;
    scratch_t *s = scratch;
    ZSTD_CCtx *cctx = s->cctx;
    hald_error_t *err = &u->base.err;
    const char *text = u->text.data ? u->text.data : "";
    size_t n = u->text.len;
    u->records = hald_recstart_count((hald_format_t)u->format, text, n);
    u->newlines = count_newlines(text, n);
    if (u->genome && summarise_bases(sh, u, s, err) != HALD_OK)
        return;
    size_t r = ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setPledgedSrcSize(cctx, n);
    /* Streamed through windows of ZSTD_CStreamOutSize(), as zstd's own
     * tool does: a window the size of the whole frame would switch zstd to
     * its one-shot path, whose bytes differ from every packed file made so
     * far. */
    ZSTD_inBuffer in = {text, n, 0};
    size_t window = ZSTD_CStreamOutSize();
    while (!ZSTD_isError(r)) {
        char *dst = hald_buf_reserve(&u->base.out, window, err);
        if (!dst)
            return;
        ZSTD_outBuffer ob = {dst, window, 0};
        r = ZSTD_compressStream2(cctx, &ob, &in, ZSTD_e_end);
        u->base.out.len += ob.pos;
        if (r == 0)
            break;
    }
    if (ZSTD_isError(r)) {
        zstd_fail(sh, r, err);
        return;
    }
    u->base.items = u->records;
}

/* ================================================================ cutting */

typedef struct cutter {
    hald_reader_t *in;
    size_t frame_size;
    hald_format_t fmt;
    int genome;
    const char *name;        /* the input, for messages */
    char *buf;               /* pending text is buf[pos, len) */
    size_t pos, len, cap;
    int eof;
    uint64_t bytes_in;       /* text cut into frames so far */
    uint64_t read_in;        /* input bytes consumed (atomic: progress reads it) */
} cutter_t;

static int cutter_init(cutter_t *c, hald_reader_t *in, const hald_pack_opts_t *o, hald_error_t *err)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->frame_size = o->frame_size;
    c->fmt = o->genome ? HALD_FORMAT_FASTA : o->format;
    c->genome = o->genome;
    c->name = hald_reader_name(in);
    /* Twice the frame size lets one read serve a whole frame plus the
     * lookahead that finds its end; a longer record grows the buffer. */
    size_t f = o->frame_size;
    c->cap = f < ((size_t)64 << 10) ? (size_t)128 << 10 : 2 * f;
    if (c->cap > BUF_MAX)
        c->cap = BUF_MAX;
    c->buf = malloc(c->cap);
    return c->buf ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", c->name);
}

/* Moves the pending text to the front and reads until the buffer is full
 * or the input ends. */
static int fill(cutter_t *c, hald_error_t *err)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->pos = 0;
    }
    while (!c->eof && c->len < c->cap) {
        ssize_t r = hald_reader_read(c->in, c->buf + c->len, c->cap - c->len, err);
        if (r < 0)
            return (int)r;
        /* A NUL never occurs in sequence text (the scorer's parser refuses
         * it too): /dev/zero is an error, not a 4 GiB record. */
        if (r > 0 && memchr(c->buf + c->len, '\0', (size_t)r))
            return hald_error_set(err, HALD_E_INPUT,
                                  "%s: binary data (a NUL byte) near byte %llu: not FASTA, FASTQ or text",
                                  c->name, (unsigned long long)(c->bytes_in + c->len));
        c->eof = r == 0;
        c->len += (size_t)r;
    }
    __atomic_store_n(&c->read_in, hald_reader_bytes_in(c->in), __ATOMIC_RELAXED);
    return HALD_OK;
}

static int too_long(const cutter_t *c, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: more than %u MiB from byte %llu on without a record start: "
                          "a packed frame cannot hold that record (hald score reads windows; "
                          "for whole sequences use hald scan)",
                          c->name, HALD_PACK_MAX_FRAME >> 20, (unsigned long long)c->bytes_in);
}

/* Called with a full buffer that holds no cut: one record (or a blank
 * prefix) is longer than the buffer.  Stops at the u32 frame limit. */
static int grow(cutter_t *c, hald_error_t *err)
{
    if (c->cap >= BUF_MAX)
        return too_long(c, err);
    size_t cap = c->cap > BUF_MAX / 2 ? BUF_MAX : c->cap * 2;
    char *b = realloc(c->buf, cap);
    if (!b)
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory (a %zu-byte record buffer)",
                              c->name, cap);
    c->buf = b;
    c->cap = cap;
    return HALD_OK;
}

/* Hands buf[pos, pos + n) to the unit as the next frame's text. */
static int cut(cutter_t *c, size_t n, pack_unit_t *u, hald_error_t *err)
{
    if (n > HALD_PACK_MAX_FRAME)
        return too_long(c, err);
    if (hald_buf_append(&u->text, c->buf + c->pos, n, err) != HALD_OK)
        return err->code;
    u->format = (uint64_t)c->fmt;
    u->dsize = n;
    c->pos += n;
    c->bytes_in += n;
    return 1;
}

/* Where a genome frame of the pending text p[0, n) ends: before the next
 * header line; else after the first line end at or after `size` bytes;
 * inside a sequence line that runs past 2 × size bytes, at 2 × size.  So a
 * frame never holds two sequences' bases, and a one-line chromosome still
 * gives frames of bounded size.  n + 1: more text is needed to tell. */
static size_t genome_cut(const char *p, size_t n, size_t size, int eof)
{
    /* Within the largest frame hald reads as one unit, however large the
     * frame size asked for. */
    size_t a = 0, wide = size < HALD_PACK_MAX_FRAME / 2 ? 2 * size : HALD_PACK_MAX_FRAME;
    if (n > 0 && p[0] == '>') { /* a header is never cut */
        const char *nl = memchr(p, '\n', n);
        if (!nl)
            return eof ? n : n + 1;
        a = (size_t)(nl - p) + 1;
        if (a >= size)
            return a;
    }
    for (;;) {
        if (a == n)
            return eof ? n : n + 1;
        if (a > 0 && p[a] == '>')
            return a;
        const char *nl = memchr(p + a, '\n', n - a);
        size_t end = nl ? (size_t)(nl - p) + 1 : n;
        if (end > wide || (!nl && n >= wide)) {
            /* Inside a sequence line; never just before a '>' there, which
             * would read as a header at the start of the next frame: back to
             * the last byte that is not one (no header lies before it: the
             * loop stopped at any), else on past the run of them. */
            size_t at = wide;
            while (at > 1 && p[at] == '>')
                at--;
            if (p[at] == '>') {
                for (at = wide; at < n && p[at] == '>'; at++)
                    ;
                if (at == n)
                    return eof ? n : n + 1;
            }
            return at;
        }
        if (!nl)
            return eof ? n : n + 1;
        if (end >= size)
            return end;
        a = end;
    }
}

/* The next frame: 1, 0 at the end of the input, or negative. */
static int cutter_next(cutter_t *c, pack_unit_t *u, hald_error_t *err)
{
    for (;;) {
        size_t pend = c->len - c->pos;
        if (c->genome) {
            size_t at = genome_cut(c->buf + c->pos, pend, c->frame_size, c->eof);
            if (at == 0)
                return 0;
            if (at <= pend) {
                u->genome = 1;
                return cut(c, at, u, err);
            }
        } else if (c->fmt != HALD_FORMAT_AUTO) {
            size_t at = hald_recstart_next(c->fmt, c->buf + c->pos, pend, c->frame_size);
            if (at < pend)
                return cut(c, at, u, err);
        }
        if (c->eof && !c->genome)
            return pend ? cut(c, pend, u, err) : 0;
        int rc = c->pos == 0 && c->len == c->cap ? grow(c, err) : HALD_OK;
        if (rc == HALD_OK)
            rc = fill(c, err);
        if (rc != HALD_OK)
            return rc;
        /* As the parser does: the first byte that is not a space, tab, '\r'
         * or newline decides.  Blank (or empty) input is packed as lines. */
        if (c->fmt == HALD_FORMAT_AUTO &&
            !hald_format_detect(c->buf + c->pos, c->len - c->pos, &c->fmt) && c->eof)
            c->fmt = HALD_FORMAT_LINES;
    }
}

/* ================================================================ writing */

typedef struct pack_job {
    cutter_t cut;
    hald_sink_t *out;
    const char *out_name;
    hald_pack_frame_t *frames;
    size_t n, fcap;
    uint64_t off;            /* bytes written so far */
    uint64_t records, lines;
    hald_genome_builder_t genome; /* genome mode: each frame's place */
} pack_job_t;

static int out_write(pack_job_t *j, const void *p, size_t n, hald_error_t *err)
{
    int rc = hald_sink_write(j->out, p, n, err);
    if (rc == HALD_OK)
        j->off += n;
    return rc;
}

static int push_frame(pack_job_t *j, const hald_pack_frame_t *f, hald_error_t *err)
{
    if (j->n == j->fcap) {
        size_t cap = j->fcap ? j->fcap * 2 : 64;
        hald_pack_frame_t *v = realloc(j->frames, cap * sizeof *v);
        if (!v)
            return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", j->out_name);
        j->frames = v;
        j->fcap = cap;
    }
    j->frames[j->n++] = *f;
    return HALD_OK;
}

static int pack_next(void *ctx, void *unit, hald_error_t *err)
{
    return cutter_next(&((pack_job_t *)ctx)->cut, unit, err);
}

static int pack_take(void *ctx, void *unit, hald_error_t *err)
{
    pack_job_t *j = ctx;
    pack_unit_t *u = unit;
    if (u->base.err.code != HALD_OK)
        return HALD_OK; /* the runner reports it */
    if (j->n >= MAX_FRAMES)
        return hald_error_set(err, HALD_E_USAGE, "%s: more than %llu frames; use a larger frame size",
                              j->cut.name, (unsigned long long)MAX_FRAMES);
    if (u->base.out.len > UINT32_MAX)
        return hald_error_set(err, HALD_E_INPUT, "%s: frame %zu compresses to %zu bytes, "
                              "more than a packed frame can record", j->cut.name, j->n,
                              u->base.out.len);
    hald_pack_frame_t f = {.offset = j->off, .csize = (uint32_t)u->base.out.len,
                           .dsize = (uint32_t)u->dsize, .records = u->records,
                           .newlines = u->newlines, .first_record = j->records,
                           .first_line = 1 + j->lines};
    int rc = push_frame(j, &f, err);
    if (rc == HALD_OK && j->cut.genome) {
        hald_gframe_summary_t g = {u->name.len > 0, u->name.data, u->name.len, u->bases,
                                   u->head.data, u->tail.data};
        rc = hald_genome_builder_add(&j->genome, &g, j->cut.name, err);
    }
    if (rc == HALD_OK)
        rc = out_write(j, u->base.out.data, u->base.out.len, err);
    j->records += u->records;
    j->lines += u->newlines;
    return rc;
}

static void put_entry(unsigned char *e, const hald_pack_frame_t *f)
{
    hald_put_le64(e, f->offset);
    hald_put_le32(e + 8, f->csize);
    hald_put_le32(e + 12, f->dsize);
    hald_put_le64(e + 16, f->records);
    hald_put_le64(e + 24, f->newlines);
}

static int write_index(pack_job_t *j, hald_error_t *err)
{
    unsigned char h[SKIP_HEAD + IDX_HEAD], e[IDX_ENTRY];
    hald_put_le32(h, SKIP_HALD);
    hald_put_le32(h + 4, (uint32_t)(IDX_HEAD + (uint64_t)j->n * IDX_ENTRY + IDX_CRC));
    memcpy(h + 8, IDX_MAGIC, 8);
    hald_put_le32(h + 16, IDX_VERSION);
    hald_put_le32(h + 20, j->cut.genome ? IDX_FORMAT_GENOME : (uint32_t)j->cut.fmt);
    hald_put_le64(h + 24, j->n);
    uint32_t crc = hald_packed_crc(0, h + SKIP_HEAD, IDX_HEAD);
    int rc = out_write(j, h, sizeof h, err);
    for (size_t k = 0; rc == HALD_OK && k < j->n; k++) {
        put_entry(e, &j->frames[k]);
        crc = hald_packed_crc(crc, e, sizeof e);
        rc = out_write(j, e, sizeof e, err);
    }
    if (rc == HALD_OK) {
        hald_put_le32(e, crc);
        rc = out_write(j, e, IDX_CRC, err);
    }
    return rc;
}

/* The zstd seekable format's table, without checksums. */
static int write_seek_table(pack_job_t *j, hald_error_t *err)
{
    unsigned char b[SKIP_HEAD + SEEK_FOOTER];
    hald_put_le32(b, SKIP_SEEK);
    hald_put_le32(b + 4, (uint32_t)((uint64_t)j->n * SEEK_ENTRY + SEEK_FOOTER));
    int rc = out_write(j, b, SKIP_HEAD, err);
    for (size_t k = 0; rc == HALD_OK && k < j->n; k++) {
        hald_put_le32(b, j->frames[k].csize);
        hald_put_le32(b + 4, j->frames[k].dsize);
        rc = out_write(j, b, SEEK_ENTRY, err);
    }
    if (rc == HALD_OK) {
        hald_put_le32(b, (uint32_t)j->n);
        b[4] = 0;
        hald_put_le32(b + 5, SEEK_MAGIC);
        rc = out_write(j, b, SEEK_FOOTER, err);
    }
    return rc;
}

static int pack_finish(void *ctx, hald_run_stats_t *stats, hald_error_t *err)
{
    (void)stats;
    pack_job_t *j = ctx;
    /* Empty (or blank) input: the format is still to be settled. */
    if (j->cut.fmt == HALD_FORMAT_AUTO)
        j->cut.fmt = HALD_FORMAT_LINES;
    int rc = HALD_OK;
    if (j->cut.genome) { /* between the data frames and the index */
        hald_buf_t section;
        hald_buf_init(&section);
        rc = hald_genome_builder_encode(&j->genome, &section, err);
        if (rc == HALD_OK)
            rc = out_write(j, section.data, section.len, err);
        hald_buf_free(&section);
    }
    if (rc == HALD_OK)
        rc = write_index(j, err);
    return rc == HALD_OK ? write_seek_table(j, err) : rc;
}

static uint64_t pack_bytes_in(const void *ctx)
{
    return __atomic_load_n(&((const pack_job_t *)ctx)->cut.read_in, __ATOMIC_RELAXED);
}

/* ================================================================ entry */

/* Every rank: the job over `in` (NULL on ranks other than 0). */
static int pack_job(hald_reader_t *in, uint64_t in_size, hald_sink_t *out, const hald_pack_opts_t *o,
                    const hald_run_env_t *env, hald_pack_stats_t *st, hald_error_t *err)
{
    int rc = check_opts(o, err);
    if (rc != HALD_OK)
        return rc;
    pack_shared_t sh = {o->level, out ? hald_sink_name(out) : "pack", in ? hald_reader_name(in) : "input"};
    hald_job_t job = {
        .task = "pack",
        .items_name = "records",
        .layout = &PACK_LAYOUT,
        .shared = &sh,
        .next = pack_next,
        .work = pack_work,
        .take = pack_take,
        .finish = pack_finish,
        .scratch_new = scratch_new,
        .scratch_free = scratch_free,
        .bytes_in = pack_bytes_in,
        .bytes_total = in_size,
    };
    hald_run_stats_t rs;
    if (hald_mpi_rank(env->mpi) != 0)
        return hald_runner_run(&job, env, &rs, err);
    pack_job_t j;
    memset(&j, 0, sizeof j);
    j.out = out;
    j.out_name = sh.name;
    rc = cutter_init(&j.cut, in, o, err);
    if (rc == HALD_OK) {
        job.ctx = &j;
        rc = hald_runner_run(&job, env, &rs, err);
    }
    if (rc == HALD_OK && st) {
        st->frames = j.n;
        st->records = j.records;
        st->bytes_in = j.cut.bytes_in;
        st->bytes_out = j.off;
        st->format = j.cut.fmt;
    }
    free(j.cut.buf);
    free(j.frames);
    hald_genome_builder_free(&j.genome);
    return rc;
}

int hald_pack_run(const hald_pack_opts_t *o, const char *path, hald_sink_t *out,
                  const hald_run_env_t *env, hald_pack_stats_t *st, hald_error_t *err)
{
    if (hald_mpi_rank(env->mpi) != 0)
        return pack_job(NULL, 0, NULL, o, env, st, err);
    hald_reader_t *in = hald_reader_open(path, err);
    if (!in)
        return err->code;
    uint64_t size = hald_reader_size(in);
    int rc = pack_job(in, size, out, o, env, st, err);
    hald_reader_close(in);
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
    hald_run_env_t env;
    hald_run_env_init(&env);
    return pack_job(in, 0, out, o, &env, st, err);
}
