/* The parallel engine: a source cuts the input into units, an ordered
 * pipeline (opipe) processes them on threads or sends them to other ranks,
 * and the writer joins records that straddle units and writes in order. */
#include "hald/engine.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "hald/numfmt.h"
#include "hald/opipe.h"
#include "hald/pack.h"
#include "hald/reader.h"
#include "hald/recstart.h"
#include "hald/serve.h"
#include "unit.h"

/* Units in flight per thread, and per remote rank. */
#define SLOTS_PER_THREAD 3
#define SLOTS_PER_RANK 3
/* Compressed bytes read per refill in frames mode. */
#define FRAMES_READ (UINT64_C(1) << 20)
/* Bytes looked at to detect the format of a multi-frame file. */
#define DETECT_BYTES (1u << 20)

void hald_engine_opts_init(hald_engine_opts_t *o)
{
    memset(o, 0, sizeof *o);
    hald_run_opts_init(&o->run);
}

/* ================================================================ sources */

typedef enum src_mode { SRC_STREAM, SRC_FRAMES, SRC_PACKED } src_mode_t;

typedef struct source {
    src_mode_t mode;
    const char *name;
    int fd;                 /* frames, packed: the file */
    hald_reader_t *reader;  /* stream */
    hald_buf_t cbuf;        /* frames: compressed bytes read ahead */
    size_t cpos;
    uint64_t cbuf_offset;   /* file offset of cbuf.data[0] */
    int c_eof;
    hald_pack_index_t idx;  /* packed */
    uint64_t next_frame, end_frame;
    uint64_t bytes_in;      /* compressed bytes read (atomic: progress reads it) */
} source_t;

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
        if (n <= 0) {
            /* A decode error here is reported, with its unit, by the run. */
            break;
        }
        got += (size_t)n;
        if (hald_format_detect(buf, got, f))
            break;
    }
    free(buf);
    hald_reader_close(r);
    return rc;
}

/* Whether a regular zstd file holds more than one frame, the first of them
 * small enough to take whole. */
static int is_multi_frame(int fd, uint64_t size)
{
    size_t n = size < HALD_FRAME_MAX ? (size_t)size : (size_t)HALD_FRAME_MAX;
    n = n < (8u << 20) ? n : (8u << 20);
    char *buf = malloc(n);
    if (!buf)
        return 0;
    ssize_t got = pread(fd, buf, n, 0);
    size_t first = got > 0 ? ZSTD_findFrameCompressedSize(buf, (size_t)got) : 0;
    free(buf);
    return got > 0 && !ZSTD_isError(first) && first < size;
}

static int source_open_stream(source_t *s, const char *path, hald_error_t *err)
{
    s->mode = SRC_STREAM;
    s->reader = hald_reader_open(path, err);
    if (!s->reader)
        return err->code;
    s->name = hald_reader_name(s->reader);
    return HALD_OK;
}

static int source_open(source_t *s, const char *path, const hald_engine_opts_t *o,
                       hald_format_t *format, hald_error_t *err)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->name = path;
    hald_buf_init(&s->cbuf);
    struct stat st;
    int regular = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
    unsigned char magic[4] = {0};
    if (regular) {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: cannot open", path);
        if (pread(s->fd, magic, 4, 0) != 4)
            memset(magic, 0, 4);
    }
    int zstd = magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD;
    /* Any regular file may be packed: one packed from empty input starts
     * with its index's skippable frame, not a data frame. */
    if (regular) {
        int rc = hald_pack_index_read(s->fd, path, &s->idx, err);
        if (rc < 0)
            return rc;
        if (rc == HALD_OK) {
            s->mode = SRC_PACKED;
            *format = s->idx.format;
            s->end_frame = s->idx.n_frames;
            if (o->shard_count)
                hald_pack_shard(&s->idx, o->shard_index, o->shard_count, &s->next_frame,
                                &s->end_frame);
            return HALD_OK;
        }
    }
    if (o->shard_count)
        return hald_error_set(err, HALD_E_USAGE,
                              "%s: --shard needs a packed input (make one with hald pack)", path);
    if (zstd && is_multi_frame(s->fd, (uint64_t)st.st_size)) {
        if (*format == HALD_FORMAT_AUTO) {
            int rc = sniff_file_format(path, format, err);
            if (rc != HALD_OK)
                return rc;
        }
        if (*format != HALD_FORMAT_AUTO) {
            s->mode = SRC_FRAMES;
            return HALD_OK;
        }
    }
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
    }
    return source_open_stream(s, path, err);
}

static void source_close(source_t *s)
{
    hald_reader_close(s->reader);
    if (s->fd >= 0)
        close(s->fd);
    hald_buf_free(&s->cbuf);
    hald_pack_index_free(&s->idx);
}

/* Decoded text up to HALD_UNIT_TEXT bytes: 1, or 0 at the end. */
static int stream_next(source_t *s, unit_t *u, hald_error_t *err)
{
    u->kind = UNIT_TEXT;
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
    __atomic_store_n(&s->bytes_in, hald_reader_bytes_in(s->reader), __ATOMIC_RELAXED);
    return u->input.len > 0;
}

/* Keeps cbuf holding unread bytes from cpos; reads more when asked. */
static int frames_refill(source_t *s, hald_error_t *err)
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
    __atomic_add_fetch(&s->bytes_in, (uint64_t)n, __ATOMIC_RELAXED);
    return HALD_OK;
}

/* From a frame too large to take whole, the rest of the file is decoded as
 * one stream by the reading thread. */
static int frames_to_stream(source_t *s, hald_error_t *err)
{
    off_t at = (off_t)(s->cbuf_offset + s->cpos);
    if (lseek(s->fd, at, SEEK_SET) != at)
        return hald_error_set_errno(err, HALD_E_IO, errno, "%s: seek failed", s->name);
    s->reader = hald_reader_from_fd(s->fd, 0, s->name, err);
    if (!s->reader)
        return err->code;
    s->mode = SRC_STREAM;
    return HALD_OK;
}

/* Whole frames totalling at least HALD_UNIT_FRAMES compressed bytes. */
static int frames_next(source_t *s, unit_t *u, hald_error_t *err)
{
    u->kind = UNIT_FRAMES;
    u->in_offset = s->cbuf_offset + s->cpos;
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
        /* A truncated or corrupt frame goes to the decoder whole, which
         * names it with its offset. */
        if (ZSTD_isError(size))
            size = avail;
        if (hald_buf_append(&u->input, s->cbuf.data + s->cpos, size, err) != HALD_OK)
            return err->code;
        s->cpos += size;
    }
    return u->input.len > 0;
}

static int packed_next(source_t *s, unit_t *u, hald_error_t *err)
{
    if (s->next_frame >= s->end_frame)
        return 0;
    const hald_pack_frame_t *f = &s->idx.frames[s->next_frame++];
    u->kind = UNIT_FRAMES;
    u->aligned = 1;
    u->record_base = f->first_record;
    u->line_base = f->first_line;
    u->in_offset = f->offset;
    char *dst = hald_buf_reserve(&u->input, f->csize, err);
    if (!dst)
        return err->code;
    size_t got = 0;
    while (got < f->csize) {
        ssize_t n = pread(s->fd, dst + got, f->csize - got, (off_t)(f->offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hald_error_set_errno(err, HALD_E_IO, errno, "%s: read failed", s->name);
        if (n == 0)
            return hald_error_set(err, HALD_E_INPUT, "%s: frame at offset %llu is cut short",
                                  s->name, (unsigned long long)f->offset);
        got += (size_t)n;
    }
    u->input.len = got;
    __atomic_add_fetch(&s->bytes_in, (uint64_t)got, __ATOMIC_RELAXED);
    return 1;
}

static int source_next(source_t *s, unit_t *u, hald_error_t *err)
{
    switch (s->mode) {
    case SRC_PACKED: return packed_next(s, u, err);
    case SRC_FRAMES: return frames_next(s, u, err);
    default: return stream_next(s, u, err);
    }
}

/* ================================================================ engine */

typedef struct engine {
    unit_cfg_t cfg;
    const hald_engine_opts_t *opts;
    const hald_transport_t *tp;
    source_t src;
    hald_format_t format;     /* reading side: as detected so far */
    uint64_t next_seq;
    hald_error_t read_err, write_err;
    hald_buf_t msg_out, msg_in;
    /* writing side */
    hald_score_writer_t *out;
    hald_format_t last_format;
    hald_buf_t carry;         /* text of records that may straddle units */
    hald_buf_t rows;          /* rows the writer formats itself */
    uint64_t records_done;    /* records written */
    uint64_t lines_done;      /* newlines before the carry */
    hald_run_stats_t *stats;
    double t0, last_progress;
} engine_t;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---------------------------------------------------------------- reading */

static int engine_read(void *ctx, void *slot)
{
    engine_t *e = ctx;
    unit_t *u = slot;
    unit_reset(u);
    int rc = source_next(&e->src, u, &e->read_err);
    if (rc <= 0)
        return rc;
    if (e->format == HALD_FORMAT_AUTO && u->kind == UNIT_TEXT)
        hald_format_detect(u->input.data, u->input.len, &e->format);
    u->seq = e->next_seq++;
    u->format = e->format;
    u->deferred = !u->aligned && u->format == HALD_FORMAT_LINES &&
                  e->cfg.out_format == HALD_OUT_TSV;
    if (e->tp && e->tp->n_ranks > 1) {
        u->rank = (int)(u->seq % (uint64_t)e->tp->n_ranks);
        if (u->rank != 0) {
            rc = unit_encode(u, &e->msg_out, &e->read_err);
            if (rc == HALD_OK)
                rc = e->tp->send_unit(e->tp->ctx, u->rank, &e->msg_out, &e->read_err);
            if (rc != HALD_OK)
                return rc;
            hald_buf_free(&u->input); /* the rank has it now */
        }
    }
    return 1;
}

static void engine_work(void *ctx, void *slot)
{
    engine_t *e = ctx;
    unit_t *u = slot;
    if (u->rank == 0)
        unit_process(&e->cfg, u);
}

/* ---------------------------------------------------------------- writing */

/* Scores text from the writer's side, where the global numbers are known,
 * and names the first unscorable record under --strict. */
static int score_known(engine_t *e, hald_format_t fmt, const char *text, size_t len,
                       uint64_t record_base, uint64_t line_base, unit_result_t *res,
                       hald_error_t *err);

static void add_na(hald_run_stats_t *st, const unit_result_t *r)
{
    for (int m = 0; m < HALD_N_MODELS; m++)
        for (int k = 0; k < HALD_N_NA; k++)
            st->na[m][k] += r->na[m][k];
}

/* The message for the first unscorable record of text parsed with these
 * bases (the record and its reason are found again by scoring it). */
static int strict_message(engine_t *e, hald_format_t fmt, const char *text, size_t len,
                          uint64_t record_base, uint64_t line_base, hald_error_t *err)
{
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = fmt;
    po.max_stored = e->cfg.max_stored;
    po.first_record = record_base;
    po.first_line = line_base;
    hald_parser_t *p = hald_parser_from_memory(text, len, e->cfg.input_name, &po, err);
    if (!p)
        return err->code;
    hald_batch_t b;
    hald_batch_init(&b);
    int k = hald_model_count(e->cfg.models), rc;
    double *scores = NULL;
    uint8_t *why = NULL;
    while ((rc = hald_parser_next(p, &b, err)) > 0) {
        free(scores);
        free(why);
        scores = malloc(b.n * (size_t)k * sizeof *scores);
        why = malloc(b.n * (size_t)k);
        if (!scores || !why) {
            rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", e->cfg.input_name);
            break;
        }
        hald_score_batch(e->cfg.scorer, e->cfg.models, &b, scores, why);
        if ((rc = hald_batch_first_na_error(e->cfg.models, &b, why, e->cfg.input_name, err)) != HALD_OK)
            break;
    }
    free(scores);
    free(why);
    hald_batch_free(&b);
    hald_parser_free(p);
    return rc < 0 ? rc : hald_error_set(err, HALD_E_UNSCORABLE, "%s: unscorable record",
                                        e->cfg.input_name);
}

static int score_known(engine_t *e, hald_format_t fmt, const char *text, size_t len,
                       uint64_t record_base, uint64_t line_base, unit_result_t *res,
                       hald_error_t *err)
{
    int rc = unit_score_text(&e->cfg, fmt, text, len, record_base, line_base, 0, res, err);
    if (rc == HALD_OK && e->cfg.strict && res->first_na >= 0)
        rc = strict_message(e, fmt, text, len, record_base, line_base, err);
    return rc;
}

static int write_rows(engine_t *e, const hald_buf_t *rows, uint64_t n, hald_error_t *err)
{
    return n || rows->len ? hald_score_writer_rows(e->out, rows, (size_t)n, err) : HALD_OK;
}

/* Scores the joined text of straddling records and empties the carry. */
static int flush_carry(engine_t *e, hald_format_t fmt, hald_error_t *err)
{
    if (e->carry.len == 0)
        return HALD_OK;
    unit_result_t res;
    memset(&res, 0, sizeof res);
    res.first_na = -1;
    res.rows = e->rows;
    res.rows.len = 0;
    int rc = score_known(e, fmt, e->carry.data, e->carry.len, e->records_done,
                         e->lines_done + 1, &res, err);
    e->rows = res.rows;
    if (rc == HALD_OK)
        rc = write_rows(e, &e->rows, res.n_records, err);
    if (rc != HALD_OK)
        return rc;
    e->records_done += res.n_records;
    add_na(e->stats, &res);
    if (fmt == HALD_FORMAT_LINES)
        for (size_t i = 0; i < e->carry.len; i++)
            e->lines_done += e->carry.data[i] == '\n';
    e->carry.len = 0;
    return HALD_OK;
}

/* Lines-format TSV of an unaligned unit: ids are global line numbers,
 * which only the writer knows. */
static int write_deferred(engine_t *e, const unit_t *u, hald_error_t *err)
{
    int k = hald_model_count(e->cfg.models);
    size_t rec_bytes = 8 * (size_t)(k + 1);
    e->rows.len = 0;
    for (size_t off = 0; off + rec_bytes <= u->res.rows.len; off += rec_bytes) {
        uint64_t line;
        double s[HALD_N_MODELS];
        memcpy(&line, u->res.rows.data + off, 8);
        memcpy(s, u->res.rows.data + off + 8, 8 * (size_t)k);
        char id[24];
        size_t id_len = hald_format_u64(line + e->lines_done, id);
        int rc = hald_tsv_row(id, id_len, s, k, &e->rows, err);
        if (rc != HALD_OK)
            return rc;
    }
    return write_rows(e, &e->rows, u->res.n_records, err);
}

/* A unit's own failure, with the global numbers where it concerns a record. */
static int unit_failure(engine_t *e, const unit_t *u, uint64_t record_base, uint64_t line_base,
                        hald_error_t *err)
{
    const unit_result_t *r = &u->res;
    if (r->body.len || r->body_error) {
        unit_result_t scratch;
        memset(&scratch, 0, sizeof scratch);
        scratch.first_na = -1;
        hald_buf_init(&scratch.rows);
        int rc = score_known(e, u->format, r->body.data ? r->body.data : "", r->body.len,
                             record_base, line_base, &scratch, err);
        hald_buf_free(&scratch.rows);
        if (rc != HALD_OK)
            return rc;
    }
    if (r->err.code == HALD_OK)
        return HALD_OK;
    *err = r->err;
    if (u->rank != 0) {
        hald_error_set(err, r->err.code, "rank %d: %.*s", u->rank, HALD_ERROR_MSG_MAX - 32,
                       r->err.msg);
    }
    return err->code;
}

static void report_progress(engine_t *e, int final)
{
    if (!e->opts->progress || !e->opts->progress_fn)
        return;
    double t = now_seconds();
    if (!final && t - e->last_progress < 1.0)
        return;
    e->last_progress = t;
    e->stats->records = e->records_done;
    e->stats->bytes_in = __atomic_load_n(&e->src.bytes_in, __ATOMIC_RELAXED);
    e->opts->progress_fn(e->opts->progress_ctx, e->stats, t - e->t0, final);
}

static int take_unit(engine_t *e, unit_t *u, hald_error_t *err)
{
    unit_result_t *r = &u->res;
    e->last_format = u->format;
    if (r->err.code != HALD_OK && !r->body_error)
        return unit_failure(e, u, 0, 1, err); /* decoding failed: no record to name */
    if (!u->aligned) {
        if (hald_buf_append(&e->carry, r->head.data, r->head.len, err) != HALD_OK)
            return err->code;
        if (!r->has_start) {
            if (e->carry.len > HALD_UNIT_TEXT_MAX)
                return hald_error_set(err, HALD_E_INPUT,
                                      "%s: a record near record %llu spans more than %llu MiB",
                                      e->cfg.input_name, (unsigned long long)e->records_done + 1,
                                      (unsigned long long)(HALD_UNIT_TEXT_MAX >> 20));
            return HALD_OK;
        }
        int rc = flush_carry(e, u->format, err); /* counts the head's lines too */
        if (rc != HALD_OK)
            return rc;
    }
    uint64_t record_base = u->aligned ? u->record_base : e->records_done;
    uint64_t line_base = u->aligned ? u->line_base : e->lines_done + 1;
    if (r->err.code != HALD_OK || (e->cfg.strict && r->first_na >= 0))
        return unit_failure(e, u, record_base, line_base, err);
    int rc = u->deferred ? write_deferred(e, u, err) : write_rows(e, &r->rows, r->n_records, err);
    if (rc != HALD_OK)
        return rc;
    e->records_done += r->n_records;
    add_na(e->stats, r);
    if (!u->aligned) {
        e->lines_done += r->nl_body;
        e->carry.len = 0;
        if (hald_buf_append(&e->carry, r->tail.data, r->tail.len, err) != HALD_OK)
            return err->code;
    }
    report_progress(e, 0);
    return HALD_OK;
}

static int engine_write(void *ctx, void *slot)
{
    engine_t *e = ctx;
    unit_t *u = slot;
    if (u->rank != 0) {
        int rc = e->tp->poll_result(e->tp->ctx, u->rank, &e->msg_in, &e->write_err);
        if (rc == 0)
            return HALD_OPIPE_AGAIN;
        if (rc < 0)
            return rc;
        if (unit_result_decode(&e->msg_in, u, &e->write_err) != HALD_OK)
            return e->write_err.code;
    }
    return take_unit(e, u, &e->write_err);
}

/* ---------------------------------------------------------------- running */

static void engine_cfg(const hald_scorer_t *scorer, const hald_engine_opts_t *o,
                       const char *name, unit_cfg_t *cfg)
{
    cfg->scorer = scorer;
    cfg->models = o->run.models;
    cfg->out_format = o->run.out_format;
    cfg->max_stored = scorer->any_length ? o->run.max_length : HALD_WINDOW_LEN + 1;
    cfg->strict = o->run.strict;
    cfg->input_name = name;
}

static void engine_free(engine_t *e)
{
    source_close(&e->src);
    hald_buf_free(&e->msg_out);
    hald_buf_free(&e->msg_in);
    hald_buf_free(&e->carry);
    hald_buf_free(&e->rows);
}

static void unit_init_any(void *u) { unit_init(u); }
static void unit_free_any(void *u) { unit_free(u); }
static int unit_decode_any(const hald_buf_t *m, void *u, hald_error_t *err) { return unit_decode(m, u, err); }
static void unit_process_any(void *cfg, void *u) { unit_process(cfg, u); }
static int unit_result_encode_any(void *u, hald_buf_t *m, hald_error_t *err)
{
    return unit_result_encode(u, m, err);
}

static const hald_unit_ops_t UNIT_OPS = {sizeof(unit_t), unit_init_any, unit_free_any,
                                         unit_decode_any, unit_process_any, unit_result_encode_any};

int hald_engine_run(const hald_scorer_t *scorer, const char *path, hald_score_writer_t *out,
                    const hald_engine_opts_t *opts, const hald_transport_t *tp,
                    hald_run_stats_t *stats, hald_error_t *err)
{
    engine_t e;
    memset(&e, 0, sizeof e);
    memset(stats, 0, sizeof *stats);
    e.opts = opts;
    e.tp = tp;
    e.out = out;
    e.stats = stats;
    e.format = opts->run.format;
    e.t0 = e.last_progress = now_seconds();
    hald_error_clear(&e.read_err);
    hald_error_clear(&e.write_err);
    int rc = source_open(&e.src, path, opts, &e.format, err);
    engine_cfg(scorer, opts, e.src.name, &e.cfg);
    if (rc == HALD_OK && !tp && opts->run.threads <= 1 && e.src.mode == SRC_STREAM) {
        /* One thread on one stream: the plain loop, without cutting the
         * text into units and joining them again. */
        hald_run_opts_t ro = opts->run;
        ro.format = e.format;
        ro.progress_fn = opts->progress ? opts->progress_fn : NULL;
        ro.progress_ctx = opts->progress_ctx;
        rc = hald_run_score(scorer, e.src.reader, out, &ro, stats, err);
        engine_free(&e);
        return rc;
    }
    if (rc == HALD_OK) {
        int threads = opts->run.threads > 0 ? opts->run.threads : 1;
        size_t ranks = tp ? (size_t)tp->n_ranks : 1;
        size_t n_slots = SLOTS_PER_THREAD * (size_t)threads + SLOTS_PER_RANK * (ranks - 1);
        static const hald_opipe_steps_t steps = {engine_read, engine_work, engine_write};
        rc = hald_run_slots(&steps, &e, &UNIT_OPS, n_slots, threads);
        if (rc == HALD_OK)
            rc = flush_carry(&e, e.last_format != HALD_FORMAT_AUTO ? e.last_format : e.format,
                             &e.write_err);
        if (rc != HALD_OK)
            *err = e.write_err.code != HALD_OK ? e.write_err
                   : e.read_err.code != HALD_OK ? e.read_err
                                                : (hald_error_t){rc, "out of memory"};
        if (rc == HALD_OK)
            report_progress(&e, 1);
    }
    stats->records = e.records_done;
    stats->bytes_in = e.src.bytes_in;
    if (rc == HALD_OK && tp && tp->n_ranks > 1) {
        hald_error_t end_err;
        int end_rc = tp->send_end(tp->ctx, &end_err);
        if (end_rc != HALD_OK) {
            rc = end_rc;
            *err = end_err;
        }
    }
    engine_free(&e);
    return rc;
}

/* ---------------------------------------------------------------- serving */

int hald_engine_serve(const hald_scorer_t *scorer, const char *name,
                      const hald_engine_opts_t *opts, const hald_transport_t *tp,
                      hald_error_t *err)
{
    unit_cfg_t cfg;
    engine_cfg(scorer, opts, name, &cfg);
    return hald_serve(tp, &UNIT_OPS, &cfg, opts->run.threads, err);
}
