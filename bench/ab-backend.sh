#!/usr/bin/env bash
# A/B of the loop's backends on one build, interleaved (epoll, io_uring, epoll, io_uring, ...): the issue's io_uring
# workloads. Ping-pong with 1 and 16 connections (the reactor peer, pinned to CPU 0), and `uvnet hello --loops 1` on
# CPU 0 under wrk on CPU 1: keep-alive at 64 connections, pipelined x16 at 64 and at 256 connections. The backend
# is chosen with UVNET_BACKEND, so every column runs the same binaries. Besides the rate, each line gives the CPU
# time per operation (microseconds): for ping-pong the whole process's (start-up included, the same for every
# column), for HTTP the server's during the measured run; on a machine shared with other work it varies far less
# than the rate.
#   bench/ab-backend.sh ROUNDS SECONDS PEER_DIR SERVER_DIR [BACKEND...]
# BACKEND: epoll or io_uring (the default is both), optionally followed by more of the environment, comma-separated
# (io_uring,VAR=1), to compare variants of one backend. Build with `dotnet build -c Release bench/peers/uvnet -o
# PEER_DIR` and `dotnet build -c Release src/Server -o SERVER_DIR`. WARM (seconds, default 12) must outlast tiered
# JIT (see ab-http.sh). WORKLOADS narrows the run (default: "pp1 pp16 ka64 pl64 pl256").
set -u
rounds=${1:?rounds}; secs=${2:?seconds}; peer=${3:?peer dir}; server=${4:?server dir}; shift 4
backends=("$@"); [ ${#backends[@]} -gt 0 ] || backends=(epoll io_uring)
warm=${WARM:-12}; port=${PORT:-18700}; workloads=${WORKLOADS:-"pp1 pp16 ka64 pl64 pl256"}
pipeline=$(cd "$(dirname "$0")" && pwd)/pipeline.lua
cpu() { awk '{print $14+$15}' /proc/$1/stat; } # clock ticks (10 ms)
per_op() { awk -v s=$1 -v n=$2 'BEGIN{printf "%.2f", (n > 0 ? s*1000000/n : 0)}'; }
pingpong() {
  local conns=$1 backend=$2 out rate times
  out=$(env UVNET_BACKEND=${backend//,/ } timeout -k 5 $((secs + 60)) taskset -c 0 /usr/bin/time -f "TIME %U %S" \
    dotnet "$peer/Uvnet.Bench.UvnetPeer.dll" pingpong --conns $conns --seconds $secs 2>&1)
  rate=$(sed -n 's/.*roundtrips_per_sec=\([0-9]*\).*/\1/p' <<< "$out"); times=$(awk '/^TIME/ {print $2+$3}' <<< "$out")
  echo "pingpong-$conns $backend rate=$rate us_cpu_per_op=$(per_op ${times:-0} $((${rate:-0} * secs)))"
}
http() {
  local mode=$1 conns=$2 backend=$3; port=$((port+1))
  env UVNET_BACKEND=${backend//,/ } timeout -k 5 $((warm + secs + 60)) taskset -c 0 \
    dotnet "$server/uvnet.dll" hello --port $port --loops 1 --quiet >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/plaintext && break; sleep 0.1; done
  local server; server=$(pgrep -P $pid) # timeout's child: the server (taskset execs it)
  local script=(); [ $mode = pipelined ] && script=(-s "$pipeline")
  taskset -c 1 wrk -t1 -c$conns -d${warm}s "${script[@]}" http://127.0.0.1:$port/plaintext -- 16 >/dev/null 2>&1
  local c0 c1 out n
  c0=$(cpu $server)
  out=$(taskset -c 1 wrk -t1 -c$conns -d${secs}s "${script[@]}" http://127.0.0.1:$port/plaintext -- 16 2>/dev/null)
  c1=$(cpu $server)
  kill -TERM $server; wait $pid 2>/dev/null
  n=$(awk '/requests in/ {print $1}' <<< "$out")
  echo "$mode-$conns $backend rate=$(awk '/Requests\/sec/ {print $2}' <<< "$out")" \
    "us_cpu_per_op=$(per_op $(awk -v t=$((c1 - c0)) 'BEGIN{print t/100}') ${n:-0})"
}
for _ in $(seq $rounds); do
  for w in $workloads; do
    for b in "${backends[@]}"; do
      case $w in
        pp1) pingpong 1 $b ;; pp16) pingpong 16 $b ;;
        ka64) http keepalive 64 $b ;; pl64) http pipelined 64 $b ;; pl256) http pipelined 256 $b ;;
      esac
    done
  done
done
