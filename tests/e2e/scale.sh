# Scaling past rank 0 (issue 12): ranks read their own packed frames and
# write their own results in place, and the output is still the one-thread
# run's, byte for byte: score and scan, packed and not, file and stdout,
# ranks 1-8 (oversubscribed) and threads 1-2.  -v's traffic lines show
# rank 0 moving counts, not bytes.  hald pack --genome round-trips, and
# scan --shard parts add up to the whole scan.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
H=$HALD_BIN

windows=60000 bases=3000000 ranks="1 2 3 4 5 6 7 8" plain_ranks="2 5"
if [ -n "${HALD_SANITIZED:-}" ]; then # every launch is 10x slower
    windows=15000 bases=600000 ranks="3" plain_ranks="2"
fi
launch() { # ranks, then the hald command line
    local n=$1
    shift
    if [ "$n" -eq 1 ]; then
        timeout 300 "$H" "$@"
    else
        timeout 300 mpirun --oversubscribe --bind-to none -n "$n" "$H" "$@"
    fi
}
# Output to a file (written in place by every rank) or to stdout (gathered).
run_to() { # where ranks output, then the hald command line
    local where=$1 n=$2 out=$3
    shift 3
    if [ "$where" = file ]; then
        launch "$n" "$@" --out "$out" 2>"$T/err"
    else
        launch "$n" "$@" >"$out" 2>"$T/err"
    fi
}

hald_randwin -n $windows -l 160 -s 12 --messy --vary -w 70 >"$T/w.fa"
"$H" pack -q --frame-size 64K --in "$T/w.fa" --out "$T/w.zst"
hald_randgenome -b $bases -c 5 -s 4 >"$T/g.fa"
"$H" pack -q --genome --frame-size 64K --in "$T/g.fa" --out "$T/g.zst"

check "pack --genome: zstd -dc gives the FASTA back" sh -c "zstd -dc '$T/g.zst' | cmp - '$T/g.fa'"
for fmt in tsv bin; do
    "$H" -q -t 1 --model both -O $fmt --in "$T/w.fa" --out "$T/ref.$fmt"
done
for fmt in tsv bin bed; do
    "$H" scan -q -t 1 -O $fmt --in "$T/g.fa" --out "$T/ref.scan.$fmt"
done
check "a packed genome scans to the same sites as its FASTA" \
    sh -c "'$H' scan -q -t 1 --in '$T/g.zst' | cmp - '$T/ref.scan.tsv'"

# Every rank count, the formats, destinations and threads in turn.
fmts_score=(tsv bin) fmts_scan=(tsv bin bed) wheres=(file stdout file)
for n in $ranks; do
    t=$((1 + n % 2)) fmt=${fmts_score[$((n % 2))]} where=${wheres[$((n % 3))]}
    run_to $where "$n" "$T/o.$fmt" -q -t $t --model both -O $fmt --in "$T/w.zst" ||
        fail "score packed -n $n: $(tail -1 "$T/err")"
    check "score packed, $n rank(s) x $t thread(s), $fmt to $where: same bytes" cmp "$T/ref.$fmt" "$T/o.$fmt"
    fmt=${fmts_scan[$((n % 3))]} where=${wheres[$(((n + 1) % 3))]}
    run_to $where "$n" "$T/s.$fmt" scan -q -t $t -O $fmt --in "$T/g.zst" ||
        fail "scan packed -n $n: $(tail -1 "$T/err")"
    check "scan packed genome, $n rank(s) x $t thread(s), $fmt to $where: same bytes" \
        cmp "$T/ref.scan.$fmt" "$T/s.$fmt"
done
for n in $plain_ranks; do # not packed: rank 0 reads and deals, results still in place
    run_to file $n "$T/o.bin" -q -t 2 --model both -O bin --in "$T/w.fa" ||
        fail "score plain -n $n: $(tail -1 "$T/err")"
    check "score plain FASTA, $n ranks, bin to file: same bytes" cmp "$T/ref.bin" "$T/o.bin"
    run_to file $n "$T/s.bin" scan -q -t 1 --chunk-size 70000 -O bin --in "$T/g.fa" ||
        fail "scan plain -n $n: $(tail -1 "$T/err")"
    check "scan plain FASTA, $n ranks, bin to file: same bytes" cmp "$T/ref.scan.bin" "$T/s.bin"
done

# Traffic: on 4 ranks with a file output, rank 0 sends and receives under
# 1 % of the input's size, and the other ranks read the frames.
traffic() { # label, input, then the hald command line
    local label=$1 input=$2
    shift 2
    launch 4 "$@" -v --out "$T/traffic.out" 2>"$T/v.err" >/dev/null || fail "$label: $(tail -1 "$T/v.err")"
    local size rank0 others
    size=$(stat -c %s "$input")
    rank0=$(awk '/\[M::mpi\] rank 0: read/ { print $8 + $11 }' "$T/v.err")
    others=$(awk '/\[M::mpi\] rank [1-9]: read/ && $5 > 0 { n++ } END { print n + 0 }' "$T/v.err")
    check "$label: one traffic line per rank" [ "$(grep -c '\[M::mpi\] rank [0-9]*: read' "$T/v.err")" -eq 4 ]
    check "$label: rank 0's serial time per unit" grep -q '\[M::mpi\] rank 0: [0-9]* units worked elsewhere' "$T/v.err"
    check "$label: rank 0 moved ${rank0:-no} bytes, under 1 % of $size" \
        [ -n "$rank0" ] && [ "$((rank0 * 100))" -lt "$size" ]
    check "$label: the other ranks read their frames ($others of 3)" [ "$others" -eq 3 ]
}
traffic "score, packed, bin" "$T/w.zst" -t 1 --model both -O bin --in "$T/w.zst"
check "  ... and the file is the one-thread run's" cmp "$T/ref.bin" "$T/traffic.out"
traffic "scan, packed genome, tsv" "$T/g.zst" scan -t 1 --in "$T/g.zst"
check "  ... and the file is the one-thread run's" cmp "$T/ref.scan.tsv" "$T/traffic.out"

# scan --shard: base-balanced parts of a packed genome add up to the scan.
: >"$T/parts.tsv"
for i in 1 2 3; do
    "$H" scan -q --shard $i/3 --in "$T/g.zst" --out "$T/part.$i.tsv" || fail "scan --shard $i/3"
done
{ head -1 "$T/part.1.tsv"; tail -q -n +2 "$T/part.1.tsv" "$T/part.2.tsv" "$T/part.3.tsv"; } >"$T/parts.tsv"
check "scan --shard 1/3 2/3 3/3 concatenate to the whole scan" cmp "$T/ref.scan.tsv" "$T/parts.tsv"
check "each shard has sites" [ "$(wc -l <"$T/part.2.tsv")" -gt 100 ]
expect_fail "scan --shard of a plain FASTA is refused" "packed with hald pack --genome" \
    "$H" scan -q --shard 1/2 --in "$T/g.fa"

# A damaged frame on any rank ends the job: non-zero exit, the frame named,
# nothing at the final name and no temporary left.
mkdir -p "$T/bad"
cp "$T/w.zst" "$T/bad/w.zst"
printf 'XXXXXXXX' | dd of="$T/bad/w.zst" bs=1 seek=400000 conv=notrunc status=none
if launch 3 -q -t 1 -O bin --in "$T/bad/w.zst" --out "$T/bad/out.bin" 2>"$T/bad.err" >/dev/null; then
    fail "a damaged frame: exit 0"
else
    check "a damaged frame is named" grep -q "w.zst" "$T/bad.err"
    check "no output at the final name" [ ! -e "$T/bad/out.bin" ]
    check "no temporary left beside it" [ -z "$(ls -A "$T/bad" | grep -v '^w.zst$')" ]
fi

echo "$E2E_PASSED passed, $E2E_FAILED failed"
[ "$E2E_FAILED" -eq 0 ]
