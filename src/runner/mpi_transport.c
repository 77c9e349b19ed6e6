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

/* Rank 0 sends units, ends, orders and the output's path with any tag a
 * rank's poll receives (MPI keeps one sender's messages in order when the
 * receive matches any tag), so orders never overtake the end. */
enum { TAG_UNIT = 1, TAG_END = 2, TAG_RESULT = 3, TAG_ANNOUNCE = 4, TAG_ORDERS = 5, TAG_OPEN = 6,
       TAG_DONE = 7 };
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
    uint64_t sent, received; /* payload bytes, under the lock */
    MPI_File out;            /* output written in place, when out_open */
    int out_open;
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
            if (rc == HALD_OK)
                m->sent += p->buf.len;
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
            m->received += (uint64_t)count;
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
    if (rc != 1)
        return rc;
    switch (tag) {
    case TAG_UNIT:
        return 1;
    case TAG_END:
        return 2;
    case TAG_ORDERS:
        return 3;
    case TAG_OPEN:
        return 4;
    default:
        return hald_error_set(err, HALD_E_IO, "MPI: a message with tag %d from rank 0 during a run",
                              tag);
    }
}

/* The same small message to every other rank, each its own copy (a
 * pending send owns its buffer). */
static int send_to_others(hald_mpi_t *m, int tag, const void *msg, size_t len, hald_error_t *err)
{
    hald_buf_t copy;
    hald_buf_init(&copy);
    int rc = HALD_OK;
    for (int r = 1; rc == HALD_OK && m && r < m->size; r++) {
        copy.len = 0;
        rc = hald_buf_append(&copy, msg, len, err);
        if (rc == HALD_OK)
            rc = post_send(m, r, tag, &copy, err);
    }
    hald_buf_free(&copy); /* a pending send's old buffer, handed back */
    return rc;
}

static int tp_send_open(void *ctx, const char *path, hald_error_t *err)
{
    return send_to_others(ctx, TAG_OPEN, path, strlen(path), err);
}

static int tp_send_orders(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err)
{
    return post_send(ctx, rank, TAG_ORDERS, msg, err);
}

/* Each rank opens the file on its own (MPI_COMM_SELF): ranks join a run
 * at different moments, and rank 0 created the file already.  MPI-IO
 * rather than pwrite, so that file systems that need it (NFS) get their
 * locking from ROMIO. */
static int tp_out_open(void *ctx, const char *path, hald_error_t *err)
{
    hald_mpi_t *m = ctx;
    pthread_mutex_lock(&m->lock);
    int rc = HALD_OK;
    if (m->out_open)
        rc = hald_error_set(err, HALD_E_IO, "MPI: an output file is open already");
    else if (MPI_File_open(MPI_COMM_SELF, path, MPI_MODE_WRONLY, MPI_INFO_NULL, &m->out) !=
             MPI_SUCCESS)
        rc = hald_error_set(err, HALD_E_IO, "%s: cannot open for writing (MPI_File_open); ranks "
                            "write their results into the output file, so it must be on a file "
                            "system every rank sees",
                            path);
    else
        m->out_open = 1;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int tp_out_write(void *ctx, uint64_t offset, const void *buf, size_t len, hald_error_t *err)
{
    hald_mpi_t *m = ctx;
    const char *p = buf;
    int rc = HALD_OK;
    pthread_mutex_lock(&m->lock);
    while (rc == HALD_OK && len > 0) {
        int n = len > (size_t)(1 << 30) ? 1 << 30 : (int)len;
        MPI_Status st;
        int done = 0;
        if (!m->out_open ||
            MPI_File_write_at(m->out, (MPI_Offset)offset, p, n, MPI_BYTE, &st) != MPI_SUCCESS ||
            MPI_Get_count(&st, MPI_BYTE, &done) != MPI_SUCCESS || done != n)
            rc = hald_error_set(err, HALD_E_IO, "MPI_File_write_at of %d bytes at offset %llu failed",
                                n, (unsigned long long)offset);
        p += n, len -= (size_t)n, offset += (uint64_t)n;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int tp_out_close(void *ctx, hald_error_t *err)
{
    hald_mpi_t *m = ctx;
    pthread_mutex_lock(&m->lock);
    int rc = HALD_OK;
    /* Synced, as rank 0 syncs its part before the rename. */
    if (m->out_open && MPI_File_sync(m->out) != MPI_SUCCESS)
        rc = hald_error_set(err, HALD_E_IO, "MPI_File_sync of the output failed");
    if (m->out_open && MPI_File_close(&m->out) != MPI_SUCCESS && rc == HALD_OK)
        rc = hald_error_set(err, HALD_E_IO, "MPI_File_close of the output failed");
    m->out_open = 0;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static int tp_send_done(void *ctx, const hald_rank_io_t *io, hald_error_t *err)
{
    hald_buf_t msg;
    hald_buf_init(&msg);
    uint64_t w[3] = {io->read, io->sent, io->received};
    int rc = hald_buf_append(&msg, w, sizeof w, err);
    if (rc == HALD_OK)
        rc = post_send(ctx, 0, TAG_DONE, &msg, err);
    hald_buf_free(&msg);
    return rc;
}

static int tp_poll_done(void *ctx, int rank, hald_rank_io_t *io, hald_error_t *err)
{
    hald_buf_t msg;
    hald_buf_init(&msg);
    int tag, rc = try_recv(ctx, rank, TAG_DONE, &msg, &tag, err);
    if (rc == 1 && msg.len != 24)
        rc = hald_error_set(err, HALD_E_IO, "MPI: a malformed end report from rank %d", rank);
    if (rc == 1) {
        uint64_t w[3];
        memcpy(w, msg.data, sizeof w);
        *io = (hald_rank_io_t){w[0], w[1], w[2], 0, 0};
    }
    hald_buf_free(&msg);
    return rc;
}

static void tp_traffic(void *ctx, uint64_t *sent, uint64_t *received)
{
    hald_mpi_t *m = ctx;
    pthread_mutex_lock(&m->lock);
    *sent = m->sent;
    *received = m->received;
    pthread_mutex_unlock(&m->lock);
}

static int tp_send_result(void *ctx, hald_buf_t *msg, hald_error_t *err)
{
    return post_send(ctx, 0, TAG_RESULT, msg, err);
}

int hald_mpi_release(hald_mpi_t *m, hald_error_t *err)
{
    if (!m)
        return HALD_OK;
    int rc = tp_send_end(m, err);
    /* Each rank leaves its run with a report (the runner's end): taken
     * here, or the next run would take it for its own. */
    for (int r = 1; rc == HALD_OK && r < m->size; r++) {
        hald_rank_io_t io;
        int got;
        while ((got = tp_poll_done(m, r, &io, err)) == 0)
            pause_briefly();
        rc = got < 0 ? got : HALD_OK;
    }
    return rc;
}

uint64_t hald_mpi_releases(const hald_mpi_t *m)
{
    return m ? __atomic_load_n(&m->releases, __ATOMIC_RELAXED) : 0;
}

int hald_mpi_announce(hald_mpi_t *m, const void *msg, size_t len, hald_error_t *err)
{
    return send_to_others(m, TAG_ANNOUNCE, msg, len, err);
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
    tp->send_open = tp_send_open;
    tp->send_orders = tp_send_orders;
    tp->out_open = tp_out_open;
    tp->out_write = tp_out_write;
    tp->out_close = tp_out_close;
    tp->send_done = tp_send_done;
    tp->poll_done = tp_poll_done;
    tp->traffic = tp_traffic;
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
