/* hald — score 5' splice donors with the HAL model (Rosenberg et al.,
 * Cell 2015), exactly, on threads and MPI ranks.
 *
 * The one header a program needs: `#include <hald/hald.h>` and link with
 * `pkg-config --cflags --libs hald` (add --static for the static library).
 *
 *   weights.h       the published coefficient table: load, find, sha256
 *   score.h         the mean and regions models: one window or a batch
 *   scan.h          exact fixed-point sums over a whole genome
 *   records.h       FASTA / FASTQ / lines parser into bounded batches
 *   reader.h        plain, gzip and zstd input; sink.h atomic output
 *   score_run.h     hald score: a file of sequences to rows of scores
 *   scan_run.h      hald scan: every donor site of a genome
 *   view_run.h      hald view: a binary output back as TSV
 *   pack.h          hald pack: record-aligned zstd frames with an index
 *   merge_run.h     hald merge: the parts of a sharded run as one file
 *   run.h, mpi.h    threads, MPI ranks and progress for every run
 *   score_writer.h, site_writer.h, binfmt.h   the output formats
 */
#ifndef HALD_HALD_H
#define HALD_HALD_H

#include "hald/binfmt.h"
#include "hald/buf.h"
#include "hald/error.h"
#include "hald/fastastream.h"
#include "hald/genome.h"
#include "hald/hexamer.h"
#include "hald/merge_run.h"
#include "hald/mpi.h"
#include "hald/numfmt.h"
#include "hald/effect.h"
#include "hald/pack.h"
#include "hald/pairs_run.h"
#include "hald/reader.h"
#include "hald/records.h"
#include "hald/recstart.h"
#include "hald/run.h"
#include "hald/scan.h"
#include "hald/scan_run.h"
#include "hald/serve.h"
#include "hald/score.h"
#include "hald/score_run.h"
#include "hald/score_writer.h"
#include "hald/sha256.h"
#include "hald/sink.h"
#include "hald/site_writer.h"
#include "hald/sites.h"
#include "hald/variants_run.h"
#include "hald/view_run.h"
#include "hald/weights.h"

#endif
