#!/usr/bin/env bash
# Writes tests/golden/sha256sums.txt from a given hald binary:
#
#   PATH=$BUILD/tests:$PATH tests/golden/make.sh HALD SHARED_DIR
#
# Run once, with the binary of commit ca22f66, to fix what "unchanged
# output" means; tests/e2e/golden.sh checks later binaries against it.
set -euo pipefail
hald=$(realpath "$1")
shared=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/golden/cases.bash
. "$here/cases.bash"
export HALD_WEIGHTS=${HALD_WEIGHTS:-$shared/weights/HAL_mer_scores.npz}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
golden_inputs "$d" "$shared"
cd "$d"
for c in "${GOLDEN_CASES[@]}"; do
    name=${c%%|*}
    read -r -a args <<<"${c#*|}"
    "$hald" "${args[0]}" -q "${args[@]:1}" --out "$d/out"
    printf '%s  %s\n' "$(sha256sum <"$d/out" | cut -d' ' -f1)" "$name"
done >"$here/sha256sums.txt"
echo "wrote $here/sha256sums.txt ($(wc -l <"$here/sha256sums.txt") cases)"
