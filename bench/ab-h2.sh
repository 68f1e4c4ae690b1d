#!/usr/bin/env bash
# A/B of two or more uvnet builds over HTTP/2, interleaved: `uvnet hello --loops 1` on CPU 0 under h2load (64
# connections, h2c with prior knowledge, CPU 1), 16 and 100 streams per connection. Prints requests/s, the response
# header bytes h2load received per response, and the server's CPU time per request, split into the loop thread and
# the runtime's other threads. h2load on one core limits the rate here: compare the CPU per request.
#   bench/ab-h2.sh ROUNDS SECONDS old=/path/to/uvnet-build new=/path/to/other-build
# Build each with `dotnet build -c Release src/Server -o DIR`. WARM (seconds, default 12) must outlast tiered JIT, as
# in ab-http.sh; STREAMS (default "16 100") picks the -m values; TLS=1 runs h2 over TLS (ALPN) with a certificate
# made here.
set -u
rounds=${1:?rounds}; dur=${2:?seconds}; shift 2; builds=("$@")
[ ${#builds[@]} -ge 2 ] || { echo "name=dir for at least two builds" >&2; exit 2; }
warm=${WARM:-12}; port=${PORT:-18700}; streams=${STREAMS:-16 100}
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
loopcpu() { for t in /proc/$1/task/*; do grep -q '^uvnet loop' $t/comm && sed 's/.*) //' $t/stat | awk '{s+=$12+$13} END{print s}'; done | awk '{s+=$1} END{print s+0}'; }
per_request() { awk -v c=$1 -v n=$2 'BEGIN{printf "%.2f", c*1000000/100/n}'; } # clock ticks are 10 ms
scheme=http tls=()
if [ "${TLS:-0}" = 1 ]; then
  certs=$(mktemp -d); trap 'rm -rf "$certs"' EXIT
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$certs/key.pem" -out "$certs/cert.pem" \
    -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1' -days 1 -nodes 2>/dev/null
  scheme=https tls=(--cert "$certs/cert.pem" --key "$certs/key.pem")
fi
run() {
  local name=$1 dir=$2 m=$3; port=$((port+1))
  timeout -k 5 $((2 * warm + 2 * dur + 120)) taskset -c 0 dotnet "$dir/uvnet.dll" hello --port $port --loops 1 --quiet "${tls[@]}" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sk -o /dev/null $scheme://127.0.0.1:$port/plaintext && break; sleep 0.1; done
  local server; server=$(pgrep -P $pid) # timeout's child: the server (taskset execs it)
  local load=(timeout -k 5 $((warm + dur + 60)) taskset -c 1 h2load -t1 -c64 -m$m $scheme://127.0.0.1:$port/plaintext)
  "${load[@]}" -D $warm >/dev/null 2>&1
  local c0 l0 c1 l1 out
  c0=$(cpu $server); l0=$(loopcpu $server)
  out=$("${load[@]}" -D $dur 2>/dev/null)
  c1=$(cpu $server); l1=$(loopcpu $server)
  kill -TERM $server; wait $pid 2>/dev/null
  local n; n=$(awk '/^requests:/ {print $8}' <<< "$out")
  local headers; headers=$(awk -v n=$n '/^traffic:/ {for (i = 1; i <= NF; i++) if ($(i + 1) == "headers") {h = $i; gsub(/[()]/, "", h)}} END {printf "%.1f", h / n}' <<< "$out")
  echo "m$m $name rps=$(awk '/^finished in/ {print $4}' <<< "$out") header_bytes=$headers us_cpu_per_req=$(per_request $((c1-c0)) $n)" \
    "loop_thread=$(per_request $((l1-l0)) $n) other_threads=$(per_request $((c1-c0-l1+l0)) $n)"
}
for _ in $(seq $rounds); do
  for m in $streams; do
    for b in "${builds[@]}"; do run "${b%%=*}" "${b#*=}" $m; done
  done
done
