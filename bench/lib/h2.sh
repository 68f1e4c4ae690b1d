# The h2 suite (issue 23's bench): HTTP/2 servers pinned to one core with one worker, h2load (nghttp2-client) pinned to
# the other, 64 connections with 16 or 100 streams each (h2load -m):
#   h2c-64x16, h2c-64x100          plaintext, h2c with prior knowledge
#   h2-tls-64x16, h2-tls-64x100    TLS, h2 by ALPN, the tls suite's ECDSA certificate for every server
# Peers: kestrel (peers/kestrel --http2), nginx (Debian's, one worker, `http2 on` or on nginx before 1.25.1 the listen
# parameter `http2`), node (peers/node/http2.js, node:http2's stream API), uvnet (`uvnet hello`), and uvnet-http1: the
# same `uvnet hello` under wrk pipelining as deep as h2load's streams (bench/pipeline.lua), over TLS in the TLS
# workloads, the reference Uvnet's HTTP/2 must reach on the same core. Server CPU is the process tree's (nginx's master
# and worker); CPU per request is the figure a shared machine moves least.

H2_WORKLOADS=(h2c-64x16 h2c-64x100 h2-tls-64x16 h2-tls-64x100)

# The Accept field the http suite's wrk sends (TechEmpower's), sent by h2load too, so that HTTP/2 and the HTTP/1.1
# reference row parse the same request.
H2_ACCEPT='text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7'

# h2_streams <workload>: the streams per connection (h2c-64x16: 16).
h2_streams() {
  echo "${1##*x}"
}

# h2_scheme <workload>: https for the TLS workloads.
h2_scheme() {
  [[ $1 == h2-tls-* ]] && echo https || echo http
}

# h2_server_command <peer> <workload> <port>: the command line of one run's server.
h2_server_command() {
  local peer=$1 workload=$2 port=$3 cert=()
  [[ $(h2_scheme "$workload") == https ]] && cert=(--cert "$TLS_DIR/ecdsa.pem" --key "$TLS_DIR/ecdsa.key")
  case $peer in
    kestrel) echo "dotnet $BUILD_DIR/kestrel/Uvnet.Bench.KestrelPeer.dll --http2 ${cert[*]} --port $port" ;;
    nginx) echo "nginx -c $(nginx_conf "$port" "$([[ ${#cert[@]} -gt 0 ]] && echo ecdsa || echo plain)" h2)" ;;
    node) echo "node $BENCH_DIR/peers/node/http2.js ${cert[*]} --port $port" ;;
    uvnet | uvnet-http1) echo "dotnet $UVNET_SERVER_DLL hello --loops 1 --quiet --host 127.0.0.1 ${cert[*]} --port $port" ;;
  esac
}

# h2_url <workload>: what the load asks for.
h2_url() {
  echo "$(h2_scheme "$1")://127.0.0.1:$PORT/plaintext"
}

# h2_warm <workload> <log>: HTTP_WARMUP_SECONDS of load; for h2load, sets H2_RATE, the rate that sizes the measured run
# (h2load runs by request count: see lib/h2load.sh).
h2_warm() {
  local workload=$1 log=$2
  if [[ $H2_PEER == uvnet-http1 ]]; then
    h2_load "$workload" "$HTTP_WARMUP_SECONDS" "$log" > /dev/null
    return
  fi
  H2_RATE=$(h2load_warm "$HTTP_WARMUP_SECONDS" "$log" "$LOAD_CPU" "$(h2_streams "$workload")" "$(h2_url "$workload")" \
    -H "accept: $H2_ACCEPT")
}

# h2_load <workload> <seconds> <log>: one load run of about <seconds> against $PORT on the load CPU: h2load (sized by
# H2_RATE), or wrk pipelining for uvnet-http1 ($H2_PEER). Prints "count=N errors=E seconds=T" (T: the run's own
# duration) and, from h2load, header_bytes=B (response header bytes received).
h2_load() {
  local workload=$1 seconds=$2 log=$3 streams url
  streams=$(h2_streams "$workload")
  url=$(h2_url "$workload")
  if [[ $H2_PEER == uvnet-http1 ]]; then
    timeout -k 5 $((seconds + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${seconds}s" "${WRK_HEADERS[@]}" \
      -s "$BENCH_DIR/pipeline.lua" "$url" -- "$streams" > "$log" 2>&1
    echo "count=$(awk '/requests in/ {print $1}' "$log") errors=$(wrk_errors "$log") seconds=$seconds"
    return
  fi
  h2load_for "$seconds" "${H2_RATE:-0}" "$log" "$LOAD_CPU" "$streams" "$url" -H "accept: $H2_ACCEPT"
  # "requests: N total, N started, N done, N succeeded, F failed, E errored, T timeout"; "status codes: N 2xx, ..."
  # "traffic: ... total, X (B) headers (space savings S%), ...": what failed or was not a 2xx counts as an error.
  awk -v t="$(h2load_seconds "$log")" '/^requests:/ {gsub(",", ""); done = $8; bad = $10 + $12 + $14}
    /^status codes:/ {gsub(",", ""); bad += $5 + $7 + $9}
    /^traffic:/ {for (i = 1; i <= NF; i++) if ($(i + 1) == "headers") {h = $i; gsub(/[()]/, "", h)}}
    END {printf "count=%d errors=%d seconds=%s header_bytes=%d\n", done, bad, t, h}' "$log"
}

run_h2_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round
  fresh_port
  H2_PEER=$peer H2_RATE=
  # The warm-up's slices may end a slice late, and the measured run is bounded at three times its length.
  # shellcheck disable=SC2046 # the command is words
  start_run_server "$workload" "$round" "$peer" $((2 * HTTP_WARMUP_SECONDS + 3 * HTTP_SECONDS + 150)) "$log.server.log" \
    $(h2_server_command "$peer" "$workload" "$PORT") || return
  local server_wrapper=$WRAPPER_PID server=$CHILD_PID
  h2_warm "$workload" "$log.warmup.log"
  local before after hwm words started elapsed
  before=$(tree_cpu_ticks "$server")
  started=$(date +%s.%N)
  words=$(h2_load "$workload" "$HTTP_SECONDS" "$log.load.log")
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  after=$(tree_cpu_ticks "$server" 2> /dev/null)
  hwm=$(status_kb "$server" VmHWM 2> /dev/null)
  stop_started "$server_wrapper"
  local count errors header_bytes seconds
  count=$(word count "$words")
  errors=$(word errors "$words")
  header_bytes=$(word header_bytes "$words")
  seconds=$(word seconds "$words")
  measured_run_ok "$workload" "$round" "$peer" "$log" "$before" "$after" "$count" request || return
  local cpu_seconds rate us cpu_pct headers_each=
  cpu_seconds=$(ticks_to_seconds $((after - before)))
  rate=$(awk -v n="$count" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}')
  us=$(awk -v c="$cpu_seconds" -v n="$count" 'BEGIN {printf "%.2f", 1e6 * c / n}')
  cpu_pct=$(awk -v c="$cpu_seconds" -v s="$elapsed" 'BEGIN {printf "%.0f", 100 * c / s}')
  [[ -n $header_bytes ]] && headers_each=$(awk -v b="$header_bytes" -v n="$count" 'BEGIN {printf "%.1f", b / n}')
  record_result_line "$workload" "$peer" "$round" \
    "RESULT requests_per_sec=$rate cpu_us_per_req=$us cpu_pct=$cpu_pct peak_rss_kb=$hwm errors=$errors${headers_each:+ header_bytes_per_resp=$headers_each}"
  progress_end "$rate req/s  ${us} us CPU each  cpu ${cpu_pct}%${headers_each:+  headers ${headers_each} B}$( ((errors > 0)) && echo "  ERRORS $errors")"
}

run_h2_suite() {
  begin_suite h2
  make_tls_files
  say "== h2: ${H2_WORKLOADS[*]} (server on CPU $SERVER_CPU, h2load on CPU $LOAD_CPU, ${HTTP_WARMUP_SECONDS} s warm-up + ${HTTP_SECONDS} s measured)"
  interleave run_h2_once "${H2_WORKLOADS[@]}" -- "${H2_PEERS[@]}"
}
