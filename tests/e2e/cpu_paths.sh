# The scalar and AVX2 paths give the same bytes of output on >= 100,000
# random windows with N, lowercase, U and IUPAC codes, in every output form.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
if ! grep -qw avx2 /proc/cpuinfo; then echo "no AVX2 on this CPU: 0 passed, 0 failed, 1 skipped"; exit 0; fi
hald_randwin -n 120000 -l 160 -s 7 --messy --vary >"$T/r.fa"
for args in "--model both" "--model both --out-format bin" "--any-length --model both" "--any-length --out-format bin"; do
    "$HALD_BIN" -q --cpu scalar $args --in "$T/r.fa" --out "$T/scalar.out"
    "$HALD_BIN" -q --cpu avx2 $args --in "$T/r.fa" --out "$T/avx2.out"
    check "scalar == avx2 ($args)" cmp "$T/scalar.out" "$T/avx2.out"
done
check "output has every record" bash -c "[ \$(wc -l <'$T/scalar.out') -gt 0 ] && [ \$(\"$HALD_BIN\" -q --in '$T/r.fa' | wc -l) -eq 120001 ]"
finish
