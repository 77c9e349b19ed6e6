# Timing helpers for the tests/bench scripts (sourced).

# time_once CMD...: wall seconds of one run (output discarded).
time_once() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.4f", $2 - $1 }'
}

# best_of_3 CMD...: the fastest of three runs.
best_of_3() {
    local best=inf t
    for _ in 1 2 3; do
        t=$(time_once "$@")
        best=$(echo "$t $best" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
    done
    echo "$best"
}
