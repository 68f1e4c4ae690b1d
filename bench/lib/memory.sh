# The memory suite: MEMORY_CONNS idle keep-alive connections held against each HTTP server;
# RSS per connection = (RSS with the connections - RSS idle) / connections.

MEMORY_WORKLOAD=idle-10k
MEMORY_HOLD_SECONDS=60 # memclient's own bound; the harness stops it as soon as RSS is read

# wait_for_line <file> <pattern> <seconds> <pid>: prints the first matching line.
wait_for_line() {
  local deadline=$((SECONDS + $3)) line
  while ((SECONDS < deadline)); do
    line=$(grep -m 1 -E "$2" "$1" 2>/dev/null) && { echo "$line"; return 0; }
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

run_memory_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round
  start_http_server "$workload" "$round" "$peer" $((MEMORY_HOLD_SECONDS + 90)) "$log.server.log" || return
  local server_wrapper=$WRAPPER_PID server=$CHILD_PID
  # Warm the request path first, so JIT and pools count as idle memory, not as the connections'.
  wrk_run keepalive-16 1 > "$log.warmup.log" 2>&1
  sleep 1
  local idle with ready
  idle=$(status_kb "$server" VmRSS 2> /dev/null)

  start_pinned "$LOAD_CPU" $((MEMORY_HOLD_SECONDS + 30)) "$log.client.log" \
    "$BUILD_DIR/memclient" --port "$PORT" --conns "$MEMORY_CONNS" --hold "$MEMORY_HOLD_SECONDS"
  local client_wrapper=$WRAPPER_PID
  ready=$(wait_for_line "$log.client.log" '^READY' "$MEMORY_HOLD_SECONDS" "$client_wrapper")
  sleep 1 # let the server finish what the last responses started
  with=$(status_kb "$server" VmRSS 2> /dev/null)
  stop_started "$client_wrapper"
  stop_started "$server_wrapper"
  record_idle_result "$workload" "$peer" "$round" "$idle" "$with" "$ready" "$log"
}

# record_idle_result <workload> <peer> <round> <rss idle> <rss with> <READY line> <log prefix>: records the RSS per
# held connection (the memory suite's and the tls suite's idle workloads), or the run's failure.
record_idle_result() {
  local workload=$1 peer=$2 round=$3 idle=$4 with=$5 ready=$6 log=$7 connected failed
  if [[ -z $idle || -z $with ]]; then
    fail_run "$workload" "$peer" "$round" "the server exited during the run" "$log.server.log"
    return
  fi
  connected=$(sed -n 's/.*connected=\([0-9]*\).*/\1/p' <<< "$ready")
  failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<< "$ready")
  if [[ -z $connected || $connected == 0 ]]; then
    fail_run "$workload" "$peer" "$round" "no connection held" "$log.client.log"
    return
  fi
  local per_conn
  per_conn=$(awk -v a="$with" -v b="$idle" -v n="$connected" 'BEGIN {printf "%.2f", (a - b) / n}')
  record_result_line "$workload" "$peer" "$round" \
    "RESULT kb_per_conn=$per_conn rss_idle_kb=$idle rss_conns_kb=$with connected=$connected failed=$failed"
  progress_end "$per_conn KiB/conn  (idle $((idle / 1024)) MiB, with $connected conns $((with / 1024)) MiB$( ((failed > 0)) && echo ", $failed FAILED"))"
}

run_memory_suite() {
  begin_suite memory
  say "== memory: $MEMORY_CONNS idle keep-alive connections per HTTP server"
  interleave run_memory_once "$MEMORY_WORKLOAD" -- "${HTTP_PEERS[@]}"
}
