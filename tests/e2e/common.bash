# Shared helpers for the end-to-end tests, sourced by tests/e2e/*.sh.
set -u
: "${HALD_BIN:?run through ctest, or set HALD_BIN to the hald binary}"
: "${HALD_SHARED_DIR:?set HALD_SHARED_DIR to the shared/ directory}"
export HALD_WEIGHTS="${HALD_WEIGHTS:-$HALD_SHARED_DIR/weights/HAL_mer_scores.npz}"
VEC="$HALD_SHARED_DIR/vectors"

E2E_PASSED=0
E2E_FAILED=0
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/hald-e2e.XXXXXX")
trap 'rm -rf "$E2E_TMP"' EXIT

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok   $*"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "FAIL $*"; }

# check "what" command...: passes when the command exits 0.
check() {
    local what=$1; shift
    if "$@" >"$E2E_TMP/check.out" 2>&1; then pass "$what"; else fail "$what"; sed 's/^/     /' "$E2E_TMP/check.out" | tail -20; fi
}

# expect_fail "what" PATTERN command...: passes when the command exits
# non-zero and its stderr matches PATTERN (an extended regex).
expect_fail() {
    local what=$1 pattern=$2; shift 2
    if "$@" >"$E2E_TMP/ef.out" 2>"$E2E_TMP/ef.err"; then
        fail "$what (exit 0)"
    elif ! grep -Eq -- "$pattern" "$E2E_TMP/ef.err"; then
        fail "$what (stderr does not match /$pattern/)"; sed 's/^/     /' "$E2E_TMP/ef.err" | tail -5
    else
        pass "$what"
    fi
}

# windows.tsv as FASTA / lines / FASTQ, and the expected table.
vectors_as_fasta() { awk -F'\t' 'NR > 1 { print ">" $1 " from windows.tsv"; print $2 }' "$VEC/windows.tsv"; }
vectors_as_lines() { awk -F'\t' 'NR > 1 { print $2 }' "$VEC/windows.tsv"; }
vectors_as_fastq() {
    awk -F'\t' 'NR > 1 { q = $2; gsub(/./, "I", q); print "@" $1; print $2; print "+"; print q }' "$VEC/windows.tsv"
}

# PATH.fai as `samtools faidx` writes it (NAME LENGTH OFFSET LINEBASES
# LINEWIDTH): samtools itself when there is one, else the same from python.
write_fai() {
    if command -v samtools >/dev/null; then
        samtools faidx "$1" --fai-idx "$2"
        return
    fi
    python3 - "$1" "$2" <<'EOF'
import sys
rows, cur, pos = [], None, 0
with open(sys.argv[1], 'rb') as f:
    for line in f:
        if line.startswith(b'>'):
            cur = [line[1:].split()[0].decode(), 0, pos + len(line), 0, 0]
            rows.append(cur)
        elif cur is not None:
            bases = len(line.rstrip(b'\r\n'))
            if cur[1] == 0:
                cur[3], cur[4] = bases, len(line)
            cur[1] += bases
        pos += len(line)
with open(sys.argv[2], 'w') as out:
    for r in rows:
        if r[1] > 0:  # htslib leaves empty sequences out
            out.write('%s\t%d\t%d\t%d\t%d\n' % tuple(r))
EOF
}

finish() {
    echo "$E2E_PASSED passed, $E2E_FAILED failed"
    [ "$E2E_FAILED" -eq 0 ]
}
