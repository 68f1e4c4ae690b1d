# The load suite (issue 24): load generators, pinned to one core, against the libuv canned-response server
# (http_ceiling) on the other: `uvnet load` beside `wrk -t1`, GET /plaintext on 64 keep-alive connections, one request
# at a time or pipelined 16 deep. bench/peers/load-client.sh runs either; the client suite's harness runs them.

LOAD_WORKLOADS=(load-keepalive-64 load-pipelined-64)

run_load_suite() {
  begin_suite load
  say "== load: ${LOAD_WORKLOADS[*]} (libuv canned server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU)"
  interleave run_client_once "${LOAD_WORKLOADS[@]}" -- "${LOAD_PEERS[@]}"
}
