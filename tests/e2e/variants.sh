# hald variants on real sequence (GRCh38 chr22, 300 kb) and the small
# multi-sequence genome of the vectors: SNV scores equal hald scan of a
# copy of the genome with the SNVs applied; the VCF output read back by
# bcftools equals the TSV's best rows; every output form, threads and
# ranks give the same bytes; bad records are named.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TOOLS="$HALD_SOURCE_DIR/tests/tools"
cat "$VEC/scan.fa" "$HALD_SHARED_DIR"/data/hg38_chr22_*.fa >"$T/g.fa"
hv() { "$HALD_BIN" variants -q --fasta "$T/g.fa" "$@"; }

# SNVs 400 bases apart: no window holds two, so one copy of the genome
# with all of them applied is each SNV's alternate genome.
n_snv=600 n_mix=1500 # under a sanitizer, fewer
[ -n "${HALD_SANITIZED:-}" ] && n_snv=150 n_mix=300
python3 "$TOOLS/hald_randvcf.py" "$T/g.fa" $n_snv 11 --min-gap 400 >"$T/snv.vcf"
hv --vcf "$T/snv.vcf" -o "$T/snv.tsv" || fail "variants on SNVs exited non-zero"
python3 "$TOOLS/hald_vcfcheck.py" apply "$T/g.fa" "$T/snv.vcf" "$T/alt.fa"
python3 "$TOOLS/hald_vcfcheck.py" bed "$T/snv.tsv" >"$T/sites.bed"
"$HALD_BIN" scan -q --in "$T/g.fa" --sites "$T/sites.bed" -o "$T/ref_scan.tsv"
"$HALD_BIN" scan -q --in "$T/alt.fa" --sites "$T/sites.bed" -o "$T/alt_scan.tsv"
# chrom start strand -> scores, from the scan; then each row's scores.
scores_of() { awk -F'\t' 'NR > 1 { print $1 "\t" $2 "\t" $4 "\t" $5 "\t" $6 }' "$1" | sort; }
pick() { awk -F'\t' -v a="$2" -v b="$3" 'NR > 1 { print $1 "\t" $5 "\t" $7 "\t" $a "\t" $b }' "$1" | sort -u; }
check "SNVs: reference scores are hald scan's of the genome" \
    bash -c "diff <(pick '$T/snv.tsv' 10 14) <(scores_of '$T/ref_scan.tsv' | grep -F -f <(pick '$T/snv.tsv' 10 14 | cut -f1-3))"
check "SNVs: alternate scores are hald scan's of the mutated genome" \
    bash -c "diff <(pick '$T/snv.tsv' 11 15) <(scores_of '$T/alt_scan.tsv' | grep -F -f <(pick '$T/snv.tsv' 11 15 | cut -f1-3))"
check "SNVs: many sites, created and destroyed donors among them" \
    bash -c "[ \$(wc -l <'$T/snv.tsv') -gt $((n_snv * 8)) ] && awk -F'\t' '\$8 == \"no\" && \$9 == \"yes\"' '$T/snv.tsv' | grep -q . && awk -F'\t' '\$8 == \"yes\" && \$9 == \"no\"' '$T/snv.tsv' | grep -q ."
check "SNVs: gt_ref/gt_alt are the dinucleotides of each haplotype" \
    bash -c "awk -F'\t' 'NR > 1 && \$8 == \"no\" && \$9 == \"no\"' '$T/snv.tsv' | grep -q . && exit 1 || true"
check "delta = alt - ref, sigmoid of it" \
    awk -F'\t' 'NR > 1 && $12 != "NA" { d = $11 - $10; s = 1 / (1 + exp(-$12)); if ((d - $12) ^ 2 > 1e-20 || (s - $13) ^ 2 > 1e-20) bad++ } END { exit bad > 0 }' "$T/snv.tsv"

# Indels and multi-allelic records: VCF out, read back by bcftools.
python3 "$TOOLS/hald_randvcf.py" "$T/g.fa" $n_mix 5 --indels 0.3 --multi 0.15 >"$T/mix.vcf"
hv --vcf "$T/mix.vcf" -o "$T/mix.tsv" || fail "variants on indels exited non-zero"
hv --vcf "$T/mix.vcf" -o "$T/mix.out.vcf"
python3 "$TOOLS/hald_vcfcheck.py" best "$T/mix.tsv" >"$T/best.txt"
check "VCF out: bcftools query INFO/HAL = the TSV's largest |delta| rows" \
    bash -c "diff <(bcftools query -i 'INFO/HAL!=\".\"' -f '%CHROM\t%POS\t%INFO/HAL\n' '$T/mix.out.vcf') '$T/best.txt'"
check "VCF out: every input record, unchanged but for HAL" \
    bash -c "diff <(grep -v '^#' '$T/mix.vcf') <(bcftools annotate -x INFO/HAL '$T/mix.out.vcf' | grep -v '^#')"
check "VCF out: the ##INFO line describes the format" \
    grep -q '^##INFO=<ID=HAL,Number=.,Type=String,.*Format: ALLELE|MODEL|SITE|STRAND|REF_SCORE|ALT_SCORE|DELTA">' "$T/mix.out.vcf"
check "multi-allelic records: rows for each ALT" \
    bash -c "awk -F'\t' 'index(\$4, \",\") == 0 && NR > 1 { print \$1, \$2 }' '$T/mix.tsv' | sort | uniq -c | sort -rn | head -1 | grep -q . && grep -v '^#' '$T/mix.vcf' | awk -F'\t' 'index(\$5, \",\")' | head -1 | cut -f1,2 | while read -r c p; do awk -F'\t' -v c=\$c -v p=\$p '\$1 == c && \$2 == p { print \$4 }' '$T/mix.tsv' | sort -u | wc -l | grep -qx 2; done"
# A text VCF's records come back byte for byte but for INFO/HAL: QUAL
# "50.00", other INFO keys in their order, an older HAL replaced, samples.
p=$(grep -v '^#' "$T/mix.vcf" | head -1 | cut -f2) b=$(grep -v '^#' "$T/mix.vcf" | head -1 | cut -f4)
c=$(grep -v '^#' "$T/mix.vcf" | head -1 | cut -f1)
{ grep '^##' "$T/mix.vcf"
  printf '##INFO=<ID=DP,Number=1,Type=Integer,Description="d">\n##INFO=<ID=AF,Number=A,Type=Float,Description="a">\n'
  printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
  printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n'
  printf '%s\t%s\trs7\t%s\tT,C\t50.00\tPASS\tDP=5;HAL=old;AF=0.50,0.1\tGT\t0/1\n' "$c" "$p" "$b"; } >"$T/rich.vcf"
hv --vcf "$T/rich.vcf" -O vcf -o "$T/rich.out.vcf" 2>/dev/null
check "VCF out: the line as read, INFO/HAL replaced at the end of INFO" \
    bash -c "tail -1 '$T/rich.out.vcf' | sed 's/HAL=[^\t;]*/HAL=x/' | grep -qxF \"\$(printf '%s\t%s\trs7\t%s\tT,C\t50.00\tPASS\tDP=5;AF=0.50,0.1;HAL=x\tGT\t0/1' '$c' '$p' '$b')\""
expect_fail "an undeclared INFO tag and BCF out: named" 'rich.vcf: record 1: an INFO or FORMAT tag the header does not declare' \
    hv --vcf "$T/rich.vcf" -O bcf -o "$T/x.bcf"
for form in vcf.gz bcf; do
    hv --vcf "$T/mix.vcf" -o "$T/mix.$form"
    check "--out x.$form: bcftools reads it, the same records" \
        bash -c "diff <(bcftools view -H '$T/mix.$form') <(grep -v '^#' '$T/mix.out.vcf')"
done
check "bgzip output is BGZF (bcftools can index it)" bcftools index -o "$T/idx.csi" "$T/mix.vcf.gz"
bgzip -c "$T/mix.vcf" >"$T/mix.in.vcf.gz"
bcftools view -Ob -o "$T/mix.in.bcf" "$T/mix.vcf"
hv --vcf "$T/mix.in.vcf.gz" -o "$T/from_gz.tsv" && check "bgzip VCF in: the same rows" cmp "$T/mix.tsv" "$T/from_gz.tsv"
hv --vcf "$T/mix.in.bcf" -o "$T/from_bcf.tsv" && check "BCF in: the same rows" cmp "$T/mix.tsv" "$T/from_bcf.tsv"
hv -o "$T/from_stdin.tsv" <"$T/mix.in.vcf.gz" && check "VCF on stdin: the same rows" cmp "$T/mix.tsv" "$T/from_stdin.tsv"
hv --vcf "$T/mix.vcf" -O vcf >"$T/stdout.vcf" && check "-O vcf to stdout" cmp "$T/mix.out.vcf" "$T/stdout.vcf"

# The genome in every form.
gzip -c "$T/g.fa" >"$T/g.fa.gz"
zstd -qc "$T/g.fa" >"$T/g.fa.zst"
bgzip -c "$T/g.fa" >"$T/g.bgz.fa.gz"
for g in g.fa.gz g.fa.zst g.bgz.fa.gz; do
    "$HALD_BIN" variants -q --fasta "$T/$g" --vcf "$T/mix.vcf" -o "$T/g.tsv" &&
        check "FASTA as $g: the same rows" cmp "$T/mix.tsv" "$T/g.tsv"
done
check "no file created beside the inputs" bash -c "! ls '$T' | grep -Eq '\.(fai|gzi|csi|tbi)$|hald-tmp' || ls '$T' | grep -Eq '^idx.csi$'"

# Threads and ranks: the same bytes.
for out in tsv vcf; do
    hv -t 1 --vcf "$T/mix.vcf" -O $out -o "$T/t1.$out"
    hv -t 2 --vcf "$T/mix.vcf" -O $out -o "$T/t2.$out"
    check "$out: -t 2 = -t 1" cmp "$T/t1.$out" "$T/t2.$out"
    timeout 300 mpirun --oversubscribe --bind-to none -n 3 "$HALD_BIN" variants -q -t 1 --fasta "$T/g.fa" \
        --vcf "$T/mix.vcf" -O $out -o "$T/mpi.$out" && check "$out: mpirun -n 3 = -t 1" cmp "$T/t1.$out" "$T/mpi.$out" ||
        fail "$out: mpirun exited non-zero"
done

# Memory: the chromosome and the units in flight, not the VCF.  Three
# times the records (both enough to fill every unit slot), streamed from a
# pipe, peak within 25 %.
python3 "$TOOLS/hald_randvcf.py" "$T/g.fa" 90000 9 --indels 0.1 >"$T/big.vcf"
awk '/^#/ || NR % 3 == 0' "$T/big.vcf" >"$T/small.vcf"
for v in small big; do
    # ASan holds freed memory back (its quarantine) in proportion to what
    # was allocated: keep it small so the peak is the live memory.
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1:thread_local_quarantine_size_kb=64" \
        hald_maxrss "$T/$v.rss" "$HALD_BIN" variants -q -t 2 --fasta "$T/g.fa" --vcf - -O vcf -o /dev/null <"$T/$v.vcf"
done
check "memory flat in the VCF's size ($(cat "$T/small.rss") KiB, 3x: $(cat "$T/big.rss") KiB)" \
    [ "$(cat "$T/big.rss")" -le $(($(cat "$T/small.rss") * 5 / 4)) ]

# Long records (a cohort's samples): units are cut by the bytes the
# writer keeps, so 150 MB of 100 kB lines stream through in bounded memory.
if [ -z "${HALD_SANITIZED:-}" ]; then
    python3 - "$T/mix.vcf" <<'PY' |
import sys
head = [l for l in open(sys.argv[1]) if l.startswith("#")]
recs = [l.split("\t") for l in open(sys.argv[1]) if not l.startswith("#")][:1600]
out = sys.stdout
out.write("".join(head))
pad = "X=" + "A" * 100000
for r in recs:
    r[7] = pad
    out.write("\t".join(r[:7] + [pad]) + "\n")
PY
        hald_maxrss "$T/long.rss" "$HALD_BIN" variants -q -t 2 --fasta "$T/g.fa" --vcf - -O vcf -o "$T/long.vcf" 2>/dev/null
    records=$(grep -vc '^#' "$T/mix.vcf")
    [ "$records" -gt 1600 ] && records=1600
    check "$((records / 10)) MB of long records: peak RSS $(($(cat "$T/long.rss") / 1024)) MiB (under 120), every record out" \
        bash -c "[ $(cat "$T/long.rss") -lt $((120 * 1024)) ] && [ \$(grep -vc '^#' '$T/long.vcf') -eq $records ]"
fi

# --region: the records overlapping it, nothing else.
hv --vcf "$T/mix.vcf" --region chr22:100001-200000 -o "$T/region.tsv"
check "--region: the rows of records in it" \
    bash -c "diff <(awk -F'\t' 'NR == 1 || (\$1 == \"chr22\" && \$2 >= 100001 && \$2 <= 200000)' '$T/mix.tsv') '$T/region.tsv'"

# Annotated donors only: --gtf names them by gene (TSV name, VCF GENE).
printf 'chr22\tt\texon\t%d\t%d\t.\t+\t.\tgene_id "G1"; transcript_id "T1"; gene_name "GENEA";\n' \
    10001 10100 10501 10600 11001 11100 >"$T/genes.gtf"
s22=$(awk '/^>chr22/ { getline; print; exit }' "$T/g.fa")
{ grep '^#' "$T/mix.vcf"; for p in 10050 10102 10570 10610 20000; do
    b=${s22:p-1:1}; printf 'chr22\t%d\t.\t%s\t%s\t.\tPASS\t.\n' $p "$b" "$([ "$b" = A ] && echo C || echo A)"; done; } >"$T/near.vcf"
hv --vcf "$T/near.vcf" --gtf "$T/genes.gtf" -o "$T/gtf.tsv"
printf '10100\t+\tGENEA\n10600\t+\tGENEA\n' >"$T/gtf.want"
check "--gtf: only the annotated donors, named by gene" \
    bash -c "head -1 '$T/gtf.tsv' | grep -q 'gt_alt.name.ref_mean' && diff <(tail -n +2 '$T/gtf.tsv' | cut -f5,7,10 | sort -u) '$T/gtf.want'"
check "--gtf: a row per variant whose window holds the donor" [ "$(tail -n +2 "$T/gtf.tsv" | wc -l)" -eq 4 ]
hv --vcf "$T/near.vcf" --gtf "$T/genes.gtf" -O vcf -o "$T/gtf.vcf"
check "--gtf VCF: GENE after MODEL, declared in the header" \
    bash -c "grep -q 'Format: ALLELE|MODEL|GENE|SITE|STRAND|REF_SCORE|ALT_SCORE|DELTA' '$T/gtf.vcf' && bcftools query -f '%POS %INFO/HAL\n' '$T/gtf.vcf' | grep -q '^10102 .|mean|GENEA|10101|+|' && bcftools query -f '%POS %INFO/HAL\n' '$T/gtf.vcf' | grep -qx '20000 .'"

# --region on an indexed FASTA (plain and bgzip): faidx reads only the
# region's part; the same rows as without an index.
mkdir "$T/idx"
cp "$T/g.fa" "$T/idx/g.fa"
write_fai "$T/idx/g.fa" "$T/idx/g.fa.fai"
bgzip -c "$T/idx/g.fa" >"$T/idx/g.fa.gz"
bgzip -r "$T/idx/g.fa.gz"
cp "$T/idx/g.fa.fai" "$T/idx/g.fa.gz.fai"
for g in g.fa g.fa.gz; do
    "$HALD_BIN" variants -q --fasta "$T/idx/$g" --vcf "$T/mix.vcf" --region chr22:100001-200000 -o "$T/ir.tsv" &&
        check "--region, indexed $g: the same rows" cmp "$T/region.tsv" "$T/ir.tsv"
    "$HALD_BIN" variants -q --fasta "$T/idx/$g" --vcf "$T/mix.vcf" --region chrB -o "$T/ib.tsv" &&
        check "--region chrB, indexed $g: the rows of chrB" \
            bash -c "diff <(awk -F'\t' 'NR == 1 || \$1 == \"chrB\"' '$T/mix.tsv') '$T/ib.tsv'"
done
check "no file created beside the indexed FASTA" [ "$(ls "$T/idx" | wc -l)" -eq 5 ]

# Skipped alleles, counted; bad records named.
hdr() { grep '^#' "$T/mix.vcf"; }
seq22() { awk '/^>chr22/ { getline; print; exit }' "$T/g.fa"; }
s=$(seq22)
{ hdr; printf 'chr22\t1001\t.\t%s\t<DEL>,%s\t.\tPASS\t.\n' "${s:1000:1}" "$(printf 'A%.0s' $(seq 60))"; } >"$T/skip.vcf"
hv --vcf "$T/skip.vcf" -o "$T/skip.tsv" -v 2>"$T/skip.err"
check "symbolic and long alleles: skipped and counted" grep -q 'alleles skipped: 1 symbolic, 1 longer than 50' "$T/skip.err"
{ hdr; printf 'chr22\t1001\t.\t%s\tT\t.\tPASS\t.\n' "$([ "${s:1000:1}" = G ] && echo C || echo G)"; } >"$T/badref.vcf"
expect_fail "REF mismatch: an error naming the record" 'badref.vcf: record 1 \(chr22:1001\): REF . does not match' \
    hv --vcf "$T/badref.vcf" -o "$T/x.tsv"
check "REF mismatch: no output left" [ ! -e "$T/x.tsv" ]
hv -v --lenient --vcf "$T/badref.vcf" -o "$T/len.tsv" 2>"$T/len.err"
check "--lenient: skipped and counted" bash -c "[ \$(wc -l <'$T/len.tsv') -eq 1 ] && grep -q '1 records skipped (--lenient)' '$T/len.err'"
{ hdr; printf 'chrZ\t10\t.\tA\tT\t.\tPASS\t.\n'; } >"$T/nochr.vcf"
expect_fail "unknown chromosome: named with the record" 'nochr.vcf: record 1 \(chrZ:10\): .*g.fa has no sequence chrZ' \
    hv --vcf "$T/nochr.vcf" -o "$T/x.tsv"
{ hdr; printf 'chr22\t5000\t.\tA\tT\t.\tPASS\t.\nchr22\t4000\t.\tA\tT\t.\tPASS\t.\n'; } >"$T/unsorted.vcf"
expect_fail "unsorted records: named" 'unsorted.vcf: record 2 \(chr22:4000\): not sorted' \
    hv --lenient --vcf "$T/unsorted.vcf" -o "$T/x.tsv"
{ hdr; printf 'chr22\t5000\t.\tA\n'; } >"$T/cols.vcf"
expect_fail "missing columns: named" 'cols.vcf: record 1: too few columns' hv --vcf "$T/cols.vcf" -o "$T/x.tsv"
{ hdr; printf 'chr22\tfive\t.\tA\tT\t.\tPASS\t.\n'; } >"$T/pos.vcf"
expect_fail "bad POS: named" 'pos.vcf: record 1 \(chr22\): POS must be a number' hv --vcf "$T/pos.vcf" -o "$T/x.tsv"
{ hdr; printf 'chr22\t299999\t.\tACGTACGT\tA\t.\tPASS\t.\n'; } >"$T/end.vcf"
expect_fail "REF past the end: named" 'end.vcf: record 1 \(chr22:299999\): REF goes past the end of chr22' \
    hv --vcf "$T/end.vcf" -o "$T/x.tsv"
expect_fail "no --fasta" 'fasta' "$HALD_BIN" variants --vcf "$T/mix.vcf"
grep -v '^##contig' "$T/mix.vcf" >"$T/nocontig.vcf"
hv --vcf "$T/nocontig.vcf" -O vcf -o "$T/nocontig.out.vcf" 2>/dev/null
check "no ##contig lines: VCF out still has every record and HAL" \
    bash -c "diff <(bcftools query -f '%CHROM %POS %INFO/HAL\n' '$T/mix.out.vcf') <(bcftools query -f '%CHROM %POS %INFO/HAL\n' '$T/nocontig.out.vcf' 2>/dev/null)"
expect_fail "no ##contig lines: BCF out is an error naming the contig" 'contig chrA is not declared' \
    hv --vcf "$T/nocontig.vcf" -O bcf -o "$T/x.bcf"
hdr >"$T/empty.vcf"
hv --vcf "$T/empty.vcf" -O vcf -o "$T/e.vcf" 2>"$T/e.err"
check "no records: the header alone, exit 0" bash -c "grep -q '^#CHROM' '$T/e.vcf' && ! grep -qv '^#' '$T/e.vcf'"
finish
