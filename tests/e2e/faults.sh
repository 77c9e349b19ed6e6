# The fault matrix: every subcommand against each way its input, its
# weights or its output can fail.  Each case checks the exit code (1 bad
# input, 2 cannot read or write: docs/guarantees.md), a message naming the
# cause, and that no file is left, final or temporary.  Signals mid-run
# are in signals.sh, a killed MPI rank in parallel.sh.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
D=$T/out # every output goes here; a failing case must leave it empty
mkdir -p "$D"

# fault "what" CODE PATTERN -- command...
fault() {
    local what=$1 code=$2 pattern=$3
    shift 4
    "$@" >"$T/f.out" 2>"$T/f.err"
    local rc=$? left
    left=$(ls -A "$D")
    if [ "$rc" -ne "$code" ]; then
        fail "$what (exit $rc, want $code)"; sed 's/^/     /' "$T/f.err" | tail -3
    elif ! grep -Eq -- "$pattern" "$T/f.err"; then
        fail "$what (stderr does not match /$pattern/)"; sed 's/^/     /' "$T/f.err" | tail -3
    elif [ -n "$left" ]; then
        fail "$what (left: $left)"
    else
        pass "$what"
    fi
    find "$D" -mindepth 1 -delete
}

# Inputs, and each of them damaged.
hald_randwin -n 4000 -s 11 >"$T/w.fa"
hald_randwin -n 50 -l 5000 -s 12 >"$T/long.fa" # for scan: sites enough to fill a disk
"$H" -q -O bin --in "$T/w.fa" -o "$T/w.bin"
: >"$T/empty"
mkdir "$T/adir"
gzip -c "$T/w.fa" | tail -c +200 >"$T/garbage" # deflate data without its header
zstd -q -c "$T/w.fa" >"$T/w.zst"
gzip -c "$T/w.fa" >"$T/w.gz"
head -c $(($(stat -c %s "$T/w.zst") / 2)) "$T/w.zst" >"$T/cut.zst"
head -c $(($(stat -c %s "$T/w.gz") / 2)) "$T/w.gz" >"$T/cut.gz"
damage() { # a copy of $1 with 16 bytes overwritten at $3 (default: the middle)
    cp "$1" "$2"
    printf 'DAMAGED!DAMAGED!' | dd of="$2" bs=1 seek="${3:-$(($(stat -c %s "$1") / 2))}" conv=notrunc 2>/dev/null
}
damage "$T/w.zst" "$T/bad.zst"
damage "$T/w.gz" "$T/bad.gz"
head -c $(($(stat -c %s "$T/w.bin") - 100)) "$T/w.bin" >"$T/cut.bin"
# The first block's head, after the 64-byte file header (the values carry
# no checksum: docs/guarantees.md).
damage "$T/w.bin" "$T/bad.bin" 64

for cmd in score scan pack; do
    run=("$H" "$cmd")
    [ $cmd = score ] && run=("$H")
    fault "$cmd: a missing input" 2 "nofile\.fa: No such file" -- "${run[@]}" --in "$T/nofile.fa" -o "$D/out"
    fault "$cmd: a directory as input" 2 "adir: read: Is a directory" -- "${run[@]}" --in "$T/adir" -o "$D/out"
    fault "$cmd: binary garbage" 1 "garbage: .*(binary data|expected '>')" -- "${run[@]}" --in "$T/garbage" -o "$D/out"
    fault "$cmd: a truncated zstd file" 1 "cut\.zst: .*truncated" -- "${run[@]}" --in "$T/cut.zst" -o "$D/out"
    fault "$cmd: a corrupt zstd file" 1 "bad\.zst: .*zstd" -- "${run[@]}" --in "$T/bad.zst" -o "$D/out"
    fault "$cmd: a truncated gzip file" 1 "cut\.gz: .*truncated" -- "${run[@]}" --in "$T/cut.gz" -o "$D/out"
    fault "$cmd: a corrupt gzip file" 1 "bad\.gz: .*gzip" -- "${run[@]}" --in "$T/bad.gz" -o "$D/out"
    # An empty input is an empty result (an empty shard of a pipeline), said.
    "${run[@]}" --in "$T/empty" -o "$D/out" 2>"$T/f.err"
    check "$cmd: an empty input exits 0" [ $? -eq 0 ]
    check "$cmd: an empty input is said" grep -Eq "\[W::$cmd\] .*empty: no (records|sequences)" "$T/f.err"
    check "$cmd: an empty input gives a complete output" test -s "$D/out"
    find "$D" -mindepth 1 -delete
done
fault "view: a missing input" 2 "nofile\.bin: No such file" -- "$H" view --in "$T/nofile.bin" -o "$D/out"
fault "view: an empty input" 1 "empty: empty, not a hald binary file" -- "$H" view --in "$T/empty" -o "$D/out"
fault "view: not a binary file" 1 "w\.fa: .*not a hald binary file" -- "$H" view --in "$T/w.fa" -o "$D/out"
fault "view: a truncated binary file" 1 "cut\.bin: .*(truncated|cut short|offset)" -- "$H" view --in "$T/cut.bin" -o "$D/out"
fault "view: a damaged binary file" 1 "bad\.bin: .*offset [0-9]+" -- "$H" view --in "$T/bad.bin" -o "$D/out"

# Weights: missing, truncated zip, wrong shape, a NaN (score and scan).
head -c 3000 "$HALD_WEIGHTS" >"$T/cut.npz"
npy_header() { # shape -> a v1 .npy header for little-endian doubles
    local h="{'descr': '<f8', 'fortran_order': False, 'shape': $1, }"
    while [ $(((10 + ${#h} + 1) % 64)) -ne 0 ]; do h="$h "; done
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $(((${#h} + 1) % 256)))\\x$(printf %02x $(((${#h} + 1) / 256)))"
    printf '%s\n' "$h"
}
{ npy_header '(4096, 4)'; head -c $((4096 * 4 * 8)) /dev/zero; } >"$T/shape.npy"
{ npy_header '(4096, 8)'; head -c $((4096 * 8 * 8 - 8)) /dev/zero; printf '\x00\x00\x00\x00\x00\x00\xf8\x7f'; } >"$T/nan.npy"
for cmd in score scan; do
    run=("$H" "$cmd")
    [ $cmd = score ] && run=("$H")
    fault "$cmd: missing weights" 2 "nofile\.npz: cannot open" -- "${run[@]}" --weights "$T/nofile.npz" --in "$T/w.fa" -o "$D/out"
    fault "$cmd: a truncated weights zip" 1 "cut\.npz: zip" -- "${run[@]}" --weights "$T/cut.npz" --in "$T/w.fa" -o "$D/out"
    fault "$cmd: weights of the wrong shape" 1 "shape\.npy: .*shape" -- "${run[@]}" --weights "$T/shape.npy" --in "$T/w.fa" -o "$D/out"
    fault "$cmd: weights with a NaN" 1 "nan\.npy: .*(NaN|finite)" -- "${run[@]}" --weights "$T/nan.npy" --in "$T/w.fa" -o "$D/out"
done

# Outputs that cannot be written.
for cmd in score scan pack view; do
    run=("$H" "$cmd")
    [ $cmd = score ] && run=("$H")
    in=$T/w.fa
    [ $cmd = view ] && in=$T/w.bin
    fault "$cmd: an output directory that does not exist" 2 "nodir/out: .*No such file" -- \
        "${run[@]}" --in "$in" -o "$D/nodir/out"
    fault "$cmd: a full device" 2 "/dev/full: .*No space left" -- "${run[@]}" --in "$in" -o /dev/full
done
# A directory it may not write: as an unprivileged user when run as root.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    else
        echo "skip: an unwritable directory (root without setpriv or a nobody user)"
    fi
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    chmod 755 "$T" && chmod 644 "$T/w.fa" "$T/w.bin" && chmod 555 "$D"
    for cmd in score scan pack view; do
        run=("$H" "$cmd")
        [ $cmd = score ] && run=("$H")
        in=$T/w.fa
        [ $cmd = view ] && in=$T/w.bin
        fault "$cmd: an output directory it may not write" 2 "out/out: .*Permission denied" -- \
            "${as_user[@]}" env HALD_WEIGHTS="$HALD_WEIGHTS" "${run[@]}" --in "$in" -o "$D/out"
    done
    # ... and an input it may not read.
    chmod 600 "$T/w.fa" && chmod 777 "$D"
    [ "$(id -u)" -ne 0 ] && chmod 000 "$T/w.fa"
    fault "score: an input it may not read" 2 "w\.fa: .*Permission denied" -- \
        "${as_user[@]}" env HALD_WEIGHTS="$HALD_WEIGHTS" "$H" --in "$T/w.fa" -o "$D/out"
    chmod 755 "$D" && chmod 644 "$T/w.fa"
fi
# A full disk: a small tmpfs (every output here is larger), where this
# test may mount one.
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small" 2>/dev/null; then
    for cmd in score scan pack view; do
        run=("$H" "$cmd")
        [ $cmd = score ] && run=("$H")
        in=$T/w.fa
        [ $cmd = view ] && in=$T/w.bin
        [ $cmd = scan ] && in=$T/long.fa
        "${run[@]}" --in "$in" -o "$T/small/out" 2>"$T/f.err"
        rc=$?
        check "$cmd: a full disk exits 2" [ $rc -eq 2 ]
        check "$cmd: a full disk is named" grep -q "No space left on device" "$T/f.err"
        check "$cmd: a full disk leaves nothing" [ -z "$(ls -A "$T/small")" ]
        find "$T/small" -mindepth 1 -delete
    done
    umount "$T/small"
else
    echo "skip: a full disk (cannot mount a tmpfs here)"
fi
finish
