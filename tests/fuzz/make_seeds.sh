#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (corpus/<target>/seed-*) from
# small inputs made here and by hald itself.  Run it again when a format
# changes:  tests/fuzz/make_seeds.sh build/hald   (needs zstd, gzip, python3
# and the weights, found as hald finds them).  Inputs a fuzzer failed on
# live beside the seeds as crash-* files and are never rewritten.
set -euo pipefail
HALD=$(realpath "$1")
C=$(cd "$(dirname "$0")" && pwd)/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for d in weights reader records packed_index sites view score; do
    mkdir -p "$C/$d"
    rm -f "$C/$d"/seed-*
done

# Sequences shared by several targets.
printf '>a desc\nACGTACGTTGCAGTAAGTACCGGTAGCTAGCTAGGTAAGTCCATGCATGCAAGGTGAGTCCAT\nGGTACCAT\n>b\nNNNNACGUacgu\n>c\n\n' >"$T/s.fa"
printf '@r1\nACGTGTAAGTCCA\n+\nIIIIIIIIIIIII\n@r2 x\nGGTAAGT\n+r2 x\nIIIIIII\n' >"$T/s.fq"
printf 'ACGTGTAAGTCCATGGTAAGTACG\r\n\nGGTGAGTAAGTCCAGT\nacgtn\n' >"$T/s.txt"
awk 'BEGIN { srand(7); for (i = 0; i < 120; i++) { printf ">w%d\n", i;
      s = ""; for (j = 0; j < 160; j++) s = s substr("ACGT", int(rand() * 4) + 1, 1); print s } }' >"$T/w.fa"

# weights: a tiny valid .npz (constant values deflate to almost nothing),
# and .npy headers with too few values.
python3 - "$C/weights" <<'PY'
import struct, sys, zipfile, io
out = sys.argv[1]
def npy(descr, shape, data, version=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", len(header)) + header.encode()[:-2] + b"  \n" + data
full = npy("<f8", "(4096, 8)", struct.pack("<d", 0.25) * 32768)
with zipfile.ZipFile(f"{out}/seed-valid.npz", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("weights.npy", full)
open(f"{out}/seed-short-f8.npy", "wb").write(npy("<f8", "(4096, 8)", struct.pack("<d", 1.5) * 8))
open(f"{out}/seed-f4-v2.npy", "wb").write(npy("<f4", "(4096, 8)", struct.pack("<f", 2.0) * 8, 2))
open(f"{out}/seed-small-shape.npy", "wb").write(npy("<f8", "(2, 2)", struct.pack("<d", 3.0) * 4))
PY

# reader: plain, zstd (one frame, checksummed, several, after a skippable
# frame), gzip (one member, two).
cp "$T/s.fa" "$C/reader/seed-plain"
zstd -q -c "$T/s.fa" >"$C/reader/seed-one.zst"
zstd -q -c --check "$T/s.fq" >"$C/reader/seed-check.zst"
{ zstd -q -c "$T/s.fa"; zstd -q -c "$T/s.txt"; } >"$C/reader/seed-two.zst"
{ printf '\x50\x2a\x4d\x18\x04\x00\x00\x00skip'; zstd -q -c "$T/s.fq"; } >"$C/reader/seed-skippable.zst"
gzip -c "$T/s.fa" >"$C/reader/seed-one.gz"
{ gzip -c "$T/s.fa"; gzip -c "$T/s.txt"; } >"$C/reader/seed-two.gz"

# records: a control byte (format, batch limits, filler), two bytes of
# shift, then the text.
for f in fa fq txt; do
    for ctl in '\x00' '\x05' '\x2d' '\x0a' '\x17' '\x23'; do
        { printf "$ctl\x10\x01"; cat "$T/s.$f"; } >"$C/records/seed-$f-$(printf "$ctl" | od -An -tx1 | tr -d ' ')"
    done
done

# packed_index and score: packed files with several frames.
"$HALD" pack -q --frame-size 1K --in "$T/w.fa" -o "$C/packed_index/seed-fasta.zst"
"$HALD" pack -q --frame-size 200 --in "$T/s.txt" -o "$C/packed_index/seed-lines.zst"
"$HALD" pack -q --frame-size 100 --in "$T/s.fq" -o "$C/packed_index/seed-fastq.zst"
"$HALD" pack -q --genome --frame-size 20 --in "$T/s.fa" -o "$C/packed_index/seed-genome.zst"
cp "$C/packed_index/seed-fasta.zst" "$C/score/seed-packed.zst"
cp "$T/s.fa" "$C/score/seed.fa"
cp "$T/s.fq" "$C/score/seed.fq"
cp "$T/s.txt" "$C/score/seed.txt"
cp "$C/reader/seed-two.zst" "$C/score/seed-two.zst"
cp "$C/reader/seed-two.gz" "$C/score/seed-two.gz"

# sites: a first byte (even BED, odd GTF), then the file.
{ printf '\x00'; printf 'chr1\t10\t12\td1\t0\t+\nchr1\t10\t12\td2\t0\t+\n# c\nchr2\t5\t7\t.\t0\t-\r\n'; } >"$C/sites/seed-bed"
{ printf '\x01'; printf 'chr1\tx\texon\t1\t50\t.\t+\t.\ttranscript_id "t1";\nchr1\tx\texon\t100\t150\t.\t+\t.\ttranscript_id "t1";\nchr1\tx\texon\t300\t350\t.\t-\t.\tgene_id "g"; transcript_id "t2";\nchr1\tx\texon\t200\t250\t.\t-\t.\ttranscript_id "t2";\n'; } >"$C/sites/seed-gtf"

# view: score and scan outputs in the binary format.
"$HALD" -q --model both -O bin --in "$T/w.fa" -o "$C/view/seed-scores.bin"
"$HALD" -q -O bin --in "$T/s.fq" -o "$C/view/seed-mean.bin"
"$HALD" scan -q -O bin --in "$T/w.fa" -o "$C/view/seed-sites.bin"
ls "$C"/*/ | wc -l
