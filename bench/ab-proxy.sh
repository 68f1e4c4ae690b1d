#!/usr/bin/env bash
# A/B of two or more uvnet builds as a reverse proxy, interleaved: `uvnet proxy --loops 1` on CPU 0 forwarding wrk's
# requests (64 connections, CPU 1) to the libuv canned-response upstream (bench/peers/build/http-ceiling, CPU 1),
# keep-alive and pipelined x16. Prints requests/s and the proxy's CPU time per request, split into the loop thread
# and the runtime's other threads.
#   bench/ab-proxy.sh ROUNDS SECONDS old=/path/to/uvnet-build new=/path/to/other-build
# Build each with `dotnet build -c Release src/Server -o DIR`, and the upstream with `make -C bench/peers/libuv`.
# MODES (default "keepalive pipelined"); BODY (bytes, default the upstream's "Hello, World!") sets the upstream's body;
# WARM (seconds, default 12) must outlast tiered JIT (see ab-http.sh).
set -u
rounds=${1:?rounds}; dur=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
warm=${WARM:-12}; port=${PORT:-18700}; modes=${MODES:-keepalive pipelined}
here=$(cd "$(dirname "$0")" && pwd)
pipeline=$here/pipeline.lua upstream_bin=$here/peers/build/http-ceiling
[ -x "$upstream_bin" ] || { echo "build the upstream first: make -C bench/peers/libuv" >&2; exit 2; }
body=(); [ -n "${BODY:-}" ] && body=(--body "$BODY")
started=() # the upstream and proxy of the run under way: stopped however the script ends
trap '[ ${#started[@]} -gt 0 ] && kill "${started[@]}" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
loopcpu() { for t in /proc/$1/task/*; do grep -q '^uvnet loop' $t/comm && sed 's/.*) //' $t/stat | awk '{s+=$12+$13} END{print s}'; done | awk '{s+=$1} END{print s+0}'; }
per_request() { awk -v c=$1 -v n=$2 'BEGIN{printf "%.2f", c*1000000/100/n}'; } # clock ticks are 10 ms
run() {
  local name=$1 dir=$2 mode=$3; port=$((port+2))
  local up=$((port+1))
  timeout -k 5 $((warm + dur + 60)) taskset -c 1 "$upstream_bin" --port $up "${body[@]}" >/dev/null 2>&1 &
  local upstream=$!
  timeout -k 5 $((warm + dur + 60)) taskset -c 0 dotnet "$dir/uvnet.dll" proxy --to http://127.0.0.1:$up --port $port --loops 1 --quiet >/dev/null 2>&1 &
  local pid=$!
  started=($upstream $pid)
  for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$port/plaintext && break; sleep 0.1; done
  local server; server=$(pgrep -P $pid) # timeout's child: the proxy (taskset execs it)
  local script=(); [ $mode = pipelined ] && script=(-s "$pipeline")
  taskset -c 1 wrk -t1 -c64 -d${warm}s "${script[@]}" http://127.0.0.1:$port/plaintext -- 16 >/dev/null 2>&1
  local c0 l0 c1 l1 out
  c0=$(cpu $server); l0=$(loopcpu $server)
  out=$(taskset -c 1 wrk -t1 -c64 -d${dur}s "${script[@]}" http://127.0.0.1:$port/plaintext -- 16 2>/dev/null)
  c1=$(cpu $server); l1=$(loopcpu $server)
  kill -TERM $server; wait $pid 2>/dev/null
  kill -TERM $upstream; wait $upstream 2>/dev/null
  started=()
  local n; n=$(awk '/requests in/ {print $1}' <<< "$out")
  echo "$mode $name rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out") us_cpu_per_req=$(per_request $((c1-c0)) $n)" \
    "loop_thread=$(per_request $((l1-l0)) $n) other_threads=$(per_request $((c1-c0-l1+l0)) $n)" \
    "errors=$(awk '/Socket errors|Non-2xx/ {print}' <<< "$out" | tr -s ' ' | tr '\n' ';')"
}
for _ in $(seq $rounds); do
  for mode in $modes; do
    for b in "${builds[@]}"; do run "${b%%=*}" "${b#*=}" $mode; done
  done
done
