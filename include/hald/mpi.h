/* hald — running as one rank of an MPI job.
 *
 * MPI is started only when the process was launched by an MPI launcher
 * with more than one rank (mpirun -n 2+, srun), so a plain run, or
 * `mpirun -n 1`, pays nothing for it.  Built only with HALD_WITH_MPI;
 * without it every process is a job of one.
 *
 * Every rank calls the same run function (hald_score_run, hald_scan_run)
 * with the same options and the same hald_mpi_t: rank 0 reads the input
 * and writes the output, the others work on what rank 0 deals them. */
#ifndef HALD_MPI_H
#define HALD_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_mpi hald_mpi_t;

/* Whether this build has MPI. */
int hald_mpi_available(void);

/* Starts MPI when launched as one of several ranks; *out is NULL (and
 * HALD_OK returned) otherwise. */
int hald_mpi_start(int *argc, char ***argv, hald_mpi_t **out, hald_error_t *err);

/* This process's rank and the job's size (0 and 1 for NULL). */
int hald_mpi_rank(const hald_mpi_t *m);
int hald_mpi_size(const hald_mpi_t *m);

/* A small message from rank 0 to every other rank, in order with the
 * runs' own messages: hald serve announces each run (and each new model)
 * this way. */
int hald_mpi_announce(hald_mpi_t *m, const void *msg, size_t len, hald_error_t *err);
/* Ranks other than 0: waits for rank 0's next announcement into msg,
 * idling (not spinning) between checks. */
int hald_mpi_wait_announcement(hald_mpi_t *m, hald_buf_t *msg, hald_error_t *err);
/* Rank 0: releases the other ranks from the run they are in (the runner
 * does so at the end of every run), and how many times that was done.
 * hald serve releases them itself after a run that failed before its
 * runner started. */
int hald_mpi_release(hald_mpi_t *m, hald_error_t *err);
uint64_t hald_mpi_releases(const hald_mpi_t *m);
/* Ends the whole job at once with this exit code (after the caller has
 * cleaned up its own files). */
void hald_mpi_abort(hald_mpi_t *m, int code) __attribute__((noreturn));

/* Waits for pending messages and finalises; frees m.  NULL is a no-op. */
int hald_mpi_finish(hald_mpi_t *m);

#ifdef __cplusplus
}
#endif
#endif
