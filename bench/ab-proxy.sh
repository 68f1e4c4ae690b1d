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
upstream_bin=$here/peers/build/http-ceiling
[ -x "$upstream_bin" ] || { echo "build the upstream first: make -C bench/peers/libuv" >&2; exit 2; }
body=(); [ -n "${BODY:-}" ] && body=(--body "$BODY")
started=() # the upstream and proxy of the run under way: stopped however the script ends
trap '[ ${#started[@]} -gt 0 ] && kill "${started[@]}" 2>/dev/null' EXIT
trap 'exit 130' INT TERM
source "$here/lib/ab.sh"
run() {
  local name=$1 dir=$2 mode=$3; port=$((port+2))
  local up=$((port+1)) url=http://127.0.0.1:$port/plaintext
  timeout -k 5 $((warm + dur + 60)) taskset -c 1 "$upstream_bin" --port $up "${body[@]}" >/dev/null 2>&1 &
  local upstream=$!
  timeout -k 5 $((warm + dur + 60)) taskset -c 0 dotnet "$dir/uvnet.dll" proxy --to http://127.0.0.1:$up --port $port --loops 1 --quiet >/dev/null 2>&1 &
  local pid=$!
  started=($upstream $pid)
  ab_wait_for $url
  local server; server=$(ab_server_of $pid) # the proxy
  ab_wrk $mode $warm $url >/dev/null 2>&1
  ab_measure $server ab_wrk $mode $dur $url
  kill -TERM $server; wait $pid 2>/dev/null
  kill -TERM $upstream; wait $upstream 2>/dev/null
  started=()
  local n; n=$(awk '/requests in/ {print $1}' <<< "$AB_OUT")
  echo "$mode $name rps=$(awk '/Requests\/sec/ {print $2}' <<< "$AB_OUT") $(ab_cpu_words $n)" \
    "errors=$(awk '/Socket errors|Non-2xx/ {print}' <<< "$AB_OUT" | tr -s ' ' | tr '\n' ';')"
}
for _ in $(seq $rounds); do
  for mode in $modes; do
    for b in "${builds[@]}"; do run "${b%%=*}" "${b#*=}" $mode; done
  done
done
