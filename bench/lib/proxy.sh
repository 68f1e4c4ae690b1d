# The proxy suite (issue 20): reverse proxies, each pinned to one core with one worker, forwarding wrk's requests to
# the libuv canned-response server; wrk and that upstream share the other core. "direct" is wrk against the upstream
# alone, the reference every proxy is a fraction of. Each proxy keeps its upstream connections alive. The body1k and
# body100k workloads are keep-alive with the upstream's body 1 KiB or 100 KiB in place of "Hello, World!".

PROXY_WORKLOADS=(proxy-keepalive-64 proxy-pipelined-64 proxy-body1k-64 proxy-body100k-64)
PROXY_PEERS=(direct uvnet-proxy nginx haproxy yarp)

# YARP from NuGet, in an app of the bench's own.
build_proxy_peers() {
  build_dotnet "$BENCH_DIR/peers/yarp/YarpPeer.csproj" "$BUILD_DIR/yarp"
}

# proxy_config <peer> <port> <upstream port> <dir>: writes the peer's configuration; prints its path.
proxy_config() {
  local peer=$1 port=$2 upstream=$3 dir=$4
  case $peer in
    nginx)
      # One process (no master), one worker's worth of connections, no log; HTTP/1.1 upstream with a keep-alive
      # pool (proxy_http_version and an emptied Connection field are what keepalive needs).
      mkdir -p "$dir/nginx"
      cat > "$dir/nginx/nginx.conf" << EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi;
  scgi_temp_path $dir/nginx/scgi;
  upstream upstream { server 127.0.0.1:$upstream; keepalive 128; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$port;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
      echo "$dir/nginx/nginx.conf"
      ;;
    haproxy)
      # One thread, HTTP mode with keep-alive both sides (its default) and upstream connections reused across
      # client connections (http-reuse always), no log.
      cat > "$dir/haproxy.cfg" << EOF
global
  nbthread 1
  maxconn 4096 # twice this in descriptors, under the harness's limit
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend in
  bind 127.0.0.1:$port
  default_backend upstream
backend upstream
  server s1 127.0.0.1:$upstream
EOF
      echo "$dir/haproxy.cfg"
      ;;
  esac
}

# proxy_command <peer> <port> <upstream port> <dir>: the command line that runs the peer.
proxy_command() {
  local peer=$1 port=$2 upstream=$3 dir=$4
  case $peer in
    uvnet-proxy) echo "dotnet $UVNET_SERVER_DLL proxy --to http://127.0.0.1:$upstream --port $port --loops 1 --quiet" ;;
    nginx) echo "nginx -c $(proxy_config nginx "$port" "$upstream" "$dir") -e stderr" ;;
    haproxy) echo "haproxy -db -f $(proxy_config haproxy "$port" "$upstream" "$dir")" ;;
    yarp) echo "dotnet $BUILD_DIR/yarp/Uvnet.Bench.YarpPeer.dll --port $port --to http://127.0.0.1:$upstream" ;;
  esac
}

# run_proxy_once <workload> <round> <peer>: the upstream on $LOAD_CPU, the proxy on $SERVER_CPU, wrk on $LOAD_CPU.
run_proxy_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round bound=$((HTTP_WARMUP_SECONDS + HTTP_SECONDS + 90))
  local dir=$RAW_DIR/proxy/$peer-$round
  mkdir -p "$dir"
  fresh_port
  local upstream_port=$PORT upstream_wrapper body=()
  case $workload in
    proxy-body1k-*) body=(--body 1024) ;;
    proxy-body100k-*) body=(--body 102400) ;;
  esac
  if ! start_pinned "$LOAD_CPU" "$bound" "$log.upstream.log" "$BUILD_DIR/http-ceiling" --port "$upstream_port" "${body[@]}" ||
    ! wait_for_port "$upstream_port" "$CHILD_PID" 30; then
    stop_started "$WRAPPER_PID"
    fail_run "$workload" "$peer" "$round" "the upstream did not listen" "$log.upstream.log"
    return
  fi
  upstream_wrapper=$WRAPPER_PID
  local proxy_wrapper= proxy_pid=
  if [[ $peer != direct ]]; then
    fresh_port
    # shellcheck disable=SC2046 # the command line is words
    if ! start_pinned "$SERVER_CPU" "$bound" "$log.server.log" $(proxy_command "$peer" "$PORT" "$upstream_port" "$dir") ||
      ! wait_for_port "$PORT" "$CHILD_PID" 30; then
      stop_started "$WRAPPER_PID"
      stop_started "$upstream_wrapper"
      fail_run "$workload" "$peer" "$round" "the proxy did not listen" "$log.server.log"
      return
    fi
    proxy_wrapper=$WRAPPER_PID proxy_pid=$CHILD_PID
  fi
  local mode=${workload#proxy-} # keep-alive unless pipelined-*; the connections follow the last "-"
  wrk_run "$mode" "$HTTP_WARMUP_SECONDS" > "$log.warmup.log" 2>&1
  local before= after=
  [[ -n $proxy_pid ]] && before=$(cpu_ticks "$proxy_pid")
  wrk_run "$mode" "$HTTP_SECONDS" > "$log.wrk.log" 2>&1
  [[ -n $proxy_pid ]] && after=$(cpu_ticks "$proxy_pid" 2> /dev/null)
  local rate_words=
  [[ $workload == proxy-keepalive-* ]] && rate_words=$(rate_latency_words "http://127.0.0.1:$PORT/plaintext" "$log.rate.log")
  [[ -n $proxy_wrapper ]] && stop_started "$proxy_wrapper"
  stop_started "$upstream_wrapper"
  if [[ -n $proxy_pid && (-z $before || -z $after) ]]; then
    fail_run "$workload" "$peer" "$round" "the proxy exited during the run" "$log.server.log"
    return
  fi

  if ! wrk_figures "$log.wrk.log"; then
    fail_run "$workload" "$peer" "$round" "no requests" "$log.wrk.log"
    return
  fi
  local rps=$WRK_RPS p50=$WRK_P50 p99=$WRK_P99 errors=$WRK_ERRORS
  # The proxy's CPU per request: its user + system time over the requests wrk counted (none for direct).
  local cpu= cpu_shown=
  if [[ -n $proxy_pid ]]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$rps" -v s="$HTTP_SECONDS" 'BEGIN {printf "%.2f", 1e6 * t / hz / (n * s)}')
    cpu_shown="  proxy cpu ${cpu} us/req"
  fi
  local tail_latency="p99_ms=$p99" tail_shown="p99 ${p99} ms"
  [[ $workload == *pipelined-* ]] && tail_latency= tail_shown="p99 not measured"
  record_result_line "$workload" "$peer" "$round" \
    "RESULT requests_per_sec=$rps p50_ms=$p50 $tail_latency ${cpu:+cpu_us_per_req=$cpu} errors=$errors $rate_words"
  progress_end "$rps req/s  p50 ${p50} ms  $tail_shown$cpu_shown${rate_words:+  at $LATENCY_RATE/s: $rate_words}$( ((errors > 0)) && echo "  ERRORS $errors")"
}

run_proxy_suite() {
  begin_suite proxy
  # Two ports a run, from a range of its own: other suites (and other worktrees' benches) count up from 20100, and
  # Linux's ephemeral ports (a connection's local end, not seen by fresh_port's check) start at 32768.
  NEXT_PORT=$((21000 + RANDOM % 11000))
  say "== proxy: ${PROXY_WORKLOADS[*]} (proxy on CPU $SERVER_CPU; wrk and the libuv canned upstream on CPU $LOAD_CPU, ${HTTP_WARMUP_SECONDS} s warm-up + ${HTTP_SECONDS} s measured)"
  interleave run_proxy_once "${PROXY_WORKLOADS[@]}" -- "${PROXY_PEERS[@]}"
}
