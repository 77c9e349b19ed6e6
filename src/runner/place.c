/* Output written in place: skeletons and phantoms, orders and their
 * execution (see place.h). */
#include "place.h"

#include <stdlib.h>
#include <string.h>

/* An order is four words: unit, offset in its output, length, file
 * offset.  A length of RELEASE frees the unit's output instead. */
#define RELEASE UINT64_MAX
#define ORDER_BYTES 32

static uint64_t pad8(uint64_t n) { return (8 - n % 8) % 8; }

/* Walks the binary chunks of an output (hald/binfmt.h): calls back with
 * each chunk's offset and head; returns -1 when they do not tile it. */
static int walk_chunks(const char *data, size_t len, size_t record_size,
                       int (*each)(void *ctx, uint64_t at, uint64_t n, uint64_t names), void *ctx)
{
    size_t at = 0;
    while (at < len) {
        uint64_t n, names;
        if (len - at < 16)
            return -1;
        memcpy(&n, data + at, 8);
        memcpy(&names, data + at + 8, 8);
        uint64_t body = n * record_size + names;
        if (n > len || names > len || body > len - at - 16)
            return -1;
        if (each(ctx, at, n, names) != 0)
            return -1;
        at += (size_t)(16 + body + pad8(body));
    }
    return at == len ? 0 : -1;
}

/* ================================================================ workers */

int hald_place_keep_init(hald_place_keep_t *k)
{
    memset(k, 0, sizeof *k);
    return pthread_mutex_init(&k->lock, NULL) == 0 ? HALD_OK : HALD_E_NOMEM;
}

static int put_chunk_head(void *ctx, uint64_t at, uint64_t n, uint64_t names)
{
    uint64_t w[3] = {at, n, names};
    return hald_buf_append(ctx, w, sizeof w, NULL) == HALD_OK ? 0 : -1;
}

int hald_place_hold(hald_place_keep_t *k, hald_unit_t *u, size_t record_size, hald_error_t *err)
{
    hald_buf_t skeleton;
    pthread_mutex_lock(&k->lock);
    if (k->n_spare)
        skeleton = k->spare[--k->n_spare];
    else
        hald_buf_init(&skeleton);
    skeleton.len = 0;
    int rc = HALD_OK;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        hald_place_kept_t *v = realloc(k->v, cap * sizeof *v);
        if (!v)
            rc = hald_error_set(err, HALD_E_NOMEM, "out of memory (outputs kept for writing)");
        else
            k->v = v, k->cap = cap;
    }
    pthread_mutex_unlock(&k->lock);
    if (rc == HALD_OK && record_size &&
        walk_chunks(u->out.data, u->out.len, record_size, put_chunk_head, &skeleton) != 0)
        rc = hald_error_set(err, HALD_E_NOMEM, "unit %llu: binary chunks do not tile the output "
                            "(or out of memory)", (unsigned long long)u->seq);
    if (rc != HALD_OK) {
        hald_buf_free(&skeleton);
        return rc;
    }
    pthread_mutex_lock(&k->lock);
    k->v[k->n++] = (hald_place_kept_t){u->seq, u->out};
    pthread_mutex_unlock(&k->lock);
    u->held = u->out.len;
    u->out = skeleton;
    return HALD_OK;
}

/* The kept output of unit seq, or NULL.  Lock held. */
static hald_place_kept_t *find_kept(hald_place_keep_t *k, uint64_t seq)
{
    for (size_t i = 0; i < k->n; i++)
        if (k->v[i].seq == seq)
            return &k->v[i];
    return NULL;
}

static void release(hald_place_keep_t *k, hald_place_kept_t *e)
{
    if (k->n_spare < sizeof k->spare / sizeof k->spare[0])
        k->spare[k->n_spare++] = e->out;
    else
        hald_buf_free(&e->out);
    *e = k->v[--k->n];
}

int hald_place_execute(hald_place_keep_t *k, const hald_buf_t *orders, const hald_transport_t *tp,
                       hald_error_t *err)
{
    if (orders->len % ORDER_BYTES)
        return hald_error_set(err, HALD_E_IO, "MPI: a malformed batch of orders (%zu bytes)",
                              orders->len);
    int rc = HALD_OK;
    for (size_t at = 0; rc == HALD_OK && at < orders->len; at += ORDER_BYTES) {
        uint64_t w[4];
        memcpy(w, orders->data + at, sizeof w);
        /* The lock is not held while writing: only this step frees kept
         * outputs, so e stays valid, and the write step may add more. */
        pthread_mutex_lock(&k->lock);
        hald_place_kept_t *e = find_kept(k, w[0]);
        const char *src = e ? e->out.data : NULL;
        size_t have = e ? e->out.len : 0;
        if (e && w[2] == RELEASE)
            release(k, e);
        pthread_mutex_unlock(&k->lock);
        if (!e)
            rc = hald_error_set(err, HALD_E_IO, "an order for unit %llu, whose output this rank "
                                "does not hold", (unsigned long long)w[0]);
        else if (w[2] == RELEASE)
            continue;
        else if (w[1] > have || w[2] > have - w[1])
            rc = hald_error_set(err, HALD_E_IO, "an order for bytes %llu+%llu of unit %llu, which "
                                "has %zu", (unsigned long long)w[1], (unsigned long long)w[2],
                                (unsigned long long)w[0], have);
        else
            rc = tp->out_write(tp->ctx, w[3], src + w[1], (size_t)w[2], err);
    }
    return rc;
}

size_t hald_place_kept(hald_place_keep_t *k)
{
    pthread_mutex_lock(&k->lock);
    size_t n = k->n;
    pthread_mutex_unlock(&k->lock);
    return n;
}

void hald_place_keep_free(hald_place_keep_t *k)
{
    for (size_t i = 0; i < k->n; i++)
        hald_buf_free(&k->v[i].out);
    for (size_t i = 0; i < k->n_spare; i++)
        hald_buf_free(&k->spare[i]);
    free(k->v);
    pthread_mutex_destroy(&k->lock);
    memset(k, 0, sizeof *k);
}

/* ================================================================ rank 0 */

int hald_place_plan_init(hald_place_plan_t *p, int n_ranks, size_t record_size, hald_error_t *err)
{
    memset(p, 0, sizeof *p);
    p->record_size = record_size;
    p->n_ranks = n_ranks;
    p->orders = calloc((size_t)n_ranks, sizeof *p->orders);
    return p->orders ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory (orders)");
}

typedef struct expanding {
    char *phantom;
    size_t record_size;
    uint64_t bytes;          /* what the writer will write from it */
} expanding_t;

/* Chunk heads go where they were: the blocker reads them. */
static int place_chunk_head(void *ctx, uint64_t at, uint64_t n, uint64_t names)
{
    expanding_t *x = ctx;
    memcpy(x->phantom + at, &n, 8);
    memcpy(x->phantom + at + 8, &names, 8);
    x->bytes += n * x->record_size + names;
    return 0;
}

/* The skeleton is a list of (offset, n, names) chunk heads. */
static int expand_chunks(const hald_place_plan_t *p, expanding_t *x, size_t held)
{
    const hald_buf_t *s = &p->skeleton;
    if (s->len % 24)
        return -1;
    for (size_t i = 0; i < s->len; i += 24) {
        uint64_t w[3];
        memcpy(w, s->data + i, sizeof w);
        uint64_t body = w[1] * p->record_size + w[2];
        if (w[0] > held || held - w[0] < 16 || w[1] > held || w[2] > held ||
            body > held - w[0] - 16)
            return -1;
        place_chunk_head(x, w[0], w[1], w[2]);
    }
    return 0;
}

int hald_place_expand(hald_place_plan_t *p, hald_unit_t *u, hald_error_t *err)
{
    /* The skeleton is copied aside, so that the phantom reuses the unit's
     * own memory: buffers that have grown to a unit's size keep that size,
     * where a fresh one per unit cost ~2 ms in mmap and page faults. */
    p->skeleton.len = 0;
    if (u->out.len && hald_buf_append(&p->skeleton, u->out.data, u->out.len, err) != HALD_OK)
        return err->code;
    u->out.len = 0;
    size_t held = (size_t)u->held;
    /* Nothing in it to keep: a realloc would copy (and fault in) megabytes
     * of an old phantom for nothing. */
    if (u->out.cap < held)
        hald_buf_free(&u->out);
    if (!hald_buf_reserve(&u->out, held, err))
        return err->code;
    u->out.len = held;
    expanding_t x = {u->out.data, p->record_size, p->record_size ? 0 : held};
    if (p->record_size ? expand_chunks(p, &x, held) != 0 : p->skeleton.len != 0)
        return hald_error_set(err, HALD_E_IO, "rank %d: a malformed skeleton for unit %llu",
                              u->rank, (unsigned long long)u->seq);
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        hald_place_entry_t *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return hald_error_set(err, HALD_E_NOMEM, "out of memory (outputs placed)");
        p->v = v, p->cap = cap;
    }
    p->v[p->n++] = (hald_place_entry_t){u->out.data, held, u->rank, u->seq, x.bytes};
    /* Nothing will be written from it (no records): free it at once. */
    if (x.bytes == 0) {
        uint64_t w[4] = {u->seq, 0, RELEASE, 0};
        p->n--;
        return hald_buf_append(&p->orders[u->rank], w, sizeof w, err);
    }
    return HALD_OK;
}

int hald_place_divert(void *plan, const void *buf, size_t len, uint64_t at, hald_error_t *err)
{
    hald_place_plan_t *p = plan;
    const char *b = buf;
    for (size_t i = 0; i < p->n; i++) {
        hald_place_entry_t *e = &p->v[i];
        if (b + len <= e->base || b >= e->base + e->len)
            continue;
        if (b < e->base || b + len > e->base + e->len || len > e->left)
            return hald_error_set(err, HALD_E_IO, "a write across the output of unit %llu (rank %d)",
                                  (unsigned long long)e->seq, e->rank);
        uint64_t w[4] = {e->seq, (uint64_t)(b - e->base), len, at};
        int rc = hald_buf_append(&p->orders[e->rank], w, sizeof w, err);
        e->left -= len;
        if (rc == HALD_OK && e->left == 0) {
            uint64_t r[4] = {e->seq, 0, RELEASE, 0};
            rc = hald_buf_append(&p->orders[e->rank], r, sizeof r, err);
            *e = p->v[--p->n];
        }
        return rc == HALD_OK ? 1 : rc;
    }
    return 0;
}

int hald_place_flush(hald_place_plan_t *p, const hald_transport_t *tp, hald_error_t *err)
{
    for (int r = 1; r < p->n_ranks; r++) {
        if (!p->orders[r].len)
            continue;
        int rc = tp->send_orders(tp->ctx, r, &p->orders[r], err);
        if (rc != HALD_OK)
            return rc;
    }
    return HALD_OK;
}

size_t hald_place_open(const hald_place_plan_t *p) { return p->n; }

void hald_place_plan_free(hald_place_plan_t *p)
{
    for (int r = 0; p->orders && r < p->n_ranks; r++)
        hald_buf_free(&p->orders[r]);
    free(p->orders);
    free(p->v);
    hald_buf_free(&p->skeleton);
    memset(p, 0, sizeof *p);
}
