# Output unchanged by the runner redesign: every text output (TSV, BED,
# bedGraph) of the golden cases must hash to what commit ca22f66 wrote
# (tests/golden/sha256sums.txt), at one thread, two threads and under
# mpirun -n 3.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
GOLDEN="$HALD_SOURCE_DIR/tests/golden"
# shellcheck source=tests/golden/cases.bash
. "$GOLDEN/cases.bash"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$T/in"
golden_inputs "$T/in" "$HALD_SHARED_DIR"
cd "$T/in" || exit 1
check "every case has a golden hash" [ "$(wc -l <"$GOLDEN/sha256sums.txt")" -eq ${#GOLDEN_CASES[@]} ]
for c in "${GOLDEN_CASES[@]}"; do
    name=${c%%|*}
    read -r -a args <<<"${c#*|}"
    want=$(awk -v n="$name" '$2 == n { print $1 }' "$GOLDEN/sha256sums.txt")
    extra=()
    [ "${args[0]}" = scan ] && extra=(--chunk-size 20000)
    # Under a sanitizer (10-20x slower), the MPI run alone: it crosses the
    # most code (ranks, transport, the ordered writer).
    modes=("-t 1" "-t 2" "mpi")
    [ -n "${HALD_SANITIZED:-}" ] && modes=("mpi")
    for mode in "${modes[@]}"; do
        rm -f "$T/out"
        if [ "$mode" = mpi ]; then
            timeout 300 mpirun --oversubscribe --bind-to none -n 3 "$HALD_BIN" "${args[0]}" -q -t 1 \
                "${extra[@]}" "${args[@]:1}" --out "$T/out" 2>"$T/err"
        else
            # shellcheck disable=SC2086 # mode is two words
            timeout 300 "$HALD_BIN" "${args[0]}" -q $mode "${extra[@]}" "${args[@]:1}" --out "$T/out" 2>"$T/err"
        fi
        rc=$?
        got=$( [ -f "$T/out" ] && sha256sum <"$T/out" | cut -d' ' -f1)
        if [ $rc -ne 0 ]; then
            fail "$name $mode: exit $rc: $(tail -1 "$T/err")"
        else
            check "$name $mode: same bytes as ca22f66" [ "$got" = "$want" ]
        fi
    done
done
finish
