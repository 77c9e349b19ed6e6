# Every subcommand, every terminating signal it can catch, mid-run: the
# process ends by that signal and leaves neither its output nor its
# temporary file.  The input is a FIFO held open, so the run is waiting
# for more when the signal comes.
. "$(dirname "$0")/common.bash"
ulimit -c 0 # SIGQUIT and SIGXCPU would dump core
T=$E2E_TMP
H=$HALD_BIN
vectors_as_fasta >"$T/w.fa"
"$H" -q -O bin --in "$T/w.fa" --out "$T/w.bin"

# run_and_signal NAME SIGNAL INPUT-FILE -- hald arguments...
run_and_signal() {
    local name=$1 sig=$2 input=$3
    shift 4
    rm -f "$T/fifo" "$T/out"
    mkfifo "$T/fifo"
    # The writer sends the input, then holds the FIFO open: no end of file.
    { cat "$input"; sleep 30; } >"$T/fifo" &
    local feeder=$!
    "$H" "$@" --in "$T/fifo" --out "$T/out" 2>/dev/null &
    local pid=$!
    local tmp=""
    for _ in $(seq 100); do
        tmp=$(ls -A "$T" | grep -E '^\.out\.hald-tmp' || true)
        [ -n "$tmp" ] && break
        sleep 0.05
    done
    sleep 0.2 # let it read what there is
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid"
    local rc=$?
    kill "$feeder" 2>/dev/null
    wait "$feeder" 2>/dev/null
    local signo
    signo=$(kill -l "$sig")
    if [ -z "$tmp" ]; then
        fail "$name $sig: no temporary file appeared"
    elif [ $rc -ne $((128 + signo)) ]; then
        fail "$name $sig: exit $rc, expected $((128 + signo)) (killed by $sig)"
    elif ls -A "$T" | grep -Eq '^\.out\.hald-tmp|^out$'; then
        fail "$name $sig: left $(ls -A "$T" | grep -E '^\.out\.hald-tmp|^out$' | tr '\n' ' ')"
    else
        pass "$name $sig: ended by the signal, nothing left"
    fi
}

for sig in INT TERM HUP QUIT USR1 USR2 PIPE ALRM XCPU XFSZ VTALRM PROF; do
    run_and_signal score $sig "$T/w.fa" -- score -t 2
    run_and_signal scan $sig "$VEC/scan.fa" -- scan -t 1
    run_and_signal view $sig "$T/w.bin" -- view
    run_and_signal pack $sig "$T/w.fa" -- pack
done
finish
