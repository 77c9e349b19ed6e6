#!/usr/bin/env bash
# weights/fetch end to end, offline: file:// URLs stand in for the network.
set -uo pipefail

src=${HALD_SOURCE_DIR:?HALD_SOURCE_DIR must be set}
shared=$(cd -- "${HALD_SHARED_DIR:?HALD_SHARED_DIR must be set}" && pwd)
fetch=$src/weights/fetch
real=$shared/weights/HAL_mer_scores.npz
want=961acd13238e19168b691d714d2f70c385fc87443cb493a9a9f54927a0e7e6af

if [[ ! -r $real ]]; then
  echo "FAIL: $real not found (the tests need the shared weights)"
  echo "0 passed, 1 failed"
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hald_fetch.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
pass=0
fail=0

check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok - $name"
    pass=$((pass + 1))
  else
    echo "FAIL - $name"
    fail=$((fail + 1))
  fi
}

sha_of() { sha256sum <"$1" | cut -d' ' -f1; }
is_empty_dir() { [[ -d $1 && -z $(ls -A -- "$1") ]]; }
# Runs fetch offline: only $1 is tried.  Output goes to $tmp/log.
run_fetch() {
  local url=$1
  shift
  HALD_WEIGHTS_URL=$url HALD_WEIGHTS_URL_ONLY=1 bash "$fetch" "$@" >"$tmp/log" 2>&1
}

# 1. A good source: the file arrives, verified, with no temp file left.
run_fetch "file://$real" --dest "$tmp/d1"
check "fetch from a good URL exits 0" test $? -eq 0
check "fetched file has the published sha256" \
  test "$( [[ -f $tmp/d1/HAL_mer_scores.npz ]] && sha_of "$tmp/d1/HAL_mer_scores.npz")" = "$want"
check "only the table is left in dest" test "$(ls -A -- "$tmp/d1")" = "HAL_mer_scores.npz"

# 2. A corrupted source: failure, and nothing left behind (not even the temp).
cp -- "$real" "$tmp/bad.npz"
chmod u+w -- "$tmp/bad.npz"
printf '\377' | dd of="$tmp/bad.npz" bs=1 seek=5000 conv=notrunc status=none
run_fetch "file://$tmp/bad.npz" --dest "$tmp/d2"
check "fetch from a corrupted source exits non-zero" test $? -ne 0
check "corrupted download is not kept" is_empty_dir "$tmp/d2"
check "the failure names the URL and the sha256 mismatch" \
  grep -q "file://$tmp/bad.npz failed: sha256 mismatch" "$tmp/log"

# 3. An unreachable source fails cleanly too.
run_fetch "file://$tmp/no_such_file.npz" --dest "$tmp/d3"
check "fetch from a missing source exits non-zero" test $? -ne 0
check "missing source leaves nothing behind" is_empty_dir "$tmp/d3"

# 4. --if-missing with a verified copy in dest: no download is attempted.
run_fetch "file://$tmp/no_such_file.npz" --dest "$tmp/d1" --if-missing
check "--if-missing with a good copy exits 0" test $? -eq 0
check "--if-missing reports where the copy is" grep -q "$tmp/d1/HAL_mer_scores.npz" "$tmp/log"

# Copies of the script in scratch trees, so the shared-copy lookup
# (<script dir>/../../shared/weights) does not depend on this checkout.
mkdir -p -- "$tmp/lone/main/weights" "$tmp/tree/main/weights" "$tmp/tree/shared/weights"
cp -- "$fetch" "$tmp/lone/main/weights/fetch"
cp -- "$fetch" "$tmp/tree/main/weights/fetch"
cp -- "$real" "$tmp/tree/shared/weights/HAL_mer_scores.npz"

# 5. --if-missing with a bad copy in dest and no shared copy: replaced.
mkdir -p -- "$tmp/d5"
cp -- "$tmp/bad.npz" "$tmp/d5/HAL_mer_scores.npz"
fetch=$tmp/lone/main/weights/fetch run_fetch "file://$real" --dest "$tmp/d5" --if-missing
check "--if-missing replaces a bad copy" test $? -eq 0
check "replaced copy has the published sha256" \
  test "$(sha_of "$tmp/d5/HAL_mer_scores.npz")" = "$want"

# 6. --if-missing with a good shared copy: dest is left alone.
mkdir -p -- "$tmp/d6"
fetch=$tmp/tree/main/weights/fetch run_fetch "file://$tmp/no_such_file.npz" --dest "$tmp/d6" \
  --if-missing
check "--if-missing accepts the shared copy" test $? -eq 0
check "--if-missing names the shared copy" grep -q "shared/weights/HAL_mer_scores.npz" "$tmp/log"
check "--if-missing copies nothing when the shared copy is good" is_empty_dir "$tmp/d6"

# 7. Default dest is the script's own directory.
fetch=$tmp/lone/main/weights/fetch run_fetch "file://$real"
check "default dest is the script directory" \
  test "$(sha_of "$tmp/lone/main/weights/HAL_mer_scores.npz")" = "$want"

# 8. Usage errors.
bash "$fetch" --bogus >"$tmp/log" 2>&1
check "unknown option exits 2" test $? -eq 2

echo "$pass passed, $fail failed"
((fail == 0))
