# The golden cases: inputs made deterministically, and the runs whose
# output must stay byte-identical to what hald produced at commit
# ca22f66 (before the runner redesign).  Sourced by tests/golden/make.sh,
# which wrote sha256sums.txt with that commit's binary, and by
# tests/e2e/golden.sh, which checks today's binary against it.
#
# Text formats (TSV, BED, bedGraph) and packed files are here; the binary
# score and scan formats changed on purpose (version 2 carries record ids
# and sequence names).

# golden_inputs DIR SHARED: writes every input into DIR.  Needs
# hald_randwin and hald_randgenome on PATH, and the shared vectors.
golden_inputs() {
    local d=$1 shared=$2 src
    src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    cp "$src/tests/data/example.fa" "$d/ex.fa"
    hald_randwin -n 20000 -s 21 --messy --vary -w 70 >"$d/w.fa"
    hald_randwin -n 20000 -s 22 --messy --vary -f lines | awk 'NR % 97 == 0 { print "" } { print }' >"$d/w.lines"
    hald_randwin -n 20000 -s 23 --messy --vary -f fastq >"$d/w.fq"
    zstd -q -c "$d/w.fa" >"$d/w.fa.zst"
    gzip -1 -n -c "$d/w.fq" >"$d/w.fq.gz"
    # Frames cut at arbitrary bytes: records straddle them.
    split -b 65521 "$d/w.lines" "$d/piece."
    for p in "$d"/piece.*; do zstd -q -c "$p"; done >"$d/w.lines.multi.zst"
    rm -f "$d"/piece.*
    hald_randgenome -b 400000 -c 3 -s 5 -w 60 >"$d/g.fa"
    cp "$shared/vectors/scan.fa" "$d/scan.fa"
    cp "$shared/data/hg38_chr22_32000000_32300000.fa" "$d/chr22.fa"
    awk -F'\t' 'NR > 1 && NR % 9 == 0 { print $1 "\t" $2 "\t" $3 "\tsite" NR "\t0\t" $4 }' \
        "$shared/vectors/scan.tsv" >"$d/sites.bed"
    printf 'chrA\t500\t502\tnotgt\t0\t+\nchrA\t5\t7\tedge\t0\t+\nchrA\t500\t502\tdup\t0\t+\n' >>"$d/sites.bed"
    {
        printf 'chrA\tt\texon\t200\t300\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n'
        printf 'chrA\tt\texon\t600\t700\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n'
        printf 'chrA\tt\texon\t1000\t1100\t.\t+\t.\tgene_id "g1"; transcript_id "tp";\n'
        printf 'chrB\tt\texon\t1501\t1600\t.\t-\t.\tgene_id "g2"; transcript_id "tm";\n'
        printf 'chrB\tt\texon\t801\t900\t.\t-\t.\tgene_id "g2"; transcript_id "tm";\n'
    } >"$d/a.gtf"
}

# name|arguments (relative to the input directory).  Every case runs with
# -q and --out; the checker adds thread and rank variations (make.sh gives
# no -t: the old pack had none).
GOLDEN_CASES=(
    "ex-both|score --model both --in ex.fa"
    "ex-mean|score --in ex.fa"
    "w-both|score --model both --in w.fa"
    "w-regions|score --model regions --in w.fa"
    "w-anylen|score --any-length --model both --in w.fa"
    "w-zst|score --model both --in w.fa.zst"
    "lines-both|score --model both --in w.lines"
    "lines-multi|score --model both --in w.lines.multi.zst"
    "lines-forced|score --format lines --in w.fa"
    "fq-both|score --model both --in w.fq.gz"
    "g-tsv|scan --in g.fa"
    "g-mean|scan --model mean --in g.fa"
    "g-bed-mean|scan -O bed --in g.fa"
    "g-bed-regions|scan -O bed --model regions --in g.fa"
    "g-bg-plus|scan -O bedgraph --in g.fa"
    "g-bg-minus|scan -O bedgraph --strand - --model regions --in g.fa"
    "scan-tsv|scan --in scan.fa"
    "chr22-tsv|scan --in chr22.fa"
    "sites-tsv|scan --sites sites.bed --in scan.fa"
    "sites-bed|scan -O bed --sites sites.bed --in scan.fa"
    "gtf-tsv|scan --gtf a.gtf --in scan.fa"
    "pack-fa|pack --frame-size 100K --in w.fa"
    "pack-lines|pack --frame-size 10K --in w.lines"
    "pack-fq|pack --in w.fq.gz"
)
