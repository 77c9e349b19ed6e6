#!/usr/bin/env bash
# Scoring throughput against the decompression floor (issue 2).
#
#   tests/bench/bench_score.sh [BUILD_DIR] [WINDOWS]
#
# Makes WINDOWS (default 1,000,000) random 160-nt windows as FASTA .zst,
# then times `zstd -dc` to /dev/null, hald with one thread and binary
# output to /dev/null, hald with TSV output, and both models: best of 5,
# the commands taking turns so that a slow moment of this shared virtual
# machine does not land on one of them only.  Prints windows/s and the
# ratio of each hald time to zstd's.  Targets: bin <= 1.25, tsv <= 1.5.
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
n=${2:-1000000}
hald="$build/hald"
randwin="$build/tests/hald_randwin"
[ -x "$hald" ] && [ -x "$randwin" ] || { echo "build first: $hald, $randwin" >&2; exit 1; }
# Inputs in memory: these VMs reclaim page cache, so a file on disk
# times the disk.
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
input="$dir/windows.fa.zst"
"$randwin" -n "$n" -l 160 -s 1 | zstd -q -3 -c >"$input"

keys=(zstd bin tsv both)
declare -A best cmd
cmd[zstd]="zstd -dc $input"
cmd[bin]="$hald -q --threads 1 --out-format bin --out /dev/null --in $input"
cmd[tsv]="$hald -q --threads 1 --out-format tsv --out /dev/null --in $input"
cmd[both]="$hald -q --threads 1 --model both --out-format bin --out /dev/null --in $input"
for _ in 1 2 3 4 5; do
    for k in "${keys[@]}"; do
        # shellcheck disable=SC2086 # the command is a list of words
        t=$(time_once ${cmd[$k]})
        best[$k]=$(echo "$t ${best[$k]:-inf}" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
    done
done

printf 'input: %d windows, %s compressed, %s MB decompressed\n' "$n" \
    "$(du -h "$input" | cut -f1)" "$(zstd -dc "$input" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')"
printf '%-28s %8s %14s %8s\n' step seconds windows/s ratio
row() { awk -v name="$1" -v t="$2" -v z="${best[zstd]}" -v n="$n" \
    'BEGIN { printf "%-28s %8.3f %14.0f %8.2f\n", name, t, n / t, t / z }'; }
row "zstd -dc" "${best[zstd]}"
row "hald bin (mean)" "${best[bin]}"
row "hald tsv (mean)" "${best[tsv]}"
row "hald bin (both models)" "${best[both]}"
