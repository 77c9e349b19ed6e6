# hald on a real single-node Slurm (issue 12): the array job over --shard
# I/N and its merge (score and scan), a failed task run again alone, and the
# MPI job through srun --mpi=pmix, each output byte-identical to a plain
# run.  The cluster (munged, slurmctld, slurmd) is started here from the
# installed binaries and stopped by pid (tests/slurm/cluster.sh); .ci/setup
# installs slurm-wlm and munge.  Skipped (77) where Slurm is not installed.
. "$(dirname "$0")/common.bash"
# shellcheck source=tests/slurm/cluster.sh
. "$HALD_SOURCE_DIR/tests/slurm/cluster.sh"
T=$E2E_TMP
# Under sanitizers the jobs' hald is covered by merge.sh and scale.sh; what
# this adds is Slurm itself, tested once in the ordinary build.
if [ -n "${HALD_SANITIZED:-}" ]; then
    echo "SKIP: the Slurm jobs run in the ordinary build's suite"
    exit 77
fi
if ! slurm_available; then
    echo "SKIP: needs root and slurm-wlm, munge (apt-get install slurm-wlm munge)"
    [ -n "${HALD_REQUIRE_SLURM:-}" ] && exit 1 # CI installs them: a skip there is a failure
    exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export HALD=$HALD_BIN # the job scripts run this hald
S=$HALD_SOURCE_DIR/slurm
mkdir -p "$T/cluster"
chmod 711 "$T" # munged, as its own user, must reach its socket below
trap 'slurm_down "$T/cluster"; rm -rf "$T"' EXIT
slurm_up "$T/cluster" || { fail "a one-node Slurm did not start"; exit 1; }
pass "a one-node Slurm is up"
cd "$T" || exit 1 # jobs write slurm-JOBID.out here

windows=40000 bases=2000000
[ -n "${HALD_SANITIZED:-}" ] && windows=10000 bases=500000
hald_randwin -n $windows -l 160 -s 21 --messy -w 60 >w.fa
"$HALD" pack -q --frame-size 32K --in w.fa --out w.zst
hald_randgenome -b $bases -c 4 -s 5 >g.fa
"$HALD" pack -q --genome --frame-size 32K --in g.fa --out g.zst
"$HALD" -q --model both --in w.fa --out ref.tsv
"$HALD" -q --model both -O bin --in w.fa --out ref.bin
"$HALD" scan -q -O bin --in g.fa --out ref.scan.bin

# The scripts ask for 4 CPUs per task; this node may have 2.
submit() { sbatch --parsable --cpus-per-task=1 "$@" | cut -d";" -f1; }
waited() { # what, job id: the job (every task) completed
    local what=$1 id=$2
    if slurm_wait_job "$id" 120; then pass "$what"; else fail "$what"; tail -5 slurm-"$id"*.out 2>/dev/null; fi
}

# Score: an array of 4 shards to TSV, merged by a job that waits for it.
aid=$(submit --array=1-4 "$S/array.sbatch" score w.zst 4 parts.tsv --model both)
mid=$(submit --dependency=afterok:"$aid" "$S/merge.sbatch" parts.tsv merged.tsv)
waited "score array job (4 tasks)" "$aid"
waited "its merge job (afterok)" "$mid"
check "score: array + merge = the plain run, byte for byte" cmp ref.tsv merged.tsv

# Scan of a packed genome, binary: 3 shards re-blocked by the merge.
aid=$(submit --array=1-3 "$S/array.sbatch" scan g.zst 3 parts.scan -O bin)
mid=$(submit --dependency=afterok:"$aid" "$S/merge.sbatch" parts.scan merged.scan.bin)
waited "scan array job (3 tasks)" "$aid"
waited "its merge job" "$mid"
check "scan: array + merge = the plain run, byte for byte" cmp ref.scan.bin merged.scan.bin

# A task that fails: the merge never runs; that task alone, submitted
# again, recomputes only its part, and the merge then gives the same bytes.
cat >flaky <<EOF
#!/bin/sh
[ "\$SLURM_ARRAY_TASK_ID" = 3 ] && { echo "task 3 fails" >&2; exit 3; }
exec "$HALD_BIN" "\$@"
EOF
chmod +x flaky
aid=$(HALD=$T/flaky submit --array=1-4 "$S/array.sbatch" score w.zst 4 parts.bin --model both -O bin)
mid=$(submit --dependency=afterok:"$aid" "$S/merge.sbatch" parts.bin merged.bin)
if slurm_wait_job "$aid" 120 2>/dev/null; then fail "the array with a failing task completed"; else pass "the array with a failing task is reported failed"; fi
if slurm_wait_job "$mid" 60 2>/dev/null; then fail "the merge ran after a failed task"; else pass "the merge did not run"; fi
check "the failed task left no part" [ ! -e parts.bin/part.3 ]
expect_fail "hald merge names the missing shard" "3" "$HALD" merge --out merged.bin \
    parts.bin/part.1 parts.bin/part.2 parts.bin/part.4
check "and writes nothing" [ ! -e merged.bin ]
before=$(stat -c %Y.%s parts.bin/part.1 parts.bin/part.2 parts.bin/part.4)
aid=$(submit --array=3 "$S/array.sbatch" score w.zst 4 parts.bin --model both -O bin)
mid=$(submit --dependency=afterok:"$aid" "$S/merge.sbatch" parts.bin merged.bin)
waited "task 3 alone, submitted again" "$aid"
waited "the merge after it" "$mid"
check "only part 3 was written again" [ "$before" = "$(stat -c %Y.%s parts.bin/part.1 parts.bin/part.2 parts.bin/part.4)" ]
check "binary score: merged = the plain run, byte for byte" cmp ref.bin merged.bin

# One MPI job of 4 ranks (2 CPUs: --overcommit) started by srun --mpi=pmix:
# ranks read their own frames and write the file in place.
jid=$(submit -n 4 --overcommit "$S/mpi.sbatch" score --in w.zst --model both -O bin --out mpi.bin -v)
waited "MPI score job, srun --mpi=pmix -n 4" "$jid"
check "MPI score: the plain run's bytes" cmp ref.bin mpi.bin
check "  ... every rank reported its traffic" [ "$(grep -c '\[M::mpi\] rank [0-9]*: read' slurm-"$jid".out)" -eq 4 ]
jid=$(submit -n 3 --overcommit "$S/mpi.sbatch" scan --in g.zst -O bin --out mpi.scan.bin)
waited "MPI scan job of a packed genome, 3 ranks" "$jid"
check "MPI scan: the plain run's bytes" cmp ref.scan.bin mpi.scan.bin

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" -eq 0 ]
