#!/usr/bin/env bash
# Parallel engine: throughput and memory (issue 3).
#
#   tests/bench/bench_parallel.sh [BUILD_DIR] [WINDOWS]
#
# Packs WINDOWS (default 2,000,000) random 160-nt windows with hald pack,
# then times (best of 3, binary output to /dev/null): zstd -dc, hald with 1
# and 2 threads, and mpirun -n 2 (one thread per rank).  For MPI it also
# prints the scoring phase alone (hald -v "records in"), since MPI start-up
# is a fixed cost.  Then peak RSS (/usr/bin/time) for 1e6 and 4e6 windows.
# MPIRUN_ARGS adds launcher options (default "--mca pml ob1": on one node
# the UCX probe costs ~0.2 s of start-up in this VM).
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
n=${2:-2000000}
hald="$build/hald"
randwin="$build/tests/hald_randwin"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
read -r -a mpirun_args <<<"${MPIRUN_ARGS:---mca pml ob1}"
# Inputs in memory: these VMs reclaim page cache, so a file on disk
# times the disk.
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

pack() { "$randwin" -n "$1" -l 160 -s 1 | "$hald" pack -q --out "$2"; }
scoring_phase() { # seconds of the scoring phase as hald -v reports it
    "$@" 2>&1 >/dev/null | sed -n 's/.*records in \([0-9.]*\) s.*/\1/p' | tail -1
}

input="$dir/w.zst"
pack "$n" "$input"
run=("$hald" -q --out-format bin --out /dev/null --in "$input")
zstd_t=$(best_of_3 zstd -dc "$input")
t1=$(best_of_3 "${run[@]}" -t 1)
t2=$(best_of_3 "${run[@]}" -t 2)
mpi=$(best_of_3 mpirun "${mpirun_args[@]}" -n 2 "${run[@]}" -t 1)
mpi_phase=$(scoring_phase mpirun "${mpirun_args[@]}" -n 2 "$hald" -v --out-format bin --out /dev/null --in "$input" -t 1)
t1_phase=$(scoring_phase "$hald" -v --out-format bin --out /dev/null --in "$input" -t 1)

printf 'packed input: %d windows, %s\n' "$n" "$(du -h "$input" | cut -f1)"
printf '%-34s %8s %14s %12s %12s\n' run seconds windows/s "vs 1 thread" "vs zstd -dc"
row() { awk -v name="$1" -v t="$2" -v one="$t1" -v z="$zstd_t" -v n="$n" \
    'BEGIN { printf "%-34s %8.3f %14.0f %11.2fx %11.2fx\n", name, t, n / t, one / t, t / z }'; }
row "zstd -dc" "$zstd_t"
row "hald -t 1" "$t1"
row "hald -t 2" "$t2"
row "mpirun -n 2 (wall, with start-up)" "$mpi"
awk -v a="$t1_phase" -v b="$mpi_phase" 'BEGIN { printf "scoring phase only: -t 1 %.3f s, mpirun -n 2 %.3f s: %.2fx\n", a, b, a / b }'

echo "peak RSS (KB):"
for m in 1000000 4000000; do
    pack "$m" "$dir/r.zst"
    rss_t2=$(/usr/bin/time -f %M "$hald" -q -t 2 --out-format bin --out /dev/null --in "$dir/r.zst" 2>&1 >/dev/null | tail -1)
    rss_tsv=$(/usr/bin/time -f %M "$hald" -q -t 2 --model both --out /dev/null --in "$dir/r.zst" 2>&1 >/dev/null | tail -1)
    zstd -q -d -c "$dir/r.zst" | gzip -1 >"$dir/r.gz"
    rss_gz=$(/usr/bin/time -f %M "$hald" -q -t 2 --model both --out /dev/null --in "$dir/r.gz" 2>&1 >/dev/null | tail -1)
    rss_mpi=$(mpirun "${mpirun_args[@]}" -n 2 /usr/bin/time -f %M "$hald" -q -t 1 --out-format bin --out /dev/null --in "$dir/r.zst" 2>&1 >/dev/null | sort -n | tail -1)
    printf '  %8d windows: -t 2 bin %s, -t 2 tsv both %s, gzip -t 2 %s, mpirun -n 2 (max rank) %s\n' \
        "$m" "$rss_t2" "$rss_tsv" "$rss_gz" "$rss_mpi"
    rm -f "$dir/r.zst" "$dir/r.gz"
done
