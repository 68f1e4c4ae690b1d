#!/usr/bin/env bash
# A/B of two or more uvnet builds over HTTP/2, interleaved: `uvnet hello --loops 1` on CPU 0 under h2load (64
# connections, h2c with prior knowledge, CPU 1), 16 and 100 streams per connection. Prints requests/s, the response
# header bytes h2load received per response, and the server's CPU time per request, split into the loop thread and
# the runtime's other threads. h2load on one core limits the rate here: compare the CPU per request.
#   bench/ab-h2.sh ROUNDS SECONDS old=/path/to/uvnet-build new=/path/to/other-build
# Build each with `dotnet build -c Release src/Server -o DIR`. WARM (seconds, default 12) must outlast tiered JIT, as
# in ab-http.sh; STREAMS (default "16 100") picks the -m values; TLS=1 runs h2 over TLS (ALPN) with a certificate
# made here. h2load runs by request count, each run sized to last about its seconds (see lib/h2load.sh).
set -u
rounds=${1:?rounds}; dur=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
warm=${WARM:-12}; port=${PORT:-18700}; streams=${STREAMS:-16 100}
source "$(dirname "$0")/lib/ab.sh"
source "$(dirname "$0")/lib/h2load.sh"
load_log=$(mktemp); trap 'rm -f "$load_log"; [ -n "${certs:-}" ] && rm -rf "$certs"' EXIT
scheme=http tls=()
if [ "${TLS:-0}" = 1 ]; then
  certs=$(mktemp -d)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$certs/key.pem" -out "$certs/cert.pem" \
    -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1' -days 1 -nodes 2>/dev/null
  scheme=https tls=(--cert "$certs/cert.pem" --key "$certs/key.pem")
fi
run() {
  local name=$1 dir=$2 m=$3; port=$((port+1))
  local url=$scheme://127.0.0.1:$port/plaintext
  timeout -k 5 $((5 * warm + 5 * dur + 120)) taskset -c 0 dotnet "$dir/uvnet.dll" hello --port $port --loops 1 --quiet "${tls[@]}" >/dev/null 2>&1 &
  local pid=$!
  ab_wait_for $url -k
  local server; server=$(ab_server_of $pid)
  # By request count (see lib/h2load.sh): the warm-up's last rate sizes a run of about $dur seconds.
  local rate; rate=$(h2load_warm $warm "$load_log" 1 $m $url)
  ab_measure $server h2load_for $dur ${rate:-0} "$load_log" 1 $m $url
  kill -TERM $server; wait $pid 2>/dev/null
  local out; out=$(cat "$load_log")
  local n; n=$(awk '/^requests:/ {print $8}' <<< "$out")
  local headers; headers=$(awk -v n=$n '/^traffic:/ {for (i = 1; i <= NF; i++) if ($(i + 1) == "headers") {h = $i; gsub(/[()]/, "", h)}} END {printf "%.1f", h / n}' <<< "$out")
  echo "m$m $name rps=$(h2load_rate "$load_log") header_bytes=$headers $(ab_cpu_words $n)"
}
for _ in $(seq $rounds); do
  for m in $streams; do
    for b in "${builds[@]}"; do run "${b%%=*}" "${b#*=}" $m; done
  done
done
