# The HTTP suite: TechEmpower plaintext with wrk, the server pinned to one core and wrk to the other.

HTTP_WORKLOADS=(keepalive-64 pipelined-64 pipelined-256)
PIPELINE_DEPTH=16 # TechEmpower's pipelining depth

# The headers TechEmpower's plaintext test sends.
WRK_HEADERS=(-H 'Host: 127.0.0.1'
  -H 'Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7'
  -H 'Connection: keep-alive')

# wrk_run <workload> <seconds>: one wrk run against $PORT, pinned to the load CPU, bounded; the
# connection count is the suffix of the workload name (keepalive-64: 64 connections).
wrk_run() {
  local workload=$1 seconds=$2 conns=${1##*-} script=()
  [[ $workload == pipelined-* ]] && script=(-s "$BENCH_DIR/pipeline.lua")
  local url=http://127.0.0.1:$PORT/plaintext
  timeout -k 5 $((seconds + 30)) taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$conns" -d"${seconds}s" --latency "${WRK_HEADERS[@]}" "${script[@]}" "$url" \
    ${script[*]:+-- $PIPELINE_DEPTH}
}

# Milliseconds from a wrk latency figure ("331.00us", "1.89ms", "2.01s").
wrk_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n
  }'
}

# wrk_requests_per_sec <wrk log>: its "Requests/sec", rounded.
wrk_requests_per_sec() {
  awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1"
}

# wrk_errors <wrk log>: socket errors (connect, read, write, timeout) and non-2xx answers, summed: a fast
# wrong server is no result.
wrk_errors() {
  awk '/Socket errors:/ {gsub(",", ""); s += $4 + $6 + $8 + $10} /Non-2xx/ {s += $NF} END {print s + 0}' "$1"
}

# wrk_figures <wrk log>: sets WRK_RPS, WRK_P50, WRK_P99 (ms) and WRK_ERRORS; fails when wrk counted no request.
wrk_figures() {
  WRK_RPS=$(wrk_requests_per_sec "$1")
  WRK_P50=$(wrk_ms "$(awk '$1 == "50%" {print $2}' "$1")")
  WRK_P99=$(wrk_ms "$(awk '$1 == "99%" {print $2}' "$1")")
  WRK_ERRORS=$(wrk_errors "$1")
  [[ -n $WRK_RPS && $WRK_RPS != 0 ]]
}

# start_http_server <workload> <round> <peer> <bound seconds> <log>: the peer's HTTP server on a fresh $PORT (see
# start_run_server: a server that never listens fails the run and the call).
start_http_server() {
  fresh_port
  # shellcheck disable=SC2086 # the command is words
  start_run_server "$1" "$2" "$3" "$4" "$5" ${HTTP_COMMAND[$3]} --port "$PORT"
}

run_http_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round
  start_http_server "$workload" "$round" "$peer" $((HTTP_WARMUP_SECONDS + HTTP_SECONDS + 90)) "$log.server.log" || return
  wrk_run "$workload" "$HTTP_WARMUP_SECONDS" > "$log.warmup.log" 2>&1
  local before after hwm
  before=$(cpu_ticks "$CHILD_PID")
  wrk_run "$workload" "$HTTP_SECONDS" > "$log.wrk.log" 2>&1
  after=$(cpu_ticks "$CHILD_PID" 2> /dev/null)
  hwm=$(status_kb "$CHILD_PID" VmHWM 2> /dev/null)
  stop_started "$WRAPPER_PID"
  if [[ -z $before || -z $after || -z $hwm ]]; then
    fail_run "$workload" "$peer" "$round" "the server exited during the run" "$log.server.log"
    return
  fi

  if ! wrk_figures "$log.wrk.log"; then
    fail_run "$workload" "$peer" "$round" "no requests" "$log.wrk.log"
    return
  fi
  local rps=$WRK_RPS p50=$WRK_P50 p99=$WRK_P99 errors=$WRK_ERRORS
  local cpu_pct
  cpu_pct=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v s="$HTTP_SECONDS" 'BEGIN {printf "%.0f", 100 * t / hz / s}')
  # Pipelined, wrk times a batch of 16 rather than a request and prints 0 for the p99 of fast servers: no
  # p99 is recorded, and the report shows it as not measured.
  local tail_latency="p99_ms=$p99" tail_shown="p99 ${p99} ms"
  [[ $workload == pipelined-* ]] && tail_latency= tail_shown="p99 not measured"
  record_result_line "$workload" "$peer" "$round" \
    "RESULT requests_per_sec=$rps p50_ms=$p50 $tail_latency cpu_pct=$cpu_pct peak_rss_kb=$hwm errors=$errors"
  progress_end "$rps req/s  p50 ${p50} ms  $tail_shown  cpu ${cpu_pct}%  hwm $((hwm / 1024)) MiB$( ((errors > 0)) && echo "  ERRORS $errors")"
}

run_http_suite() {
  begin_suite http
  say "== http: ${HTTP_WORKLOADS[*]} (server on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU, ${HTTP_WARMUP_SECONDS} s warm-up + ${HTTP_SECONDS} s measured)"
  interleave run_http_once "${HTTP_WORKLOADS[@]}" -- "${HTTP_PEERS[@]}"
}
