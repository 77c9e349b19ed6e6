/* A unit of work: decode, cut at record starts, score, format.  The same
 * code runs in a worker thread of rank 0 and on any other rank, so every
 * byte of output is the same wherever a unit was processed. */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "hald/engine.h"
#include "hald/recstart.h"
#include "hald/reader.h"

/* ---------------------------------------------------------------- life */

static void result_init(unit_result_t *r)
{
    memset(r, 0, sizeof *r);
    r->first_na = -1;
    hald_buf_init(&r->rows);
    hald_buf_init(&r->head);
    hald_buf_init(&r->tail);
    hald_buf_init(&r->body);
}

/* Empties a result but keeps its buffers for the next unit. */
static void result_reset(unit_result_t *r)
{
    hald_buf_t rows = r->rows, head = r->head, tail = r->tail, body = r->body;
    memset(r, 0, sizeof *r);
    r->first_na = -1;
    r->rows = rows, r->head = head, r->tail = tail, r->body = body;
    r->rows.len = r->head.len = r->tail.len = r->body.len = 0;
}

void unit_init(unit_t *u)
{
    memset(u, 0, sizeof *u);
    hald_buf_init(&u->input);
    hald_buf_init(&u->text);
    result_init(&u->res);
}

void unit_reset(unit_t *u)
{
    hald_buf_t input = u->input, text = u->text;
    unit_result_t res = u->res;
    void *dctx = u->dctx;
    memset(u, 0, sizeof *u);
    u->input = input, u->text = text, u->res = res, u->dctx = dctx;
    u->input.len = u->text.len = 0;
    result_reset(&u->res);
}

void unit_free(unit_t *u)
{
    ZSTD_freeDCtx(u->dctx);
    hald_buf_free(&u->input);
    hald_buf_free(&u->text);
    hald_buf_free(&u->res.rows);
    hald_buf_free(&u->res.head);
    hald_buf_free(&u->res.tail);
    hald_buf_free(&u->res.body);
}

/* ---------------------------------------------------------------- scoring */

static uint64_t count_newlines(const char *s, size_t n)
{
    uint64_t k = 0;
    for (const char *end = s + n; (s = memchr(s, '\n', (size_t)(end - s))) != NULL; s++)
        k++;
    return k;
}

/* Deferred rows: the record's local line number, then its k scores. */
static int append_deferred(const hald_batch_t *b, const double *scores, int k, hald_buf_t *out,
                           hald_error_t *err)
{
    size_t rec_bytes = 8 * (size_t)(k + 1);
    char *p = hald_buf_reserve(out, b->n * rec_bytes, err);
    if (!p)
        return err->code;
    for (size_t i = 0; i < b->n; i++) {
        uint64_t line = strtoull(b->records[i].id, NULL, 10);
        memcpy(p, &line, 8);
        memcpy(p + 8, scores + i * (size_t)k, 8 * (size_t)k);
        p += rec_bytes;
    }
    out->len += b->n * rec_bytes;
    return HALD_OK;
}

static void tally(const unit_cfg_t *cfg, const hald_batch_t *b, const uint8_t *why,
                  uint64_t first_local, unit_result_t *res)
{
    int k = hald_model_count(cfg->models), j = 0;
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(cfg->models & (1u << m)))
            continue;
        for (size_t i = 0; i < b->n; i++) {
            uint8_t na = why[i * (size_t)k + (size_t)j];
            if (na == HALD_NA_NONE)
                continue;
            res->na[m][na]++;
            if (res->first_na < 0 || (int64_t)(first_local + i) < res->first_na)
                res->first_na = (int64_t)(first_local + i);
        }
        j++;
    }
}

int unit_score_text(const unit_cfg_t *cfg, hald_format_t fmt, const char *text, size_t len,
                    uint64_t record_base, uint64_t line_base, int deferred,
                    unit_result_t *res, hald_error_t *err)
{
    hald_parser_opts_t po;
    hald_parser_opts_init(&po);
    po.format = fmt;
    po.max_stored = cfg->max_stored;
    po.first_record = record_base;
    po.first_line = line_base;
    hald_parser_t *parser = hald_parser_from_memory(text, len, cfg->input_name, &po, err);
    if (!parser)
        return err->code;
    hald_batch_t batch;
    hald_batch_init(&batch);
    int k = hald_model_count(cfg->models), rc;
    double *scores = NULL;
    uint8_t *why = NULL;
    size_t cap = 0;
    while ((rc = hald_parser_next(parser, &batch, err)) > 0) {
        if (batch.n * (size_t)k > cap) {
            cap = batch.n * (size_t)k;
            free(scores);
            free(why);
            scores = malloc(cap * sizeof *scores);
            why = malloc(cap);
            if (!scores || !why) {
                rc = hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", cfg->input_name);
                break;
            }
        }
        hald_score_batch(cfg->scorer, cfg->models, &batch, scores, why);
        tally(cfg, &batch, why, res->n_records, res);
        res->n_records += batch.n;
        rc = deferred ? append_deferred(&batch, scores, k, &res->rows, err)
                      : hald_format_rows(cfg->out_format, cfg->models, &batch, scores,
                                         &res->rows, err);
        if (rc != HALD_OK)
            break;
    }
    free(scores);
    free(why);
    hald_batch_free(&batch);
    hald_parser_free(parser);
    return rc < 0 ? rc : HALD_OK;
}

/* ---------------------------------------------------------------- decoding */

/* One frame whose decoded size its header states: decoded in one call
 * straight into the text, with no streaming window to copy out of. */
static int decode_sized_frame(ZSTD_DCtx *dctx, unit_t *u, const char *src, size_t size,
                              unsigned long long content, size_t *result, hald_error_t *err)
{
    char *dst = hald_buf_reserve(&u->text, (size_t)content, err);
    if (!dst)
        return err->code;
    *result = ZSTD_decompressDCtx(dctx, dst, (size_t)content, src, size);
    if (!ZSTD_isError(*result))
        u->text.len += *result;
    return HALD_OK;
}

static int decode_frames(const unit_cfg_t *cfg, unit_t *u, hald_error_t *err)
{
    if (!u->dctx && !(u->dctx = ZSTD_createDCtx()))
        return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", cfg->input_name);
    ZSTD_DCtx *dctx = u->dctx;
    ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
    u->text.len = 0;
    size_t pos = 0, last = 0;
    const char *src = u->input.data;
    while (pos < u->input.len) {
        size_t avail = u->input.len - pos;
        size_t size = ZSTD_findFrameCompressedSize(src + pos, avail);
        unsigned long long content = ZSTD_isError(size) ? ZSTD_CONTENTSIZE_ERROR
                                                        : ZSTD_getFrameContentSize(src + pos, avail);
        if (content <= HALD_UNIT_TEXT_MAX - u->text.len) {
            if (decode_sized_frame(dctx, u, src + pos, size, content, &last, err) != HALD_OK)
                return err->code;
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
            char *dst = hald_buf_reserve(&u->text, 1 << 20, err);
            if (!dst)
                return err->code;
            ZSTD_outBuffer out = {dst, u->text.cap - u->text.len, 0};
            last = ZSTD_decompressStream(dctx, &out, &in);
            u->text.len += out.pos;
            if (ZSTD_isError(last))
                break;
            if (u->text.len > HALD_UNIT_TEXT_MAX)
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
                              cfg->input_name, (unsigned long long)u->in_offset,
                              ZSTD_getErrorName(last));
    if (last != 0 || pos < u->input.len)
        return hald_error_set(err, HALD_E_INPUT, "%s: truncated zstd frame at offset %llu",
                              cfg->input_name, (unsigned long long)u->in_offset);
    return HALD_OK;
}

/* ---------------------------------------------------------------- a unit */

static void fail(unit_t *u, const hald_error_t *err)
{
    u->res.err = *err;
}

void unit_process(const unit_cfg_t *cfg, unit_t *u)
{
    hald_error_t err;
    hald_error_clear(&err);
    unit_result_t *res = &u->res;
    if (u->kind == UNIT_FRAMES && decode_frames(cfg, u, &err) != HALD_OK) {
        fail(u, &err);
        return;
    }
    const hald_buf_t *tb = u->kind == UNIT_FRAMES ? &u->text : &u->input;
    const char *text = tb->data ? tb->data : "";
    size_t len = tb->len, start = 0, end = len;
    if (!u->aligned) {
        /* Records before the first and from the last start may continue in
         * the neighbouring units: the writer joins them. */
        start = hald_recstart_next(u->format, text, len, 0);
        end = start < len ? hald_recstart_last(u->format, text, len) : len;
        res->has_start = start < len;
        if (hald_buf_append(&res->head, text, start, &err) != HALD_OK ||
            hald_buf_append(&res->tail, text + end, len - end, &err) != HALD_OK) {
            fail(u, &err);
            return;
        }
        if (u->format == HALD_FORMAT_LINES)
            res->nl_body = count_newlines(text + start, end - start);
    }
    int rc = unit_score_text(cfg, u->format, text + start, end - start, u->record_base,
                             u->aligned ? u->line_base : 1, u->deferred, res, &err);
    if (rc != HALD_OK || (cfg->strict && res->first_na >= 0)) {
        /* The writer names the record with its global number, which only
         * it knows for unaligned text: it re-reads the body. */
        res->body_error = rc != HALD_OK;
        if (rc != HALD_OK)
            fail(u, &err);
        if (hald_buf_append(&res->body, text + start, end - start, &err) != HALD_OK)
            fail(u, &err);
    }
}

/* ---------------------------------------------------------------- codec */

static int put(hald_buf_t *m, const void *p, size_t n, hald_error_t *err)
{
    return hald_buf_append(m, p, n, err);
}

static int put_u64(hald_buf_t *m, uint64_t v, hald_error_t *err)
{
    return put(m, &v, sizeof v, err); /* same machine type on every rank */
}

static int put_bytes(hald_buf_t *m, const hald_buf_t *b, hald_error_t *err)
{
    int rc = put_u64(m, b->len, err);
    return rc == HALD_OK && b->len ? put(m, b->data, b->len, err) : rc;
}

typedef struct cursor {
    const char *p;
    size_t left;
} cursor_t;

static int get(cursor_t *c, void *out, size_t n)
{
    if (c->left < n)
        return -1;
    memcpy(out, c->p, n);
    c->p += n;
    c->left -= n;
    return 0;
}

static int get_u64(cursor_t *c, uint64_t *v) { return get(c, v, sizeof *v); }

static int get_bytes(cursor_t *c, hald_buf_t *b, hald_error_t *err)
{
    uint64_t n;
    if (get_u64(c, &n) != 0 || n > c->left)
        return -1;
    b->len = 0;
    if (n && hald_buf_append(b, c->p, (size_t)n, err) != HALD_OK)
        return -1;
    c->p += n;
    c->left -= (size_t)n;
    return 0;
}

int unit_encode(const unit_t *u, hald_buf_t *msg, hald_error_t *err)
{
    msg->len = 0;
    uint64_t head[8] = {u->seq, (uint64_t)u->kind, (uint64_t)u->format, (uint64_t)u->aligned,
                        (uint64_t)u->deferred, u->record_base, u->line_base, u->in_offset};
    int rc = put(msg, head, sizeof head, err);
    return rc == HALD_OK ? put_bytes(msg, &u->input, err) : rc;
}

int unit_decode(const hald_buf_t *msg, unit_t *u, hald_error_t *err)
{
    cursor_t c = {msg->data, msg->len};
    uint64_t head[8];
    unit_reset(u);
    if (get(&c, head, sizeof head) != 0 || get_bytes(&c, &u->input, err) != 0)
        return hald_error_set(err, HALD_E_INPUT, "malformed unit message (%zu bytes)", msg->len);
    u->seq = head[0];
    u->kind = (unit_kind_t)head[1];
    u->format = (hald_format_t)head[2];
    u->aligned = (int)head[3];
    u->deferred = (int)head[4];
    u->record_base = head[5];
    u->line_base = head[6];
    u->in_offset = head[7];
    return HALD_OK;
}

int unit_result_encode(const unit_t *u, hald_buf_t *msg, hald_error_t *err)
{
    const unit_result_t *r = &u->res;
    msg->len = 0;
    uint64_t head[7] = {u->seq, (uint64_t)(int64_t)r->err.code, (uint64_t)r->body_error,
                        (uint64_t)r->has_start, r->n_records, (uint64_t)r->first_na, r->nl_body};
    int rc = put(msg, head, sizeof head, err);
    if (rc == HALD_OK)
        rc = put(msg, r->na, sizeof r->na, err);
    if (rc == HALD_OK)
        rc = put(msg, r->err.msg, sizeof r->err.msg, err);
    const hald_buf_t *parts[] = {&r->rows, &r->head, &r->tail, &r->body};
    for (size_t i = 0; rc == HALD_OK && i < sizeof parts / sizeof parts[0]; i++)
        rc = put_bytes(msg, parts[i], err);
    return rc;
}

int unit_result_decode(const hald_buf_t *msg, unit_t *u, hald_error_t *err)
{
    unit_result_t *r = &u->res;
    cursor_t c = {msg->data, msg->len};
    uint64_t head[7];
    result_reset(r);
    int bad = get(&c, head, sizeof head) != 0 || get(&c, r->na, sizeof r->na) != 0 ||
              get(&c, r->err.msg, sizeof r->err.msg) != 0;
    hald_buf_t *parts[] = {&r->rows, &r->head, &r->tail, &r->body};
    for (size_t i = 0; !bad && i < sizeof parts / sizeof parts[0]; i++)
        bad = get_bytes(&c, parts[i], err) != 0;
    if (bad || head[0] != u->seq)
        return hald_error_set(err, HALD_E_INPUT, "malformed result message for unit %llu",
                              (unsigned long long)u->seq);
    r->err.code = (hald_status_t)(int64_t)head[1];
    r->err.msg[sizeof r->err.msg - 1] = '\0';
    r->body_error = (int)head[2];
    r->has_start = (int)head[3];
    r->n_records = head[4];
    r->first_na = (int64_t)head[5];
    r->nl_body = head[6];
    return HALD_OK;
}
