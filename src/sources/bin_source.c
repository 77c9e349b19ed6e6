/* The binary source: blocks of a hald binary file as units. */
#include "bin_source.h"

#include <stdlib.h>
#include <string.h>

#include "hald/reader.h"
#include "../io/le.h"

/* Blocks gathered into one unit, and the largest block taken. */
#define UNIT_BYTES (UINT64_C(1) << 20)
#define BLOCK_MAX (UINT64_C(256) << 20)

typedef struct seq_name {
    uint64_t index;
    char *name;
    size_t len;
} seq_name_t;

struct hald_bin_src {
    hald_reader_t *r;
    char *name;
    hald_bin_header_t h;
    uint64_t offset;          /* of the next block */
    int ended;
    uint64_t total, seen;     /* the end block's count; records in blocks so far */
    uint64_t bytes_total, bytes_in;
    seq_name_t *names;        /* named sequences not behind every unit yet */
    size_t n_names, cap_names;
    hald_buf_t scratch;
};

/* Reads exactly n bytes: 1, 0 at a clean end before any byte, negative. */
static int read_exact(hald_bin_src_t *s, void *buf, size_t n, const char *what, hald_error_t *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = hald_reader_read(s->r, (char *)buf + got, n - got, err);
        if (k < 0)
            return (int)k;
        if (k == 0) {
            if (got == 0)
                return 0;
            return hald_error_set(err, HALD_E_INPUT, "%s: truncated %s at byte offset %llu",
                                  s->name, what, (unsigned long long)s->offset);
        }
        got += (size_t)k;
    }
    __atomic_store_n(&s->bytes_in, hald_reader_bytes_in(s->r), __ATOMIC_RELAXED);
    return 1;
}

hald_bin_src_t *hald_bin_open(const char *path, hald_error_t *err)
{
    hald_bin_src_t *s = calloc(1, sizeof *s);
    if (s)
        s->name = strdup(strcmp(path, "-") == 0 ? "stdin" : path);
    if (!s || !s->name) {
        free(s);
        hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    s->r = hald_reader_open(path, err);
    uint8_t raw[HALD_BIN_HEADER_SIZE];
    int rc = s->r ? read_exact(s, raw, sizeof raw, "header", err) : err->code;
    if (rc == 0)
        rc = hald_error_set(err, HALD_E_INPUT, "%s: empty, not a hald binary file", s->name);
    if (rc > 0)
        rc = hald_bin_header_decode(raw, s->name, &s->h, err);
    if (rc != HALD_OK) {
        hald_bin_close(s);
        return NULL;
    }
    s->offset = HALD_BIN_HEADER_SIZE;
    s->bytes_total = hald_reader_size(s->r);
    return s;
}

void hald_bin_close(hald_bin_src_t *s)
{
    if (!s)
        return;
    hald_reader_close(s->r);
    for (size_t i = 0; i < s->n_names; i++)
        free(s->names[i].name);
    free(s->names);
    hald_buf_free(&s->scratch);
    free(s->name);
    free(s);
}

const char *hald_bin_name(const hald_bin_src_t *s) { return s->name; }
const hald_bin_header_t *hald_bin_header(const hald_bin_src_t *s) { return &s->h; }
uint64_t hald_bin_total(const hald_bin_src_t *s) { return s->total; }
uint64_t hald_bin_bytes_in(const hald_bin_src_t *s) { return __atomic_load_n(&s->bytes_in, __ATOMIC_RELAXED); }
uint64_t hald_bin_bytes_total(const hald_bin_src_t *s) { return s->bytes_total; }

static int bad_block(const hald_bin_src_t *s, uint64_t at, const char *what, hald_error_t *err)
{
    return hald_error_set(err, HALD_E_INPUT, "%s: block at byte offset %llu: %s", s->name,
                          (unsigned long long)at, what);
}

/* A NAME block's lines ("index<TAB>name"), kept until no later record can
 * refer to them. */
static int keep_names(hald_bin_src_t *s, const hald_bin_block_t *b, const char *p, uint64_t at,
                      hald_error_t *err)
{
    const char *q = p, *end = p + b->bytes;
    for (uint32_t i = 0; i < b->count; i++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *tab = nl ? memchr(q, '\t', (size_t)(nl - q)) : NULL;
        char *num_end;
        uint64_t index = tab ? strtoull(q, &num_end, 10) : 0;
        if (!tab || *q < '0' || *q > '9' || num_end != tab)
            return bad_block(s, at, "a NAME line that is not index<TAB>name", err);
        if (s->n_names && index <= s->names[s->n_names - 1].index)
            return bad_block(s, at, "sequence names out of order", err);
        if (s->n_names == s->cap_names) {
            size_t cap = s->cap_names ? 2 * s->cap_names : 16;
            seq_name_t *v = realloc(s->names, cap * sizeof *v);
            if (!v)
                return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
            s->names = v;
            s->cap_names = cap;
        }
        seq_name_t *e = &s->names[s->n_names];
        e->len = (size_t)(nl - tab - 1);
        e->index = index;
        if (!(e->name = malloc(e->len + 1)))
            return hald_error_set(err, HALD_E_NOMEM, "%s: out of memory", s->name);
        memcpy(e->name, tab + 1, e->len);
        e->name[e->len] = '\0';
        s->n_names++;
        q = nl + 1;
    }
    return HALD_OK;
}

/* The unit's names: those of sequences [lo, hi]; names before lo are
 * dropped, since records come in sequence order. */
static int attach_names(hald_bin_src_t *s, hald_bin_unit_t *u, uint64_t lo, uint64_t hi,
                        hald_error_t *err)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->n_names; i++) {
        seq_name_t *e = &s->names[i];
        if (e->index < lo) {
            free(e->name);
            continue;
        }
        if (e->index <= hi) {
            uint8_t head[16];
            static const char zeros[8] = {0}; /* at least one: names end in a NUL */
            hald_put_le64(head, e->index);
            hald_put_le64(head + 8, e->len);
            if (hald_buf_append(&u->names, head, 16, err) != HALD_OK ||
                hald_buf_append(&u->names, e->name, e->len, err) != HALD_OK ||
                hald_buf_append(&u->names, zeros, 8 - e->len % 8, err) != HALD_OK)
                return err->code;
        }
        s->names[keep++] = *e;
    }
    s->n_names = keep;
    return HALD_OK;
}

/* The end block: the last thing in the file, counting every record. */
static int end_block(hald_bin_src_t *s, const hald_bin_block_t *b, const char *p, uint64_t at,
                     hald_error_t *err)
{
    if (b->bytes < 16)
        return bad_block(s, at, "a short end block", err);
    s->total = hald_get_le64(p);
    if (s->total != s->seen)
        return hald_error_set(err, HALD_E_INPUT, "%s: the end block counts %llu records, the file holds %llu",
                              s->name, (unsigned long long)s->total, (unsigned long long)s->seen);
    char extra;
    int rc = read_exact(s, &extra, 1, "end", err);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return hald_error_set(err, HALD_E_INPUT, "%s: data after the end block at byte offset %llu",
                              s->name, (unsigned long long)s->offset);
    s->ended = 1;
    return HALD_OK;
}

int hald_bin_next(hald_bin_src_t *s, hald_bin_unit_t *u, hald_error_t *err)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    u->offset = s->offset;
    size_t rec = s->h.record_size;
    uint32_t want = s->h.kind == HALD_BIN_SITES ? HALD_BLOCK_SITE : HALD_BLOCK_ROWS;
    while (!s->ended && u->blocks.len < UNIT_BYTES) {
        uint8_t head[HALD_BIN_BLOCK_HEAD];
        uint64_t at = s->offset;
        int rc = read_exact(s, head, sizeof head, "block", err);
        if (rc == 0)
            return hald_error_set(err, HALD_E_INPUT, "%s: truncated: the end block is missing", s->name);
        if (rc < 0)
            return rc;
        hald_bin_block_t b;
        hald_bin_block_decode(head, &b);
        if (b.bytes % 8 || b.bytes > BLOCK_MAX)
            return bad_block(s, at, "a payload size that is not a multiple of 8 up to 256 MiB", err);
        hald_buf_t *dst = b.type == want ? &u->blocks : &s->scratch;
        if (dst == &s->scratch)
            dst->len = 0;
        size_t start = dst->len;
        if (hald_buf_append(dst, head, sizeof head, err) != HALD_OK ||
            !hald_buf_reserve(dst, (size_t)b.bytes, err))
            return err->code;
        s->offset += sizeof head;
        if ((b.bytes && (rc = read_exact(s, dst->data + dst->len, (size_t)b.bytes, "block", err)) <= 0))
            return rc < 0 ? rc : hald_error_set(err, HALD_E_INPUT, "%s: truncated block at byte offset %llu",
                                                s->name, (unsigned long long)at);
        dst->len += (size_t)b.bytes;
        s->offset += b.bytes;
        const char *payload = dst->data + start + sizeof head;
        if (b.type == want) {
            if ((uint64_t)b.count * rec > b.bytes)
                return bad_block(s, at, "more records than its size holds", err);
            if (want == HALD_BLOCK_SITE && b.count) {
                uint64_t first = hald_get_le32(payload), last = hald_get_le32(payload + (b.count - 1) * rec);
                lo = first < lo ? first : lo;
                hi = last > hi ? last : hi;
            }
            s->seen += b.count;
        } else if (b.type == HALD_BLOCK_NAME && want == HALD_BLOCK_SITE) {
            if ((rc = keep_names(s, &b, payload, at, err)) != HALD_OK)
                return rc;
        } else if (b.type == HALD_BLOCK_END) {
            if ((rc = end_block(s, &b, payload, at, err)) != HALD_OK)
                return rc;
        } else {
            return bad_block(s, at, "a block of a type this kind of file does not hold", err);
        }
    }
    if (u->blocks.len == 0)
        return 0;
    return want == HALD_BLOCK_SITE && lo <= hi ? (attach_names(s, u, lo, hi, err) == HALD_OK ? 1 : err->code)
                                               : 1;
}

int hald_bin_walk_next(hald_bin_walk_t *w, hald_bin_block_t *b, const char **payload,
                       uint64_t *offset)
{
    if (w->end - w->p < HALD_BIN_BLOCK_HEAD)
        return 0;
    hald_bin_block_decode((const uint8_t *)w->p, b);
    *payload = w->p + HALD_BIN_BLOCK_HEAD;
    *offset = w->offset;
    w->p += HALD_BIN_BLOCK_HEAD + b->bytes;
    w->offset += HALD_BIN_BLOCK_HEAD + b->bytes;
    return 1;
}

const char *hald_bin_unit_name(const hald_bin_unit_t *u, uint64_t index, size_t *len)
{
    const char *p = u->names.data, *end = hald_buf_end(&u->names);
    while (p && end - p >= 16) {
        uint64_t i = hald_get_le64(p), n = hald_get_le64(p + 8);
        if (i == index) {
            *len = (size_t)n;
            return p + 16;
        }
        p += 16 + n + (8 - n % 8);
    }
    *len = 0;
    return "";
}
