#!/usr/bin/env bash
# Runs every libFuzzer target of a HALD_FUZZ build for a bounded time,
# starting from its committed corpus (tests/fuzz/README.md):
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_EACH [TARGET...]]
# Targets run side by side, one per core.  New inputs go to a scratch
# directory; an input that fails is kept under BUILD_DIR/fuzz-failures/
# and the run exits 1: add it to corpus/<target>/ as crash-<what>, fix the
# code, and the test suite replays it from then on.
set -euo pipefail
build=$(realpath "$1")
seconds=${2:-30}
shift $(($# < 2 ? $# : 2))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for t in "$build"/tests/fuzz/fuzz_*; do targets+=("$(basename "$t" | sed 's/^fuzz_//')"); done
fi
failures=$build/fuzz-failures
mkdir -p "$failures"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_one() {
    local name=$1 log=$work/$1.log
    mkdir -p "$work/$name"
    # -rss_limit_mb: hald's memory is bounded; a leak or a runaway buffer fails.
    if TMPDIR=$work "$build/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=20 \
        -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$failures/$name-" "$work/$name" "$here/corpus/$name" >"$log" 2>&1; then
        echo "fuzz $name: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${seconds}s"
    else
        echo "fuzz $name: FAILED"
        grep -E '^(==|SUMMARY|fuzz check|Test unit written|artifact_prefix)' "$log" | head -20
        tail -5 "$log"
        return 1
    fi
}
export -f run_one
export build seconds here failures work
printf '%s\n' "${targets[@]}" | xargs -P "$(nproc)" -I{} bash -c 'run_one {}'
