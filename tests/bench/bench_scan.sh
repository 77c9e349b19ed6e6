#!/usr/bin/env bash
# hald scan throughput against the decompression floor (issue 4).
#
#   tests/bench/bench_scan.sh [BUILD_DIR] [BASES]
#
# Makes a synthetic genome of BASES (default 200,000,000) random bases in 4
# sequences, with planted donors, soft-masked stretches and N runs, as
# .fa.zst; then times (best of 3, binary output to /dev/null) zstd -dc,
# hald scan with one thread (both models, and the mean alone), with 2
# threads, and under mpirun -n 2, and prints bases/s and the ratio to
# zstd -dc.  Then the kernel alone (tests/tools/hald_scankernel: random
# sequence in memory, no decompression or output), to tell kernel time
# from the rest.  MPIRUN_ARGS as in bench_parallel.sh.
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
bases=${2:-200000000}
hald="$build/hald"
gen="$build/tests/hald_randgenome"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
read -r -a mpirun_args <<<"${MPIRUN_ARGS:---mca pml ob1}"
# Inputs in memory: these VMs reclaim page cache, so a file on disk
# times the disk.
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
genome="$dir/genome.fa.zst"
"$gen" -b "$bases" -c 4 | zstd -q -c >"$genome"

scan=("$hald" scan -q -O bin --out /dev/null --in "$genome")
zstd_t=$(best_of_3 zstd -dc "$genome")
t1=$(best_of_3 "${scan[@]}" -t 1)
t1_mean=$(best_of_3 "${scan[@]}" -t 1 --model mean)
t2=$(best_of_3 "${scan[@]}" -t 2)
mpi=$(best_of_3 mpirun "${mpirun_args[@]}" -n 2 "${scan[@]}" -t 1)
sites=$("$hald" scan -O bin --out /dev/null --in "$genome" 2>&1 | sed -n 's/.* bases, \([0-9]*\) sites.*/\1/p')
printf 'genome: %d bases (%s as .fa.zst), %s sites\n' "$bases" "$(du -h "$genome" | cut -f1)" "$sites"
printf '%-30s %8s %14s %10s\n' run seconds bases/s "vs zstd"
row() { awk -v name="$1" -v t="$2" -v z="$zstd_t" -v n="$bases" \
    'BEGIN { printf "%-30s %8.3f %14.0f %9.2fx\n", name, t, n / t, t / z }'; }
row "zstd -dc" "$zstd_t"
row "hald scan -t 1" "$t1"
row "hald scan -t 1 --model mean" "$t1_mean"
row "hald scan -t 2" "$t2"
row "mpirun -n 2 hald scan -t 1" "$mpi"
echo "kernel alone (20 Mb of random sequence in memory):"
"$build/tests/hald_scankernel"
"$build/tests/hald_scankernel" -m mean
