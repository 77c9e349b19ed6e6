# hald scan --region: exactly the rows of a whole scan whose start lies in
# the region, for every output form, on threads and ranks, read through the
# FASTA's index (plain, and bgzip with its .gzi); --sites within a region;
# the errors without an index or for an unknown sequence; and no file ever
# written beside the input.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
H=$HALD_BIN
CHR22=$HALD_SHARED_DIR/data/hg38_chr22_32000000_32300000.fa

# A genome: the real GRCh38 sample wrapped at 60, the vectors' sequences
# (descriptions in the headers), and a synthetic sequence on one line with
# N runs and soft-masked stretches.
mkdir "$T/g"
G=$T/g/genome.fa
{
    echo ">chr22 GRCh38 chr22:32000001-32300000"
    tail -n +2 "$CHR22" | tr -d '\n' | fold -w 60
    echo
    cat "$VEC/scan.fa"
    hald_randgenome -b 2500000 -c 1 -s 7 -w 0 | sed 's/^>.*/>synth/'
} >"$G"

write_fai "$G" "$G.fai"
# bgzip: the .gzi from `bgzip -r`; a .fai holds offsets in the text, so
# it is the plain file's.
bgzip -c "$G" >"$G.gz"
bgzip -r "$G.gz"
cp "$G.fai" "$G.gz.fai"
check "index: five sequences" [ "$(wc -l <"$G.fai")" -eq 5 ]
ls -A "$T/g" >"$T/before"

# The rows of a whole scan whose start lies in [beg, end) of chrom, with
# the header (TSV) or track line (bedGraph) kept.
rows_in() { # file chrom beg end
    awk -F'\t' -v c="$2" -v b="$3" -v e="$4" \
        'FNR == 1 && ($1 == "chrom" || $1 ~ /^track/) { print; next }
         $1 == c && $2 + 0 >= b + 0 && $2 + 0 < e + 0' "$1"
}

# Whole scans, once per output form.
"$H" scan -q --in "$G" --out "$T/full.tsv"
"$H" scan -q -O bed --in "$G" --out "$T/full.bed"
"$H" scan -q -O bedgraph --model regions --strand - --in "$G" --out "$T/full.bg"
check "whole scan: sites on every sequence" \
    [ "$(cut -f1 "$T/full.tsv" | sort -u | wc -l)" -eq 6 ]

# region text, chrom, 0-based beg, end (past the end: 10^12)
REGIONS="chr22:1000-50000 chr22 999 50000
chr22:1-120 chr22 0 120
chr22:299,901-300,000 chr22 299900 300000
chr22:299990-400000 chr22 299989 400000
chr22:123457 chr22 123456 1000000000000
chrA chrA 0 1000000000000
chrB:1-100 chrB 0 100
synth:1234567-2345678 synth 1234566 2345678
chr22:400000-500000 chr22 399999 500000"

while read -r region chrom beg end; do
    for fa in "$G" "$G.gz"; do
        what="$(basename "$fa") --region $region"
        "$H" scan -q -t 1 --region "$region" --in "$fa" --out "$T/r.tsv"
        check "$what: TSV" cmp <(rows_in "$T/full.tsv" "$chrom" "$beg" "$end") "$T/r.tsv"
        check "$what: BED" cmp <(rows_in "$T/full.bed" "$chrom" "$beg" "$end") \
            <("$H" scan -q -O bed --region "$region" --in "$fa")
        check "$what: bedGraph" cmp <(rows_in "$T/full.bg" "$chrom" "$beg" "$end") \
            <("$H" scan -q -O bedgraph --model regions --strand - --region "$region" --in "$fa")
        "$H" scan -q -O bin --region "$region" --in "$fa" --out "$T/r.bin"
        check "$what: binary, through hald view" cmp "$T/r.tsv" <("$H" view "$T/r.bin")
        check "$what: -t 2, small chunks" cmp "$T/r.tsv" \
            <("$H" scan -q -t 2 --chunk-size 7777 --region "$region" --in "$fa")
    done
done <<<"$REGIONS"
check "near the end: the last sites of chr22 are there" \
    [ "$(rows_in "$T/full.tsv" chr22 299900 300000 | wc -l)" -gt 2 ]

# MPI ranks: the same bytes.
for fa in "$G" "$G.gz"; do
    for region in chr22:1000-250000 synth; do
        chrom=${region%%:*}
        "$H" scan -q -t 1 --region "$region" --in "$fa" --out "$T/ref.tsv"
        mpirun --oversubscribe --bind-to none -n 2 "$H" scan -q -t 2 --chunk-size 30000 \
            --region "$region" --in "$fa" --out "$T/mpi.tsv" 2>"$T/err" ||
            fail "mpirun -n 2 --region $region: $(tail -1 "$T/err")"
        check "$(basename "$fa") mpirun -n 2 --region $region: same TSV" cmp "$T/ref.tsv" "$T/mpi.tsv"
        mpirun --oversubscribe --bind-to none -n 2 "$H" scan -q -O bin --chunk-size 30000 \
            --region "$region" --in "$fa" --out "$T/mpi.bin" 2>"$T/err" ||
            fail "mpirun -n 2 -O bin --region $region: $(tail -1 "$T/err")"
        check "$(basename "$fa") mpirun -n 2 --region $region: same binary rows" \
            cmp "$T/ref.tsv" <("$H" view "$T/mpi.bin")
    done
done

# --sites with --region: only the listed sites in the region, also those
# without GT and past the sequence's end (NA), as the whole run gives them.
awk -F'\t' 'NR > 1 && NR % 7 == 0 { print $1 "\t" $2 "\t" $3 "\ts" NR "\t0\t" $4 }' "$T/full.tsv" >"$T/sites.bed"
printf 'chrA\t500\t502\tnotgt\t0\t+\nchrA\t5\t7\tedge\t0\t+\nchrA\t5000\t5002\tpast\t0\t-\nchrZ\t100\t102\tz\t0\t+\n' >>"$T/sites.bed"
"$H" scan -q --sites "$T/sites.bed" --in "$G" --out "$T/sites_full.tsv" 2>/dev/null
while read -r region chrom beg end; do
    for fa in "$G" "$G.gz"; do
        "$H" scan --sites "$T/sites.bed" --region "$region" --in "$fa" --out "$T/sites_r.tsv" 2>"$T/sites.err" ||
            fail "--sites --region $region: $(tail -1 "$T/sites.err")"
        check "$(basename "$fa") --sites --region $region: the listed rows of the region" \
            cmp <(rows_in "$T/sites_full.tsv" "$chrom" "$beg" "$end") "$T/sites_r.tsv"
        check "$(basename "$fa") --sites --region $region: a warning for chrZ only" \
            bash -c "grep -q 'W::scan.*chrZ.*is not in' '$T/sites.err' && ! grep 'W::scan.*is not in' '$T/sites.err' | grep -qv chrZ"
    done
done <<<"chrA chrA 0 1000000000000
chr22:50001-150000 chr22 50000 150000
synth:1-100 synth 0 100"
check "--sites --region chrA: the site past the end is NA" \
    grep -q "^chrA	5000	5002	-	NA	NA	past	" "$T/sites_full.tsv"
check "--sites --region chrA: NA rows kept" grep -q "past" <("$H" scan -q --sites "$T/sites.bed" --region chrA --in "$G")

# Errors: exit 1 with a message naming the FASTA and how to index it.
expect_exit1() { # what pattern command...
    local what=$1 pattern=$2; shift 2
    "$@" >"$T/e.out" 2>"$T/e.err"
    local rc=$?
    if [ $rc -ne 1 ]; then
        fail "$what (exit $rc)"; sed 's/^/     /' "$T/e.err" | tail -3
    elif ! grep -Eq -- "$pattern" "$T/e.err"; then
        fail "$what (stderr does not match /$pattern/)"; sed 's/^/     /' "$T/e.err" | tail -3
    else
        pass "$what"
    fi
}
mkdir "$T/n"
cp "$G" "$T/n/plain.fa"
gzip -c "$G" >"$T/n/gzip.fa.gz"
cp "$G.gz" "$T/n/nogzi.fa.gz"
cp "$G.fai" "$T/n/nogzi.fa.gz.fai"
zstd -q -c "$G" >"$T/n/z.fa.zst"
ls -A "$T/n" >"$T/n_before"
expect_exit1 "no index: an error naming the FASTA and samtools faidx" \
    "plain\.fa has no index .*plain\.fa\.fai.*samtools faidx" \
    "$H" scan --region chr22:1-1000 --in "$T/n/plain.fa" --out "$T/o.tsv"
check "no index: no output left" [ ! -e "$T/o.tsv" ]
expect_exit1 "gzip, not bgzip: says to bgzip" "gzip\.fa\.gz is gzip but not bgzip.*bgzip -i" \
    "$H" scan --region chr22:1-1000 --in "$T/n/gzip.fa.gz"
expect_exit1 "bgzip without its .gzi: says bgzip -r" "no .*nogzi\.fa\.gz\.gzi.*bgzip -r" \
    "$H" scan --region chr22 --in "$T/n/nogzi.fa.gz"
expect_exit1 "zstd: says to recompress" "z\.fa\.zst is zstd" "$H" scan --region chr22 --in "$T/n/z.fa.zst"
expect_exit1 "stdin: cannot be read at random" "stdin cannot be read at random" \
    "$H" scan --region chr22 --in - <"$G"
expect_exit1 "unknown sequence: named" "--region chrQ:1-10: .*genome\.fa has no sequence chrQ" \
    "$H" scan --region chrQ:1-10 --in "$G"
expect_exit1 "unknown sequence (bgzip): named" "has no sequence chr2$" "$H" scan --region chr2 --in "$G.gz"
expect_exit1 "a 0 start: 1-based" "chr22:0-10: positions are 1-based" "$H" scan --region chr22:0-10 --in "$G"
expect_exit1 "end before start" "the end comes before the start" "$H" scan --region chr22:10-5 --in "$G"
# A stale index: the FASTA changed after indexing.
{ echo ">new"; echo ACGT; cat "$G"; } >"$T/n/stale.fa"
cp "$G.fai" "$T/n/stale.fa.fai"
expect_exit1 "stale .fai: says so, names it" "stale\.fa\.fai is stale" "$H" scan --region chr22:1-100 --in "$T/n/stale.fa"
ls -A "$T/n" | grep -v '^stale' >"$T/n_after"

# Nothing was ever written beside the inputs.
check "no file appeared beside the indexed FASTA" cmp "$T/before" <(ls -A "$T/g")
check "no file appeared beside the unindexed ones" cmp "$T/n_before" "$T/n_after"
finish
