#!/usr/bin/env bash
# Scoring throughput against the decompression floor.
#
#   tests/bench/bench_score.sh [BUILD_DIR] [WINDOWS]
#
# Makes WINDOWS (default 1,000,000) random 160-nt windows as FASTA .zst,
# then times, best of 3 runs each: `zstd -dc` to /dev/null, hald with one
# thread and binary output to /dev/null, and hald with TSV output to
# /dev/null.  Prints windows/s and the ratio of each hald time to zstd's.
# Targets (issue 2): bin <= 1.25, tsv <= 1.5.
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
hald="$build/hald"
randwin="$build/tests/hald_randwin"
[ -x "$hald" ] && [ -x "$randwin" ] || { echo "build first: $hald, $randwin" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
input="$dir/windows.fa.zst"
"$randwin" -n "$n" -l 160 -s 1 | zstd -q -3 -c >"$input"

best_of_3() { # prints the best wall time in seconds of the command
    local best=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >/dev/null
        t1=$(date +%s.%N)
        best=$(echo "$t0 $t1 ${best:-inf}" | awk '{ d = $2 - $1; b = ($3 == "inf" || d < $3) ? d : $3; printf "%.4f", b }')
    done
    echo "$best"
}

zstd_t=$(best_of_3 zstd -dc "$input")
bin_t=$(best_of_3 "$hald" -q --threads 1 --out-format bin --out /dev/null --in "$input")
tsv_t=$(best_of_3 "$hald" -q --threads 1 --out-format tsv --out /dev/null --in "$input")
both_t=$(best_of_3 "$hald" -q --threads 1 --model both --out-format bin --out /dev/null --in "$input")

printf 'input: %d windows, %s compressed, %s MB decompressed\n' "$n" \
    "$(du -h "$input" | cut -f1)" "$(zstd -dc "$input" | wc -c | awk '{ printf "%.1f", $1 / 1e6 }')"
printf '%-28s %8s %14s %8s\n' step seconds windows/s ratio
row() { awk -v name="$1" -v t="$2" -v z="$zstd_t" -v n="$n" \
    'BEGIN { printf "%-28s %8.3f %14.0f %8.2f\n", name, t, n / t, t / z }'; }
row "zstd -dc" "$zstd_t"
row "hald bin (mean)" "$bin_t"
row "hald tsv (mean)" "$tsv_t"
row "hald bin (both models)" "$both_t"
