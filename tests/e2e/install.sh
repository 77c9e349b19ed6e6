# hald installed like samtools: cmake --install into a temporary prefix
# gives the program, libhald (static here, shared in a second build), the
# public headers only, hald.pc, a CMake package, the man page and the
# weights fetcher; docs/examples/score_window.c builds against it with
# pkg-config and with find_package(hald) and scores like hald does; the
# installed hald finds weights in $prefix/share/hald.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
P=$T/prefix
SRC=$HALD_SOURCE_DIR
# A sanitized libhald needs its runtime where programs are linked with it.
SAN=${HALD_SANITIZED:+-fsanitize=$HALD_SANITIZED}
cmake --install "$HALD_BINARY_DIR" --prefix "$P" >"$T/install.log" 2>&1 ||
    { fail "cmake --install: $(tail -3 "$T/install.log")"; finish; exit 1; }

for f in bin/hald lib/libhald.a include/hald/hald.h include/hald/score_run.h \
         lib/pkgconfig/hald.pc lib/cmake/hald/haldConfig.cmake lib/cmake/hald/haldTargets.cmake \
         share/man/man1/hald.1 share/hald/fetch-weights; do
    check "installs $f" test -e "$P/$f"
done
check "internal headers are not installed" \
    bash -c "! ls '$P/include/hald' | grep -Eq '^(opipe|transport|runner|unit|record_source|le)\.h$'"
check "every public header compiles on its own" bash -c "
    for h in '$P'/include/hald/*.h; do
        echo \"#include <hald/\$(basename \$h)>\" | cc -std=c11 -Wall -Werror -I'$P/include' -fsyntax-only -x c - || exit 1
    done"

# Windows from the reference vectors, and what they must score.
awk -F'\t' 'NR > 1 && NR <= 40 { print $2 }' "$VEC/windows.tsv" >"$T/seqs"
{ printf 'id\tmean\tregions\n'; awk -F'\t' 'NR > 1 && NR <= 40 { print NR - 1 "\t" $3 "\t" $5 }' "$VEC/windows.tsv"; } >"$T/want.tsv"
score_all() { # program -> id, mean, regions for every sequence
    printf 'id\tmean\tregions\n'
    local i=0
    while read -r s; do i=$((i + 1)); printf '%s\t%s\n' "$i" "$("$1" "$s")"; done <"$T/seqs"
}

# pkg-config, static: what docs/examples/score_window.c says to run.
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
# shellcheck disable=SC2046 # pkg-config prints a list of flags
cc $SAN -o "$T/sw_pc" "$SRC/docs/examples/score_window.c" $(pkg-config --cflags --libs --static hald) \
    2>"$T/cc.err" || fail "score_window with pkg-config: $(head -3 "$T/cc.err")"
check "pkg-config --static: score_window scores the vectors at 1e-9" \
    hald_tsvcmp "$T/want.tsv" <(score_all "$T/sw_pc") mean regions
check "hald.pc has the version" [ "$(pkg-config --modversion hald)" = "$("$P/bin/hald" --version | cut -d' ' -f2)" ]

# find_package(hald), as a CMake project would use it.
mkdir -p "$T/consumer"
cp "$SRC/docs/examples/score_window.c" "$T/consumer/"
cat >"$T/consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(hald 0.1 REQUIRED)
add_executable(sw score_window.c)
target_link_libraries(sw PRIVATE hald::hald)
CM
if cmake -S "$T/consumer" -B "$T/consumer/build" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_EXE_LINKER_FLAGS="$SAN" >"$T/cmake.log" 2>&1 &&
    cmake --build "$T/consumer/build" >>"$T/cmake.log" 2>&1; then
    check "find_package(hald): score_window scores the vectors at 1e-9" \
        hald_tsvcmp "$T/want.tsv" <(score_all "$T/consumer/build/sw") mean regions
else
    fail "find_package(hald) build: $(tail -5 "$T/cmake.log")"
fi

# The installed hald: version, weights from $prefix/share/hald, the man page.
mkdir -p "$T/elsewhere"
cp "$HALD_WEIGHTS" "$P/share/hald/HAL_mer_scores.npz"
check "installed hald finds the weights in \$prefix/share/hald" bash -c \
    "cd '$T/elsewhere' && env -u HALD_WEIGHTS '$P/bin/hald' weights | grep -q 'share/hald/HAL_mer_scores.npz'"
check "installed hald scores" bash -c \
    "cd '$T/elsewhere' && env -u HALD_WEIGHTS '$P/bin/hald' -q --model both '$SRC/tests/data/example.fa' | cmp - <('$HALD_BIN' -q --model both '$SRC/tests/data/example.fa')"
rm "$P/share/hald/HAL_mer_scores.npz"
check "the installed fetcher puts the weights where hald looks" bash -c \
    "HALD_WEIGHTS_URL='file://$HALD_WEIGHTS' HALD_WEIGHTS_URL_ONLY=1 '$P/share/hald/fetch-weights' 2>/dev/null &&
     cd '$T/elsewhere' && env -u HALD_WEIGHTS '$P/bin/hald' weights | grep -q 'published.yes'"
check "the man page is roff for hald(1)" grep -q '^\.TH HALD 1' "$P/share/man/man1/hald.1"
for cmd in score scan view pack weights; do
    for opt in $("$P/bin/hald" $cmd --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        grep -q -- "${opt//-/\\\\-}" "$P/share/man/man1/hald.1" || fail "man page lacks $cmd $opt"
    done
    check "man page has hald $cmd" grep -q "^\.SH \"HALD $cmd\"" "$P/share/man/man1/hald.1"
done

# A shared libhald: -DBUILD_SHARED_LIBS=ON, installed, linked by pkg-config.
cmake -S "$SRC" -B "$T/shared" -DBUILD_SHARED_LIBS=ON -DHALD_BUILD_TESTS=OFF \
    -DHALD_SHARED_DIR="$HALD_SHARED_DIR" >"$T/shared.log" 2>&1 &&
    cmake --build "$T/shared" -j"$(nproc)" >>"$T/shared.log" 2>&1 &&
    cmake --install "$T/shared" --prefix "$T/sprefix" >>"$T/shared.log" 2>&1 ||
    fail "shared build: $(tail -3 "$T/shared.log")"
check "installs libhald.so" test -e "$T/sprefix/lib/libhald.so"
# shellcheck disable=SC2046
PKG_CONFIG_PATH="$T/sprefix/lib/pkgconfig" cc -o "$T/sw_so" "$SRC/docs/examples/score_window.c" \
    $(PKG_CONFIG_PATH="$T/sprefix/lib/pkgconfig" pkg-config --cflags --libs hald) 2>"$T/cc2.err" ||
    fail "score_window against libhald.so: $(head -3 "$T/cc2.err")"
check "score_window links libhald.so" bash -c "LD_LIBRARY_PATH='$T/sprefix/lib' ldd '$T/sw_so' | grep -q 'libhald.so'"
check "against libhald.so: the same scores" bash -c \
    "diff <(LD_LIBRARY_PATH='$T/sprefix/lib' '$T/sw_so' '$(head -1 "$T/seqs")') <('$T/sw_pc' '$(head -1 "$T/seqs")')"
check "the shared build's hald scores like the static one" bash -c \
    "LD_LIBRARY_PATH='$T/sprefix/lib' '$T/sprefix/bin/hald' -q --model both '$SRC/tests/data/example.fa' | cmp - <('$HALD_BIN' -q --model both '$SRC/tests/data/example.fa')"
finish
