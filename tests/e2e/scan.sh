# hald scan: the reference vectors, every output form, byte-identical
# output for any chunking / thread / rank / CPU path, a cross-check of the
# prefix-sum kernel against the direct one on real GRCh38 sequence, and
# the --sites / --gtf modes.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
H=$HALD_BIN
FA=$VEC/scan.fa
CHR22=$HALD_SHARED_DIR/data/hg38_chr22_32000000_32300000.fa

# 1. The reference vectors: every row, coordinates exactly, scores at 1e-9.
"$H" scan -q --in "$FA" --out "$T/scan.tsv"
check "scan.tsv: scores at 1e-9" hald_tsvcmp "$VEC/scan.tsv" "$T/scan.tsv" mean regions
check "scan.tsv: same sites, coordinates and strands" \
    diff <(cut -f1-4 "$VEC/scan.tsv") <(cut -f1-4 "$T/scan.tsv")
# Soft-masked bases score as upper case; compressed input is the same stream.
awk '/^>/ { print; next } { print tolower($0) }' "$FA" >"$T/lower.fa"
check "lowercase genome: same output" cmp "$T/scan.tsv" <("$H" scan -q "$T/lower.fa")
gzip -c "$FA" >"$T/scan.fa.gz"; zstd -q -c "$FA" >"$T/scan.fa.zst"
check "gzip input: same output" cmp "$T/scan.tsv" <("$H" scan -q "$T/scan.fa.gz")
check "zstd input: same output" cmp "$T/scan.tsv" <("$H" scan -q - <"$T/scan.fa.zst")

# 2. Byte-identical for any split: chunk sizes, threads, CPU paths, ranks,
#    on real sequence and on a synthetic genome with N runs and lowercase.
# Under a sanitizer (10-20x slower) a part of each genome tells as much.
gbases=3000000 ranks="2 3 4" chr22=$CHR22
if [ -n "${HALD_SANITIZED:-}" ]; then
    gbases=300000 ranks=3 chr22=$T/chr22_part.fa
    awk 'NR == 1 { print; next } { print substr($0, 1, 60000); exit }' "$CHR22" >"$chr22"
fi
hald_randgenome -b $gbases -c 3 -s 5 -w 0 >"$T/g.fa"
for genome in "$chr22" "$T/g.fa"; do
    name=$(basename "$genome")
    "$H" scan -q -t 1 --cpu scalar --in "$genome" --out "$T/ref.tsv"
    "$H" scan -q -t 1 --cpu scalar -O bin --in "$genome" --out "$T/ref.bin"
    for args in "--chunk-size 1" "--chunk-size 7" "--chunk-size 1000 -t 2" "--cpu avx2 -t 2" \
                "--cpu avx2 --chunk-size 50000"; do
        grep -qw avx2 /proc/cpuinfo || case $args in *avx2*) continue ;; esac
        check "$name $args: same TSV" cmp "$T/ref.tsv" <("$H" scan -q $args --in "$genome")
    done
    for n in $ranks; do
        mpirun --oversubscribe --bind-to none -n $n "$H" scan -q -t 2 --chunk-size 30000 \
            --in "$genome" --out "$T/mpi.tsv" 2>"$T/err" || fail "$name mpirun -n $n: $(tail -1 "$T/err")"
        check "$name mpirun -n $n: same TSV" cmp "$T/ref.tsv" "$T/mpi.tsv"
    done
    mpirun --oversubscribe --bind-to none -n 3 "$H" scan -q -O bin --chunk-size 30000 \
        --in "$genome" --out "$T/mpi.bin" 2>"$T/err"
    check "$name mpirun -n 3: same binary" cmp "$T/ref.bin" "$T/mpi.bin"
done
check "synthetic genome has NA sites next to N runs" grep -q "NA" "$T/ref.tsv"

# 3. The prefix-sum kernel against the direct one (hald score) on real
#    sequence: every 41st site's window, cut out (reverse-complemented on
#    minus), must score the same to 1e-9.
"$H" scan -q --in "$CHR22" --out "$T/chr22.tsv"
awk -F'\t' 'NR == FNR { if (FNR > 1) seq = seq $0; next }
    FNR > 1 && FNR % 41 == 0 {
        s = $2; w = ($4 == "+") ? substr(seq, s - 80 + 1, 160) : substr(seq, s + 2 - 80 + 1, 160)
        if ($4 == "-") { r = ""; for (i = 160; i >= 1; i--) { c = substr(w, i, 1)
            r = r (c == "A" ? "T" : c == "C" ? "G" : c == "G" ? "C" : c == "T" ? "A" : "N") }; w = r }
        print ">" $1 ":" $2 $4; print w; print $0 > "'"$T/picked.tsv"'" }' "$CHR22" "$T/chr22.tsv" >"$T/windows.fa"
{ printf 'chrom\tstart\tend\tstrand\tmean\tregions\n'; cat "$T/picked.tsv"; } >"$T/picked_h.tsv"
"$H" -q --model both --in "$T/windows.fa" --out "$T/direct.tsv"
check "chr22: $(wc -l <"$T/picked.tsv") windows, scan == score at 1e-9" \
    hald_tsvcmp "$T/picked_h.tsv" "$T/direct.tsv" mean regions
check "chr22: enough sites checked" [ "$(wc -l <"$T/picked.tsv")" -gt 500 ]

# 4. Output forms.
"$H" scan -q -O bed --model regions --in "$FA" --out "$T/s.bed"
check "BED: score column is the regions score" \
    diff <(awk -F'\t' 'NR > 1 && $6 != "NA" { print $1, $2, $3, $4, $6 }' "$T/scan.tsv") \
         <(awk -F'\t' '{ print $1, $2, $3, $6, $5 }' "$T/s.bed")
check "BED: six columns, name '.'" awk -F'\t' 'NF != 6 || $4 != "." { exit 1 }' "$T/s.bed"
"$H" scan -q -O bedgraph --strand - --in "$FA" --out "$T/s.bg"
check "bedGraph: track line, minus-strand mean scores" \
    diff <(awk -F'\t' 'NR > 1 && $4 == "-" { print $1, $2, $3, $5 }' "$T/scan.tsv") \
         <(tail -n +2 "$T/s.bg" | awk -F'\t' '{ print $1, $2, $3, $4 }')
check "bedGraph: header is a track line" grep -q '^track type=bedGraph' "$T/s.bg"
"$H" scan -q -O bin --in "$FA" --out "$T/s.bin"
READ_BIN="$HALD_SOURCE_DIR/docs/examples/read_hald_bin.py"
check "binary: hald view prints the TSV" cmp "$T/scan.tsv" <("$H" view "$T/s.bin")
if command -v python3 >/dev/null; then
    # docs/examples/read_hald_bin.py reads the format on its own, from the spec.
    check "binary: an independent reader gets the TSV" cmp "$T/scan.tsv" <(python3 "$READ_BIN" "$T/s.bin")
    for model in mean regions; do
        "$H" scan -q -O bin --model $model --in "$FA" --out "$T/s1.bin"
        "$H" scan -q --model $model --in "$FA" --out "$T/s1.tsv"
        check "binary, --model $model: 24-byte records of that column" \
            cmp "$T/s1.tsv" <(python3 "$READ_BIN" "$T/s1.bin")
        check "binary, --model $model: hald view" cmp "$T/s1.tsv" <("$H" view "$T/s1.bin")
    done
fi
# Blocks hold a fixed number of sites: the same bytes whatever the chunks.
"$H" scan -q -O bin --chunk-size 777 --in "$FA" --out "$T/s2.bin"
check "binary: same bytes for any chunk size" cmp "$T/s.bin" "$T/s2.bin"
check "binary from a pipe: same bytes" cmp "$T/s.bin" <("$H" scan -q -O bin --in "$FA" --out - | cat)

# 5. --sites: given sites, also where the reference has no GT; windows past
#    an end are NA; a sequence the FASTA lacks is one warning.
awk -F'\t' 'NR > 1 && NR % 9 == 0 { print $1 "\t" $2 "\t" $3 "\tsite" NR "\t0\t" $4 }' "$VEC/scan.tsv" >"$T/sites.bed"
printf 'chrA\t500\t502\tnotgt\t0\t+\nchrA\t5\t7\tedge\t0\t+\nchrZ\t100\t102\tz\t0\t+\n' >>"$T/sites.bed"
"$H" scan --sites "$T/sites.bed" --in "$FA" --out "$T/sites.tsv" 2>"$T/sites.err" ||
    fail "--sites run: $(tail -1 "$T/sites.err")"
check "--sites: header has name and canonical" \
    grep -qx "$(printf 'chrom\tstart\tend\tstrand\tmean\tregions\tname\tcanonical')" <(head -1 "$T/sites.tsv")
check "--sites: listed GT sites score as in the full scan" \
    diff <(awk -F'\t' 'NR == FNR { want[$1" "$2" "$6] = 1; next } FNR > 1 && ($1" "$2" "$4) in want { print $1, $2, $4, $5, $6 }' "$T/sites.bed" "$T/scan.tsv") \
         <(awk -F'\t' 'NR > 1 && $8 == "yes" { print $1, $2, $4, $5, $6 }' "$T/sites.tsv")
check "--sites: a site without GT is scored and flagged" grep -Eq "^chrA	500	502	\+	[-0-9.e]+	[-0-9.e]+	notgt	no$" "$T/sites.tsv"
check "--sites: a window past the start is NA" grep -q "^chrA	5	7	+	NA	NA	edge	no$" "$T/sites.tsv"
check "--sites: one warning for a sequence not in the FASTA" \
    bash -c "[ \$(grep -c 'W::scan.*chrZ.*not in' '$T/sites.err') -eq 1 ]"
check "--sites: the summary counts the skipped names" grep -q "1 sequence name(s)" "$T/sites.err"
"$H" scan -q -O bin --sites "$T/sites.bed" --in "$FA" --out "$T/sites.bin" 2>/dev/null
check "--sites binary: site names and canonical flags come back" cmp "$T/sites.tsv" <("$H" view "$T/sites.bin")

# 6. --gtf: donors are the intron-side ends of all but each transcript's
#    last exon (exon end on +, exon start on -), transcript ids as names.
printf 'chrA\tt\texon\t200\t300\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n' >"$T/a.gtf"
printf 'chrA\tt\texon\t600\t700\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n' >>"$T/a.gtf"
printf 'chrA\tt\texon\t1000\t1100\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n' >>"$T/a.gtf"
printf 'chrB\tt\texon\t1501\t1600\t.\t-\t.\tgene_id "g2"; transcript_id "tm";\n' >>"$T/a.gtf"
printf 'chrB\tt\texon\t801\t900\t.\t-\t.\tgene_id "g2"; transcript_id "tm";\n' >>"$T/a.gtf"
gzip -c "$T/a.gtf" >"$T/a.gtf.gz"
"$H" scan -q --gtf "$T/a.gtf.gz" --in "$FA" --out "$T/gtf.tsv"
check "--gtf: the + donors at exon ends and the - donor at the exon start" \
    diff <(cut -f1-4,7 "$T/gtf.tsv") <(printf 'chrom\tstart\tend\tstrand\tname\nchrA\t300\t302\t+\ttp\nchrA\t700\t702\t+\ttp\nchrB\t1498\t1500\t-\ttm\n')

# A FASTA that repeats a sequence name: rows of two sequences would share
# it, so hald says so.
cat "$FA" "$FA" | "$H" scan -o /dev/null 2>"$T/dup.err"
check "a repeated sequence name is warned about" grep -q 'W::scan.*named like an earlier one (first: chrA)' "$T/dup.err"

# 7. Bad input.
printf 'ACGT\n>x\nACGT\n' >"$T/bad.fa"
expect_fail "text before the first header" "bad\.fa: line 1: expected '>'" "$H" scan --in "$T/bad.fa" --out "$T/o.tsv"
check "bad FASTA leaves no output" [ ! -e "$T/o.tsv" ]
expect_fail "BED with a wrong end" "line 1" "$H" scan --sites <(printf 'chrA\t5\t9\tx\t0\t+\n') --in "$FA"
expect_fail "BED output needs one model" "one model" "$H" scan -O bed --model both --in "$FA"
finish
