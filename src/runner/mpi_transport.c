/* The runner's transport over MPI.  Every call takes one mutex and uses
 * only non-blocking operations, so threads of a rank never block each
 * other inside MPI (MPI_THREAD_SERIALIZED is enough) and a reader waiting
 * for a unit never stops a writer from returning a result. */
#include "transport.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef HALD_HAVE_MPI

int hald_mpi_available(void) { return 0; }

int hald_mpi_start(int *argc, char ***argv, hald_mpi_t **out, hald_error_t *err)
{
    (void)argc, (void)argv, (void)err;
    *out = NULL;
    return HALD_OK;
}

int hald_mpi_rank(const hald_mpi_t *m) { return (void)m, 0; }
int hald_mpi_size(const hald_mpi_t *m) { return (void)m, 1; }

void hald_mpi_transport(hald_mpi_t *m, hald_transport_t *tp)
{
    (void)m;
    memset(tp, 0, sizeof *tp);
    tp->n_ranks = 1;
}
void hald_mpi_abort(hald_mpi_t *m, int code) { (void)m, exit(code); }
int hald_mpi_announce(hald_mpi_t *m, const void *msg, size_t len, hald_error_t *err)
{
    (void)m, (void)msg, (void)len, (void)err;
    return HALD_OK; /* no other ranks */
}
int hald_mpi_wait_announcement(hald_mpi_t *m, hald_buf_t *msg, hald_error_t *err)
{
    (void)m, (void)msg;
    return hald_error_set(err, HALD_E_USAGE, "no MPI in this build");
}
int hald_mpi_release(hald_mpi_t *m, hald_error_t *err) { return (void)m, (void)err, HALD_OK; }
uint64_t hald_mpi_releases(const hald_mpi_t *m) { return (void)m, 0; }
int hald_mpi_finish(hald_mpi_t *m) { return (void)m, HALD_OK; }

#else

#include <mpi.h>
#include <pthread.h>
#include <time.h>

enum { TAG_UNIT = 1, TAG_END = 2, TAG_RESULT = 3, TAG_ANNOUNCE = 4 };
/* Sends in flight before a sender waits for some to complete: rank 0
 * may have a few units queued for every other rank (a unit waits in
 * flight until that rank has a free slot), so the number grows with the
 * ranks; a serving rank has only its results in flight. */
#define PENDING_BASE 8
#define PENDING_PER_RANK 8

typedef struct pending {
    MPI_Request req;
    hald_buf_t buf;
    int used;
} pending_t;

struct hald_mpi {
    int rank, size;
    uint64_t releases;       /* ends sent (rank 0) */
    pthread_mutex_t lock;
    int n_pending;
    pending_t *pending;
};

int hald_mpi_available(void) { return 1; }

/* Launched as one of several ranks?  Open MPI and MPICH/Hydra say so in
 * the environment, and so does srun for each task of a step. */
static int launched_size(void)
{
    const char *v;
    if ((v = getenv("OMPI_COMM_WORLD_SIZE")) || (v = getenv("PMI_SIZE")))
        return atoi(v);
    if (getenv("SLURM_PROCID") && (v = getenv("SLURM_STEP_NUM_TASKS")))
        return atoi(v);
    return 1;
}

int hald_mpi_start(int *argc, char ***argv, hald_mpi_t **out, hald_error_t *err)
{
    *out = NULL;
    if (launched_size() <= 1)
        return HALD_OK;
    int provided;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
        return hald_error_set(err, HALD_E_IO, "MPI_Init_thread failed");
    hald_mpi_t *m = calloc(1, sizeof *m);
    if (!m || provided < MPI_THREAD_SERIALIZED || pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        hald_error_set(err, HALD_E_IO, "MPI: no MPI_THREAD_SERIALIZED support (provided %d)", provided);
        MPI_Abort(MPI_COMM_WORLD, 2);
        return HALD_E_IO;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    m->n_pending = PENDING_BASE + (m->rank == 0 ? PENDING_PER_RANK * (m->size - 1) : 0);
    m->pending = calloc((size_t)m->n_pending, sizeof *m->pending);
    if (!m->pending) {
        hald_error_set(err, HALD_E_NOMEM, "MPI: out of memory");
        MPI_Abort(MPI_COMM_WORLD, 2);
        return HALD_E_NOMEM;
    }
    if (m->size <= 1) {
        MPI_Finalize();
        pthread_mutex_destroy(&m->lock);
        free(m->pending);
        free(m);
        return HALD_OK;
    }
    *out = m;
    return HALD_OK;
}

int hald_mpi_rank(const hald_mpi_t *m) { return m ? m->rank : 0; }
int hald_mpi_size(const hald_mpi_t *m) { return m ? m->size : 1; }

/* Frees the buffers of completed sends; returns a free slot or -1.  Lock held. */
static int reap(hald_mpi_t *m)
{
    int free_slot = -1;
    for (int i = 0; i < m->n_pending; i++) {
        pending_t *p = &m->pending[i];
        if (p->used) {
            int done = 0;
            MPI_Test(&p->req, &done, MPI_STATUS_IGNORE);
            if (done)
                p->used = 0;
        }
        if (!p->used && free_slot < 0)
            free_slot = i;
    }
    return free_slot;
}

static void pause_briefly(void)
{
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
}

/* Sends msg without waiting for the receiver.  The message's buffer moves
 * into the pending send (no copy: results are the bulk of a scan's
 * traffic); msg gets the send's old buffer back, emptied. */
static int post_send(hald_mpi_t *m, int dest, int tag, hald_buf_t *msg, hald_error_t *err)
{
    if (msg->len > (size_t)INT32_MAX)
        return hald_error_set(err, HALD_E_INPUT, "MPI: message of %zu bytes is too large", msg->len);
    for (;;) {
        pthread_mutex_lock(&m->lock);
        int slot = reap(m);
        if (slot >= 0) {
            pending_t *p = &m->pending[slot];
            hald_buf_t old = p->buf;
            p->buf = *msg;
            *msg = old;
            msg->len = 0;
            int rc = HALD_OK;
            static const char none = 0;
            if (MPI_Isend(p->buf.data ? p->buf.data : &none, (int)p->buf.len, MPI_BYTE, dest, tag,
                          MPI_COMM_WORLD, &p->req) != MPI_SUCCESS)
                rc = hald_error_set(err, HALD_E_IO, "MPI_Isend to rank %d failed", dest);
            p->used = rc == HALD_OK;
            pthread_mutex_unlock(&m->lock);
            return rc;
        }
        pthread_mutex_unlock(&m->lock);
        pause_briefly();
    }
}

/* Receives a message from `source` with `tag` (any tag: -1) if one is
 * there: 1 with *tag_out set, 0 if none. */
static int try_recv(hald_mpi_t *m, int source, int tag, hald_buf_t *msg, int *tag_out,
                    hald_error_t *err)
{
    pthread_mutex_lock(&m->lock);
    int flag = 0, count = 0, rc = 0;
    MPI_Message handle;
    MPI_Status st;
    MPI_Improbe(source, tag < 0 ? MPI_ANY_TAG : tag, MPI_COMM_WORLD, &flag, &handle, &st);
    if (flag) {
        MPI_Get_count(&st, MPI_BYTE, &count);
        msg->len = 0;
        char *dst = hald_buf_reserve(msg, (size_t)count + 1, err);
        if (!dst)
            rc = err->code;
        else if (MPI_Mrecv(dst, count, MPI_BYTE, &handle, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            rc = hald_error_set(err, HALD_E_IO, "MPI_Mrecv from rank %d failed", st.MPI_SOURCE);
        else {
            msg->len = (size_t)count;
            *tag_out = st.MPI_TAG;
            rc = 1;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int tp_send_unit(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err)
{
    return post_send(ctx, rank, TAG_UNIT, msg, err);
}

static int tp_poll_result(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err)
{
    int tag;
    return try_recv(ctx, rank, TAG_RESULT, msg, &tag, err);
}

static int tp_send_end(void *ctx, hald_error_t *err)
{
    hald_mpi_t *m = ctx;
    __atomic_add_fetch(&m->releases, 1, __ATOMIC_RELAXED);
    hald_buf_t empty;
    hald_buf_init(&empty);
    for (int r = 1; r < m->size; r++) {
        int rc = post_send(m, r, TAG_END, &empty, err);
        hald_buf_free(&empty); /* a pending send's old buffer, handed back */
        if (rc != HALD_OK)
            return rc;
    }
    return HALD_OK;
}

static int tp_poll_unit(void *ctx, hald_buf_t *msg, hald_error_t *err)
{
    int tag = 0;
    int rc = try_recv(ctx, 0, -1, msg, &tag, err);
    return rc == 1 && tag == TAG_END ? 2 : rc;
}

static int tp_send_result(void *ctx, hald_buf_t *msg, hald_error_t *err)
{
    return post_send(ctx, 0, TAG_RESULT, msg, err);
}

int hald_mpi_release(hald_mpi_t *m, hald_error_t *err)
{
    return m ? tp_send_end(m, err) : HALD_OK;
}

uint64_t hald_mpi_releases(const hald_mpi_t *m)
{
    return m ? __atomic_load_n(&m->releases, __ATOMIC_RELAXED) : 0;
}

int hald_mpi_announce(hald_mpi_t *m, const void *msg, size_t len, hald_error_t *err)
{
    hald_buf_t copy;
    hald_buf_init(&copy);
    for (int r = 1; m && r < m->size; r++) {
        copy.len = 0;
        int rc = hald_buf_append(&copy, msg, len, err);
        if (rc == HALD_OK)
            rc = post_send(m, r, TAG_ANNOUNCE, &copy, err);
        if (rc != HALD_OK) {
            hald_buf_free(&copy);
            return rc;
        }
    }
    hald_buf_free(&copy); /* a pending send's old buffer, handed back */
    return HALD_OK;
}

int hald_mpi_wait_announcement(hald_mpi_t *m, hald_buf_t *msg, hald_error_t *err)
{
    /* A daemon's other ranks wait here between requests: a millisecond's
     * sleep between checks keeps them off the CPU (a blocking receive
     * spins in Open MPI). */
    for (;;) {
        int tag, rc = try_recv(m, 0, TAG_ANNOUNCE, msg, &tag, err);
        if (rc != 0)
            return rc < 0 ? rc : HALD_OK;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void hald_mpi_transport(hald_mpi_t *m, hald_transport_t *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->n_ranks = 1;
    if (!m)
        return;
    tp->n_ranks = m->size;
    tp->rank = m->rank;
    tp->ctx = m;
    tp->send_unit = tp_send_unit;
    tp->poll_result = tp_poll_result;
    tp->send_end = tp_send_end;
    tp->poll_unit = tp_poll_unit;
    tp->send_result = tp_send_result;
}

void hald_mpi_abort(hald_mpi_t *m, int code)
{
    (void)m;
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* not reached */
}

int hald_mpi_finish(hald_mpi_t *m)
{
    if (!m)
        return HALD_OK;
    for (int i = 0; i < m->n_pending; i++) {
        if (m->pending[i].used)
            MPI_Wait(&m->pending[i].req, MPI_STATUS_IGNORE);
        hald_buf_free(&m->pending[i].buf);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    int rc = MPI_Finalize() == MPI_SUCCESS ? HALD_OK : HALD_E_IO;
    pthread_mutex_destroy(&m->lock);
    free(m->pending);
    free(m);
    return rc;
}

#endif
