# A long input: 20 million windows, made on the fly and streamed through
# hald (never stored), with every record accounted for in the summary and
# the rows, and a peak RSS no larger than a run of a twentieth of it: the
# memory a run needs does not grow with its input.  Under sanitizers
# (10-50x slower) the same test runs on a tenth of the windows.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
n=20000000
[ -n "${HALD_SANITIZED:-}" ] && n=2000000
small=$((n / 20))

# windows COUNT NAME: scores COUNT random windows (lines) from a pipe on two
# threads; writes NAME.rows (rows out), NAME.rss (KiB) and NAME.err.
windows() {
    set -o pipefail
    hald_randwin -n "$1" -f lines -s 5 |
        hald_maxrss "$T/$2.rss" "$H" -t 2 --model both --in - 2>"$T/$2.err" |
        wc -l >"$T/$2.rows"
}
check "$small windows stream through" windows $small small
check "$n windows stream through" windows $n long
check "every row is written" [ "$(cat "$T/long.rows")" -eq $((n + 1)) ]
check "every record is counted in the summary" grep -q "\[M::score\] $n records" "$T/long.err"
small_rss=$(cat "$T/small.rss")
long_rss=$(cat "$T/long.rss")
echo "peak RSS: $small windows $((small_rss / 1024)) MiB, $n windows $((long_rss / 1024)) MiB"
# Flat: the same memory within 10% and 8 MiB of allocator noise.
check "peak RSS stays flat ($((small_rss / 1024)) -> $((long_rss / 1024)) MiB)" \
    [ "$long_rss" -le $((small_rss + small_rss / 10 + 8192)) ]
finish
