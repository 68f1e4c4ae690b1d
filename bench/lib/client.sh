# The client suite: HTTP clients, pinned to one core, against the libuv canned-response server (http_ceiling) on
# the other: GET /plaintext on 64 keep-alive connections, one request at a time or pipelined 16 deep.

CLIENT_WORKLOADS=(client-keepalive-64 client-pipelined-64)

# run_client_once <workload> <round> <peer>: the server pinned to $SERVER_CPU, the client to $LOAD_CPU (the load
# suite's too: <suite>-<keepalive|pipelined>-<connections>).
run_client_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round mode=${1#*-}
  fresh_port
  start_run_server "$workload" "$round" "$peer" $((HTTP_WARMUP_SECONDS + HTTP_SECONDS + 90)) "$log.server.log" \
    "$BUILD_DIR/http-ceiling" --port "$PORT" || return
  local line
  line=$(UNDICI_PATH=$UNDICI_PATH timeout -k 5 $((HTTP_WARMUP_SECONDS + HTTP_SECONDS + 60)) taskset -c "$LOAD_CPU" \
    ${CLIENT_COMMAND[$peer]} "${mode%-*}" --port "$PORT" --conns "${workload##*-}" \
    --seconds "$HTTP_SECONDS" --warmup "$HTTP_WARMUP_SECONDS" 2> "$log.client.log" | tail -n 1)
  stop_started "$WRAPPER_PID"
  case $line in
    UNSUPPORTED)
      mark_unsupported "$workload" "$peer" "$round"
      progress_end "unsupported"
      ;;
    RESULT*)
      record_result_line "$workload" "$peer" "$round" "$line"
      progress_end "${line#RESULT }"
      ;;
    *) fail_run "$workload" "$peer" "$round" "no RESULT line" "$log.client.log" ;;
  esac
}

run_client_suite() {
  begin_suite client
  say "== client: ${CLIENT_WORKLOADS[*]} (libuv canned server on CPU $SERVER_CPU, client on CPU $LOAD_CPU)"
  interleave run_client_once "${CLIENT_WORKLOADS[@]}" -- "${CLIENT_PEERS[@]}"
}
