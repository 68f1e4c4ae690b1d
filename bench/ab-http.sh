#!/usr/bin/env bash
# A/B of two or more uvnet builds, interleaved: `uvnet hello --loops 1` on CPU 0 under wrk (64 connections, or CONNS; CPU 1),
# keep-alive and pipelined x16. Prints requests/s and the server's CPU time per request, split into the loop
# thread and the runtime's other threads.
#   bench/ab-http.sh ROUNDS SECONDS old=/path/to/uvnet-build new=/path/to/other-build
# Build each with `dotnet build -c Release src/Server -o DIR`. A build that is an executable file rather than a directory
# is run as `FILE --port P`: the libuv ceiling (bench/peers/build/http-ceiling, `make -C bench/peers/libuv`) in the same
# run, whose one thread is its loop. WARM (seconds, default 12) must outlast tiered JIT:
# pinned to one CPU, the runtime waits ten times longer before optimizing, about 7 s here.
set -u
rounds=${1:?rounds}; dur=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
warm=${WARM:-12}; port=${PORT:-18600}
source "$(dirname "$0")/lib/ab.sh"
run() {
  local name=$1 dir=$2 mode=$3; port=$((port+1))
  local url=http://127.0.0.1:$port/plaintext
  if [ -f "$dir" ]; then
    timeout -k 5 $((warm + dur + 60)) taskset -c 0 "$dir" --port $port >/dev/null 2>&1 &
  else
    timeout -k 5 $((warm + dur + 60)) taskset -c 0 dotnet "$dir/uvnet.dll" hello --port $port --loops 1 --quiet >/dev/null 2>&1 &
  fi
  local pid=$!
  ab_wait_for $url
  local server; server=$(ab_server_of $pid)
  ab_wrk $mode $warm $url >/dev/null 2>&1
  ab_measure $server ab_wrk $mode $dur $url
  kill -TERM $server; wait $pid 2>/dev/null
  local n; n=$(awk '/requests in/ {print $1}' <<< "$AB_OUT")
  echo "$mode $name rps=$(awk '/Requests\/sec/ {print $2}' <<< "$AB_OUT") $(ab_cpu_words $n)"
}
for _ in $(seq $rounds); do
  for mode in keepalive pipelined; do
    for b in "${builds[@]}"; do run "${b%%=*}" "${b#*=}" $mode; done
  done
done
