# Bad input and bad output places: a clear message naming the file (and
# record), a non-zero exit, and nothing complete-looking left behind.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
vectors_as_fasta >"$T/w.fa"
zstd -q -c "$T/w.fa" >"$T/w.fa.zst"
gzip -c "$T/w.fa" >"$T/w.fa.gz"
size=$(stat -c %s "$T/w.fa.zst")
head -c $((size / 2)) "$T/w.fa.zst" >"$T/cut.zst"
head -c $(($(stat -c %s "$T/w.fa.gz") - 9)) "$T/w.fa.gz" >"$T/cut.gz"
printf '\x28\xb5\x2f\xfd\x00garbage-after-the-magic' >"$T/garbage.zst"
printf '\x1f\x8b\x08\x00garbage' >"$T/garbage.gz"

no_output() { [ ! -e "$T/out.tsv" ] && [ -z "$(ls -A "$T" | grep -E '^\.out\.tsv\.hald-tmp')" ]; }

expect_fail "missing input names the file" "nonexistent\.fa" "$HALD_BIN" --in "$T/nonexistent.fa" --out "$T/out.tsv"
check "missing input leaves no output" no_output
expect_fail "truncated zstd is an error" "cut\.zst.*truncated" "$HALD_BIN" --in "$T/cut.zst" --out "$T/out.tsv"
check "truncated zstd leaves no output" no_output
expect_fail "truncated gzip is an error" "cut\.gz.*truncated" "$HALD_BIN" --in "$T/cut.gz" --out "$T/out.tsv"
check "truncated gzip leaves no output" no_output
expect_fail "corrupt zstd is an error" "garbage\.zst" "$HALD_BIN" --in "$T/garbage.zst" --out "$T/out.tsv"
expect_fail "corrupt gzip is an error" "garbage\.gz" "$HALD_BIN" --in "$T/garbage.gz" --out "$T/out.tsv"
check "corrupt input leaves no output" no_output

{ printf 'ACGT'; head -c 4096 /dev/urandom | tr -d '\n' | tr '\000' '\001'; } >"$T/random.bin"
expect_fail "random bytes are an error, not NA rows" "random\.bin: line 1: binary" "$HALD_BIN" --in "$T/random.bin" --out "$T/out.tsv"
check "random bytes leave no output" no_output

# A truncated stream to stdout: the exit status says so.
expect_fail "truncated zstd to stdout exits non-zero" "truncated" "$HALD_BIN" --in "$T/cut.zst"

# FASTQ with a bad record names it.
printf '@a\nACGT\n+\nIIII\n@b\nACGT\n+\nIII\n' >"$T/bad.fq"
expect_fail "FASTQ quality length names the record" "bad\.fq.*record 2.*\(b\)" "$HALD_BIN" --in "$T/bad.fq" --out "$T/out.tsv"
check "bad FASTQ leaves no output" no_output

# --strict: the first unscorable record is an error naming it.
expect_fail "--strict names the NA record" "w\.fa: record [0-9]+ \(withN[0-9]\).*regions" \
    "$HALD_BIN" --strict --model both --in "$T/w.fa" --out "$T/out.tsv"
check "--strict failure leaves no output" no_output
# Without --strict the NA reasons are counted on stderr.
"$HALD_BIN" --model both --in "$T/w.fa" --out "$T/out.tsv" 2>"$T/summary.err"
check "NA summary by reason" grep -Eq "regions: [0-9]+ unscorable.*unknown base" "$T/summary.err"
rm -f "$T/out.tsv"

# A bad record deep in a file is named by its true line, whatever the
# input form or threads (units are 1 MiB: this is the 14th or so).
hald_randwin -n 90000 -s 3 >"$T/deep.fa"
sed -i '150002s/^\(.....\)/\1\x01/' "$T/deep.fa"
zstd -q -c "$T/deep.fa" >"$T/deep.fa.zst"
gzip -1 -c "$T/deep.fa" >"$T/deep.fa.gz"
"$HALD_BIN" pack -q --frame-size 300K --in "$T/deep.fa" --out "$T/deep.packed.zst" 2>/dev/null
split -b 777777 "$T/deep.fa" "$T/piece."
for p in "$T"/piece.*; do zstd -q -c "$p"; done >"$T/deep.multi.zst"
rm -f "$T"/piece.*
for f in deep.fa deep.fa.zst deep.fa.gz deep.packed.zst deep.multi.zst; do
    for t in 1 2; do
        expect_fail "$f -t $t: a bad record deep in the file is named by its line" \
            "$f: line 150002: binary data" "$HALD_BIN" -t $t --in "$T/$f" --out "$T/out.tsv"
    done
done
check "a bad record leaves no output" no_output
# The first failure in input order is the one reported: a bad record
# before a truncation, at any thread count.
head -c 9000000 "$T/deep.fa.gz" >"$T/deep.cut.gz"
for t in 1 2 4; do
    expect_fail "-t $t: the earlier of two failures is reported" "line 150002: binary data" \
        "$HALD_BIN" -t $t --in "$T/deep.cut.gz" --out "$T/out.tsv"
done
# A damaged frame of a multi-frame zstd is named by its own offset.
hald_randwin -n 30000 -s 4 >"$T/mf.fa"
split -b 500000 "$T/mf.fa" "$T/piece."
: >"$T/mf.zst"
for p in "$T"/piece.*; do zstd -q -c "$p" >>"$T/mf.zst"; echo "$(stat -c %s "$T/mf.zst")"; done >"$T/mf.ends"
rm -f "$T"/piece.*
at=$(sed -n 3p "$T/mf.ends") # the 4th frame starts where the 3rd ends
printf 'garbage!garbage!garbage!' | dd of="$T/mf.zst" bs=1 seek=$((at + 200)) conv=notrunc 2>/dev/null
expect_fail "a damaged frame is named by its own offset" "mf\.zst: zstd frame at offset $at:" \
    "$HALD_BIN" -t 2 --in "$T/mf.zst" --out "$T/out.tsv"

# Junk after a zstd stream is named at its own offset, file or stdin.
zstd -q -c "$T/w.fa" >"$T/junk.zst"
end=$(stat -c %s "$T/junk.zst")
printf 'not zstd at all' >>"$T/junk.zst"
for t in 1 2; do
    expect_fail "-t $t: junk after a zstd stream is named at its offset" \
        "junk\.zst: zstd frame at offset $end:" "$HALD_BIN" -t $t --in "$T/junk.zst" --out "$T/out.tsv"
done
expect_fail "junk after a zstd stream on stdin is named at its offset" "\\(stdin\\): zstd frame at offset $end:" \
    sh -c "\"\$0\" --in - --out '$T/out.tsv' <'$T/junk.zst'" "$HALD_BIN"
# A packed file cut inside its index or seek table says which was cut.
"$HALD_BIN" pack -q --frame-size 200000 --in "$T/mf.fa" -o "$T/pk.zst"
size=$(stat -c %s "$T/pk.zst")
head -c $((size - 20)) "$T/pk.zst" >"$T/pkcut.zst"
expect_fail "a packed file cut in its seek table says so" "pkcut\.zst: the seek table at offset [0-9]+ is cut short" \
    "$HALD_BIN" --in "$T/pkcut.zst" --out "$T/out.tsv"
seek=$("$HALD_BIN" --in "$T/pkcut.zst" --out "$T/out.tsv" 2>&1 | sed -n 's/.*seek table at offset \([0-9]*\).*/\1/p')
head -c $((seek - 10)) "$T/pk.zst" >"$T/pkcut.zst" # the index ends where the seek table begins
expect_fail "a packed file cut in its index says so" "pkcut\.zst: the packed index at offset [0-9]+ is cut short" \
    "$HALD_BIN" -t 2 --in "$T/pkcut.zst" --out "$T/out.tsv"
# Output that is a descriptor already open is written in place, keeping
# what the shell writes around hald (a job log) and what it held before.
{ echo before; "$HALD_BIN" -q --in "$T/w.fa" -o /dev/stdout; echo after; } >"$T/job.log"
check "-o /dev/stdout into a log keeps the lines around it" \
    bash -c "[ \"\$(head -1 '$T/job.log')\" = before ] && [ \"\$(tail -1 '$T/job.log')\" = after ] && [ \$(wc -l <'$T/job.log') -eq \$((\$(grep -c '>' '$T/w.fa') + 3)) ]"
echo "old line" >"$T/append.log"
"$HALD_BIN" -q --in "$T/w.fa" -o /dev/fd/1 >>"$T/append.log"
check "-o /dev/fd/1 appended to a log keeps its old content" bash -c "head -1 '$T/append.log' | grep -qx 'old line'"
# The input as the output is refused before it is touched.
cp "$T/w.fa" "$T/self.fa"
expect_fail "--out naming the input is refused" "self\.fa: --out is the input file itself" \
    "$HALD_BIN" --in "$T/self.fa" --out "$T/self.fa"
check "the input survives" cmp "$T/w.fa" "$T/self.fa"
expect_fail "an empty --out is refused before the run" "empty output path" "$HALD_BIN" --in "$T/w.fa" -o ""
"$HALD_BIN" weights --weights /nonexistent 2>/dev/null
check "hald weights: a missing file exits 1, as its page says" [ $? -eq 1 ]
printf '\x28\xb5\x2f' >"$T/cut3.zst"
expect_fail "a zstd file cut after 3 bytes is a truncated stream" "cut3\.zst: truncated zstd" \
    "$HALD_BIN" --in "$T/cut3.zst" --out "$T/out.tsv"
check "... and leaves no output" no_output
# A 244-byte file name: its temporary must be a valid name too.
long=$(printf 'n%.0s' $(seq 240)).tsv
check "a 244-byte output name works" "$HALD_BIN" -q --in "$T/w.fa" --out "$T/$long"
rm -f "$T/$long"

# Limits, the same whatever the threads.
# Frames that each decode to 64 MiB (a repeat compresses > 256:1) score as
# the same bytes on stdin do.
seq160=$(printf 'ACGT%.0s' $(seq 40))
yes "$seq160" | head -416000 | zstd -q -3 -c >"$T/rep.zst"
cat "$T/rep.zst" "$T/rep.zst" "$T/rep.zst" "$T/rep.zst" "$T/rep.zst" >"$T/rep5.zst"
"$HALD_BIN" -q --in - --out "$T/rep.ref" <"$T/rep5.zst"
for t in 1 2; do
    check "-t $t: frames of 64 MiB each score" bash -c "'$HALD_BIN' -q -t $t --in '$T/rep5.zst' | cmp - '$T/rep.ref'"
done
rm -f "$T/rep.zst" "$T/rep5.zst" "$T/rep.ref"
# /dev/zero is binary data at once, at any thread count, for score and pack.
for t in 1 2; do
    expect_fail "-t $t: /dev/zero is binary data" "/dev/zero: binary data" \
        timeout 20 "$HALD_BIN" -t $t --in /dev/zero --out "$T/out.tsv"
done
expect_fail "pack: /dev/zero is binary data" "/dev/zero: binary data" \
    timeout 20 "$HALD_BIN" pack --in /dev/zero --out "$T/out.tsv"
check "... and leaves no output" no_output
# One record over 256 MiB: the same error at every thread count, and pack
# refuses what a run could not read back.
big_record() { printf '>huge\n'; head -c 270000000 /dev/zero | tr '\0' A; printf '\n>next\nACGT\n'; }
for t in 1 2; do
    expect_fail "-t $t: a record over 256 MiB is named" "record near record 1 spans more than 256 MiB" \
        bash -c "big_record() { $(declare -f big_record | tail -n +2); }; big_record | '$HALD_BIN' -t $t -o '$T/out.tsv'"
done
expect_fail "pack refuses a record it could not read back" "more than 256 MiB .* without a record start" \
    bash -c "big_record() { $(declare -f big_record | tail -n +2); }; big_record | '$HALD_BIN' pack -o '$T/out.tsv'"
check "... and leaves no output" no_output
# A control byte in a FASTA description or a FASTQ '+' line is binary
# data wherever the record falls, at any thread count.
{ hald_randwin -n 7000 -s 9; printf '>bad desc\001ription\n%s\n' "$seq160"; } >"$T/ctl.fa"
{ printf '@a\n%s\n+x\002\n%s\n' "$seq160" "$(printf 'I%.0s' $(seq 160))"; } >"$T/ctl.fq"
for f in ctl.fa ctl.fq; do
    for t in 1 2; do
        expect_fail "$f -t $t: a control byte in a header line is binary data" "$f: line [0-9]+: binary data" \
            "$HALD_BIN" -t $t --in "$T/$f" --out "$T/out.tsv"
    done
done
# A BED or GTF without newlines is refused after 1 MiB, not 1 GiB.
head -c 3000000 /dev/zero | tr '\0' x >"$T/nolines.bed"
expect_fail "--sites without newlines is refused" "nolines\.bed: line 1: longer than 1 MiB" \
    "$HALD_BIN" scan --sites "$T/nolines.bed" --in "$VEC/scan.fa" --out "$T/out.tsv"

# Bad weights.
printf 'not a table' >"$T/bad.npz"
expect_fail "bad weights name the file" "bad\.npz" "$HALD_BIN" --weights "$T/bad.npz" --in "$T/w.fa" --out "$T/out.tsv"
# No weights anywhere on the search path: the message says how to get them.
mkdir -p "$T/iso/bin" && cp "$HALD_BIN" "$T/iso/bin/hald"
expect_fail "missing weights say how to get them" "--weights.*fetch|fetch.*--weights" env -u HALD_WEIGHTS \
    bash -c "cd '$T/iso' && ./bin/hald --in '$T/w.fa' --out '$T/out.tsv'"
check "bad weights leave no output" no_output

# Usage errors exit 1 with a message.
expect_fail "unknown model" "--model" "$HALD_BIN" --model median --in "$T/w.fa"
expect_fail "unknown CPU path" "--cpu" "$HALD_BIN" --cpu sse9 --in "$T/w.fa"
expect_fail "bad thread count" "--threads" "$HALD_BIN" --threads 0 --in "$T/w.fa"
"$HALD_BIN" --model median --in "$T/w.fa" 2>/dev/null; check "usage error exit code is 1" [ $? -eq 1 ]
"$HALD_BIN" --in "$T/w.fa" --out /nonexistent-dir/x.tsv 2>/dev/null; check "unwritable output exit code is 2" [ $? -eq 2 ]

# Special files are written in place, never replaced.
check "writes to /dev/null" "$HALD_BIN" -q --in "$T/w.fa" --out /dev/null
check "/dev/null is still a device" test -c /dev/null
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from_fifo.tsv" &
check "writes into a FIFO" "$HALD_BIN" -q --in "$T/w.fa" --out "$T/fifo"
wait
check "FIFO reader got every row" [ "$(wc -l <"$T/from_fifo.tsv")" -eq "$(grep -c '>' "$T/w.fa")" -o "$(wc -l <"$T/from_fifo.tsv")" -eq $(($(grep -c '>' "$T/w.fa") + 1)) ]
check "FIFO is still a FIFO" test -p "$T/fifo"
# An existing output is replaced only by a complete one.
echo "previous" >"$T/keep.tsv"
"$HALD_BIN" -q --in "$T/cut.zst" --out "$T/keep.tsv" 2>/dev/null
check "failed run keeps the previous output" grep -qx previous "$T/keep.tsv"
check "no temporary left behind" bash -c "! ls -A '$T' | grep -q hald-tmp"
# Binary output refuses a terminal only; help and version work.
check "--help exits 0" "$HALD_BIN" --help
check "--version prints the version" bash -c "'$HALD_BIN' --version | grep -q '^hald '"
check "--version -v prints the sha256" bash -c "'$HALD_BIN' --version -v | grep -q 961acd13238e19168b691d714d2f70c385fc87443cb493a9a9f54927a0e7e6af"
finish
