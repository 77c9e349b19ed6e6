#!/usr/bin/env bash
# Scaling past rank 0 (issue 12): what rank 0 moves, and ranks against threads.
#
#   tests/bench/bench_scaling.sh [BUILD_DIR] [WINDOWS] [BASES]
#
# Packs WINDOWS (default 2,000,000) random 160-nt windows (hald pack) and a
# synthetic genome of BASES (default 200,000,000) with hald pack --genome,
# on /dev/shm.  Then:
#   1. -v traffic of mpirun -n 4 on the packed windows, binary output to a
#      file: rank 0's MPI payload (sent + received) against the file's size,
#      and what every rank read.
#   2. best of 3, whole wall clock with MPI start-up: zstd -dc, hald -t 1,
#      -t 2 and mpirun -n 2 (one thread each), for score and scan of the
#      packed inputs, with the output to a file on /dev/shm (written in
#      place by every rank) and to /dev/null (gathered by rank 0).
#   3. MPI start-up and shut-down alone (a run on an empty input).
# MPIRUN_ARGS adds launcher options (default "--mca pml ob1").
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
n=${2:-2000000}
bases=${3:-200000000}
hald="$build/hald"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
read -r -a mpirun_args <<<"${MPIRUN_ARGS:---mca pml ob1}"
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$build/tests/hald_randwin" -n "$n" -l 160 -s 1 | "$hald" pack -q --out "$dir/w.zst"
"$build/tests/hald_randgenome" -b "$bases" -c 4 | "$hald" pack -q --genome --out "$dir/g.zst"
printf 'packed windows: %d, %s; packed genome: %d bases, %s\n' "$n" "$(du -h "$dir/w.zst" | cut -f1)" \
    "$bases" "$(du -h "$dir/g.zst" | cut -f1)"

echo "== 1. traffic, mpirun -n 4, score -O bin to a file"
mpirun "${mpirun_args[@]}" --oversubscribe -n 4 "$hald" -v -t 1 -O bin --in "$dir/w.zst" \
    --out "$dir/out.bin" 2>&1 >/dev/null | grep '\[M::mpi\]' | tee "$dir/traffic"
awk -v size="$(stat -c %s "$dir/w.zst")" '/rank 0: read/ {
    printf "rank 0 payload: %d bytes = %.4f %% of the %d-byte input\n", $8 + $11, 100 * ($8 + $11) / size, size }' \
    "$dir/traffic"
rm -f "$dir/out.bin"

echo "== 2. wall clock, best of 3 (seconds; ratio to -t 1)"
row() { awk -v name="$1" -v t="$2" -v one="$3" 'BEGIN { printf "  %-44s %7.3f %7.2fx\n", name, t, t / one }'; }
for job in score scan; do
    if [ $job = score ]; then in=$dir/w.zst cmd=(); else in=$dir/g.zst cmd=(scan); fi
    z=$(best_of_3 zstd -dc "$in")
    for dest in file null; do
        out=$dir/out.bin
        [ $dest = null ] && out=/dev/null
        run=("$hald" "${cmd[@]}" -q -O bin --in "$in" --out "$out")
        t1=$(best_of_3 "${run[@]}" -t 1)
        t2=$(best_of_3 "${run[@]}" -t 2)
        m2=$(best_of_3 mpirun "${mpirun_args[@]}" -n 2 "${run[@]}" -t 1)
        echo " $job, -O bin to $dest:"
        row "zstd -dc" "$z" "$t1"
        row "hald -t 1" "$t1" "$t1"
        row "hald -t 2" "$t2" "$t1"
        row "mpirun -n 2 -t 1 (with start-up)" "$m2" "$t1"
        rm -f "$dir/out.bin"
    done
done

echo "== 3. MPI start-up and shut-down"
printf '>a\nACGT\n' >"$dir/tiny.fa"
row "mpirun -n 2 on an empty scan" "$(best_of_3 mpirun "${mpirun_args[@]}" -n 2 "$hald" scan -q --in "$dir/tiny.fa" --out /dev/null)" 1
row "hald alone on the same" "$(best_of_3 "$hald" scan -q --in "$dir/tiny.fa" --out /dev/null)" 1
