/* Units: reset, free and the one message codec, driven by a layout. */
#include "unit.h"

#include <string.h>

/* Ends every message: the bulk's length, then a check word. */
#define TRAILER_WORDS 2
#define CHECK_WORD UINT64_C(0x48414c44554e4954) /* "HALDUNIT" */

static hald_buf_t *buf_at(void *unit, size_t offset)
{
    return (hald_buf_t *)(void *)((char *)unit + offset);
}

static uint64_t *words_at(void *unit, size_t offset)
{
    return (uint64_t *)(void *)((char *)unit + offset);
}

void hald_unit_init(const hald_unit_layout_t *l, void *unit)
{
    memset(unit, 0, l->size); /* an empty hald_buf_t is all zero */
    hald_unit_t *u = unit;
    hald_error_clear(&u->err);
}

void hald_unit_reset(const hald_unit_layout_t *l, void *unit)
{
    hald_unit_t *u = unit;
    u->seq = 0;
    u->rank = 0;
    hald_error_clear(&u->err);
    u->items = 0;
    memset(u->na, 0, sizeof u->na);
    u->out.len = 0;
    u->held = 0;
    for (size_t i = 0; i < l->n_fields; i++) {
        const hald_unit_field_t *f = &l->fields[i];
        if (f->kind == HALD_FIELD_BUF)
            buf_at(unit, f->offset)->len = 0;
        else
            memset(words_at(unit, f->offset), 0, 8 * f->count);
    }
}

void hald_unit_free(const hald_unit_layout_t *l, void *unit)
{
    hald_unit_t *u = unit;
    hald_buf_free(&u->out);
    for (size_t i = 0; i < l->n_fields; i++)
        if (l->fields[i].kind == HALD_FIELD_BUF)
            hald_buf_free(buf_at(unit, l->fields[i].offset));
}

/* ---------------------------------------------------------------- encode */

static int put_words(hald_buf_t *m, const uint64_t *w, size_t n, hald_error_t *err)
{
    return hald_buf_append(m, w, 8 * n, err); /* the same machine type on every rank */
}

static int put_bytes(hald_buf_t *m, const void *p, size_t n, hald_error_t *err)
{
    uint64_t len = n;
    int rc = put_words(m, &len, 1, err);
    return rc == HALD_OK && n ? hald_buf_append(m, p, n, err) : rc;
}

static hald_buf_t *bulk_of(const hald_unit_layout_t *l, void *unit, hald_field_dir_t dir)
{
    if (dir == HALD_TO_WRITER)
        return &((hald_unit_t *)unit)->out;
    return l->bulk_to_worker ? buf_at(unit, l->bulk_to_worker) : NULL;
}

static void swap_bufs(hald_buf_t *a, hald_buf_t *b)
{
    hald_buf_t t = *a;
    *a = *b;
    *b = t;
}

static int put_base(hald_unit_t *u, hald_field_dir_t dir, hald_buf_t *m, hald_error_t *err)
{
    int rc = put_words(m, &u->seq, 1, err);
    if (rc != HALD_OK || dir != HALD_TO_WRITER)
        return rc;
    uint64_t code = (uint64_t)(int64_t)u->err.code;
    rc = put_words(m, &code, 1, err);
    if (rc == HALD_OK)
        rc = put_bytes(m, u->err.msg, u->err.code == HALD_OK ? 0 : strlen(u->err.msg), err);
    if (rc == HALD_OK)
        rc = put_words(m, &u->items, 1, err);
    if (rc == HALD_OK)
        rc = put_words(m, &u->held, 1, err);
    return rc == HALD_OK ? put_words(m, &u->na[0][0], HALD_N_MODELS * HALD_N_NA, err) : rc;
}

int hald_unit_encode(const hald_unit_layout_t *l, void *unit, hald_field_dir_t dir,
                     hald_buf_t *msg, hald_error_t *err)
{
    hald_buf_t *bulk = bulk_of(l, unit, dir);
    msg->len = 0;
    if (bulk)
        swap_bufs(msg, bulk); /* the unit keeps msg's old memory, emptied */
    uint64_t trailer[TRAILER_WORDS] = {msg->len, CHECK_WORD ^ (uint64_t)dir};
    int rc = put_base(unit, dir, msg, err);
    for (size_t i = 0; rc == HALD_OK && i < l->n_fields; i++) {
        const hald_unit_field_t *f = &l->fields[i];
        if (!(f->dir & dir))
            continue;
        if (f->kind == HALD_FIELD_U64) {
            rc = put_words(msg, words_at(unit, f->offset), f->count, err);
        } else {
            hald_buf_t *b = buf_at(unit, f->offset);
            if (b != bulk)
                rc = put_bytes(msg, b->data, b->len, err);
        }
    }
    return rc == HALD_OK ? put_words(msg, trailer, TRAILER_WORDS, err) : rc;
}

/* ---------------------------------------------------------------- decode */

typedef struct cursor {
    const char *p;
    size_t left;
} cursor_t;

static int get_words(cursor_t *c, uint64_t *w, size_t n)
{
    if (c->left < 8 * n)
        return -1;
    memcpy(w, c->p, 8 * n);
    c->p += 8 * n;
    c->left -= 8 * n;
    return 0;
}

/* A length-prefixed byte string, not copied: *p points into the message. */
static int get_bytes(cursor_t *c, const char **p, size_t *n)
{
    uint64_t len;
    if (get_words(c, &len, 1) != 0 || len > c->left)
        return -1;
    *p = c->p;
    *n = (size_t)len;
    c->p += len;
    c->left -= (size_t)len;
    return 0;
}

static int get_base(cursor_t *c, hald_unit_t *u, hald_field_dir_t dir)
{
    uint64_t seq;
    if (get_words(c, &seq, 1) != 0)
        return -1;
    if (dir == HALD_TO_WORKER)
        u->seq = seq;
    else if (seq != u->seq)
        return -1;
    if (dir != HALD_TO_WRITER)
        return 0;
    uint64_t code;
    const char *msg;
    size_t n;
    if (get_words(c, &code, 1) != 0 || get_bytes(c, &msg, &n) != 0 ||
        get_words(c, &u->items, 1) != 0 || get_words(c, &u->held, 1) != 0 ||
        get_words(c, &u->na[0][0], HALD_N_MODELS * HALD_N_NA) != 0)
        return -1;
    u->err.code = (hald_status_t)(int64_t)code;
    if (n >= sizeof u->err.msg)
        n = sizeof u->err.msg - 1;
    memcpy(u->err.msg, msg, n);
    u->err.msg[n] = '\0';
    return 0;
}

static int get_fields(const hald_unit_layout_t *l, cursor_t *c, void *unit, hald_field_dir_t dir,
                      const hald_buf_t *bulk, hald_error_t *err)
{
    if (get_base(c, unit, dir) != 0)
        return -1;
    for (size_t i = 0; i < l->n_fields; i++) {
        const hald_unit_field_t *f = &l->fields[i];
        if (!(f->dir & dir))
            continue;
        if (f->kind == HALD_FIELD_U64) {
            if (get_words(c, words_at(unit, f->offset), f->count) != 0)
                return -1;
            continue;
        }
        hald_buf_t *b = buf_at(unit, f->offset);
        if (b == bulk)
            continue;
        const char *p;
        size_t n;
        b->len = 0;
        if (get_bytes(c, &p, &n) != 0 || (n && hald_buf_append(b, p, n, err) != HALD_OK))
            return -1;
    }
    return c->left == 0 ? 0 : -1;
}

int hald_unit_decode(const hald_unit_layout_t *l, hald_buf_t *msg, void *unit,
                     hald_field_dir_t dir, hald_error_t *err)
{
    uint64_t trailer[TRAILER_WORDS];
    hald_unit_t *u = unit;
    int bad = msg->len < sizeof trailer;
    if (!bad) {
        memcpy(trailer, msg->data + msg->len - sizeof trailer, sizeof trailer);
        bad = trailer[1] != (CHECK_WORD ^ (uint64_t)dir) || trailer[0] > msg->len - sizeof trailer;
    }
    hald_buf_t *bulk = bulk_of(l, unit, dir);
    if (!bad) {
        cursor_t c = {msg->data + trailer[0], msg->len - sizeof trailer - (size_t)trailer[0]};
        bad = get_fields(l, &c, unit, dir, bulk, err) != 0;
    }
    if (bad)
        return hald_error_set(err, HALD_E_INPUT, "malformed %s message for unit %llu (%zu bytes)",
                              dir == HALD_TO_WRITER ? "result" : "unit",
                              (unsigned long long)u->seq, msg->len);
    msg->len = (size_t)trailer[0];
    if (bulk) {
        swap_bufs(msg, bulk);
        msg->len = 0;
    } else {
        msg->len = 0;
    }
    return HALD_OK;
}
