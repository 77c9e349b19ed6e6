# hald pairs against the reference pairs.tsv: TSV and FASTA input, every
# compression, both models at 1e-9; the same bytes on threads and ranks;
# NA rows; bad tables named by file and line.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

cmp_pairs() { # name actual
    check "$1" hald_tsvcmp "$VEC/pairs.tsv" "$2" delta_mean sigmoid_mean delta_regions sigmoid_regions
}
# The reference's table as it is (extra columns after id/ref/alt ignored).
"$HALD_BIN" pairs -q --in "$VEC/pairs.tsv" --out "$T/p.tsv" && cmp_pairs "TSV, both models" "$T/p.tsv" ||
    fail "hald pairs exited non-zero"
check "ids kept, in order" bash -c "diff <(cut -f1 '$VEC/pairs.tsv') <(cut -f1 '$T/p.tsv')"
check "header" bash -c "head -1 '$T/p.tsv' | grep -qx \"\$(printf 'id\tref_mean\talt_mean\tdelta_mean\tsigmoid_mean\tref_regions\talt_regions\tdelta_regions\tsigmoid_regions')\""
# Each side's score is hald score's score of that window.
awk -F'\t' 'NR > 1 { print ">" $1 "\n" $2 }' "$VEC/pairs.tsv" >"$T/ref.fa"
awk -F'\t' 'NR > 1 { print ">" $1 "\n" $3 }' "$VEC/pairs.tsv" >"$T/alt.fa"
"$HALD_BIN" -q --model both --in "$T/ref.fa" >"$T/ref_scores.tsv"
"$HALD_BIN" -q --model both --in "$T/alt.fa" >"$T/alt_scores.tsv"
check "ref_M is hald score of ref" bash -c "diff <(cut -f2,6 '$T/p.tsv' | tail -n +2) <(cut -f2,3 '$T/ref_scores.tsv' | tail -n +2)"
check "alt_M is hald score of alt" bash -c "diff <(cut -f3,7 '$T/p.tsv' | tail -n +2) <(cut -f2,3 '$T/alt_scores.tsv' | tail -n +2)"

# Columns in another order, an id-less table, FASTA pairs, compressed.
awk -F'\t' 'BEGIN { OFS = "\t" } { print $3, "x", $2, $1 }' "$VEC/pairs.tsv" >"$T/reordered.tsv"
"$HALD_BIN" pairs -q --in "$T/reordered.tsv" --out "$T/r.tsv" && check "columns in any order: same bytes" cmp "$T/p.tsv" "$T/r.tsv"
cut -f2,3 "$VEC/pairs.tsv" >"$T/noid.tsv"
"$HALD_BIN" pairs -q "$T/noid.tsv" >"$T/n.tsv"
check "no id column: ids are line numbers" bash -c "[ \"\$(sed -n '2p' '$T/n.tsv' | cut -f1)\" = 2 ] && diff <(cut -f2- '$T/p.tsv') <(cut -f2- '$T/n.tsv')"
awk -F'\t' 'NR > 1 { print ">" $1 " ref\n" $2; print ">" $1 "_alt\n" substr($3, 1, 70); print substr($3, 71) }' "$VEC/pairs.tsv" >"$T/pairs.fa"
for comp in "" gz zst; do
    f="$T/pairs.fa"
    case $comp in gz) gzip -c "$f" >"$f.gz"; f="$f.gz" ;; zst) zstd -qc "$f" >"$f.zst"; f="$f.zst" ;; esac
    "$HALD_BIN" pairs -q --in "$f" --out "$T/f.tsv" && check "FASTA pairs ${comp:-plain}: same bytes as the TSV" cmp "$T/p.tsv" "$T/f.tsv"
done
zstd -qc "$VEC/pairs.tsv" | "$HALD_BIN" pairs -q >"$T/stdin.tsv" && check "zstd TSV on stdin" cmp "$T/p.tsv" "$T/stdin.tsv"
"$HALD_BIN" pairs -q --model regions "$VEC/pairs.tsv" >"$T/reg.tsv"
check "--model regions: the regions columns alone" bash -c "diff <(cut -f1,6- '$T/p.tsv') '$T/reg.tsv'"

# Threads and ranks: many pairs (several units), the same bytes.
copies=600 # 24000 pairs: several units
[ -n "${HALD_SANITIZED:-}" ] && copies=120
for i in $(seq 1 $copies); do tail -n +2 "$VEC/pairs.tsv" | sed "s/^pair/r${i}_/"; done >"$T/body.tsv"
{ head -1 "$VEC/pairs.tsv"; cat "$T/body.tsv"; } >"$T/many.tsv"
"$HALD_BIN" pairs -q -t 1 "$T/many.tsv" >"$T/m1.tsv"
"$HALD_BIN" pairs -q -t 2 "$T/many.tsv" >"$T/m2.tsv"
check "$((copies * 40)) pairs, -t 2: same bytes as -t 1" cmp "$T/m1.tsv" "$T/m2.tsv"
check "$((copies * 40)) pairs: one row each" [ "$(wc -l <"$T/m1.tsv")" -eq $((copies * 40 + 1)) ]
timeout 300 mpirun --oversubscribe --bind-to none -n 3 "$HALD_BIN" pairs -q -t 1 "$T/many.tsv" --out "$T/mpi.tsv" &&
    check "mpirun -n 3: same bytes as -t 1" cmp "$T/m1.tsv" "$T/mpi.tsv" || fail "mpirun pairs exited non-zero"

# NA: a side that is not 160 nt, or has an N where regions reads it.
w=$(sed -n '2p' "$VEC/pairs.tsv" | cut -f2)
printf 'id\tref\talt\nshort\t%s\tACGT\nwithN\t%s\tN%s\n' "$w" "$w" "${w:1}" >"$T/na.tsv"
"$HALD_BIN" pairs "$T/na.tsv" >"$T/na_out.tsv" 2>"$T/na.err"
check "short alt: NA but for the ref scores" bash -c "sed -n '2p' '$T/na_out.tsv' | cut -f2- | tr '\t' '\n' | grep -vx NA | wc -l | grep -qx 2"
check "N in a regions hexamer: regions NA, mean scored" bash -c "sed -n '3p' '$T/na_out.tsv' | awk -F'\t' '\$5 != \"NA\" && \$9 == \"NA\" && \$7 != \"NA\"'"
check "NA counted on stderr" grep -q 'unscorable (NA)' "$T/na.err"
expect_fail "--strict: the first NA pair is an error naming it" 'na.tsv: pair 1 \(short\): cannot score alt' \
    "$HALD_BIN" pairs --strict "$T/na.tsv" -o "$T/strict.tsv"
check "--strict failure leaves no output" [ ! -e "$T/strict.tsv" ]
"$HALD_BIN" pairs -q --any-length "$T/na.tsv" >"$T/any.tsv"
check "--any-length scores the short side with mean" bash -c "sed -n '2p' '$T/any.tsv' | cut -f3 | grep -vqx NA"

# Bad tables.
printf 'id\tref\tseq\nx\tACGT\tACGT\n' >"$T/noalt.tsv"
expect_fail "no alt column" "noalt.tsv: line 1: the header names no 'alt' column" "$HALD_BIN" pairs "$T/noalt.tsv"
printf 'id\tref\talt\nx\tACGT\n' >"$T/short.tsv"
expect_fail "a row without its alt" 'short.tsv: line 2: 2 fields, the header has 3' "$HALD_BIN" pairs "$T/short.tsv"
head -7 "$T/pairs.fa" >"$T/odd.fa"
expect_fail "FASTA with a ref and no alt" 'odd.fa: record 3 \(pair1\): a ref without its alt' "$HALD_BIN" pairs "$T/odd.fa"
expect_fail "missing input" 'nope.tsv' "$HALD_BIN" pairs "$T/nope.tsv"
: >"$T/empty.tsv"
"$HALD_BIN" pairs "$T/empty.tsv" >"$T/e.tsv" 2>"$T/e.err"
check "empty input: the header, a warning, exit 0" bash -c "[ \$(wc -l <'$T/e.tsv') -eq 1 ] && grep -q 'no pairs' '$T/e.err'"
finish
