#!/usr/bin/env bash
# The TLS soak: `uvnet serve --tls-dev` (one loop, pinned to the server CPU) through 10,000 handshake/close cycles
# from a client on the load CPU, most of them clean (handshake, one request, close_notify), the rest the peers a
# server meets: a close without close_notify, a reset, a ClientHello cut in half, garbage instead of one. The
# server's open descriptors, loop handles and live OpenSSL connection objects (the `ssl=` of its stats line) are
# sampled idle before and after: they must come back exactly (ssl to 0), every clean cycle must have been answered,
# and the server must still serve. Writes bench/results/tls-soak-<date>.md; exit 1 when a bound is broken.
#   bench/tls-soak.sh [--cycles N]
# Every process is bounded in time, talks only to 127.0.0.1, and is stopped by PID. See bench/README.md.
set -uo pipefail

source "$(dirname "$0")/lib/common.sh"
source "$BENCH_DIR/lib/proc.sh"
source "$BENCH_DIR/lib/setup.sh"
source "$BENCH_DIR/lib/soak.sh"

usage() {
  say "usage: bench/tls-soak.sh [--cycles N]"
  exit 2
}

COMMAND="bench/tls-soak.sh${*:+ $*}"
CYCLES=10000
# Cycles before the first sample: the first handshakes tier up the runtime's code and open the files it loads once,
# and RSS climbs to where the GC's budget and malloc's arenas settle (about 3,000 cycles: from there it stayed flat,
# within 0.3 MiB, through 24,000 more). The soak looks for what each connection leaves behind, not for that.
WARMUP_CYCLES=3000
while (($# > 0)); do
  [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage
  case $1 in
    --cycles) CYCLES=$2 ;;
    *) usage ;;
  esac
  shift 2
done

trap 'stop_all_started' EXIT
trap 'say "interrupted"; exit 130' INT TERM

for tool in dotnet python3 taskset timeout; do
  command -v "$tool" > /dev/null || die "$tool is missing"
done
SOAK_DIR=$RAW_DIR/tls-soak
mkdir -p "$SOAK_DIR" "$RAW_DIR/logs"
say "building src/Server (Release) into ${BUILD_DIR#"$ROOT_DIR"/}/uvnet-server"
build_dotnet "$ROOT_DIR/src/Server/Uvnet.Server.csproj" "$BUILD_DIR/uvnet-server"
UVNET_SERVER_DLL=$(app_dll "$BUILD_DIR/uvnet-server")
make_soak_tree

# The client: one cycle at a time (each a new TCP connection), its kind by the cycle's number; prints one JSON line
# of counts. Clean cycles check the response and that the certificate is the one the server printed.
CLIENT=$SOAK_DIR/cycles.py
cat > "$CLIENT" << 'EOF'
import hashlib, json, socket, ssl, struct, sys

port, cycles, fingerprint = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].replace(":", "").lower()
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE  # self-signed: checked against the printed fingerprint instead
counts = {"clean": 0, "answered": 0, "abrupt": 0, "reset": 0, "half_hello": 0, "garbage": 0, "errors": 0, "wrong_certificate": 0}
# A TLS record header announcing a 512-byte ClientHello, and 100 of its bytes.
half_hello = bytes([22, 3, 1, 2, 0, 1, 0, 1, 252, 3, 3]) + bytes(94)

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

for i in range(cycles):
    kind = i % 20
    try:
        if kind == 17:  # a ClientHello cut in half, then a close: the server's ECONNRESET before secure
            with connect() as s:
                s.sendall(half_hello)
            counts["half_hello"] += 1
            continue
        if kind == 19:  # plain HTTP on the TLS port
            with connect() as s:
                s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                s.recv(4096)
            counts["garbage"] += 1
            continue
        raw = connect()
        tls = context.wrap_socket(raw, server_hostname="localhost")
        if hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest() != fingerprint:
            counts["wrong_certificate"] += 1
        # (wrap_socket took raw's descriptor over: tls is the socket now. Its close sends no close_notify.)
        if kind == 16:  # TCP close right after the handshake, no close_notify
            tls.close()
            counts["abrupt"] += 1
            continue
        if kind == 18:  # reset after the handshake
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            tls.close()
            counts["reset"] += 1
            continue
        tls.sendall(b"GET /small.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        response = b""
        while True:
            try:
                chunk = tls.recv(65536)
            except ssl.SSLZeroReturnError:
                break
            if not chunk:
                break
            response += chunk
        if response.startswith(b"HTTP/1.1 200 ") and response.endswith(b"s" * 1024):
            counts["answered"] += 1
        try:
            tls.unwrap()  # our close_notify (the server's came with its close)
        except (ssl.SSLError, OSError):
            pass
        tls.close()
        counts["clean"] += 1
    except (OSError, ssl.SSLError) as e:
        counts["errors"] += 1
        if counts["errors"] <= 5:
            print(f"cycle {i}: {e!r}", file=sys.stderr)
print(json.dumps(counts))
EOF

LOG=$SOAK_DIR/serve.log
say "starting uvnet serve --tls-dev on CPU $SERVER_CPU"
start_pinned "$SERVER_CPU" 1800 "$LOG" dotnet "$UVNET_SERVER_DLL" serve "$SOAK_TREE" --tls-dev --loops 1 --quiet --stats 1 --host 127.0.0.1 --port 0 ||
  die "the server did not start (${LOG#"$ROOT_DIR"/})"
SERVER_WRAPPER=$WRAPPER_PID SERVER_PID=$CHILD_PID
PORT=
deadline=$((SECONDS + 30))
while [[ -z $PORT ]] && ((SECONDS < deadline)) && kill -0 "$SERVER_PID" 2> /dev/null; do
  PORT=$(grep -om1 'https://127\.0\.0\.1:[0-9]*' "$LOG" | sed 's/.*://')
  [[ -n $PORT ]] || sleep 0.1
done
[[ -n $PORT ]] || die "no https URL in the server's output (${LOG#"$ROOT_DIR"/})"
FINGERPRINT=$(grep -om1 'SHA-256 fingerprint [0-9A-F:]*' "$LOG" | awk '{print $3}')
[[ -n $FINGERPRINT ]] || die "no certificate fingerprint in the server's output"

# run_cycles <count> <json out>: the client on the load CPU, bounded.
run_cycles() {
  timeout -k 5 900 taskset -c "$LOAD_CPU" python3 "$CLIENT" "$PORT" "$1" "$FINGERPRINT" > "$2" 2> "$2.err"
}

# idle_sample <label>: waits for an idle stats line (no connection open) and samples (soak.sh's sample_idle); SSL_LIVE
# from the same line (sample_idle took the first idle line after the log's length when called).
idle_sample() {
  local from line
  from=$(wc -l < "$LOG")
  sample_idle "$LOG" "$SERVER_PID" || die "no idle stats line after the $1 cycles (${LOG#"$ROOT_DIR"/})"
  line=$(stats_line "$LOG" "$from" idle)
  SSL_LIVE=$(stats_field "$line" ssl)
  [[ -n $SSL_LIVE ]] || die "the stats line has no ssl= field: is the server built from this tree? ($line)"
}

say "warm-up: $WARMUP_CYCLES cycles"
run_cycles "$WARMUP_CYCLES" "$SOAK_DIR/warmup.json" || die "the warm-up client failed: $(cat "$SOAK_DIR/warmup.json.err")"
idle_sample warm-up
BEFORE=("$RSS_KB" "$FDS" "$DLL_FDS" "$HANDLES" "$SSL_LIVE")

say "soak: $CYCLES cycles"
soak_start=$SECONDS
run_cycles "$CYCLES" "$SOAK_DIR/cycles.json" || die "the client failed: $(cat "$SOAK_DIR/cycles.json.err")"
soak_seconds=$((SECONDS - soak_start))
kill -0 "$SERVER_PID" 2> /dev/null || die "the server died during the soak (${LOG#"$ROOT_DIR"/})"
idle_sample soak
AFTER=("$RSS_KB" "$FDS" "$DLL_FDS" "$HANDLES" "$SSL_LIVE")

say "after: one more clean cycle"
run_cycles 1 "$SOAK_DIR/after.json" || die "the client failed after the soak"

count() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

FAILURES=0
ROWS=()
# verdict <what> <before> <after> <ok: 1 or 0> <bound text>
verdict() {
  local result=pass
  if (($4 != 1)); then
    result=FAIL
    FAILURES=$((FAILURES + 1))
  fi
  ROWS+=("| $1 | $2 | $3 | $5 | $result |")
}
verdict "descriptors (assembly files apart)" "${BEFORE[1]}" "${AFTER[1]}" $((BEFORE[1] == AFTER[1])) "= before"
verdict "loop handles" "${BEFORE[3]}" "${AFTER[3]}" $((BEFORE[3] == AFTER[3])) "= before"
verdict "live SSL objects" "${BEFORE[4]}" "${AFTER[4]}" $((BEFORE[4] == 0 && AFTER[4] == 0)) "0"
rss_bound=$((BEFORE[0] + (BEFORE[0] * SOAK_RSS_MARGIN_PERCENT / 100 > SOAK_RSS_MARGIN_KB ? BEFORE[0] * SOAK_RSS_MARGIN_PERCENT / 100 : SOAK_RSS_MARGIN_KB)))
verdict "RSS" "$(mib "${BEFORE[0]}")" "$(mib "${AFTER[0]}")" $((AFTER[0] <= rss_bound)) "≤ $(mib "$rss_bound")"
clean=$(count "$SOAK_DIR/cycles.json" clean)
answered=$(count "$SOAK_DIR/cycles.json" answered)
errors=$(count "$SOAK_DIR/cycles.json" errors)
wrong=$(count "$SOAK_DIR/cycles.json" wrong_certificate)
verdict "clean cycles answered" "" "$answered of $clean" $((answered == clean && errors == 0 && wrong == 0)) "all, no client error"
verdict "served after the soak" "" "$(count "$SOAK_DIR/after.json" answered) of 1" $(($(count "$SOAK_DIR/after.json" answered) == 1)) "1"

report=$RESULTS_DIR/tls-soak-$(date -u +%Y-%m-%d).md
{
  echo "# TLS soak: $CYCLES handshake/close cycles against \`uvnet serve --tls-dev\`"
  echo
  echo "\`$COMMAND\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $soak_seconds s for the cycles; server on CPU $SERVER_CPU (one loop),"
  echo "client (Python's ssl, one connection at a time) on CPU $LOAD_CPU. Samples are taken idle (a stats line showing no"
  echo "connection open) after $WARMUP_CYCLES warm-up cycles and after the soak."
  echo
  echo "Cycles: $(python3 -c 'import json,sys; print(", ".join(f"{k} {v}" for k, v in json.load(open(sys.argv[1])).items()))' "$SOAK_DIR/cycles.json")."
  echo "Clean: handshake, GET /small.html (1 KiB) with \`Connection: close\`, close_notify both ways. Abrupt: TCP close"
  echo "after the handshake. Reset: RST after the handshake. Half hello: 100 bytes of a ClientHello, then a close."
  echo "Garbage: a plain HTTP request."
  echo
  echo "| what | before | after | bound | verdict |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
} > "$report"
stop_started "$SERVER_WRAPPER"
if ((FAILURES > 0)); then
  say "tls soak FAILED ($FAILURES bound(s) broken): ${report#"$ROOT_DIR"/}, logs in ${SOAK_DIR#"$ROOT_DIR"/}"
  exit 1
fi
say "tls soak passed in $((SECONDS - START_SECONDS)) s: ${report#"$ROOT_DIR"/}"
