/* The binary container's header and blocks (docs/binary-format.md). */
#include "hald/binfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../io/le.h"

static const char MAGIC_SCORES[8] = "HALDSCR";
static const char MAGIC_SITES[8] = "HALDSCN";

void hald_bin_header_init(hald_bin_header_t *h, hald_bin_kind_t kind, hald_model_set_t set,
                          uint32_t flags)
{
    memset(h, 0, sizeof *h);
    h->kind = kind;
    for (int m = 0; m < HALD_N_MODELS; m++)
        if (set & (1u << m))
            h->models[h->n_models++] = (hald_model_t)m;
    h->flags = flags;
    h->record_size = 8 * h->n_models + (kind == HALD_BIN_SITES ? 16 : 0);
}

hald_model_set_t hald_bin_header_models(const hald_bin_header_t *h)
{
    hald_model_set_t set = 0;
    for (uint32_t i = 0; i < h->n_models; i++)
        set |= 1u << h->models[i];
    return set;
}

void hald_bin_header_encode(const hald_bin_header_t *h, uint8_t out[HALD_BIN_HEADER_SIZE])
{
    memset(out, 0, HALD_BIN_HEADER_SIZE);
    memcpy(out, h->kind == HALD_BIN_SITES ? MAGIC_SITES : MAGIC_SCORES, 8);
    hald_put_le32(out + 8, HALD_BIN_VERSION);
    hald_put_le32(out + 12, HALD_BIN_HEADER_SIZE);
    hald_put_le32(out + 16, h->n_models);
    hald_put_le32(out + 20, h->flags);
    for (uint32_t i = 0; i < h->n_models; i++)
        out[24 + i] = (uint8_t)(h->models[i] + 1);
    hald_put_le32(out + 32, h->record_size);
}

int hald_bin_header_decode(const uint8_t in[HALD_BIN_HEADER_SIZE], const char *name,
                           hald_bin_header_t *h, hald_error_t *err)
{
    memset(h, 0, sizeof *h);
    if (memcmp(in, MAGIC_SCORES, 8) == 0)
        h->kind = HALD_BIN_SCORES;
    else if (memcmp(in, MAGIC_SITES, 8) == 0)
        h->kind = HALD_BIN_SITES;
    else
        return hald_error_set(err, HALD_E_INPUT, "%s: not a hald binary file (bad magic)", name);
    uint32_t version = hald_get_le32(in + 8), header_size = hald_get_le32(in + 12);
    if (version != HALD_BIN_VERSION)
        return hald_error_set(err, HALD_E_INPUT, "%s: binary format version %u, this hald reads version %u",
                              name, version, HALD_BIN_VERSION);
    if (header_size != HALD_BIN_HEADER_SIZE)
        return hald_error_set(err, HALD_E_INPUT, "%s: header size %u, expected %u", name,
                              header_size, HALD_BIN_HEADER_SIZE);
    uint32_t k = hald_get_le32(in + 16);
    if (k < 1 || k > HALD_N_MODELS)
        return hald_error_set(err, HALD_E_INPUT, "%s: %u models in the header, expected 1 or 2", name, k);
    hald_model_set_t seen = 0;
    for (uint32_t i = 0; i < k; i++) {
        unsigned code = in[24 + i];
        if (code < 1 || code > HALD_N_MODELS || (seen & (1u << (code - 1))) ||
            (i > 0 && code - 1 < (unsigned)h->models[i - 1]))
            return hald_error_set(err, HALD_E_INPUT, "%s: bad model code %u in the header", name, code);
        seen |= 1u << (code - 1);
        h->models[i] = (hald_model_t)(code - 1);
    }
    h->n_models = k;
    h->flags = hald_get_le32(in + 20);
    h->record_size = hald_get_le32(in + 32);
    uint32_t want = 8 * k + (h->kind == HALD_BIN_SITES ? 16 : 0);
    if (h->record_size != want)
        return hald_error_set(err, HALD_E_INPUT, "%s: record size %u in the header, expected %u", name,
                              h->record_size, want);
    return HALD_OK;
}

/* ================================================================ chunks */

static const char ZEROS[8] = {0};

size_t hald_bin_chunk_begin(hald_buf_t *out, hald_error_t *err)
{
    size_t at = out->len;
    if (!hald_buf_reserve(out, 16, err))
        return SIZE_MAX;
    out->len += 16;
    return at;
}

int hald_bin_chunk_end(hald_buf_t *out, size_t at, uint64_t n, size_t names_at,
                       hald_error_t *err)
{
    uint64_t names = out->len - names_at;
    if (hald_buf_append(out, ZEROS, (8 - out->len % 8) % 8, err) != HALD_OK)
        return err->code;
    hald_put_le64(out->data + at, n);
    hald_put_le64(out->data + at + 8, names);
    return HALD_OK;
}

/* ================================================================ blocks */

void hald_bin_blocker_init(hald_bin_blocker_t *b, hald_sink_t *sink, uint32_t type,
                           size_t record_size)
{
    memset(b, 0, sizeof *b);
    b->sink = sink;
    b->type = type;
    b->record_size = record_size;
}

/* The kept buffers go back to the spares once their records are written. */
static void release_pieces(hald_bin_blocker_t *b)
{
    for (size_t i = 0; i < b->n_pieces; i++) {
        hald_buf_t *buf = &b->pieces[i].buf;
        if (!buf->cap)
            continue;
        buf->len = 0;
        if (b->n_spares < b->cap_pieces)
            b->spares[b->n_spares++] = *buf;
        else
            hald_buf_free(buf);
        hald_buf_init(buf);
    }
    b->n_pieces = 0;
    b->pending = 0;
}

void hald_bin_blocker_free(hald_bin_blocker_t *b)
{
    for (size_t i = 0; i < b->n_pieces; i++)
        hald_buf_free(&b->pieces[i].buf);
    for (size_t i = 0; i < b->n_spares; i++)
        hald_buf_free(&b->spares[i]);
    free(b->pieces);
    free(b->spares);
    hald_buf_free(&b->seq_names);
    memset(b, 0, sizeof *b);
}

static int write_head(hald_bin_blocker_t *b, uint32_t type, uint32_t count, uint64_t bytes,
                      hald_error_t *err)
{
    uint8_t head[HALD_BIN_BLOCK_HEAD];
    hald_put_le32(head, type);
    hald_put_le32(head + 4, count);
    hald_put_le64(head + 8, bytes);
    return hald_sink_write(b->sink, head, sizeof head, err);
}

static int write_pad(hald_bin_blocker_t *b, uint64_t bytes, hald_error_t *err)
{
    size_t pad = (size_t)((8 - bytes % 8) % 8);
    return pad ? hald_sink_write(b->sink, ZEROS, pad, err) : HALD_OK;
}

/* The NAME block of the sequences that start in the next block. */
static int emit_names(hald_bin_blocker_t *b, hald_error_t *err)
{
    if (!b->n_seq_names)
        return HALD_OK;
    uint64_t bytes = b->seq_names.len;
    int rc = write_head(b, HALD_BLOCK_NAME, b->n_seq_names, bytes + (8 - bytes % 8) % 8, err);
    if (rc == HALD_OK)
        rc = hald_sink_write(b->sink, b->seq_names.data, b->seq_names.len, err);
    if (rc == HALD_OK)
        rc = write_pad(b, bytes, err);
    b->seq_names.len = 0;
    b->n_seq_names = 0;
    return rc;
}

/* One block: the kept pieces, then `extra` (n records of the chunk at
 * hand, not kept), records first, names after. */
static int emit(hald_bin_blocker_t *b, const hald_bin_piece_t *extra, hald_error_t *err)
{
    uint64_t count = b->pending + (extra ? extra->n : 0), bytes = count * b->record_size;
    for (size_t i = 0; i < b->n_pieces; i++)
        bytes += b->pieces[i].names_len;
    bytes += extra ? extra->names_len : 0;
    int rc = emit_names(b, err);
    if (rc == HALD_OK)
        rc = write_head(b, b->type, (uint32_t)count, bytes + (8 - bytes % 8) % 8, err);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; rc == HALD_OK && i <= b->n_pieces; i++) {
            const hald_bin_piece_t *p = i < b->n_pieces ? &b->pieces[i] : extra;
            if (!p)
                continue;
            size_t len = pass == 0 ? (size_t)p->n * b->record_size : p->names_len;
            if (len)
                rc = hald_sink_write(b->sink, pass == 0 ? p->recs : p->names, len, err);
        }
    }
    if (rc == HALD_OK)
        rc = write_pad(b, bytes, err);
    b->total += count;
    release_pieces(b);
    return rc;
}

/* Bytes of the first m '\n'-ended names (0 when there are none). */
static size_t names_span(const char *names, size_t len, uint64_t m)
{
    const char *p = names, *end = names + len;
    for (uint64_t i = 0; i < m && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    return (size_t)(p - names);
}

static int add_piece(hald_bin_blocker_t *b, const hald_bin_piece_t *p, hald_error_t *err)
{
    if (b->n_pieces == b->cap_pieces) {
        size_t cap = b->cap_pieces ? 2 * b->cap_pieces : 8;
        hald_bin_piece_t *v = realloc(b->pieces, cap * sizeof *v);
        hald_buf_t *s = v ? realloc(b->spares, cap * sizeof *s) : NULL;
        if (v)
            b->pieces = v;
        if (!v || !s)
            return hald_error_set(err, HALD_E_NOMEM, "out of memory (binary blocks)");
        b->spares = s;
        b->cap_pieces = cap;
    }
    b->pieces[b->n_pieces++] = *p;
    b->pending += p->n;
    return HALD_OK;
}

/* Cuts one chunk's records into blocks; the tail that does not fill a
 * block is kept as a piece (*kept set when it is). */
static int feed(hald_bin_blocker_t *b, const char *recs, const char *names, size_t names_len,
                uint64_t n, int *kept, hald_error_t *err)
{
    while (n > 0) {
        uint64_t m = HALD_BIN_BLOCK_RECORDS - b->pending;
        if (n < m) {
            hald_bin_piece_t p = {{NULL, 0, 0}, recs, names, n, names_len};
            *kept = 1;
            return add_piece(b, &p, err);
        }
        /* These m records complete a block (a whole one when nothing is
         * pending), written from where they lie. */
        size_t span = m == n ? names_len : names_span(names, names_len, m);
        hald_bin_piece_t p = {{NULL, 0, 0}, recs, names, m, span};
        int rc = emit(b, &p, err);
        if (rc != HALD_OK)
            return rc;
        recs += (size_t)m * b->record_size;
        names += span, names_len -= span;
        n -= m;
    }
    return HALD_OK;
}

int hald_bin_blocker_put(hald_bin_blocker_t *b, hald_buf_t *chunks, hald_error_t *err)
{
    const char *p = chunks->data, *end = chunks->data + chunks->len;
    int kept = 0;
    while (p && end - p >= 16) {
        uint64_t n = hald_get_le64(p), names_len = hald_get_le64(p + 8);
        const char *recs = p + 16, *names = recs + n * b->record_size;
        int rc = feed(b, recs, names, (size_t)names_len, n, &kept, err);
        if (rc != HALD_OK)
            return rc;
        size_t body = (size_t)(n * b->record_size + names_len);
        p = recs + body + (8 - body % 8) % 8;
    }
    /* Pieces added now are the last ones, unless a block since took them. */
    hald_bin_piece_t *last = b->n_pieces ? &b->pieces[b->n_pieces - 1] : NULL;
    if (kept && last && last->recs >= chunks->data && last->recs < end) {
        /* The pieces point into this buffer: keep it, hand back a spare. */
        last->buf = *chunks;
        if (b->n_spares)
            *chunks = b->spares[--b->n_spares];
        else
            hald_buf_init(chunks);
    }
    return HALD_OK;
}

int hald_bin_blocker_name(hald_bin_blocker_t *b, uint64_t index, const char *name, hald_error_t *err)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%llu\t", (unsigned long long)index);
    if (hald_buf_append(&b->seq_names, num, (size_t)n, err) != HALD_OK ||
        hald_buf_append(&b->seq_names, name, strlen(name), err) != HALD_OK ||
        hald_buf_append(&b->seq_names, "\n", 1, err) != HALD_OK)
        return err->code;
    b->n_seq_names++;
    return HALD_OK;
}

int hald_bin_blocker_finish(hald_bin_blocker_t *b, hald_error_t *err)
{
    if (b->pending) {
        int rc = emit(b, NULL, err);
        if (rc != HALD_OK)
            return rc;
    }
    uint8_t payload[16] = {0};
    hald_put_le64(payload, b->total);
    int rc = write_head(b, HALD_BLOCK_END, 0, sizeof payload, err);
    return rc == HALD_OK ? hald_sink_write(b->sink, payload, sizeof payload, err) : rc;
}

void hald_bin_block_decode(const uint8_t in[HALD_BIN_BLOCK_HEAD], hald_bin_block_t *b)
{
    b->type = hald_get_le32(in);
    b->count = hald_get_le32(in + 4);
    b->bytes = hald_get_le64(in + 8);
}
