/* The record source: units of sequence text or frames, and their records. */
#include "record_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "hald/pack.h"
#include "hald/reader.h"
#include "hald/recstart.h"
#include "../io/le.h"
#include "packed_format.h"

/* Compressed bytes read per refill in frames mode. */
#define FRAMES_READ (UINT64_C(1) << 20)
/* Bytes looked at to detect the format of a multi-frame file. */
#define DETECT_BYTES (1u << 20)

/* ================================================================ opening */

typedef enum src_mode { SRC_STREAM, SRC_FRAMES, SRC_PACKED } src_mode_t;

struct hald_recsrc {
    src_mode_t mode;
    char *name;
    int fd;                 /* frames, packed: the file */
    hald_reader_t *reader;  /* stream */
    int owns_reader;
    hald_format_t format;   /* as detected so far */
    uint64_t bytes_total;
    /* frames */
    hald_buf_t cbuf;        /* compressed bytes read ahead */
    size_t cpos;
    uint64_t cbuf_offset;   /* file offset of cbuf.data[0] */
    int c_eof;
    uint64_t bytes_read;    /* frames and packed (atomic: progress reads it) */
    uint64_t stream_bytes;  /* what the stream reader consumed (atomic copy) */
    /* packed */
    hald_pack_index_t idx;
    uint64_t next_frame, end_frame;
    int workers_read;       /* deal frame numbers: workers read the frames */
    uint64_t file_bytes;    /* packed: frame bytes this process read (atomic) */
    /* joining, on the writer side */
    hald_buf_t carry;       /* text of records that may straddle units */
    hald_format_t carry_format;
    uint64_t records_done;  /* records before the carry */
    uint64_t lines_done;    /* newlines before the carry */
};

/* The format of a file from its first decoded bytes (AUTO if all blank). */
static int sniff_file_format(const char *path, hald_format_t *f, hald_error_t *err)
{
    hald_reader_t *r = hald_reader_open(path, err);
    if (!r)
        return err->code;
    char *buf = malloc(DETECT_BYTES);
    size_t got = 0;
    int rc = buf ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
    while (rc == HALD_OK && got < DETECT_BYTES) {
        ssize_t n = hald_reader_read(r, buf + got, DETECT_BYTES - got, err);
        if (n <= 0)
            break; /* a decode error here is reported, with its unit, by the run */
        got += (size_t)n;
        if (hald_format_detect(buf, got, f))
            break;
    }
    free(buf);
    hald_reader_close(r);
    return rc;
}

/* The compressed size of the zstd frame at offset 0, found by walking its
 * block headers (RFC 8878) with small reads, so that a single 50 GB frame
 * costs a few hundred bytes of reading, not megabytes; 0 if the frame is
 * damaged or longer than `limit`. */
static uint64_t first_frame_size(int fd, uint64_t size, uint64_t limit)
{
    unsigned char h[14];
    if (size < 6 || pread(fd, h, sizeof h < size ? sizeof h : (size_t)size, 0) < 6 ||
        hald_get_le32(h) != 0xFD2FB528u)
        return 0;
    unsigned fhd = h[4], fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, did_flag = fhd & 3;
    static const unsigned did_size[4] = {0, 1, 2, 4}, fcs_size[4] = {0, 2, 4, 8};
    uint64_t at = 5 + !single + did_size[did_flag] + (fcs_flag == 0 && single ? 1 : fcs_size[fcs_flag]);
    for (;;) {
        unsigned char b[3];
        if (at + 3 > size || at > limit || pread(fd, b, 3, (off_t)at) != 3)
            return 0;
        uint32_t head = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
        unsigned last = head & 1, type = (head >> 1) & 3;
        if (type == 3)
            return 0; /* reserved: not a valid frame */
        at += 3 + (type == 1 ? 1 : head >> 3);
        if (last)
            return at + ((fhd >> 2) & 1 ? 4 : 0);
    }
}

/* Whether a regular zstd file holds more than one frame, the first of them
 * small enough to take whole. */
static int is_multi_frame(int fd, uint64_t size)
{
    uint64_t first = first_frame_size(fd, size, HALD_FRAME_MAX);
    return first > 0 && first < size;
}

static int open_stream(hald_recsrc_t *s, const char *path, hald_error_t *err)
{
    s->mode = SRC_STREAM;
    s->reader = hald_reader_open(path, err);
    s->owns_reader = 1;
    return s->reader ? HALD_OK : err->code;
}

static int open_input(hald_recsrc_t *s, const char *path, const hald_recsrc_opts_t *o,
                      hald_error_t *err)
{
    struct stat st;
    int regular = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    unsigned char magic[4] = {0};
    if (regular) {
        s->bytes_total = (uint64_t)st.st_size;
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", path);
        if (pread(s->fd, magic, 4, 0) != 4)
            memset(magic, 0, 4);
        /* Any regular file may be packed: one packed from empty input starts
         * with its index's skippable frame, not a data frame. */
        int rc = hald_pack_index_read(s->fd, path, &s->idx, err);
        if (rc < 0)
            return rc;
        if (rc == HALD_OK && s->idx.genome) { /* frames of sequences, not of records */
            hald_pack_index_free(&s->idx);
            rc = 1;
        }
        if (rc == HALD_OK) {
            s->mode = SRC_PACKED;
            s->workers_read = o->workers_read;
            s->format = s->idx.format;
            s->end_frame = s->idx.n_frames;
            if (o->shard_count)
                hald_pack_shard(&s->idx, o->shard_index, o->shard_count, &s->next_frame,
                                &s->end_frame);
            /* Progress counts the frames this run reads, not the index. */
            s->bytes_total = 0;
            for (uint64_t k = s->next_frame; k < s->end_frame; k++)
                s->bytes_total += s->idx.frames[k].csize;
            return HALD_OK;
        }
    }
    if (o->shard_count)
        return hald_error_set(err, HALD_E_USAGE,
                              "%s: --shard needs a packed input (make one with hald pack)", path);
    int zstd = magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD;
    if (regular && zstd && is_multi_frame(s->fd, (uint64_t)st.st_size)) {
        if (s->format == HALD_FORMAT_AUTO) {
            int rc = sniff_file_format(path, &s->format, err);
            if (rc != HALD_OK)
                return rc;
        }
        if (s->format != HALD_FORMAT_AUTO) {
            s->mode = SRC_FRAMES;
            return HALD_OK;
        }
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    return open_stream(s, path, err);
}

static hald_recsrc_t *recsrc_new(const char *name, const hald_recsrc_opts_t *o, hald_error_t *err)
{
    hald_recsrc_t *s = calloc(1, sizeof *s);
    if (s)
        s->name = strdup(strcmp(name, "-") == 0 ? "stdin" : name);
    if (!s || !s->name) {
        free(s);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", name);
        return NULL;
    }
    s->fd = -1;
    s->format = o->format;
    s->carry_format = o->format;
    return s;
}

hald_recsrc_t *hald_recsrc_open(const char *path, const hald_recsrc_opts_t *o, hald_error_t *err)
{
    hald_recsrc_t *s = recsrc_new(path, o, err);
    if (s && open_input(s, path, o, err) != HALD_OK) {
        hald_recsrc_close(s);
        return NULL;
    }
    return s;
}

hald_recsrc_t *hald_recsrc_open_reader(hald_reader_t *r, const hald_recsrc_opts_t *o,
                                       hald_error_t *err)
{
    if (o->shard_count) {
        hald_error_set(err, HALD_E_USAGE, "%s: --shard needs a packed file, not a stream",
                       hald_reader_name(r));
        return NULL;
    }
    hald_recsrc_t *s = recsrc_new(hald_reader_name(r), o, err);
    if (s) {
        s->mode = SRC_STREAM;
        s->reader = r;
        s->bytes_total = hald_reader_size(r);
    }
    return s;
}

void hald_recsrc_close(hald_recsrc_t *s)
{
    if (!s)
        return;
    if (s->owns_reader)
        hald_reader_close(s->reader);
    if (s->fd >= 0)
        close(s->fd);
    hald_buf_free(&s->cbuf);
    hald_buf_free(&s->carry);
    hald_pack_index_free(&s->idx);
    free(s->name);
    free(s);
}

const char *hald_recsrc_name(const hald_recsrc_t *s) { return s->name; }

const char *hald_recsrc_kind(const hald_recsrc_t *s)
{
    return s->mode == SRC_PACKED ? "packed" : s->mode == SRC_FRAMES ? "frames" : "stream";
}
uint64_t hald_recsrc_bytes_total(const hald_recsrc_t *s) { return s->bytes_total; }
hald_format_t hald_recsrc_format(const hald_recsrc_t *s) { return s->carry_format; }

uint64_t hald_recsrc_bytes_in(const hald_recsrc_t *s)
{
    return __atomic_load_n(&s->bytes_read, __ATOMIC_RELAXED) +
           __atomic_load_n(&s->stream_bytes, __ATOMIC_RELAXED);
}

uint64_t hald_recsrc_bytes_read(const hald_recsrc_t *s)
{
    return s->mode == SRC_PACKED ? __atomic_load_n(&s->file_bytes, __ATOMIC_RELAXED)
                                 : hald_recsrc_bytes_in(s);
}

/* ================================================================ units */

/* Decoded text up to HALD_UNIT_TEXT bytes: 1, or 0 at the end. */
static int stream_next(hald_recsrc_t *s, hald_record_unit_t *u, hald_error_t *err)
{
    u->frames = 0;
    while (u->input.len < HALD_UNIT_TEXT) {
        size_t want = (size_t)(HALD_UNIT_TEXT - u->input.len);
        char *dst = hald_buf_reserve(&u->input, want, err);
        if (!dst)
            return err->code;
        ssize_t n = hald_reader_read(s->reader, dst, want, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        u->input.len += (size_t)n;
    }
    __atomic_store_n(&s->stream_bytes, hald_reader_bytes_in(s->reader), __ATOMIC_RELAXED);
    return u->input.len > 0;
}

/* Keeps cbuf holding unread bytes from cpos; reads more when asked. */
static int frames_refill(hald_recsrc_t *s, hald_error_t *err)
{
    if (s->cpos > 0) {
        memmove(s->cbuf.data, s->cbuf.data + s->cpos, s->cbuf.len - s->cpos);
        s->cbuf.len -= s->cpos;
        s->cbuf_offset += s->cpos;
        s->cpos = 0;
    }
    char *dst = hald_buf_reserve(&s->cbuf, FRAMES_READ, err);
    if (!dst)
        return err->code;
    ssize_t n;
    do
        n = read(s->fd, dst, FRAMES_READ);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", s->name);
    if (n == 0)
        s->c_eof = 1;
    s->cbuf.len += (size_t)n;
    __atomic_add_fetch(&s->bytes_read, (uint64_t)n, __ATOMIC_RELAXED);
    return HALD_OK;
}

/* From a frame too large to take whole, the rest of the file is decoded as
 * one stream by the reading thread. */
static int frames_to_stream(hald_recsrc_t *s, hald_error_t *err)
{
    off_t at = (off_t)(s->cbuf_offset + s->cpos);
    if (lseek(s->fd, at, SEEK_SET) != at)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: seek failed", s->name);
    s->reader = hald_reader_from_fd(s->fd, 0, s->name, err);
    if (!s->reader)
        return err->code;
    s->owns_reader = 1;
    /* bytes_read already counts what cbuf held beyond `at`. */
    __atomic_sub_fetch(&s->bytes_read, (uint64_t)(s->cbuf.len - s->cpos), __ATOMIC_RELAXED);
    s->mode = SRC_STREAM;
    return HALD_OK;
}

/* Names a skippable frame that the end of the file cuts short. */
static int cut_skippable_frame(const hald_recsrc_t *s, hald_error_t *err)
{
    uint32_t magic = hald_get_le32(s->cbuf.data + s->cpos);
    if ((magic & 0xFFFFFFF0u) != 0x184D2A50u)
        return HALD_OK; /* a data frame: the decoder names it */
    const char *what = magic == SKIP_HALD   ? "the packed index"
                       : magic == SKIP_SEEK ? "the seek table"
                                            : "a skippable frame";
    return hald_error_set(err, HALD_E_INPUT, "%s: %s at offset %llu is cut short (a truncated file)",
                          s->name, what, (unsigned long long)(s->cbuf_offset + s->cpos));
}

/* Whole frames totalling at least HALD_UNIT_FRAMES compressed bytes. */
static int frames_next(hald_recsrc_t *s, hald_record_unit_t *u, hald_error_t *err)
{
    u->frames = 1;
    u->in_offset = s->cbuf_offset + s->cpos;
    uint64_t decoded = 0; /* what the unit's frames say they decode to */
    while (u->input.len < HALD_UNIT_FRAMES) {
        size_t avail = s->cbuf.len - s->cpos;
        size_t size = avail ? ZSTD_findFrameCompressedSize(s->cbuf.data + s->cpos, avail) : 0;
        int incomplete = avail == 0 || (ZSTD_isError(size) &&
                                        ZSTD_getErrorCode(size) == ZSTD_error_srcSize_wrong);
        if (incomplete && !s->c_eof) {
            if (avail >= HALD_FRAME_MAX) {
                if (u->input.len > 0)
                    return 1; /* finish this unit; switch on the next call */
                int rc = frames_to_stream(s, err);
                return rc == HALD_OK ? stream_next(s, u, err) : rc;
            }
            int rc = frames_refill(s, err);
            if (rc != HALD_OK)
                return rc;
            continue;
        }
        if (avail == 0)
            break;
        /* A packed file cut inside its index or seek table has whole data
         * frames and a cut skippable frame: say what was cut. */
        if (incomplete && avail >= 4)
            if (cut_skippable_frame(s, err) != HALD_OK)
                return err->code;
        /* A truncated or corrupt frame goes to the decoder whole, which
         * names it with its offset. */
        if (ZSTD_isError(size))
            size = avail;
        /* Frames are grouped by what they say they decode to as well.  From
         * a frame that decodes to more than a unit's worth (five tiny
         * frames of 64 MiB each, say), or does not say (any ratio is then
         * possible), the file is decoded as a stream by the reading
         * thread, in units of ordinary size.  A damaged frame goes to a
         * worker whole, which names it. */
        unsigned long long content = ZSTD_getFrameContentSize(s->cbuf.data + s->cpos, size);
        int known = content != ZSTD_CONTENTSIZE_UNKNOWN && content != ZSTD_CONTENTSIZE_ERROR;
        if (content != ZSTD_CONTENTSIZE_ERROR && (!known || content > HALD_UNIT_FRAMES_TEXT)) {
            if (u->input.len > 0)
                return 1;
            int rc = frames_to_stream(s, err);
            return rc == HALD_OK ? stream_next(s, u, err) : rc;
        }
        if (known && u->input.len > 0 && decoded + content > HALD_UNIT_FRAMES_TEXT)
            return 1;
        decoded += known ? content : 0;
        if (hald_buf_append(&u->input, s->cbuf.data + s->cpos, size, err) != HALD_OK)
            return err->code;
        s->cpos += size;
    }
    return u->input.len > 0;
}

static int packed_next(hald_recsrc_t *s, hald_record_unit_t *u, hald_error_t *err)
{
    if (s->next_frame >= s->end_frame)
        return 0;
    const hald_pack_frame_t *f = &s->idx.frames[s->next_frame++];
    u->frames = 1;
    u->aligned = 1;
    u->record_base = f->first_record;
    u->line_base = f->first_line;
    u->in_offset = f->offset;
    u->index_records = f->records;
    u->index_lines = f->newlines;
    /* Counted as consumed when dealt, for progress, whoever reads it. */
    __atomic_add_fetch(&s->bytes_read, (uint64_t)f->csize, __ATOMIC_RELAXED);
    if (s->workers_read) {
        u->read_size = f->csize;
        return 1;
    }
    char *dst = hald_buf_reserve(&u->input, f->csize, err);
    if (!dst || hald_pread_frame(s->fd, s->name, dst, f->csize, f->offset, err) != HALD_OK)
        return err->code;
    u->input.len = f->csize;
    __atomic_add_fetch(&s->file_bytes, (uint64_t)f->csize, __ATOMIC_RELAXED);
    return 1;
}

int hald_recsrc_next(hald_recsrc_t *s, hald_record_unit_t *u, hald_error_t *err)
{
    int rc = s->mode == SRC_PACKED ? packed_next(s, u, err)
             : s->mode == SRC_FRAMES ? frames_next(s, u, err)
                                     : stream_next(s, u, err);
    if (rc <= 0)
        return rc;
    if (s->format == HALD_FORMAT_AUTO && !u->frames)
        hald_format_detect(u->input.data, u->input.len, &s->format);
    u->format = (uint64_t)s->format;
    return 1;
}

int hald_recsrc_ids_deferred(const hald_record_unit_t *u)
{
    return !u->aligned && u->format == HALD_FORMAT_LINES;
}

/* ================================================================ joining */

static uint64_t count_newlines(const char *s, size_t n)
{
    uint64_t k = 0;
    for (const char *end = s + n; (s = memchr(s, '\n', (size_t)(end - s))) != NULL; s++)
        k++;
    return k;
}

int hald_recsrc_join_begin(hald_recsrc_t *s, const hald_record_unit_t *u, hald_error_t *err)
{
    s->carry_format = (hald_format_t)u->format;
    if (u->aligned)
        return 1;
    if (hald_buf_append(&s->carry, u->head.data, u->head.len, err) != HALD_OK)
        return err->code;
    if (u->has_start)
        return 1;
    /* A unit without a record start only lengthens one record: a NUL in it
     * is binary data (as /dev/zero), said now rather than after 256 MiB. */
    if (u->head.len && memchr(u->head.data, '\0', u->head.len))
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: binary data (a NUL byte) near record %llu: not FASTA, FASTQ or text",
                              s->name, (unsigned long long)s->records_done + 1);
    if (s->carry.len > HALD_UNIT_TEXT_MAX)
        return hald_error_set(err, HALD_E_INPUT,
                              "%s: a record near record %llu spans more than %llu MiB (hald score "
                              "reads windows; for whole sequences use hald scan)",
                              s->name, (unsigned long long)s->records_done + 1,
                              (unsigned long long)(HALD_UNIT_TEXT_MAX >> 20));
    return 0;
}

void hald_recsrc_join_text(const hald_recsrc_t *s, const char **text, size_t *len,
                           uint64_t *record_base, uint64_t *line_base)
{
    *text = s->carry.data ? s->carry.data : "";
    *len = s->carry.len;
    *record_base = s->records_done;
    *line_base = s->lines_done + 1;
}

void hald_recsrc_join_done(hald_recsrc_t *s, uint64_t carry_records)
{
    s->records_done += carry_records;
    s->lines_done += count_newlines(s->carry.data ? s->carry.data : "", s->carry.len);
    s->carry.len = 0;
}

void hald_recsrc_body_base(const hald_recsrc_t *s, const hald_record_unit_t *u,
                           uint64_t *record_base, uint64_t *line_base)
{
    *record_base = u->aligned ? u->record_base : s->records_done;
    *line_base = u->aligned ? u->line_base : s->lines_done + 1;
}

int hald_recsrc_join_end(hald_recsrc_t *s, const hald_record_unit_t *u, uint64_t body_records,
                         hald_error_t *err)
{
    s->records_done += body_records;
    if (u->aligned)
        return HALD_OK;
    s->lines_done += u->nl_body;
    s->carry.len = 0;
    return hald_buf_append(&s->carry, u->tail.data, u->tail.len, err);
}

/* ================================================================ workers */

struct hald_recsrc_work {
    hald_record_unit_t *unit;  /* unaligned: its body's lines are counted */
    const hald_record_unit_t *packed; /* packed: its index entry is checked */
    const char *name;
    ZSTD_DCtx *dctx;
    hald_buf_t text;         /* decoded frames */
    const char *body;        /* the records the worker parses */
    size_t body_len;
    hald_parser_t *parser;
    hald_batch_t batch;
};

hald_recsrc_work_t *hald_recsrc_work_new(void)
{
    hald_recsrc_work_t *w = calloc(1, sizeof *w);
    if (w)
        hald_batch_init(&w->batch);
    return w;
}

void hald_recsrc_work_free(hald_recsrc_work_t *w)
{
    if (!w)
        return;
    ZSTD_freeDCtx(w->dctx);
    hald_buf_free(&w->text);
    hald_parser_free(w->parser);
    hald_batch_free(&w->batch);
    free(w);
}

/* One frame whose decoded size its header states: decoded in one call
 * straight into the text, with no streaming window to copy out of. */
static void decode_sized_frame(ZSTD_DCtx *dctx, hald_buf_t *text, const char *src, size_t size,
                               unsigned long long content, size_t *result)
{
    char *dst = text->data + text->len;
    *result = ZSTD_decompressDCtx(dctx, dst, (size_t)content, src, size);
    if (!ZSTD_isError(*result))
        text->len += *result;
}

static int decode_frames(const hald_recsrc_cfg_t *cfg, const hald_record_unit_t *u,
                         hald_recsrc_work_t *w, hald_error_t *err)
{
    if (!w->dctx && !(w->dctx = ZSTD_createDCtx()))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", cfg->input_name);
    ZSTD_DCtx *dctx = w->dctx;
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    hald_buf_t *text = &w->text;
    text->len = 0;
    size_t pos = 0, last = 0, frame_at = 0; /* frame_at: where the last frame began */
    const char *src = u->input.data;
    while (pos < u->input.len) {
        frame_at = pos;
        size_t avail = u->input.len - pos;
        size_t size = ZSTD_findFrameCompressedSize(src + pos, avail);
        unsigned long long content = ZSTD_isError(size) ? ZSTD_CONTENTSIZE_ERROR
                                                        : ZSTD_getFrameContentSize(src + pos, avail);
        if (content <= HALD_UNIT_TEXT_MAX - text->len) {
            if (!hald_buf_reserve(text, (size_t)content, err))
                return err->code;
            decode_sized_frame(dctx, text, src + pos, size, content, &last);
            if (ZSTD_isError(last))
                break;
            pos += size;
            last = 0;
            continue;
        }
        /* No size in the header (or garbage): stream it, which also finds
         * where a damaged frame goes wrong. */
        ZSTD_inBuffer in = {src + pos, avail, 0};
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
        while (in.pos < in.size) {
            char *dst = hald_buf_reserve(text, 1 << 20, err);
            if (!dst)
                return err->code;
            ZSTD_outBuffer out = {dst, text->cap - text->len, 0};
            last = ZSTD_decompressStream(dctx, &out, &in);
            text->len += out.pos;
            if (ZSTD_isError(last))
                break;
            if (text->len > HALD_UNIT_TEXT_MAX)
                return hald_error_set(err, HALD_E_INPUT,
                                      "%s: zstd frame at offset %llu decodes to more than %llu MiB",
                                      cfg->input_name, (unsigned long long)(u->in_offset + pos),
                                      (unsigned long long)(HALD_UNIT_TEXT_MAX >> 20));
        }
        pos += in.pos;
        break;
    }
    if (ZSTD_isError(last))
        return hald_error_set(err, HALD_E_INPUT, "%s: zstd frame at offset %llu: %s",
                              cfg->input_name, (unsigned long long)(u->in_offset + frame_at),
                              ZSTD_getErrorName(last));
    if (last != 0 || pos < u->input.len)
        return hald_error_set(err, HALD_E_INPUT, "%s: truncated zstd frame at offset %llu",
                              cfg->input_name, (unsigned long long)(u->in_offset + frame_at));
    return HALD_OK;
}

int hald_recsrc_open_text(const hald_recsrc_cfg_t *cfg, hald_recsrc_work_t *w, hald_format_t fmt,
                          const char *text, size_t len, uint64_t record_base, uint64_t line_base,
                          hald_error_t *err)
{
    w->unit = NULL;
    w->packed = NULL;
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = fmt;
    po.max_stored = cfg->max_stored;
    po.first_record = record_base;
    po.first_line = line_base;
    hald_parser_free(w->parser);
    w->body = text;
    w->body_len = len;
    w->parser = hald_parser_from_memory(text, len, cfg->input_name, &po, err);
    return w->parser ? HALD_OK : err->code;
}

int hald_recsrc_open_unit(const hald_recsrc_cfg_t *cfg, hald_record_unit_t *u,
                          hald_recsrc_work_t *w, hald_error_t *err)
{
    hald_parser_free(w->parser);
    w->parser = NULL;
    w->unit = NULL;
    if (u->read_size && hald_frame_file_read(&cfg->file, cfg->input_name, &u->input, u->read_size,
                                             u->in_offset, err) != HALD_OK)
        return err->code;
    if (u->frames && decode_frames(cfg, u, w, err) != HALD_OK)
        return err->code;
    const hald_buf_t *tb = u->frames ? &w->text : &u->input;
    const char *text = tb->data ? tb->data : "";
    size_t len = tb->len, start = 0, end = len;
    hald_format_t fmt = (hald_format_t)u->format;
    if (!u->aligned) {
        /* Records before the first and from the last start may continue in
         * the neighbouring units: the writer joins them. */
        start = hald_recstart_next(fmt, text, len, 0);
        end = start < len ? hald_recstart_last(fmt, text, len) : len;
        u->has_start = start < len;
        if (hald_buf_append(&u->head, text, start, err) != HALD_OK ||
            hald_buf_append(&u->tail, text + end, len - end, err) != HALD_OK)
            return err->code;
    }
    int rc = hald_recsrc_open_text(cfg, w, fmt, text + start, end - start,
                                   u->aligned ? u->record_base : 0, u->aligned ? u->line_base : 1,
                                   err);
    /* next_batch gives an unaligned unit its body's line count at the end. */
    w->unit = u->aligned ? NULL : u;
    w->packed = u->aligned ? u : NULL;
    w->name = cfg->input_name;
    return rc;
}

/* Record ids and line numbers of a packed file come from its index; the
 * CRC guards against damage, this against an index rewritten with a valid
 * CRC but counts that do not match the frames (ids would shift silently). */
static int check_packed_counts(const hald_recsrc_work_t *w, hald_error_t *err)
{
    const hald_record_unit_t *u = w->packed;
    uint64_t records = hald_parser_records(w->parser) - u->record_base;
    uint64_t lines = hald_parser_lines(w->parser) - (u->line_base - 1);
    if (records == u->index_records && lines == u->index_lines)
        return 0;
    return hald_error_set(err, HALD_E_INPUT,
                          "%s: frame at offset %llu holds %llu records in %llu lines but the packed "
                          "index says %llu in %llu (a damaged index: pack the input again)",
                          w->name, (unsigned long long)u->in_offset, (unsigned long long)records,
                          (unsigned long long)lines, (unsigned long long)u->index_records,
                          (unsigned long long)u->index_lines);
}

int hald_recsrc_next_batch(hald_recsrc_work_t *w, const hald_batch_t **b, hald_error_t *err)
{
    int rc = hald_parser_next(w->parser, &w->batch, err);
    *b = &w->batch;
    /* The parser counted the body's lines (from 1): the writer numbers
     * later units' lines with them, for messages and lines-format ids. */
    if (rc == 0 && w->unit)
        w->unit->nl_body = hald_parser_lines(w->parser);
    if (rc == 0 && w->packed)
        return check_packed_counts(w, err);
    return rc;
}

int hald_recsrc_keep_body(hald_record_unit_t *u, hald_recsrc_work_t *w, hald_error_t *err)
{
    u->keep_body = 1;
    u->body.len = 0;
    return hald_buf_append(&u->body, w->body, w->body_len, err);
}
