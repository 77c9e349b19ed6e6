# The config file: conf/hald.conf is every key as shipped, each layer
# (user file, --config, HALD_* variables, command line) overrides the one
# before with the behaviour to show for it, and a bad file is an error
# that names the file, the line and the key.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
vectors_as_fasta >"$T/w.fa"
export XDG_CONFIG_HOME="$T/xdg"
mkdir -p "$XDG_CONFIG_HOME/hald"
unset HALD_THREADS HALD_MODEL HALD_OUT_FORMAT

# The shipped file is the table's template, and changes nothing.
"$H" config-template >"$T/template.conf"
check "conf/hald.conf is what the option table makes (hald config-template)" \
    cmp -s "$T/template.conf" "$HALD_SOURCE_DIR/conf/hald.conf"
"$H" score "$T/w.fa" >"$T/plain.tsv"
"$H" score --config "$HALD_SOURCE_DIR/conf/hald.conf" "$T/w.fa" >"$T/shipped.tsv"
check "the shipped file (all commented) changes nothing" cmp -s "$T/plain.tsv" "$T/shipped.tsv"
# Every shipped default, uncommented, is a valid config line for every command.
sed -n 's/^#\([a-z-]* = .*\)$/\1/p' "$HALD_SOURCE_DIR/conf/hald.conf" >"$T/all.conf"
check "the template has keys" [ "$(wc -l <"$T/all.conf")" -ge 15 ]
for c in score scan view pack pairs variants weights; do
    check "every shipped default is accepted for $c" "$H" config --config "$T/all.conf" $c
done

# Layers: the user's file, then --config, then HALD_*, then the command line.
head -1 "$T/plain.tsv" >"$T/h.mean"
printf 'model = regions\n' >"$XDG_CONFIG_HOME/hald/hald.conf"
"$H" score "$T/w.fa" >"$T/user.tsv"
check "the user's file sets the model" grep -q '^id.regions' "$T/user.tsv"
check "its origin is shown with file and line" \
    bash -c "'$H' config score | grep -Eq '^model = regions +# $XDG_CONFIG_HOME/hald/hald.conf:1\$'"
printf '# mine\nmodel = both\n[scan]\nmodel = mean\n' >"$T/mine.conf"
"$H" score --config "$T/mine.conf" "$T/w.fa" >"$T/both.tsv"
check "--config overrides the user's file" grep -q 'mean.*regions' <(head -1 "$T/both.tsv")
check "a [scan] line is for scan alone" \
    bash -c "'$H' config --config '$T/mine.conf' scan | grep -Eq '^model = mean +# $T/mine.conf:4\$'"
HALD_MODEL=mean "$H" score --config "$T/mine.conf" "$T/w.fa" >"$T/env.tsv"
check "HALD_MODEL overrides --config" cmp -s "$T/env.tsv" "$T/plain.tsv"
check "HALD_MODEL is named as the origin" \
    bash -c "HALD_MODEL=mean '$H' config score | grep -Eq '^model = mean +# HALD_MODEL\$'"
HALD_MODEL=regions "$H" score --config "$T/mine.conf" -m mean "$T/w.fa" >"$T/line.tsv"
check "the command line overrides everything" cmp -s "$T/line.tsv" "$T/plain.tsv"
check "threads from a file reach the run" \
    bash -c "printf 'threads = 2\n' >'$T/t.conf'; '$H' -vv --config '$T/t.conf' --in '$T/w.fa' -o /dev/null 2>&1 | grep -q ' 2 thread(s)'"
rm "$XDG_CONFIG_HOME/hald/hald.conf"

# Errors name the file, the line and the key.
printf 'threads = 2\n\ntreads = 4\n' >"$T/bad.conf"
expect_fail "an unknown key" "$T/bad.conf:3: unknown key 'treads'" "$H" score --config "$T/bad.conf" "$T/w.fa"
printf 'model = median\n' >"$T/bad.conf"
expect_fail "a bad value" "$T/bad.conf:1: key 'model': invalid value 'median'" "$H" score --config "$T/bad.conf" "$T/w.fa"
printf '[scan]\nstrand = +\n[score]\nstrand = +\n' >"$T/bad.conf"
expect_fail "a key the section's command does not take" "$T/bad.conf:4: hald score takes no key 'strand'" \
    "$H" scan --config "$T/bad.conf" "$T/w.fa"
printf '[frobnicate]\nthreads = 1\n' >"$T/bad.conf"
expect_fail "an unknown section" "$T/bad.conf:2: unknown section \[frobnicate\]" "$H" score --config "$T/bad.conf" "$T/w.fa"
printf 'level = 99\n' >"$T/bad.conf"
expect_fail "a bad value of another command's key is still an error" "$T/bad.conf:1: key 'level'" \
    "$H" score --config "$T/bad.conf" "$T/w.fa"
expect_fail "a bad HALD_ variable names itself" "HALD_THREADS: invalid value 'many'" \
    env HALD_THREADS=many "$H" score "$T/w.fa"
expect_fail "a missing --config file" "$T/none.conf: cannot read the config file" "$H" score --config "$T/none.conf" "$T/w.fa"
printf 'model = median\n' >"$XDG_CONFIG_HOME/hald/hald.conf"
expect_fail "a bad user file stops every command" "hald.conf:1: key 'model'" "$H" score "$T/w.fa"
rm "$XDG_CONFIG_HOME/hald/hald.conf"
expect_fail "hald config of an unknown command" "unknown command 'nope'" "$H" config nope
finish
