#!/usr/bin/env bash
# Smoke test of tests/slurm/cluster.sh: start a real one-node cluster, then
# prove batch, array + dependency, MPI (PMIx) and failure reporting work,
# and that the daemons stop.  Exit 77 (skip) when Slurm is not usable here.
#
#   bash tests/slurm/smoke.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/cluster.sh
source "$here/cluster.sh"

if ! slurm_available; then
	echo "SKIP: needs root and slurmctld, slurmd, munged, sbatch (apt-get install slurm-wlm munge)"
	exit 77
fi
command -v mpicc >/dev/null || { echo "FAIL: mpicc not found (apt-get install libopenmpi-dev)" >&2; exit 1; }

dir=$(mktemp -d)
# Keep the directory (logs) when something failed.
trap 'rc=$?; slurm_down "$dir"; if ((rc == 0)); then rm -rf "$dir"; else echo "kept $dir" >&2; fi' EXIT
# Jobs write slurm-%j.out into the submit directory: keep them in ours.
cd "$dir"

fail() {
	echo "FAIL: $*" >&2
	_slurm_logs "$dir"
	exit 1
}
# Microseconds (bash 5 has EPOCHREALTIME).
now() { echo "${EPOCHREALTIME/[.,]/}"; }
secs() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }
t0=$(now)
tp=$t0
phase() { # phase NAME: time since the last phase
	local t
	t=$(now)
	printf '%-32s %5s s\n' "$1" "$(secs $((t - tp)))"
	tp=$t
}

slurm_up "$dir" || fail "slurm_up"
phase "cluster up (node idle)"

# a. sbatch --wait returns the job's exit status.
sbatch --wait --quiet --wrap 'true' || fail "sbatch --wait of a trivial job"
phase "a. sbatch --wait trivial job"

# b. An array and a job that depends on it.
mkdir out
# shellcheck disable=SC2016 # expanded by the job
aid=$(sbatch --parsable --array=1-3 \
	--wrap 'echo "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" >out/task.$SLURM_ARRAY_TASK_ID')
aid=${aid%%;*}
did=$(sbatch --parsable --dependency=afterok:"$aid" --wrap 'cat out/task.1 out/task.2 out/task.3 >out/all')
did=${did%%;*}
slurm_wait_job "$aid" 60 || fail "array job $aid"
slurm_wait_job "$did" 60 || fail "dependent job $did"
want=$'1/3\n2/3\n3/3'
[[ $(<out/all) == "$want" ]] || fail "array output: got '$(<out/all)', want '$want'"
phase "b. array 1-3 + afterok job"

# c. MPI over PMIx: 4 ranks on a 2-CPU node (--overcommit).
srun --mpi=list 2>&1 | grep -qw pmix || fail "srun --mpi=list has no pmix: $(srun --mpi=list 2>&1)"
cat >mpi_hello.c <<'EOF'
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	int rank, size, sum;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	/* A collective, so the ranks really talk to each other. */
	MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	printf("rank %d size %d sum %d\n", rank, size, sum);
	MPI_Finalize();
	return 0;
}
EOF
mpicc -o mpi_hello mpi_hello.c || fail "mpicc"
# Open MPI refuses root unless told; srun passes the environment on.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi_out=$(timeout 120 srun --mpi=pmix -n 4 --overcommit ./mpi_hello 2>mpi.err) ||
	fail "srun --mpi=pmix: $(cat mpi.err)"
got=$(sort <<<"$mpi_out")
want=$'rank 0 size 4 sum 6\nrank 1 size 4 sum 6\nrank 2 size 4 sum 6\nrank 3 size 4 sum 6'
[[ $got == "$want" ]] || fail "MPI output: got '$got' (stderr: $(cat mpi.err))"
phase "c. srun --mpi=pmix -n 4"

# d. A failing job is reported as failed, with its exit code; a job
# afterok on it is cancelled (kill_invalid_depend), not left pending.
fid=$(sbatch --parsable --wrap 'exit 3')
fid=${fid%%;*}
xid=$(sbatch --parsable --dependency=afterok:"$fid" --wrap 'true')
xid=${xid%%;*}
rc=0
slurm_wait_job "$fid" 60 2>fail.err || rc=$?
((rc == 1)) || fail "failed job $fid: slurm_wait_job returned $rc, want 1"
grep -q "FAILED ExitCode=3:0" fail.err || fail "failed job $fid: $(cat fail.err)"
rc=0
slurm_wait_job "$xid" 60 2>dep.err || rc=$?
if ((rc != 1)) || ! grep -q CANCELLED dep.err; then
	fail "job $xid after a failed one: rc $rc, $(cat dep.err)"
fi
phase "d. failing job reported"

# Stop, and check nothing of ours is left.
pids=$(cat run/slurmctld.pid run/slurmd.pid munge/munged.pid)
slurm_down "$dir"
for p in $pids; do
	! _slurm_alive "$p" || fail "process $p ($(cat /proc/"$p"/comm 2>/dev/null)) still running"
done
phase "cluster down"
printf '%-32s %5s s\n' "total" "$(secs $(($(now) - t0)))"
echo "PASS"
