#!/usr/bin/env bash
# The one runner against the decompression floor, at one and two threads,
# on every input form (issue 8).
#
#   tests/bench/bench_runner.sh [BUILD_DIR] [WINDOWS] [RUNS] [BASELINE_HALD]
#
# Makes WINDOWS (default 1,000,000) random 160-nt windows on /dev/shm (page
# cache is reclaimed aggressively on these VMs: inputs on disk time the disk)
# as single-frame zstd, gzip, plain text, a packed file and a multi-frame
# zstd, and times, best of RUNS (default 5) with every command taking its
# turn in each round: zstd -dc (or zcat, cat) of the input, then hald at -t 1
# and -t 2 for the mean model to binary and both models to TSV.  Prints each
# time, its ratio to the decompressor, and whether -t 2 beat -t 1.  A
# BASELINE_HALD (another build) is timed alongside for before/after.
# BENCH_INPUTS="w.fa.zst w.fa" times only those inputs.
# Targets: -t 2 never slower than -t 1; single-frame zstd at -t 2 at most
# 1.1x zstd -dc (mean, bin) and 1.25x (both, TSV); -t 1 at most 1.25x (bin)
# and 1.5x (TSV).
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
n=${2:-1000000}
runs=${3:-5}
baseline=${4:-}
hald="$build/hald"
randwin="$build/tests/hald_randwin"
[ -x "$hald" ] && [ -x "$randwin" ] || { echo "build first: $hald, $randwin" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

"$randwin" -n "$n" -l 160 -s 1 >"$dir/w.fa"
zstd -q -3 -c "$dir/w.fa" >"$dir/w.fa.zst"
gzip -1 -c "$dir/w.fa" >"$dir/w.fa.gz"
"$hald" pack -q --in "$dir/w.fa" --out "$dir/w.packed.zst"
split -b 1000003 "$dir/w.fa" "$dir/piece."
for p in "$dir"/piece.*; do zstd -q -3 -c "$p"; done >"$dir/w.multi.zst"
rm -f "$dir"/piece.*

# input|floor command; BENCH_INPUTS="w.fa.zst w.fa" keeps only those.
inputs=()
for spec in "w.fa.zst|zstd -dc" "w.fa.gz|gzip -dc" "w.fa|cat" "w.packed.zst|zstd -dc" "w.multi.zst|zstd -dc"; do
    case " ${BENCH_INPUTS:-${spec%%|*}} " in *" ${spec%%|*} "*) inputs+=("$spec") ;; esac
done
modes=("mean-bin|--model mean -O bin" "mean-tsv|--model mean -O tsv" "both-tsv|--model both -O tsv")
declare -A best cmd
keys=()
add() { keys+=("$1"); cmd[$1]=$2; }
for spec in "${inputs[@]}"; do
    in=${spec%%|*}
    add "$in floor" "${spec#*|} $dir/$in"
    for m in "${modes[@]}"; do
        for t in 1 2; do
            add "$in ${m%%|*} -t $t" "$hald -q -t $t ${m#*|} -o /dev/null $dir/$in"
            [ -n "$baseline" ] && add "$in ${m%%|*} -t $t base" "$baseline -q -t $t ${m#*|} -o /dev/null $dir/$in"
        done
    done
done
for _ in $(seq "$runs"); do
    for k in "${keys[@]}"; do
        # shellcheck disable=SC2086 # the command is a list of words
        t=$(time_once ${cmd[$k]})
        best[$k]=$(echo "$t ${best[$k]:-inf}" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
    done
done

printf '%d windows, best of %d; ratios to the input'"'"'s decompressor\n' "$n" "$runs"
printf '%-14s %-9s %8s %8s %8s %8s %s\n' input mode floor "-t 1" "-t 2" "t2/t1" "${baseline:+(baseline -t 1, -t 2)}"
for spec in "${inputs[@]}"; do
    in=${spec%%|*}
    for m in "${modes[@]}"; do
        mode=${m%%|*}
        f=${best[$in floor]} a=${best[$in $mode -t 1]} b=${best[$in $mode -t 2]}
        base=""
        [ -n "$baseline" ] && base=$(awk -v f="$f" -v a="${best[$in $mode -t 1 base]}" -v b="${best[$in $mode -t 2 base]}" \
            'BEGIN { printf "(%.2fx, %.2fx)", a / f, b / f }')
        awk -v name="$in" -v m="$mode" -v f="$f" -v a="$a" -v b="$b" -v base="$base" \
            'BEGIN { printf "%-14s %-9s %7.3fs %7.2fx %7.2fx %7.2f%s %s\n", name, m, f, a / f, b / f, b / a,
                     b <= a ? " " : "!", base }'
    done
done
