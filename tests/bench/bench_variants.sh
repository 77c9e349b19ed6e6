#!/usr/bin/env bash
# hald variants against the cost of reading its inputs (issue 10).
#
#   tests/bench/bench_variants.sh [BUILD_DIR] [MEGABASES] [VARIANTS] [RUNS]
#
# Makes a synthetic genome (default 200 Mb, 4 sequences) as .fa.zst and
# VARIANTS (default 1,000,000) random SNVs plus 10 % indels as a bgzip VCF,
# on /dev/shm (page cache is reclaimed aggressively on these VMs: inputs on
# disk time the disk), and times, best of RUNS (default 3):
#   bcftools view -Ov -o /dev/null calls.vcf.gz, and zstd -dc of the genome
#     (their sum is the floor: reading both inputs and writing a VCF);
#   hald variants -O vcf at -t 1 and -t 2, and -O tsv at -t 1 and -t 2.
# Prints each time, the VCF runs' ratio to the floor and TSV rows per second.
# Target: hald variants -O vcf at -t 1 at most 2x the floor.
set -euo pipefail
# shellcheck source=tests/bench/timing.bash
. "$(dirname "$0")/timing.bash"
build=${1:-build}
mb=${2:-200}
n=${3:-1000000}
runs=${4:-3}
hald="$build/hald"
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$hald" ] && [ -x "$build/tests/hald_randgenome" ] || { echo "build first: $hald" >&2; exit 1; }
dir=$(mktemp -d "${BENCH_DIR:-/dev/shm}/hald-bench-variants.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/tests/hald_randgenome" -b $((mb * 1000000)) -c 4 -s 3 -w 60 >"$dir/g.fa"
python3 "$here/tools/hald_randvcf.py" "$dir/g.fa" "$n" 7 --indels 0.1 | bgzip -c >"$dir/calls.vcf.gz"
zstd -q -T0 "$dir/g.fa" -o "$dir/g.fa.zst"
rm -f "$dir/g.fa"
records=$(bcftools view -H "$dir/calls.vcf.gz" | wc -l)
best() { # best of $runs
    local b=inf t
    for _ in $(seq "$runs"); do
        t=$(time_once "$@")
        b=$(echo "$t $b" | awk '{ print ($2 == "inf" || $1 < $2) ? $1 : $2 }')
    done
    echo "$b"
}
hv=("$hald" variants -q --fasta "$dir/g.fa.zst" --vcf "$dir/calls.vcf.gz" -o /dev/null)
bcf_t=$(best bcftools view -Ov -o /dev/null "$dir/calls.vcf.gz")
zstd_t=$(best zstd -dc "$dir/g.fa.zst")
vcf1=$(best "${hv[@]}" -O vcf -t 1)
vcf2=$(best "${hv[@]}" -O vcf -t 2)
tsv1=$(best "${hv[@]}" -O tsv -t 1)
tsv2=$(best "${hv[@]}" -O tsv -t 2)
rows=$("$hald" variants --fasta "$dir/g.fa.zst" --vcf "$dir/calls.vcf.gz" -o /dev/null -O tsv -t 2 2>&1 | sed -n 's/.*), \([0-9]*\) sites in.*/\1/p')
floor=$(echo "$bcf_t $zstd_t" | awk '{ print $1 + $2 }')
printf 'genome %d Mb (%s as .fa.zst), %s records (%s as .vcf.gz), %s TSV rows\n' "$mb" \
    "$(du -h "$dir/g.fa.zst" | cut -f1)" "$records" "$(du -h "$dir/calls.vcf.gz" | cut -f1)" "$rows"
printf '%-36s %8s %10s %14s\n' run seconds "vs floor" rows/s
row() { awk -v name="$1" -v t="$2" -v f="$floor" -v r="${3:-0}" \
    'BEGIN { printf "%-36s %8.3f %9.2fx %14s\n", name, t, t / f, r ? sprintf("%.0f", r / t) : "" }'; }
row "bcftools view -Ov -o /dev/null" "$bcf_t"
row "zstd -dc genome" "$zstd_t"
row "floor (the sum)" "$floor"
row "hald variants -O vcf -t 1" "$vcf1"
row "hald variants -O vcf -t 2" "$vcf2"
row "hald variants -O tsv -t 1" "$tsv1" "$rows"
row "hald variants -O tsv -t 2" "$tsv2" "$rows"
