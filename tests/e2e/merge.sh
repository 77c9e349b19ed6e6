# hald merge: the parts of a Slurm-array-style run (--shard I/N, one
# process per part) put together are the bytes of one run over the whole
# input, TSV and binary, whatever order the parts are named in; a part
# missing, given twice, cut short, changed, from another input or without
# its manifest is refused, naming it, and nothing is left at --out; a part
# run again is merged as before; ranks give the same bytes.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$T" || exit 1

windows=300000
[ -n "${HALD_SANITIZED:-}" ] && windows=60000 # every run is 10x slower
hald_randwin -n $windows -l 160 -s 11 >w.fa
"$H" pack -q --in w.fa --out w.zst --frame-size 64K
check "the input has many frames" bash -c "[ \$(stat -c %s w.zst) -gt $((windows * 13)) ]"
"$H" -q -t 2 --model both --in w.zst --out all.tsv
"$H" -q -t 2 --model both -O bin --in w.zst --out all.bin

# run N FORMAT: parts 1..N of the input into p.N.I.FORMAT, one run each.
run() {
    local n=$1 f=$2 i
    for i in $(seq 1 "$n"); do
        "$H" -q -t 2 --model both -O "$f" --shard "$i/$n" --in w.zst --out "p.$n.$i.$f" || return 1
    done
}
for n in 4 7; do
    for f in tsv bin; do
        if run "$n" "$f"; then pass "$n parts ($f): every part ran"; else fail "$n parts ($f): every part ran"; fi
        check "$n parts ($f): every part has a manifest" [ "$(ls p."$n".*."$f".hald-part | wc -l)" -eq "$n" ]
        # Named in reverse: merge orders by shard.
        check "$n parts ($f): merged, the bytes of one run" bash -c \
            "'$H' merge -q --out m.$n.$f \$(ls -r p.$n.*.$f) && cmp m.$n.$f all.$f"
    done
done
run 12 tsv
check "12 parts as a shell sorts them (p.12.10 before p.12.2): the bytes of one run" bash -c \
    "'$H' merge -q --out m.12.tsv p.12.*.tsv && cmp m.12.tsv all.tsv"
check "a manifest says what wrote the part" bash -c "grep -qx 'command score' p.4.2.tsv.hald-part && \
    grep -qx 'shard 2/4' p.4.2.tsv.hald-part && grep -qx 'format tsv' p.4.2.tsv.hald-part && \
    grep -qx 'models both' p.4.2.tsv.hald-part && grep -qx \"bytes \$(stat -c %s p.4.2.tsv)\" p.4.2.tsv.hald-part && \
    grep -qx \"records \$(( \$(wc -l <p.4.2.tsv) - 1 ))\" p.4.2.tsv.hald-part"
check "merge to stdout" bash -c "'$H' merge -q p.4.*.tsv | cmp - all.tsv"
mkdir glob && cp p.4.*.bin* glob/
check "a glob that names the manifests too (glob/*): they go with their parts" bash -c \
    "'$H' merge -q -o glob.bin glob/* && cmp glob.bin all.bin"
expect_fail "a manifest alone is pointed to its part" "glob/p.4.1.bin.hald-part: a part's manifest: name the part \(glob/p.4.1.bin\)" \
    "$H" merge -q -o glob.bin glob/p.4.1.bin.hald-part glob/p.4.2.bin glob/p.4.3.bin glob/p.4.4.bin
check "merge of binary parts to a pipe" bash -c "'$H' merge -q p.4.*.bin | cmp - all.bin"
check "-t 1 and -t 3 give the same bytes" bash -c \
    "'$H' merge -q -t 1 -o t1.bin p.7.*.bin && '$H' merge -q -t 3 -o t3.bin p.7.*.bin && cmp t1.bin all.bin && cmp t3.bin all.bin"
check "mpirun -n 2: the same bytes" bash -c "timeout 300 mpirun --oversubscribe --bind-to none -n 2 \
    '$H' merge -q -t 1 --out mpi.bin p.7.*.bin && cmp mpi.bin all.bin"
check "no --shard, no manifest" bash -c "'$H' -q --in w.zst --out whole.tsv && [ ! -e whole.tsv.hald-part ]"
check "--shard to stdout: no manifest" bash -c "'$H' -q --shard 1/4 --in w.zst >stdout.tsv && \
    [ ! -e stdout.tsv.hald-part ] && [ ! -e -.hald-part ]"

# refused NAME PATTERN PART...: merge exits non-zero, says PATTERN and
# leaves no file at --out.
refused() {
    local what=$1 pattern=$2
    shift 2
    rm -f out.tsv
    expect_fail "refused: $what" "$pattern" "$H" merge -q --out out.tsv "$@"
    check "refused: $what: nothing at --out" bash -c "[ ! -e out.tsv ] && ! ls .out.tsv.hald-tmp* >/dev/null 2>&1"
}
mkdir bad
cp p.4.* bad/
refused "a shard missing" "p.4.3.tsv|1 of 4 shards missing: 3 " bad/p.4.1.tsv bad/p.4.2.tsv bad/p.4.4.tsv
cp bad/p.4.2.tsv bad/copy.tsv
cp bad/p.4.2.tsv.hald-part bad/copy.tsv.hald-part
refused "a shard given twice" "shard 2 of 4 given twice: bad/copy.tsv and bad/p.4.2.tsv|shard 2 of 4 given twice: bad/p.4.2.tsv and bad/copy.tsv" \
    bad/p.4.*.tsv bad/copy.tsv
cp bad/p.4.3.tsv bad/cut.tsv
cp bad/p.4.3.tsv.hald-part bad/cut.tsv.hald-part
truncate -s -3 bad/cut.tsv
refused "a part cut short" "bad/cut.tsv: [0-9]+ bytes, but its run wrote [0-9]+: truncated" \
    bad/p.4.1.tsv bad/p.4.2.tsv bad/cut.tsv bad/p.4.4.tsv
cp bad/p.4.3.tsv bad/flip.tsv
cp bad/p.4.3.tsv.hald-part bad/flip.tsv.hald-part
printf '7' | dd of=bad/flip.tsv bs=1 seek=500000 conv=notrunc 2>/dev/null
refused "a byte changed" "bad/flip.tsv: CRC-32 [0-9a-f]+, but its run wrote [0-9a-f]+: changed" \
    bad/p.4.1.tsv bad/p.4.2.tsv bad/flip.tsv bad/p.4.4.tsv
cp bad/p.4.3.bin bad/flip.bin
cp bad/p.4.3.bin.hald-part bad/flip.bin.hald-part
printf '\001' | dd of=bad/flip.bin bs=1 seek=500000 conv=notrunc 2>/dev/null
rm -f out.tsv
expect_fail "refused: a byte of a binary part changed" "bad/flip.bin" \
    "$H" merge -q --out out.bin bad/p.4.1.bin bad/p.4.2.bin bad/flip.bin bad/p.4.4.bin
check "refused: a binary part: nothing at --out" [ ! -e out.bin ]
hald_randwin -n 1000 -l 160 -s 12 >v.fa
"$H" pack -q --in v.fa --out v.zst --frame-size 4K
"$H" -q --model both --shard 2/4 --in v.zst --out bad/other.tsv
refused "a part of another input" "bad/other.tsv: from another input than bad/p.4.1.tsv" \
    bad/p.4.1.tsv bad/other.tsv bad/p.4.3.tsv bad/p.4.4.tsv
"$H" -q --model mean --shard 2/4 --in w.zst --out bad/mean.tsv
refused "a part of other models" "bad/mean.tsv: models mean, but bad/p.4.1.tsv has both" \
    bad/p.4.1.tsv bad/mean.tsv bad/p.4.3.tsv bad/p.4.4.tsv
cp p.7.2.tsv* bad/
refused "parts of different shard counts" "bad/p.7.2.tsv: shard 2 of 7, but bad/p.4.1.tsv is one of 4" \
    bad/p.4.1.tsv bad/p.7.2.tsv bad/p.4.3.tsv bad/p.4.4.tsv
refused "a binary part among TSV parts" "bad/p.4.2.bin: format bin, but bad/p.4.1.tsv is tsv" \
    bad/p.4.1.tsv bad/p.4.2.bin bad/p.4.3.tsv bad/p.4.4.tsv
rm bad/p.4.4.tsv.hald-part
refused "a part without its manifest" "bad/p.4.4.tsv: no manifest" bad/p.4.1.tsv bad/p.4.2.tsv bad/p.4.3.tsv bad/p.4.4.tsv
sed 's/^records .*/records 12/' p.4.2.tsv.hald-part >bad/p.4.2.tsv.hald-part
refused "a record count that differs" "bad/p.4.2.tsv: [0-9]+ records, but its run wrote 12" \
    bad/p.4.1.tsv bad/p.4.2.tsv bad/p.4.3.tsv p.4.4.tsv
refused "--out is a part" "--out is one of the parts" p.4.1.tsv p.4.2.tsv p.4.3.tsv p.4.4.tsv --out p.4.1.tsv
check "--out is a part: the part is kept" cmp p.4.1.tsv bad/p.4.1.tsv
expect_fail "no parts is a usage error" "no parts" "$H" merge --out out.tsv
check "binary to a terminal is refused" bash -c "script -qec \"'$H' merge p.4.1.bin p.4.2.bin p.4.3.bin p.4.4.bin\" /dev/null \
    | grep -q 'refusing to write binary output to a terminal'"

# A failed task run again: only its part is recomputed, the merge as before.
rm p.4.3.tsv p.4.3.tsv.hald-part
expect_fail "a shard deleted is missing" "1 of 4 shards missing: 3 " "$H" merge -q --out again.tsv p.4.*.tsv
"$H" -q -t 2 --model both --shard 3/4 --in w.zst --out p.4.3.tsv
check "a shard run again: the same bytes" bash -c "'$H' merge -q --out again.tsv p.4.*.tsv && cmp again.tsv all.tsv"
finish
