# The tls suite (issue 19's performance section): HTTPS servers pinned to one core, the load on the other, with
# certificates the script makes with openssl (ECDSA P-256 and RSA 2048, self-signed for 127.0.0.1 and localhost):
#   tls-handshake-ecdsa, tls-handshake-rsa  full handshakes/s: TLS_HANDSHAKE_CLIENTS `openssl s_time -new` at once
#   tls-resumed                             resumed handshakes/s: peers/node/tlsclient.js resumed (tickets)
#   tls-keepalive-64                        HTTPS plaintext keep-alive, wrk over TLS, 64 connections (+ uvnet-plain)
#   tls-bulk                                MB/s over one connection: wrk -c1 fetching a 1 MiB body over and over
#   tls-idle-1k                             memory per idle TLS connection: tlsclient.js idle holds TLS_IDLE_CONNS
# Peers: nginx (Debian's, worker_processes 1, the same certificate: OpenSSL's ceiling), node (node:https), kestrel
# (SslStream), uvnet (`uvnet hello --cert`; `uvnet serve --cert` for the bulk file). Server CPU is the process tree's
# (nginx: master and worker), so every peer's figure per handshake counts all it spent.

TLS_WORKLOADS=(tls-handshake-ecdsa tls-handshake-rsa tls-resumed tls-bulk tls-idle-1k)
TLS_KEEPALIVE_WORKLOAD=tls-keepalive-64 # run apart: it adds uvnet-plain, Uvnet's own plaintext, for the 0.75x target
TLS_HANDSHAKE_CLIENTS=8                 # s_time is one connection at a time: several keep the server busy
TLS_RESUME_CONCURRENCY=32
TLS_IDLE_CONNS=1000
TLS_BULK_BYTES=$((1024 * 1024))

# make_tls_files: certificates (one per key type, same names), the bulk file served by uvnet and nginx.
make_tls_files() {
  TLS_DIR=$RAW_DIR/tls-files
  mkdir -p "$TLS_DIR/www"
  local subject=(-subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' -days 30 -nodes)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$TLS_DIR/ecdsa.key" -out "$TLS_DIR/ecdsa.pem" \
    "${subject[@]}" > "$RAW_DIR/logs/tls-certs.log" 2>&1 &&
    openssl req -x509 -newkey rsa:2048 -keyout "$TLS_DIR/rsa.key" -out "$TLS_DIR/rsa.pem" "${subject[@]}" >> "$RAW_DIR/logs/tls-certs.log" 2>&1 ||
    { show_log_tail "$RAW_DIR/logs/tls-certs.log"; die "openssl could not make the certificates"; }
  head -c "$TLS_BULK_BYTES" /dev/urandom > "$TLS_DIR/www/bulk"
}

# nginx_conf <port> <key type|plain> [h2]: an nginx.conf for one run (master and one worker, no daemon, files in the
# raw folder); "plain" serves without TLS, "h2" serves HTTP/2 (by ALPN with TLS, h2c with prior knowledge without).
# keepalive_requests bounds an HTTP/2 connection's requests too (nginx 1.19.7+): raised, so no run's load is cut off.
nginx_conf() {
  local port=$1 key=$2 h2=${3:-} dir=$RAW_DIR/nginx-$1 listen="listen 127.0.0.1:$1" tls= http2=
  mkdir -p "$dir"
  [[ $key != plain ]] && listen+=" ssl" tls="ssl_certificate $TLS_DIR/$key.pem;
    ssl_certificate_key $TLS_DIR/$key.key;
    ssl_protocols TLSv1.2 TLSv1.3;"
  if [[ -n $h2 ]]; then
    # `http2 on` came with nginx 1.25.1; before it (Debian 12 has 1.22) HTTP/2 is a parameter of listen.
    if printf '%s\n' 1.25.1 "$(nginx -v 2>&1 | sed -n 's|.*nginx/||p')" | sort -VC; then
      http2="http2 on;"
    else
      listen+=" http2"
    fi
  fi
  cat > "$dir/nginx.conf" << EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000000;
  keepalive_timeout 130s;
  server {
    $listen;
    $http2
    $tls
    root $TLS_DIR/www;
    location = /plaintext { default_type text/plain; return 200 "Hello, World!"; }
    location = /bulk { default_type application/octet-stream; }
  }
}
EOF
  echo "$dir/nginx.conf"
}

# tls_server_command <peer> <workload> <port>: the command line of one run's server.
tls_server_command() {
  local peer=$1 workload=$2 port=$3 key=ecdsa
  [[ $workload == tls-handshake-rsa ]] && key=rsa
  local cert=(--cert "$TLS_DIR/$key.pem" --key "$TLS_DIR/$key.key")
  case $peer in
    nginx) echo "nginx -c $(nginx_conf "$port" "$key")" ;;
    node) echo "node $BENCH_DIR/peers/node/http.js ${cert[*]} --port $port" ;;
    kestrel) echo "dotnet $BUILD_DIR/kestrel/Uvnet.Bench.KestrelPeer.dll ${cert[*]} --port $port" ;;
    uvnet)
      if [[ $workload == tls-bulk ]]; then
        echo "dotnet $UVNET_SERVER_DLL serve $TLS_DIR/www --loops 1 --quiet --host 127.0.0.1 ${cert[*]} --port $port"
      else
        echo "dotnet $UVNET_SERVER_DLL hello --loops 1 --quiet --host 127.0.0.1 ${cert[*]} --port $port"
      fi
      ;;
    uvnet-plain) echo "dotnet $UVNET_SERVER_DLL hello --loops 1 --quiet --host 127.0.0.1 --port $port" ;;
  esac
}

# tree_cpu_ticks <pid>: user + system ticks of a process and its children (nginx's worker is the master's child).
tree_cpu_ticks() {
  local total pid
  total=$(cpu_ticks "$1") || return 1
  for pid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    total=$((total + $(cpu_ticks "$pid" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# tree_rss_kb <pid>: VmRSS of a process and its children.
tree_rss_kb() {
  local total pid
  total=$(status_kb "$1" VmRSS) || return 1
  [[ -n $total ]] || return 1
  for pid in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    total=$((total + $(status_kb "$pid" VmRSS 2>/dev/null || echo 0)))
  done
  echo "$total"
}

# s_time_load <port> <seconds>: TLS_HANDSHAKE_CLIENTS `openssl s_time -new` at once on the load CPU; prints the
# full handshakes they completed.
s_time_load() {
  local port=$1 seconds=$2 i out=$RAW_DIR/s_time.$$ clients=()
  for i in $(seq "$TLS_HANDSHAKE_CLIENTS"); do
    timeout -k 5 $((seconds + 30)) taskset -c "$LOAD_CPU" openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" \
      2>&1 | awk '/connections in .* real seconds/ {print $1}' > "$out.$i" &
    clients+=($!)
  done
  wait "${clients[@]}" # these only: the server runs in the background too
  cat "$out".* | awk '{n += $1} END {print n + 0}'
  rm -f "$out".*
}

# tls_load <workload> <seconds> <log>: one load run against $PORT; prints "count=N" (handshakes or requests) and
# what else the workload reports, as key=value words.
tls_load() {
  local workload=$1 seconds=$2 log=$3
  case $workload in
    tls-handshake-*)
      echo "count=$(s_time_load "$PORT" "$seconds")"
      ;;
    tls-resumed)
      local line
      line=$(timeout -k 5 $((seconds + 30)) taskset -c "$LOAD_CPU" node "$BENCH_DIR/peers/node/tlsclient.js" resumed \
        --port "$PORT" --seconds "$seconds" --concurrency "$TLS_RESUME_CONCURRENCY" 2> "$log" | tail -n 1)
      local n=${line#*handshakes=}
      n=${n%% *}
      echo "count=${n:-0} resumed=${line##*resumed=}"
      ;;
    tls-keepalive-64 | tls-bulk)
      local conns=64 path=/plaintext scheme=https
      [[ $workload == tls-bulk ]] && conns=1 path=/bulk
      [[ $TLS_PEER == uvnet-plain ]] && scheme=http
      timeout -k 5 $((seconds + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${seconds}s" --latency "${WRK_HEADERS[@]}" \
        "$scheme://127.0.0.1:$PORT$path" > "$log" 2>&1
      echo "count=$(awk '/requests in/ {print $1}' "$log") p50_ms=$(wrk_ms "$(awk '$1 == "50%" {print $2}' "$log")")" \
        "p99_ms=$(wrk_ms "$(awk '$1 == "99%" {print $2}' "$log")") errors=$(wrk_errors "$log")"
      ;;
  esac
}

# word <key> <words>: the value of key=value among the words.
word() {
  local w
  for w in $2; do
    [[ $w == "$1="* ]] && { echo "${w#*=}"; return; }
  done
}

# tls_warmup <workload> <server pid> <log>: the workload's load in 1 s slices until the server's process tree has used
# TLS_WARMUP_CPU_SECONDS of CPU (its JIT's too) or TLS_WARMUP_MAX_SECONDS have passed.
tls_warmup() {
  local workload=$1 server=$2 log=$3 start deadline=$((SECONDS + TLS_WARMUP_MAX_SECONDS)) now
  start=$(tree_cpu_ticks "$server") || return
  while ((SECONDS < deadline)); do
    tls_load "$workload" 1 "$log" > /dev/null
    now=$(tree_cpu_ticks "$server") || return
    awk -v t=$((now - start)) -v hz="$CLK_TCK" -v want="$TLS_WARMUP_CPU_SECONDS" 'BEGIN {exit !(t / hz >= want)}' && return
  done
}

run_tls_idle() {
  local workload=$1 round=$2 peer=$3 log=$4 server=$5
  tls_load tls-keepalive-64 1 "$log.warmup.log" > /dev/null # the request path warm: JIT and pools count as idle memory
  sleep 1
  local idle with ready
  idle=$(tree_rss_kb "$server")
  start_pinned "$LOAD_CPU" 120 "$log.client.log" node "$BENCH_DIR/peers/node/tlsclient.js" idle \
    --port "$PORT" --conns "$TLS_IDLE_CONNS" --hold 90
  local client_wrapper=$WRAPPER_PID
  ready=$(wait_for_line "$log.client.log" '^READY' 90 "$client_wrapper")
  sleep 1 # let the server finish what the last responses started
  with=$(tree_rss_kb "$server")
  stop_started "$client_wrapper"
  record_idle_result "$workload" "$peer" "$round" "$idle" "$with" "$ready" "$log"
}

run_tls_once() {
  local workload=$1 round=$2 peer=$3
  local log=$RAW_DIR/logs/$workload-$peer-$round
  fresh_port
  TLS_PEER=$peer
  # shellcheck disable=SC2046 # the command is words
  start_run_server "$workload" "$round" "$peer" $((TLS_WARMUP_MAX_SECONDS + TLS_SECONDS + 150)) "$log.server.log" \
    $(tls_server_command "$peer" "$workload" "$PORT") || return
  local server_wrapper=$WRAPPER_PID server=$CHILD_PID
  if [[ $workload == tls-idle-* ]]; then
    run_tls_idle "$workload" "$round" "$peer" "$log" "$server"
    stop_started "$server_wrapper"
    return
  fi
  tls_warmup "$workload" "$server" "$log.warmup.log"
  local before after hwm started words
  before=$(tree_cpu_ticks "$server")
  started=$(date +%s.%N)
  words=$(tls_load "$workload" "$TLS_SECONDS" "$log.load.log")
  local elapsed
  elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  after=$(tree_cpu_ticks "$server" 2> /dev/null)
  hwm=$(status_kb "$server" VmHWM 2> /dev/null)
  local rate_words= scheme=https insecure=-k
  [[ $peer == uvnet-plain ]] && scheme=http insecure=
  [[ $workload == tls-keepalive-64 && -n $after ]] &&
    rate_words=$(rate_latency_words "$scheme://127.0.0.1:$PORT/plaintext" "$log.rate.log" $insecure)
  stop_started "$server_wrapper"
  local count
  count=$(word count "$words")
  measured_run_ok "$workload" "$round" "$peer" "$log" "$before" "$after" "$count" "handshake or request" || return
  local cpu_seconds rate cpu_pct
  cpu_seconds=$(ticks_to_seconds $((after - before)))
  cpu_pct=$(awk -v c="$cpu_seconds" -v s="$elapsed" 'BEGIN {printf "%.0f", 100 * c / s}')
  case $workload in
    tls-handshake-* | tls-resumed)
      # Handshakes per second of the load's wall time, and the server's CPU per handshake: on a shared machine the
      # second moves far less (a server that waits for the CPU does fewer handshakes, not dearer ones).
      rate=$(awk -v n="$count" -v s="$elapsed" 'BEGIN {printf "%.0f", n / s}')
      local us resumed
      us=$(awk -v c="$cpu_seconds" -v n="$count" 'BEGIN {printf "%.0f", 1e6 * c / n}')
      resumed=$(word resumed "$words")
      record_result_line "$workload" "$peer" "$round" \
        "RESULT handshakes_per_sec=$rate cpu_us_per_handshake=$us cpu_pct=$cpu_pct${resumed:+ resumed_pct=$((100 * resumed / count))}"
      progress_end "$rate handshakes/s  ${us} us CPU each  cpu ${cpu_pct}%${resumed:+  resumed $((100 * resumed / count))%}"
      ;;
    tls-keepalive-64)
      rate=$(awk -v n="$count" -v s="$TLS_SECONDS" 'BEGIN {printf "%.0f", n / s}')
      local errors
      errors=$(word errors "$words")
      record_result_line "$workload" "$peer" "$round" \
        "RESULT requests_per_sec=$rate p50_ms=$(word p50_ms "$words") p99_ms=$(word p99_ms "$words") cpu_pct=$cpu_pct peak_rss_kb=$hwm errors=$errors $rate_words"
      progress_end "$rate req/s  p50 $(word p50_ms "$words") ms  p99 $(word p99_ms "$words") ms  cpu ${cpu_pct}%${rate_words:+  at $LATENCY_RATE/s: $rate_words}$( ((errors > 0)) && echo "  ERRORS $errors")"
      ;;
    tls-bulk)
      local bytes
      bytes=$(awk -v n="$count" -v b="$TLS_BULK_BYTES" -v s="$TLS_SECONDS" 'BEGIN {printf "%.0f", n * b / s}')
      record_result_line "$workload" "$peer" "$round" "RESULT bytes_per_sec=$bytes cpu_pct=$cpu_pct errors=$(word errors "$words")"
      progress_end "$((bytes / 1024 / 1024)) MiB/s  cpu ${cpu_pct}%"
      ;;
  esac
}

run_tls_suite() {
  begin_suite tls
  make_tls_files
  say "== tls: ${TLS_WORKLOADS[*]} $TLS_KEEPALIVE_WORKLOAD (server on CPU $SERVER_CPU, load on CPU $LOAD_CPU, warm-up to ${TLS_WARMUP_CPU_SECONDS} s of server CPU (at most ${TLS_WARMUP_MAX_SECONDS} s), ${TLS_SECONDS} s measured)"
  interleave run_tls_once "${TLS_WORKLOADS[@]}" -- "${TLS_PEERS[@]}"
  local keepalive_peers=("${TLS_PEERS[@]}")
  [[ -n ${UVNET_SERVER_DLL:-} ]] && keepalive_peers+=(uvnet-plain)
  interleave run_tls_once "$TLS_KEEPALIVE_WORKLOAD" -- "${keepalive_peers[@]}"
}
