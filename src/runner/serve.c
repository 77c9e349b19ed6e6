/* Slots and the serve loop, shared by hald score and hald scan. */
#include "hald/serve.h"

#include <stdlib.h>
#include <string.h>

int hald_run_slots(const hald_opipe_steps_t *steps, void *ctx, const hald_unit_ops_t *ops,
                   size_t n_slots, int threads)
{
    char *units = calloc(n_slots, ops->size);
    void **slots = calloc(n_slots, sizeof *slots);
    int rc = HALD_E_NOMEM;
    if (units && slots) {
        for (size_t i = 0; i < n_slots; i++) {
            slots[i] = units + i * ops->size;
            ops->init(slots[i]);
        }
        rc = hald_opipe_run(steps, ctx, slots, n_slots, threads);
        for (size_t i = 0; i < n_slots; i++)
            ops->fini(slots[i]);
    }
    free(units);
    free(slots);
    return rc;
}

int hald_dealer_init(hald_dealer_t *d, int n_ranks, int limit, hald_error_t *err)
{
    d->n_ranks = n_ranks > 1 ? n_ranks : 1;
    d->limit = limit;
    d->next = 0;
    d->in_flight = calloc((size_t)d->n_ranks, sizeof *d->in_flight);
    return d->in_flight ? HALD_OK : hald_error_set(err, HALD_E_NOMEM, "out of memory");
}

void hald_dealer_free(hald_dealer_t *d)
{
    free(d->in_flight);
    d->in_flight = NULL;
}

int hald_dealer_pick(hald_dealer_t *d)
{
    int others = d->n_ranks - 1;
    for (int i = 0; i < others; i++) {
        int r = 1 + (d->next + i) % others;
        if (__atomic_load_n(&d->in_flight[r], __ATOMIC_ACQUIRE) < d->limit) {
            __atomic_add_fetch(&d->in_flight[r], 1, __ATOMIC_ACQ_REL);
            d->next = r % others; /* the next search starts after r */
            return r;
        }
    }
    return 0;
}

void hald_dealer_done(hald_dealer_t *d, int rank)
{
    if (rank > 0)
        __atomic_sub_fetch(&d->in_flight[rank], 1, __ATOMIC_ACQ_REL);
}

/* Units in flight per thread on a serving rank. */
#define SERVE_SLOTS_PER_THREAD 3

typedef struct server {
    const hald_transport_t *tp;
    const hald_unit_ops_t *ops;
    void *ctx;
    hald_buf_t msg_in, msg_out;
    hald_error_t err;
} server_t;

static int serve_read(void *ctx, void *slot)
{
    server_t *s = ctx;
    int rc = s->tp->poll_unit(s->tp->ctx, &s->msg_in, &s->err);
    if (rc == 0)
        return HALD_OPIPE_AGAIN;
    if (rc == 2)
        return 0; /* rank 0 has no more units */
    if (rc < 0)
        return rc;
    return s->ops->decode(&s->msg_in, slot, &s->err) == HALD_OK ? 1 : s->err.code;
}

static void serve_work(void *ctx, void *slot)
{
    server_t *s = ctx;
    s->ops->process(s->ctx, slot);
}

static int serve_write(void *ctx, void *slot)
{
    server_t *s = ctx;
    int rc = s->ops->encode_result(slot, &s->msg_out, &s->err);
    return rc == HALD_OK ? s->tp->send_result(s->tp->ctx, &s->msg_out, &s->err) : rc;
}

int hald_serve(const hald_transport_t *tp, const hald_unit_ops_t *ops, void *ctx, int threads,
               hald_error_t *err)
{
    server_t s;
    memset(&s, 0, sizeof s);
    s.tp = tp;
    s.ops = ops;
    s.ctx = ctx;
    hald_error_clear(&s.err);
    if (threads < 1)
        threads = 1;
    static const hald_opipe_steps_t steps = {serve_read, serve_work, serve_write};
    int rc = hald_run_slots(&steps, &s, ops, SERVE_SLOTS_PER_THREAD * (size_t)threads, threads);
    hald_buf_free(&s.msg_in);
    hald_buf_free(&s.msg_out);
    if (rc != HALD_OK)
        *err = s.err.code != HALD_OK ? s.err : (hald_error_t){rc, "out of memory"};
    return rc;
}
