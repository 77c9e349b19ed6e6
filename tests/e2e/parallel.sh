# Threads and ranks on the runner: byte-identical output for ranks 1-4 x threads 1-2 x
# CPU path x every input form, under real mpirun; tiny inputs where ranks
# get nothing; records split across zstd frames; a corrupt frame on one
# rank ends the whole job cleanly.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN=(mpirun --oversubscribe --bind-to none)
run() { # ranks threads cpu out-format input output
    local n=$1 t=$2 cpu=$3 fmt=$4 in=$5 out=$6
    if [ "$n" -eq 1 ]; then
        timeout 300 "$HALD_BIN" -q -t "$t" --cpu "$cpu" --model both --out-format "$fmt" --in "$in" --out "$out"
    else
        timeout 300 "${MPIRUN[@]}" -n "$n" "$HALD_BIN" -q -t "$t" --cpu "$cpu" --model both \
            --out-format "$fmt" --in "$in" --out "$out"
    fi
}

# 200,000 windows with N, lowercase, U and odd lengths: every rank gets
# several units of each input form.  Under sanitizers (every launch 10x
# slower) a quarter of them, one to three ranks and the native CPU path:
# the full matrix runs in the ordinary build.
windows=200000 ranks="1 2 3 4" cpus="scalar avx2"
if [ -n "${HALD_SANITIZED:-}" ]; then
    windows=50000 ranks="1 3" cpus=avx2
    grep -qw avx2 /proc/cpuinfo || cpus=scalar
fi
hald_randwin -n $windows -l 160 -s 11 --messy --vary -w 70 >"$T/big.fa"
gzip -1 -c "$T/big.fa" >"$T/big.fa.gz"
zstd -q -c "$T/big.fa" >"$T/big.fa.zst"
"$HALD_BIN" pack -q --frame-size 1M --in "$T/big.fa" --out "$T/big.packed.zst"
# Frames split at arbitrary byte offsets, so records straddle frames.
split -b 999983 "$T/big.fa" "$T/piece."
for p in "$T"/piece.*; do zstd -q -c "$p"; done >"$T/big.multi.zst"
rm -f "$T"/piece.*

for fmt in tsv bin; do
    "$HALD_BIN" -q -t 1 --cpu scalar --model both --out-format $fmt --in "$T/big.fa" --out "$T/ref.$fmt"
done
check "reference has every record" [ "$(wc -l <"$T/ref.tsv")" -eq $((windows + 1)) ]
for input in big.fa big.fa.gz big.fa.zst big.packed.zst big.multi.zst; do
    for n in $ranks; do
        for t in 1 2; do
            for cpu in $cpus; do
                grep -qw avx2 /proc/cpuinfo || [ $cpu = scalar ] || continue
                for fmt in tsv bin; do
                    what="$input -n $n -t $t --cpu $cpu $fmt"
                    if run $n $t $cpu $fmt "$T/$input" "$T/out.$fmt" 2>"$T/err"; then
                        check "$what" cmp "$T/ref.$fmt" "$T/out.$fmt"
                    else
                        fail "$what: exit $?: $(tail -1 "$T/err")"
                    fi
                done
            done
        done
    done
done

# Lines (blank lines count for ids) and FASTQ, split across frames too.
hald_randwin -n 30000 -s 12 --messy --vary -f lines | awk 'NR % 97 == 0 { print "" } { print }' >"$T/l.txt"
hald_randwin -n 30000 -s 13 --messy --vary -f fastq | sed 's/^IIII/@III/' >"$T/q.fq"
for src in l.txt q.fq; do
    split -b 65521 "$T/$src" "$T/piece."
    for p in "$T"/piece.*; do zstd -q -c "$p"; done >"$T/$src.multi.zst"
    rm -f "$T"/piece.*
    "$HALD_BIN" pack -q --frame-size 100K --in "$T/$src" --out "$T/$src.packed.zst"
    "$HALD_BIN" -q -t 1 --model both --in "$T/$src" --out "$T/ref.tsv"
    for input in $src.multi.zst $src.packed.zst; do
        for n in 1 3; do
            run $n 2 avx2 tsv "$T/$input" "$T/out.tsv" 2>"$T/err" &&
                check "$input -n $n -t 2 tsv" cmp "$T/ref.tsv" "$T/out.tsv" ||
                fail "$input -n $n: $(tail -1 "$T/err")"
        done
    done
done

# Tiny inputs: some ranks get nothing.
for k in 0 1 2; do
    hald_randwin -n $k -s 3 >"$T/tiny.fa"
    zstd -q -c "$T/tiny.fa" >"$T/tiny.fa.zst"
    "$HALD_BIN" -q --model both --in "$T/tiny.fa" --out "$T/ref.tsv"
    for n in 1 2 4; do
        for input in tiny.fa tiny.fa.zst; do
            run $n 2 avx2 tsv "$T/$input" "$T/out.tsv" 2>"$T/err" &&
                check "$k records, $input -n $n" cmp "$T/ref.tsv" "$T/out.tsv" ||
                fail "$k records $input -n $n: $(tail -1 "$T/err")"
        done
    done
done

# --shard I/N of a packed file: the parts, in order, are the whole.
rm -f "$T/shards.tsv"
for i in 1 2 3; do
    "$HALD_BIN" -q --model both --shard $i/3 --in "$T/big.packed.zst" | tail -n +2 >>"$T/shards.tsv"
done
"$HALD_BIN" -q --model both --in "$T/big.fa" | tail -n +2 >"$T/whole.tsv"
check "--shard parts concatenate to the whole" cmp "$T/whole.tsv" "$T/shards.tsv"
expect_fail "--shard needs a packed input" "packed" "$HALD_BIN" --shard 1/2 --in "$T/big.fa.zst"

# A corrupt frame that only rank 1 sees ends the job, names the rank, and
# leaves no output behind.
"$HALD_BIN" pack -q --frame-size 200K --in "$T/big.fa" --out "$T/c.zst"
python3 - "$T/c.zst" <<'PY' 2>/dev/null || perl -e 'open(F,"+<",$ARGV[0]); seek(F,300000,0); print F "garbage!" x 64; close F' "$T/c.zst"
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(300000)
    f.write(b"garbage!" * 64)
PY
rm -f "$T/c.tsv"
if timeout -k 5 120 "${MPIRUN[@]}" -n 2 "$HALD_BIN" -q -t 1 --in "$T/c.zst" --out "$T/c.tsv" 2>"$T/err"; then
    fail "corrupt frame: exit 0"
else
    check "corrupt frame: message names rank 1 and the frame" grep -Eq "rank 1: .*c\.zst.*(frame|zstd)" "$T/err"
fi
check "corrupt frame: no output, no temporary" bash -c "! ls -A '$T' | grep -Eq '^c\.tsv|hald-tmp'"
# A rank killed mid-run ends the job with a non-zero exit, the launcher
# naming the rank, and no output or temporary left behind.
hald_randwin -n $((windows * 15 / 2)) -s 17 >"$T/k.fa"
"$HALD_BIN" pack -q --frame-size 1M --in "$T/k.fa" --out "$T/k.zst"
rm -f "$T/k.fa"
# mpirun itself sometimes hangs after reporting the killed rank (a PMIx
# race, "PMIX ERROR: UNREACHABLE"): a timeout ends it; the job has failed
# either way.
(timeout -k 5 120 "${MPIRUN[@]}" -n 2 "$HALD_BIN" -q -t 1 --model both --in "$T/k.zst" --out "$T/k.tsv" 2>"$T/k.err"
 echo $? >"$T/k.rc") &
killed=0
for _ in $(seq 100); do
    for p in $(pgrep -f "$HALD_BIN -q -t 1 --model both --in $T/k.zst" || true); do
        if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then
            kill -9 "$p" && killed=1
        fi
    done
    [ $killed = 1 ] && break
    sleep 0.05
done
wait
check "killed rank: a rank was killed" [ $killed = 1 ]
check "killed rank: the job fails" [ "$(cat "$T/k.rc")" != 0 ]
check "killed rank: the launcher names rank 1" grep -q "rank 1" "$T/k.err"
check "killed rank: no output, no temporary" bash -c "! ls -A '$T' | grep -Eq '^k\.tsv|hald-tmp'"

# Progress: -v reports records and MB/s on stderr.
"$HALD_BIN" -v -t 2 --in "$T/big.packed.zst" --out /dev/null 2>"$T/progress.err"
check "-v prints progress with records and MB/s" grep -Eq "$windows records, [0-9.]+ MB/s" "$T/progress.err"
finish
