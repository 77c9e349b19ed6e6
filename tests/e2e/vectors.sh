# The real binary against the reference vectors: every input format and
# compression, stdin, TSV and binary output, every column at 1e-9.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
vectors_as_fasta >"$T/w.fa"
vectors_as_lines >"$T/w.txt"
vectors_as_fastq >"$T/w.fq"
# CRLF and wrapped FASTA too.
awk -F'\t' 'NR > 1 { printf(">%s\r\n", $1); s = $2; while (length(s) > 0) { printf("%s\r\n", substr(s, 1, 60)); s = substr(s, 61) } }' \
    "$VEC/windows.tsv" >"$T/w_wrapped_crlf.fa"
for f in w.fa w.txt w.fq w_wrapped_crlf.fa; do
    gzip -c "$T/$f" >"$T/$f.gz"
    zstd -q -c "$T/$f" >"$T/$f.zst"
done

compare() { # name expected-columns actual-file
    local name=$1 out=$2; shift 2
    check "$name" hald_tsvcmp "$VEC/windows.tsv" "$out" "$@"
}

for f in w.fa w.txt w.fq w_wrapped_crlf.fa; do
    for comp in "" .gz .zst; do
        in="$T/$f$comp"
        "$HALD_BIN" -q --in "$in" --model both --out "$T/out.tsv" &&
            compare "$f$comp tsv both" "$T/out.tsv" mean regions ||
            fail "$f$comp: hald exited non-zero"
        "$HALD_BIN" -q --in "$in" --any-length --out "$T/any.tsv" &&
            compare "$f$comp tsv --any-length" "$T/any.tsv" mean_any_length=mean ||
            fail "$f$comp --any-length: hald exited non-zero"
        "$HALD_BIN" -q --in "$in" --model both --out-format bin --out "$T/out.bin" &&
            "$HALD_BIN" view "$T/out.bin" >"$T/view.tsv" &&
            compare "$f$comp bin both (via view)" "$T/view.tsv" mean regions ||
            fail "$f$comp bin: hald exited non-zero"
    done
done

# stdin, compressed stdin and stdout.
"$HALD_BIN" -q --model both <"$T/w.fa.zst" >"$T/stdin.tsv" && compare "zstd stdin to stdout" "$T/stdin.tsv" mean regions
cat "$T/w.fq.gz" | "$HALD_BIN" -q --in - --model regions >"$T/stdin2.tsv" && compare "gzip pipe" "$T/stdin2.tsv" regions
# Multi-frame zstd and multi-member gzip: split at an arbitrary byte.
head -c 7777 "$T/w.fa" | zstd -q -c >"$T/multi.zst"; tail -c +7778 "$T/w.fa" | zstd -q -c >>"$T/multi.zst"
head -c 5555 "$T/w.fa" | gzip -c >"$T/multi.gz"; tail -c +5556 "$T/w.fa" | gzip -c >>"$T/multi.gz"
for f in multi.zst multi.gz; do
    "$HALD_BIN" -q --in "$T/$f" --model both --out "$T/m.tsv" && compare "$f split mid-record" "$T/m.tsv" mean regions
done
# The ids are the FASTA names, and lines ids are line numbers.
check "FASTA ids kept, in order" bash -c "diff <(cut -f1 '$VEC/windows.tsv' | tail -n +2) <(cut -f1 '$T/out.tsv' | tail -n +2)"
"$HALD_BIN" -q --in "$T/w.txt" >"$T/lines.tsv"
check "lines ids are line numbers" bash -c "sed -n '2p;\$p' '$T/lines.tsv' | cut -f1 | paste -sd' ' | grep -qx '1 $(vectors_as_lines | wc -l)'"
# The end block of the binary file counts the records.
check "bin end block record count" bash -c "[ \$(tail -c 16 '$T/out.bin' | od -An -t u8 -N 8 | tr -d ' ') = $(vectors_as_lines | wc -l) ]"
finish
