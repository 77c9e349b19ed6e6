# hald serve: the daemon answers exactly what the file runs write, to many
# clients at once, keeps its limits, survives bad clients, reloads on
# SIGHUP, finishes its requests on SIGTERM, and keeps its socket private.
. "$(dirname "$0")/common.bash"
T=$E2E_TMP
H=$HALD_BIN
CLIENT="python3 $HALD_SOURCE_DIR/tests/tools/hald_serve_client.py"
export XDG_CONFIG_HOME="$T/xdg"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
vectors_as_fasta >"$T/w.fa"
"$H" score -q -m both "$T/w.fa" >"$T/both.tsv"
"$H" score -q "$T/w.fa" >"$T/mean.tsv"
"$H" score -q -m both --any-length "$T/w.fa" >"$T/any.tsv"
"$H" pairs -q --in "$VEC/pairs.tsv" >"$T/pairs.out"
SOCK="$T/hald.sock"
PID=

# start_server ARGS...: hald serve in the background, its log in
# $T/serve.log; waits until /health answers.
start_server() {
    env ${SERVE_ENV:-} "$H" serve "$@" 2>"$T/serve.log" &
    PID=$!
    for _ in $(seq 300); do # 30 s: sanitizers start slowly
        curl -sf --unix-socket "$SOCK" http://hald/health >/dev/null 2>&1 && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$T/serve.log"
    return 1
}
stop_server() {
    kill -TERM "$PID" 2>/dev/null
    wait "$PID"
}
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$E2E_TMP"' EXIT
wait_for() { for _ in $(seq 100); do [ -e "$1" ] && return; sleep 0.1; done; }
get() { curl -s --unix-socket "$SOCK" "http://hald$1"; }
# ask URL FILE [CURL OPTION...]: the answer; post URL FILE: the answer, then a line "HTTP STATUS"
ask() { curl -s --unix-socket "$SOCK" --data-binary @"$2" "${@:3}" "http://hald$1"; }
post() { ask "$1" "$2" -w 'HTTP %{http_code}\n'; }

printf 'weights = %s\n' "$HALD_WEIGHTS" >"$T/serve.conf"
# The weights from the config file alone (HALD_WEIGHTS would override it),
# so that SIGHUP can change them.
SERVE_ENV="-u HALD_WEIGHTS" check "the server starts" start_server --socket "$SOCK" --config "$T/serve.conf" -t 2
check "the socket is private (0600)" [ "$(stat -c %a "$SOCK")" = 600 ]
sha=$("$H" weights | awk '$1 == "sha256" { print $2 }')
check "/health gives the weights' sha256" bash -c "curl -s --unix-socket '$SOCK' http://hald/health | grep -q '\"weights_sha256\":\"$sha\"'"

# Answers: the bytes hald score and hald pairs write.
ask "/score?model=both" "$T/w.fa" >"$T/r.tsv"
check "POST /score?model=both is hald score -m both" cmp "$T/r.tsv" "$T/both.tsv"
ask "/score" "$T/w.fa" >"$T/r.tsv"
check "POST /score is hald score (the mean model by default)" cmp "$T/r.tsv" "$T/mean.tsv"
ask "/score?model=both&any_length=1" "$T/w.fa" >"$T/r.tsv"
check "any_length=1 is --any-length" cmp "$T/r.tsv" "$T/any.tsv"
gzip -c "$T/w.fa" >"$T/w.fa.gz"
zstd -q -c "$T/w.fa" >"$T/w.fa.zst"
for z in gz zst; do
    ask "/score?model=both" "$T/w.fa.$z" >"$T/r.tsv"
    check "a .$z body is read by its magic bytes" cmp "$T/r.tsv" "$T/both.tsv"
done
check "every reference window matches windows.tsv" hald_tsvcmp "$VEC/windows.tsv" "$T/r.tsv" mean regions
ask "/pairs" "$VEC/pairs.tsv" >"$T/r.tsv"
check "POST /pairs is hald pairs" cmp "$T/r.tsv" "$T/pairs.out"
check "16 clients at once, each answered exactly" \
    $CLIENT post "$SOCK" "/score?model=both" "$T/w.fa" --clients 16 --expect "$T/both.tsv"

# Errors: a status and a one-line message.
post "/score?model=median" "$T/w.fa" >"$T/e.out"
check "a bad parameter is 400 and named" grep -qz "model=median.*HTTP 400" "$T/e.out"
post "/score?colour=red" "$T/w.fa" >"$T/e.out"
check "an unknown parameter is 400 and named" grep -qz "unknown parameter 'colour'.*HTTP 400" "$T/e.out"
check "GET /score is 405" bash -c "curl -s -o /dev/null -w '%{http_code}' --unix-socket '$SOCK' http://hald/score | grep -qx 405"
check "an unknown path is 404" bash -c "curl -s -o /dev/null -w '%{http_code}' --unix-socket '$SOCK' http://hald/etc/passwd | grep -qx 404"
post /variants "$T/w.fa" >"$T/e.out"
check "/variants without --fasta is 404 with a message" grep -qz "without --fasta.*HTTP 404" "$T/e.out"
printf '>a\nACGT\001\002\n' >"$T/small-garbage"
post /score "$T/small-garbage" >"$T/e.out"
check "a small bad body (scored on the connection's thread) is 400" grep -qz "request body: line 2: binary data.*HTTP 400" "$T/e.out"
{ printf '\001'; head -c 299999 /dev/urandom; } >"$T/garbage" # binary from its first byte
post /score "$T/garbage" >"$T/e.out"
check "garbage bytes are 400, naming the line" grep -Eqz "request body: line 1: binary data.*HTTP 400" "$T/e.out"
python3 -c "import sys; sys.stdout.write('A' * 10_000_000 + '\n')" >"$T/long.txt"
post /score "$T/long.txt" >"$T/e.out"
check "a 10 MB line is 413 (--max-line 1M)" grep -qz "line 1 is longer than 1048576 bytes.*HTTP 413" "$T/e.out"

# Bad clients disturb nobody.
$CLIENT cut "$SOCK" /score "$T/w.fa" 7000
check "a client gone mid-body is logged" grep -q "POST /score: the client went away (7000 bytes in)" "$T/serve.log"
for _ in $(seq 300); do cat "$T/w.fa"; done >"$T/big.fa"
$CLIENT slow "$SOCK" /score "$T/big.fa" &
slow=$!
check "while a slow reader holds its answer, others are answered" \
    $CLIENT post "$SOCK" "/score?model=both" "$T/w.fa" --clients 4 --expect "$T/both.tsv"
wait $slow
check "after every bad client, answers are still exact" \
    $CLIENT post "$SOCK" "/score?model=both" "$T/w.fa" --clients 2 --expect "$T/both.tsv"
get /metrics >"$T/metrics"
check "/metrics counts the requests" grep -Eq '^hald_requests_total\{path="/score",code="200"\} (2[0-9]|[3-9][0-9])$' "$T/metrics"
check "/metrics counts the 413s" bash -c "grep -q '^hald_requests_total{path=\"/score\",code=\"413\"} 1\$' '$T/metrics' || { grep requests_total '$T/metrics'; grep -E ' 413 |went away' '$T/serve.log'; false; }"
check "/metrics has windows, bytes and in-flight" bash -c "grep -q '^hald_windows_scored_total [1-9]' '$T/metrics' && grep -q '^hald_bytes_in_total [1-9]' '$T/metrics' && grep -q '^hald_requests_in_flight 1$' '$T/metrics'"
check "one log line per request" grep -Eq '^\[M::serve\] POST /score 200 136 records [0-9]+ bytes in [0-9]+ bytes out [0-9.]+ ms$' "$T/serve.log"

# SIGHUP: good weights are taken, bad ones leave the old in place.
unzip -p "$HALD_WEIGHTS" >"$T/w.npy" 2>/dev/null || python3 -c "import zipfile,sys; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(zipfile.ZipFile(sys.argv[1]).namelist()[0]))" "$HALD_WEIGHTS" >"$T/w.npy"
npy_sha=$(sha256sum "$T/w.npy" | cut -c1-64)
printf 'weights = %s\n' "$T/w.npy" >"$T/serve.conf"
kill -HUP "$PID"
for _ in $(seq 50); do get /health | grep -q "$npy_sha" && break; sleep 0.1; done
check "SIGHUP loads the new weights (/health shows their sha256)" bash -c "curl -s --unix-socket '$SOCK' http://hald/health | grep -q '$npy_sha'"
check "and scores the same with them" $CLIENT post "$SOCK" "/score?model=both" "$T/w.fa" --expect "$T/both.tsv"
head -c 1000 "$T/w.npy" >"$T/bad.npy"
printf 'weights = %s\n' "$T/bad.npy" >"$T/serve.conf"
kill -HUP "$PID"
for _ in $(seq 50); do grep -q "reload:" "$T/serve.log" && break; sleep 0.1; done
check "bad weights on SIGHUP are logged and refused" grep -q "reload: .*bad.npy.*kept the old" "$T/serve.log"
check "the old weights stay" bash -c "curl -s --unix-socket '$SOCK' http://hald/health | grep -q '$npy_sha'"
printf 'treads = 2\n' >"$T/serve.conf"
kill -HUP "$PID"
for _ in $(seq 50); do grep -q "unknown key 'treads'" "$T/serve.log" && break; sleep 0.1; done
check "a bad config on SIGHUP is logged and refused" grep -q "serve.conf:1: unknown key 'treads'" "$T/serve.log"
check "and the server goes on" $CLIENT post "$SOCK" "/score?model=both" "$T/w.fa" --expect "$T/both.tsv"
printf 'weights = %s\n' "$HALD_WEIGHTS" >"$T/serve.conf"

# SIGTERM: the request in flight is finished, then the server exits 0.
$CLIENT hold "$SOCK" "/score?model=both" "$T/w.fa" 1.5 --expect "$T/both.tsv" --ready "$T/ready1" &
holder=$!
wait_for "$T/ready1"
kill -TERM "$PID"
wait $holder
check "a request in flight at SIGTERM is answered in full" [ $? -eq 0 ]
wait "$PID"
check "SIGTERM ends the server with 0" [ $? -eq 0 ]
check "the socket is removed" [ ! -e "$SOCK" ]

# Limits from options: body size, connections; the socket's group; TCP.
check "a server with limits starts" start_server --socket "$SOCK" --max-body 10K --max-connections 1 --socket-group
check "--socket-group makes the socket 0660" [ "$(stat -c %a "$SOCK")" = 660 ]
post /score "$T/w.fa" >"$T/e.out"
check "a body over --max-body is 413" grep -qz "more than 10240.*HTTP 413" "$T/e.out"
$CLIENT hold "$SOCK" /score "$T/mean.tsv" 1.5 --ready "$T/ready2" >/dev/null 2>&1 &
holder=$!
wait_for "$T/ready2"
check "past --max-connections a client gets 503" \
    bash -c "curl -s -o /dev/null -w '%{http_code}' --unix-socket '$SOCK' http://hald/health | grep -qx 503"
wait $holder
stop_server
: >"$T/taken"
expect_fail "a socket path that is another file is refused" "not a socket" "$H" serve --socket "$T/taken"
check "and the file is left alone" [ -f "$T/taken" ]
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$H" serve --listen "$port" 2>"$T/tcp.log" &
PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -s --data-binary @"$T/w.fa" "http://127.0.0.1:$port/score?model=both" >"$T/r.tsv"
check "TCP: --listen PORT answers on loopback" cmp "$T/r.tsv" "$T/both.tsv"
check "TCP: bound to 127.0.0.1 only" bash -c "ss -ltn 2>/dev/null | grep -q '127.0.0.1:$port' || ! command -v ss >/dev/null"
stop_server
expect_fail "serve without a socket or a port says how" "give --socket PATH or --listen" "$H" serve

# /variants against a genome held in memory: what hald variants writes.
G="$HALD_SHARED_DIR/data/hg38_chr22_32000000_32300000.fa"
python3 "$HALD_SOURCE_DIR/tests/tools/hald_randvcf.py" "$G" 400 11 --indels 0.2 >"$T/v.vcf"
bgzip -c "$T/v.vcf" >"$T/v.vcf.gz"
"$H" variants -q --fasta "$G" --vcf "$T/v.vcf" >"$T/v.tsv"
"$H" variants -q --fasta "$G" --vcf "$T/v.vcf" -O vcf >"$T/v.out.vcf"
"$H" variants -q --fasta "$G" --vcf "$T/v.vcf" -m mean --lenient >"$T/v.mean.tsv"
check "a server with a genome starts" start_server --socket "$SOCK" --fasta "$G"
check "the genome is held in memory" grep -q "1 sequences, 300000 bases held in memory" "$T/serve.log"
ask "/variants" "$T/v.vcf" >"$T/r.tsv"
check "POST /variants is hald variants (TSV)" cmp "$T/r.tsv" "$T/v.tsv"
ask "/variants?format=vcf" "$T/v.vcf.gz" >"$T/r.vcf"
check "a bgzip VCF body, format=vcf: hald variants -O vcf" cmp "$T/r.vcf" "$T/v.out.vcf"
ask "/variants?model=mean&lenient=1" "$T/v.vcf" >"$T/r.tsv"
check "model and lenient are taken" cmp "$T/r.tsv" "$T/v.mean.tsv"
ask "/variants?format=bcf" "$T/v.vcf" >"$T/r.bcf"
check "format=bcf is BCF bcftools reads, with the same HAL" \
    bash -c "diff <(bcftools query -f '%INFO/HAL\n' '$T/r.bcf') <(bcftools query -f '%INFO/HAL\n' '$T/v.out.vcf')"
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr9\t5\t.\tA\tC\t.\t.\t.\n' >"$T/chr9.vcf"
post /variants "$T/chr9.vcf" >"$T/e.out"
check "an unknown chromosome is 400, naming the record" grep -qz "record 1 (chr9:5).*no sequence chr9.*HTTP 400" "$T/e.out"
post "/variants?any_length=1" "$T/v.vcf" >"$T/e.out"
check "any_length on /variants is 400" grep -qz "any_length is for /score and /pairs.*HTTP 400" "$T/e.out"
post "/score?format=vcf" "$T/w.fa" >"$T/e.out"
check "format on /score is 400" grep -qz "format and lenient are for /variants.*HTTP 400" "$T/e.out"
check "htslib's warnings stay out of the log" bash -c "! grep -q 'vcf_parse' '$T/serve.log'"
stop_server

# Under MPI: rank 0 serves, every rank scores, the answers are the same bytes.
for _ in $(seq 40); do cat "$T/w.fa"; done >"$T/w40.fa"
"$H" score -q -m both "$T/w40.fa" >"$T/w40.tsv"
timeout -k 5 300 mpirun --oversubscribe --bind-to none -n 2 "$H" serve --socket "$SOCK" --fasta "$G" -t 1 \
    >"$T/mpirun.out" 2>"$T/serve.log" &
MPIRUN=$!
for _ in $(seq 600); do curl -sf --unix-socket "$SOCK" http://hald/health >/dev/null 2>&1 && break; sleep 0.1; done
check "mpirun -n 2 hald serve starts, rank 0 listening" grep -q "1 scoring thread(s) per rank, 2 rank(s)" "$T/serve.log" || cat "$T/serve.log" "$T/mpirun.out"
check "mpirun -n 2: 16 clients, the same bytes as hald score" \
    $CLIENT post "$SOCK" "/score?model=both" "$T/w40.fa" --clients 16 --expect "$T/w40.tsv"
ask "/pairs" "$VEC/pairs.tsv" >"$T/r.tsv"
check "mpirun -n 2: /pairs is hald pairs" cmp "$T/r.tsv" "$T/pairs.out"
ask "/variants?format=vcf" "$T/v.vcf" >"$T/r.vcf"
check "mpirun -n 2: /variants is hald variants" cmp "$T/r.vcf" "$T/v.out.vcf"
post /score "$T/garbage" >"$T/e.out"
check "mpirun -n 2: a bad body is 400" grep -qz "binary data.*HTTP 400" "$T/e.out"
check "mpirun -n 2: and the ranks go on to the next request" \
    $CLIENT post "$SOCK" "/score?model=both" "$T/w40.fa" --clients 2 --expect "$T/w40.tsv"
rank0=$(sed -n 's/.*pid \([0-9]*\)$/\1/p' "$T/serve.log")
kill -TERM "$rank0"
wait "$MPIRUN"
check "SIGTERM to rank 0 ends the MPI job with 0" [ $? -eq 0 ]
PID=

# The systemd unit is one systemd accepts (where systemd-analyze exists).
if command -v systemd-analyze >/dev/null; then
    sed -e "s|/usr/local/bin/hald|$H|" -e '/^Documentation=/d' -e '/^User=/d' -e '/^Group=/d' \
        "$HALD_SOURCE_DIR/conf/hald.service" >"$T/hald.service"
    check "conf/hald.service passes systemd-analyze verify" \
        bash -c "out=\$(systemd-analyze verify '$T/hald.service' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
fi
finish
