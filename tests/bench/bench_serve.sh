#!/usr/bin/env bash
# hald serve under load (issue 11), inputs on /dev/shm:
#
#   tests/bench/bench_serve.sh [BUILD_DIR] [WINDOWS] [CLIENTS] [LATENCY_REQUESTS]
#
# - latency: LATENCY_REQUESTS (default 2000) requests of one 160-nt window,
#   one after another on one connection over the Unix socket: median and
#   99th percentile;
# - throughput: CLIENTS (default 16) clients at once, each POSTing WINDOWS
#   (default 100,000) windows: aggregate windows/s, against `hald score`
#   of the same CLIENTS x WINDOWS windows from a file (same threads);
# - the daemon's peak RSS after that load, and after one request of WINDOWS
#   windows and one of 10 x WINDOWS on a fresh daemon each (it must not grow
#   with the body).
# Targets (issue 11): median latency <= 0.5 ms; throughput >= 0.5x the file run.
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
n=${2:-100000}
clients=${3:-16}
requests=${4:-2000}
hald="$build/hald"
here=$(cd "$(dirname "$0")/.." && pwd)
client="python3 $here/tools/hald_serve_client.py"
[ -x "$hald" ] && [ -x "$build/tests/hald_randwin" ] || { echo "build first: $hald" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench-serve.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
threads=$(nproc)

"$build/tests/hald_randwin" -n "$n" -l 160 -s 5 >"$dir/one.fa"
"$build/tests/hald_randwin" -n 1 -l 160 -s 6 >"$dir/window.fa"
for _ in $(seq "$clients"); do cat "$dir/one.fa"; done >"$dir/all.fa"
"$hald" score -q -m both "$dir/one.fa" >"$dir/one.tsv"

file_t=$(best_of_3 "$hald" score -q -m both -t "$threads" "$dir/all.fa" -o /dev/null)
# CPU seconds (user + system) of the file run, best of 3.
file_cpu=inf
for _ in 1 2 3; do
    c=$( { /usr/bin/time -f '%U %S' "$hald" score -q -m both -t "$threads" "$dir/all.fa" -o /dev/null; } 2>&1 | awk '{ print $1 + $2 }')
    file_cpu=$(echo "$c $file_cpu" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
done

"$hald" serve -q --socket "$dir/hald.sock" -t "$threads" --max-connections $((clients + 8)) &
pid=$!
for _ in $(seq 100); do [ -S "$dir/hald.sock" ] && break; sleep 0.1; done
$client latency "$dir/hald.sock" /score "$dir/window.fa" 50 >/dev/null # warm up
latency=$($client latency "$dir/hald.sock" /score "$dir/window.fa" "$requests")
best=inf
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
cpu0=$(ticks)
for _ in 1 2 3; do
    out=$($client post "$dir/hald.sock" "/score?model=both" "$dir/one.fa" --clients "$clients" --expect "$dir/one.tsv")
    t=$(echo "$out" | sed -n 's/.* records in \([0-9.]*\) s.*/\1/p')
    best=$(echo "$t $best" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
done
cpu1=$(ticks)
serve_cpu=$(echo "$cpu0 $cpu1 $(getconf CLK_TCK)" | awk '{ printf "%.3f", ($2 - $1) / $3 / 3 }')
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
kill "$pid"
wait "$pid" || true
pid=

# Peak RSS of a fresh daemon after one body of $1.
rss_one() {
    "$hald" serve -q --socket "$dir/rss.sock" -t "$threads" &
    pid=$!
    for _ in $(seq 100); do [ -S "$dir/rss.sock" ] && break; sleep 0.1; done
    curl -s --unix-socket "$dir/rss.sock" -T "$1" -X POST "http://hald/score?model=both" -o /dev/null
    awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$pid/status"
    kill "$pid"
    wait "$pid" || true
    pid=
}
for _ in $(seq 10); do cat "$dir/one.fa"; done >"$dir/ten.fa"
rss1=$(rss_one "$dir/one.fa")
rss10=$(rss_one "$dir/ten.fa")

total=$((n * clients))
echo "hald serve, $threads thread(s), Unix socket, inputs on ${BENCH_DIR:-/dev/shm}"
echo "latency, one 160-nt window: $latency"
awk -v t="$best" -v f="$file_t" -v w="$total" -v c="$clients" -v n="$n" 'BEGIN {
    printf "%d clients x %d windows at once: %.3f s, %.0f windows/s\n", c, n, t, w / t
    printf "hald score of the same %d windows from a file: %.3f s, %.0f windows/s\n", w, f, w / f
    printf "serve / file: %.2fx (wall clock; the clients run on the same cores)\n", f / t
}'
awk -v s="$serve_cpu" -v f="$file_cpu" 'BEGIN {
    printf "CPU seconds for those windows: daemon %.3f, file run %.3f: %.2fx the file run'"'"'s windows per CPU second\n", s, f, f / s
}'
echo "daemon peak RSS after the load: $((rss / 1024)) MiB"
echo "peak RSS of a fresh daemon after one body: $n windows ($(du -h "$dir/one.fa" | cut -f1)) $rss1 MiB, $((10 * n)) windows ($(du -h "$dir/ten.fa" | cut -f1)) $rss10 MiB"
