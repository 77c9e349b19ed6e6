# The command line as users of samtools or zstd expect it: the command
# list, unknown commands, --help and --version everywhere, stdin for every
# reading command, progress on a terminal and in a log, usage errors.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
COMMANDS="score scan view pack pairs variants weights serve config merge"
vectors_as_fasta >"$T/w.fa"

# The command list: hald --help (exit 0), and hald alone on a terminal.
"$H" --help >"$T/help.out" 2>&1
check "hald --help exits 0" [ $? -eq 0 ]
for c in $COMMANDS; do
    check "hald --help lists $c" grep -Eq "^  $c +[a-z]" "$T/help.out"
done
script -qec "$H" /dev/null </dev/null >"$T/tty.out" 2>&1
rc=$?
check "hald alone on a terminal lists the commands and exits 1" \
    bash -c "[ $rc -eq 1 ] && grep -q 'score' '$T/tty.out' && grep -q 'Commands:' '$T/tty.out'"
expect_fail "an unknown command says so" "unknown command 'frobnicate'" "$H" frobnicate
"$H" frobnicate 2>/dev/null
check "an unknown command exits 1" [ $? -eq 1 ]
expect_fail "a file given as a command is pointed to hald score" "hald score FILE" "$H" "$T/w.fa"

for c in $COMMANDS; do
    "$H" $c --help >"$T/h.out" 2>&1
    check "hald $c --help exits 0" [ $? -eq 0 ]
    check "hald $c --help starts with its usage" grep -q "^Usage: hald $c " "$T/h.out"
    check "hald $c --help lists --help and --version" bash -c "grep -q -- '--help' '$T/h.out' && grep -q -- '--version' '$T/h.out'"
    check "hald $c --version" bash -c "'$H' $c --version | grep -Eq '^hald [0-9]+\.[0-9]+\.[0-9]+$'"
    expect_fail "hald $c: an unknown option names it" "unknown option --no-such-option" "$H" $c --no-such-option
done
check "hald --version" bash -c "'$H' --version | grep -Eq '^hald [0-9]'"
expect_fail "a bad value names the option and what it takes" "--model: invalid value 'median' \(expected mean, regions or both\)" \
    "$H" score --model median "$T/w.fa"
expect_fail "a missing value is named" "--out.*value is missing" "$H" score "$T/w.fa" --out
expect_fail "one input per run" "unexpected argument" "$H" score "$T/w.fa" "$T/w.fa"

# Threads: OMP_NUM_THREADS is the default, capped like --threads.
check "OMP_NUM_THREADS sets the threads" bash -c "OMP_NUM_THREADS=3 '$H' -vv --in '$T/w.fa' -o /dev/null 2>&1 | grep -q ' 3 thread(s)'"
check "OMP_NUM_THREADS=20000 is capped at 4096" bash -c "OMP_NUM_THREADS=20000 '$H' -vv --in '$T/w.fa' -o /dev/null 2>&1 | grep -q ' 4096 thread(s)'"

# Every reading command reads stdin: '-', or a pipe with no input named.
"$H" -q --model both --in "$T/w.fa" --out "$T/ref.tsv"
check "score: a pipe" cmp "$T/ref.tsv" <(cat "$T/w.fa" | "$H" score -q --model both)
check "score: -" cmp "$T/ref.tsv" <("$H" score -q --model both - <"$T/w.fa")
"$H" scan -q --in "$VEC/scan.fa" --out "$T/scan.tsv"
check "scan: a pipe" cmp "$T/scan.tsv" <(cat "$VEC/scan.fa" | "$H" scan -q)
check "scan: - (compressed)" cmp "$T/scan.tsv" <(zstd -q -c "$VEC/scan.fa" | "$H" scan -q -)
"$H" scan -q -O bin --in "$VEC/scan.fa" --out "$T/scan.bin"
check "view: a pipe" cmp "$T/scan.tsv" <(cat "$T/scan.bin" | "$H" view -q)
check "view: a compressed binary" cmp "$T/scan.tsv" <(zstd -q -c "$T/scan.bin" | "$H" view -q -)
check "pack: a pipe" bash -c "cat '$T/w.fa' | '$H' pack -q --out '$T/p.zst' && zstd -dc '$T/p.zst' | cmp - '$T/w.fa'"
script -qec "'$H' scan -q -o '$T/tty-in.tsv' '$VEC/scan.fa'" /dev/null >/dev/null 2>&1
check "a file operand is read even when stdin is a terminal" cmp "$T/scan.tsv" "$T/tty-in.tsv"
script -qec "'$H' scan" /dev/null >"$T/noin.out" 2>&1
rc=$?
check "no input on a terminal is a usage error" bash -c "[ $rc -eq 1 ] && grep -q 'no input' '$T/noin.out'"

# Progress: a percentage and the time left for a file; a plain line every
# --progress-interval seconds when stderr is not a terminal.
hald_randgenome -b 2000000 -c 2 -s 3 >"$T/g.fa"
"$H" scan -t 1 --progress --in "$T/g.fa" --out /dev/null 2>"$T/p1.err"
check "progress: the last line says 100% of a file" grep -Eq '^\[M::scan\] [0-9]+ sites, [0-9.]+ MB/s, [0-9.]+ s, 100%$' "$T/p1.err"
{ head -c 300000 "$T/g.fa"; sleep 2.5; tail -c +300001 "$T/g.fa"; } |
    "$H" scan -t 1 --progress --progress-interval 1 -o /dev/null 2>"$T/p2.err"
check "progress: a plain line a second from a slow pipe" \
    bash -c "[ \$(grep -c '^\[M::scan\] .* sites, ' '$T/p2.err') -ge 3 ] && ! grep -q \$'\r' '$T/p2.err'"
"$H" -q --progress --in "$T/w.fa" --out /dev/null 2>"$T/p3.err"
check "progress: -q silences it" [ ! -s "$T/p3.err" ]
script -qec "'$H' scan -t 1 --in '$T/g.fa' --out /dev/null" /dev/null >"$T/p4.out" 2>&1
check "progress: on a terminal by default, rewritten in place" grep -q $'\r\[M::scan\]' "$T/p4.out"
for c in pack view; do
    case $c in
        pack) args=(pack --in "$T/g.fa" --out "$T/g.zst") ;;
        view) args=(view --in "$T/scan.bin" --out /dev/null) ;;
    esac
    "$H" "${args[@]}" --progress 2>"$T/p5.err" >/dev/null
    check "progress: hald $c reports too" grep -Eq "^\[M::$c\] [0-9]+ (records|rows), .*100%$" "$T/p5.err"
done
finish
